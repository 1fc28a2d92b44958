/**
 * Tarball contents from a registry, and a cache of content-analysis results.
 *
 * Tarballs are immutable (a registry never serves other bytes for the same name@version and integrity), so the
 * result of analysing one release against the one before it is kept forever, keyed by registry, name, version,
 * previous version and analyzer version. Only results (findings) are stored, never the files.
 */
import { contentChangeSteps } from '../../core/content/index';
import { runInSlices } from '../infra/slices';
import { type ContentLimits, DEFAULT_CONTENT_LIMITS, type PackageContents } from '../../core/content/types';
import type { RawFinding } from '../../core/trust/context';
import type { VersionSummary } from '../../core/trust/types';
import type { DiskCache } from '../infra/disk-cache';
import { EngineError, cancelled, isAbort } from '../infra/errors';
import { WeightedLimiter } from '../infra/limiter';
import { PromiseCache } from '../infra/memo';
import { type RegistryHttp, safeMessage, safeUrl } from '../registry/http';
import { type ChangedFile, changedCodeFiles } from './changed-files';
import { IntegrityMismatchError, type TarballContents, readTarball, sriFromShasum, verifyIntegrity } from './read-tarball';

/** Where one version's tarball is and what it must hash to (from the packument's `dist`). */
export interface TarballRef {
  version: string;
  /** `dist.tarball` */
  tarball: string;
  /** `dist.integrity` (SRI) */
  integrity?: string;
  /** `dist.shasum` (hex sha1), used when there is no `integrity` */
  shasum?: string;
  /** `dist.unpackedSize` as the registry claims it: what reading it is expected to hold (ContentAnalysisCache's budget). */
  unpackedSize?: number;
}

export interface DownloadOptions {
  name: string;
  version: string;
  integrity?: string;
  shasum?: string;
  /** The registry the package comes from: its credentials are the ones npm would send. */
  registry?: string;
  signal?: AbortSignal;
}

export interface FetchContentsOptions extends DownloadOptions {
  limits?: Partial<ContentLimits>;
  /** See readTarball. */
  maxInflatedBytes?: number;
}

/** The SRI to check a download against: `integrity`, else `shasum` as sha1 SRI, else none. */
export function expectedIntegrity(o: { integrity?: string; shasum?: string }): string | undefined {
  return o.integrity || (o.shasum ? sriFromShasum(o.shasum) : undefined);
}

/**
 * Downloads a tarball with the registry client (auth, proxies, timeouts, retries, body cap) and checks its
 * integrity before returning it. Throws EngineError: 'not-found', 'http-error', 'integrity', or the client's.
 */
export async function downloadTarball(http: RegistryHttp, url: string, opts: DownloadOptions): Promise<Buffer> {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new EngineError('bad-response', `${opts.name}@${opts.version}: the tarball URL is not a URL`);
  }
  if (protocol !== 'https:' && protocol !== 'http:')
    throw new EngineError('bad-response', `${opts.name}@${opts.version}: the tarball URL uses ${protocol}, not http(s)`);
  let res: Awaited<ReturnType<RegistryHttp['request']>>;
  // The client stops reading a body at its size cap ('too-large') but leaves the response open: a body that never
  // ends kept arriving, into memory, until the request's timeout (GBs). Cancelling once the request settles ends it.
  const settled = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, settled.signal]) : settled.signal;
  try {
    res = await http.request(url, { signal, registry: opts.registry, headers: { accept: 'application/octet-stream, */*' } });
  } catch (e) {
    if (e instanceof EngineError) throw e;
    if (isAbort(e, opts.signal)) throw cancelled(`the download of ${opts.name}@${opts.version}`);
    // e.g. the connection dropped mid-body: the client lets the socket's own error through
    throw new EngineError('registry-unreachable', `download of ${opts.name}@${opts.version} from ${safeUrl(url)} failed: ${safeMessage(e)}`);
  } finally {
    settled.abort();
  }
  if (res.status === 404 || res.status === 410)
    throw new EngineError('not-found', `${opts.name}@${opts.version}: ${safeUrl(url)} answered ${res.status}`, res.status);
  if (res.status < 200 || res.status >= 300)
    throw new EngineError('http-error', `${opts.name}@${opts.version}: ${safeUrl(url)} answered ${res.status}`, res.status);
  const sri = expectedIntegrity(opts);
  if (sri) verifyIntegrity(res.body, sri, `${opts.name}@${opts.version}`);
  return res.body;
}

