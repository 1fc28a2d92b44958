import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Arborist from '@npmcli/arborist';
import npa from 'npm-package-arg';
import { loadProject } from '../../src/engine/infra/project-files';
import { SHARED_FIXTURES, dirsWith, requireSharedFixtures } from '../support/fixtures';

/**
 * Where each package comes from, checked against npm: for every node arborist's loadVirtual reads from an npm
 * lockfile, npm-package-arg's type of its `resolved` (git, remote, file, directory; a registry tarball URL is the
 * registry) must be our `source`. v1 lockfiles matter most: they write a git dependency's URL as its `version`.
 */
interface Node {
  location: string;
  packageName: string;
  resolved?: string | null;
  isRoot: boolean;
  isLink: boolean;
}

function npmSource(node: Node): string | undefined {
  if (!node.resolved) return undefined; // no resolved: a registry entry without it, or a folder
  let type: string;
  try {
    type = npa(node.resolved).type;
  } catch {
    return undefined; // junk some test lockfiles hold on purpose ("fake resolved value")
  }
  if (type === 'remote' && /\/-\/[^/]+\.tgz$/.test(node.resolved)) return 'registry';
  return type === 'directory' ? 'link' : type;
}

describe('cross-check with @npmcli/arborist: the source of every locked package', function () {
  this.timeout(120_000);

  it("git, remote, file and registry agree on npm's test-suite lockfiles and atom, and git names too", async function () {
    requireSharedFixtures(this, 'lockfiles');
    const dirs = [
      ...dirsWith(path.join(SHARED_FIXTURES, 'lockfiles/arborist'), ['package-lock.json', 'npm-shrinkwrap.json']),
      path.join(SHARED_FIXTURES, 'lockfiles/real/atom'),
    ];
    let git = 0;
    let compared = 0;
    for (const dir of dirs) {
      let tree: { inventory: Map<string, Node> };
      try {
        tree = (await new Arborist({ path: dir }).loadVirtual()) as never;
      } catch {
        continue; // the three lockfiles npm refuses (npm-rejects.test.ts)
      }
      const ours = new Map((await loadProject(dir)).lockfile!.packages.map((p) => [p.id, p]));
      for (const node of tree.inventory.values()) {
        if (node.isRoot || node.isLink) continue;
        const expected = npmSource(node);
        const p = ours.get(node.location);
        if (expected === undefined || !p) continue;
        compared++;
        assert.equal(p.source, expected, `${path.relative(SHARED_FIXTURES, dir)} ${node.location} (${node.resolved})`);
        if (expected === 'git') {
          git++;
          assert.equal(p.name, node.packageName, `${node.location}: the name npm gives it`);
        }
      }
    }
    assert.ok(compared > 2000, `compared ${compared}`);
    // atom's 68, and 9 more in npm's test suite.
    assert.ok(git >= 68 + 7, `git dependencies compared: ${git}`);
  });

  it('atom: arborist reads the same 68 git dependencies at the same commits', async function () {
    const dir = requireSharedFixtures(this, 'lockfiles/real/atom');
    const tree = (await new Arborist({ path: dir }).loadVirtual()) as unknown as { inventory: Map<string, Node> };
    // arborist rewrites a hosted git+https URL to its git+ssh form; the repository path and the commit must agree.
    const repoAndCommit = (url: string) => url.replace(/^git\+(https|ssh):\/\/(git@)?/, '');
    const theirs = [...tree.inventory.values()]
      .filter((n) => !n.isRoot && !n.isLink && npmSource(n) === 'git')
      .map((n) => `${n.location} ${repoAndCommit(n.resolved!)}`);
    const lock = (await loadProject(dir)).lockfile!;
    const mine = lock.packages.filter((p) => p.source === 'git').map((p) => `${p.id} ${repoAndCommit(p.resolved!)}`);
    assert.equal(theirs.length, 68);
    assert.deepEqual(mine.sort(), theirs.sort());
    assert.ok(fs.existsSync(path.join(dir, 'package-lock.json')));
  });
});
