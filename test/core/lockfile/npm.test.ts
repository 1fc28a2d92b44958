import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nameFromLocation, parseNpmLockfile } from '../../../src/core/lockfile/npm';
import { parseManifest } from '../../../src/core/manifest';
import { parseLockfile } from '../../../src/core/project';
import { MAX_PATH_LENGTH, PATH_ELISION } from '../../../src/core/graph';
import { requireSharedFixtures } from '../../support/fixtures';

const v3 = JSON.stringify(
  {
    name: 'mono',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: 'mono',
        version: '1.0.0',
        workspaces: ['packages/*'],
        dependencies: { a: '^1.0.0', 'str-alias': 'npm:string-width@^4' },
        devDependencies: { d: '^1' },
        optionalDependencies: { o: '^1' },
      },
      'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: 'sha512-aaa', dependencies: { b: '^2.0.0' } },
      'node_modules/b': { version: '2.0.0', resolved: 'https://registry.npmjs.org/b/-/b-2.0.0.tgz', integrity: 'sha512-bbb' },
      'node_modules/a/node_modules/b': { version: '3.0.0', resolved: 'https://registry.npmjs.org/b/-/b-3.0.0.tgz' },
      'node_modules/d': { version: '1.1.0', dev: true, hasInstallScript: true },
      'node_modules/o': { version: '1.0.0', optional: true },
      'node_modules/str-alias': { name: 'string-width', version: '4.2.3' },
      'node_modules/ws-b': { resolved: 'packages/b', link: true },
      'packages/b': { name: 'ws-b', version: '0.0.1', dependencies: { b: '^2.0.0' }, devDependencies: { x: '1.0.0' } },
      'packages/b/node_modules/x': { version: '1.0.0', dev: true },
      'node_modules/gitdep': { version: '1.0.0', resolved: 'git+ssh://git@github.com/u/gitdep.git#0123456789abcdef' },
    },
  },
  null,
  2,
);