/** Downloads a tarball (integrity checked) and reads it in memory: see readTarball. */
export async function fetchContents(http: RegistryHttp, url: string, opts: FetchContentsOptions): Promise<TarballContents> {
  const tgz = await downloadTarball(http, url, opts);
  // Integrity was checked on download; readTarball checks it again only when asked (cheap, but once is enough).
  return readTarball(tgz, { name: opts.name, version: opts.version, limits: opts.limits, maxInflatedBytes: opts.maxInflatedBytes, signal: opts.signal });
}

// ---------------------------------------------------------------- analysis results cache

/** What an analyzer may know besides the two tarballs (the shape analyzeContentChange takes). */
export interface ContentAnalyzerContext {
  /** What the registry's packument says about the current version (scripts, dependencies, sizes). */
  registry?: VersionSummary;
  /** Earlier releases' sizes. */
  history?: { unpackedSize?: number; fileCount?: number }[];
}

/**
 * The content analyzers: the current release, the one before it (none for a first release), context; `signal`
 * fires when nobody waits for the analysis any more.
 */
export type ContentAnalyzer = (
  current: PackageContents,
  previous: PackageContents | undefined,
  context: ContentAnalyzerContext,
  signal: AbortSignal,
) => RawFinding[] | Promise<RawFinding[]>;

export interface ContentAnalysisRequest {
  name: string;
  /** Registry base URL (credentials, and part of the cache key). */
  registry?: string;
  current: TarballRef;
  /** The release to compare with; absent for a first release. */
  previous?: TarballRef;
  context?: ContentAnalyzerContext;
}

export interface ContentAnalysis {
  findings: RawFinding[];
  /** Code files the release added or changed, by content hash (for the correlation stage). */
  changed?: ChangedFile[];
  /** Reads that stopped early (the findings cover what was read). */
  truncated?: { current?: 'byte-budget' | 'timeout'; previous?: 'byte-budget' | 'timeout' };
  analyzerVersion: string;
  analyzedAt: string;
}

/** `integrity-mismatch` for a served tarball whose bytes are not the ones the registry's metadata describes. */
function tamperedTarball(req: ContentAnalysisRequest, e: IntegrityMismatchError): RawFinding {
  const label = `${req.name}@${req.current.version}`;
  return {
    code: 'integrity-mismatch',
    severity: 'critical',
    message: `The tarball the registry serves for ${label} does not match the registry's own integrity hash for it: it is not the tarball that was published, so its contents were not analysed`,
    evidence: [
      { label: 'registry metadata (dist.integrity)', value: e.expected },
      { label: 'served tarball', value: e.actual },
      { label: 'from', value: safeUrl(req.current.tarball) },
    ],
  };
}

/**
 * The content analyzers of src/core/content, run in time slices of `sliceMs` (default SLICE_MS): requests are
 * answered between two files, and an analysis nobody waits for any more stops there.
 */
export function contentAnalyzer(sliceMs?: number): ContentAnalyzer {
  return (current, previous, context, signal) =>
    runInSlices(contentChangeSteps({ current, previous, ...context }), { sliceMs, signal, what: `the content analysis of ${current.name}@${current.version}` });
}

export const defaultContentAnalyzer: ContentAnalyzer = contentAnalyzer();

export interface ContentAnalysisCacheOptions {
  /** Default: contentAnalyzer(sliceMs) (src/core/content's analyzers, in time slices). */
  analyze?: ContentAnalyzer;
  /** Time slices of the default analyzer (default SLICE_MS; 0: the event loop gets a turn after every file). */
  sliceMs?: number;
  /** Bump whenever the analyzers change what they find: older results are then not used. */
  analyzerVersion: string;
  /** Persistent store; without it results live in memory only. */
  cache?: DiskCache;
  limits?: Partial<ContentLimits>;
  /** Only cached results; never download (EngineError 'offline-miss'). */
  offline?: boolean;
  /**
   * How to obtain a version's contents (read as it downloads, within the first budget); default: the tarball
   * downloaded with `http` (integrity checked), read only within the read budget (as fetchContents, in two steps).
   */
  load?: (name: string, ref: TarballRef, registry: string | undefined, signal?: AbortSignal) => Promise<PackageContents>;
  /**
   * Analyses in flight at once, by the bytes their two tarballs are expected to hold and by count, and of those the
   * ones read into memory (default CONTENT_BUDGET; a custom `load` reads as it downloads, within `bytes`).
   */
  budget?: { bytes: number; analyses: number; readBytes?: number; reads?: number };
}

