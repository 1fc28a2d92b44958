/**
 * npm's bulk advisory endpoint (`POST /-/npm/v1/security/advisories/bulk`, what `npm audit` uses):
 * body `{ "<name>": ["<version>", ...] }`, answer `{ "<name>": [{ id, url, title, severity, vulnerable_versions }] }`.
 *
 * The JSON request at the bottom, through the check's RegistryHttp, is shared with osv.ts.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import * as semver from 'semver';
import { severityFromLabel, UNKNOWN_SEVERITY } from '../../core/trust/affected';
import type { Advisory } from '../../core/trust/types';
import { EngineError } from '../infra/errors';
import { type RegistryHttp, safeUrl } from '../registry/http';

export const NPM_BULK_ADVISORY_PATH = '-/npm/v1/security/advisories/bulk';

export interface NpmBulkOptions {
  signal?: AbortSignal;
  /** Packages per POST, default 1000. */
  batchSize?: number;
  /** gzip the request body as npm itself does (arborist posts with `gzip: true`). Default true. */
  gzip?: boolean;
}

/**
 * Advisories for each queried package name (every queried name is a key; [] when none), asked of the registry at
 * `registryUrl` through `http` with that registry's credentials. Names the response adds on its own are ignored;
 * malformed advisories are skipped; a body that is not a JSON object fails the whole call with `bad-response`.
 */
export async function fetchNpmBulkAdvisories(
  http: RegistryHttp,
  registryUrl: string,
  query: Map<string, string[]>,
  opts: NpmBulkOptions = {},
): Promise<Map<string, Advisory[]>> {
  const registry = registryUrl.replace(/\/*$/, '/');
  const url = registry + NPM_BULK_ADVISORY_PATH;
  const names = [...query.keys()].filter((n) => typeof n === 'string' && n !== '');
  const result = new Map<string, Advisory[]>(names.map((n) => [n, []]));
  const size = Math.max(1, Math.floor(opts.batchSize ?? 1000));
  for (let start = 0; start < names.length; start += size) {
    // A null-prototype object: a hostile lockfile name such as "__proto__" stays an ordinary key.
    const body: Record<string, string[]> = Object.create(null);
    for (const name of names.slice(start, start + size)) body[name] = [...new Set(query.get(name) ?? [])];
    const json = await requestJson(http, url, { method: 'POST', json: body, gzip: opts.gzip ?? true, registry }, opts.signal);
    if (!isObject(json)) throw new EngineError('bad-response', `${safeUrl(url)} did not answer with a JSON object`);
    for (const name of Object.keys(body)) {
      const list = Object.hasOwn(json, name) ? json[name] : undefined;
      if (!Array.isArray(list)) continue;
      const byId = new Map<string, Advisory>();
      for (const raw of list) {
        const advisory = advisoryFromBulk(name, raw);
        if (advisory && !byId.has(advisory.id)) byId.set(advisory.id, advisory);
      }
      result.set(name, [...byId.values()]);
    }
  }
  return result;
}

const GHSA_ID = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/i;
const MALWARE_TITLE = /\bmalware\b|\bmalicious\b/i;

/**
 * One bulk entry → Advisory, or undefined when it has no id or no parsable range.
 * id: the GHSA id when the url carries one (github.com/advisories/GHSA-…), else the numeric npm id.
 * Severity by severityFromLabel (npm "moderate" = our medium, "info" = info); unknown labels → UNKNOWN_SEVERITY;
 * malware (title says malware/malicious, or CWE-506) is always critical.
 */
export function advisoryFromBulk(packageName: string, raw: unknown): Advisory | undefined {
  if (!isObject(raw)) return undefined;
  const range = typeof raw.vulnerable_versions === 'string' ? raw.vulnerable_versions.trim() : '';
  if (!range || semver.validRange(range) === null) return undefined;
  const url = typeof raw.url === 'string' && /^https?:\/\//.test(raw.url) ? raw.url : undefined;
  const ghsa = url?.match(GHSA_ID)?.[0];
  const numeric = (typeof raw.id === 'number' && Number.isFinite(raw.id)) || (typeof raw.id === 'string' && raw.id) ? String(raw.id) : undefined;
  const id = ghsa ? `GHSA${ghsa.slice(4).toLowerCase()}` : numeric;
  if (!id) return undefined;
  const title = typeof raw.title === 'string' && raw.title.trim() ? raw.title.trim() : id;
  const cwes = (Array.isArray(raw.cwe) ? raw.cwe : [raw.cwe]).filter((c): c is string => typeof c === 'string');
  const malware = MALWARE_TITLE.test(title) || cwes.some((c) => c.toUpperCase() === 'CWE-506');
  return {
    id,
    aliases: Array.isArray(raw.cves) ? raw.cves.filter((c): c is string => typeof c === 'string') : [],
    source: 'npm',
    packageName,
    severity: malware ? 'critical' : (severityFromLabel(raw.severity) ?? UNKNOWN_SEVERITY),
    title,
    url,
    malware,
    affected: { kind: 'semver', range },
  };
}

// ---------------------------------------------------------------------------------------------
// The JSON request shared by the advisory clients

export interface JsonRequest {
  method: 'GET' | 'POST';
  json?: unknown;
  gzip?: boolean;
  /** The registry whose credentials the request carries (npm's bulk endpoint); none for other services. */
  registry?: string;
}

const gzipAsync = promisify(gzip);

/**
 * One JSON request through the check's RegistryHttp, ahead of queued packument requests: npm's proxy, CA and TLS
 * settings, credentials, keep-alive sockets, timeout, retries on 429/5xx honouring Retry-After, request counting.
 * Fails with an EngineError: the client's own ('registry-unreachable', 'timeout', 'too-large', 'aborted', ...),
 * 'http-error' for an answer other than 2xx once its retries are spent, 'bad-response' for a body that is not JSON.
 */
export async function requestJson(http: RegistryHttp, url: string, req: JsonRequest, signal?: AbortSignal): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: Buffer | undefined;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = Buffer.from(JSON.stringify(req.json));
    if (req.gzip) {
      body = await gzipAsync(body);
      headers['content-encoding'] = 'gzip';
    }
  }
  const res = await http.request(url, { method: req.method, headers, body, signal, registry: req.registry, urgent: true });
  if (res.status < 200 || res.status > 299) throw new EngineError('http-error', `${safeUrl(url)} answered HTTP ${res.status}`, res.status);
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new EngineError('bad-response', `${safeUrl(url)} answered with something other than JSON`);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

// Untrusted JSON: shape checks happen field by field at the point of use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
