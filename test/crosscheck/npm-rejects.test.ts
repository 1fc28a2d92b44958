import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Arborist from '@npmcli/arborist';
import { npmRejection } from '../../src/core/lockfile/npm';
import { parseLockfile } from '../../src/core/project';
import { stripBom } from '../../src/core/positions';
import { loadProject } from '../../src/engine/infra/project-files';
import { SHARED_FIXTURES, dirsWith, requireSharedFixtures } from '../support/fixtures';

/**
 * Lockfile.rejected must say exactly when npm itself would not use a package-lock.json: the oracle is
 * @npmcli/arborist's loadVirtual (npm's own reader, offline), which throws ENOLOCK when Shrinkwrap.load could not
 * parse the file (it then goes on with an empty lockfile, so `npm install` resolves every version afresh) and
 * otherwise gives the tree it read. "npm uses the lockfile" here: loadVirtual gives node_modules/a at the locked 1.0.1.
 */
const MANIFEST = JSON.stringify({ name: 'root', version: '1.0.0', dependencies: { a: '^1.0.0' } });
const entry = (version: string) =>
  `"node_modules/a": {\n      "version": "${version}",\n      "resolved": "https://registry.invalid/a/-/a-${version}.tgz"\n    }`;
const lock = (body: string) =>
  `{\n  "name": "root",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n    "": { "dependencies": { "a": "^1.0.0" } },\n    ${body}\n  }\n}\n`;
const GOOD = lock(entry('1.0.1'));

const CASES: Record<string, { text: string; at?: string }> = {
  valid: { text: GOOD },
  'byte-order mark': { text: `\uFEFF${GOOD}` },
  // parse-conflict-json drops one mark, then json-parse-even-better-errors another: npm reads it.
  'two byte-order marks': { text: `\uFEFF\uFEFF${GOOD}` },
  'three byte-order marks': { text: `\uFEFF\uFEFF\uFEFF${GOOD}`, at: '\uFEFF{' },
  'line comment': { text: GOOD.replace('"packages"', '// pinned by hand\n  "packages"'), at: '// pinned' },
  'block comment': { text: GOOD.replace('"requires"', '/* x */ "requires"'), at: '/* x */' },
  'trailing comma': { text: GOOD.replace('"^1.0.0" } },', '"^1.0.0" }, },'), at: '},\n    "node_modules/a"' },
  truncated: { text: GOOD.slice(0, GOOD.indexOf('"resolved"')) },
  empty: { text: '' },
  'only whitespace': { text: '\n  \n' },
  'single quotes': { text: GOOD.replace('"name": "root"', "'name': 'root'"), at: "'name'" },
  'root null': { text: 'null' },
  'root array': { text: '[]' },
  'root string': { text: '"lockfile"' },
  // git's markers around a changed field: the shared text, ours and theirs each parse; npm merges them.
  'resolvable merge conflict': {
    text: lock(
      '"node_modules/a": {\n<<<<<<< HEAD\n      "version": "1.0.1",\n      "resolved": "https://registry.invalid/a/-/a-1.0.1.tgz"\n=======\n      "version": "1.0.0",\n      "resolved": "https://registry.invalid/a/-/a-1.0.0.tgz"\n>>>>>>> other\n    }',
    ),
  },
  // Whole entries on each side leave the shared text with a dangling comma: npm cannot parse it.
  'unresolvable merge conflict': {
    text: lock(`"node_modules/b": { "version": "1.0.0" },\n<<<<<<< HEAD\n    ${entry('1.0.1')}\n=======\n    ${entry('1.0.0')}\n>>>>>>> other`),
    // JSON.parse stops on the brace after the comma: the one that closes "packages".
    at: '}\n}\n',
  },
  // parse-conflict-json looks for the markers anywhere, even in a string of otherwise valid JSON.
  'markers inside a string': { text: GOOD.replace('"name": "root"', '"name": "root",\n  "x": "<<<<<<< ======= >>>>>>>"') },
};

