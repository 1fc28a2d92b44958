/**
 * Never a false clean (#12), in a real VS Code: what TrustLens could not check is on screen. A packument the
 * registry answers with 500 is "not checked" on its lockfile entry and in the status item (warning colour, the
 * reasons in its tooltip); an unreachable registry makes the scan fail, which package.json and the status item say
 * until a scan succeeds; a wrong-typed lockfile field and a truncated lockfile are diagnostics where they are.
 * Screenshots of each step go to test-artifacts/e2e/<test>/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { RegistryCorpus } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type CodeServerSession, type Problem, makeTempDir, requireE2e, startCodeServer } from '../support/e2e/harness';
import { hookyCorpus, writeNpmProject } from '../support/e2e/hooky-project';
import { STATUS_ITEM, statusTooltip, statusUntil as statusUntilWithin } from '../support/e2e/status-item';

const NOW = '2024-06-01T00:00:00Z';
/**
 * A hang guard, not a timing: every wait here ends on a state of the screen (a Problems row, the status item's text);
 * this only stops a run whose scan never finishes. Scans on loopback take a few seconds on 2 cores.
 */
const HANG_GUARD_MS = 90_000;
const statusUntil = (s: CodeServerSession, what: string, ok: Parameters<typeof statusUntilWithin>[2]) => statusUntilWithin(s, what, ok, HANG_GUARD_MS);

/** The 1-based line of the first line of `file` in `dir` that contains `text`. */
function lineOf(dir: string, file: string, text: string): number {
  const index = fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(index >= 0, `${file} has a line with ${text}`);
  return index + 1;
}

/**
 * The TrustLens problems once `until` holds for two reads in a row: the panel is read page by page, and a file that
 * changed on disk makes it re-render (the JSON language server validates again).
 */
async function stableProblems(s: CodeServerSession, until: (rows: Problem[]) => boolean): Promise<Problem[]> {
  let previous: string | undefined;
  return s.problems({
    source: 'TrustLens',
    timeoutMs: HANG_GUARD_MS,
    until: (rows) => {
      const key = rows.map((r) => `${r.file}:${r.line}:${r.column} ${r.text}`).join('\n');
      const stable = until(rows) && key === previous;
      previous = key;
      return stable;
    },
  });
}

/**
 * A loopback port nothing listens on (it was free a moment ago): connections to it are refused. Should another
 * process take it meanwhile, bringing the registry back there fails with EADDRINUSE, loudly.
 */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const NOT_CHECKED_500 = /^hooky@1\.0\.1 was not checked — registry history: http:\/\/127\.0\.0\.1:\d+\/hooky answered 500/;

