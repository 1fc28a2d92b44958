/**
 * Edits judged as typed (#13): a direct dependency whose range in package.json (the editor's buffer) the locked
 * version does not satisfy, or that the lockfile has no entry for, is "lockfile out of date" on its package.json
 * entry, and the version its range resolves to now is judged there (pacote, against a real registry on loopback). The
 * locked version stays judged on its lockfile line only: its findings and its card leave the package.json entry.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toJson, toText } from '../../../src/cli/format/check-report';
import { buildProject } from '../../../src/core/project';
import { diagnosticSpecs } from '../../../src/core/report/diagnostics';
import { type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import { CheckSession } from '../../../src/engine/session/session';
import { overrideTarget, staleDependencies } from '../../../src/engine/check/stale';
import { readProjectFiles } from '../../../src/engine/infra/project-files';
import { type RegistryCorpus, ScenarioBuilder, tarballPath } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { dirsWith, requireSharedFixtures } from '../../support/fixtures';
import { isolatedNpmEnv } from '../../support/npm-env';

const NOW = '2025-06-01T12:00:00.000Z';
const day = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();
const alice = { name: 'alice', email: 'alice@example.com' };
const mallory = { name: 'mallory', email: 'mallory@evil.example' };

async function buildCorpus(): Promise<RegistryCorpus> {
  const b = new ScenarioBuilder({ registryKey: null });
  // 1.0.1 is published by an account that published no release before (publisher-changed); 1.0.0 and 2.0.0 are
  // alice's. Both are maintainers throughout, so no version adds one.
  const both = [alice, mallory];
  b.package('lib')
    .version('1.0.0', { publishedAt: day(90), publisher: alice, maintainers: both })
    .version('1.0.1', { publishedAt: day(60), publisher: mallory, maintainers: both })
    .version('2.0.0', { publishedAt: day(30), publisher: alice, maintainers: both });
  // Its last release adds a postinstall.
  b.package('hooky')
    .version('1.0.0', { publishedAt: day(90), publisher: alice })
    .version('1.0.1', { publishedAt: day(30), publisher: alice, scripts: { postinstall: 'node setup.js' }, files: { 'setup.js': 'console.log(1)\n' } });
  b.package('plain').version('3.0.0', { publishedAt: day(90), publisher: alice });
  return b.build();
}

describe('lockfile out of date: edits judged as typed', function () {
  this.timeout(60_000);
  let corpus: RegistryCorpus;
  let registry: FixtureRegistry;
  let dir: string;
  let manifestText: string;

  before(async () => {
    corpus = await buildCorpus();
    registry = await startFixtureRegistry(corpus);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-outdated-'));
    const locked = { lib: '1.0.1', plain: '3.0.0' };
    const dependencies = { lib: '^1.0.0', plain: '^3.0.0' };
    const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies } };
    for (const [name, version] of Object.entries(locked)) {
      packages[`node_modules/${name}`] = {
        version,
        resolved: `${registry.url}${tarballPath(name, version).slice(1)}`,
        integrity: corpus.packuments.get(name)!.versions[version].dist.integrity,
      };
    }
    manifestText = JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2);
    fs.writeFileSync(path.join(dir, 'package.json'), manifestText);
    fs.writeFileSync(
      path.join(dir, 'package-lock.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
    );
  });
  after(async () => registry?.close());

  /** A check with package.json's buffer as `edit` makes it (the file on disk stays as it was). */
  const check = (edit?: (text: string) => string): Promise<CheckReport> =>
    runCheck({
      projectDir: dir,
      overlay: edit ? new Map([['package.json', edit(manifestText)]]) : undefined,
      registry: registry.url,
      advisories: { npm: false, osv: false },
      now: new Date(NOW),
      content: 'off',
      cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-outdated-cache-')),
      env: isolatedNpmEnv(dir),
    });
  const onManifest = (r: CheckReport, name: string) =>
    r.findings.filter((f) => f.locations.some((l) => l.file === 'package.json' && l.kind !== 'via') && f.package === name);
  const manifestLine = (text: string, name: string) => text.split('\n').findIndex((l) => l.includes(`"${name}"`)) + 1;

  it('as the lockfile says: the locked version is judged everywhere, nothing is out of date', async () => {
    const r = await check();
    assert.deepEqual(
      onManifest(r, 'lib').map((f) => `${f.code} ${f.version}`),
      ['publisher-changed 1.0.1'],
    );
    assert.ok(!r.findings.some((f) => f.code === 'check-incomplete'), JSON.stringify(r.findings.map((f) => f.message)));
    // A narrower range the locked version still satisfies is no change either.
    const narrower = await check((t) => t.replace('"lib": "^1.0.0"', '"lib": "~1.0.1"'));
    assert.ok(!narrower.findings.some((f) => f.code === 'check-incomplete'));
  });

  it('pinned to 1.0.0 in the buffer: "lockfile out of date" on the entry, 1.0.0 judged there, 1.0.1 only in the lockfile', async () => {
    const edited = (t: string) => t.replace('"lib": "^1.0.0"', '"lib": "1.0.0"');
    const r = await check(edited);
    const onEntry = onManifest(r, 'lib');
    assert.deepEqual(
      onEntry.map((f) => `${f.code} ${f.version}`),
      ['check-incomplete 1.0.0'],
      JSON.stringify(onEntry.map((f) => f.message)),
    );
    assert.equal(
      onEntry[0].message,
      'Lockfile out of date — package-lock.json locks lib@1.0.1, which "1.0.0" does not allow: judged lib@1.0.0, what the range resolves to now; what it depends on is not checked until npm install updates the lockfile',
    );
    assert.equal(onEntry[0].line, manifestLine(edited(manifestText), 'lib'));
    assert.equal(onEntry[0].severity, 'high', 'at the threshold: what 1.0.0 depends on is unknown');
    // The locked version's finding stays, on its lockfile line only.
    const old = r.findings.find((f) => f.package === 'lib' && f.version === '1.0.1')!;
    assert.equal(old.code, 'publisher-changed');
    assert.deepEqual(
      old.locations.map((l) => l.file),
      ['package-lock.json'],
    );
    // The hover card on the package.json entry is 1.0.0's, and says what was not checked; 1.0.1's is on the lockfile.
    const card100 = r.cards.find((c) => c.name === 'lib' && c.version === '1.0.0')!;
    assert.ok(card100.locations.some((l) => l.file === 'package.json'));
    assert.deepEqual(
      card100.notChecked?.map((g) => g.signal),
      ['lockfile-outdated'],
    );
    const card101 = r.cards.find((c) => c.name === 'lib' && c.version === '1.0.1')!;
    assert.deepEqual([...new Set(card101.locations.map((l) => l.file))], ['package-lock.json']);
    assert.deepEqual(
      r.notChecked.map((u) => `${u.package}@${u.version} ${u.status}`),
      ['lib@1.0.0 partly-judged'],
    );
    // The CLI says so in text and JSON: the finding on package.json, and the entry in "Not checked".
    const text = toText(r, r.findings, 'high');
    assert.match(text, /^HIGH +check-incomplete +lib@1\.0\.0 +package\.json:\d+\n +Lockfile out of date — package-lock\.json locks lib@1\.0\.1/m);
    assert.match(text, /^ +lib@1\.0\.0 +lockfile out of date: package-lock\.json locks lib@1\.0\.1, which "1\.0\.0" does not allow/m);
    const json = toJson(r, r.findings, 'high', true);
    assert.equal(json.summary.complete, false);
    assert.deepEqual(
      json.summary.notChecked.map((u) => [u.package, u.version, u.signals.map((g) => g.signal)]),
      [['lib', '1.0.0', ['lockfile-outdated']]],
    );
    assert.ok(json.findings.some((f) => f.code === 'check-incomplete' && f.file === 'package.json' && f.message.startsWith('Lockfile out of date')));
    // The editor: one diagnostic on the package.json entry (the line typed), none for 1.0.1 there.
    const line = manifestLine(edited(manifestText), 'lib') - 1;
    const onLine = diagnosticSpecs(r.findings).filter((d) => d.file === 'package.json' && d.range.start.line === line);
    assert.deepEqual(
      onLine.map((d) => [d.code, d.severity, d.data.version]),
      [['check-incomplete', 'high', '1.0.0']],
    );
    assert.match(onLine[0].message, /Lockfile out of date/);
  });

  it('a range moved past the locked major: the newest version it allows is judged', async () => {
    const r = await check((t) => t.replace('"lib": "^1.0.0"', '"lib": "^2.0.0"'));
    const onEntry = onManifest(r, 'lib');
    assert.deepEqual(
      onEntry.map((f) => `${f.code} ${f.version}`),
      ['check-incomplete 2.0.0'],
    );
    assert.match(onEntry[0].message, /^Lockfile out of date — package-lock\.json locks lib@1\.0\.1, which "\^2\.0\.0" does not allow: judged lib@2\.0\.0/);
  });

  it('a dependency typed in that the lockfile has no entry for gets a diagnostic: its findings and "lockfile out of date"', async () => {
    const r = await check((t) => t.replace('"plain": "^3.0.0"', '"plain": "^3.0.0",\n    "hooky": "^1.0.0"'));
    const onEntry = onManifest(r, 'hooky');
    assert.deepEqual(onEntry.map((f) => `${f.code} ${f.version}`).sort(), ['check-incomplete 1.0.1', 'install-script-added 1.0.1']);
    assert.match(
      onEntry.find((f) => f.code === 'check-incomplete')!.message,
      /^Lockfile out of date — package-lock\.json has no entry for hooky@\^1\.0\.0: judged hooky@1\.0\.1/,
    );
    assert.ok(
      r.cards.some((c) => c.name === 'hooky' && c.version === '1.0.1'),
      'its hover card',
    );
  });

  it('typing in one range during a session: pacote asks the registry for its document once', async () => {
    const session = new CheckSession(60_000);
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-typing-cache-'));
    const typed = (range: string) =>
      runCheck({
        projectDir: dir,
        overlay: new Map([['package.json', manifestText.replace('"lib": "^1.0.0"', `"lib": "${range}"`)]]),
        registry: registry.url,
        advisories: { npm: false, osv: false },
        now: new Date(NOW),
        content: 'off',
        cacheDir,
        env: isolatedNpmEnv(dir),
        session,
      });
    // pacote's requests carry its own header (the engine's own history of lib is asked once, as before).
    const pacoteAsked = () => registry.requests.filter((r) => r.headers['pacote-req-type'] === 'packument' && r.url === '/lib').length;
    registry.resetRequests();
    const judged: string[] = [];
    for (const range of ['1.0.0', '2', '^2.0.0', '2.0.0', '>=2']) {
      const r = await typed(range);
      judged.push(
        r.cards
          .filter((c) => c.name === 'lib' && c.locations.some((l) => l.file === 'package.json'))
          .map((c) => c.version)
          .join(),
      );
    }
    assert.deepEqual(judged, ['1.0.0', '2.0.0', '2.0.0', '2.0.0', '2.0.0'], 'each range judged at what it resolves to');
    assert.equal(pacoteAsked(), 1, 'one document for five resolutions of the same name');
  });

  it('a range nothing satisfies: not checked, saying why, on the entry', async () => {
    const r = await check((t) => t.replace('"lib": "^1.0.0"', '"lib": "^9.0.0"'));
    const onEntry = onManifest(r, 'lib');
    assert.deepEqual(
      onEntry.map((f) => `${f.code} ${f.version}`),
      ['check-incomplete '],
    );
    assert.match(onEntry[0].message, /^lib was not checked — registry history: \^9\.0\.0 could not be resolved: no published version matches it/);
    assert.match(
      onEntry[0].message,
      /lockfile out of date: package-lock\.json locks lib@1\.0\.1, which "\^9\.0\.0" does not allow; until npm install updates it, nothing is known/,
    );
  });
});

