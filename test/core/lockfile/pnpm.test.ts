import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parsePnpmLockfile } from '../../../src/core/lockfile/pnpm';
import { parseNpmLockfile } from '../../../src/core/lockfile/npm';
import type { InstalledPackage, Lockfile } from '../../../src/core/model';
import { SHARED_FIXTURES, requireSharedFixtures } from '../../support/fixtures';

const FIXTURES = path.join(SHARED_FIXTURES, 'lockfiles/generated');

function pkg(lock: Lockfile, id: string): InstalledPackage {
  const p = lock.packages.find((x) => x.id === id);
  assert.ok(p, `package ${id} not found among ${lock.packages.map((x) => x.id).join(', ')}`);
  return p;
}

function edge(lock: Lockfile, from: string, name: string) {
  const deps = lock.importers.find((i) => i.id === from)?.dependencies ?? pkg(lock, from).dependencies;
  const e = deps.find((d) => d.name === name);
  assert.ok(e, `edge ${from} → ${name} not found`);
  return e;
}

/** 0-based line and character of the first occurrence of `needle` (which must start a line's content). */
function positionOf(text: string, needle: string): { line: number; character: number } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `"${needle}" not in the text`);
  const before = text.slice(0, at);
  return { line: before.split('\n').length - 1, character: at - (before.lastIndexOf('\n') + 1) };
}

function allEdges(lock: Lockfile) {
  return [...lock.importers.flatMap((i) => i.dependencies), ...lock.packages.flatMap((p) => p.dependencies)];
}

const V6_SINGLE = `lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

dependencies:
  '@scope/util':
    specifier: ^1.0.0
    version: 1.2.0
  is-positive:
    specifier: github:kevva/is-positive#97edff6
    version: github.com/kevva/is-positive/97edff6f525f192a3f83cea1944765f769ae2678
  my-lodash:
    specifier: npm:lodash@^4.17.0
    version: /lodash@4.17.21
  react:
    specifier: ^18.2.0
    version: 18.2.0
  react-dom:
    specifier: ^18.2.0
    version: 18.2.0(react@18.2.0)

devDependencies:
  typescript:
    specifier: ^5.0.0
    version: 5.0.4

optionalDependencies:
  fsevents:
    specifier: ^2.3.2
    version: 2.3.3

packages:

  /@scope/util@1.2.0:
    resolution: {integrity: sha512-dXRpbA==}
    dependencies:
      loose-envify: 1.4.0
    dev: false

  /fsevents@2.3.3:
    resolution: {integrity: sha512-ZnNldg==}
    engines: {node: ^8.16.0 || ^10.6.0 || >=11.0.0}
    os: [darwin]
    requiresBuild: true
    dev: false
    optional: true

  /js-tokens@4.0.0:
    resolution: {integrity: sha512-anN0aw==}
    dev: false

  /lodash@4.17.21:
    resolution: {integrity: sha512-bG9kYQ==}
    dev: false

  /loose-envify@1.4.0:
    resolution: {integrity: sha512-bGVudg==}
    hasBin: true
    dependencies:
      js-tokens: 4.0.0
    dev: false

  /react-dom@18.2.0(react@18.2.0):
    resolution: {integrity: sha512-cmRvbQ==}
    peerDependencies:
      react: ^18.2.0
    dependencies:
      loose-envify: 1.4.0
      react: 18.2.0
      scheduler: 0.23.0
    dev: false

  /react@18.2.0:
    resolution: {integrity: sha512-cmVhY3Q=}
    engines: {node: '>=0.10.0'}
    dependencies:
      loose-envify: 1.4.0
    dev: false

  /scheduler@0.23.0:
    resolution: {integrity: sha512-c2NoZWQ=}
    dependencies:
      loose-envify: 1.4.0
    dev: false

  /typescript@5.0.4:
    resolution: {integrity: sha512-dHlwZXM=}
    engines: {node: '>=12.20'}
    hasBin: true
    dev: true

  github.com/kevva/is-positive/97edff6f525f192a3f83cea1944765f769ae2678:
    resolution: {tarball: https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678}
    name: is-positive
    version: 3.1.0
    engines: {node: '>=0.10.0'}
    dev: false
`;

const V6_MONOREPO = `lockfileVersion: '6.1'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.0.0
        version: 5.0.4

  packages/a:
    dependencies:
      b:
        specifier: workspace:*
        version: link:../b
      tiny-ms:
        specifier: npm:ms@^2.1.3
        version: npm:ms@2.1.3

  packages/b:
    dependencies:
      debug:
        specifier: ^4.3.4
        version: 4.3.4
      mylib:
        specifier: git+https://gitlab.com/group/mylib.git#0123abcd
        version: gitlab.com/group/mylib/0123abcd
      root:
        specifier: link:../..
        version: link:../..

packages:

  /debug@4.3.4:
    resolution: {integrity: sha512-ZGVidWc=}
    engines: {node: '>=6.0'}
    peerDependencies:
      supports-color: '*'
    peerDependenciesMeta:
      supports-color:
        optional: true
    dependencies:
      ms: 2.1.2
    dev: false

  /ms@2.1.2:
    resolution: {integrity: sha512-bXMy}
    dev: false

  /ms@2.1.3:
    resolution: {integrity: sha512-bXMz}
    dev: false

  /typescript@5.0.4:
    resolution: {integrity: sha512-dHlwZXM=}
    hasBin: true
    dev: true

  gitlab.com/group/mylib/0123abcd:
    resolution: {commit: 0123abcd, repo: https://gitlab.com/group/mylib.git, type: git}
    name: mylib
    version: 0.1.0
    dev: false
`;

