import * as semver from 'semver';
import type { InstalledPackage, ProjectModel } from '../model';
import type { LocatedFinding, ProjectIndex } from '../report/locate';
import type { RegistryFacts } from './context';
import type { History } from './history';

/** Registry packages: from a registry tarball, or a pnpm/yarn entry that records no URL but a semver version. */
export function fromRegistry(p: InstalledPackage): boolean {
  if (p.source === 'registry') return true;
  return p.source === 'unknown' && !p.resolved && semver.valid(p.version) !== null;
}

/** One package per name@version (the first seen). */
export function uniqueVersions(list: InstalledPackage[]): InstalledPackage[] {
  const seen = new Map<string, InstalledPackage>();
  for (const p of list) if (!seen.has(`${p.name}@${p.version}`)) seen.set(`${p.name}@${p.version}`, p);
  return [...seen.values()];
}

/** name → its locked versions. */
export function lockedVersionsByName(list: InstalledPackage[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of list) {
    const versions = out.get(p.name);
    if (!versions) out.set(p.name, [p.version]);
    else if (!versions.includes(p.version)) versions.push(p.version);
  }
  return out;
}

/** For each package id, the semver range of the first lockfile edge that points at it. */
export function incomingRanges(model: ProjectModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const other of model.lockfile?.packages ?? []) {
    for (const e of other.dependencies) if (e.to !== undefined && !out.has(e.to) && semver.validRange(e.spec)) out.set(e.to, e.spec);
  }
  return out;
}

/** The range the user's manifest (or the dependent's edge) allows for a package: where a safe version may come from. */
export function rangeFor(index: ProjectIndex, incoming: Map<string, string>, pkg: InstalledPackage): string | undefined {
  // An aliased install (`"yaml-v2": "npm:yaml@^2"`) has its own entry: not the first entry naming the same package.
  const entries = pkg.direct ? index.manifestEntries(pkg).filter((d) => d.spec.range) : [];
  const declared = entries.find((d) => d.name === (pkg.alias ?? pkg.name)) ?? entries[0];
  return declared?.spec.range ?? incoming.get(pkg.id);
}

/**
 * name → versions to ask advisories about: the locked ones and the newest few of the same majors the history
 * offers (the candidates a safe version is chosen from).
 */
export function advisoryQuery(
  locked: Map<string, string[]>,
  histories: ReadonlyMap<string, History>,
  /** Remembers each history's answer per set of majors (a long-lived caller asks again after every edit). */
  memo?: WeakMap<History, Map<string, string[]>>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, versions] of locked) {
    const h = histories.get(name);
    if (!h) {
      out.set(name, versions);
      continue;
    }
    const majors = [...new Set(versions.filter((v) => semver.valid(v)).map((v) => semver.major(v)))].sort((a, b) => a - b);
    const key = majors.join(',');
    let known = memo?.get(h);
    let newest = known?.get(key);
    if (!newest) {
      const wanted = new Set(majors);
      newest = h.newestStable(wanted, 5);
      if (memo) {
        if (!known) memo.set(h, (known = new Map()));
        known.set(key, newest);
      }
    }
    out.set(name, [...new Set([...versions, ...newest])]);
  }
  return out;
}

/** The one project-wide finding for a registry that serves no trust data at all. */
export function trustMetadataUnavailable(r: RegistryFacts, model: ProjectModel): LocatedFinding {
  const file = model.lockfile?.file ?? model.manifests[0]?.file ?? 'package.json';
  const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };
  return {
    code: 'trust-metadata-unavailable',
    severity: 'info',
    package: '*',
    version: '',
    message: `${r.url} serves no trust metadata (no publishers, signatures, attestations or keys): provenance and publisher checks are unknown for its packages, not failed`,
    evidence: [{ label: 'registry', value: r.url }],
    safeVersion: null,
    file,
    line: 1,
    locations: [{ kind: 'lockfile', file, line: 1, range: zero }],
    packageIds: [],
    direct: false,
    via: [],
  };
}
