/**
 * Verifies a version's npm attestations (`GET /-/npm/v1/attestations/<name>@<version>`): every Sigstore bundle
 * must verify against the trusted root (Fulcio chain, SCT, Rekor inclusion, DSSE signature) or, for npm's keyed
 * publish attestation, against npm's attestation key valid at the log's integrated time; and its in-toto
 * statement must name this package version and its tarball's sha512. The SLSA provenance bundle's certificate
 * then says who built it.
 *
 * This is the API and its cache of verdicts; the checks are in ./attestation-check.ts and run in a worker
 * thread when a scan verifies more than a couple of versions (./verify-pool.ts), else on this thread.
 */
import type { ProvenanceVerdict } from '../../core/trust/types';
import { PromiseCache } from '../infra/memo';
import type { AttestationInput } from './attestation-check';
import type { TrustContext } from './trust-root';
import { verifyOffThread } from './verify-pool';

export { NPM_PUBLISH_PREDICATE, npmPurl, type AttestationInput } from './attestation-check';

/**
 * Verdicts per trust context, by (name, version, integrity). Verdicts that depend on the moment ('unknown', which an
 * aborted verification also gives) are not kept.
 */
const verdicts = new WeakMap<TrustContext, PromiseCache<ProvenanceVerdict>>();
const MAX_CACHED = 10_000;

/**
 * Verifies the attestations of one version. Never throws for bad input: a malformed response or any failing
 * bundle gives 'invalid' with the reason. Rejects with the cancellation error when the signal aborts (the shared
 * verification stops between bundles once every caller waiting for it has aborted).
 */
export function verifyAttestations(input: AttestationInput, trust: TrustContext, options: { signal?: AbortSignal } = {}): Promise<ProvenanceVerdict> {
  let cache = verdicts.get(trust);
  if (!cache) verdicts.set(trust, (cache = new PromiseCache({ ttlMs: Infinity, max: MAX_CACHED, keep: (v) => v.status !== 'unknown' })));
  const key = JSON.stringify([input.name, input.version, input.integrity]);
  return cache.get(key, (signal) => verifyOffThread(input, trust, signal), options.signal);
}