const V9_MONOREPO = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.4.0
        version: 5.4.5

  packages/app:
    dependencies:
      '@demo/lib':
        specifier: workspace:^
        version: link:../lib
      is-positive:
        specifier: github:kevva/is-positive#97edff6
        version: https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678
      my-lodash:
        specifier: npm:lodash@^4.17.21
        version: lodash@4.17.21
      mylib:
        specifier: git+https://gitlab.com/group/mylib.git#0123abcd
        version: git+https://gitlab.com/group/mylib.git#0123abcd
      react:
        specifier: ^18.3.0
        version: 18.3.1
      react-dom:
        specifier: ^18.3.0
        version: 18.3.1(react@18.3.1)

  packages/lib:
    dependencies:
      '@scope/util':
        specifier: ^1.0.0
        version: 1.2.0
    devDependencies:
      '@types/node':
        specifier: ^20.0.0
        version: 20.12.7

packages:

  '@scope/util@1.2.0':
    resolution: {integrity: sha512-dXRpbA==}

  '@types/node@20.12.7':
    resolution: {integrity: sha512-dHlwZXM=}

  is-positive@https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678:
    resolution: {tarball: https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678}
    version: 3.1.0
    engines: {node: '>=0.10.0'}

  js-tokens@4.0.0:
    resolution: {integrity: sha512-anN0aw==}

  lodash@4.17.21:
    resolution: {integrity: sha512-bG9kYQ==}

  loose-envify@1.4.0:
    resolution: {integrity: sha512-bGVudg==}
    hasBin: true

  mylib@git+https://gitlab.com/group/mylib.git#0123abcd:
    resolution: {commit: 0123abcd, repo: https://gitlab.com/group/mylib.git, type: git}
    version: 0.1.0

  react-dom@18.3.1:
    resolution: {integrity: sha512-cmRvbQ==}
    peerDependencies:
      react: ^18.3.1

  react@18.3.1:
    resolution: {integrity: sha512-cmVhY3Q=}
    engines: {node: '>=0.10.0'}

  scheduler@0.23.2:
    resolution: {integrity: sha512-c2NoZWQ=}

  typescript@5.4.5:
    resolution: {integrity: sha512-dHM=}
    engines: {node: '>=14.17'}
    hasBin: true

snapshots:

  '@scope/util@1.2.0': {}

  '@types/node@20.12.7': {}

  is-positive@https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678: {}

  js-tokens@4.0.0: {}

  lodash@4.17.21: {}

  loose-envify@1.4.0:
    dependencies:
      js-tokens: 4.0.0

  mylib@git+https://gitlab.com/group/mylib.git#0123abcd: {}

  react-dom@18.3.1(react@18.3.1):
    dependencies:
      loose-envify: 1.4.0
      react: 18.3.1
      scheduler: 0.23.2

  react@18.3.1:
    dependencies:
      loose-envify: 1.4.0

  scheduler@0.23.2:
    dependencies:
      loose-envify: 1.4.0

  typescript@5.4.5: {}
`;

describe('parsePnpmLockfile', () => {
  describe('lockfile v6, single project', () => {
    const lock = parsePnpmLockfile(V6_SINGLE, 'pnpm-lock.yaml');

    it('reads every package and the root importer from the top-level sections', () => {
      assert.equal(lock.kind, 'pnpm');
      assert.equal(lock.version, '6.0');
      assert.deepEqual(lock.problems, []);
      assert.equal(lock.packages.length, 10);
      assert.deepEqual(
        lock.importers.map((i) => i.id),
        ['.'],
      );
      const root = lock.importers[0];
      assert.deepEqual(
        root.dependencies.map((e) => `${e.name}:${e.type}`),
        ['@scope/util:prod', 'is-positive:prod', 'my-lodash:prod', 'react:prod', 'react-dom:prod', 'typescript:dev', 'fsevents:optional'],
      );
      assert.equal(edge(lock, '.', 'react-dom').spec, '^18.2.0');
      assert.deepEqual(
        allEdges(lock).filter((e) => e.to === undefined),
        [],
      );
    });

    it('splits scoped and peer-suffixed keys into name and version', () => {
      const util = pkg(lock, '/@scope/util@1.2.0');
      assert.equal(util.name, '@scope/util');
      assert.equal(util.version, '1.2.0');
      assert.equal(util.integrity, 'sha512-dXRpbA==');
      assert.equal(util.source, 'registry');
      assert.equal(util.resolved, undefined);
      const rd = pkg(lock, '/react-dom@18.2.0(react@18.2.0)');
      assert.equal(rd.name, 'react-dom');
      assert.equal(rd.version, '18.2.0');
      assert.equal(edge(lock, '.', 'react-dom').to, rd.id);
    });

    it('resolves edges, marking resolved peers as peer edges', () => {
      const rd = '/react-dom@18.2.0(react@18.2.0)';
      assert.deepEqual(edge(lock, rd, 'react'), { name: 'react', spec: '18.2.0', type: 'peer', to: '/react@18.2.0' });
      assert.deepEqual(edge(lock, rd, 'scheduler'), { name: 'scheduler', spec: '0.23.0', type: 'prod', to: '/scheduler@0.23.0' });
      assert.equal(edge(lock, '/loose-envify@1.4.0', 'js-tokens').to, '/js-tokens@4.0.0');
    });

    it('resolves an npm: alias to the real package', () => {
      const e = edge(lock, '.', 'my-lodash');
      assert.equal(e.spec, 'npm:lodash@^4.17.0');
      assert.equal(e.to, '/lodash@4.17.21');
      assert.equal(pkg(lock, '/lodash@4.17.21').name, 'lodash');
      assert.equal(pkg(lock, '/lodash@4.17.21').direct, true);
    });

    it('reads a GitHub dependency with name and version from the entry', () => {
      const id = 'github.com/kevva/is-positive/97edff6f525f192a3f83cea1944765f769ae2678';
      assert.equal(edge(lock, '.', 'is-positive').to, id);
      const p = pkg(lock, id);
      assert.equal(p.name, 'is-positive');
      assert.equal(p.version, '3.1.0');
      assert.equal(p.source, 'git');
      assert.equal(p.resolved, 'https://codeload.github.com/kevva/is-positive/tar.gz/97edff6f525f192a3f83cea1944765f769ae2678');
      assert.equal(p.integrity, undefined);
    });

    it('takes dev/optional from the lockfile and direct from the importer', () => {
      const ts = pkg(lock, '/typescript@5.0.4');
      assert.equal(ts.dev, true);
      assert.equal(ts.direct, true);
      const fsevents = pkg(lock, '/fsevents@2.3.3');
      assert.equal(fsevents.optional, true);
      assert.equal(fsevents.dev, false);
      assert.equal(fsevents.hasInstallScript, true);
      const jsTokens = pkg(lock, '/js-tokens@4.0.0');
      assert.deepEqual([jsTokens.dev, jsTokens.optional, jsTokens.direct], [false, false, false]);
      assert.deepEqual(jsTokens.paths[0], ['.', '/@scope/util@1.2.0', '/loose-envify@1.4.0', '/js-tokens@4.0.0']);
      assert.deepEqual(jsTokens.workspaces, ['.']);
    });

    it('gives each package the exact range of its key', () => {
      const id = '/react-dom@18.2.0(react@18.2.0)';
      const at = positionOf(V6_SINGLE, `  ${id}:`);
      const r = pkg(lock, id).range;
      assert.deepEqual(r.start, { line: at.line, character: 2 });
      assert.deepEqual(r.end, { line: at.line, character: 2 + id.length });
      assert.equal(V6_SINGLE.slice(r.startOffset, r.endOffset), id);
      assert.equal(r.start.line, 64); // verified by hand: line 65 in an editor
    });
  });

  describe('lockfile v6, monorepo', () => {
    const lock = parsePnpmLockfile(V6_MONOREPO, 'pnpm-lock.yaml');

    it('reads importers and resolves link: edges to importer ids', () => {
      assert.equal(lock.version, '6.1');
      assert.deepEqual(lock.problems, []);
      assert.deepEqual(
        lock.importers.map((i) => i.id),
        ['.', 'packages/a', 'packages/b'],
      );
      assert.deepEqual(edge(lock, 'packages/a', 'b'), { name: 'b', spec: 'workspace:*', type: 'prod', to: 'packages/b' });
      assert.equal(edge(lock, 'packages/b', 'root').to, '.');
      assert.equal(lock.packages.length, 5);
    });

    it('resolves an npm:name@version alias', () => {
      assert.equal(edge(lock, 'packages/a', 'tiny-ms').to, '/ms@2.1.3');
      assert.deepEqual(pkg(lock, '/ms@2.1.3').workspaces, ['packages/a']);
    });

    it('reads a git resolution', () => {
      const p = pkg(lock, 'gitlab.com/group/mylib/0123abcd');
      assert.equal(edge(lock, 'packages/b', 'mylib').to, p.id);
      assert.deepEqual([p.name, p.version, p.source, p.resolved], ['mylib', '0.1.0', 'git', 'https://gitlab.com/group/mylib.git#0123abcd']);
    });

    it('computes workspaces and paths per importer', () => {
      const ms = pkg(lock, '/ms@2.1.2');
      assert.deepEqual(ms.workspaces, ['packages/b']);
      assert.deepEqual(ms.paths, [['packages/b', '/debug@4.3.4', '/ms@2.1.2']]);
      assert.equal(ms.direct, false);
      assert.equal(pkg(lock, '/typescript@5.0.4').dev, true);
      assert.equal(pkg(lock, '/debug@4.3.4').dev, false);
    });
  });

  describe('lockfile v9, monorepo', () => {
    const lock = parsePnpmLockfile(V9_MONOREPO, 'pnpm-lock.yaml');

    it('makes one package per snapshot and resolves every edge', () => {
      assert.equal(lock.version, '9.0');
      assert.deepEqual(lock.problems, []);
      assert.equal(lock.packages.length, 11);
      assert.deepEqual(
        lock.importers.map((i) => i.id),
        ['.', 'packages/app', 'packages/lib'],
      );
      assert.deepEqual(
        allEdges(lock).filter((e) => e.to === undefined),
        [],
      );
      assert.equal(edge(lock, 'packages/app', '@demo/lib').to, 'packages/lib');
    });

    it('reads a peer-suffixed snapshot with metadata and range from its packages entry', () => {
      const id = 'react-dom@18.3.1(react@18.3.1)';
      const rd = pkg(lock, id);
      assert.deepEqual([rd.name, rd.version, rd.integrity], ['react-dom', '18.3.1', 'sha512-cmRvbQ==']);
      assert.equal(edge(lock, 'packages/app', 'react-dom').to, id);
      assert.equal(edge(lock, id, 'react').type, 'peer');
      assert.equal(edge(lock, id, 'react').to, 'react@18.3.1');
      const at = positionOf(V9_MONOREPO, '  react-dom@18.3.1:');
      assert.deepEqual(rd.range.start, { line: at.line, character: 2 });
      assert.deepEqual(rd.range.end, { line: at.line, character: 2 + 'react-dom@18.3.1'.length });
    });

    it('includes the quotes of a quoted key in its range', () => {
      const at = positionOf(V9_MONOREPO, "  '@scope/util@1.2.0':");
      const r = pkg(lock, '@scope/util@1.2.0').range;
      assert.deepEqual(
        [r.start, r.end],
        [
          { line: at.line, character: 2 },
          { line: at.line, character: 2 + "'@scope/util@1.2.0'".length },
        ],
      );
      assert.equal(pkg(lock, '@scope/util@1.2.0').name, '@scope/util');
    });

    it('resolves a v9 alias (real@version) and git and tarball dependencies', () => {
      assert.equal(edge(lock, 'packages/app', 'my-lodash').to, 'lodash@4.17.21');
      const isPos = pkg(lock, edge(lock, 'packages/app', 'is-positive').to!);
      assert.deepEqual([isPos.name, isPos.version, isPos.source], ['is-positive', '3.1.0', 'git']);
      const mylib = pkg(lock, edge(lock, 'packages/app', 'mylib').to!);
      assert.deepEqual([mylib.name, mylib.version, mylib.source, mylib.resolved], ['mylib', '0.1.0', 'git', 'https://gitlab.com/group/mylib.git#0123abcd']);
    });

    it('computes dev and direct flags from the importers', () => {
      const types = pkg(lock, '@types/node@20.12.7');
      assert.deepEqual([types.dev, types.direct, types.workspaces], [true, true, ['packages/lib']]);
      assert.equal(pkg(lock, 'typescript@5.4.5').dev, true);
      const scheduler = pkg(lock, 'scheduler@0.23.2');
      assert.deepEqual([scheduler.dev, scheduler.direct, scheduler.workspaces], [false, false, ['packages/app']]);
      assert.equal(pkg(lock, 'js-tokens@4.0.0').dev, false);
    });
  });

  describe('real lockfiles', () => {
    function load(ctx: Mocha.Context, size: string): { text: string; npmText: string } {
      const file = path.join(FIXTURES, size, 'pnpm-lock.yaml');
      const npmFile = path.join(FIXTURES, size, 'package-lock.json');
      if (!fs.existsSync(file) || !fs.existsSync(npmFile)) {
        console.log(`      skipped: ${file} or ${npmFile} is missing`);
        ctx.skip();
      }
      return { text: fs.readFileSync(file, 'utf8'), npmText: fs.readFileSync(npmFile, 'utf8') };
    }

    /** Keys of one top-level section, counted straight from the text. */
    function sectionKeys(text: string, section: string): string[] {
      const start = text.indexOf(`\n${section}:\n`);
      if (start < 0) return [];
      const rest = text.slice(start + section.length + 3);
      const end = rest.search(/\n\S/);
      const body = end < 0 ? rest : rest.slice(0, end);
      return [...body.matchAll(/^ {2}(\S.*?):(?: \{\})?$/gm)].map((m) => m[1].replace(/^'(.*)'$/, '$1'));
    }

    function compareWithNpm(lock: Lockfile, npmText: string, label: string): void {
      const npm = parseNpmLockfile(npmText, 'package-lock.json');
      const key = (p: InstalledPackage) => `${p.name}@${p.version}`;
      const pnpmSet = new Set(lock.packages.map(key));
      const npmSet = new Set(npm.packages.map(key));
      const onlyPnpm = [...pnpmSet].filter((k) => !npmSet.has(k));
      const onlyNpm = [...npmSet].filter((k) => !pnpmSet.has(k));
      console.log(
        `      ${label}: pnpm ${lock.packages.length} packages (${pnpmSet.size} name@version), npm ${npm.packages.length} (${npmSet.size}); only pnpm: ${onlyPnpm.length}, only npm: ${onlyNpm.length}`,
      );
      assert.deepEqual(onlyPnpm, []);
      assert.deepEqual(onlyNpm, []);
      // Same tarballs, and the same dev/optional classification as npm's own flags.
      const byKey = new Map<string, InstalledPackage[]>();
      for (const p of npm.packages) byKey.set(key(p), [...(byKey.get(key(p)) ?? []), p]);
      for (const p of lock.packages) {
        const same = byKey.get(key(p))!;
        assert.ok(
          same.some((q) => q.integrity === p.integrity),
          `integrity of ${p.id}`,
        );
        assert.ok(
          same.some((q) => q.dev === p.dev && q.optional === p.optional),
          `dev/optional of ${p.id}: pnpm ${p.dev}/${p.optional}`,
        );
      }
    }

    it('small: every snapshot, resolved edges, positions, npm agreement', function () {
      const { text, npmText } = load(this, 'small');
      const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      assert.equal(lock.version, '9.0');
      assert.deepEqual(lock.problems, []);
      const snapshots = sectionKeys(text, 'snapshots');
      assert.equal(snapshots.length, 75);
      assert.deepEqual(lock.packages.map((p) => p.id).sort(), [...snapshots].sort());
      assert.deepEqual(
        allEdges(lock).filter((e) => e.to === undefined),
        [],
      );

      const express = pkg(lock, 'express@4.22.3');
      const at = positionOf(text, '\n  express@4.22.3:\n');
      assert.deepEqual(express.range.start, { line: at.line + 1, character: 2 });
      assert.deepEqual(express.range.end, { line: at.line + 1, character: 2 + 'express@4.22.3'.length });
      const integrity = /\n {2}express@4\.22\.3:\n {4}resolution: \{integrity: (\S+)\}/.exec(text)![1];
      assert.equal(express.integrity, integrity);
      assert.ok(integrity.startsWith('sha512-'));
      const tinycolor = pkg(lock, '@ctrl/tinycolor@4.3.0');
      assert.deepEqual(tinycolor.range.start, { line: 28, character: 2 }); // `  '@ctrl/tinycolor@4.3.0':` is line 29 in an editor

      assert.deepEqual(
        lock.packages
          .filter((p) => p.direct)
          .map((p) => p.id)
          .sort(),
        ['@ctrl/tinycolor@4.3.0', 'chalk@5.6.2', 'debug@4.4.3', 'express@4.22.3', 'semver@7.8.6'],
      );
      assert.equal(lock.packages.filter((p) => p.dev).length, 0);
      assert.deepEqual(edge(lock, 'express@4.22.3', 'body-parser').to, 'body-parser@1.20.9');
      compareWithNpm(lock, npmText, 'small');
    });

    it('medium: peer-suffixed snapshots, dev flags, npm agreement, parse time', function () {
      const { text, npmText } = load(this, 'medium');
      parsePnpmLockfile(text, 'pnpm-lock.yaml'); // warm up
      const t0 = process.hrtime.bigint();
      const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      console.log(`      medium: ${text.length} chars, ${lock.packages.length} packages parsed in ${ms.toFixed(1)} ms`);
      assert.deepEqual(lock.problems, []);
      const snapshots = sectionKeys(text, 'snapshots');
      assert.equal(snapshots.length, 530);
      assert.equal(sectionKeys(text, 'packages').length, 530);
      assert.deepEqual(lock.packages.map((p) => p.id).sort(), [...snapshots].sort());
      assert.deepEqual(
        allEdges(lock).filter((e) => e.to === undefined),
        [],
      );
      assert.equal(lock.packages.filter((p) => p.id.includes('(')).length, 42);

      const root = lock.importers[0];
      assert.equal(root.dependencies.length, 13);
      assert.equal(edge(lock, '.', 'jest').to, 'jest@29.7.0(@types/node@26.6.6)');
      const jest = pkg(lock, 'jest@29.7.0(@types/node@26.6.6)');
      assert.deepEqual([jest.name, jest.version, jest.direct, jest.dev], ['jest', '29.7.0', true, true]);
      assert.deepEqual(jest.range.start, { line: positionOf(text, '\n  jest@29.7.0:\n').line + 1, character: 2 });
      const react = pkg(lock, 'react@18.3.1');
      assert.deepEqual([react.direct, react.dev], [true, false]);
      const axios = pkg(lock, 'axios@1.21.1(debug@4.4.3)');
      assert.equal(edge(lock, axios.id, 'follow-redirects').to, 'follow-redirects@1.16.3(debug@4.4.3)');
      assert.equal(edge(lock, 'follow-redirects@1.16.3(debug@4.4.3)', 'debug').type, 'peerOptional');
      assert.equal(lock.packages.filter((p) => p.optional).length, 11);
      compareWithNpm(lock, npmText, 'medium');
    });

    it('medium cut in the middle: keeps what came before, reports where it broke', function () {
      const { text } = load(this, 'medium');
      const cut = Math.floor(text.length / 2);
      const head = text.slice(0, cut);
      const lock = parsePnpmLockfile(head, 'pnpm-lock.yaml');
      const full = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      // The cut lands in `packages`, so there are no snapshots: one package per complete packages key.
      const keysBefore = [...head.slice(head.indexOf('\npackages:\n')).matchAll(/^ {2}(\S.*?):$/gm)].map((m) => m[1].replace(/^'(.*)'$/, '$1'));
      assert.ok(keysBefore.length > 300, `only ${keysBefore.length} keys before the cut`);
      assert.deepEqual(
        lock.packages.map((p) => p.id),
        keysBefore,
      );
      const fullById = new Map(full.packages.map((p) => [p.name + '@' + p.version, p]));
      for (const p of lock.packages.slice(0, -1)) {
        assert.equal(p.integrity, fullById.get(p.id)!.integrity, p.id);
        assert.deepEqual(p.range, fullById.get(p.id)!.range, p.id);
      }
      const yamlErrors = lock.problems.filter((p) => p.code === 'invalid-yaml');
      assert.ok(yamlErrors.length >= 1, JSON.stringify(lock.problems));
      const lastLine = head.split('\n').length - 1;
      assert.equal(yamlErrors[0].severity, 'error');
      assert.ok(yamlErrors[0].range.start.line >= lastLine - 1 && yamlErrors[0].range.start.line <= lastLine, JSON.stringify(yamlErrors[0].range));
      assert.equal(yamlErrors[0].file, 'pnpm-lock.yaml');
    });

    it('medium cut cleanly inside snapshots: warns that packages lack snapshots', function () {
      const { text } = load(this, 'medium');
      const start = text.indexOf('\nsnapshots:\n');
      const cut = text.indexOf('\n\n', start + 5000) + 1;
      const lock = parsePnpmLockfile(text.slice(0, cut), 'pnpm-lock.yaml');
      assert.equal(lock.packages.length, 530);
      const w = lock.problems.find((p) => p.code === 'invalid-lockfile');
      assert.ok(w, JSON.stringify(lock.problems));
      assert.equal(w.severity, 'warning');
      assert.ok(w.range.start.line > 50 && w.range.start.line < positionOf(text, '\nsnapshots:').line, JSON.stringify(w.range));
    });
  });

  describe('unexpected input', () => {
    it('reports an unsupported version as a warning and still reads the v6 shape', () => {
      const text = V6_SINGLE.replace("lockfileVersion: '6.0'", "lockfileVersion: '5.4'");
      const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      assert.equal(lock.version, '5.4');
      assert.deepEqual(
        lock.problems.map((p) => [p.code, p.severity, p.range.start.line, p.range.start.character]),
        [['unsupported-lockfile-version', 'warning', 0, 17]],
      );
      assert.equal(lock.packages.length, 10);
    });

    it('reads a 5.4 lockfile with /name/version keys and specifiers', () => {
      const text =
        'lockfileVersion: 5.4\n\nspecifiers:\n  ms: ^2.1.3\n\ndependencies:\n  ms: 2.1.3\n\npackages:\n\n  /ms/2.1.3:\n    resolution: {integrity: sha512-bXMz}\n    dev: false\n';
      const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      assert.deepEqual(
        lock.problems.map((p) => p.code),
        ['unsupported-lockfile-version'],
      );
      assert.deepEqual(edge(lock, '.', 'ms'), { name: 'ms', spec: '^2.1.3', type: 'prod', to: '/ms/2.1.3' });
      assert.deepEqual([lock.packages[0].name, lock.packages[0].version], ['ms', '2.1.3']);
    });

    it('reports wrong types inside and keeps the rest', () => {
      const text = [
        "lockfileVersion: '9.0'",
        'importers:',
        '  .:',
        '    dependencies:',
        '      a: {specifier: ^1.0.0, version: 1.0.0}',
        '      b: [1, 2]',
        'packages:',
        '  a@1.0.0: {resolution: {integrity: sha512-YQ==}}',
        '  bad@1.0.0: 42',
        'snapshots:',
        '  a@1.0.0:',
        '    dependencies: [oops]',
        '',
      ].join('\n');
      const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      assert.deepEqual(
        lock.packages.map((p) => p.id),
        ['a@1.0.0'],
      );
      assert.equal(edge(lock, '.', 'a').to, 'a@1.0.0');
      assert.deepEqual(
        lock.problems.map((p) => [p.code, p.range.start.line]),
        [
          ['unexpected-type', 5],
          ['unexpected-type', 8],
          ['unexpected-type', 11],
        ],
      );
    });

    it('reports an unresolved edge at its value', () => {
      const text = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0\n";
      const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      assert.equal(edge(lock, '.', 'a').to, undefined);
      assert.deepEqual(
        lock.problems.map((p) => [p.code, p.range.start.line, p.range.start.character]),
        [['unresolved-dependency', 6, 17]],
      );
    });

    const garbage: [string, string][] = [
      ['empty', ''],
      ['whitespace', '  \n\n'],
      ['a list', '- a\n- b\n'],
      ['a scalar', 'just some text'],
      ['binary', '\u0000\u0001\u0002\u00ff\ufffd PK\u0003\u0004 \u001b[0m'],
      ['bad indentation', "lockfileVersion: '9.0'\n  importers:\n bad: [\n"],
      ['unclosed quote', "lockfileVersion: '9.0\npackages:\n  'a@1.0.0:\n"],
      ['tabs', "lockfileVersion: '9.0'\n\tpackages:\n\t\ta: 1\n"],
      ['anchors and aliases', "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: &x {resolution: {integrity: x}}\n  b@1.0.0: *x\nsnapshots: *y\n"],
      ['multiple documents', "lockfileVersion: '9.0'\n---\nlockfileVersion: '6.0'\n"],
      ['json', '{"lockfileVersion": "9.0", "packages": {"a@1.0.0": null}, "snapshots": {"a@1.0.0": null}}'],
      ['wrong types everywhere', "lockfileVersion: [9]\nimporters: 5\npackages: {'x': [], 'y@1': 'z'}\nsnapshots: [1]\ndependencies: {a: {version: {}}}\n"],
      ['non-string keys', "lockfileVersion: '9.0'\nimporters:\n  [a]: {}\n  ? {b: 1}\n  : {}\npackages:\n  [x]: {}\n"],
    ];
    for (const [name, text] of garbage) {
      it(`never throws on ${name}`, () => {
        const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
        assert.equal(lock.kind, 'pnpm');
        assert.ok(Array.isArray(lock.packages) && Array.isArray(lock.importers));
        for (const p of lock.problems) assert.ok(p.range.start.line >= 0 && p.range.endOffset <= text.length, JSON.stringify(p));
        if (['empty', 'a list', 'a scalar', 'whitespace'].includes(name))
          assert.ok(
            lock.problems.some((p) => p.severity === 'error'),
            name,
          );
      });
    }

    it('refuses absurdly deep nesting before it can crash the process', () => {
      // yaml's composer recurses per level; ~900 levels made V8 abort node ("RegExpCompiler Allocation failed").
      const forms = ['['.repeat(5000), '['.repeat(5000) + ']'.repeat(5000), '- '.repeat(5000) + 'x', '? '.repeat(5000) + 'x', '{a: '.repeat(5000)];
      for (let round = 0; round < 4; round++) {
        for (const text of forms) {
          const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
          assert.deepEqual(lock.packages, []);
          assert.equal(lock.problems[0].code, 'invalid-yaml');
          assert.match(lock.problems[0].message, /nests more than 32 levels/);
        }
      }
      // 25 levels is still read.
      const ok = parsePnpmLockfile("lockfileVersion: '9.0'\nsettings: " + '['.repeat(25) + ']'.repeat(25) + '\n', 'pnpm-lock.yaml');
      assert.deepEqual(ok.problems, []);
    });

    it('never throws on randomly damaged real lockfiles', function () {
      const file = path.join(FIXTURES, 'small', 'pnpm-lock.yaml');
      const base = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : V9_MONOREPO;
      let seed = 42;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const noise = ['', ':', ' ', '\n', "'", '"', '{', '}', '[', ']', '-', '#', '&a', '*a', '(', '@', '\t', '\u0000', '? '];
      for (let i = 0; i < 150; i++) {
        let text = base;
        for (let j = 0; j < 1 + rand(6); j++) {
          const at = rand(text.length);
          text = text.slice(0, at) + noise[rand(noise.length)] + text.slice(at + rand(4));
        }
        if (i % 3 === 0) text = text.slice(0, rand(text.length));
        const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
        assert.ok(Array.isArray(lock.packages));
        for (const p of lock.problems) assert.ok(p.range.endOffset <= text.length);
      }
    });
  });
});

describe('pnpm-lock.yaml resolutions of the wrong type (InstalledPackage.invalid)', () => {
  const text = `lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a: {specifier: ^1.0.0, version: 1.0.0}
      b: {specifier: ^1.0.0, version: 1.0.0}
      c: {specifier: ^1.0.0, version: 1.0.0}
      d: {specifier: ^1.0.0, version: 1.0.0}
      e: {specifier: ^1.0.0, version: 1.0.0}
      f: {specifier: ^1.0.0, version: 1.0.0}
packages:
  a@1.0.0:
    resolution: sha512-aaaa
  b@1.0.0:
    resolution: {integrity: {algo: sha512}}
  c@1.0.0:
    resolution: {tarball: 5, integrity: sha512-cccc}
  d@1.0.0:
    resolution: {type: git, repo: 'https://github.com/u/d.git', commit: [abc]}
  e@1.0.0:
    resolution: {integrity: true}
  f@1.0.0:
    resolution: {integrity: sha512-ffff}
snapshots:
  a@1.0.0: {}
  b@1.0.0: {}
  c@1.0.0: {}
  d@1.0.0: {}
  e@1.0.0: {}
  f@1.0.0: {}
`;
  const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
  const at = (r: { startOffset: number; endOffset: number }) => text.slice(r.startOffset, r.endOffset);

  it('keeps every package, marks the unreadable ones invalid, and puts a warning on the value', () => {
    assert.deepEqual(
      lock.packages.map((p) => [p.id, p.name, p.version, p.invalid ?? null]),
      [
        ['a@1.0.0', 'a', '1.0.0', 'its "resolution" is a string, not a mapping'],
        ['b@1.0.0', 'b', '1.0.0', 'its "resolution.integrity" is a mapping, not a string'],
        ['c@1.0.0', 'c', '1.0.0', 'its "resolution.tarball" is a number (5), not a string'],
        ['d@1.0.0', 'd', '1.0.0', 'its "resolution.commit" is a sequence, not a string'],
        ['e@1.0.0', 'e', '1.0.0', 'its "resolution.integrity" is a boolean (true), not a string'],
        ['f@1.0.0', 'f', '1.0.0', null],
      ],
    );
    assert.deepEqual(
      lock.problems.map((p) => [p.code, p.severity, at(p.range)]),
      [
        ['unexpected-type', 'warning', 'sha512-aaaa'],
        ['unexpected-type', 'warning', '{algo: sha512}'],
        ['unexpected-type', 'warning', '5'],
        ['unexpected-type', 'warning', '[abc]'],
        ['unexpected-type', 'warning', 'true'],
      ],
    );
    assert.match(lock.problems[0].message, /"resolution" of "a@1\.0\.0" should be a mapping/);
  });

  it('reads nothing from a field of the wrong type, and what it can from the rest', () => {
    const p = (id: string) => lock.packages.find((x) => x.id === id)!;
    assert.deepEqual([p('a@1.0.0').integrity, p('a@1.0.0').source], [undefined, 'unknown']);
    assert.equal(p('b@1.0.0').integrity, undefined);
    assert.deepEqual([p('c@1.0.0').integrity, p('c@1.0.0').resolved], ['sha512-cccc', undefined]);
    assert.equal(p('e@1.0.0').integrity, undefined, 'js-yaml, as pnpm reads the file, gives a boolean');
    assert.deepEqual([p('f@1.0.0').integrity, p('f@1.0.0').source], ['sha512-ffff', 'registry']);
  });

  it('accepts the forms pnpm writes: {integrity} (registry shorthand), {tarball}, git, directory, quoted or empty values, other types', () => {
    const ok = parsePnpmLockfile(
      `lockfileVersion: '6.0'
packages:
  /a@1.0.0:
    resolution: {integrity: sha1-zCAOqyYT9BZtJ/+a/HylbUnfbrQ=}
  /b@1.0.0:
    resolution: {tarball: 'https://example.com/b-1.0.0.tgz'}
  /c@1.0.0:
    resolution: {integrity: sha512-c, registry: 'https://r.example/', tarball: 'https://r.example/c/-/c-1.0.0.tgz'}
  github.com/u/d/0123456789abcdef0123456789abcdef01234567:
    name: d
    version: 1.0.0
    resolution: {commit: 0123456789abcdef0123456789abcdef01234567, repo: 'https://github.com/u/d.git', type: git}
  file:e:
    name: e
    version: 1.0.0
    resolution: {directory: '', type: directory}
  /f@1.0.0:
    resolution: {integrity: "5"}
  /g@1.0.0:
    resolution: {type: variations, variants: [{targets: [{os: linux}], resolution: {type: binary, url: 'https://x/g.tgz'}}]}
  /h@1.0.0:
    resolution: {integrity: null}
`,
      'pnpm-lock.yaml',
    );
    assert.deepEqual(
      ok.problems.filter((p) => p.code === 'unexpected-type'),
      [],
    );
    assert.deepEqual(
      ok.packages.filter((p) => p.invalid),
      [],
    );
    assert.equal(ok.packages.find((p) => p.name === 'f')!.integrity, '5', 'a quoted "5" is a string');
  });

  it('no false alarm on the real lockfiles: pnpm 5.4, 6.0 and 9.0', function () {
    const real = requireSharedFixtures(this, 'lockfiles/real');
    for (const project of ['vuecore54', 'vue2', 'vuecore', 'vite']) {
      const real9 = parsePnpmLockfile(fs.readFileSync(path.join(real, project, 'pnpm-lock.yaml'), 'utf8'), 'pnpm-lock.yaml');
      assert.ok(real9.packages.length > 500, project);
      assert.deepEqual(
        real9.packages.filter((p) => p.invalid).map((p) => p.id),
        [],
        project,
      );
      assert.deepEqual(
        real9.problems.filter((p) => p.code === 'unexpected-type'),
        [],
        project,
      );
    }
  });
});

describe('pnpm-lock.yaml: the parse is bounded while yaml reads it', () => {
  // Before, yaml's CST parser read the whole text before the depth was checked: on 400 KB of brackets that took
  // seconds and over 400 MB. Now parsing stops at the first token past the bound.
  for (const [name, body] of [
    ['flow sequences', '['.repeat(400_000)],
    ['flow mappings', '{a: '.repeat(100_000)],
    ['block sequences on one line', `\n  ${'- '.repeat(200_000)}x`],
  ]) {
    it(`400 KB of nested ${name}: a positioned problem at the 33rd level`, () => {
      const text = `lockfileVersion: '9.0'\npackages: ${body}`;
      const lock = parsePnpmLockfile(text, 'pnpm-lock.yaml');
      assert.deepEqual(lock.packages, []);
      assert.equal(lock.problems.length, 1);
      assert.match(lock.problems[0].message, /nests more than 32 levels deep here; it is not a pnpm lockfile and was not read/);
      assert.ok(lock.problems[0].range.startOffset < 200, `near the start (${lock.problems[0].range.startOffset})`);
      assert.ok('[{-'.includes(text[lock.problems[0].range.startOffset]), 'on a collection indicator');
    });
  }
});
