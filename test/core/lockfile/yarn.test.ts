import { strict as assert } from 'assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isYarnBerry, parseYarnBerryLockfile, parseYarnClassicLockfile } from '../../../src/core/lockfile/yarn';
import { parseManifest } from '../../../src/core/manifest';
import type { Importer, Lockfile } from '../../../src/core/model';
import { importersOf, parseLockfile } from '../../../src/core/project';
import { SHARED_FIXTURES } from '../../support/fixtures';

const LOCKFILES = path.join(SHARED_FIXTURES, 'lockfiles');

/** Reads a shared fixture, or skips the test (saying why) when the shared fixtures are not on this machine. */
function fixture(ctx: Mocha.Context, rel: string): string {
  const file = path.join(LOCKFILES, rel);
  if (!fs.existsSync(file)) {
    console.log(`      skipped: ${file} is absent (the shared real-data fixtures are not on this machine)`);
    ctx.skip();
  }
  return fs.readFileSync(file, 'utf8');
}

function importersFrom(packageJson: string): Importer[] {
  return importersOf([parseManifest(packageJson, 'package.json')]);
}

/** Top-level entries as yarn writes them: lines that are not indented, blank or comments. */
function countBlocks(text: string): number {
  return text.split('\n').filter((l) => /^[^\s#]/.test(l)).length;
}

/** 0-based line of the first occurrence of `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} is in the text`);
  return text.slice(0, i).split('\n').length - 1;
}

function unresolved(lock: Lockfile): string[] {
  return [...lock.importers, ...lock.packages].flatMap((o) => o.dependencies.filter((e) => e.to === undefined).map((e) => `${o.id} → ${e.name}@${e.spec}`));
}

const pkg = (lock: Lockfile, id: string) => {
  const p = lock.packages.find((x) => x.id === id);
  assert.ok(p, `package ${id}`);
  return p;
};

describe('yarn.lock v1 (real files)', () => {
  it('reads the small lockfile: one package per entry, key ranges, integrity, edges and direct flags', function () {
    const text = fixture(this, 'generated/small/yarn.lock');
    const manifest = fixture(this, 'generated/small/package.json');
    const lock = parseYarnClassicLockfile(text, 'yarn.lock', importersFrom(manifest));
    assert.equal(lock.kind, 'yarn-classic');
    assert.equal(lock.version, '1');
    assert.deepEqual(lock.problems, []);
    assert.equal(lock.packages.length, countBlocks(text));
    assert.equal(lock.packages.length, 75);

    const accepts = pkg(lock, 'accepts@1.3.8');
    assert.deepEqual(accepts.range.start, { line: lineOf(text, '\naccepts@~1.3.8:') + 1, character: 0 });
    assert.deepEqual(accepts.range.end, { line: accepts.range.start.line, character: 'accepts@~1.3.8'.length });
    assert.equal(accepts.resolved, 'https://registry.invalid/accepts/-/accepts-1.3.8.tgz#0bf0be125b67014adcb0b0921e62db7bffe16b2e');
    assert.equal(accepts.integrity, 'sha512-PYAthTa2m2VKxuvSD3DPC/Gy+U+sOA1LAuT8mkmRuvw+NACSaeXEQ+NHcVF7rONl6qcaxV3Uuemwawk+7+SJLw==');
    assert.equal(accepts.source, 'registry');
    assert.equal(accepts.file, 'yarn.lock');
    assert.deepEqual(accepts.dependencies, [
      { name: 'mime-types', spec: '~2.1.34', type: 'prod', to: 'mime-types@2.1.35' },
      { name: 'negotiator', spec: '0.6.3', type: 'prod', to: 'negotiator@0.6.3' },
    ]);
    // A quoted key: the range keeps the quotes and stops before the colon.
    const tiny = pkg(lock, '@ctrl/tinycolor@4.3.0');
    assert.equal(text.slice(tiny.range.startOffset, tiny.range.endOffset), '"@ctrl/tinycolor@^4.1.0"');
    assert.equal(tiny.range.start.line, 4);
    // A key with two descriptors is still one package, reached from both ranges.
    const cbah = pkg(lock, 'call-bind-apply-helpers@1.0.2');
    assert.equal(text.slice(cbah.range.startOffset, cbah.range.endOffset), 'call-bind-apply-helpers@^1.0.1, call-bind-apply-helpers@^1.0.2');

    assert.deepEqual(unresolved(lock), []);
    assert.deepEqual(
      lock.packages
        .filter((p) => p.direct)
        .map((p) => p.id)
        .sort(),
      ['@ctrl/tinycolor@4.3.0', 'chalk@5.6.2', 'debug@4.4.3', 'express@4.22.3', 'semver@7.8.6'],
    );
    assert.ok(lock.packages.every((p) => !p.dev && p.workspaces.join() === '.' && p.paths.length > 0));
    assert.deepEqual(pkg(lock, 'ms@2.0.0').paths[0], ['.', 'express@4.22.3', 'debug@2.6.9', 'ms@2.0.0']);
  });

  it('reads the medium lockfile: counts, dev flags from package.json, optional edges, and time', function () {
    const text = fixture(this, 'generated/medium/yarn.lock');
    const manifest = fixture(this, 'generated/medium/package.json');
    const start = process.hrtime.bigint();
    const lock = parseYarnClassicLockfile(text, 'yarn.lock', importersFrom(manifest));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`      medium yarn.lock: ${lock.packages.length} packages in ${ms.toFixed(1)} ms`);
    assert.deepEqual(lock.problems, []);
    assert.equal(lock.packages.length, countBlocks(text));
    assert.equal(new Set(lock.packages.map((p) => p.id)).size, lock.packages.length);
    assert.deepEqual(unresolved(lock), []);
    assert.equal(lock.packages.filter((p) => p.direct).length, 13);

    const frame = lock.packages.find((p) => p.name === '@babel/code-frame')!;
    assert.deepEqual(frame.range.start, { line: 4, character: 0 });
    assert.equal(
      text.slice(frame.range.startOffset, frame.range.endOffset),
      '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.12.13", "@babel/code-frame@^7.29.7"',
    );

    const jest = lock.packages.find((p) => p.name === 'jest')!;
    assert.equal(jest.range.start.line, lineOf(text, '\njest@^29.7.0:') + 1);
    assert.ok(jest.direct && jest.dev, 'jest is a direct devDependency');
    const express = lock.packages.find((p) => p.name === 'express')!;
    assert.ok(express.direct && !express.dev);

    const hasteMap = lock.packages.find((p) => p.name === 'jest-haste-map')!;
    assert.deepEqual(
      hasteMap.dependencies.find((e) => e.name === 'fsevents'),
      { name: 'fsevents', spec: '^2.3.2', type: 'optional', to: 'fsevents@2.3.3' },
    );
    assert.ok(pkg(lock, 'fsevents@2.3.3').optional);
    const nx = lock.packages.find((p) => p.name === 'nx')!;
    assert.equal(nx.dependencies.filter((e) => e.type === 'optional').length, 10);
  });

  it('reads the yarn.lock files of npm arborist tests (aliases, git, remote and file specs)', function () {
    const dirs = ['tap-with-yarn-lock', 'yarn-lock-mkdirp', 'yarn-lock-mkdirp-file-dep', 'yarn-lock-mkdirp-no-resolved', 'yarn-stuff'];
    const counts: Record<string, number> = {};
    for (const dir of dirs) {
      const text = fixture(this, `arborist/${dir}/yarn.lock`);
      const lock = parseYarnClassicLockfile(text, 'yarn.lock', importersFrom(fixture(this, `arborist/${dir}/package.json`)));
      assert.deepEqual(lock.problems, [], dir);
      assert.equal(lock.packages.length, countBlocks(text), dir);
      assert.deepEqual(unresolved(lock), [], dir);
      assert.ok(
        lock.importers[0].dependencies.every((e) => pkg(lock, e.to!).direct),
        dir,
      );
      counts[dir] = lock.packages.length;
    }
    assert.deepEqual(counts, {
      'tap-with-yarn-lock': 369,
      'yarn-lock-mkdirp': 1,
      'yarn-lock-mkdirp-file-dep': 1,
      'yarn-lock-mkdirp-no-resolved': 1,
      'yarn-stuff': 7,
    });

    const text = fixture(this, 'arborist/yarn-stuff/yarn.lock');
    const lock = parseYarnClassicLockfile(text, 'yarn.lock', importersFrom(fixture(this, 'arborist/yarn-stuff/package.json')));
    // `"old@npm:abbrev@1.0.x"`: the real name comes from the descriptor, the key name is the alias.
    const old = pkg(lock, 'abbrev@1.0.9');
    assert.equal(old.name, 'abbrev');
    assert.equal(old.alias, 'old');
    assert.equal(old.integrity, 'sha1-kbR5JYinc4wl813W9jdSovh3YTU=');
    // `abbrev@^1.1.1, "pinned@npm:abbrev@1.1.1", "reg@npm:abbrev@^1.1.1"`: the real name is used too, so no alias.
    // Its `meta: "…"` lines (the `key: value` form yarn 1.22 reads) do not make the entry unreadable.
    const abbrev = pkg(lock, 'abbrev@1.1.1');
    assert.equal(abbrev.alias, undefined);
    const edge = (name: string) => lock.importers[0].dependencies.find((e) => e.name === name)!;
    assert.equal(edge('pinned').to, 'abbrev@1.1.1');
    assert.equal(edge('reg').to, 'abbrev@1.1.1');
    assert.equal(edge('old').to, 'abbrev@1.0.9');
    const sources = Object.fromEntries(lock.packages.map((p) => [p.id, p.source]));
    assert.deepEqual(sources, {
      'abbrev@1.1.1': 'registry',
      'full-git-url@1.1.1': 'git',
      'ghshort@1.1.1': 'git',
      'abbrev@1.0.9': 'registry',
      'remote@1.1.1': 'remote',
      'symlink@1.1.1': 'file',
      'tarball@1.1.1': 'file',
    });
    assert.equal(pkg(lock, 'symlink@1.1.1').resolved, undefined);
  });

  it('returns the entries before a cut in the middle of an entry, and a problem where the cut is', function () {
    const full = fixture(this, 'generated/medium/yarn.lock');
    const entry = full.indexOf('\nexpress@^4.21.0:\n') + 1;
    const cut = full.indexOf('resolved "', entry) + 30;
    const text = full.slice(0, cut);
    const lock = parseYarnClassicLockfile(text, 'yarn.lock', []);
    assert.equal(lock.packages.length, countBlocks(full.slice(0, entry)));
    assert.ok(lock.packages.some((p) => p.name === 'etag') && !lock.packages.some((p) => p.name === 'express'));
    assert.equal(lock.problems.length, 1);
    const [problem] = lock.problems;
    assert.equal(problem.code, 'invalid-lockfile');
    assert.equal(problem.severity, 'error');
    // Named by its package and line, never by its text (#15).
    assert.match(problem.message, /^Cannot read the yarn\.lock entry for express \(line \d+\): /);
    assert.equal(problem.range.start.line, lineOf(full, '\nexpress@^4.21.0:') + 3, 'the line of the unterminated `resolved`');
    // Cut right after a key: the entry has no fields.
    const bare = parseYarnClassicLockfile(full.slice(0, full.indexOf('\n', entry)), 'yarn.lock', []);
    assert.equal(bare.packages.length, lock.packages.length);
    assert.equal(bare.problems[0].range.start.line, lineOf(full, '\nexpress@^4.21.0:') + 1);
    assert.equal(full.slice(bare.problems[0].range.startOffset, bare.problems[0].range.endOffset), 'express@^4.21.0');
  });
});

const INLINE_V1 = `# yarn lockfile v1


a@^1.0.0:
  version "1.0.0"
  resolved "https://registry.example/a/-/a-1.0.0.tgz#aaa"
  integrity sha512-aaa
  dependencies:
    shared "^1.0.0"
  optionalDependencies:
    opt "^1.0.0"

d@^2.0.0:
  version "2.0.0"
  dependencies:
    e "~3.0.0"
    shared "^1.2.0"

e@~3.0.0:
  version "3.0.0"

opt@^1.0.0:
  version "1.1.0"

shared@^1.0.0:
  version "1.2.0"

shared@^1.2.0:
  version "1.2.0"

"str@npm:string-width@^4":
  version "4.2.3"
`;

describe('yarn.lock v1 (inline)', () => {
  const manifest = JSON.stringify({ dependencies: { a: '^1.0.0', str: 'npm:string-width@^4' }, devDependencies: { d: '^2.0.0' } });
  const importers = importersFrom(manifest);
  const lock = parseYarnClassicLockfile(INLINE_V1, 'yarn.lock', importers);

  it('computes dev, optional and direct from the importers and the edges', () => {
    assert.deepEqual(lock.problems, []);
    const flags = Object.fromEntries(lock.packages.map((p) => [p.id, [p.direct, p.dev, p.optional].map(Number).join('')]));
    assert.deepEqual(flags, {
      'a@1.0.0': '100',
      'd@2.0.0': '110',
      'e@3.0.0': '010', // only a devDependency needs it
      'opt@1.1.0': '001',
      'shared@1.2.0': '000',
      'shared@1.2.0#2': '010', // same name@version in a second entry: a distinct id, reached only from d
      'string-width@4.2.3': '100',
    });
    assert.deepEqual(
      pkg(lock, 'a@1.0.0').dependencies.map((e) => [e.name, e.type, e.to]),
      [
        ['shared', 'prod', 'shared@1.2.0'],
        ['opt', 'optional', 'opt@1.1.0'],
      ],
    );
    assert.equal(pkg(lock, 'string-width@4.2.3').alias, 'str');
  });

  it("copies the importers, resolving their edges, without changing the caller's", () => {
    assert.deepEqual(
      lock.importers[0].dependencies.map((e) => [e.name, e.type, e.to]),
      [
        ['a', 'prod', 'a@1.0.0'],
        ['str', 'prod', 'string-width@4.2.3'],
        ['d', 'dev', 'd@2.0.0'],
      ],
    );
    assert.ok(importers[0].dependencies.every((e) => e.to === undefined));
  });

  it('reports an entry the library rejects and keeps the others', () => {
    const broken = INLINE_V1.replace('e@~3.0.0:\n  version "3.0.0"', 'e@~3.0.0:\n  version "3.0.0"\n   dependencies }{');
    const bad = parseYarnClassicLockfile(broken, 'yarn.lock', importers);
    assert.equal(bad.packages.length, 6);
    assert.ok(!bad.packages.some((p) => p.name === 'e'));
    assert.equal(bad.problems.length, 1);
    assert.equal(bad.problems[0].code, 'invalid-lockfile');
    assert.equal(bad.problems[0].range.start.line, lineOf(broken, 'e@~3.0.0:'));
    assert.equal(pkg(bad, 'd@2.0.0').dependencies.find((e) => e.name === 'e')!.to, undefined);
  });
});

describe('yarn.lock berry (real file)', () => {
  it('reads the small berry lockfile: resolutions as ids, checksums, workspace as importer, same packages as v1', function () {
    const text = fixture(this, 'generated/small/berry/yarn.lock');
    const manifest = fixture(this, 'generated/small/berry/package.json');
    assert.ok(isYarnBerry(text));
    const lock = parseYarnBerryLockfile(text, 'yarn.lock', importersFrom(manifest));
    assert.equal(lock.kind, 'yarn-berry');
    assert.equal(lock.version, '10');
    assert.deepEqual(lock.problems, []);
    // __metadata and the root workspace are entries but not packages.
    assert.equal(lock.packages.length, countBlocks(text) - 2);
    assert.equal(lock.packages.length, 75);
    assert.ok(!lock.packages.some((p) => p.source === 'workspace'));

    const accepts = pkg(lock, 'accepts@npm:1.3.8');
    assert.equal(accepts.name, 'accepts');
    assert.equal(accepts.version, '1.3.8');
    assert.equal(accepts.resolved, 'accepts@npm:1.3.8');
    assert.equal(accepts.source, 'registry');
    assert.match(accepts.integrity!, /^10c0\/3a35c5f5586c/);
    assert.deepEqual(accepts.range.start, { line: lineOf(text, '"accepts@npm:~1.3.8":'), character: 0 });
    assert.equal(text.slice(accepts.range.startOffset, accepts.range.endOffset), '"accepts@npm:~1.3.8"');
    assert.deepEqual(accepts.dependencies, [
      { name: 'mime-types', spec: 'npm:~2.1.34', type: 'prod', to: 'mime-types@npm:2.1.35' },
      { name: 'negotiator', spec: 'npm:0.6.3', type: 'prod', to: 'negotiator@npm:0.6.3' },
    ]);
    // A range with spaces in the descriptor.
    assert.equal(pkg(lock, 'iconv-lite@npm:0.4.24').dependencies[0].to, 'safer-buffer@npm:2.1.2');
    // peerDependenciesMeta without peerDependencies (debug → supports-color) is not an edge.
    assert.deepEqual(
      pkg(lock, 'debug@npm:4.4.3').dependencies.map((e) => e.name),
      ['ms'],
    );

    assert.deepEqual(
      lock.importers.map((i) => [i.id, i.name]),
      [['.', 'demo-small']],
    );
    assert.deepEqual(unresolved(lock), []);
    assert.deepEqual(
      lock.packages
        .filter((p) => p.direct)
        .map((p) => p.name)
        .sort(),
      ['@ctrl/tinycolor', 'chalk', 'debug', 'express', 'semver'],
    );

    const classic = fixture(this, 'generated/small/yarn.lock');
    const v1 = parseYarnClassicLockfile(classic, 'yarn.lock', importersFrom(manifest));
    const names = (l: Lockfile) => l.packages.map((p) => `${p.name}@${p.version}`).sort();
    assert.deepEqual(names(lock), names(v1));
  });
});

const INLINE_BERRY = `# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"left-pad@npm:^1.3.0":
  version: 1.3.0
  resolution: "left-pad@npm:1.3.0"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"lodash@npm:^4.17.21":
  version: 4.17.21
  resolution: "lodash@npm:4.17.21"
  languageName: node
  linkType: hard

"mono@workspace:.":
  version: 0.0.0-use.local
  resolution: "mono@workspace:."
  dependencies:
    lodash: "npm:^4.17.21"
    typescript: "npm:^5.4.0"
    ws-a: "workspace:^"
  languageName: unknown
  linkType: soft

"react@npm:^18.0.0":
  version: 18.3.1
  resolution: "react@npm:18.3.1"
  languageName: node
  linkType: hard

"resolve@patch:resolve@npm%3A^1.22.0#~builtin<compat/resolve>":
  version: 1.22.8
  resolution: "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
  languageName: node
  linkType: hard

"typescript@npm:^5.4.0":
  version: 5.4.5
  resolution: "typescript@npm:5.4.5"
  languageName: node
  linkType: hard

"ws-a@workspace:^, ws-a@workspace:packages/a":
  version: 0.0.0-use.local
  resolution: "ws-a@workspace:packages/a"
  dependencies:
    left-pad: ^1.3.0
    resolve: "patch:resolve@npm%3A^1.22.0#~builtin<compat/resolve>"
    ws-b: "workspace:packages/b"
  languageName: unknown
  linkType: soft

"ws-b@workspace:packages/b":
  version: 0.0.0-use.local
  resolution: "ws-b@workspace:packages/b"
  dependencies:
    fsevents: "npm:^2.3.2"
    lodash: "npm:^4.17.21"
  peerDependencies:
    react: "*"
  dependenciesMeta:
    fsevents:
      optional: true
  peerDependenciesMeta:
    react:
      optional: true
  languageName: unknown
  linkType: soft
`;

describe('yarn.lock berry (inline, two workspaces)', () => {
  const callers: Importer[] = [
    {
      id: '.',
      name: 'mono',
      dependencies: [
        { name: 'lodash', spec: '^4.17.21', type: 'prod' },
        { name: 'typescript', spec: '^5.4.0', type: 'dev' },
        { name: 'ws-a', spec: 'workspace:^', type: 'prod' },
      ],
    },
  ];
  const lock = parseYarnBerryLockfile(INLINE_BERRY, 'yarn.lock', callers);

  it('turns workspace entries into importers and resolves edges between them', () => {
    assert.equal(lock.version, '8');
    assert.deepEqual(lock.problems, []);
    assert.deepEqual(
      lock.importers.map((i) => [i.id, i.name]),
      [
        ['.', 'mono'],
        ['packages/a', 'ws-a'],
        ['packages/b', 'ws-b'],
      ],
    );
    assert.deepEqual(
      lock.packages.map((p) => p.id),
      [
        'left-pad@npm:1.3.0',
        'lodash@npm:4.17.21',
        'react@npm:18.3.1',
        'resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d',
        'typescript@npm:5.4.5',
      ],
    );
    const edges = (id: string) => lock.importers.find((i) => i.id === id)!.dependencies.map((e) => [e.name, e.type, e.to]);
    assert.deepEqual(edges('.'), [
      ['lodash', 'prod', 'lodash@npm:4.17.21'],
      ['typescript', 'dev', 'typescript@npm:5.4.5'], // the type comes from the caller's package.json
      ['ws-a', 'prod', 'packages/a'],
    ]);
    assert.deepEqual(edges('packages/a'), [
      ['left-pad', 'prod', 'left-pad@npm:1.3.0'], // a bare range, as older berry writes them
      ['resolve', 'prod', 'resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d'],
      ['ws-b', 'prod', 'packages/b'],
    ]);
    // fsevents is optional and not in the lockfile; the optional peer is met by the locked react.
    assert.deepEqual(edges('packages/b'), [
      ['fsevents', 'optional', undefined],
      ['lodash', 'prod', 'lodash@npm:4.17.21'],
      ['react', 'peerOptional', 'react@npm:18.3.1'],
    ]);
  });

  it('computes flags and sources', () => {
    const p = (name: string) => lock.packages.find((x) => x.name === name)!;
    assert.ok(p('typescript').dev && p('typescript').direct);
    assert.ok(!p('lodash').dev && p('lodash').direct);
    assert.deepEqual(p('lodash').workspaces.sort(), ['.', 'packages/b']);
    assert.deepEqual(p('left-pad').paths, [['packages/a', 'left-pad@npm:1.3.0']]);
    assert.equal(p('resolve').source, 'registry');
    assert.equal(p('resolve').version, '1.22.8');
    assert.equal(p('left-pad').integrity, '10c0/abc');
    assert.equal(p('lodash').integrity, undefined);
  });

  it('reports an entry js-yaml rejects at its line, and keeps the others', () => {
    const broken = INLINE_BERRY.replace('  resolution: "react@npm:18.3.1"', '  resolution: "react@npm:18.3.1\n   oops: [');
    const bad = parseYarnBerryLockfile(broken, 'yarn.lock');
    assert.equal(bad.packages.length, 4);
    assert.equal(bad.problems.length, 1);
    assert.equal(bad.problems[0].code, 'invalid-lockfile');
    const line = bad.problems[0].range.start.line;
    assert.ok(line > lineOf(broken, '"react@npm:^18.0.0":') && line < lineOf(broken, '"resolve@patch'), `problem inside the react entry (line ${line})`);
    // Without the caller's importers, workspace edges keep the lockfile's types.
    assert.equal(bad.importers[0].dependencies.find((e) => e.name === 'typescript')!.type, 'prod');
  });
});

describe('yarn.lock garbage', () => {
  const inputs = [
    '',
    '\n\n\n',
    '# only a comment',
    '\uFEFF# yarn lockfile v1\n\nx@1:\n  version "1"\n',
    '"',
    '"unterminated@1:\n  version "1',
    'a@1:\n  version "1.0.0"\n# comment without newline',
    '  indented@1:\n    version "1"\n',
    ':\n:\n:',
    '__metadata:\n  version: [\n',
    '__metadata:\n  version: 6\n"a@npm:1":\n  resolution: "a@npm:1.0.0"\n  dependencies: [1, 2]\n  dependenciesMeta: 7\n',
    '<<<<<<< HEAD\na@1:\n  version "1"\n=======\na@1:\n  version "2"\n>>>>>>> x\n',
    Array.from({ length: 4000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join(''),
    '\0\0\0\u0001\u00ff@@::"\n  "',
  ];

  it('never throws, and reports problems with positions inside the text', () => {
    for (const text of inputs) {
      for (const lock of [parseYarnClassicLockfile(text, 'yarn.lock', []), parseYarnBerryLockfile(text, 'yarn.lock')]) {
        assert.ok(Array.isArray(lock.packages) && Array.isArray(lock.problems));
        for (const p of lock.problems) assert.ok(p.range.startOffset >= 0 && p.range.endOffset <= text.length, p.message);
      }
      assert.equal(typeof isYarnBerry(text), 'boolean');
    }
  });

  it('reports the unreadable parts of the odd inputs', () => {
    assert.deepEqual(parseYarnClassicLockfile('', 'yarn.lock', []).problems, []);
    const bom = parseYarnClassicLockfile(inputs[3], 'yarn.lock', []);
    assert.deepEqual([bom.problems.length, bom.packages[0].id, bom.packages[0].range.start.line], [0, 'x@1', 2]);
    const unterminated = parseYarnClassicLockfile(inputs[5], 'yarn.lock', []);
    assert.equal(unterminated.packages.length, 0);
    assert.equal(unterminated.problems.length, 1);
    const stray = parseYarnClassicLockfile(inputs[7], 'yarn.lock', []);
    assert.deepEqual(
      stray.problems.map((p) => p.range.start),
      [{ line: 0, character: 0 }],
    );
    const conflict = parseYarnClassicLockfile(inputs[11], 'yarn.lock', []);
    assert.deepEqual(
      conflict.packages.map((p) => p.id),
      ['a@1', 'a@2'],
    );
    assert.deepEqual(
      conflict.problems.map((p) => p.range.start.line),
      [0, 3, 6],
    );
  });

  it('tells berry from classic by a top-level __metadata key', () => {
    assert.ok(isYarnBerry('# comment\n\n__metadata:\n  version: 8\n'));
    assert.ok(!isYarnBerry('# yarn lockfile v1\n\na@1:\n  version "1"\n'));
    assert.ok(!isYarnBerry('a@1:\n  __metadata:\n'));
  });
});

describe('yarn.lock fields of the wrong type (InstalledPackage.invalid)', () => {
  const at = (text: string, r: { startOffset: number; endOffset: number }) => text.slice(r.startOffset, r.endOffset);

  it('classic: a bare boolean version, a numeric resolved, a block integrity: kept, invalid, a warning at the value', () => {
    const text =
      '# yarn lockfile v1\n\na@^1:\n  version true\n  resolved "https://r/a/-/a-1.0.0.tgz"\n\nb@^1:\n  version "1.0.0"\n  resolved 5\n  integrity sha512-b\n\nc@^1:\n  version "1.0.0"\n  integrity:\n    algo "sha512"\n\nd@^1:\n  version "1.0.0"\n  resolved "https://r/d/-/d-1.0.0.tgz"\n';
    const importers: Importer[] = [{ id: '.', dependencies: ['a', 'b', 'c', 'd'].map((name) => ({ name, spec: '^1', type: 'prod' as const })) }];
    const lock = parseYarnClassicLockfile(text, 'yarn.lock', importers);
    assert.deepEqual(
      lock.packages.map((p) => [p.name, p.version, p.invalid ?? null]),
      [
        ['a', '', 'its "version" is a boolean (true), not a string'],
        ['b', '1.0.0', 'its "resolved" is a number (5), not a string'],
        ['c', '1.0.0', 'its "integrity" is a mapping, not a string'],
        ['d', '1.0.0', null],
      ],
    );
    assert.ok(
      lock.packages.every((p) => p.direct),
      'still reached from the root',
    );
    assert.equal(lock.packages[0].resolved, 'https://r/a/-/a-1.0.0.tgz', 'what can be read is kept');
    assert.deepEqual(
      lock.problems.map((p) => [p.code, p.severity, at(text, p.range)]),
      [
        ['unexpected-type', 'warning', 'true'],
        ['unexpected-type', 'warning', '5'],
        ['unexpected-type', 'warning', 'integrity'],
      ],
    );
    assert.match(lock.problems[0].message, /"version" of yarn\.lock entry "a@\^1" should be a string, found a boolean \(true\)/);
  });

  it('berry: a mapping resolution, a list version, a mapping checksum: kept under the descriptor, invalid', () => {
    const text =
      '__metadata:\n  version: 8\n\n"a@npm:^1":\n  version: 1.0.0\n  resolution:\n    x: y\n  checksum: 10c0/a\n\n"b@npm:^1":\n  version: [1]\n  resolution: "b@npm:1.0.0"\n  checksum: {a: 1}\n';
    const lock = parseYarnBerryLockfile(text, 'yarn.lock');
    assert.deepEqual(
      lock.packages.map((p) => [p.id, p.name, p.version, p.resolved ?? null, p.integrity ?? null, p.invalid ?? null]),
      [
        ['a@npm:^1', 'a', '1.0.0', null, '10c0/a', 'its "resolution" is a mapping, not a string'],
        ['b@npm:1.0.0', 'b', '', 'b@npm:1.0.0', null, 'its "version" is a list, not a string'],
      ],
    );
    assert.deepEqual(
      lock.problems.map((p) => at(text, p.range)),
      ['resolution', '[1]', '{a: 1}'],
    );
  });

  it('berry: an entry without a resolution is kept, unjudged (not dropped), with a warning at its key', () => {
    const text = '__metadata:\n  version: 8\n\n"a@npm:^1":\n  version: 1.0.0\n  checksum: 10c0/a\n';
    const lock = parseYarnBerryLockfile(text, 'yarn.lock');
    assert.deepEqual(
      lock.packages.map((p) => [p.name, p.version, p.invalid]),
      [['a', '1.0.0', 'yarn.lock entry "a@npm:^1" has no resolution: what yarn installs for it is unknown']],
    );
    assert.deepEqual(
      lock.problems.map((p) => [p.severity, at(text, p.range)]),
      [['warning', '"a@npm:^1"']],
    );
  });

  it('berry: platform-conditional entries (yarn writes no checksum for them) say so', function () {
    const jest = parseYarnBerryLockfile(fixture(this, 'real/jest/yarn.lock'), 'yarn.lock');
    const conditional = jest.packages.filter((p) => p.conditions);
    assert.ok(conditional.length >= 20, String(conditional.length));
    assert.deepEqual(
      jest.packages.filter((p) => !p.integrity && !p.conditions && p.source === 'registry').map((p) => p.id),
      [],
      'every other registry entry has a checksum',
    );
    assert.equal(conditional.find((p) => p.name === '@esbuild/aix-ppc64')?.conditions, 'os=aix & cpu=ppc64');
  });

  it('no false alarm on the real lockfiles (sentry: classic, jest: berry)', function () {
    const sentry = parseYarnClassicLockfile(fixture(this, 'real/sentry/yarn.lock'), 'yarn.lock', []);
    const jest = parseYarnBerryLockfile(fixture(this, 'real/jest/yarn.lock'), 'yarn.lock');
    for (const lock of [sentry, jest]) {
      assert.ok(lock.packages.length > 1000);
      assert.deepEqual(
        lock.packages.filter((p) => p.invalid).map((p) => p.id),
        [],
      );
      assert.deepEqual(
        lock.problems.filter((p) => p.code === 'unexpected-type'),
        [],
      );
    }
  });
});

describe('yarn.lock merge conflicts: the HEAD side, as npm, pnpm and berry read it', () => {
  /** The file as git leaves it, and the same file with the HEAD side taken by hand. */
  function conflicted(head: string[], other: string[]): [string, string] {
    return [`<<<<<<< HEAD\n${head.join('\n')}\n=======\n${other.join('\n')}\n>>>>>>> other`, head.join('\n')];
  }
  const summary = (lock: Lockfile) =>
    lock.packages.map((p) => ({
      id: p.id,
      name: p.name,
      version: p.version,
      resolved: p.resolved,
      integrity: p.integrity,
      deps: p.dependencies.map((e) => `${e.name}@${e.spec}→${e.to}`),
    }));

  const entry = conflicted(
    ['b@^2:', '  version "2.0.1"', '  resolved "https://r/b/-/b-2.0.1.tgz"'],
    ['b@^2:', '  version "2.0.0"', '  resolved "https://r/b/-/b-2.0.0.tgz"'],
  );
  const field = conflicted(['  resolved "https://r/c/-/c-3.0.0.tgz"', '  integrity sha512-ours'], ['  resolved "https://r/c/-/c-3.0.1.tgz"']);
  const nested = conflicted(['    a "^1"'], ['    a "^1.1"', '    b "^2"']);
  const classicOf = (e: string, f: string, n: string) =>
    `# yarn lockfile v1\n\na@^1:\n  version "1.0.0"\n\n${e}\n\nc@^3:\n  version "3.0.0"\n${f}\n  dependencies:\n${n}\n    b "^2"\n`;

  for (const [name, eol] of [
    ['classic', '\n'],
    ['classic, CRLF line ends', '\r\n'],
  ]) {
    it(`${name}: a whole entry, fields of an entry and a nested block in conflict`, () => {
      const text = classicOf(entry[0], field[0], nested[0]).replace(/\n/g, eol);
      const ours = classicOf(entry[1], field[1], nested[1]).replace(/\n/g, eol);
      const lock = parseLockfile('yarn.lock', text, []);
      assert.equal(lock.kind, 'yarn-classic');
      assert.deepEqual(
        lock.problems.map((p) => p.code),
        ['merge-conflict'],
      );
      assert.deepEqual(lock.problems[0].range.start, { line: 5, character: 0 });
      assert.deepEqual(summary(lock), summary(parseLockfile('yarn.lock', ours, [])));
      assert.deepEqual(
        lock.packages.map((p) => `${p.id} ${p.integrity ?? ''}`),
        ['a@1.0.0 ', 'b@2.0.1 ', 'c@3.0.0 sha512-ours'],
      );
      assert.deepEqual(
        lock.packages[2].dependencies.map((e) => e.name),
        ['a', 'b'],
      );
    });
  }

  it('berry: the same shapes', () => {
    const bEntry = conflicted(
      ['"b@npm:^2":', '  version: 2.0.1', '  resolution: "b@npm:2.0.1"'],
      ['"b@npm:^2":', '  version: 2.0.0', '  resolution: "b@npm:2.0.0"'],
    );
    const cField = conflicted(['  resolution: "c@npm:3.0.0"', '  checksum: 10c0/ours'], ['  resolution: "c@npm:3.0.1"']);
    const berryOf = (e: string, f: string) => `__metadata:\n  version: 8\n\n${e}\n\n"c@npm:^3":\n  version: 3.0.0\n${f}\n  dependencies:\n    b: "npm:^2"\n`;
    const lock = parseLockfile('yarn.lock', berryOf(bEntry[0], cField[0]), []);
    assert.deepEqual(
      lock.problems.map((p) => p.code),
      ['merge-conflict'],
    );
    assert.deepEqual(summary(lock), summary(parseLockfile('yarn.lock', berryOf(bEntry[1], cField[1]), [])));
    assert.deepEqual(
      lock.packages.map((p) => p.id),
      ['b@npm:2.0.1', 'c@npm:3.0.0'],
    );
  });
});

