import { npmNameProblem } from '../../core/package-name';
import { JsonStreamError } from '../../core/json-stream';
import { PackumentStreamReader } from '../../core/trust/packument-stream';
import { abbreviatedMatches, compactSummary, summarizePackument } from '../../core/trust/summarize';
import type { PackageSummary } from '../../core/trust/types';
import type { DiskCache } from '../infra/disk-cache';
import { EngineError, isAbort } from '../infra/errors';
import { PromiseCache } from '../infra/memo';
import { type BodyConsumer, type ConsumedResponse, type RegistryHttp, safeUrl } from './http';
import { type RegistryMap, registryFor } from './npmrc';

export interface PackumentOptions {
  /** Serve only from the cache; never ask the network. */
  offline?: boolean;
  /** How long a summary on disk is used without revalidation (default 5 minutes). */
  ttlMs?: number;
  /**
   * How long a summary stays in memory after it arrived (default 0: it is shared only while in flight). A session
   * keeps them for its TTL.
   */
  keepMs?: number;
  /** Holds the requests in flight although every caller left, until it fires (see PromiseCacheOptions.holder). */
  holder?: AbortSignal;
  /** Bodies above this many bytes are read as they stream in (default STREAM_ABOVE_BYTES). */
  streamAboveBytes?: number;
  /** Milliseconds since the epoch (default Date.now): when a cached summary is past its TTL. */
  clock?: () => number;
  /**
   * How long a history confirmed only by its dist-tags (see PackumentSource) is used before the whole document is
   * read again (default HISTORY_MAX_AGE_MS).
   */
  historyMaxAgeMs?: number;
}

/**
 * The longest a history is used on the word of its dist-tags alone. Every publish moves a tag, so the tags tell a new
 * version at once; what they cannot tell is a deprecation, or the unpublish of a version no tag points to: those are
 * seen within this bound.
 */
export const HISTORY_MAX_AGE_MS = 24 * 60 * 60_000;

/** The abbreviated packument npm itself installs from: versions, dist-tags, dependencies and dist, no history. */
export const ABBREVIATED_ACCEPT = 'application/vnd.npm.install-v1+json';

/**
 * Above this size a packument is read as it arrives, keeping only what its summary needs (PackumentStreamReader):
 * memory follows the summary, not the body. Below it, JSON.parse of the whole body is cheaper on network chunks.
 * compass cold `--no-content`, whole process, 3 pairs in turn: 1 MB peaked at 406.6 MiB with 1.06x the CPU of 8 MB
 * (399.2 MiB, median 19.7 s of CPU); streaming every body (0) saved more memory but cost about a quarter more CPU.
 * Since summaries are half their old size, the bodies between 1 and 8 MB no longer decide the peak.
 */
export const STREAM_ABOVE_BYTES = 8 * 1024 * 1024;

const NAMESPACE = 'packument-summaries-v2';
/** When a summary's dist-tags were last found unchanged: `{ of: <the summary's storedAt> }`, keyed as the summary. */
const CHECKS = 'packument-tag-checks-v1';
/** What a registry without validators does with the abbreviated Accept header, keyed by registry URL. */
const CAPABILITIES = 'registry-capabilities-v1';
/** A registry's answer to the abbreviated Accept header is asked again after this long. */
const CAPABILITY_TTL_MS = 7 * 24 * 60 * 60_000;
/** A dist-tags document is a few hundred bytes; anything far larger is not one. */
const MAX_TAGS_BYTES = 256 * 1024;

