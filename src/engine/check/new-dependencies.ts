import type { Gap } from '../../core/trust/coverage';
import type { PackageContext } from '../../core/trust/context';
import type { History } from '../../core/trust/history';
import { addedDependencies, nonRegistrySpec } from '../../core/trust/rules/new-dependency';

/**
 * The histories of the dependencies each judged version adds over its baseline, so that `new-dependency` can judge
 * them where they enter: from the histories already read (the lockfile usually installs them), else asked of the
 * registry once per name. A dependency whose history could not be read is a gap on the version that adds it.
 * `load` answers a name's history, undefined when the registry has no such package. Publishers of those dependencies
 * who published packages the check read over a year before are marked established (not throwaway accounts).
 */
export async function addDependencyHistories(
  contexts: readonly { ctx: PackageContext }[],
  known: ReadonlyMap<string, History>,
  load: (name: string) => Promise<History | undefined>,
  gaps: Gap[],
): Promise<void> {
  const asked = new Map<string, Promise<History | undefined | Error>>();
  // Over every release the check read: made only when some version adds a dependency that has a history.
  let since: Map<string, number> | undefined;
  await Promise.all(
    contexts.map(async ({ ctx }) => {
      if (!ctx.history) return;
      // Without publishers (a mirror serving no trust metadata) a young dependency cannot be told from a sibling:
      // only what needs no history is judged (a dependency from outside the registry).
      if (!ctx.registry.trustData) {
        ctx.dependencyHistories = new Map();
        return;
      }
      const all = addedDependencies(ctx).filter((d) => !nonRegistrySpec(d.spec));
      // A hostile release may add thousands: the rest is said, not silently dropped.
      const added = all.slice(0, MAX_ADDED);
      if (all.length > MAX_ADDED)
        gaps.push({
          package: ctx.name,
          version: ctx.version,
          signal: 'dependencies',
          reason: `${ctx.version} adds ${all.length} dependencies; only the first ${MAX_ADDED} were judged`,
        });
      const found = new Map<string, History>();
      for (const d of added) {
        let h: History | undefined | Error = known.get(d.target);
        if (!h) {
          if (!asked.has(d.target))
            asked.set(
              d.target,
              load(d.target).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
            );
          h = await asked.get(d.target)!;
        }
        if (h instanceof Error) {
          gaps.push({
            package: ctx.name,
            version: ctx.version,
            signal: 'dependencies',
            reason: `${d.target}, which ${ctx.version} adds, could not be read: ${h.message}`,
          });
          continue;
        }
        if (h) found.set(d.target, h);
      }
      ctx.dependencyHistories = found;
      const at = ctx.history.get(ctx.version)?.publishedAt;
      if (found.size && at) ctx.establishedPublishers = establishedAmong(found, (since ??= firstPublishes(known)), Date.parse(at) - YEAR_MS);
    }),
  );
}

const YEAR_MS = 365 * 86_400_000;

/** The most added dependencies of one version whose histories are read. */
export const MAX_ADDED = 50;

/** Per history (immutable): each publisher's first release in it (ms). */
const firstIn = new WeakMap<History, Map<string, number>>();

/** Each publisher's first release among `histories` (ms). */
export function firstPublishes(histories: ReadonlyMap<string, History>): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of histories.values()) {
    let mine = firstIn.get(h);
    if (!mine) {
      mine = new Map();
      for (const r of h.releases) {
        const who = r.publisher?.name;
        const t = r.publishedAt ? Date.parse(r.publishedAt) : NaN;
        if (who && !Number.isNaN(t) && !(t >= (mine.get(who) ?? Infinity))) mine.set(who, t);
      }
      firstIn.set(h, mine);
    }
    for (const [who, t] of mine) if (!(t >= (out.get(who) ?? Infinity))) out.set(who, t);
  }
  return out;
}

/** The publishers of `deps` who published something before `before` (ms). */
export function establishedAmong(deps: ReadonlyMap<string, History>, since: ReadonlyMap<string, number>, before: number): Set<string> {
  const out = new Set<string>();
  for (const h of deps.values()) for (const r of h.releases) if (r.publisher && (since.get(r.publisher.name) ?? Infinity) < before) out.add(r.publisher.name);
  return out;
}
