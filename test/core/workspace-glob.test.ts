import { strict as assert } from 'node:assert';
import { isWorkspaceDir, matchesWorkspaceGlob } from '../../src/core/workspace-glob';
import * as semver from 'semver';
import { parseSpec, sourceOfResolved } from '../../src/core/spec';
import { seededRandom } from '../support/rng';
import { buildProject, readPnpmWorkspace, workspaceGlobs } from '../../src/core/project';

describe('workspace globs', () => {
  it('matches one segment, any depth, alternatives and ./', () => {
    assert.ok(matchesWorkspaceGlob('packages/a', 'packages/*'));
    assert.ok(!matchesWorkspaceGlob('packages/a/b', 'packages/*'));
    assert.ok(matchesWorkspaceGlob('packages/a/b', 'packages/**'));
    assert.ok(matchesWorkspaceGlob('packages/a/b', 'packages/**/b'));
    assert.ok(matchesWorkspaceGlob('packages/b', 'packages/**/b'));
    assert.ok(matchesWorkspaceGlob('apps/web', '{apps,libs}/*'));
    assert.ok(matchesWorkspaceGlob('apps/web', './apps/web'));
    assert.ok(!matchesWorkspaceGlob('apps.x/web', 'apps/*'));
  });
  it('applies negations', () => {
    assert.ok(isWorkspaceDir('packages/a', ['packages/*', '!packages/b']));
    assert.ok(!isWorkspaceDir('packages/b', ['packages/*', '!packages/b']));
    assert.ok(!isWorkspaceDir('other/a', ['packages/*']));
  });
});

describe('dependency specs', () => {
  it('classifies the forms npm, yarn and pnpm accept', () => {
    const cases: [string, string][] = [
      ['^1.2.3', 'range'],
      ['1.2.3', 'version'],
      ['', 'range'],
      ['*', 'range'],
      ['latest', 'tag'],
      ['npm:foo@^1', 'alias'],
      ['npm:@s/foo', 'alias'],
      ['user/repo', 'git'],
      ['user/repo#semver:^1', 'git'],
      ['git+ssh://git@github.com/u/r.git#abc', 'git'],
      ['https://github.com/u/r.git', 'git'],
      ['https://example.com/x.tgz', 'remote'],
      ['file:../x', 'file'],
      ['../x', 'file'],
      ['link:../x', 'link'],
      ['workspace:^', 'workspace'],
      ['1.x || >=2.5.0', 'range'],
    ];
    for (const [spec, type] of cases) assert.equal(parseSpec(spec, 'p').type, type, spec);
    assert.deepEqual(parseSpec('npm:@s/foo@~2', 'x'), { type: 'alias', raw: 'npm:@s/foo@~2', registryName: '@s/foo', range: '~2' });
  });
  it('reads a version exactly where semver (loose) does (random specs, TRUSTLENS_FUZZ_SEED)', () => {
    const rnd = seededRandom(Number(process.env.TRUSTLENS_FUZZ_SEED ?? 20261207));
    const parts = ['1', '0', '22', '01', '.', '.', '.', 'v', '=', ' ', '\t', '^', '~', '-', '+', 'x', 'beta', '>=', '<', '||', '*'];
    let versions = 0;
    for (let i = 0; i < 30_000; i++) {
      const pick = (xs: string[]) => xs[Math.floor(rnd() * xs.length)];
      const num = () => pick(['0', '1', '22', '01', 'x', '*', '']);
      const s =
        rnd() < 0.5
          ? `${pick(['', 'v', '=', ' ', '^', '~', '>=', 'v=', ' v', 'V'])}${num()}.${num()}.${num()}${pick(['', '-beta', '-beta.1', '+b', ' ', ' - 2.0.0', '.4', '-', 'x'])}`
          : Array.from({ length: 1 + Math.floor(rnd() * 9) }, () => pick(parts)).join('');
      const semverSays = !!semver.valid(s.trim() === '' ? '*' : s.trim(), { loose: true });
      if (semverSays) versions++;
      assert.equal(parseSpec(s, 'p').type === 'version', semverSays, JSON.stringify(s));
    }
    assert.ok(versions > 200, `${versions} versions among the specs`);
  });
  it('tells registry tarballs from other sources', () => {
    assert.equal(sourceOfResolved('https://registry.npmjs.org/a/-/a-1.0.0.tgz'), 'registry');
    assert.equal(sourceOfResolved('https://registry.npmjs.org/@s/a/-/a-1.0.0.tgz'), 'registry');
    assert.equal(sourceOfResolved('https://example.com/files/a.tgz'), 'remote');
    assert.equal(sourceOfResolved('git+ssh://git@github.com/u/r.git#abc'), 'git');
    assert.equal(sourceOfResolved('file:../a'), 'file');
    assert.equal(sourceOfResolved(undefined), 'unknown');
  });
});