/** `@scope/name` → `@scope%2fname`, as registries expect in the path. */
export function escapeName(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

/**
 * Package histories from the registry each package comes from: one full packument per name, reduced at once to
 * a compact summary (the document itself is dropped), kept on disk and revalidated past its TTL:
 *
 * - with ETag / Last-Modified, by a conditional request (304: nothing read);
 * - from a registry that sends neither, against the abbreviated document (the full one only when that changed);
 * - from a registry that sends neither and ignores the abbreviated Accept header (it answers the full document: the
 *   mirror these machines reach), against the package's dist-tags (`/-/package/<name>/dist-tags`, tens of bytes):
 *   published versions never change and every publish moves a tag, so unchanged tags mean no new version. Tags
 *   cannot show a deprecation or the unpublish of an untagged version, so such a history is read in full again at
 *   least every `historyMaxAgeMs`. A registry without that endpoint gets the full document, as before.
 *
 * Concurrent asks for the same name share one request (and, with `keepMs`, later ones its answer); a failure is
 * not remembered.
 */
export class PackumentSource {
  private readonly summaries: PromiseCache<PackageSummary>;
  /** Per registry: whether it serves abbreviated documents (false: it ignores the Accept header). */
  private readonly abbreviated = new Map<string, Promise<boolean>>();
  /** Per registry whose support is being found out: settles the promise above. */
  private readonly discovering = new Map<string, (serves: boolean) => void>();
  /** Registries whose dist-tags endpoint did not answer usefully: their histories are read in full. */
  private readonly noTagsEndpoint = new Set<string>();
  /** Summaries in use on the word of their dist-tags alone (past their TTL; read in full within historyMaxAgeMs). */
  private readonly tagsOnly = new WeakSet<PackageSummary>();

  /** Whether `summary` is in use on the word of its dist-tags alone: a deprecation since it was read is not seen yet. */
  confirmedByTagsOnly(summary: PackageSummary): boolean {
    return this.tagsOnly.has(summary);
  }

  constructor(
    private readonly http: RegistryHttp,
    private readonly registries: RegistryMap,
    private readonly cache: DiskCache | undefined,
    private readonly opts: PackumentOptions = {},
  ) {
    this.summaries = new PromiseCache({ ttlMs: opts.keepMs ?? 0, holder: opts.holder });
  }

  /**
   * The summary of `name`'s packument. `signal` ends this caller's wait (the request goes on while others wait).
   * `revalidate`: ask the registry now (a conditional request), whatever memory and disk hold.
   */
  summary(name: string, signal?: AbortSignal, revalidate = false): Promise<PackageSummary> {
    const registry = registryFor(this.registries, name);
    const key = `${registry}${name}`;
    if (revalidate) this.summaries.delete(key);
    return this.summaries.get(key, (shared) => this.load(name, registry, key, shared, revalidate), signal);
  }

  private async load(name: string, registry: string, key: string, signal: AbortSignal, revalidate: boolean): Promise<PackageSummary> {
    const bad = npmNameProblem(name);
    if (bad)
      throw new EngineError(
        'invalid-name',
        `${JSON.stringify(name).slice(0, 80)} is not a package name npm accepts (${bad}): not asked of ${safeUrl(registry)}`,
      );
    const cached = await this.cache?.get<PackageSummary>(NAMESPACE, key);
    // Read back, every version has its own copy of what it repeats of the one before: shared again, as made.
    if (cached) compactSummary(cached.value);
    const ttl = revalidate ? 0 : (this.opts.ttlMs ?? 5 * 60_000);
    const clock = this.opts.clock ?? Date.now;
    if (cached && (this.opts.offline || clock() - Date.parse(cached.storedAt) < ttl)) return cached.value;
    if (this.opts.offline) throw new EngineError('offline-miss', `${name} is not in the cache and --offline forbids asking ${safeUrl(registry)}`);
    const url = `${registry}${escapeName(name)}`;
    // Past its TTL, a summary the registry gave no validators for is checked against the abbreviated document:
    // published versions never change, so the same versions, tags, deprecations and dist mean the same history.
    // Not when the caller asked for a fresh history (the lockfile names a version the summary lacks).
    const cheap = !!cached && !revalidate && !cached.etag && !cached.lastModified;
    let discoverer = false;
    let tagsMissing = false;
    if (cheap) {
      const confirmed = await this.confirmedByTags(name, registry, key, cached, ttl, signal);
      if (confirmed === 'unchanged') return cached.value;
      discoverer = confirmed === 'discover';
      tagsMissing = confirmed === 'no-endpoint';
    }
    let answer: Awaited<ReturnType<PackumentSource['fetch']>>;
    try {
      answer = await this.fetch(name, registry, url, cached, signal, cheap);
      if (cheap) this.learn(registry, answer.abbreviated);
    } finally {
      if (discoverer) this.settleDiscovery(registry, undefined); // the request failed: the others ask as before
    }
    if (tagsMissing) this.noTagsEndpoint.add(registry); // the package exists: the endpoint is what is missing
    if (answer.abbreviated) {
      if (abbreviatedMatches(answer.summary, cached!.value)) {
        this.cache?.put(NAMESPACE, { ...cached!, storedAt: new Date(clock()).toISOString() });
        return cached!.value;
      }
      answer = await this.fetch(name, registry, url, cached, signal, false);
    }
    if (answer.notModified) return cached!.value;
    const { summary, etag, lastModified, now } = answer;
    if (etag) summary.etag = etag;
    if (lastModified) summary.lastModified = lastModified;
    this.cache?.put(NAMESPACE, { key, storedAt: now, etag, lastModified, value: summary });
    return summary;
  }

  /**
   * For a summary past its TTL from a registry without validators: 'unchanged' when its dist-tags confirm it (now or
   * within the TTL), 'discover' when this caller is to find out whether the registry serves abbreviated documents,
   * 'no-endpoint' when the dist-tags request found nothing (the package may be gone, or the endpoint), else 'ask'.
   */
  private async confirmedByTags(
    name: string,
    registry: string,
    key: string,
    cached: { storedAt: string; value: PackageSummary },
    ttl: number,
    signal: AbortSignal,
  ): Promise<'unchanged' | 'discover' | 'no-endpoint' | 'ask'> {
    const clock = this.opts.clock ?? Date.now;
    if (clock() - Date.parse(cached.storedAt) >= (this.opts.historyMaxAgeMs ?? HISTORY_MAX_AGE_MS)) return 'ask';
    const check = await this.cache?.get<{ of: string }>(CHECKS, key);
    if (check?.value?.of === cached.storedAt && clock() - Date.parse(check.storedAt) < ttl) {
      this.tagsOnly.add(cached.value);
      return 'unchanged';
    }
    const serves = await this.servesAbbreviated(registry);
    if (serves === 'discover') return 'discover';
    if (serves || this.noTagsEndpoint.has(registry)) return 'ask';
    const tags = await this.distTags(name, registry, signal);
    if (tags === 'no-endpoint' || tags === undefined) return tags ?? 'ask';
    if (!sameTags(tags, cached.value.distTags)) return 'ask';
    this.cache?.put(CHECKS, { key, storedAt: new Date(clock()).toISOString(), value: { of: cached.storedAt } });
    this.tagsOnly.add(cached.value);
    return 'unchanged';
  }

  /** The package's dist-tags; 'no-endpoint' for a 404; undefined when the answer is unusable (the endpoint is then not asked again). */
  private async distTags(name: string, registry: string, signal: AbortSignal): Promise<Record<string, string> | 'no-endpoint' | undefined> {
    const url = `${registry}-/package/${escapeName(name)}/dist-tags`;
    let res: ConsumedResponse<Record<string, string> | undefined>;
    try {
      res = await this.http.requestConsumed(url, { headers: { accept: 'application/json' }, signal, registry, multiplex: true }, (head) =>
        head.status === 200 ? new TagsBody(url) : undefined,
      );
    } catch (e) {
      if (isAbort(e)) throw e;
      if (e instanceof EngineError && e.code === 'too-large') this.noTagsEndpoint.add(registry);
      return undefined; // the full request that follows reports what is wrong with the registry
    }
    if (res.status === 404) return 'no-endpoint';
    const tags = res.status === 200 ? res.value : undefined;
    if (!tags && res.status < 500 && res.status !== 429) this.noTagsEndpoint.add(registry);
    return tags;
  }

  /** Whether `registry` serves abbreviated documents: known, or 'discover' for the one caller that is to find out. */
  private async servesAbbreviated(registry: string): Promise<boolean | 'discover'> {
    let known = this.abbreviated.get(registry);
    if (!known) {
      const stored = await this.cache?.get<{ abbreviated: boolean }>(CAPABILITIES, registry);
      known = this.abbreviated.get(registry);
      if (!known) {
        const clock = this.opts.clock ?? Date.now;
        if (stored && typeof stored.value?.abbreviated === 'boolean' && clock() - Date.parse(stored.storedAt) < CAPABILITY_TTL_MS) {
          this.abbreviated.set(registry, (known = Promise.resolve(stored.value.abbreviated)));
        } else {
          this.abbreviated.set(registry, new Promise((resolve) => this.discovering.set(registry, resolve)));
          return 'discover';
        }
      }
    }
    return known;
  }

  /** What an abbreviated request to `registry` showed (`serves`: it answered the abbreviated form). */
  private learn(registry: string, serves: boolean): void {
    const settled = this.settleDiscovery(registry, serves);
    const before = this.abbreviated.get(registry);
    if (!settled && before) {
      // Known already: only a change is stored.
      void before.then((was) => {
        if (was !== serves) this.remember(registry, serves);
      });
      return;
    }
    this.remember(registry, serves);
  }

  private remember(registry: string, serves: boolean): void {
    this.abbreviated.set(registry, Promise.resolve(serves));
    this.cache?.put(CAPABILITIES, { key: registry, storedAt: new Date((this.opts.clock ?? Date.now)()).toISOString(), value: { abbreviated: serves } });
  }

  /** Ends a discovery in flight: with the answer, or (undefined) without one, so that waiters ask as before. */
  private settleDiscovery(registry: string, serves: boolean | undefined): boolean {
    const resolve = this.discovering.get(registry);
    if (!resolve) return false;
    this.discovering.delete(registry);
    if (serves === undefined) this.abbreviated.delete(registry);
    resolve(serves ?? true);
    return serves !== undefined;
  }

  /**
   * One request for `name`'s packument: conditional when the cache has validators; the abbreviated document when
   * `abbreviated` (a registry that ignores the Accept header answers with the full one, which is then used as such).
   */
  private async fetch(
    name: string,
    registry: string,
    url: string,
    cached: { etag?: string; lastModified?: string; storedAt: string; key: string; value: PackageSummary } | undefined,
    signal: AbortSignal,
    abbreviated: boolean,
  ): Promise<{
    summary: PackageSummary;
    abbreviated: boolean;
    notModified?: boolean;
    etag?: string;
    lastModified?: string;
    now: string;
  }> {
    const headers: Record<string, string> = { accept: abbreviated ? `${ABBREVIATED_ACCEPT}, application/json;q=0.8` : 'application/json' };
    if (!abbreviated && cached?.etag) headers['if-none-match'] = cached.etag;
    if (!abbreviated && cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    const above = this.opts.streamAboveBytes ?? STREAM_ABOVE_BYTES;
    const res = await this.http.requestConsumed(url, { headers, signal, registry }, (head) =>
      head.status === 200 ? new PackumentBody(url, above, Number(head.headers.get('content-length'))) : undefined,
    );
    const now = new Date((this.opts.clock ?? Date.now)()).toISOString();
    if (res.status === 304 && cached) {
      this.cache?.put(NAMESPACE, { ...cached, storedAt: now });
      return { summary: cached.value, abbreviated: false, notModified: true, now };
    }
    if (res.status === 404) throw new EngineError('not-found', `${name} is not on ${safeUrl(registry)}`, 404);
    if (res.status !== 200 || !res.value) throw new EngineError('http-error', `${safeUrl(url)} answered ${res.status}`, res.status);
    let summary: PackageSummary | undefined;
    const body = res.value;
    if (body instanceof PackumentStreamReader) {
      summary = readSafely(url, () => body.summary(registry, now));
    } else {
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch {
        throw new EngineError('bad-response', `${safeUrl(url)} did not return JSON`);
      }
      summary = summarizePackument(doc, registry, now);
    }
    if (!summary) throw new EngineError('bad-response', `${safeUrl(url)} did not return a packument`);
    if (!summary.name) summary.name = name;
    // What came back is compared, not used, unless it is plainly the full document: labelled as JSON and carrying
    // publish times (a registry that answers the abbreviated form under the wrong label must not erase the history).
    const labelled = (res.headers.get('content-type') ?? '').toLowerCase().includes(ABBREVIATED_ACCEPT);
    const hasTimes = (s: PackageSummary) => Object.values(s.versions).some((v) => v.publishedAt !== undefined);
    const full = !abbreviated || (!labelled && (hasTimes(summary) || !hasTimes(cached!.value)));
    return {
      summary,
      abbreviated: !full,
      etag: full ? (res.headers.get('etag') ?? undefined) : undefined,
      lastModified: full ? (res.headers.get('last-modified') ?? undefined) : undefined,
      now,
    };
  }
}

/** A dist-tags body, read up to MAX_TAGS_BYTES ('too-large' past them): tag → version, or undefined when it is not that. */
class TagsBody implements BodyConsumer<Record<string, string> | undefined> {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly url: string) {}

  write(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > MAX_TAGS_BYTES) throw new EngineError('too-large', `the dist-tags from ${safeUrl(this.url)} are larger than ${MAX_TAGS_BYTES} bytes`);
    this.chunks.push(chunk);
  }

  end(): Record<string, string> | undefined {
    return parseTags(Buffer.concat(this.chunks, this.size));
  }
}

