import type { InstalledPackage, ManifestDependency, ProjectModel, SourceRange } from '../model';
import type { Finding } from '../trust/types';

export interface FindingLocation {
  /** lockfile: the entry of the flagged version; manifest: its own package.json entry (direct dependencies);
   *  via: the package.json entry of a direct dependency that brings the flagged package in. */
  kind: 'lockfile' | 'manifest' | 'via';
  file: string;
  /** 1-based line. */
  line: number;
  range: SourceRange;
  /** For `via`: the direct dependency (`name@version`) and the path from it to the flagged package. */
  via?: { dependency: string; path: string[] };
}

/** A finding placed in the project: the lockfile entries of the version, and the manifest entries for direct deps. */
export interface LocatedFinding extends Finding {
  /** The first lockfile entry (or, without a lockfile, the manifest entry). */
  file: string;
  line: number;
  locations: FindingLocation[];
  /** Lockfile ids of every installed instance of this name@version. */
  packageIds: string[];
  direct: boolean;
  /** For a transitive package: the direct dependencies that bring it in (`name@version`). */
  via: string[];
}

/** Where each installed name@version sits, and which direct dependencies bring it in. */
export class ProjectIndex {
  private readonly byKey = new Map<string, InstalledPackage[]>();
  private readonly byId = new Map<string, InstalledPackage>();

  /** `packages`: what is installed, when not the lockfile's (versions resolved from the manifests). */
  constructor(
    readonly model: ProjectModel,
    packages: readonly InstalledPackage[] = model.lockfile?.packages ?? [],
  ) {
    for (const p of packages) {
      const key = `${p.name}@${p.version}`;
      this.byKey.set(key, [...(this.byKey.get(key) ?? []), p]);
      this.byId.set(p.id, p);
    }
  }

  instances(name: string, version: string): InstalledPackage[] {
    return this.byKey.get(`${name}@${version}`) ?? [];
  }

  get(id: string): InstalledPackage | undefined {
    return this.byId.get(id);
  }

  /** Manifest entries (dependency sections, not overrides) that declare `name` directly. */
  manifestEntries(pkg: InstalledPackage): ManifestDependency[] {
    const sections = new Set(['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']);
    const out: ManifestDependency[] = [];
    for (const m of this.model.manifests) {
      if (!pkg.workspaces.includes(m.dir) && !(pkg.workspaces.length === 0 && m.dir === '.')) continue;
      for (const d of m.dependencies) {
        if (!sections.has(d.section)) continue;
        const real = d.spec.registryName ?? d.name;
        if (d.name === (pkg.alias ?? pkg.name) || real === pkg.name) out.push(d);
      }
    }
    return out;
  }

  /** A dependency path from the direct dependency `first` to `pkg`, as name@version labels. */
  pathThrough(pkg: InstalledPackage, first: InstalledPackage): string[] {
    const path = pkg.paths.find((p) => p[1] === first.id) ?? [];
    return path.slice(1).map((id) => {
      const p = this.byId.get(id);
      return p ? `${p.name}@${p.version}` : id;
    });
  }

  /** The direct dependencies (first hop of each dependency path) that bring a package in. */
  via(pkg: InstalledPackage): InstalledPackage[] {
    const out = new Map<string, InstalledPackage>();
    for (const path of pkg.paths) {
      const first = path.length > 1 ? this.byId.get(path[1]) : undefined;
      if (first && first.id !== pkg.id) out.set(first.id, first);
    }
    return [...out.values()];
  }
}

export function locateFinding(index: ProjectIndex, f: Finding): LocatedFinding {
  const instances = index.instances(f.package, f.version);
  const locations: FindingLocation[] = [];
  let direct = false;
  const via = new Set<string>();
  for (const p of instances) {
    locations.push({ kind: p.resolvedFrom === undefined ? 'lockfile' : 'manifest', file: p.file, line: p.range.start.line + 1, range: p.range });
    if (p.direct) {
      direct = true;
      for (const d of index.manifestEntries(p)) {
        const file = index.model.manifests.find((m) => m.dependencies.includes(d))!.file;
        locations.push({ kind: 'manifest', file, line: d.keyRange.start.line + 1, range: d.keyRange });
      }
    } else {
      for (const v of index.via(p)) {
        via.add(`${v.name}@${v.version}`);
        const path = index.pathThrough(p, v);
        for (const d of index.manifestEntries(v)) {
          const file = index.model.manifests.find((m) => m.dependencies.includes(d))!.file;
          locations.push({ kind: 'via', file, line: d.keyRange.start.line + 1, range: d.keyRange, via: { dependency: `${v.name}@${v.version}`, path } });
        }
      }
    }
  }
  const first = locations[0];
  return { ...f, file: first?.file ?? '', line: first?.line ?? 1, locations: dedupe(locations), packageIds: instances.map((p) => p.id), direct, via: [...via] };
}

function dedupe(list: FindingLocation[]): FindingLocation[] {
  const seen = new Set<string>();
  return list.filter((l) => {
    const k = `${l.file}:${l.range.startOffset}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Offsets of every place a name@version sits: lockfile entries, and package.json key-to-value spans of direct entries. */
export function sourceSpans(index: ProjectIndex, name: string, version: string): { file: string; startOffset: number; endOffset: number }[] {
  const out: { file: string; startOffset: number; endOffset: number }[] = [];
  for (const p of index.instances(name, version)) {
    out.push({ file: p.file, startOffset: p.range.startOffset, endOffset: p.range.endOffset });
    if (!p.direct) continue;
    for (const d of index.manifestEntries(p)) {
      const file = index.model.manifests.find((m) => m.dependencies.includes(d))!.file;
      out.push({ file, startOffset: d.keyRange.startOffset, endOffset: d.valueRange.endOffset });
    }
  }
  return out;
}
