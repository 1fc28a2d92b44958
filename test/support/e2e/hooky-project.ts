/**
 * A small npm project for the e2e tests: hooky, whose last release adds a postinstall running a new file (what the
 * file does is the test's), and plain, which is clean; and the package.json and package-lock.json `npm install`
 * would write for them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RegistryCorpus, ScenarioBuilder, tarballPath } from '../../fixtures/registry/corpus';

const alice = { name: 'alice', email: 'alice@example.com' };

/** hooky 1.0.0 → 1.0.1 (adds `postinstall: node setup.js` with `setupJs`), plain 3.0.0. */
export async function hookyCorpus(setupJs = 'console.log(1)\n'): Promise<RegistryCorpus> {
  const b = new ScenarioBuilder({ registryKey: null });
  b.package('hooky')
    .version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice })
    .version('1.0.1', {
      publishedAt: '2024-03-01T00:00:00Z',
      publisher: alice,
      scripts: { postinstall: 'node setup.js' },
      files: { 'setup.js': setupJs },
    });
  b.package('plain').version('3.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice });
  return b.build();
}

const LOCKED = { hooky: '1.0.1', plain: '3.0.0' };

/** package.json and the package-lock.json `npm install` would write for hooky 1.0.1 and plain 3.0.0, resolved at `registryUrl`. */
export function writeNpmProject(dir: string, corpus: RegistryCorpus, registryUrl: string, edit: (lockText: string) => string = (t) => t): void {
  const dependencies = Object.fromEntries(Object.entries(LOCKED).map(([n, v]) => [n, `^${v}`]));
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies } };
  for (const [name, version] of Object.entries(LOCKED)) {
    const doc = corpus.packuments.get(name)!.versions[version];
    packages[`node_modules/${name}`] = {
      version,
      resolved: `${registryUrl}${tarballPath(name, version).slice(1)}`,
      integrity: doc.dist.integrity,
      ...(doc.hasInstallScript ? { hasInstallScript: true } : {}),
    };
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2) + '\n');
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    edit(JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2) + '\n'),
  );
}