/** Tag → version, or undefined when the body is not that. */
function parseTags(body: Buffer): Record<string, string> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const out: Record<string, string> = {};
  for (const [tag, version] of Object.entries(doc)) {
    if (typeof version !== 'string') return undefined;
    out[tag] = version;
  }
  return out;
}

/** The same tags on the same versions, in any order. */
function sameTags(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  const keys = Object.keys(a);
  return !!b && keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

/**
 * A packument body: held whole while at most `above` bytes (0: streamed from the first byte), fed to a
 * PackumentStreamReader once it passes them (or at once when content-length says it will), after which no byte of
 * it is kept.
 */
class PackumentBody implements BodyConsumer<Buffer | PackumentStreamReader> {
  private chunks: Buffer[] = [];
  private size = 0;
  private reader: PackumentStreamReader | undefined;

  constructor(
    private readonly url: string,
    private readonly above: number,
    contentLength: number,
  ) {
    if (contentLength > above || above <= 0) this.reader = new PackumentStreamReader();
  }

  write(chunk: Buffer): void {
    if (this.reader) return this.feed(chunk);
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size <= this.above) return;
    this.reader = new PackumentStreamReader();
    const held = this.chunks;
    this.chunks = [];
    for (const c of held) this.feed(c);
  }

  end(): Buffer | PackumentStreamReader {
    return this.reader ?? (this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size));
  }

  note(): string | undefined {
    return this.reader ? 'streamed' : undefined;
  }

  private feed(chunk: Buffer): void {
    const reader = this.reader!;
    readSafely(this.url, () => reader.write(chunk));
  }
}

/** Runs a PackumentStreamReader step; a body that is not JSON becomes 'bad-response' with the byte offset. */
function readSafely<T>(url: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof JsonStreamError) throw new EngineError('bad-response', `${safeUrl(url)} did not return JSON: ${e.reason} at byte ${e.offset}`);
    throw e;
  }
}