describe('package-lock.json v2/v3', () => {
  const lock = parseNpmLockfile(v3, 'package-lock.json');
  const pkg = (id: string) => lock.packages.find((p) => p.id === id)!;

  it('reads every package with the range of its key', () => {
    assert.equal(lock.problems.length, 0);
    assert.equal(lock.version, '3');
    assert.deepEqual(
      lock.packages.map((p) => p.id),
      [
        'node_modules/a',
        'node_modules/b',
        'node_modules/a/node_modules/b',
        'node_modules/d',
        'node_modules/o',
        'node_modules/str-alias',
        'packages/b/node_modules/x',
        'node_modules/gitdep',
      ],
    );
    const b = pkg('node_modules/a/node_modules/b');
    const line = v3.split('\n').findIndex((l) => l.includes('"node_modules/a/node_modules/b"'));
    assert.deepEqual(b.range.start, { line, character: 4 });
    assert.equal(v3.slice(b.range.startOffset, b.range.endOffset), '"node_modules/a/node_modules/b"');
  });

  it('resolves edges the way node does (nearest node_modules) and follows workspace links', () => {
    assert.deepEqual(pkg('node_modules/a').dependencies, [{ name: 'b', spec: '^2.0.0', type: 'prod', to: 'node_modules/a/node_modules/b' }]);
    const root = lock.importers.find((i) => i.id === '.')!;
    assert.deepEqual(
      root.dependencies.map((e) => [e.name, e.type, e.to]),
      [
        ['a', 'prod', 'node_modules/a'],
        ['str-alias', 'prod', 'node_modules/str-alias'],
        ['o', 'optional', 'node_modules/o'],
        ['d', 'dev', 'node_modules/d'],
      ],
    );
    const ws = lock.importers.find((i) => i.id === 'packages/b')!;
    assert.equal(ws.name, 'ws-b');
    assert.deepEqual(
      ws.dependencies.map((e) => e.to),
      ['node_modules/b', 'packages/b/node_modules/x'],
    );
  });

  it('marks direct, dev, optional, aliases, sources and install scripts', () => {
    assert.equal(pkg('node_modules/a').direct, true);
    assert.equal(pkg('node_modules/a/node_modules/b').direct, false);
    assert.equal(pkg('node_modules/b').direct, true, 'a workspace dependency is direct');
    assert.equal(pkg('node_modules/d').dev, true);
    assert.equal(pkg('node_modules/d').hasInstallScript, true);
    assert.equal(pkg('node_modules/o').optional, true);
    assert.equal(pkg('node_modules/str-alias').name, 'string-width');
    assert.equal(pkg('node_modules/str-alias').alias, 'str-alias');
    assert.equal(pkg('node_modules/gitdep').source, 'git');
    assert.equal(pkg('node_modules/a').source, 'registry');
    assert.equal(pkg('node_modules/a').integrity, 'sha512-aaa');
  });

  it('records dependency paths and workspaces', () => {
    assert.deepEqual(pkg('node_modules/a/node_modules/b').paths, [['.', 'node_modules/a', 'node_modules/a/node_modules/b']]);
    assert.deepEqual(pkg('node_modules/b').workspaces, ['packages/b']);
    assert.deepEqual(pkg('node_modules/b').paths, [['packages/b', 'node_modules/b']]);
    assert.deepEqual(pkg('node_modules/gitdep').paths, [], 'extraneous: nothing depends on it');
  });

  it('keeps the packages before a truncation and reports where the file breaks', () => {
    const cut = v3.slice(0, v3.indexOf('"node_modules/o"') + 5);
    const t = parseNpmLockfile(cut, 'package-lock.json');
    assert.deepEqual(t.packages.map((p) => p.id).slice(0, 4), ['node_modules/a', 'node_modules/b', 'node_modules/a/node_modules/b', 'node_modules/d']);
    assert.ok(t.problems.some((p) => p.code === 'invalid-json'));
    assert.equal(t.problems[0].range.start.line, cut.split('\n').length - 1);
  });

  it('never throws on junk and says what is wrong', () => {
    for (const junk of [
      '',
      '[1]',
      'null',
      '{"lockfileVersion":2,"packages":[]}',
      '{"packages":{"node_modules/a":5}}',
      '\u0000',
      '{"lockfileVersion":3,"packages":{"":{"dependencies":7}}}',
    ]) {
      const r = parseNpmLockfile(junk, 'package-lock.json');
      assert.ok(Array.isArray(r.packages), junk);
    }
    assert.equal(parseNpmLockfile('[1]', 'package-lock.json').problems[0].code, 'unexpected-type');
    const wrong = parseNpmLockfile('{"lockfileVersion":3,"packages":{\n"node_modules/a":5}}', 'package-lock.json');
    assert.deepEqual([wrong.problems[0].code, wrong.problems[0].range.start.line], ['unexpected-type', 1]);
  });

  it('survives hostile shapes: nesting deeper than any lockfile, and a 20,000-package dependency chain', () => {
    const deep = parseNpmLockfile('{"a":'.repeat(100_000), 'package-lock.json');
    assert.deepEqual([deep.problems[0].code, deep.problems[0].range.start.character], ['invalid-json', 5 * 1000]);
    assert.match(deep.problems[0].message, /nests more than 1000 levels/);
    const packages: Record<string, unknown> = { '': { dependencies: { p0: '1' } } };
    for (let i = 0; i < 20_000; i++) packages[`node_modules/p${i}`] = { version: '1.0.0', dependencies: { [`p${i + 1}`]: '1' } };
    const chain = parseNpmLockfile(JSON.stringify({ lockfileVersion: 3, packages }), 'package-lock.json');
    const last = chain.packages[chain.packages.length - 1];
    assert.equal(last.paths[0].length, MAX_PATH_LENGTH);
    assert.deepEqual(last.paths[0].slice(0, 2), ['.', PATH_ELISION]);
    assert.equal(last.paths[0][MAX_PATH_LENGTH - 1], 'node_modules/p19999');
  });

  it('warns about lockfile versions it does not know yet and still reads them', () => {
    const r = parseNpmLockfile('{"lockfileVersion":4,"packages":{"node_modules/a":{"version":"1.0.0"}}}', 'package-lock.json');
    assert.equal(r.packages.length, 1);
    assert.equal(r.problems[0].code, 'unsupported-lockfile-version');
  });
});