const NAMESPACE = 'content-analysis-v2';
const MEMORY_ENTRIES = 10_000;
/**
 * Analyses in flight at once: by the bytes their tarballs are expected to hold (each version's unpacked size as the
 * registry states it, at most `maxBytes`, the most a read keeps; unstated: `maxBytes`), and by count. Unbounded
 * (every target of a scan at once), a cold default check of a 74-workspace monorepo (compass, 361 analyses) held
 * 350 MB of tarball contents and peaked at 832–879 MB RSS. The phase waits on downloads as much as on this thread,
 * so analyses are downloaded well ahead (`bytes`, `analyses`: their compressed tarballs only, a fifth of that on
 * average), and read (inflated, the files kept) only within `readBytes` and `reads`, right before they are analysed
 * on this thread. On vuecore (71 real pairs), one budget of 192 MB for both peaked at 426–456 MB RSS; halving it
 * cost 15 % of the phase's time and quartering it 55 %, as downloads stopped overlapping the analyses.
 */
export const CONTENT_BUDGET = { bytes: 192 * 1024 * 1024, analyses: 32, readBytes: 48 * 1024 * 1024, reads: 4 };

/**
 * Content-analysis results per (registry, name, version, previous version, analyzer version): on disk forever,
 * in memory for the session, and shared while in flight (two asks for the same pair make one analysis; a
 * tarball needed by two pairs at once is downloaded once). Failures are not remembered. An analysis, and a
 * download, goes on while any caller waits for it, and ends when the last one left.
 */
export class ContentAnalysisCache {
  private readonly results = new PromiseCache<ContentAnalysis>({ ttlMs: Infinity, max: MEMORY_ENTRIES, keep: (r) => !this.tampered.has(r) });
  /** Results that say the served tarball is not the published one: never remembered (see run()). */
  private readonly tampered = new WeakSet<ContentAnalysis>();
  /** Contents from a custom `load`, shared while in flight. */
  private readonly downloads = new PromiseCache<PackageContents>();
  /** Compressed, integrity-checked tarballs, shared while in flight. */
  private readonly tarballs = new PromiseCache<Buffer>();
  /** Analyses downloading or downloaded (CONTENT_BUDGET bytes, analyses). */
  private readonly running: WeightedLimiter;
  /** Of those, the ones being read and analysed (CONTENT_BUDGET readBytes, reads). */
  private readonly reading: WeightedLimiter;
  private readonly analyzer: ContentAnalyzer;

  constructor(
    private readonly http: RegistryHttp | undefined,
    private readonly opts: ContentAnalysisCacheOptions,
  ) {
    const budget = opts.budget ?? CONTENT_BUDGET;
    this.running = new WeightedLimiter(budget.bytes, Math.max(1, budget.analyses));
    this.reading = new WeightedLimiter(budget.readBytes ?? budget.bytes, Math.max(1, budget.reads ?? budget.analyses));
    this.analyzer = opts.analyze ?? (opts.sliceMs === undefined ? defaultContentAnalyzer : contentAnalyzer(opts.sliceMs));
  }

  static key(req: ContentAnalysisRequest, analyzerVersion: string): string {
    // By the bytes, not only the names: a version republished with other bytes (a hostile mirror, a tarball URL
    // that changed) is analysed again, never given the old result.
    const bytes = (t: TarballRef | undefined) => (t ? (t.integrity ?? (t.shasum ? `sha1:${t.shasum}` : t.tarball)) : null);
    return JSON.stringify([
      req.registry ?? '',
      req.name,
      req.current.version,
      bytes(req.current),
      req.previous?.version ?? null,
      bytes(req.previous),
      analyzerVersion,
    ]);
  }

  /** The analysis of `req`; `signal` ends this caller's wait (the analysis goes on while others wait for it). */
  analyze(req: ContentAnalysisRequest, signal?: AbortSignal): Promise<ContentAnalysis> {
    const key = ContentAnalysisCache.key(req, this.opts.analyzerVersion);
    return this.results.get(key, (shared) => this.run(key, req, shared), signal);
  }

  /** The cached result, if any (memory, then disk); never downloads. */
  async peek(req: ContentAnalysisRequest): Promise<ContentAnalysis | undefined> {
    const key = ContentAnalysisCache.key(req, this.opts.analyzerVersion);
    const hit = this.results.peek(key) ?? (await this.stored(key));
    if (hit && !this.results.peek(key)) this.results.set(key, hit);
    return hit;
  }

  private async stored(key: string): Promise<ContentAnalysis | undefined> {
    const entry = await this.opts.cache?.get<ContentAnalysis>(NAMESPACE, key);
    return entry && Array.isArray(entry.value?.findings) ? entry.value : undefined;
  }

