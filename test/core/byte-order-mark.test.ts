import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonTree } from '../../src/core/json';
import { parseNpmLockfile } from '../../src/core/lockfile/npm';
import { parsePnpmLockfile } from '../../src/core/lockfile/pnpm';
import { parseYarnBerryLockfile, parseYarnClassicLockfile } from '../../src/core/lockfile/yarn';
import { parseManifest } from '../../src/core/manifest';
import type { Lockfile, ParseProblem, SourceRange } from '../../src/core/model';
import { parseLockfile, workspaceGlobs } from '../../src/core/project';
import { stripBom } from '../../src/core/positions';
import { parsePolicy } from '../../src/core/trust/policy';
import { loadProject } from '../../src/engine/infra/project-files';
import { requireSharedFixtures } from '../support/fixtures';

/**
 * A UTF-8 byte-order mark (U+FEFF after decoding) at the start of a file: npm, yarn and pnpm drop it before parsing,
 * and VS Code drops it when it opens the file. Each parser reads such a file exactly as the same file without it:
 * no problem, and every offset, line and character counted from the character after the mark, as VS Code counts.
 */
const BOM = '\uFEFF';

const manifest = '{\n  "name": "a",\n  "dependencies": { "b": "^1.0.0" }\n}\n';
const npmLock = JSON.stringify(
  { lockfileVersion: 3, packages: { '': { dependencies: { b: '^1' } }, 'node_modules/b': { version: '1.0.0', integrity: 'sha512-x' } } },
  null,
  2,
);
const npmV1 = JSON.stringify({ lockfileVersion: 1, dependencies: { b: { version: '1.0.0', integrity: 'sha512-x' } } }, null, 2);
const pnpmLock =
  "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      b:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  b@1.0.0:\n    resolution: {integrity: sha512-x}\nsnapshots:\n  b@1.0.0: {}\n";
const classic = '# yarn lockfile v1\n\nb@^1.0.0:\n  version "1.0.0"\n  resolved "https://r/b/-/b-1.0.0.tgz"\n';
const berry = '__metadata:\n  version: 8\n\n"b@npm:^1.0.0":\n  version: 1.0.0\n  resolution: "b@npm:1.0.0"\n  checksum: 10c0/abc\n';

function ranges(lock: Lockfile): SourceRange[] {
  return lock.packages.map((p) => p.range);
}

