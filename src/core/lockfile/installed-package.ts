import type { DependencyEdge, InstalledPackage, PackageSource, SourceRange } from '../model';

/** What a lockfile parser knows about a package; the graph-derived fields start empty (linkGraph fills them). */
export interface PackageFacts {
  id: string;
  name: string;
  version: string;
  resolved?: string;
  integrity?: string;
  source: PackageSource;
  dependencies: DependencyEdge[];
  file: string;
  range: SourceRange;
}

export function installedPackage(f: PackageFacts): InstalledPackage {
  return {
    id: f.id,
    name: f.name,
    version: f.version,
    resolved: f.resolved,
    integrity: f.integrity,
    source: f.source,
    dependencies: f.dependencies,
    dev: false,
    optional: false,
    devOptional: false,
    peer: false,
    direct: false,
    workspaces: [],
    paths: [],
    file: f.file,
    range: f.range,
  };
}
