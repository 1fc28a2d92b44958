import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PackageExposure } from '../../src/core/exposure';
import type { SourceRange } from '../../src/core/model';
import type { LocatedFinding } from '../../src/core/report/locate';
import { reportHtml } from '../../src/core/report/report-html';
import { releaseTimeline } from '../../src/core/report/timeline';
import { CODES } from '../../src/core/trust/codes';
import type { Advisory, PackageSummary, VersionSummary } from '../../src/core/trust/types';
import { parseReportMessage, type ReportHostMessage, type ReportPageMessage } from '../../src/protocol/report-page';
import type { ReportResult } from '../../src/protocol/service';
import { browserUnavailable, launchChromium, type Browser } from '../support/browser';
import { PROJECT_ROOT } from '../support/fixtures';
import { HANG_GUARD_MS } from '../support/wait';

/**
 * The trust report page as VS Code shows it: the HTML shell from reportHtml (its CSP and nonce) loading the bundle
 * `npm run build` makes from src/webview/, in Chromium, with acquireVsCodeApi stubbed to record what the page posts.
 * The test plays the extension: it waits for `ready`, posts a `{ type: 'report' }` message, and reads the DOM.
 */

const BUNDLE = path.join(PROJECT_ROOT, 'dist/webview/report.js');
const STYLE = path.join(PROJECT_ROOT, 'media/report.css');
/** Stands for the webview's resource origin (`webview.cspSource`); Playwright answers every request to it. */
const ORIGIN = 'https://webview.trustlens.test';
const NONCE = 'dGVzdC1ub25jZS0wMTIzNDU2Nzg5';
const NOW = new Date('2026-11-21T12:00:00Z');
const NAME = 'tiny-colorize';
const HOSTILE = '<img src=x onerror=alert(1)>';

// ---- A takeover: years of releases by one maintainer, then a new account's malicious release, then a clean one ----

function summary(): PackageSummary {
  const versions: Record<string, VersionSummary> = {};
  const jdoe = { name: 'jdoe', email: 'jdoe@example.org' };
  const provenance = { attestations: { url: 'https://registry.npmjs.org/-/npm/v1/attestations/x', provenancePredicateType: 'https://slsa.dev/provenance/v1' } };
  const add = (version: string, publishedAt: string, extra: Partial<VersionSummary> = {}) => {
    versions[version] = { version, publishedAt, publisher: jdoe, ...extra };
  };
  // Five routine releases: the list folds them into one row.
  ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4'].forEach((v, i) => add(v, `2022-0${i + 1}-10T10:00:00.000Z`));
  add('1.1.0', '2023-03-01T10:00:00.000Z', { deprecated: `Broken parser ${HOSTILE}` });
  add('2.0.0', '2024-05-01T10:00:00.000Z', provenance);
  add('2.0.1', '2025-02-01T10:00:00.000Z', provenance);
  // The takeover: a new account, no provenance, a postinstall.
  add('2.1.0', '2026-11-18T03:41:09.000Z', {
    publisher: { name: 'colorize-maint', email: 'x@proton.example' },
    installScripts: { postinstall: 'node ./setup.js' },
  });
  add('2.1.1', '2026-11-20T09:12:44.000Z', provenance);
  return {
    name: NAME,
    registry: 'https://registry.npmjs.org/',
    distTags: { latest: '2.1.1' },
    versions,
    trustMetadata: { publisher: true, maintainers: true, signatures: true, attestations: true },
    fetchedAt: NOW.toISOString(),
  };
}

const ADVISORIES: Advisory[] = [
  {
    id: 'MAL-2026-48211',
    aliases: [],
    source: 'osv',
    packageName: NAME,
    severity: 'critical',
    title: 'Malicious code in tiny-colorize',
    malware: true,
    affected: { kind: 'semver', range: '2.1.0' },
  },
];

const range = (line: number): SourceRange => ({
  start: { line: line - 1, character: 4 },
  end: { line: line - 1, character: 40 },
  startOffset: line * 40,
  endOffset: line * 40 + 36,
});

const FINDINGS: LocatedFinding[] = [
  {
    code: 'install-script-added',
    severity: 'high',
    package: NAME,
    version: '2.1.0',
    message: 'tiny-colorize@2.1.0 runs a postinstall script that 2.0.1 did not',
    evidence: [{ label: 'postinstall', value: 'node ./setup.js' }],
    safeVersion: '2.1.1',
    file: 'package-lock.json',
    line: 120,
    locations: [{ kind: 'lockfile', file: 'package-lock.json', line: 120, range: range(120) }],
    packageIds: ['node_modules/tiny-colorize'],
    direct: true,
    via: [],
  },
  {
    code: 'malware',
    severity: 'critical',
    package: NAME,
    version: '2.1.0',
    message: 'MAL-2026-48211: Malicious code in tiny-colorize',
    evidence: [{ label: 'advisory', value: 'MAL-2026-48211' }],
    safeVersion: '2.1.1',
    advisory: { id: 'MAL-2026-48211', title: 'Malicious code in tiny-colorize' },
    file: 'package-lock.json',
    line: 120,
    locations: [
      { kind: 'lockfile', file: 'package-lock.json', line: 120, range: range(120) },
      { kind: 'manifest', file: 'package.json', line: 14, range: range(14) },
    ],
    packageIds: ['node_modules/tiny-colorize'],
    direct: true,
    via: [],
  },
];