describe('package-lock.json v1', () => {
  const text = `{
  "name": "old",
  "version": "1.0.0",
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "a": {
      "version": "1.0.0",
      "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
      "integrity": "sha1-abc",
      "requires": { "b": "^1.0.0" },
      "dependencies": {
        "b": { "version": "1.5.0", "resolved": "https://registry.npmjs.org/b/-/b-1.5.0.tgz" }
      }
    },
    "b": { "version": "2.0.0", "dev": true },
    "al": { "version": "npm:real-name@3.0.0" },
    "g": { "version": "git+https://github.com/u/g.git#abcdef", "from": "git+https://github.com/u/g.git" }
  }
}`;
  const manifest = parseManifest('{"dependencies":{"a":"^1","al":"npm:real-name@^3","g":"u/g"},"devDependencies":{"b":"^2"}}');
  const lock = parseNpmLockfile(text, 'package-lock.json', manifest);
  const pkg = (id: string) => lock.packages.find((p) => p.id === id)!;

  it('walks the nested tree into install locations with positions', () => {
    assert.deepEqual(
      lock.packages.map((p) => `${p.id} ${p.name}@${p.version}`),
      ['node_modules/a a@1.0.0', 'node_modules/a/node_modules/b b@1.5.0', 'node_modules/b b@2.0.0', 'node_modules/al real-name@3.0.0', 'node_modules/g g@'],
    );
    // A v1 git dependency records no version, only its spec: the version is unknown, the source is not.
    assert.equal(pkg('node_modules/g').resolved, 'git+https://github.com/u/g.git#abcdef');
    assert.deepEqual(pkg('node_modules/a/node_modules/b').range.start, { line: 12, character: 8 });
  });

  it('resolves requires and root edges from package.json', () => {
    assert.equal(pkg('node_modules/a').dependencies[0].to, 'node_modules/a/node_modules/b');
    assert.deepEqual(
      lock.importers[0].dependencies.map((e) => [e.name, e.type, e.to]),
      [
        ['a', 'prod', 'node_modules/a'],
        ['al', 'prod', 'node_modules/al'],
        ['g', 'prod', 'node_modules/g'],
        ['b', 'dev', 'node_modules/b'],
      ],
    );
    assert.equal(pkg('node_modules/b').dev, true);
    assert.equal(pkg('node_modules/b').direct, true);
    assert.equal(pkg('node_modules/al').alias, 'al');
    assert.equal(pkg('node_modules/g').source, 'git');
  });

  it('reads v1 file: folders as links, tarballs by their file name', () => {
    const t = parseNpmLockfile(
      JSON.stringify({
        lockfileVersion: 1,
        dependencies: {
          linked: { version: 'file:libs/linked', requires: { x: '1' }, dependencies: { x: { version: '1.0.0' } } },
          tar: { version: 'file:tar-2.3.4.tgz', integrity: 'sha512-t' },
          remote: { version: 'https://registry.example/@s%2fremote/-/remote-0.1.0.tgz' },
        },
      }),
      'package-lock.json',
    );
    assert.deepEqual(
      t.packages.map((p) => `${p.id} ${p.name}@${p.version} ${p.source}`),
      [
        'libs/linked linked@ link',
        'libs/linked/node_modules/x x@1.0.0 unknown',
        'node_modules/tar tar@2.3.4 file',
        'node_modules/remote @s/remote@0.1.0 registry',
      ],
    );
    assert.equal(t.packages[0].dependencies[0].to, 'libs/linked/node_modules/x');
    assert.equal(t.importers[0].dependencies[0].to, 'libs/linked');
  });

  it('without package.json, takes the top level as the root edges', () => {
    const bare = parseNpmLockfile(text, 'package-lock.json');
    assert.deepEqual(
      bare.importers[0].dependencies.map((e) => e.to),
      ['node_modules/a', 'node_modules/b', 'node_modules/al', 'node_modules/g'],
    );
  });
});

