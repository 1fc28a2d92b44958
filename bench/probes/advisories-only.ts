/**
 * Child process of run.bench: a PROJECTION of `trustlens check --advisories npm` with trust signals switched off
 * (the CLI has no such switch yet). It does what that switch would leave: read and model the project with the
 * engine's own code, send the locked name → versions to the registry's bulk advisory endpoint in one gzip POST per
 * 1,000 names (the engine's fetchNpmBulkAdvisories), and match advisories to locked versions with the engine's
 * matcher. No packuments, keys or attestations.
 *
 *   node out/bench/probes/advisories-only.js <projectDir> <registryUrl>
 * prints { packages, names, hits: ["name@version <advisory url>", ...] } as JSON.
 */
import { buildProject } from '../../src/core/project';
import { isAffected } from '../../src/core/trust/affected';
import { fetchNpmBulkAdvisories } from '../../src/engine/advisories/npm-bulk';
import { readProjectFiles } from '../../src/engine/project-files';

async function main(): Promise<void> {
  const [dir, registry] = process.argv.slice(2);
  const model = buildProject(dir, await readProjectFiles(dir));
  const packages = (model.lockfile?.packages ?? []).filter((p) => p.version && p.source === 'registry');
  const query = new Map<string, string[]>();
  for (const p of packages) query.set(p.name, [...new Set([...(query.get(p.name) ?? []), p.version])]);
  const advisories = await fetchNpmBulkAdvisories(registry, query);
  const hits = new Set<string>();
  for (const [name, list] of advisories) {
    for (const version of query.get(name) ?? []) {
      for (const a of list) if (isAffected(a.affected, version)) hits.add(`${name}@${version} ${a.url ?? a.id}`);
    }
  }
  process.stdout.write(JSON.stringify({ packages: packages.length, names: query.size, hits: [...hits].sort() }) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
