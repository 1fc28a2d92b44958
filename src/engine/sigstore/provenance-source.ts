import type { PackageError } from '../infra/errors';
import type { ProvenanceVerdict, VersionSummary } from '../../core/trust/types';
import type { DiskCache } from '../infra/disk-cache';
import { EngineError, isAbort } from '../infra/errors';
import { PromiseCache } from '../infra/memo';
import { type RegistryHttp, safeUrl } from '../registry/http';
import { type RegistryMap, registryFor } from '../registry/npmrc';
import { type TrustContext, createTrustContext, trustFingerprint } from './trust-root';
import { verifyAttestations } from './verify-attestations';
import type { RegistryKey } from './registry-signatures';

const NAMESPACE = 'provenance-verdicts-v2';

type Verdict = { verdict: ProvenanceVerdict; error?: PackageError };

/**
 * Fetches a version's Sigstore attestations and verifies them. Verdicts are immutable for a given
 * (name, version, integrity), so 'verified' and 'invalid' are cached on disk for good; 'unknown' is not.
 */
export class ProvenanceSource {
  private trust?: Promise<TrustContext>;
  /** Shared by every check that asks; an 'unknown' verdict is asked again next time. */
  private readonly verdicts: PromiseCache<Verdict>;
  private readonly perRegistry: PromiseCache<TrustContext>;

  constructor(
    private readonly http: RegistryHttp,
    private readonly cache: DiskCache | undefined,
    private readonly trustOption: TrustContext | (() => Promise<TrustContext>) | undefined,
    private readonly opts: {
      offline?: boolean;
      /** Holds the verifications in flight although every caller left, until it fires (PromiseCacheOptions.holder). */
      holder?: AbortSignal;
      registries: RegistryMap;
      /** The registry's signing keys (npm's keyed publish attestations are signed with them). */
      keys?: (registry: string, signal?: AbortSignal) => Promise<RegistryKey[]>;
    },
  ) {
    this.verdicts = new PromiseCache({ ttlMs: Infinity, max: 50_000, keep: (x) => x.verdict.status !== 'unknown', holder: opts.holder });
    this.perRegistry = new PromiseCache({ ttlMs: Infinity, holder: opts.holder });
  }

  /** Why the trust material in use is not Sigstore's live TUF root, when it is not (for the report). */
  async note(): Promise<string | undefined> {
    if (!this.trust) return undefined;
    return (await this.trust.catch(() => undefined))?.note;
  }

  private trustContext(): Promise<TrustContext> {
    this.trust ??=
      typeof this.trustOption === 'function'
        ? this.trustOption()
        : this.trustOption
          ? Promise.resolve(this.trustOption)
          : createTrustContext({ offline: this.opts.offline });
    return this.trust;
  }

  /**
   * The Sigstore root with the keys of the registry that serves the package: npm's keyed publish attestations
   * are signed with the registry's own key. Without keys from the registry, the trust material's own keys apply.
   */
  private trustFor(registry: string, signal: AbortSignal): Promise<TrustContext> {
    return this.perRegistry.get(
      registry,
      (shared) =>
        Promise.all([
          this.trustContext(),
          this.opts.keys?.(registry, shared).catch((e: unknown) => {
            if (isAbort(e, shared)) throw e; // not "no keys": the next verification asks again
            return undefined;
          }),
        ]).then(([t, keys]) => (keys?.length ? { ...t, registryKeys: keys } : t)),
      signal,
    );
  }

  /**
   * The verdict for one version (shared by every check that asks; an 'unknown' one is asked again next time).
   * A failure to fetch is added to `errors` of every caller that receives it. `signal` ends this caller's wait.
   */
  async verify(name: string, v: VersionSummary, errors: PackageError[], signal?: AbortSignal): Promise<ProvenanceVerdict> {
    const key = `${name}@${v.version}:${v.integrity}`;
    const r = await this.verdicts.get(key, (shared) => this.load(name, v, key, shared), signal);
    if (r.error) errors.push(r.error);
    return r.verdict;
  }

  private async load(name: string, v: VersionSummary, key: string, signal: AbortSignal): Promise<Verdict> {
    const verdict = await this.fetchAndVerify(name, v, key, signal).catch((e: unknown) => {
      if (isAbort(e, signal)) throw e;
      const err = e as EngineError;
      return {
        status: 'unknown' as const,
        reason: err.message,
        error: { package: `${name}@${v.version}`, code: err.code ?? 'error', message: `provenance: ${err.message}` },
      };
    });
    if ('error' in verdict) {
      const { error, ...rest } = verdict;
      return { verdict: rest, error };
    }
    return { verdict };
  }

  private async fetchAndVerify(name: string, v: VersionSummary, key: string, signal: AbortSignal): Promise<ProvenanceVerdict> {
    const registry = registryFor(this.opts.registries, name);
    // A verdict holds for the bytes (integrity, in `key`) and the trust material that verified them: a verdict
    // made under a custom root or other registry keys is not one under these.
    const trust = await this.trustFor(registry, signal);
    const diskKey = `${key}:${trustFingerprint(trust)}`;
    const cached = await this.cache?.get<ProvenanceVerdict>(NAMESPACE, diskKey);
    if (cached) return cached.value;
    if (this.opts.offline) return { status: 'unknown', reason: 'offline, and this verdict is not cached' };
    const target = new URL(v.attestations!.url, registry);
    // The registry serves its own attestations: a packument naming another origin would have TrustLens ask a host of
    // its choosing (with the name, and credentials were it the same host name). Not asked: provenance unknown.
    if (target.origin !== new URL(registry).origin) {
      throw new EngineError('bad-response', `the packument names attestations on another origin (${target.origin}) than its registry's: not asked`);
    }
    const url = target.toString();
    const res = await this.http.request(url, { signal, registry, urgent: true });
    if (res.status === 404) return { status: 'invalid', reason: `the packument lists attestations at ${safeUrl(url)}, but the registry has none there` };
    if (res.status !== 200) throw new EngineError('http-error', `${safeUrl(url)} answered ${res.status}`, res.status);
    let body: unknown;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    const verdict = await verifyAttestations({ name, version: v.version, integrity: v.integrity!, response: body }, trust, { signal });
    if (verdict.status === 'verified' || verdict.status === 'invalid') {
      this.cache?.put(NAMESPACE, { key: diskKey, storedAt: new Date().toISOString(), value: verdict });
    }
    return verdict;
  }
}
