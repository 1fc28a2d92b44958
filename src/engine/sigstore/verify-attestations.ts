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
import type { AttestationInput } from './attestation-check';
import type { TrustContext } from './trust-root';
import { verifyOffThread } from './verify-pool';

export { NPM_PUBLISH_PREDICATE, npmPurl, type AttestationInput } from './attestation-check';

// ---- verdict cache: per trust context, by (name, version, integrity); promises, so concurrent calls share ----

interface Job {
  promise: Promise<ProvenanceVerdict>;
  waiters: number;
  controller: AbortController;
}
const jobs = new WeakMap<TrustContext, Map<string, Job>>();
const MAX_CACHED = 10_000;

/**
 * Verifies the attestations of one version. Never throws for bad input: a malformed response or any failing
 * bundle gives 'invalid' with the reason. Rejects with `signal.reason` when the signal aborts (the shared
 * verification stops between bundles once every caller waiting for it has aborted).
 */
export function verifyAttestations(input: AttestationInput, trust: TrustContext, options: { signal?: AbortSignal } = {}): Promise<ProvenanceVerdict> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  let cache = jobs.get(trust);
  if (!cache) jobs.set(trust, (cache = new Map()));
  const key = JSON.stringify([input.name, input.version, input.integrity]);
  let job = cache.get(key);
  if (!job) {
    const controller = new AbortController();
    const created: Job = { waiters: 0, controller, promise: verifyOffThread(input, trust, controller.signal) };
    job = created;
    cache.set(key, created);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
    // Verdicts that depend on the moment (aborted, unknown) are not kept.
    void created.promise.then((v) => {
      if ((controller.signal.aborted || v.status === 'unknown') && cache.get(key) === created) cache.delete(key);
    });
  }
  return wait(job, signal, () => cache.get(key) === job && cache.delete(key));
}

function wait(job: Job, signal: AbortSignal | undefined, evict: () => void): Promise<ProvenanceVerdict> {
  job.waiters++;
  if (!signal) return job.promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      if (--job.waiters === 0) {
        job.controller.abort();
        evict();
      }
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    job.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