describe('e2e: what TrustLens could not check is on screen', function () {
  this.timeout(300_000);
  let corpus: RegistryCorpus;
  let registry: FixtureRegistry;
  let session: CodeServerSession | undefined;
  let workspace: string;

  before(async function () {
    requireE2e(this);
    corpus = await hookyCorpus();
    registry = await startFixtureRegistry(corpus);
    // The registry fails hooky's packument (every attempt: the client's retries included).
    registry.faults.push({ match: /^\/hooky$/, action: { status: 500 } });
    workspace = makeTempDir('incomplete');
    writeNpmProject(workspace, corpus, registry.url);
    session = await startCodeServer({
      workspace,
      test: 'not-checked',
      settings: { 'trustlens.registry': registry.url, 'trustlens.advisories.sources': [], 'trustlens.evaluationTime': NOW },
    });
    await session.waitForExtension('trustlens.trustlens');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) await session.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await session?.close();
    await registry?.close();
  });

  it('a packument answering 500: its lockfile entry and the status item say "not checked", and the tooltip says why', async () => {
    const s = session!;
    await s.openFile('package-lock.json');
    const rows = await stableProblems(s, (r) => r.some((x) => NOT_CHECKED_500.test(x.text)));
    await s.screenshot('lockfile-not-checked');
    const row = rows.find((r) => NOT_CHECKED_500.test(r.text))!;
    assert.equal(row.file, 'package-lock.json');
    assert.equal(row.line, lineOf(workspace, 'package-lock.json', '"node_modules/hooky"'), 'on its lockfile entry');
    assert.equal(row.severity, 'error', 'at the policy threshold (high): not a quiet note');
    assert.equal(row.code, 'check-incomplete');
    // Like every finding about a direct dependency, it is on its package.json entry too.
    const manifestRow = rows.find((r) => r.file === 'package.json' && NOT_CHECKED_500.test(r.text));
    assert.equal(manifestRow?.line, lineOf(workspace, 'package.json', '"hooky"'));
    assert.ok(!rows.some((r) => /plain/.test(r.text)), `the package that was judged, and is clean, has no problem: ${JSON.stringify(rows)}`);
    assert.ok(!rows.some((r) => /install-script-added|adds a postinstall/.test(r.text)), 'nothing is claimed about what was not read');

    // Hovering the dependency in package.json says it too, and shows no trust card that would look clean.
    await s.openFile('package.json');
    const hover = await s.hoverOn('"hooky"', { contains: /Install scripts:/ });
    await s.screenshot('hover-not-checked');
    assert.match(hover, /hooky@1\.0\.1 was not checked — registry history: .*answered 500/, 'the diagnostic');
    assert.match(hover, /Not checked: registry history \(http:\/\/127\.0\.0\.1:\d+\/hooky answered 500\)/, 'the trust card says it first');
    // hooky@1.0.1 does add a postinstall: the card must not say "none" about what it could not read.
    assert.match(hover, /Install scripts: not checked/);
    assert.match(hover, /Provenance: not checked/);
    assert.doesNotMatch(hover, /: none\b/);

    // The status item: a warning, never the clean shield.
    const status = await statusUntil(s, '"1 not checked"', (v) => /\b1 not checked\b/.test(v.text));
    await s.screenshot('status-not-checked');
    // Two errors (the entry in the lockfile and in package.json), no warnings, no notes, one version not checked.
    assert.equal(status.text, 'TrustLens 2 0 0 · 1 not checked');
    assert.deepEqual(status.icons.slice(1), ['error', 'warning', 'info']);
    assert.equal(status.icons[0], 'warning', 'a warning sign where the shield would be');
    assert.ok(!status.icons.includes('shield'), 'no clean shield');
    assert.equal(status.kind, 'warning', 'the warning background');

    const tooltip = await statusTooltip(s, /Not checked \(1\)/);
    assert.match(tooltip, /Not checked \(1\): unknown is not clean\./);
    assert.match(tooltip, /hooky@1\.0\.1 was not checked — registry history: http:\/\/127\.0\.0\.1:\d+\/hooky answered 500/);

    // Clicking it opens the Problems panel, where the reasons are.
    await s.page.keyboard.press('Control+J'); // hides the panel: the click must bring the Problems back
    await s.page.locator('.markers-panel').waitFor({ state: 'hidden' });
    await s.page.locator(STATUS_ITEM).click();
    await s.page.locator('.markers-panel').waitFor({ state: 'visible' });
    await s.screenshot('status-click-opens-problems');
  });

  it('once the registry answers again, a rescan judges it: the finding shows and "not checked" is gone', async () => {
    const s = session!;
    registry.faults.splice(0);
    await s.runCommand('TrustLens: Scan Workspace');
    const rows = await stableProblems(
      s,
      (r) => r.some((x) => /hooky@1\.0\.1 adds a postinstall script/.test(x.text)) && !r.some((x) => x.code === 'check-incomplete'),
    );
    await s.screenshot('registry-back-judged');
    assert.equal(rows.find((r) => /hooky@1\.0\.1 adds a postinstall/.test(r.text))!.line, lineOf(workspace, 'package-lock.json', '"node_modules/hooky"'));
    const status = await statusUntil(s, 'no "not checked"', (v) => !/not checked/.test(v.text) && v.icons[0] === 'shield');
    assert.equal(status.kind, undefined, 'no warning background');
  });

  it('a wrong-typed lockfile field ("version": 3.0) is "not checked" on its entry, not left out', async () => {
    const s = session!;
    writeNpmProject(workspace, corpus, registry.url, (t) => t.replace('"version": "3.0.0"', '"version": 3.0'));
    await s.openFile('package-lock.json');
    const rows = await stableProblems(s, (r) => r.some((x) => /^plain\b.* was not checked/.test(x.text)));
    await s.screenshot('wrong-typed-version');
    const row = rows.find((r) => /^plain\b.* was not checked/.test(r.text))!;
    assert.match(row.text, /lockfile entry/);
    assert.equal(row.file, 'package-lock.json');
    assert.equal(row.line, lineOf(workspace, 'package-lock.json', '"node_modules/plain"'), 'on its entry');
    const status = await statusUntil(s, '"1 not checked"', (v) => /\b1 not checked\b/.test(v.text));
    assert.equal(status.kind, 'warning');
  });

  it('a truncated pnpm-lock.yaml: the parse problem where the file breaks off, and what it holds beyond is "not checked"', async () => {
    const s = session!;
    const integrity = (name: string, v: string) => corpus.packuments.get(name)!.versions[v].dist.integrity;
    const full = [
      "lockfileVersion: '9.0'",
      '',
      'importers:',
      '',
      '  .:',
      '    dependencies:',
      '      hooky:',
      '        specifier: ^1.0.1',
      '        version: 1.0.1',
      '      plain:',
      '        specifier: ^3.0.0',
      '        version: 3.0.0',
      '',
      'packages:',
      '',
      '  hooky@1.0.1:',
      `    resolution: {integrity: ${integrity('hooky', '1.0.1')}}`,
      '',
      '  plain@3.0.0:',
      `    resolution: {integrity: ${integrity('plain', '3.0.0')}}`,
      '',
      'snapshots:',
      '',
      '  hooky@1.0.1: {}',
      '',
      '  plain@3.0.0: {}',
      '',
    ].join('\n');
    // The download (or the disk) broke off in the middle of plain's resolution.
    const cut = full.indexOf(`{integrity: ${integrity('plain', '3.0.0')}`) + 30;
    fs.rmSync(path.join(workspace, 'package-lock.json'));
    fs.writeFileSync(path.join(workspace, 'pnpm-lock.yaml'), full.slice(0, cut));
    const lines = full.slice(0, cut).split('\n');
    const end = { line: lines.length, column: lines.at(-1)!.length + 1 };

    await s.openFile('pnpm-lock.yaml');
    const rows = await stableProblems(
      s,
      (r) => r.some((x) => x.file === 'pnpm-lock.yaml' && /Invalid YAML/.test(x.text)) && r.some((x) => /could not be read in full/.test(x.text)),
    );
    await s.screenshot('truncated-pnpm-lock');
    const parse = rows.find((r) => r.file === 'pnpm-lock.yaml' && /Invalid YAML/.test(r.text))!;
    assert.equal(parse.severity, 'error');
    assert.deepEqual({ line: parse.line, column: parse.column }, end, 'where the file breaks off');
    const gap = rows.find((r) => /could not be read in full/.test(r.text))!;
    assert.equal(gap.file, 'pnpm-lock.yaml');
    assert.equal(gap.line, end.line);
    assert.match(gap.text, /^Not checked for any package — dependency tree \(pnpm-lock\.yaml\): pnpm-lock\.yaml could not be read in full/);
    const status = await statusUntil(s, '"not checked"', (v) => /\bnot checked\b/.test(v.text));
    assert.equal(status.kind, 'warning');
    assert.ok(!rows.some((r) => r.file === 'package-lock.json'), 'the deleted lockfile has no problems left');
  });
});