describe('yarn.lock: every parse bounded', () => {
  const classicDeep = (levels: number) =>
    `# yarn lockfile v1\n\nok@^1:\n  version "1.0.0"\n\ndeep@^1:\n  version "1.0.0"\n${Array.from({ length: levels }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')}\n`;
  const berryDeep = (levels: number) =>
    `__metadata:\n  version: 8\n\n"ok@npm:^1":\n  version: 1.0.0\n  resolution: "ok@npm:1.0.0"\n\n"deep@npm:^1":\n  version: 1.0.0\n  resolution: "deep@npm:1.0.0"\n${Array.from({ length: levels }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} v\n`;

  it('an entry indented deeper than any lockfile is refused before the library recurses into it; the others are read', () => {
    // 600 levels is a 360 KB entry; @yarnpkg/lockfile overflowed the stack at about 6,000 (36 MB).
    for (const lock of [parseYarnClassicLockfile(classicDeep(600), 'yarn.lock', []), parseYarnBerryLockfile(berryDeep(600), 'yarn.lock')]) {
      assert.deepEqual(
        lock.packages.map((p) => p.name),
        ['ok'],
      );
      assert.equal(lock.problems.length, 1);
      assert.match(lock.problems[0].message, /entry for deep \(line \d+\): it is indented more than 64 columns here/);
      assert.equal(lock.problems[0].range.start.character, 0);
      assert.ok(
        lock.problems[0].range.start.line > 30 && lock.problems[0].range.start.line < 50,
        `at the first line too deep (${lock.problems[0].range.start.line})`,
      );
    }
    // Real entries nest a few levels: 20 levels is still read.
    assert.deepEqual(parseYarnClassicLockfile(classicDeep(20), 'yarn.lock', []).problems, []);
  });

  it("berry: flow collections nested 100,000 deep are refused by js-yaml's depth limit (100), as an entry problem", () => {
    const text = `__metadata:\n  version: 8\n\n"ok@npm:^1":\n  version: 1.0.0\n  resolution: "ok@npm:1.0.0"\n\n"deep@npm:^1":\n  resolution: "deep@npm:1.0.0"\n  x: ${'['.repeat(100_000)}\n`;
    const lock = parseYarnBerryLockfile(text, 'yarn.lock');
    assert.deepEqual(
      lock.packages.map((p) => p.name),
      ['ok'],
    );
    assert.match(lock.problems[0].message, /Cannot read the yarn\.lock entry for deep \(line 8\): nesting exceeded maxDepth/);
  });

  it('berry: a resolution that patches a patch a hundred thousand times is read without recursion or quadratic work', () => {
    // Before: each level decoded what was left, recursively; 200,000 levels (1.6 MB) ran V8 out of memory.
    const reference = `a@${'patch:a@'.repeat(200_000)}npm:1.0.0`;
    const lock = parseYarnBerryLockfile(`__metadata:\n  version: 8\n\n"a@npm:1":\n  version: 1.0.0\n  resolution: "${reference}"\n`, 'yarn.lock');
    assert.deepEqual(
      lock.packages.map((p) => [p.name, p.source]),
      [['a', 'unknown']],
    );
    // A real patch (one level) still names the patched package's source.
    const real = parseYarnBerryLockfile(
      '__metadata:\n  version: 8\n\n"resolve@patch:resolve@^1#~builtin<compat/resolve>":\n  version: 1.22.8\n  resolution: "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"\n',
      'yarn.lock',
    );
    assert.equal(real.packages[0].source, 'registry');
  });
});
