import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isWorkspaceDir } from '../../../src/core/workspace-glob';
import { findWorkspaceDirs } from '../../../src/engine/infra/project-files';
import { seededRandom } from '../../support/rng';

const SKIP = new Set(['node_modules', '.git', '.hg', '.svn']);

/**
 * Every folder the workspace walk could ever report, found without pruning: below each glob's static prefix, through
 * folders that are not skipped or hidden, at most 8 segments deep, matching the globs and holding a package.json.
 */
function reference(root: string, globs: string[]): string[] {
  const found = new Set<string>();
  const bases = new Set(
    globs
      .filter((g) => !g.startsWith('!'))
      .map((g) => {
        const fixed: string[] = [];
        for (const p of g.replace(/^\.\//, '').split('/')) {
          if (/[*?{[]/.test(p)) break;
          fixed.push(p);
        }
        return fixed.join('/');
      }),
  );
  const walk = (rel: string) => {
    const depth = rel === '' ? 0 : rel.split('/').length;
    if (rel !== '' && isWorkspaceDir(rel, globs) && fs.existsSync(path.join(root, rel, 'package.json'))) found.add(rel);
    if (depth >= 8 || !fs.existsSync(path.join(root, rel))) return;
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true }))
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) walk(rel === '' ? e.name : `${rel}/${e.name}`);
  };
  for (const b of bases) walk(b);
  return [...found].sort();
}

describe('finding workspace folders', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-ws-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const mkdir = (rel: string, manifest = false) => {
    fs.mkdirSync(path.join(root, rel), { recursive: true });
    if (manifest) fs.writeFileSync(path.join(root, rel, 'package.json'), '{}');
  };

  it('lists no folder deeper than the globs reach: a workspace’s source tree is not walked', async () => {
    for (const p of ['a', 'b', 'c']) {
      mkdir(`packages/${p}`, true);
      for (const d of ['src/components/x/y', 'src/lib', 'test/fixtures/z']) mkdir(`packages/${p}/${d}`, d === 'test/fixtures/z');
    }
    const listed = { dirs: 0 };
    assert.deepEqual(await findWorkspaceDirs(root, ['packages/*'], listed), ['packages/a', 'packages/b', 'packages/c']);
    assert.equal(listed.dirs, 1, 'only packages/ is listed');
    const deep = { dirs: 0 };
    assert.deepEqual(await findWorkspaceDirs(root, ['packages/**'], deep), reference(root, ['packages/**']));
    assert.ok(deep.dirs > 20, `${deep.dirs}: with ** the tree is walked`);
  });

  it('finds what an unpruned walk finds, on random trees and globs (TRUSTLENS_FUZZ_SEED)', async () => {
    const rnd = seededRandom(Number(process.env.TRUSTLENS_FUZZ_SEED ?? 20261207));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const names = ['packages', 'apps', 'libs', 'a', 'b', 'src', 'sub', 'node_modules', '.hidden', 'ab'];
    const globPool = [
      'packages/*',
      'packages/**',
      'apps/*/*',
      '{apps,libs}/*',
      '*',
      './libs/*',
      'packages/*/sub',
      'packages/**/sub',
      'a?',
      '!packages/b',
      '!**/sub',
      'packages/{a,b/sub}',
      '.hidden/*',
    ];
    let compared = 0;
    for (let round = 0; round < 40; round++) {
      fs.rmSync(root, { recursive: true, force: true });
      fs.mkdirSync(root);
      for (let i = 0; i < 80; i++) {
        const rel = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => pick(names)).join('/');
        mkdir(rel, rnd() < 0.6);
      }
      const globs = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(globPool));
      const want = reference(root, globs);
      assert.deepEqual(await findWorkspaceDirs(root, globs), want, `globs ${JSON.stringify(globs)}`);
      compared += want.length;
    }
    assert.ok(compared > 40, `${compared} workspace folders compared`);
  });
});
