import { ANALYZER_VERSION } from '../../core/content';
import type { ContentLimits } from '../../core/content/types';
import { ParseMemo } from '../../core/project';
import type { History } from '../../core/trust/history';
import type { Lockfile } from '../../core/model';
import type { PackageSummary, SignatureVerdict, VersionSummary } from '../../core/trust/types';
import { AdvisoryMemo } from './advisory-memo';
import type { AdvisoryConfig } from '../advisories/sources';
import { ContentAnalysisCache } from '../content/fetch-contents';
import { DiskCache, defaultCacheDir } from '../infra/disk-cache';
import { IdentityMemory } from '../sigstore/identity-memory';
import { EvaluationMemo } from './evaluation-memo';
import { PromiseCache, objectId } from '../infra/memo';
import { ProvenanceSource } from '../sigstore/provenance-source';
import { RegistryHttp } from '../registry/http';
import { loadRegistryKeys } from '../registry/keys';
import { type NpmConfig, type RegistryMap } from '../registry/npmrc';
import { PackumentSource } from '../registry/packuments';
import { PacotePackuments } from '../check/unlocked';
import type { RegistryKey } from '../sigstore/registry-signatures';
import type { TrustContext } from '../sigstore/trust-root';

const SIGNS_NAMESPACE = 'registry-signs-v1';

/** How long a long-lived process trusts what it learnt without asking again (as the disk cache's packument TTL). */
export const SESSION_TTL_MS = 5 * 60_000;

/** The engine's I/O parts for one configuration (registries, auth, cache, trust material, advisory sources). */
export interface EngineParts {
  http: RegistryHttp;
  cache?: DiskCache;
  /**
   * name → summary of its packument. `fresh`: revalidate with the registry now (a conditional request), whatever
   * the memo and the disk cache hold — for a lockfile naming a version the remembered history lacks. `signal` is the
   * caller's: it ends the caller's wait (the request goes on for other callers, and in a session for the next check).
   */
  summary(name: string, opts?: { fresh?: boolean; signal?: AbortSignal }): Promise<PackageSummary>;
  /** Whether a summary is in use on the word of its dist-tags alone (see PackumentSource). */
  confirmedByTagsOnly(summary: PackageSummary): boolean;
  /**
   * registry URL → its signing keys ([] when it publishes none); rejects when they could not be had (unknown).
   * `signal` as for summary().
   */
  keys(registry: string, signal?: AbortSignal): Promise<RegistryKey[]>;
  /**
   * Whether a registry is known to sign its packages: once one of its packuments carried `dist.signatures`, a
   * later answer without keys (or packuments stripped of signatures) is not taken as "this registry does not sign".
   */
  signs: { known(registry: string): Promise<boolean>; remember(registry: string): void };
  provenance: ProvenanceSource;
  /** Workflow identities of verified releases, per package, remembered across checks (and runs, with a disk cache). */
  identities: IdentityMemory;
  advisories: AdvisoryMemo;
  contents: ContentAnalysisCache;
  /** Registry signature verdicts per version summary, with the key set they were checked against. */
  signatures: WeakMap<VersionSummary, { keys: RegistryKey[]; verdict: SignatureVerdict }>;
  /** Per lockfile: the range of the first edge into each package. */
  incoming: WeakMap<Lockfile, Map<string, string>>;
  /** Per history: the newest releases of the given majors (advisory candidates). */
  newest: WeakMap<History, Map<string, string[]>>;
  evaluations: EvaluationMemo;
  /** Histories by summary, each valid from the instant it is cut at until the next publish after it. */
  histories: WeakMap<PackageSummary, { history: History; until: number }>;
  /** The documents pacote read to resolve ranges the lockfile does not satisfy, kept for the TTL (see PacotePackuments). */
  pacotePackuments: PacotePackuments;
}

export interface PartsConfig {
  npmConfig: NpmConfig;
  registries: RegistryMap;
  offline?: boolean;
  cacheDir?: string;
  trust?: TrustContext | (() => Promise<TrustContext>);
  advisories?: AdvisoryConfig;
  concurrency?: number;
  timeoutMs?: number;
  /** How long package histories and keys are used before they are asked again (the `trustlens.cacheTtlMinutes` setting). */
  ttlMs?: number;
  /** Bounds of reading one tarball (default DEFAULT_CONTENT_LIMITS). */
  contentLimits?: Partial<ContentLimits>;
  log?: (line: string) => void;
}

/**
 * Builds the parts. Every caller passes its own signal, and a load they share ends once all of them left; `holder`
 * holds the loads of summaries, keys and verdicts beyond that, until it fires: a one-off check passes its own signal
 * (they end with it), a session its lifetime, so that a superseded check's requests still land in the cache for the
 * check that replaced it. Tarball analyses are not held: they are large, and an edit changes which ones are needed.
 */