const commit = (hash: string, date: string, subject: string) => ({ hash, date, author: 'Ada', subject });
const EXPOSURE: PackageExposure = {
  windows: [
    {
      version: '2.0.1',
      file: 'package-lock.json',
      workspace: '.',
      opened: commit('a1b2c3d4e5f60718', '2025-03-02T08:00:00Z', 'add tiny-colorize'),
      closed: commit('b2c3d4e5f6071829', '2026-11-19T08:00:00Z', 'update deps'),
      flagged: [],
    },
    {
      version: '2.1.0',
      file: 'package-lock.json',
      workspace: '.',
      opened: commit('b2c3d4e5f6071829', '2026-11-19T08:00:00Z', 'update deps'),
      flagged: [
        {
          code: 'malware',
          severity: 'critical',
          message: 'Malicious code in tiny-colorize',
          advisory: { id: 'MAL-2026-48211', title: 'Malicious code in tiny-colorize', malware: true },
        },
      ],
    },
  ],
  unreadable: 0,
};

function reportMessage(): ReportHostMessage {
  const result: ReportResult = { timeline: releaseTimeline(summary(), ADVISORIES, ['2.1.0'], NOW), findings: FINDINGS, exposure: EXPOSURE };
  return { type: 'report', result, codes: CODES };
}

// ---- The page ----------------------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Page = any;
interface Route {
  request(): { url(): string };
  fulfill(response: { status?: number; contentType: string; body: string | Buffer }): Promise<void>;
  abort(): Promise<void>;
}

/** The stub VS Code's webview host would be: it records what the page posts, in order. */
const VSCODE_STUB = `window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState() {}, setState() {} });`;