describe('lockfile out of date: which entries are stale', () => {
  const model = (files: Record<string, string>) => buildProject('/p', new Map(Object.entries(files)));
  const stale = (files: Record<string, string>) =>
    staleDependencies(model(files)).map((s) => `${s.manifest.dir}:${s.dependency.name}${s.locked ? `@${s.locked.version}` : ' missing'}`);

  it('pnpm: a changed range and a new entry, per importer; tags, workspaces and overrides are left alone', () => {
    const lock = [
      "lockfileVersion: '9.0'",
      'importers:',
      '  .:',
      '    dependencies:',
      '      a:',
      '        specifier: ^1.0.0',
      '        version: 1.2.0',
      '      t:',
      '        specifier: latest',
      '        version: 1.0.0',
      '      o:',
      '        specifier: ^1.0.0',
      '        version: 2.0.0',
      '  packages/w:',
      '    dependencies:',
      '      a:',
      '        specifier: ^1.0.0',
      '        version: 1.2.0',
      'packages:',
      '  a@1.2.0: {resolution: {integrity: sha512-a}}',
      '  t@1.0.0: {resolution: {integrity: sha512-t}}',
      '  o@2.0.0: {resolution: {integrity: sha512-o}}',
      'snapshots:',
      '  a@1.2.0: {}',
      '  t@1.0.0: {}',
      '  o@2.0.0: {}',
      '',
    ].join('\n');
    const root = { name: 'root', dependencies: { a: '^1.0.0', t: 'next', o: '^1.0.0', w: 'workspace:*' }, pnpm: { overrides: { o: '2.0.0' } } };
    const files = {
      'package.json': JSON.stringify(root),
      'pnpm-workspace.yaml': "packages: ['packages/*']\n",
      'packages/w/package.json': JSON.stringify({ name: 'w', dependencies: { a: '^2.0.0', n: '^1.0.0' } }),
      'pnpm-lock.yaml': lock,
    };
    assert.deepEqual(stale(files), ['packages/w:a@1.2.0', 'packages/w:n missing']);
  });

  it('yarn classic: a range with no entry of its own is missing', () => {
    const lock = ['# yarn lockfile v1', '', 'a@^1.0.0:', '  version "1.2.0"', '  resolved "https://registry.yarnpkg.com/a/-/a-1.2.0.tgz"', ''].join('\n');
    assert.deepEqual(stale({ 'package.json': JSON.stringify({ dependencies: { a: '^1.0.0' } }), 'yarn.lock': lock }), []);
    assert.deepEqual(stale({ 'package.json': JSON.stringify({ dependencies: { a: '^1.1.0' } }), 'yarn.lock': lock }), ['.:a missing']);
  });

  it('override keys name the package they apply to', () => {
    assert.deepEqual(['a', 'a@1', 'p>a', '**/a', 'p/a', '@s/p/@t/a', '@t/a@^2'].map(overrideTarget), ['a', 'a', 'a', 'a', 'a', '@t/a', '@t/a']);
  });

  it('the real projects in ../shared (npm, yarn, pnpm; 4,000+ direct entries) are not out of date anywhere', async function () {
    const real = requireSharedFixtures(this, 'lockfiles/real');
    const dirs = dirsWith(real, ['package.json']).filter((d) => path.dirname(d) === real);
    assert.ok(dirs.length >= 10, dirs.join(', '));
    for (const d of dirs) {
      const m = buildProject(d, await readProjectFiles(d));
      assert.deepEqual(
        staleDependencies(m).map((s) => `${s.manifest.file}: ${s.dependency.name}`),
        [],
        path.basename(d),
      );
    }
  });
});
