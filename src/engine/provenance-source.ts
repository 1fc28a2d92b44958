import type { PackageError } from './check';
import type { ProvenanceVerdict, VersionSummary } from '../core/trust/types';
import type { DiskCache } from './disk-cache';
import { EngineError, isAbort } from './errors';
import { type RegistryHttp, safeUrl } from './registry/http';
import { type RegistryMap, registryFor } from './registry/npmrc';
import { type TrustContext, createTrustContext } from './sigstore/trust-root';
import { verifyAttestations } from './sigstore/verify-attestations';
import type { RegistryKey } from './sigstore/registry-signatures';

const NAMESPACE = 'provenance-verdicts-v1';

/**
 * Fetches a version's Sigstore attestations and verifies them. Verdicts are immutable for a given
 * (name, version, integrity), so 'verified' and 'invalid' are cached on disk for good; 'unknown' is not.
 */
export class ProvenanceSource {
  private trust?: Promise<TrustContext>;
  private readonly inflight = new Map<string, Promise<ProvenanceVerdict | undefined>>();

  constructor(
    private readonly http: RegistryHttp,
    private readonly cache: DiskCache | undefined,
    private readonly trustOption: TrustContext | (() => Promise<TrustContext>) | undefined,
    private readonly opts: { offline?: boolean; signal?: AbortSignal; registries: RegistryMap; keys?: Map<string, RegistryKey[]> },
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
      p = this.trustContext().then((t) => {
        const keys = this.opts.keys?.get(registry);
        return keys?.length ? { ...t, registryKeys: keys } : t;
      });
      this.perRegistry.set(registry, p);
    }
    return p;
  }

  verify(name: string, v: VersionSummary, errors: PackageError[]): Promise<ProvenanceVerdict | undefined> {
    const key = `${name}@${v.version}:${v.integrity}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.load(name, v, key, errors);
      this.inflight.set(key, p);
    }
    return p;
  }

  private async load(name: string, v: VersionSummary, key: string, errors: PackageError[]): Promise<ProvenanceVerdict | undefined> {
    const cached = await this.cache?.get<ProvenanceVerdict>(NAMESPACE, key);
    if (cached) return cached.value;
    if (this.opts.offline) return { status: 'unknown', reason: 'offline, and this verdict is not cached' };
    const registry = registryFor(this.opts.registries, name);
    const url = new URL(v.attestations!.url, registry).toString();
    try {
      const res = await this.http.request(url, { signal: this.opts.signal, registry });
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
        await this.cache?.set(NAMESPACE, { key, storedAt: new Date().toISOString(), value: verdict }).catch(() => undefined);
      }
      return verdict;
    } catch (e) {
      if (isAbort(e, this.opts.signal)) throw e;
      const err = e as EngineError;
      errors.push({ package: `${name}@${v.version}`, code: err.code ?? 'error', message: `provenance: ${err.message}` });
      return { status: 'unknown', reason: err.message };
    }
  }
}
