import type { DependencyEdge, EdgeType, Importer, InstalledPackage } from './model';

const MAX_PATHS = 3;
/** Paths longer than this (only hostile or broken lockfiles have them) keep their importer and their last hops. */
export const MAX_PATH_LENGTH = 32;
/** Stands for the hops left out of a shortened path. */
export const PATH_ELISION = '…';

interface GraphInput {
  importers: Importer[];
  packages: InstalledPackage[];
}

/**
 * Fills in the graph-derived fields of every package: `direct`, `workspaces`, `paths`, and (when the lockfile
 * does not record them) the dev/optional/devOptional/peer flags, using npm's definitions of those flags.
 */
export function linkGraph(lock: GraphInput, opts: { computeFlags: boolean }): void {
  const byId = new Map<string, InstalledPackage>();
  for (const p of lock.packages) byId.set(p.id, p);
  for (const imp of lock.importers) {
    for (const e of imp.dependencies) {
      const p = e.to !== undefined ? byId.get(e.to) : undefined;
      if (p) p.direct = true;
    }
  }
  markWorkspacesAndPaths(lock.importers, byId);
  if (opts.computeFlags) computeFlags(lock.importers, byId);
}

function markWorkspacesAndPaths(importers: Importer[], byId: Map<string, InstalledPackage>): void {
  // Breadth-first from every importer at once: distance and up to MAX_PATHS shortest-path parents per package.
  const dist = new Map<string, number>();
  const parents = new Map<string, string[]>();
  const order: string[] = [];
  let frontier: string[] = [];
  for (const imp of importers) {
    for (const e of imp.dependencies) {
      if (e.to === undefined || !byId.has(e.to)) continue;
      addParent(parents, e.to, imp.id);
      if (!dist.has(e.to)) {
        dist.set(e.to, 1);
        frontier.push(e.to);
      }
    }
  }
  let d = 1;
  while (frontier.length) {
    order.push(...frontier);
    const next: string[] = [];
    for (const id of frontier) {
      for (const e of byId.get(id)!.dependencies) {
        if (e.to === undefined || e.type === 'dev' || !byId.has(e.to)) continue;
        const seen = dist.get(e.to);
        if (seen === undefined) {
          dist.set(e.to, d + 1);
          next.push(e.to);
          addParent(parents, e.to, id);
        } else if (seen === d + 1) {
          addParent(parents, e.to, id);
        }
      }
    }
    frontier = next;
    d++;
  }
  // In breadth-first order every parent's paths are known before its children's (no recursion: chains can be long).
  const paths = new Map<string, string[][]>();
  for (const imp of importers) if (!byId.has(imp.id)) paths.set(imp.id, [[imp.id]]);
  for (const id of order) {
    const out: string[][] = [];
    for (const parent of parents.get(id) ?? []) {
      for (const p of paths.get(parent) ?? []) {
        if (out.length < MAX_PATHS) out.push(extend(p, id));
      }
    }
    paths.set(id, out);
  }
  for (const p of byId.values()) p.paths = paths.get(p.id) ?? [];
  // Which importers' graphs contain each package: one walk per importer.
  for (const imp of importers) {
    const seen = new Set<string>();
    const stack = imp.dependencies.map((e) => e.to).filter((t): t is string => t !== undefined && byId.has(t));
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const p = byId.get(id)!;
      if (!p.workspaces.includes(imp.id)) p.workspaces.push(imp.id);
      for (const e of p.dependencies) if (e.to !== undefined && e.type !== 'dev' && byId.has(e.to) && !seen.has(e.to)) stack.push(e.to);
    }
  }
}

function extend(path: string[], id: string): string[] {
  if (path.length < MAX_PATH_LENGTH) return [...path, id];
  const tail = path.slice(path.length - (MAX_PATH_LENGTH - 3));
  return [path[0], PATH_ELISION, ...tail.filter((x) => x !== PATH_ELISION), id];
}

function addParent(parents: Map<string, string[]>, id: string, parent: string): void {
  const list = parents.get(id);
  if (!list) parents.set(id, [parent]);
  else if (list.length < MAX_PATHS && !list.includes(parent)) list.push(parent);
}

function reach(importers: Importer[], byId: Map<string, InstalledPackage>, startTypes: EdgeType[], follow: (e: DependencyEdge) => boolean): Set<string> {
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const imp of importers) {
    for (const e of imp.dependencies) if (startTypes.includes(e.type) && e.to !== undefined && byId.has(e.to)) stack.push(e.to);
  }
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of byId.get(id)!.dependencies) {
      if (e.to !== undefined && follow(e) && byId.has(e.to) && !seen.has(e.to)) stack.push(e.to);
    }
  }
  return seen;
}

const isOptional = (e: DependencyEdge) => e.type === 'optional' || e.type === 'peerOptional';
const isPeer = (e: DependencyEdge) => e.type === 'peer' || e.type === 'peerOptional';

function computeFlags(importers: Importer[], byId: Map<string, InstalledPackage>): void {
  const notDev = (e: DependencyEdge) => e.type !== 'dev';
  const required = (e: DependencyEdge) => e.type !== 'dev' && !isOptional(e);
  const prodAll = reach(importers, byId, ['prod', 'optional', 'peer', 'peerOptional'], notDev);
  const prodRequired = reach(importers, byId, ['prod', 'peer'], required);
  const devRequired = reach(importers, byId, ['dev'], required);
  // Importers' own peer dependencies count as ordinary ones: only peers of packages make a package "peer".
  const nonPeer = reach(importers, byId, ['prod', 'optional', 'peer', 'peerOptional', 'dev'], (e) => notDev(e) && !isPeer(e));
  for (const p of byId.values()) {
    p.dev = !prodAll.has(p.id);
    p.optional = !prodRequired.has(p.id) && !devRequired.has(p.id);
    p.devOptional = !prodRequired.has(p.id) && !p.dev && !p.optional;
    p.peer = !nonPeer.has(p.id);
  }
}
