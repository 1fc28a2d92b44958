import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProject } from '../../../src/core/project';
import type { InstalledPackage, ManifestDependency, ProjectModel } from '../../../src/core/model';
import { ProjectIndex } from '../../../src/core/report/locate';
import { loadProject } from '../../../src/engine/infra/project-files';
import { requireSharedFixtures } from '../../support/fixtures';

/** The plain definition: every manifest, every dependency-section entry whose key or aliased name is the package's. */
function reference(model: ProjectModel, pkg: InstalledPackage): { file: string; entry: ManifestDependency }[] {
  const sections = new Set(['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']);
  const out: { file: string; entry: ManifestDependency }[] = [];
  for (const m of model.manifests) {
    if (!pkg.workspaces.includes(m.dir) && !(pkg.workspaces.length === 0 && m.dir === '.')) continue;
    for (const d of m.dependencies) {
      if (!sections.has(d.section)) continue;
      if (d.name === (pkg.alias ?? pkg.name) || (d.spec.registryName ?? d.name) === pkg.name) out.push({ file: m.file, entry: d });
    }
  }
  return out;
}

function assertLikeReference(model: ProjectModel, what: string): number {
  const index = new ProjectIndex(model);
  let entries = 0;
  for (const p of model.lockfile?.packages ?? []) {
    const want = reference(model, p);
    const got = index.manifestEntries(p);
    assert.deepEqual(
      got.map((d) => [index.manifestFile(d), d]),
      want.map((w) => [w.file, w.entry]),
      `${what}: ${p.id}`,
    );
    entries += got.length;
  }
  return entries;
}

describe('locating a package in the manifests', () => {
  it('aliases, workspaces, sections and overrides, as the plain definition', () => {
    const files = new Map([
      [
        'package.json',
        JSON.stringify({
          name: 'root',
          workspaces: ['packages/*'],
          dependencies: { a: '^1.0.0', 'b-alias': 'npm:b@^2.0.0' },
          devDependencies: { a: '^1.0.0' },
          overrides: { a: '1.0.0' },
        }),
      ],
      ['packages/w/package.json', JSON.stringify({ name: 'w', dependencies: { b: '^2.0.0' }, peerDependencies: { a: '*' } })],
      [
        'package-lock.json',
        JSON.stringify({
          name: 'root',
          lockfileVersion: 3,
          packages: {
            '': { name: 'root', workspaces: ['packages/*'], dependencies: { a: '^1.0.0', 'b-alias': 'npm:b@^2.0.0' }, devDependencies: { a: '^1.0.0' } },
            'packages/w': { name: 'w', dependencies: { b: '^2.0.0' }, peerDependencies: { a: '*' } },
            'node_modules/w': { resolved: 'packages/w', link: true },
            'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: 'sha512-AA==' },
            'node_modules/b-alias': { name: 'b', version: '2.0.0', resolved: 'https://registry.npmjs.org/b/-/b-2.0.0.tgz', integrity: 'sha512-BB==' },
            'node_modules/b': { version: '2.0.0', resolved: 'https://registry.npmjs.org/b/-/b-2.0.0.tgz', integrity: 'sha512-BB==' },
          },
        }),
      ],
    ]);
    const model = buildProject('/p', files);
    assert.ok(assertLikeReference(model, 'hand-made') >= 4);
  });

  it('on the real projects of ../shared/fixtures/lockfiles/real', async function () {
    const dir = requireSharedFixtures(this, 'lockfiles/real');
    let entries = 0;
    for (const name of fs.readdirSync(dir)) entries += assertLikeReference(await loadProject(path.join(dir, name)), name);
    assert.ok(entries > 500, `${entries} manifest entries located`);
  });
});
