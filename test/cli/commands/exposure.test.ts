import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { NOW, type Scenario, buildScenario, writeProject } from '../../support/check-scenarios';
import { ExposureCache, packageExposure } from '../../../src/engine/history/exposure';
import { customTrustContext } from '../../../src/engine/sigstore/trust-root';
import { trustlens } from '../../support/cli';
import { isolatedNpmEnv } from '../../support/npm-env';

/** A real repository with real commits, at fixed dates (GIT_*_DATE), by named authors. */
class Repo {
  constructor(readonly dir: string) {
    this.git('init', '-q', '-b', 'main');
  }
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: this.dir, GIT_CONFIG_NOSYSTEM: '1' } });
  }
  commit(message: string, date: string, author: string): string {
    const env = {
      PATH: process.env.PATH,
      HOME: this.dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: author,
      GIT_AUTHOR_EMAIL: `${author}@example.com`,
      GIT_COMMITTER_NAME: author,
      GIT_COMMITTER_EMAIL: `${author}@example.com`,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    };
    execFileSync('git', ['add', '-A'], { cwd: this.dir, env });
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', message], { cwd: this.dir, env });
    return this.git('rev-parse', 'HEAD').trim();
  }
}

describe('trustlens exposure (CLI)', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let rootFile: string;
  let env: NodeJS.ProcessEnv;
  let repo: Repo;
  const hashes: string[] = [];
  const base = (dir: string) => [
    'exposure',
    dir,
    '--registry',
    registry.url,
    '--now',
    NOW,
    '--trusted-root',
    rootFile,
    '--no-content',
    '--cache-dir',
    path.join(dir, '.cache'),
  ];

  /** Writes the scenario project with `locked` into the repository's folder. */
  const lockAt = (locked: Record<string, string>) => {
    const tmp = writeProject(scenario, registry.url, locked);
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(tmp, f), path.join(repo.dir, f));
  };

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-exposure-'));
    rootFile = path.join(os.tmpdir(), `trustlens-exposure-root-${process.pid}.json`);
    fs.writeFileSync(rootFile, JSON.stringify(scenario.sigstore.trustedRootJSON));
    env = isolatedNpmEnv(dir);
    repo = new Repo(dir);
    fs.writeFileSync(path.join(dir, '.gitignore'), '.cache/\n');
    // Three commits move `malicious` into its malicious release and out again; `good-lib` stays throughout.
    lockAt({ 'good-lib': '1.2.0', malicious: '4.0.0' });
    hashes.push(repo.commit('add malicious 4.0.0', '2025-05-01T10:00:00Z', 'alice'));
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a lockfile change\n');
    repo.commit('docs', '2025-05-10T10:00:00Z', 'carol');
    lockAt({ 'good-lib': '1.2.0', malicious: '4.0.1' });
    hashes.push(repo.commit('bump malicious to 4.0.1', '2025-05-22T09:30:00Z', 'bob'));
    lockAt({ 'good-lib': '1.2.0', malicious: '4.0.0' });
    hashes.push(repo.commit('revert malicious to 4.0.0', '2025-05-25T16:00:00Z', 'alice'));
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('names exactly the window: the commit that brought 4.0.1 in and the one that took it out', async () => {
    const r = await trustlens([...base(repo.dir), '--format', 'json'], env);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.lockfiles, [{ file: 'package-lock.json', commits: 3 }]);
    assert.deepEqual(
      out.flagged.map((f: { name: string; version: string }) => `${f.name}@${f.version}`),
      ['malicious@4.0.1'],
    );
    const [f] = out.flagged;
    assert.ok(f.reasons.some((x: { code: string; advisory?: { malware: boolean } }) => x.code === 'malware' && x.advisory?.malware));
    assert.equal(f.windows.length, 1);
    const [w] = f.windows;
    assert.equal(w.file, 'package-lock.json');
    assert.equal(w.workspace, '.');
    assert.deepEqual(
      [w.opened.hash, w.opened.date, w.opened.author, w.opened.subject],
      [hashes[1], '2025-05-22T09:30:00.000Z', 'bob', 'bump malicious to 4.0.1'],
    );
    assert.deepEqual([w.closed.hash, w.closed.date, w.closed.author], [hashes[2], '2025-05-25T16:00:00.000Z', 'alice']);
    assert.equal(w.knownThen.hoursPublishedBeforeLock, Math.round((Date.parse('2025-05-22T09:30:00Z') - (Date.parse(NOW) - 10 * 86_400_000)) / 360_000) / 10);
    assert.deepEqual(out.notChecked, []);
    assert.equal(out.stats.commits, 3);
    assert.equal(out.stats.versions, 3, 'good-lib@1.2.0, malicious@4.0.0 and 4.0.1, each judged once');
  });

  it('the report page: every version of one package with its windows, the flagged one marked (in-process, as the service asks)', async () => {
    const cache = new ExposureCache();
    const check = {
      projectDir: repo.dir,
      now: new Date(NOW),
      registry: registry.url,
      cacheDir: path.join(repo.dir, '.cache'),
      content: 'off' as const,
      trust: customTrustContext(scenario.sigstore.trustedRootJSON),
      env,
    };
    const x = await packageExposure(check, 'malicious', cache);
    assert.equal(x.unavailable, undefined);
    assert.deepEqual(
      x.windows.map((w) => [w.version, w.opened.hash, w.closed?.hash, w.flagged.map((r) => r.code).includes('malware')]),
      [
        ['4.0.0', hashes[0], hashes[1], false],
        ['4.0.1', hashes[1], hashes[2], true],
        ['4.0.0', hashes[2], undefined, false],
      ],
    );
    assert.equal(cache.states.size, 2, "parses kept by blob: the third commit restores the first one's text");
    const none = await packageExposure({ ...check, projectDir: fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-nogit-')) }, 'malicious', cache);
    assert.match(none.unavailable ?? '', /not in a git repository/);
  });

  it('text: the versions, the commits (hash, date, author) and the closing line', async () => {
    const r = await trustlens(base(repo.dir), env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^malicious@4\.0\.1 {2}CRITICAL malware /);
    assert.ok(r.stdout.includes(`package-lock.json: locked by 2025-05-22 ${hashes[1].slice(0, 10)} (bob) "bump malicious to 4.0.1"`), r.stdout);
    assert.ok(r.stdout.includes(`removed by 2025-05-25 ${hashes[2].slice(0, 10)} (alice) "revert malicious to 4.0.0" — 3 days`), r.stdout);
    assert.match(r.stdout, /\n1 flagged version was locked in 1 window — 3 versions judged from package-lock\.json \(3 commits\), in [\d.]+ s\.\n$/);
  });

  it('still locked at HEAD; --since starts at the boundary commit; what was known then vs now', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-exposure-open-'));
    const r2 = new Repo(dir);
    const prev = repo;
    repo = r2;
    try {
      lockAt({ 'good-lib': '1.2.0' });
      r2.commit('init', '2025-04-01T00:00:00Z', 'alice');
      lockAt({ 'good-lib': '1.2.0', vulnerable: '1.0.0' });
      const added = r2.commit('add vulnerable', '2025-04-02T00:00:00Z', 'mallory');
      // An OSV record of the same advisory with its publication date: known after the version was locked.
      const osvDir = path.join(dir, '.cache', 'osv');
      fs.mkdirSync(osvDir, { recursive: true });
      fs.writeFileSync(
        path.join(osvDir, 'GHSA-test.json'),
        JSON.stringify({
          id: 'GHSA-test-late',
          published: '2025-05-01T00:00:00Z',
          modified: '2025-05-01T00:00:00Z',
          summary: 'late advisory',
          affected: [{ package: { ecosystem: 'npm', name: 'vulnerable' }, versions: ['1.0.0'] }],
        }),
      );
      const r = await trustlens([...base(dir), '--osv-dir', osvDir, '--format', 'json'], env);
      assert.equal(r.code, 1, r.stderr);
      const f = JSON.parse(r.stdout).flagged.find((x: { name: string }) => x.name === 'vulnerable');
      assert.equal(f.windows.length, 1);
      assert.equal(f.windows[0].opened.hash, added);
      assert.equal(f.windows[0].closed, undefined, 'still locked');
      const late = f.windows[0].knownThen.advisories.find((a: { id: string }) => a.id === 'GHSA-test-late');
      assert.deepEqual(late, { id: 'GHSA-test-late', published: '2025-05-01T00:00:00.000Z', when: 'while-locked' });
      const text = await trustlens([...base(dir), '--osv-dir', osvDir], env);
      assert.match(text.stdout, /still locked at HEAD/);
      assert.match(text.stdout, /GHSA-test-late published while it was locked \(2025-05-01\)/);

      const since = await trustlens([...base(dir), '--since', '2025-04-15', '--format', 'json'], env);
      const g = JSON.parse(since.stdout).flagged.find((x: { name: string }) => x.name === 'vulnerable');
      assert.equal(g.windows[0].openedBefore, true, 'already locked at the --since boundary');
      assert.equal(g.windows[0].opened.hash, added);
    } finally {
      repo = prev;
    }
  });

  it('a lockfile hash the registry does not have is its own window (integrity-mismatch)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-exposure-hash-'));
    const r2 = new Repo(dir);
    const prev = repo;
    repo = r2;
    try {
      lockAt({ 'good-lib': '1.2.0' });
      r2.commit('good', '2025-04-01T00:00:00Z', 'alice');
      const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
      const good = lock.packages['node_modules/good-lib'].integrity;
      lock.packages['node_modules/good-lib'].integrity = `sha512-${Buffer.alloc(64, 9).toString('base64')}`;
      fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
      const bad = r2.commit('tamper', '2025-04-02T00:00:00Z', 'mallory');
      lock.packages['node_modules/good-lib'].integrity = good;
      fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
      const fixed = r2.commit('fix', '2025-04-03T00:00:00Z', 'alice');
      const r = await trustlens([...base(dir), '--format', 'json'], env);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(
        out.flagged.map((f: { name: string; reasons: { code: string }[] }) => [f.name, f.reasons[0].code]),
        [['good-lib', 'integrity-mismatch']],
      );
      assert.deepEqual(
        out.flagged[0].windows.map((w: { opened: { hash: string }; closed: { hash: string } }) => [w.opened.hash, w.closed.hash]),
        [[bad, fixed]],
      );
    } finally {
      repo = prev;
    }
  });

  it('exit 0 when nothing flagged was ever locked; exit 2 with one line outside a repository or on bad options', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-exposure-clean-'));
    const r2 = new Repo(dir);
    const prev = repo;
    repo = r2;
    try {
      lockAt({ 'good-lib': '1.2.0' });
      r2.commit('init', '2025-04-01T00:00:00Z', 'alice');
    } finally {
      repo = prev;
    }
    const clean = await trustlens(base(dir), env);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /^No flagged version was ever locked — 1 versions judged from package-lock\.json \(1 commits\)/m);

    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-exposure-nogit-'));
    fs.writeFileSync(path.join(plain, 'package.json'), '{}');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-exposure-empty-'));
    new Repo(empty);
    for (const [args, reason] of [
      [['exposure', plain, '--offline'], /is not in a git repository/],
      [['exposure', empty, '--offline'], /has no commits yet/],
      [['exposure', repo.dir, '--since', 'last week'], /--since must be a date/],
      [['exposure', repo.dir, '--format', 'sarif'], /--format must be text or json/],
      [['exposure', repo.dir, '--now', 'soon'], /--now must be an ISO-8601 instant/],
    ] as const) {
      const r = await trustlens([...args], { ...env, GIT_CEILING_DIRECTORIES: os.tmpdir() });
      assert.equal(r.code, 2, args.join(' ') + r.stdout + r.stderr);
      assert.match(r.stderr, reason);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('hostile history: commit subjects and author names are data, not terminal escapes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-exposure-hostile-'));
    const r2 = new Repo(dir);
    const prev = repo;
    repo = r2;
    try {
      lockAt({ malicious: '4.0.1' });
      r2.commit('\x1b]0;pwned\x07evil \x1b[2J', '2025-05-22T00:00:00Z', 'eve\x1b[31m');
    } finally {
      repo = prev;
    }
    const r = await trustlens(base(dir), env);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, /\x1b/);
    assert.match(r.stdout, /\\x1b\]0;pwned\\x07evil/);
  });
});