describe('pnpm-workspace.yaml', () => {
  it('reads the packages globs, keeping the strings of a list with other items', () => {
    const r = readPnpmWorkspace("packages:\n  - 'packages/*'\n  - 5\n  - apps/**\n  - '!**/test/**'\ncatalog:\n  react: ^18\n");
    assert.deepEqual(r.globs, ['packages/*', 'apps/**', '!**/test/**']);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.severity, p.range.start]),
      [['unexpected-type', 'warning', { line: 2, character: 4 }]],
    );
    assert.match(r.problems[0].message, /found a number \(5\)/);
  });

  it('an empty file, comments only, or settings only: the root alone, no problem', () => {
    for (const text of ['', '# nothing\n', 'shellEmulator: true\n', 'packages:\n'])
      assert.deepEqual(readPnpmWorkspace(text), { globs: [], problems: [] }, JSON.stringify(text));
  });

  it('follows an alias, as js-yaml does for pnpm', () => {
    assert.deepEqual(readPnpmWorkspace("x: &globs\n  - 'a/*'\npackages: *globs\n").globs, ['a/*']);
  });

  it('a broken file is a positioned problem in the model, not a silent empty list', () => {
    const cases: [string, RegExp, { line: number; character: number }][] = [
      ['packages: packages/*\n', /"packages" in pnpm-workspace.yaml should be a list of globs, found a string/, { line: 0, character: 10 }],
      ['- packages/*\n', /should be a mapping/, { line: 0, character: 0 }],
      ["packages:\n  - 'a/*'\n  - [\n", /Invalid YAML/, { line: 3, character: 0 }],
    ];
    for (const [text, message, start] of cases) {
      const model = buildProject(
        '/p',
        new Map([
          ['package.json', '{"name":"root"}'],
          ['pnpm-workspace.yaml', text],
        ]),
      );
      const p = model.problems.find((x) => x.file === 'pnpm-workspace.yaml');
      assert.ok(p, text);
      assert.match(p.message, message);
      assert.deepEqual(p.range.start, start, text);
      assert.equal(p.severity, 'error');
    }
    // What could be read before the break is kept: the workspace before the broken line is still found.
    const partial = buildProject(
      '/p',
      new Map([
        ['package.json', '{"name":"root"}'],
        ['pnpm-workspace.yaml', "packages:\n  - 'a/*'\n  - [\n"],
        ['a/x/package.json', '{"name":"x"}'],
      ]),
    );
    assert.deepEqual(
      partial.manifests.map((m) => m.file),
      ['a/x/package.json', 'package.json'],
    );
  });

  // Before: 400 KB of `packages: [[[[…` took the yaml library seconds and hundreds of megabytes (out of memory in
  // the CLI and the service, #12); workspaceGlobs swallowed whatever it threw and returned [] without a word.
  for (const [name, text] of [
    ['flow sequences', `packages: ${'['.repeat(400_000)}`],
    ['flow mappings', `packages: ${'{a: '.repeat(100_000)}`],
    ['block sequences on one line', `packages:\n  ${'- '.repeat(200_000)}x`],
    ['closed flow sequences', `packages: ${'['.repeat(200_000)}${']'.repeat(200_000)}`],
  ]) {
    it(`400 KB of nested ${name}: refused at the first level past the bound, positioned`, () => {
      const r = readPnpmWorkspace(text);
      assert.deepEqual(r.globs, []);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].code, 'invalid-yaml');
      assert.match(r.problems[0].message, /nests more than 16 levels deep here; it is not a pnpm-workspace\.yaml and was not read/);
      assert.ok(r.problems[0].range.startOffset < 100, `at the 17th level, not at the end (${r.problems[0].range.startOffset})`);
      assert.deepEqual(workspaceGlobs(undefined, text), []);
      const model = buildProject(
        '/p',
        new Map([
          ['package.json', '{}'],
          ['pnpm-workspace.yaml', text],
        ]),
      );
      assert.deepEqual(
        model.problems.map((p) => p.file),
        ['pnpm-workspace.yaml'],
      );
    });
  }

  it('a file larger than 1 MB is not read', () => {
    const text = `packages:\n${"  - 'packages/*'\n".repeat(70_000)}`;
    const r = readPnpmWorkspace(text);
    assert.deepEqual(r.globs, []);
    assert.match(r.problems[0].message, /larger than 1 MB/);
    assert.equal(r.problems[0].range.startOffset, 1024 * 1024);
  });

  it('anchors that multiply (a billion laughs) stay cheap: aliases are followed one step, never expanded', () => {
    const laughs = `a: &a [x, x]\n${Array.from({ length: 30 }, (_, i) => `b${i}: &b${i} [*${i ? `b${i - 1}` : 'a'}, *${i ? `b${i - 1}` : 'a'}]`).join('\n')}\npackages: *b29\n`;
    const r = readPnpmWorkspace(laughs);
    assert.deepEqual(r.globs, []);
    assert.deepEqual(
      r.problems.map((p) => p.code),
      ['unexpected-type', 'unexpected-type'],
    );
  });
});