describe('package-lock.json read strictly, as npm reads it (Lockfile.rejected)', () => {
  const ok = JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { version: '1.0.0' } } }, null, 2);
  const rejected = (text: string) => parseNpmLockfile(text, 'package-lock.json').rejected;

  it('valid JSON, with or without a byte-order mark: not rejected', () => {
    assert.equal(rejected(ok), undefined);
    assert.equal(rejected(`\uFEFF${ok}`), undefined);
  });

  it('a comment: rejected at it, the tolerant read keeps the packages, and a warning says why', () => {
    const text = ok.replace('"packages"', '// pinned by hand\n  "packages"');
    const lock = parseNpmLockfile(text, 'package-lock.json');
    assert.ok(lock.rejected);
    assert.deepEqual(lock.rejected.range.start, { line: 2, character: 2 });
    assert.equal(text.slice(lock.rejected.range.startOffset, lock.rejected.range.startOffset + 2), '//');
    // The reason, short, to quote; the problem says it all.
    assert.equal(lock.rejected.message, "unexpected '/' where a key should be");
    assert.deepEqual(
      lock.packages.map((p) => p.id),
      ['node_modules/a'],
    );
    assert.deepEqual([lock.problems[0].code, lock.problems[0].severity, lock.problems[0].range], ['invalid-json', 'warning', lock.rejected.range]);
    assert.equal(
      lock.problems[0].message,
      "npm cannot use package-lock.json (unexpected '/' where a key should be): npm install ignores the lockfile and installs freshly resolved versions",
    );
  });

  it('a trailing comma, a cut-off file: rejected where JSON.parse stops', () => {
    const comma = ok.replace('"version": "1.0.0"', '"version": "1.0.0",');
    const at = parseNpmLockfile(comma, 'package-lock.json').rejected!.range.startOffset;
    assert.equal(comma[at], '}');
    assert.equal(comma.slice(0, at).trimEnd().endsWith('"1.0.0",'), true);
    const cut = ok.slice(0, ok.indexOf('"version"'));
    assert.equal(parseNpmLockfile(cut, 'package-lock.json').rejected!.range.startOffset, cut.length);
  });

  it('an empty file, and a root that is not an object: npm reads no locked version from them', () => {
    for (const text of ['', ' \n', 'null', '[]', '"x"', '7']) {
      const r = rejected(text);
      assert.ok(r, JSON.stringify(text));
      assert.deepEqual(r.range.start, { line: 0, character: 0 });
      assert.match(r.message, /^(the file is empty|it holds (null|an array|a string|a number), not an object, so npm reads no locked version from it)$/);
    }
  });

  it('merge conflicts: rejected only when npm cannot merge the sides (parse-conflict-json)', () => {
    const mergeable = ok.replace('"version": "1.0.0"', '<<<<<<< HEAD\n"version": "1.0.1"\n=======\n"version": "1.0.0"\n>>>>>>> b');
    assert.equal(parseLockfile('package-lock.json', mergeable, []).rejected, undefined);
    const dangling = ok
      .replace('"node_modules/a": {', '"node_modules/z": {},\n<<<<<<< HEAD\n"node_modules/a": {')
      .replace('"version": "1.0.0"\n    }', '"version": "1.0.0"\n    }\n=======\n"node_modules/a": { "version": "1.0.1" }\n>>>>>>> b');
    const lock = parseLockfile('package-lock.json', dangling, []);
    assert.match(lock.rejected!.message, /^its merge conflict cannot be merged: the text the conflict sides share .* is not valid JSON/);
    assert.deepEqual(
      lock.packages.map((p) => `${p.id}@${p.version}`),
      ['node_modules/z@', 'node_modules/a@1.0.0'],
      'the HEAD side is still read',
    );
    assert.deepEqual(
      lock.problems.map((p) => [p.code, p.severity]),
      [
        ['merge-conflict', 'error'],
        ['invalid-json', 'warning'],
      ],
    );
  });
});