describe('the report page (src/webview), rendered in Chromium', function () {
  // Each step waits for a selector or a condition, never for time; HANG_GUARD_MS only ends a hang.
  this.timeout(4 * HANG_GUARD_MS);
  let browser: Browser;
  let page: Page;
  const message = reportMessage();
  const errors: string[] = [];
  const strayRequests: string[] = [];

  before(async function () {
    const why = browserUnavailable() ?? (fs.existsSync(BUNDLE) ? undefined : `${path.relative(PROJECT_ROOT, BUNDLE)} is not built (npm run build)`);
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.route('**/*', async (route: Route) => {
      const url = route.request().url();
      const files: Record<string, [string, string]> = {
        [`${ORIGIN}/index.html`]: ['text/html', shell()],
        [`${ORIGIN}/dist/webview/report.js`]: ['text/javascript', fs.readFileSync(BUNDLE, 'utf8')],
        [`${ORIGIN}/media/report.css`]: ['text/css', fs.readFileSync(STYLE, 'utf8')],
      };
      const file = files[url];
      if (!file) {
        strayRequests.push(url);
        return route.abort();
      }
      return route.fulfill({ status: 200, contentType: file[0], body: file[1] });
    });
    await context.addInitScript({ content: VSCODE_STUB });
    page = await context.newPage();
    page.setDefaultTimeout(HANG_GUARD_MS);
    page.on('pageerror', (e: Error) => errors.push(e.message));
    page.on('console', (m: { type(): string; text(): string }) => m.type() === 'error' && errors.push(m.text()));

    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(`window.__posted.some((m) => m && m.type === 'ready')`);
    await page.evaluate((m: unknown) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(m, '*'), message);
    await page.locator('#report[aria-busy="false"]').waitFor({ state: 'attached' });
  });

  after(async () => {
    await browser?.close();
  });

  /** The shell exactly as the extension builds it, served from the stand-in webview origin. */
  function shell(): string {
    return reportHtml({
      cspSource: ORIGIN,
      nonce: NONCE,
      scriptUri: `${ORIGIN}/dist/webview/report.js`,
      styleUri: `${ORIGIN}/media/report.css`,
      title: `Trust report: ${NAME}`,
    });
  }

  const posted = async (): Promise<ReportPageMessage[]> => page.evaluate('window.__posted');
  const text = async (selector: string): Promise<string> => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const focused = async (): Promise<string | null> => page.evaluate(`document.activeElement && document.activeElement.getAttribute('aria-label')`);

  it('says ready, then renders the report with no error and fetches nothing but its script and style', async () => {
    assert.deepEqual((await posted())[0], { type: 'ready' });
    assert.deepEqual(errors, []);
    assert.deepEqual(strayRequests, []);
    assert.equal(await text('h1.pkg'), NAME);
  });

  it('the verdict banner names the worst finding, the locked version and the safe version', async () => {
    assert.match(await page.locator('.verdict').getAttribute('class'), /\bsev-critical\b/);
    assert.equal(await text('.verdict .chip.sev'), 'Critical');
    assert.equal(await text('.verdict-line strong'), CODES.malware.title);
    assert.match(await text('.verdict-line'), /in 2\.1\.0 · 1 more finding below$/);
    assert.equal(await text('.verdict-safe .mono'), '2.1.1');
    assert.equal(await page.locator('.verdict-safe button').getAttribute('aria-label'), `Pin ${NAME} to 2.1.1`);
    assert.equal(await text('.locked-list'), '2.1.0');
  });

  it('the timeline lists every release newest first, folds the routine run, and marks the breaks', async () => {
    const versions = message.result.timeline.releases.map((r) => r.version);
    assert.deepEqual(await page.locator('.releases .rel .ver').allTextContents(), [...versions].reverse());
    assert.equal(await page.locator('.strip .bar').count(), versions.length);
    // 1.0.0–1.0.4 look alike: one row until unfolded.
    assert.equal(await text('.run-toggle .c-ver'), '1.0.0 – 1.0.4');
    assert.equal(await page.locator('.run-rows').getAttribute('hidden'), '');
    const takeover = page.locator('.releases .rel.is-locked');
    assert.equal(await takeover.locator('.ver').textContent(), '2.1.0');
    assert.match(await takeover.getAttribute('class'), /\bt-red\b/);
    const changes = await takeover.locator('.details .change').allTextContents();
    assert.deepEqual(changes, ['new publisher colorize-maint', 'no provenance after provenance', 'new postinstall scriptnode ./setup.js']);
    assert.equal(await page.locator('.releases .rel .c-pub.pub-new').count(), 1, 'only the takeover has a new publisher');
    assert.equal(await takeover.locator('.c-pub.pub-new').textContent(), 'colorize-maint');
    assert.equal(await page.locator('.strip .bar.is-locked').getAttribute('data-i'), String(versions.indexOf('2.1.0')));
  });

  it('registry text is shown as text, never as markup', async () => {
    assert.equal(await page.locator('#report img, #report [onerror]').count(), 0);
    assert.match(await page.locator('.rel .chip.deprecated').getAttribute('title'), /Broken parser <img src=x onerror=alert\(1\)>/);
  });

  it('the exposure section shows when each version was locked', async () => {
    const cards = page.locator('.exposure .card');
    assert.equal(await cards.count(), 2);
    assert.deepEqual(await cards.nth(0).locator('.msg').allTextContents(), [
      'Locked by 2025-03-02 a1b2c3d4e5 (Ada) add tiny-colorize',
      'Removed by 2026-11-19 b2c3d4e5f6 (Ada) update deps',
    ]);
    assert.deepEqual(await cards.nth(1).locator('.msg').allTextContents(), ['Locked by 2026-11-19 b2c3d4e5f6 (Ada) update deps', 'Still locked at HEAD']);
    assert.equal(await cards.nth(1).locator('.chip.sev').textContent(), 'Critical');
    assert.equal(await cards.nth(1).locator('.desc').textContent(), 'malware MAL-2026-48211: Malicious code in tiny-colorize');
  });

  it('the Pin button posts the package and the safe version, which the extension accepts', async () => {
    await page.locator('.verdict button').click();
    const pin = (await posted()).at(-1);
    assert.deepEqual(pin, { type: 'pin', name: NAME, version: '2.1.1' });
    assert.deepEqual(parseReportMessage(pin, message.result), pin);
  });

  it("a finding's location button posts open with the file and line", async () => {
    await page.locator('.findings .card').first().locator('.where button').first().click();
    const open = (await posted()).at(-1);
    assert.deepEqual(open, { type: 'open', file: 'package-lock.json', line: 120 });
    assert.deepEqual(parseReportMessage(open, message.result), open);
  });

  it('keyboard: one tab stop per composite, arrows move, Enter in the overview reveals and focuses the release', async () => {
    assert.equal(await page.locator('.strip [tabindex="0"]').count(), 1);
    assert.equal(await page.locator('.releases [tabindex="0"]').count(), 1);
    await page.locator('.strip .bar[tabindex="0"]').focus();
    assert.match((await focused()) ?? '', /^2\.1\.1;/);
    await page.keyboard.press('ArrowLeft');
    assert.match((await focused()) ?? '', /^2\.1\.0 \(locked\);/);
    await page.keyboard.press('Home');
    assert.match((await focused()) ?? '', /^1\.0\.0;/);
    // Enter on the oldest bar unfolds its run and moves focus to its row in the list.
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('.run-toggle').getAttribute('aria-expanded'), 'true');
    assert.equal(await page.locator('.run-rows').getAttribute('hidden'), null);
    assert.equal(await page.evaluate(`document.activeElement.matches('.releases .rel')`), true);
    assert.match((await focused()) ?? '', /^1\.0\.0;/);
    await page.keyboard.press('ArrowUp');
    assert.match((await focused()) ?? '', /^1\.0\.1;/);
    assert.deepEqual(errors, []);
  });
});
