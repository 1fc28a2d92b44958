import type { InstalledPackage, ProjectModel } from './model';

/** One line of `trustlens list`: an installed package and where its lockfile entry is. */
export interface ListRecord {
  name: string;
  version: string | null;
  file: string;
  /** 1-based line of the package's entry. */
  line: number;
  direct: boolean;
  dev: boolean;
  optional: boolean;
  peer: boolean;
  source: string;
  id: string;
  alias?: string;
  spec?: string;
  resolved?: string;
  integrity?: string;
  workspaces: string[];
  /** Up to three dependency paths from the root or a workspace, as `name@version` labels. */
  paths: string[][];
}

export function listRecords(model: ProjectModel): ListRecord[] {
  const lock = model.lockfile;
  if (!lock) return declaredOnly(model);
  const byId = new Map(lock.packages.map((p) => [p.id, p]));
  const importerLabel = new Map(lock.importers.map((i) => [i.id, i.name ?? i.id]));
  const label = (id: string) => {
    const p = byId.get(id);
    return p ? `${p.name}@${p.version}` : (importerLabel.get(id) ?? id);
  };
  return lock.packages.map((p: InstalledPackage) => ({
    name: p.name,
    version: p.version,
    file: p.file,
    line: p.range.start.line + 1,
    direct: p.direct,
    dev: p.dev,
    optional: p.optional,
    peer: p.peer,
    source: p.source,
    id: p.id,
    ...(p.alias ? { alias: p.alias } : {}),
    ...(p.resolved ? { resolved: p.resolved } : {}),
    ...(p.integrity ? { integrity: p.integrity } : {}),
    workspaces: p.workspaces,
    paths: p.paths.map((path) => path.map(label)),
  }));
}

/** Without a lockfile nothing is installed: list what the manifests declare, with no version. */
function declaredOnly(model: ProjectModel): ListRecord[] {
  return model.manifests.flatMap((m) =>
    m.dependencies
      .filter(
        (d) => d.section === 'dependencies' || d.section === 'devDependencies' || d.section === 'optionalDependencies' || d.section === 'peerDependencies',
      )
      .map((d) => ({
        name: d.spec.registryName ?? d.name,
        version: null,
        spec: d.spec.raw,
        file: m.file,
        line: d.keyRange.start.line + 1,
        direct: true,
        dev: d.section === 'devDependencies',
        optional: d.section === 'optionalDependencies',
        peer: d.section === 'peerDependencies',
        source: d.spec.type,
        id: `${m.dir}:${d.name}`,
        workspaces: [m.dir],
        paths: [],
      })),
  );
}

/** One row per record (the caller makes the rows safe for a terminal: names come from the lockfile). */
export function formatListText(records: ListRecord[]): string[] {
  const rows = records.map((r) => {
    const flags = [r.direct ? 'direct' : '', r.dev ? 'dev' : '', r.optional ? 'optional' : '', r.peer ? 'peer' : '', r.source !== 'registry' ? r.source : '']
      .filter(Boolean)
      .join(',');
    return [`${r.name}@${r.version ?? r.spec ?? ''}`, `${r.file}:${r.line}`, flags];
  });
  const w0 = Math.max(0, ...rows.map((r) => r[0].length));
  const w1 = Math.max(0, ...rows.map((r) => r[1].length));
  return rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd());
}