describe('package-lock.json fields of the wrong type (InstalledPackage.invalid)', () => {
  const at = (text: string, r: { startOffset: number; endOffset: number }) => text.slice(r.startOffset, r.endOffset);

  it('v3: a numeric version, a numeric resolved, an object integrity, a non-object entry: kept, invalid, a warning at the value', () => {
    const text = JSON.stringify(
      {
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { a: '^7.0.0', b: '^1.0.0', c: '^1.0.0', d: '^1.0.0', ok: '^1.0.0' } },
          'node_modules/a': { version: 7.6, resolved: 'https://registry.npmjs.org/a/-/a-7.6.0.tgz', integrity: 'sha512-a' },
          'node_modules/b': { version: '1.0.0', resolved: 5, integrity: 'sha512-b' },
          'node_modules/c': { version: '1.0.0', resolved: 'https://registry.npmjs.org/c/-/c-1.0.0.tgz', integrity: {} },
          'node_modules/d': 'oops',
          'node_modules/ok': { version: '1.0.0', resolved: 'https://registry.npmjs.org/ok/-/ok-1.0.0.tgz', integrity: 'sha512-ok' },
        },
      },
      null,
      2,
    );
    const lock = parseNpmLockfile(text, 'package-lock.json');
    const byId = new Map(lock.packages.map((p) => [p.id, p]));
    assert.deepEqual(
      lock.packages.map((p) => [p.id, p.name, p.version, p.invalid ?? null]),
      [
        ['node_modules/a', 'a', '', 'its "version" is a number (7.6), not a string'],
        ['node_modules/b', 'b', '1.0.0', 'its "resolved" is a number (5), not a string'],
        ['node_modules/c', 'c', '1.0.0', 'its "integrity" is an object, not a string'],
        ['node_modules/ok', 'ok', '1.0.0', null],
        ['node_modules/d', 'd', '', 'the entry is a string, not an object'],
      ],
    );
    assert.equal(byId.get('node_modules/a')!.integrity, 'sha512-a', 'what can be read is kept');
    for (const p of lock.packages) assert.equal(p.direct, true, `${p.id} is still reached from the root`);
    const problems = lock.problems.map((p) => [p.code, p.severity, at(text, p.range)]);
    // Warnings: the file was read; what follows for the package is on it (invalid), not an unread lockfile.
    assert.deepEqual(problems.sort(), [
      ['unexpected-type', 'warning', '"oops"'],
      ['unexpected-type', 'warning', '5'],
      ['unexpected-type', 'warning', '7.6'],
      ['unexpected-type', 'warning', '{}'],
    ]);
    assert.match(lock.problems.find((p) => at(text, p.range) === '7.6')!.message, /"version" of "node_modules\/a" should be a string, found a number \(7\.6\)/);
    assert.equal(lock.rejected, undefined, 'valid JSON: npm parses it (and then cannot use those entries)');
  });

  it('v1: the same checks in the nested tree, placed on the nested entry', () => {
    const text = JSON.stringify(
      {
        lockfileVersion: 1,
        dependencies: {
          a: { version: '1.0.0', integrity: 'sha512-a', dependencies: { b: { version: 2, resolved: 'https://registry.npmjs.org/b/-/b-2.0.0.tgz' } } },
          c: { version: '1.0.0', integrity: ['sha512-c'] },
          d: 7,
        },
      },
      null,
      2,
    );
    const lock = parseNpmLockfile(text, 'package-lock.json');
    assert.deepEqual(
      lock.packages.map((p) => [p.id, p.version, p.invalid ?? null]),
      [
        ['node_modules/a', '1.0.0', null],
        ['node_modules/a/node_modules/b', '', 'its "version" is a number (2), not a string'],
        ['node_modules/c', '1.0.0', 'its "integrity" is an array, not a string'],
        ['node_modules/d', '', 'the entry is a number (7), not an object'],
      ],
    );
    const b = lock.problems.find((p) => p.message.includes('node_modules/a/node_modules/b'))!;
    assert.equal(at(text, b.range), '2');
    assert.equal(text.split('\n')[b.range.start.line].trim(), '"version": 2,');
    assert.equal(at(text, lock.problems.find((p) => p.message.includes('"integrity"'))!.range), '[\n        "sha512-c"\n      ]');
  });

  it('a non-object entry outside node_modules (a workspace folder) is a warning, not a package', () => {
    const lock = parseNpmLockfile(JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'packages/a': 5 } }), 'package-lock.json');
    assert.deepEqual(lock.packages, []);
    assert.deepEqual(
      lock.problems.map((p) => [p.code, p.severity]),
      [['unexpected-type', 'warning']],
    );
  });
});