async function npmUsesLockfile(text: string): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-npm-rejects-'));
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), MANIFEST);
    fs.writeFileSync(path.join(dir, 'package-lock.json'), text);
    let tree: { inventory: Map<string, { version?: string }> };
    try {
      tree = await new Arborist({ path: dir }).loadVirtual();
    } catch (e) {
      assert.equal((e as { code?: string }).code, 'ENOLOCK', `arborist: ${(e as Error).message}`);
      return false;
    }
    return tree.inventory.get('node_modules/a')?.version === '1.0.1';
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('strict npm read: Lockfile.rejected agrees with @npmcli/arborist', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const npmReads = await npmUsesLockfile(c.text);
      const parsed = parseLockfile('package-lock.json', c.text, []);
      assert.equal(parsed.rejected === undefined, npmReads, `npm ${npmReads ? 'reads' : 'ignores'} it; rejected: ${parsed.rejected?.message}`);
      assert.equal(npmRejection(c.text) === undefined, npmReads);
      if (!parsed.rejected) {
        assert.ok(!parsed.problems.some((p) => p.code === 'invalid-json'));
        return;
      }
      // A short reason to quote; a problem says the whole of it (an error where the tolerant read broke too).
      assert.doesNotMatch(parsed.rejected.message, /npm install/);
      assert.ok(
        parsed.problems.some((p) => p.code === 'invalid-json' || p.code === 'unexpected-type' || p.code === 'merge-conflict'),
        'a problem goes with it',
      );
      const warning = parsed.problems.find((p) => p.severity === 'warning' && p.code === 'invalid-json');
      if (warning) assert.match(warning.message, /npm install ignores the lockfile and installs freshly resolved versions/);
      if (c.at !== undefined) {
        // The first thing JSON.parse chokes on, in the text after the byte-order mark.
        const body = stripBom(c.text);
        assert.equal(
          body.slice(parsed.rejected.range.startOffset).startsWith(c.at),
          true,
          `at ${JSON.stringify(body.slice(parsed.rejected.range.startOffset, parsed.rejected.range.startOffset + 12))}`,
        );
      }
    });
  }

  it('the tolerant read still gives the packages, for positions', () => {
    const commented = parseLockfile('package-lock.json', CASES['line comment'].text, []);
    assert.ok(commented.rejected);
    assert.deepEqual(
      commented.packages.map((p) => `${p.name}@${p.version}`),
      ['a@1.0.1'],
    );
    assert.deepEqual([commented.problems[0].code, commented.problems[0].severity], ['invalid-json', 'warning']);
    assert.deepEqual(commented.problems[0].range, commented.rejected.range);
    assert.deepEqual(
      commented.problems.filter((p) => p.severity === 'error'),
      [],
      'the file was read: nothing is an error',
    );
  });

  it("on every lockfile of npm's test suite and atom, rejected exactly where arborist refuses", async function () {
    requireSharedFixtures(this, 'lockfiles/arborist');
    this.timeout(120_000);
    // (compass, npm/cli and netlify agree too, but loading them twice costs ~8 s for nothing new: valid JSON.)
    const dirs = [
      ...dirsWith(path.join(SHARED_FIXTURES, 'lockfiles/arborist'), ['package-lock.json', 'npm-shrinkwrap.json']),
      path.join(SHARED_FIXTURES, 'lockfiles/real/atom'),
    ];
    const refused: string[] = [];
    for (const dir of dirs) {
      let arboristReads = true;
      try {
        await new Arborist({ path: dir }).loadVirtual();
      } catch {
        arboristReads = false;
      }
      const ours = (await loadProject(dir)).lockfile;
      assert.equal(ours?.rejected === undefined, arboristReads, `${dir}: ${ours?.rejected?.message}`);
      if (!arboristReads) refused.push(path.basename(dir));
    }
    assert.deepEqual(refused.sort(), ['a', 'conflict-package-lock', 'testing-peer-deps-bad-sw']);
  });
});