describe('e2e: a scan that fails says so until one succeeds', function () {
  this.timeout(300_000);
  let corpus: RegistryCorpus;
  let port: number;
  let registryUrl: string;
  let registry: FixtureRegistry | undefined;
  let session: CodeServerSession | undefined;
  let workspace: string;

  before(async function () {
    requireE2e(this);
    corpus = await hookyCorpus();
    // Nothing listens there yet: every request of the scan is refused (a registry, proxy or VPN that is down).
    port = await closedPort();
    registryUrl = `http://127.0.0.1:${port}/`;
    workspace = makeTempDir('scan-failed');
    writeNpmProject(workspace, corpus, registryUrl);
    session = await startCodeServer({
      workspace,
      test: 'scan-failed',
      settings: { 'trustlens.registry': registryUrl, 'trustlens.advisories.sources': [], 'trustlens.evaluationTime': NOW },
    });
    await session.waitForExtension('trustlens.trustlens');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) await session.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await session?.close();
    await registry?.close();
  });

  const COULD_NOT = /^TrustLens could not check this folder: /;

  it('an unreachable registry: package.json and the status item say the scan failed, and why', async () => {
    const s = session!;
    await s.openFile('package.json');
    const rows = await stableProblems(s, (r) => r.some((x) => COULD_NOT.test(x.text)));
    await s.screenshot('scan-failed-problems');
    const row = rows.find((r) => COULD_NOT.test(r.text))!;
    assert.equal(row.file, 'package.json');
    assert.equal(row.line, 1);
    assert.equal(row.severity, 'error');
    assert.match(row.text, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/`));
    assert.match(row.text, /Nothing in it is known to be clean/);

    const status = await statusUntil(s, '"scan failed"', (v) => /scan failed/.test(v.text));
    await s.screenshot('status-scan-failed');
    assert.equal(status.text, 'TrustLens 1 0 0 · scan failed', 'one error: the failure itself');
    assert.equal(status.icons[0], 'error');
    assert.ok(!status.icons.includes('shield'), 'no clean shield');
    assert.equal(status.kind, 'error', 'the error background');
    const tooltip = await statusTooltip(s, /The last scan failed/);
    assert.match(tooltip, new RegExp(`The last scan failed: .*cannot reach http://127\\.0\\.0\\.1:${port}/`));
    assert.match(tooltip, /Nothing is known to be clean/);
  });

  it('the registry back and "TrustLens: Scan Workspace": the failure clears and the findings show', async () => {
    const s = session!;
    registry = await startFixtureRegistry(corpus, { port });
    assert.equal(registry.url, registryUrl);
    await s.runCommand('TrustLens: Scan Workspace');
    const rows = await stableProblems(
      s,
      (r) => !r.some((x) => COULD_NOT.test(x.text)) && r.some((x) => /hooky@1\.0\.1 adds a postinstall script/.test(x.text)),
    );
    await s.screenshot('scan-recovered-problems');
    assert.ok(
      registry.requests.some((r) => r.url === '/hooky'),
      'the scan asked the registry that came back',
    );
    assert.ok(!rows.some((r) => r.code === 'check-incomplete'), `nothing is left "not checked": ${JSON.stringify(rows)}`);
    const status = await statusUntil(s, 'the shield again', (v) => !/scan failed|not checked/.test(v.text) && v.icons[0] === 'shield');
    await s.screenshot('status-recovered');
    assert.equal(status.kind, undefined, 'no error background');
  });
});