describe('a byte-order mark at the start of a file', () => {
  it('package.json: read as without it, ranges in the text after the mark', () => {
    const plain = parseManifest(manifest);
    const marked = parseManifest(BOM + manifest);
    assert.deepEqual(marked.problems, []);
    assert.deepEqual(marked, plain);
    const b = marked.dependencies[0];
    assert.equal(stripBom(BOM + manifest).slice(b.keyRange.startOffset, b.valueRange.endOffset), '"b": "^1.0.0"');
    // Line 0 starts at the `{`, as VS Code shows it.
    assert.deepEqual(parseJsonTree(BOM + '{ "x": 1 }', 'f.json').root?.children?.[0].offset, 2);
  });

  it('package-lock.json (v3 and v1), npm-shrinkwrap.json: no invalid-json, the same packages and ranges', () => {
    for (const [name, text] of [
      ['package-lock.json', npmLock],
      ['npm-shrinkwrap.json', npmLock],
      ['package-lock.json', npmV1],
    ]) {
      const plain = parseNpmLockfile(text, name);
      for (const marked of [parseNpmLockfile(BOM + text, name), parseLockfile(name, BOM + text, [])]) {
        assert.deepEqual(marked.problems, [], name);
        assert.equal(marked.rejected, undefined, 'npm strips the mark before JSON.parse');
        assert.deepEqual(marked.packages, plain.packages);
        assert.equal(
          text.slice(marked.packages[0].range.startOffset, marked.packages[0].range.endOffset),
          name === 'package-lock.json' && text === npmV1 ? '"b"' : '"node_modules/b"',
        );
      }
    }
  });

  it('pnpm-lock.yaml, yarn.lock (classic and berry): the same packages and ranges', () => {
    const cases: [string, (t: string) => Lockfile][] = [
      [pnpmLock, (t) => parsePnpmLockfile(t, 'pnpm-lock.yaml')],
      [classic, (t) => parseYarnClassicLockfile(t, 'yarn.lock', [])],
      [berry, (t) => parseYarnBerryLockfile(t, 'yarn.lock')],
    ];
    for (const [text, parse] of cases) {
      const plain = parse(text);
      const marked = parse(BOM + text);
      assert.deepEqual(marked.problems, []);
      assert.equal(marked.packages.length, 1);
      assert.deepEqual(ranges(marked), ranges(plain));
      assert.deepEqual(marked.packages, plain.packages);
    }
    for (const [name, text] of [
      ['pnpm-lock.yaml', pnpmLock],
      ['yarn.lock', classic],
      ['yarn.lock', berry],
    ]) {
      assert.deepEqual(parseLockfile(name, BOM + text, []).packages, parseLockfile(name, text, []).packages, name);
    }
  });

  it('pnpm-workspace.yaml and .trustlens.jsonc', () => {
    assert.deepEqual(workspaceGlobs(undefined, `${BOM}packages:\n  - 'packages/*'\n`), ['packages/*']);
    const policy = parsePolicy(`${BOM}{ "cooldownDays": 3 }`, '.trustlens.jsonc');
    assert.deepEqual(policy.problems, []);
  });

  it('with a merge conflict, the conflict is placed after the mark as the parsers count', () => {
    const text = `${BOM}{\n<<<<<<< HEAD\n  "name": "ours"\n=======\n  "name": "theirs"\n>>>>>>> x\n}\n`;
    const m = parseManifest(text);
    assert.equal(m.name, 'ours');
    const conflict = m.problems.find((p: ParseProblem) => p.code === 'merge-conflict')!;
    assert.deepEqual(conflict.range.start, { line: 1, character: 0 });
    assert.equal(stripBom(text).slice(conflict.range.startOffset, conflict.range.endOffset), '<<<<<<< HEAD');
    const lock = parseLockfile('package-lock.json', `${BOM}{\n<<<<<<< HEAD\n  "lockfileVersion": 3\n=======\n  "lockfileVersion": 2\n>>>>>>> x\n}\n`, []);
    assert.equal(lock.version, '3');
    assert.equal(lock.problems[0].code, 'merge-conflict');
    assert.deepEqual(lock.problems[0].range.start, { line: 1, character: 0 });
  });

  it('package.json: a second mark is invalid JSON, as for npm; a lockfile: npm drops two, and so do we', () => {
    assert.equal(parseManifest(BOM + BOM + manifest).problems[0].code, 'invalid-json');
    // parse-conflict-json drops one, json-parse-even-better-errors under it another; the second reads as a space.
    const twice = parseNpmLockfile(BOM + BOM + npmLock, 'package-lock.json');
    assert.deepEqual([twice.problems, twice.rejected], [[], undefined]);
    assert.equal(twice.packages[0].range.startOffset, parseNpmLockfile(npmLock, 'package-lock.json').packages[0].range.startOffset + 1);
    assert.equal(parseNpmLockfile(BOM + BOM + BOM + npmLock, 'package-lock.json').problems[0]?.code, 'invalid-json');
  });

  it('the real vite project (a package.json with a mark): read without problems', async function () {
    const dir = requireSharedFixtures(this, 'lockfiles/real/vite');
    const rel = 'playground/resolve/utf8-bom-package/package.json';
    assert.equal(fs.readFileSync(path.join(dir, rel), 'utf8').charCodeAt(0), 0xfeff, 'the fixture still has its mark');
    const model = await loadProject(dir);
    assert.deepEqual(
      model.problems.map((p) => `${p.file}: ${p.message}`),
      [],
    );
    const bomPackage = model.manifests.find((m) => m.file === rel);
    assert.ok(bomPackage, 'the package is a workspace of vite');
    assert.equal(bomPackage.name, '@vitejs/test-utf8-bom-package');
    assert.equal(bomPackage.version, '1.0.0');
  });
});
