/**
 * OSV.dev: `POST /v1/querybatch` says which vulnerability ids match each (package, version);
 * `GET /v1/vulns/<id>` brings each full record (ranges, severity) once.
 * https://google.github.io/osv.dev/api/
 */
import { advisoryFromOsv, type OsvRecord } from '../../core/trust/affected';
import type { Advisory } from '../../core/trust/types';
import { EngineError } from '../infra/errors';
import { type RegistryHttp, safeUrl } from '../registry/http';
import { isObject, mapLimit, requestJson } from './npm-bulk';

export const OSV_API = 'https://api.osv.dev';

export interface OsvOptions {
  signal?: AbortSignal;
  /** Queries per querybatch POST; OSV accepts at most 1000. */
  batchSize?: number;
  /** Parallel `GET /v1/vulns/<id>` requests, default 8. */
  concurrency?: number;
  /**
   * Names for which this returns false (or throws) never leave the machine. The caller already keeps
   * private scopes out; this is defence in depth.
   */
  shouldQuery?: (name: string) => boolean;
  /** Pages followed per query via next_page_token before giving up with bad-response; default 50. */
  maxPages?: number;
}

interface OsvQuery {
  package: { name: string; ecosystem: 'npm' };
  version?: string;
  page_token?: string;
}

/**
 * Advisories (source 'osv') for each queried name: every name queried is a key ([] when nothing matched);
 * names refused by `shouldQuery` are absent. A name with no versions is queried without one (all its advisories).
 * Requests go through `http` (the check's RegistryHttp), with no registry's credentials.
 */
export async function fetchOsvAdvisories(
  http: RegistryHttp,
  baseUrl: string | undefined,
  query: Map<string, string[]>,
  opts: OsvOptions = {},
): Promise<Map<string, Advisory[]>> {
  const base = (baseUrl || OSV_API).replace(/\/+$/, '');
  const result = new Map<string, Advisory[]>();
  const queries: OsvQuery[] = [];
  for (const [name, versions] of query) {
    if (typeof name !== 'string' || name === '' || !allowed(name, opts.shouldQuery)) continue;
    result.set(name, []);
    const unique = [...new Set(versions ?? [])].filter((v) => typeof v === 'string' && v !== '');
    if (unique.length === 0) queries.push({ package: { name, ecosystem: 'npm' } });
    for (const version of unique) queries.push({ package: { name, ecosystem: 'npm' }, version });
  }

  const hits = await queryBatch(http, base, queries, opts);
  const ids = [...new Set([...hits.values()].flatMap((byId) => [...byId.keys()]))];
  const records = new Map<string, OsvRecord>();
  await mapLimit(ids, opts.concurrency ?? 8, async (id) => records.set(id, await getVuln(http, base, id, opts)));

  for (const [name, byId] of hits) {
    const list: Advisory[] = [];
    for (const [id, versions] of byId) {
      const advisory = toAdvisory(records.get(id)!, name, versions);
      if (advisory) list.push(advisory);
    }
    result.set(name, list);
  }
  return result;
}

function allowed(name: string, shouldQuery: OsvOptions['shouldQuery']): boolean {
  if (!shouldQuery) return true;
  try {
    return shouldQuery(name) === true;
  } catch {
    return false;
  }
}

/** name → vulnerability id → the queried versions it matched. Follows next_page_token per query. */
async function queryBatch(http: RegistryHttp, base: string, queries: OsvQuery[], opts: OsvOptions): Promise<Map<string, Map<string, Set<string>>>> {
  const url = `${base}/v1/querybatch`;
  const size = Math.min(1000, Math.max(1, Math.floor(opts.batchSize ?? 1000)));
  const maxPages = opts.maxPages ?? 50;
  const hits = new Map<string, Map<string, Set<string>>>();
  let pending = queries;
  for (let page = 1; pending.length > 0; page++) {
    if (page > maxPages) throw new EngineError('bad-response', `${safeUrl(url)} kept paginating past ${maxPages} pages`);
    const nextPage: OsvQuery[] = [];
    for (let start = 0; start < pending.length; start += size) {
      const chunk = pending.slice(start, start + size);
      const json = await requestJson(http, url, { method: 'POST', json: { queries: chunk } }, opts.signal);
      const results = isObject(json) && Array.isArray(json.results) ? json.results : undefined;
      if (!results || results.length !== chunk.length) {
        throw new EngineError('bad-response', `${safeUrl(url)} did not answer with one result per query`);
      }
      chunk.forEach((q, i) => {
        const r = results[i];
        if (!isObject(r)) return;
        for (const vuln of Array.isArray(r.vulns) ? r.vulns : []) {
          if (!isObject(vuln) || typeof vuln.id !== 'string' || vuln.id === '') continue;
          const byId = hits.get(q.package.name) ?? new Map<string, Set<string>>();
          hits.set(q.package.name, byId);
          const versions = byId.get(vuln.id) ?? new Set<string>();
          byId.set(vuln.id, versions);
          if (q.version) versions.add(q.version);
        }
        if (typeof r.next_page_token === 'string' && r.next_page_token !== '') nextPage.push({ ...q, page_token: r.next_page_token });
      });
    }
    pending = nextPage;
  }
  return hits;
}

async function getVuln(http: RegistryHttp, base: string, id: string, opts: OsvOptions): Promise<OsvRecord> {
  const url = `${base}/v1/vulns/${encodeURIComponent(id)}`;
  const json = await requestJson(http, url, { method: 'GET' }, opts.signal);
  if (!isObject(json) || typeof json.id !== 'string') {
    throw new EngineError('bad-response', `${safeUrl(url)} did not answer with an OSV record`);
  }
  return json as OsvRecord;
}

/**
 * From the record's own ranges. If OSV matched a record that does not name this npm package (an alias or a
 * normalised name), trust the match: the versions OSV said were affected become the record's `versions`.
 */
function toAdvisory(record: OsvRecord, name: string, matched: Set<string>): Advisory | undefined {
  return (
    advisoryFromOsv(record, name, 'osv') ??
    advisoryFromOsv({ ...record, affected: [{ package: { ecosystem: 'npm', name }, versions: [...matched] }] }, name, 'osv')
  );
}
