/**
 * A worker thread of ./verify-pool.ts: verifies attestations off the calling thread, one job at a time in the
 * order they come (so the first verdicts come back while later jobs wait), with a Verifier per trust context.
 * Bundled on its own as dist/sigstore-worker.js (beside dist/cli.js and dist/service.js); tsc puts it beside
 * verify-pool.js. The pool terminates it when it has been idle for a while.
 */
import { parentPort } from 'node:worker_threads';
import { type AttestationInput, checkAttestations } from './attestation-check';
import { installSigstoreSpeedups } from './speedups';
import type { TrustContext } from './trust-root';
import { type FromWorker, type ToWorker, trustFromWire } from './worker-protocol';

interface Job {
  job: number;
  trust: number;
  input: AttestationInput;
  controller: AbortController;
}

const port = parentPort;
if (!port) throw new Error('sigstore-worker.js runs as a worker thread of verify-pool');

// Faster DER encoding and memoised CA keys and chain checks in this thread's copy of @sigstore/core (./speedups.ts).
const speedups = installSigstoreSpeedups();

const trusts = new Map<number, TrustContext | Error>();
const queue: Job[] = [];
let current: Job | undefined;

const send = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'trust':
      try {
        trusts.set(m.id, trustFromWire(m.trust));
      } catch (e) {
        trusts.set(m.id, e instanceof Error ? e : new Error(String(e)));
      }
      break;
    case 'forget':
      trusts.delete(m.id);
      break;
    case 'verify':
      queue.push({ job: m.job, trust: m.trust, input: m.input, controller: new AbortController() });
      if (!current) void drain();
      break;
    case 'cancel': {
      if (current?.job === m.job) current.controller.abort();
      const i = queue.findIndex((j) => j.job === m.job);
      if (i >= 0) queue.splice(i, 1);
      break;
    }
  }
});

async function drain(): Promise<void> {
  while ((current = queue.shift())) {
    const job = current;
    const trust = trusts.get(job.trust);
    if (trust === undefined || trust instanceof Error) {
      // Cannot happen with the pool's ordering; the pool then verifies the job on its own thread.
      send({ type: 'unable', job: job.job, reason: trust ? `the trust context could not be rebuilt (${trust.message})` : `no trust context ${job.trust}` });
      continue;
    }
    const verdict = await checkAttestations(job.input, trust, job.controller.signal);
    // A cancelled job's callers have gone; the pool has already settled it.
    if (!job.controller.signal.aborted) send({ type: 'verdict', job: job.job, verdict });
  }
}

send({ type: 'ready', speedups });
