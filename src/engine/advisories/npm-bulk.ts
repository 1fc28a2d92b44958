/**
 * npm's bulk advisory endpoint (`POST /-/npm/v1/security/advisories/bulk`, what `npm audit` uses):
 * body `{ "<name>": ["<version>", ...] }`, answer `{ "<name>": [{ id, url, title, severity, vulnerable_versions }] }`.
 *
 * The HTTP plumbing at the bottom (typed errors, timeout, abort, bounded retry) is shared with osv.ts.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import * as semver from 'semver';
import { severityFromLabel, UNKNOWN_SEVERITY } from '../../core/trust/affected';
import type { Advisory } from '../../core/trust/types';

export const NPM_BULK_ADVISORY_PATH = '-/npm/v1/security/advisories/bulk';

export interface NpmBulkOptions extends AdvisoryRequestOptions {
  /** Packages per POST, default 1000. */
  batchSize?: number;
  /** gzip the request body as npm itself does (arborist posts with `gzip: true`). Default true. */
  gzip?: boolean;
}

/**
 * Advisories for each queried package name (every queried name is a key; [] when none).
 * Names the response adds on its own are ignored; malformed advisories are skipped;
 * a body that is not a JSON object fails the whole call with `bad-response`.
 */
export async function fetchNpmBulkAdvisories(
  registryUrl: string,
  query: Map<string, string[]>,
  opts: NpmBulkOptions = {},
): Promise<Map<string, Advisory[]>> {
  const url = registryUrl.replace(/\/*$/, '/') + NPM_BULK_ADVISORY_PATH;
  const names = [...query.keys()].filter((n) => typeof n === 'string' && n !== '');
  const result = new Map<string, Advisory[]>(names.map((n) => [n, []]));
  const size = Math.max(1, Math.floor(opts.batchSize ?? 1000));
  for (let start = 0; start < names.length; start += size) {
    // A null-prototype object: a hostile lockfile name such as "__proto__" stays an ordinary key.
    const body: Record<string, string[]> = Object.create(null);
    for (const name of names.slice(start, start + size)) body[name] = [...new Set(query.get(name) ?? [])];
    const json = await requestJson(url, { method: 'POST', json: body, gzip: opts.gzip ?? true }, opts);
    if (!isObject(json)) throw new AdvisorySourceError('bad-response', `${redactUrl(url)} did not answer with a JSON object`);
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
// HTTP shared by the advisory clients

export type AdvisorySourceErrorCode = 'unreachable' | 'http-error' | 'bad-response' | 'aborted';

/**
 * Why an advisory source gave no answer. unreachable: connection failed or timed out; http-error: a non-2xx
 * status (after retries); bad-response: the body is not what the API returns; aborted: the caller's signal fired.
 */
export class AdvisorySourceError extends Error {
  override readonly name = 'AdvisorySourceError';
  constructor(
    readonly code: AdvisorySourceErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * How a request goes out when not through `fetch`: the check's RegistryHttp (npm's proxy, CA and TLS settings,
 * keep-alive sockets, its own timeout and retries, requests counted). A non-2xx answer comes back, not thrown.
 */
export type AdvisorySend = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Buffer; signal: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null | undefined }; body: Buffer }>;

export interface AdvisoryRequestOptions {
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Send through this instead of `fetch` (see AdvisorySend). */
  send?: AdvisorySend;
  headers?: Record<string, string>;
  /** Per request, until the whole body is in. Default 30 s. */
  timeoutMs?: number;
  /**
   * Retries after HTTP 429 or 5xx (not after network errors or timeouts, which a retry rarely cures).
   * Default 2, so at most 3 attempts; 0 turns retrying off.
   */
  retries?: number;
  /** First backoff, doubled per retry; default 500 ms. A Retry-After header (seconds or date) replaces it. */
  retryDelayMs?: number;
  /** The longest Retry-After honoured; a longer one ends retrying with the http-error. Default 10 s. */
  maxRetryAfterMs?: number;
}

export interface JsonRequest {
  method: 'GET' | 'POST';
  json?: unknown;
  gzip?: boolean;
}

const gzipAsync = promisify(gzip);

/** One JSON request with timeout, abort and bounded retry; every failure is an AdvisorySourceError. */
export async function requestJson(target: string, req: JsonRequest, opts: AdvisoryRequestOptions): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  const url = moveCredentialsToHeader(target, headers);
  let body: string | Uint8Array | undefined;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
    if (req.gzip) {
      body = new Uint8Array(await gzipAsync(body));
      headers['content-encoding'] = 'gzip';
    }
  }
  const retries = Math.max(0, opts.retries ?? 2);
  for (let attempt = 0; ; attempt++) {
    const answer = await attemptOnce(url, { method: req.method, headers, body }, opts);
    if ('text' in answer) return parseJson(answer.text, url);
    const retryable = answer.status === 429 || answer.status >= 500;
    const delay = retryable && attempt < retries ? retryDelay(answer.retryAfter, attempt, opts) : undefined;
    if (delay === undefined) {
      throw new AdvisorySourceError('http-error', `${redactUrl(url)} answered HTTP ${answer.status}`, answer.status);
    }
    await sleep(delay, opts.signal, url);
  }
}

/** fetch refuses URLs with user:password@; send them as basic auth instead (unless an authorization header is set). */
function moveCredentialsToHeader(target: string, headers: Record<string, string>): string {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new AdvisorySourceError('unreachable', 'the advisory source URL is not a valid URL');
  }
  if (!u.username && !u.password) return target;
  const hasAuth = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
  if (!hasAuth) {
    const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  u.username = '';
  u.password = '';
  return u.toString();
}

type Answer = { text: string } | { status: number; retryAfter: string | null };

async function attemptOnce(url: string, init: RequestInit, opts: AdvisoryRequestOptions): Promise<Answer> {
  if (opts.signal?.aborted) throw abortedError(url);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    if (opts.send) {
      const body = init.body === undefined || init.body === null ? undefined : Buffer.from(init.body as string | Uint8Array);
      const res = await opts.send(url, { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body, signal });
      if (res.status < 200 || res.status > 299) return { status: res.status, retryAfter: res.headers.get('retry-after') ?? null };
      return { text: res.body.toString('utf8') };
    }
    const res = await (opts.fetch ?? fetch)(url, { ...init, signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    }
    return { text: await res.text() };
  } catch (err) {
    if (opts.signal?.aborted) throw abortedError(url);
    if (timeout.aborted) throw new AdvisorySourceError('unreachable', `${redactUrl(url)} gave no complete answer within ${timeoutMs} ms`);
    throw new AdvisorySourceError('unreachable', `${redactUrl(url)} is unreachable: ${describe(err)}`, undefined, { cause: err });
  }
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AdvisorySourceError('bad-response', `${redactUrl(url)} answered with something other than JSON`);
  }
}

function retryDelay(retryAfter: string | null, attempt: number, opts: AdvisoryRequestOptions): number | undefined {
  if (retryAfter && retryAfter.trim()) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (!Number.isNaN(ms)) return ms > (opts.maxRetryAfterMs ?? 10_000) ? undefined : Math.max(0, ms);
  }
  return (opts.retryDelayMs ?? 500) * 2 ** attempt;
}

function sleep(ms: number, signal: AbortSignal | undefined, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(url));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(url));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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

function abortedError(url: string): AdvisorySourceError {
  return new AdvisorySourceError('aborted', `request to ${redactUrl(url)} was aborted`);
}

/** Messages never carry credentials or query strings from a configured URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${message} (${code})` : message;
}

// Untrusted JSON: shape checks happen field by field at the point of use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
