import type { InstalledPackage, ManifestDependency, ProjectModel, SourceRange } from '../model';
import type { Finding } from '../trust/types';
import { PLAIN_SECTIONS } from '../manifest';

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

const DEPENDENCY_SECTIONS: ReadonlySet<string> = new Set(PLAIN_SECTIONS);

/** A manifest's dependency entry, with its place among all of them. */
interface Indexed {
  manifest: ProjectModel['manifests'][number];
  dependency: ManifestDependency;
  order: number;
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
    const byName = this.entriesByName();
    const alias = pkg.alias ?? pkg.name;
    const found = alias === pkg.name ? (byName.get(alias) ?? []) : [...(byName.get(alias) ?? []), ...(byName.get(pkg.name) ?? [])];
    const out: Indexed[] = [];
    for (const e of found) {
      if (!pkg.workspaces.includes(e.manifest.dir) && !(pkg.workspaces.length === 0 && e.manifest.dir === '.')) continue;
      const d = e.dependency;
      if ((d.name === alias || (d.spec.registryName ?? d.name) === pkg.name) && !out.includes(e)) out.push(e);
    }
    // In manifest order, then entry order, as the manifests list them.
    return out.sort((a, b) => a.order - b.order).map((e) => e.dependency);
  }

  /** The package.json file that holds a manifest entry. */
  manifestFile(d: ManifestDependency): string {
    this.entriesByName();
    return this.fileOf.get(d) ?? this.model.manifests.find((m) => m.dependencies.includes(d))!.file;
  }

  private byName?: Map<string, Indexed[]>;
  private readonly fileOf = new Map<ManifestDependency, string>();

  /**
   * Dependency-section entries by the names they declare (their key and, for an alias, the package it names), made
   * once per index: an edit locates every version of the project, and a scan of every manifest for each was 14 ms of
   * each edit on compass (75 manifests, 4,717 packages).
   */
  private entriesByName(): Map<string, Indexed[]> {
    if (this.byName) return this.byName;
    const byName = new Map<string, Indexed[]>();
    let order = 0;
    for (const manifest of this.model.manifests) {
      for (const dependency of manifest.dependencies) {
        this.fileOf.set(dependency, manifest.file);
        if (!DEPENDENCY_SECTIONS.has(dependency.section)) continue;
        const e: Indexed = { manifest, dependency, order: order++ };
        const real = dependency.spec.registryName ?? dependency.name;
        for (const key of real === dependency.name ? [real] : [dependency.name, real]) {
          const list = byName.get(key);
          if (list) list.push(e);
          else byName.set(key, [e]);
        }
      }
    }
    return (this.byName = byName);
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
        locations.push({ kind: 'manifest', file: index.manifestFile(d), line: d.keyRange.start.line + 1, range: d.keyRange });
      }
    } else {
      for (const v of index.via(p)) {
        via.add(`${v.name}@${v.version}`);
        const path = index.pathThrough(p, v);
        for (const d of index.manifestEntries(v)) {
          locations.push({
            kind: 'via',
            file: index.manifestFile(d),
            line: d.keyRange.start.line + 1,
            range: d.keyRange,
            via: { dependency: `${v.name}@${v.version}`, path },
          });
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
      out.push({ file: index.manifestFile(d), startOffset: d.keyRange.startOffset, endOffset: d.valueRange.endOffset });
    }
  }
  return out;
}