export function createParts(c: PartsConfig, holder: AbortSignal | undefined, defaultTtlMs: number): EngineParts {
  const ttlMs = c.ttlMs ?? defaultTtlMs;
  const http = new RegistryHttp({ config: c.npmConfig, concurrency: c.concurrency, timeoutMs: c.timeoutMs, log: c.log });
  const cache = c.offline || c.cacheDir ? new DiskCache(c.cacheDir ?? defaultCacheDir()) : undefined;
  const packuments = new PackumentSource(http, c.registries, cache, { offline: c.offline, ttlMs, keepMs: ttlMs, holder });
  const revalidated = new Map<string, number>();
  // Names the registry answered 404 for, kept as long as a packument is: a name that is not there (another
  // platform's optional package a release adds, a private name) must not cost a request per edit either.
  const absent = new Map<string, { at: number; error: unknown }>();
  const keys = new PromiseCache<RegistryKey[]>({ ttlMs, holder });
  const loadKeys = (registry: string, signal?: AbortSignal) =>
    keys.get(registry, (shared) => loadRegistryKeys(http, cache, registry, { offline: c.offline, signal: shared }), signal);
  // Never forgotten while the parts live: a registry once seen signing stays known to sign.
  const signing = new PromiseCache<boolean>({ ttlMs: Infinity });
  return {
    http,
    cache,
    summary: (name, { fresh, signal } = {}) => {
      // At most once a minute per name: a version that is really missing must not cost a request per edit.
      const revalidate = !!fresh && !c.offline && Date.now() - (revalidated.get(name) ?? -Infinity) >= 60_000;
      if (revalidate) revalidated.set(name, Date.now());
      const gone = absent.get(name);
      if (gone && !revalidate && Date.now() - gone.at < ttlMs) return Promise.reject(gone.error);
      const answer = packuments.summary(name, signal, revalidate);
      answer.then(
        () => absent.delete(name),
        (e: unknown) => {
          if ((e as { code?: string }).code !== 'not-found') return;
          if (absent.size >= 10_000) absent.clear();
          absent.set(name, { at: Date.now(), error: e });
        },
      );
      return answer;
    },
    confirmedByTagsOnly: (summary) => packuments.confirmedByTagsOnly(summary),
    keys: loadKeys,
    signs: {
      known: (registry) =>
        signing.get(registry, async () =>
          cache
            ? cache.get<boolean>(SIGNS_NAMESPACE, registry).then(
                (e) => e?.value === true,
                () => false,
              )
            : false,
        ),
      remember: (registry) => {
        if (signing.peek(registry) === true) return;
        signing.set(registry, true);
        cache?.put(SIGNS_NAMESPACE, { key: registry, storedAt: new Date().toISOString(), value: true });
      },
    },
    provenance: new ProvenanceSource(http, cache, c.trust, { offline: c.offline, holder, registries: c.registries, keys: loadKeys }),
    identities: new IdentityMemory(cache),
    advisories: new AdvisoryMemo(ttlMs),
    contents: new ContentAnalysisCache(http, { analyzerVersion: ANALYZER_VERSION, cache, offline: c.offline, limits: c.contentLimits }),
    signatures: new WeakMap(),
    incoming: new WeakMap(),
    newest: new WeakMap(),
    evaluations: new EvaluationMemo(),
    histories: new WeakMap(),
    pacotePackuments: new PacotePackuments(ttlMs),
  };
}

/**
 * What a long-lived process (the service) keeps between checks: for each configuration, its HTTP agent (open
 * sockets), summaries, keys, verdicts and advisories, each trusted for `ttlMs`. An edit then costs a parse, the
 * few requests the edit really needs, and the evaluation.
 */
export class CheckSession {
  /** Each configuration's parts, and their lifetime: it holds their loads, and ends those nobody waits for when they go. */
  private readonly byConfig = new Map<string, { created: number; parts: EngineParts; lifetime: AbortController }>();
  /** The last parses of lockfiles and manifests: an edit to package.json leaves the others as they were. */
  readonly parses = new ParseMemo();

  constructor(
    readonly ttlMs = SESSION_TTL_MS,
    /** Parts older than this are rebuilt (trust material and keys are then read again). */
    private readonly maxAgeMs = 60 * 60_000,
    private readonly maxConfigs = 4,
  ) {}

  parts(c: PartsConfig): EngineParts {
    const key = fingerprint(c);
    const hit = this.byConfig.get(key);
    if (hit && Date.now() - hit.created < this.maxAgeMs) {
      this.byConfig.delete(key);
      this.byConfig.set(key, hit); // most recently used last
      return hit.parts;
    }
    this.drop(key);
    const lifetime = new AbortController();
    const parts = createParts(c, lifetime.signal, this.ttlMs);
    this.byConfig.set(key, { created: Date.now(), parts, lifetime });
    while (this.byConfig.size > this.maxConfigs) this.drop(this.byConfig.keys().next().value as string);
    return parts;
  }

  /** Forget everything (e.g. after the user cleared the cache). */
  clear(): void {
    for (const key of [...this.byConfig.keys()]) this.drop(key);
    this.parses.clear();
  }

  /** Forgets one configuration's parts; a check still using them keeps what it waits for. */
  private drop(key: string): void {
    const gone = this.byConfig.get(key);
    this.byConfig.delete(key);
    gone?.lifetime.abort();
  }
}

function fingerprint(c: PartsConfig): string {
  return JSON.stringify([
    c.npmConfig.values,
    !!c.offline,
    c.cacheDir ?? '',
    objectId(c.trust),
    c.advisories ?? null,
    c.concurrency ?? 0,
    c.timeoutMs ?? 0,
    c.ttlMs ?? null,
    c.contentLimits ?? null,
  ]);
}