describe('package-lock.json v1 git dependencies', () => {
  it("reads every git spec npm 5/6 wrote as git, under the entry's own name", () => {
    const lock = parseNpmLockfile(
      JSON.stringify({
        lockfileVersion: 1,
        dependencies: {
          gh: { version: 'github:u/gh#0123456789abcdef0123456789abcdef01234567', from: 'github:u/gh' },
          gl: { version: 'gitlab:u/gl#0123456789abcdef0123456789abcdef01234567', from: 'gitlab:u/gl' },
          bb: { version: 'bitbucket:u/bb#0123456789abcdef0123456789abcdef01234567' },
          https: { version: 'git+https://github.com/u/https.git#0123456789abcdef0123456789abcdef01234567', from: 'git+https://github.com/u/https.git#v1' },
          ssh: { version: 'git+ssh://git@github.com/u/ssh.git#0123456789abcdef0123456789abcdef01234567', from: 'git+ssh://git@github.com/u/ssh.git' },
          scp: { version: 'git@github.com:u/scp.git#0123456789abcdef0123456789abcdef01234567' },
          tgz: { version: 'https://example.com/tgz-1.2.3.tgz' },
          local: { version: 'file:vendor/local-0.1.0.tgz' },
        },
      }),
      'package-lock.json',
    );
    assert.deepEqual(
      lock.packages.map((p) => `${p.name} ${p.source} ${p.version}`),
      ['gh git ', 'gl git ', 'bb git ', 'https git ', 'ssh git ', 'scp git ', 'tgz remote 1.2.3', 'local file 0.1.0'],
    );
    for (const p of lock.packages.slice(0, 6)) assert.match(p.resolved!, /#0123456789abcdef0123456789abcdef01234567$/, 'the locked commit');
  });

  it('the real atom lockfile (npm v1): 68 git dependencies, 27 file: folders, the rest from the registry', function () {
    const dir = requireSharedFixtures(this, 'lockfiles/real/atom');
    const text = fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
    const lock = parseNpmLockfile(text, 'package-lock.json', parseManifest(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')));
    // Counted independently from the JSON: entries whose version is a git URL, and file: folders.
    const counts = { git: 0, file: 0 };
    const walk = (deps: Record<string, { version?: string; dependencies?: object }> | undefined) => {
      for (const e of Object.values(deps ?? {})) {
        if (/^git\+/.test(e.version ?? '')) counts.git++;
        if ((e.version ?? '').startsWith('file:')) counts.file++;
        walk(e.dependencies as never);
      }
    };
    walk(JSON.parse(text).dependencies);
    assert.deepEqual(counts, { git: 68, file: 27 });
    const git = lock.packages.filter((p) => p.source === 'git');
    assert.equal(git.length, 68);
    for (const p of git) {
      assert.equal(p.name, nameFromLocation(p.id), 'named by its entry');
      assert.match(p.resolved!, /^git\+https:\/\/github\.com\/.+\.git#[0-9a-f]{40}$/, `${p.id} keeps its commit`);
      assert.equal(p.version, '', 'v1 records no version for git: unknown, and the engine must say so');
      assert.equal(p.invalid, undefined);
    }
    assert.ok(git.find((p) => p.name === 'tree-sitter')!.resolved!.includes('DeeDeeG/node-tree-sitter'), 'a fork keeps its URL');
    assert.equal(lock.packages.filter((p) => p.source === 'link').length, 27);
    assert.deepEqual([...new Set(lock.packages.filter((p) => p.source !== 'git' && p.source !== 'link').map((p) => p.source))], ['registry']);
    assert.equal(lock.packages.length, 68 + 27 + 1019);
    assert.deepEqual(lock.problems, []);
  });
});
