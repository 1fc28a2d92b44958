import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Arborist from '@npmcli/arborist';
import { loadProject } from '../../src/engine/infra/project-files';
import { SHARED_FIXTURES, dirsWith, requireSharedFixtures } from '../support/fixtures';

/**
 * Peer cross-check: for every real lockfile from npm's own test suite, the set of installed packages
 * (location, name, version) must equal what @npmcli/arborist's loadVirtual reads from the same directory.
 * Differences that are deliberate are listed here with the reason; anything else fails.
 */
const KNOWN_DIFFERENCES: Record<string, { reason: string; missing: string[]; extra: string[] }> = {
  'audit-mkdirp': {
    reason:
      'arborist names the link target folder mkdirp-unfixable `null` (it reads a package.json there that has no name); ' +
      'we read only the lockfile and name a link target after its folder',
    missing: ['mkdirp-unfixable null@'],
    extra: ['mkdirp-unfixable mkdirp-unfixable@'],
  },
  'workspaces-non-simplistic': {
    reason:
      'the workspace folder `a` has no name in the lockfile and is linked as node_modules/pkg-a: arborist names it after ' +
      'the folder (`a`), we after the link npm installed it under (`pkg-a`)',
    missing: ['a a@'],
    extra: ['a pkg-a@'],
  },
  'link-dep-nested/root': {
    reason:
      "the v1 link `bork` points at `..`: arborist reads that folder's package.json from disk (nested-thingies@1.2.3); " +
      'the model is built from the lockfile alone and names a link target after its folder',
    missing: ['.. nested-thingies@1.2.3'],
    extra: ['.. ..@'],
  },
};

/** Lockfiles arborist refuses to load at all: we must still not throw, and must say where the file is broken. */
const ARBORIST_REFUSES: Record<string, RegExp> = {
  'conflict-package-lock': /merge conflict/,
  'testing-peer-deps-bad-sw': /Invalid JSON/,
  'workspace3/packages/a': /Invalid JSON/,
};

const LOCKFILES = path.join(SHARED_FIXTURES, 'lockfiles');
const ARBORIST_DIR = path.join(LOCKFILES, 'arborist');
/** The big generated lockfiles (npm's own output for real dependency graphs of 80 to 1,800 packages). */
const GENERATED = ['small', 'medium', 'large'].map((s) => path.join(LOCKFILES, 'generated', s));

/** Every real node (not the root, not a symlink): installed packages, workspace folders and link targets. */
function arboristSet(tree: { inventory: Map<string, ArboristNode> }): Set<string> {
  const out = new Set<string>();
  for (const node of tree.inventory.values()) {
    if (node.isRoot || node.isLink) continue;
    out.add(`${node.location} ${node.packageName}@${node.version ?? ''}`);
  }
  return out;
}

interface ArboristNode {
  location: string;
  packageName: string;
  version?: string;
  isRoot: boolean;
  isLink: boolean;
}

describe('cross-check with @npmcli/arborist loadVirtual on npm test-suite lockfiles', function () {
  const dirs = fs.existsSync(ARBORIST_DIR)
    ? [...dirsWith(ARBORIST_DIR, ['package-lock.json', 'npm-shrinkwrap.json']), ...GENERATED.filter((d) => fs.existsSync(d))]
    : [];

  before(function () {
    requireSharedFixtures(this, 'lockfiles/arborist');
  });

  it('finds the real lockfiles', function () {
    assert.ok(dirs.length >= 103, `expected 103+ lockfile directories, found ${dirs.length}`);
  });

  for (const dir of dirs) {
    const rel = path.relative(dir.startsWith(ARBORIST_DIR) ? ARBORIST_DIR : LOCKFILES, dir);
    it(rel, async function () {
      const ours = await loadProject(dir);
      let theirs: Set<string>;
      try {
        theirs = arboristSet(await new Arborist({ path: dir }).loadVirtual());
      } catch (e) {
        const expected = ARBORIST_REFUSES[rel];
        assert.ok(expected, `arborist failed unexpectedly: ${(e as Error).message}`);
        assert.ok(ours.lockfile, 'the lockfile is still found');
        assert.match(ours.lockfile.problems[0]?.message ?? '', expected);
        return;
      }
      const lock = ours.lockfile!;
      // Workspace folders are importers in our model, nodes in arborist's: compare them as nodes.
      const mine = new Set([
        ...lock.packages.map((p) => `${p.id} ${p.name}@${p.version}`),
        ...lock.importers.filter((i) => i.id !== '.').map((i) => `${i.id} ${i.name}@${i.version ?? ''}`),
      ]);
      const missing = [...theirs].filter((k) => !mine.has(k));
      const extra = [...mine].filter((k) => !theirs.has(k));
      const known = KNOWN_DIFFERENCES[rel] ?? { missing: [], extra: [] };
      assert.deepEqual({ missing, extra }, { missing: known.missing, extra: known.extra }, `differences from arborist in ${rel}`);
    });
  }
});
