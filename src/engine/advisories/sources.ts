import type { Gap } from '../../core/trust/coverage';
import type { Advisory } from '../../core/trust/types';
import type { PackageError } from '../infra/errors';
import { fetchNpmBulkAdvisories } from './npm-bulk';
import { loadOfflineOsv } from './osv-offline';
import { OSV_API, fetchOsvAdvisories } from './osv';
import { isAbort } from '../infra/errors';
import type { RegistryHttp } from '../registry/http';
import { type RegistryMap, registryFor } from '../registry/npmrc';

export interface AdvisoryConfig {
  /** The registry's bulk advisory endpoint (what npm audit asks). */
  npm: boolean;
  /** osv.dev's querybatch API. */
  osv: boolean;
  osvUrl?: string;
  /** A folder of OSV records for air-gapped use. */
  osvDir?: string;
}

/**
 * Advisories for each name from every enabled source. Each name is asked of its own registry's bulk endpoint;
 * names in private scopes are never sent to OSV. A source that fails is reported, and the others still count.
 */
export async function gatherAdvisories(
  query: Map<string, string[]>,
  ctx: {
    config: AdvisoryConfig;
    registries: RegistryMap;
    isPrivate: (name: string) => boolean;
    signal?: AbortSignal;
    offline?: boolean;
    errors: PackageError[];
    /** A source that failed (or that offline mode kept from being asked) leaves advisories not judged: a gap. */
    gaps?: Gap[];
    /**
     * The check's HTTP client: advisory requests honour npm's credentials, proxy, CA and strict-ssl settings like
     * every other request, share its sockets, and count in its requests (it retries them itself).
     */
    http: RegistryHttp;
    /** Sources known to lack their endpoint (the session's): failed at once, with the remembered failure. */
    endpoints?: { absentEndpoint(source: string): Error | undefined; noteFailure(source: string, error: unknown): void };
  },
): Promise<Map<string, Advisory[]>> {
  const out = new Map<string, Advisory[]>();
  const add = (name: string, list: Advisory[]) => out.set(name, [...(out.get(name) ?? []), ...list]);
  const fail = (source: string, e: unknown) => {
    if (isAbort(e, ctx.signal)) throw e;
    ctx.errors.push({ package: '*', code: (e as { code?: string }).code ?? 'error', message: `${source} advisories: ${(e as Error).message}` });
    ctx.gaps?.push({ package: '*', version: '', signal: 'advisories', source: `${source} advisories`, reason: (e as Error).message });
  };
  const notAsked = (source: string) =>
    ctx.gaps?.push({
      package: '*',
      version: '',
      signal: 'advisories',
      source: `${source} advisories`,
      reason: 'offline mode: not asked (use --advisories off to check without them, or --osv-dir for offline advisories)',
    });
  const jobs: Promise<void>[] = [];
  if (ctx.config.npm && ctx.offline && query.size) notAsked('npm bulk');
  if (ctx.config.osv && ctx.offline && query.size) notAsked('OSV');
  if (ctx.config.npm && !ctx.offline) {
    const byRegistry = new Map<string, Map<string, string[]>>();
    for (const [name, versions] of query) {
      const reg = registryFor(ctx.registries, name);
      byRegistry.set(reg, (byRegistry.get(reg) ?? new Map()).set(name, versions));
    }
    for (const [registry, q] of byRegistry) {
      const source = `${registry} bulk`;
      const absent = ctx.endpoints?.absentEndpoint(source);
      if (absent) {
        fail(source, absent);
        continue;
      }
      jobs.push(
        fetchNpmBulkAdvisories(ctx.http, registry, q, { signal: ctx.signal })
          .then((m) => m.forEach((list, name) => add(name, list)))
          .catch((e) => {
            ctx.endpoints?.noteFailure(source, e);
            fail(source, e);
          }),
      );
    }
  }
  if (ctx.config.osv && !ctx.offline) {
    const publicOnly = new Map([...query].filter(([name]) => !ctx.isPrivate(name)));
    jobs.push(
      fetchOsvAdvisories(ctx.http, ctx.config.osvUrl ?? OSV_API, publicOnly, { signal: ctx.signal, shouldQuery: (n) => !ctx.isPrivate(n) })
        .then((m) => m.forEach((list, name) => add(name, list)))
        .catch((e) => fail('OSV', e)),
    );
  }
  if (ctx.config.osvDir) {
    jobs.push(
      loadOfflineOsv(ctx.config.osvDir)
        .then((index) => {
          for (const name of query.keys()) add(name, index.advisoriesFor(name));
          for (const p of index.problems.slice(0, 5)) ctx.errors.push({ package: '*', code: 'bad-response', message: `offline OSV: ${p.file}: ${p.message}` });
          if (index.problems.length) {
            const first = index.problems[0];
            const more = index.problems.length > 1 ? ` (and ${index.problems.length - 1} more)` : '';
            ctx.gaps?.push({
              package: '*',
              version: '',
              signal: 'advisories',
              source: `offline OSV records in ${ctx.config.osvDir}`,
              reason: `${first.file}: ${first.message}${more}`,
            });
          }
        })
        .catch((e) => fail('offline OSV', e)),
    );
  }
  await Promise.all(jobs);
  return out;
}