  private async run(key: string, req: ContentAnalysisRequest, signal: AbortSignal): Promise<ContentAnalysis> {
    const cached = await this.stored(key);
    if (cached) return cached;
    if (this.opts.offline)
      throw new EngineError('offline-miss', `content analysis of ${req.name}@${req.current.version} is not in the cache and offline mode forbids downloading`);
    const maxBytes = { ...DEFAULT_CONTENT_LIMITS, ...this.opts.limits }.maxBytes;
    const held = (t: TarballRef | undefined) => (t ? Math.min(t.unpackedSize !== undefined && t.unpackedSize >= 0 ? t.unpackedSize : maxBytes, maxBytes) : 0);
    const weight = held(req.current) + held(req.previous);
    const load = this.opts.load;
    if (load) {
      const contents = (ref: TarballRef) =>
        this.downloads.get(
          JSON.stringify([req.registry ?? '', req.name, ref.version, ref.tarball]),
          (shared) => load(req.name, ref, req.registry, shared),
          signal,
        );
      return this.running.run(weight, () => this.analyzeNow(key, req, signal, contents), signal);
    }
    return this.running.run(
      weight,
      async () => {
        // Downloaded ahead of the analyses (both at once, each shared with other analyses in flight), then read
        // only when there is room to read: a download finished early waits compressed.
        const pending = new Map<TarballRef, Promise<Buffer>>();
        for (const ref of [req.current, req.previous]) if (ref) pending.set(ref, this.tarball(req.name, ref, req.registry, signal));
        const failed = (await Promise.allSettled(pending.values())).some((r) => r.status === 'rejected');
        const read = async (ref: TarballRef) => {
          const tgz = await pending.get(ref)!;
          pending.delete(ref); // the compressed bytes go as soon as they are read
          return readTarball(tgz, { name: req.name, version: ref.version, limits: this.opts.limits, signal });
        };
        // A failed download has nothing to read: its error (or tampering finding) needs no room.
        if (failed) return this.analyzeNow(key, req, signal, read);
        return this.reading.run(weight, () => this.analyzeNow(key, req, signal, read), signal);
      },
      signal,
    );
  }

  /** Reads both versions of `req` and analyses them. */
  private async analyzeNow(
    key: string,
    req: ContentAnalysisRequest,
    signal: AbortSignal,
    contents: (ref: TarballRef) => Promise<PackageContents>,
  ): Promise<ContentAnalysis> {
    const [got, before] = await Promise.allSettled([contents(req.current), req.previous ? contents(req.previous) : undefined]);
    if (signal.aborted) throw cancelled(`the content analysis of ${req.name}@${req.current.version}`);
    if (got.status === 'rejected') {
      // The registry serves other bytes than it published for this version: a finding, not a skipped analysis.
      // Never remembered: a proxy that corrupted one download must not leave a finding behind; the next ask checks again.
      if (got.reason instanceof IntegrityMismatchError) {
        const result = { findings: [tamperedTarball(req, got.reason)], analyzerVersion: this.opts.analyzerVersion, analyzedAt: new Date().toISOString() };
        this.tampered.add(result);
        return result;
      }
      throw got.reason;
    }
    if (before.status === 'rejected') throw before.reason;
    const current = got.value;
    const previous = before.value;
    const findings = await this.analyzer(current, previous, req.context ?? {}, signal);
    const result: ContentAnalysis = {
      findings,
      changed: changedCodeFiles(current, previous),
      analyzerVersion: this.opts.analyzerVersion,
      analyzedAt: new Date().toISOString(),
    };
    if (current.truncated || previous?.truncated)
      result.truncated = { ...(current.truncated ? { current: current.truncated } : {}), ...(previous?.truncated ? { previous: previous.truncated } : {}) };
    // A read cut short by the clock may cover more next time: keep it for this session only.
    const timedOut = current.truncated === 'timeout' || previous?.truncated === 'timeout';
    if (!timedOut) this.opts.cache?.put(NAMESPACE, { key, storedAt: result.analyzedAt, value: result });
    return result;
  }

  private tarball(name: string, ref: TarballRef, registry: string | undefined, signal: AbortSignal): Promise<Buffer> {
    const key = JSON.stringify([registry ?? '', name, ref.version, ref.tarball]);
    return this.tarballs.get(
      key,
      (shared) => {
        if (!this.http) throw new EngineError('offline-miss', `no HTTP client to download ${name}@${ref.version}`);
        return downloadTarball(this.http, ref.tarball, { name, version: ref.version, integrity: ref.integrity, shasum: ref.shasum, registry, signal: shared });
      },
      signal,
    );
  }
}
