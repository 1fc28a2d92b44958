import type { PackageError } from '../infra/errors';
import type { ProvenanceVerdict, VersionSummary } from '../../core/trust/types';
import type { DiskCache } from '../infra/disk-cache';
import { EngineError, isAbort } from '../infra/errors';
import { Memo, untilAborted } from '../infra/memo';
import { type RegistryHttp, safeUrl } from '../registry/http';
import { type RegistryMap, registryFor } from '../registry/npmrc';
import { type TrustContext, createTrustContext } from './trust-root';
import { verifyAttestations } from './verify-attestations';
import type { RegistryKey } from './registry-signatures';

const NAMESPACE = 'provenance-verdicts-v1';

/**
 * Fetches a version's Sigstore attestations and verifies them. Verdicts are immutable for a given
 * (name, version, integrity), so 'verified' and 'invalid' are cached on disk for good; 'unknown' is not.
 */
export class ProvenanceSource {
  private trust?: Promise<TrustContext>;

  constructor(
    private readonly http: RegistryHttp,
    private readonly cache: DiskCache | undefined,
    private readonly trustOption: TrustContext | (() => Promise<TrustContext>) | undefined,
    private readonly opts: {
      offline?: boolean;
      /** Ends the shared work (the check's signal for a one-off check; none for a long-lived session). */
      signal?: AbortSignal;
      registries: RegistryMap;
      /** The registry's signing keys (npm's keyed publish attestations are signed with them). */
      keys?: (registry: string) => Promise<RegistryKey[]>;
    },
  ) {}

  /** Why the trust material in use is not Sigstore's live TUF root, when it is not (for the report). */
  async note(): Promise<string | undefined> {
    if (!this.trust) return undefined;
    return (await this.trust.catch(() => undefined))?.note;
  }

  private trustContext(): Promise<TrustContext> {
    this.trust ??= typeof this.trustOption === 'function'
      ? this.trustOption()
      : this.trustOption
        ? Promise.resolve(this.trustOption)
        : createTrustContext({ offline: this.opts.offline });
    return this.trust;
  }

  private readonly perRegistry = new Map<string, Promise<TrustContext>>();

  /**
   * The Sigstore root with the keys of the registry that serves the package: npm's keyed publish attestations
   * are signed with the registry's own key. Without keys from the registry, the trust material's own keys apply.
   */
  private trustFor(registry: string): Promise<TrustContext> {
    let p = this.perRegistry.get(registry);
    if (!p) {
      p = Promise.all([this.trustContext(), this.opts.keys?.(registry).catch(() => undefined)]).then(([t, keys]) => (keys?.length ? { ...t, registryKeys: keys } : t));
      this.perRegistry.set(registry, p);
    }
    return p;
  }

  /**
   * The verdict for one version (shared by every check that asks; an 'unknown' one is asked again next time).
   * A failure to fetch is added to `errors` of every caller that receives it.
   */
  async verify(name: string, v: VersionSummary, errors: PackageError[], signal?: AbortSignal): Promise<ProvenanceVerdict> {
    const key = `${name}@${v.version}:${v.integrity}`;
    const r = await untilAborted(this.verdicts.get(key, () => this.load(name, v, key), (x) => x.verdict.status !== 'unknown'), signal);
    if (r.error) errors.push(r.error);
    return r.verdict;
  }

  private readonly verdicts = new Memo<{ verdict: ProvenanceVerdict; error?: PackageError }>(Infinity, 50_000);

  private async load(name: string, v: VersionSummary, key: string): Promise<{ verdict: ProvenanceVerdict; error?: PackageError }> {
    const verdict = await this.fetchAndVerify(name, v, key).catch((e: unknown) => {
      if (isAbort(e, this.opts.signal)) throw e;
      const err = e as EngineError;
      return { status: 'unknown' as const, reason: err.message, error: { package: `${name}@${v.version}`, code: err.code ?? 'error', message: `provenance: ${err.message}` } };
    });
    if ('error' in verdict) {
      const { error, ...rest } = verdict;
      return { verdict: rest, error };
    }
    return { verdict };
  }

  private async fetchAndVerify(name: string, v: VersionSummary, key: string): Promise<ProvenanceVerdict> {
    const cached = await this.cache?.get<ProvenanceVerdict>(NAMESPACE, key);
    if (cached) return cached.value;
    if (this.opts.offline) return { status: 'unknown', reason: 'offline, and this verdict is not cached' };
    const registry = registryFor(this.opts.registries, name);
    const url = new URL(v.attestations!.url, registry).toString();
    const res = await this.http.request(url, { signal: this.opts.signal, registry, urgent: true });
    if (res.status === 404) return { status: 'invalid', reason: `the packument lists attestations at ${safeUrl(url)}, but the registry has none there` };
    if (res.status !== 200) throw new EngineError('http-error', `${safeUrl(url)} answered ${res.status}`, res.status);
    let body: unknown;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    const verdict = await verifyAttestations({ name, version: v.version, integrity: v.integrity!, response: body }, await this.trustFor(registry), { signal: this.opts.signal });
    if (verdict.status === 'verified' || verdict.status === 'invalid') {
      this.cache?.put(NAMESPACE, { key, storedAt: new Date().toISOString(), value: verdict });
    }
    return verdict;
  }
}
