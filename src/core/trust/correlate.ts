import type { History } from './history';

/** The scope of a package name (`@acme` of `@acme/x`), or undefined for an unscoped one. */
export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')) : undefined;
}

/**
 * For each scoped package whose scope has other packages among `histories`: everyone who published a release of
 * one of those other packages. A publisher new to the whole scope corroborates `publisher-changed`.
 */
export function scopePublishers(histories: ReadonlyMap<string, History>): Map<string, ReadonlySet<string>> {
  const byScope = new Map<string, Map<string, Set<string>>>();
  for (const [name, h] of histories) {
    const scope = scopeOf(name);
    if (!scope) continue;
    const names = new Set<string>();
    for (const r of h.releases) if (r.publisher?.name) names.add(r.publisher.name);
    if (!byScope.has(scope)) byScope.set(scope, new Map());
    byScope.get(scope)!.set(name, names);
  }
  const out = new Map<string, ReadonlySet<string>>();
  for (const packages of byScope.values()) {
    if (packages.size < 2) continue;
    for (const name of packages.keys()) {
      const others = new Set<string>();
      for (const [other, names] of packages) if (other !== name) for (const n of names) others.add(n);
      if (others.size) out.set(name, others);
    }
  }
  return out;
}
