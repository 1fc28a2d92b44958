import * as semver from 'semver';
import type { InstalledPackage, Manifest, ManifestDependency, ProjectModel } from '../../core/model';

/**
 * A direct dependency the lockfile does not answer for: its range in package.json (the buffer, as typed) is not
 * satisfied by the version the lockfile locks for it, or the lockfile has no entry for it at all. Until the package
 * manager runs, the lockfile's version is not what the manifest asks for.
 */
export interface StaleDependency {
  manifest: Manifest;
  dependency: ManifestDependency;
  /** The registry name (an alias's target). */
  name: string;
  /** The entry the lockfile has for it, whose version the range does not allow; undefined when there is none. */
  locked?: InstalledPackage;
}

/** Sections whose entries the package manager installs for the importer (peers are the dependents' to install). */
const INSTALLED_SECTIONS: ReadonlySet<string> = new Set(['dependencies', 'devDependencies', 'optionalDependencies']);
const OVERRIDE_SECTIONS: ReadonlySet<string> = new Set(['overrides', 'resolutions', 'pnpm.overrides']);

/**
 * The direct dependencies of a project whose lockfile is out of date for them. Only registry specs are compared
 * (ranges, versions, aliases; a dist-tag cannot be judged without the registry, so only a missing entry counts for
 * it), as npm compares them (`*` allows anything, loose semver otherwise). A name the root manifest overrides or
 * resolves is locked to what the override says, under its key: it is left alone. Without a usable
 * lockfile there is nothing to be out of date with (the caller resolves every range then).
 */
export function staleDependencies(model: ProjectModel): StaleDependency[] {
  const lock = model.lockfile;
  if (!lock || lock.rejected) return [];
  const byId = new Map(lock.packages.map((p) => [p.id, p]));
  const workspaceNames = new Set(model.manifests.map((m) => m.name).filter((n): n is string => !!n));
  const overridden = overriddenNames(model);
  const out: StaleDependency[] = [];
  for (const m of model.manifests) {
    const importer = lock.importers.find((i) => i.id === m.dir);
    // A manifest the lockfile has no importer for (a workspace added since): its entries cannot be compared.
    if (!importer) continue;
    for (const d of m.dependencies) {
      if (!INSTALLED_SECTIONS.has(d.section)) continue;
      const { type, range } = d.spec;
      if (type !== 'range' && type !== 'version' && type !== 'tag' && type !== 'alias') continue;
      const name = d.spec.registryName ?? d.name;
      if (type !== 'alias' && workspaceNames.has(name)) continue;
      // Locked as the override says, under the override's key (yarn: "@types/node@npm:18.x"): not comparable here.
      if (overridden.has(name) || overridden.has(d.name)) continue;
      const edge = importer.dependencies.find((e) => e.name === d.name);
      const locked = edge?.to === undefined ? undefined : byId.get(edge.to);
      if (!locked) {
        out.push({ manifest: m, dependency: d, name });
        continue;
      }
      if (locked.source !== 'registry' && locked.source !== 'unknown') continue;
      if (type === 'tag' || range === undefined) continue;
      if (allows(range, locked.version) === false) out.push({ manifest: m, dependency: d, name, locked });
    }
  }
  return out;
}

/** Whether `range` allows `version` as npm decides it; undefined when either is not semver (not judged here). */
function allows(range: string, version: string): boolean | undefined {
  const r = range.trim();
  if (r === '' || r === '*' || r === 'x' || r === 'X') return true;
  if (semver.valid(version, true) === null || semver.validRange(r, true) === null) return undefined;
  return semver.satisfies(version, r, true);
}

/** Names the root manifest's overrides / resolutions / pnpm.overrides pin (and the parents nested npm overrides name). */
function overriddenNames(model: ProjectModel): Set<string> {
  const out = new Set<string>();
  const root = model.manifests.find((m) => m.dir === '.');
  for (const d of root?.dependencies ?? []) {
    if (!OVERRIDE_SECTIONS.has(d.section)) continue;
    out.add(overrideTarget(d.name));
    for (const parent of d.overridePath ?? []) out.add(overrideTarget(parent));
  }
  return out;
}

/** The package an override key applies to: `a`, `a@1`, `parent>a` (pnpm), `parent/a`, `@s/p/@t/a` and globs (yarn). */
export function overrideTarget(key: string): string {
  const parts = (key.split('>').pop() ?? key).split('/');
  let name = parts.pop() ?? '';
  if (parts.length && parts[parts.length - 1].startsWith('@')) name = `${parts.pop()}/${name}`;
  const at = name.indexOf('@', 1);
  return at > 0 ? name.slice(0, at) : name;
}
