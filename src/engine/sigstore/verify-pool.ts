/**
 * Runs attestation verification (./attestation-check.ts) in worker threads, off the thread that fetches and
 * parses: a cold scan verifies hundreds of responses at ~7–14 ms of synchronous CPU each.
 *
 * - Size: `os.availableParallelism() - 1` workers, at least 1, at most 4 (TRUSTLENS_VERIFY_THREADS=n overrides;
 *   0 verifies on the calling thread). A worker starts on demand and is terminated after `idleMs` without work;
 *   it is unref'd whenever it has nothing to do, so it never keeps a process alive.
 * - Small bursts stay on the calling thread: a worker costs ~60–110 ms to start (and ~5–10 MB), as much as
 *   verifying ~25 responses here since ./speedups.ts (~3 ms each), so the first `inThreadBelow - 1`
 *   verifications within `idleMs` of each other run here and the next one starts a worker (TRUSTLENS_VERIFY_BURST=n
 *   sets `inThreadBelow`). (81-package cold scan,
 *   16 responses: 418 ms with a worker at the third, 360 ms without one; 1,793 packages, 266 responses: 1.86 s
 *   with a worker, 2.06 s without.)
 * - A worker holds two jobs at a time; the rest wait here (their input is here anyway, and a waiting job can be
 *   dropped without a message). While jobs wait, this thread takes the newest of them whenever its own event
 *   loop was mostly idle for the last few ms (`helpHere`): after a scan's last response only verification is
 *   left, and while a worker starts this thread is often idle.
 * - Each trust context crosses once per worker, by id (./worker-protocol.ts); the worker keeps its own Verifier.
 * - Nothing is lost: a job the worker cannot take (input that does not clone), or whose worker fails to start,
 *   crashes or is terminated, is verified on this thread. A worker that fails to start turns the pool off for
 *   the process; so do three crashes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ProvenanceVerdict } from '../../core/trust/types';
import { type AttestationInput, abortedVerdict, checkAttestations } from './attestation-check';
import { installSigstoreSpeedups } from './speedups';
import type { TrustContext } from './trust-root';
import { type FromWorker, type ToWorker, trustToWire } from './worker-protocol';

export interface VerifyPoolOptions {
  /** Worker threads at most; 0: verify on the calling thread. Default `availableParallelism() - 1` within 1..4. */
  threads?: number;
  /** A burst of fewer verifications than this stays on the calling thread (default 24; 1: always a worker). */
  inThreadBelow?: number;
  /** A worker without work for this long is terminated (default 2000 ms). */
  idleMs?: number;
  /** The worker's script; default `sigstore-worker.js` beside this code (dist/ when bundled, else tsc's output). */
  workerFile?: string;
  /**
   * While jobs wait for busy workers, this thread takes the newest of them whenever its event loop was mostly idle
   * over the last few milliseconds (default true): after a scan's last response only verification is left.
   */
  helpHere?: boolean;
}

export interface VerifyPoolStats {
  /** Workers alive now. */
  workers: number;
  /** Workers started since the last configureVerifyPool, and how long each took to load (ms). */
  started: number;
  startMs: number[];
  /** Whether each of those workers installed the speed-ups of ./speedups.ts (faster DER, memoised keys and checks). */
  speedups: { fastDER: boolean; cryptoMemo: boolean }[];
  /** Jobs verified by a worker; on the calling thread; of those, taken from busy workers' queue, and after a worker failed. */
  inWorker: number;
  inThread: number;
  helped: number;
  fallbacks: number;
  crashes: number;
  /** Why the pool is off for this process, if it is. */
  disabled?: string;
}

const MAX_THREADS = 4;
const MAX_CRASHES = 3;
/** Jobs a worker holds at once: one running, one to start right after it without waiting for a message. */
const IN_FLIGHT = 2;
/** A small young generation: verification makes much short-lived garbage, and a worker's default semi-spaces cost RSS. */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4 };

interface Job {
  id: number;
  /** The worker that has it; none while it waits here. */
  slot?: Slot;
  input: AttestationInput;
  trust: TrustContext;
  signal: AbortSignal;
  settle(verdict: ProvenanceVerdict): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Trust context ids this worker has. */
  trusts: Set<number>;
  startedAt: number;
  ready: boolean;
  gone: boolean;
  idle?: NodeJS.Timeout;
}

let options: Required<VerifyPoolOptions> = defaults();
let slots: Slot[] = [];
/** Jobs for the pool not yet given to a worker, first come first served. */
const waiting: Job[] = [];
let disabled: string | undefined;
let stats = { started: 0, startMs: [] as number[], speedups: [] as VerifyPoolStats['speedups'], inWorker: 0, inThread: 0, helped: 0, fallbacks: 0, crashes: 0 };
/** When recent calling-thread verifications started (for the burst rule). */
let recent: number[] = [];
let nextJob = 1;
let nextTrust = 1;
const trustIds = new WeakMap<TrustContext, number>();
/** Contexts a worker cannot have (not cloneable, or not rebuilt there): verified on the calling thread. */
const hereOnly = new WeakSet<TrustContext>();
const forgotten = new FinalizationRegistry<number>((id) => {
  for (const slot of slots) if (slot.trusts.delete(id)) post(slot, { type: 'forget', id });
});

function defaults(): Required<VerifyPoolOptions> {
  const fromEnv = Number.parseInt(process.env.TRUSTLENS_VERIFY_THREADS ?? '', 10);
  const burst = Number.parseInt(process.env.TRUSTLENS_VERIFY_BURST ?? '', 10);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return {
    threads: Number.isInteger(fromEnv) && fromEnv >= 0 ? Math.min(fromEnv, MAX_THREADS) : Math.min(MAX_THREADS, Math.max(1, cores - 1)),
    inThreadBelow: Number.isInteger(burst) && burst >= 1 ? burst : 24,
    idleMs: 2000,
    workerFile: path.join(__dirname, 'sigstore-worker.js'),
    helpHere: true,
  };
}

/**
 * Verifies on a worker thread when the pool has one (or this call makes a burst worth starting one), else here.
 * Resolves like `checkAttestations` (never rejects); once `signal` aborts, at once with 'verification aborted'.
 */
export function verifyOffThread(input: AttestationInput, trust: TrustContext, signal: AbortSignal): Promise<ProvenanceVerdict> {
  if (signal.aborted || !worthAWorker(trust)) return here(input, trust, signal);
  return new Promise<ProvenanceVerdict>((resolve) => {
    const onAbort = () => {
      const slot = job.slot;
      if (slot) {
        if (!slot.jobs.delete(job.id)) return; // settled, or moved to this thread (which stops by the same signal)
        post(slot, { type: 'cancel', job: job.id });
      } else {
        const i = waiting.indexOf(job);
        if (i < 0) return;
        waiting.splice(i, 1);
      }
      job.settle(abortedVerdict(trust));
      if (slot) afterJob(slot);
    };
    const job: Job = {
      id: nextJob++,
      input,
      trust,
      signal,
      settle: (verdict) => {
        signal.removeEventListener('abort', onAbort);
        resolve(verdict);
      },
    };
    signal.addEventListener('abort', onAbort, { once: true });
    waiting.push(job);
    pump();
  });
}

/** Sets the options (unset ones: the defaults) and turns a disabled pool back on; workers already running stay. */
export function configureVerifyPool(o: VerifyPoolOptions = {}): void {
  options = { ...defaults(), ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  disabled = undefined;
  stats = { started: 0, startMs: [], speedups: [], inWorker: 0, inThread: 0, helped: 0, fallbacks: 0, crashes: 0 };
  recent = [];
}

/** Terminates every worker now; jobs they had are verified on the calling thread. */
export async function closeVerifyPool(): Promise<void> {
  await Promise.all(slots.map((slot) => lost(slot, undefined)));
}

export function verifyPoolStats(): VerifyPoolStats {
  return { workers: slots.length, ...stats, startMs: [...stats.startMs], speedups: [...stats.speedups], ...(disabled ? { disabled } : {}) };
}

/** The live workers (tests terminate one mid-job to see its jobs verified elsewhere). */
export function verifyPoolWorkers(): readonly Worker[] {
  return slots.map((s) => s.worker);
}

// ---- internals ----

function here(input: AttestationInput, trust: TrustContext, signal: AbortSignal): Promise<ProvenanceVerdict> {
  stats.inThread++;
  installSigstoreSpeedups();
  return checkAttestations(input, trust, signal);
}

/** Whether this job goes to the pool: a worker is up, or this call makes a burst worth starting one. */
function worthAWorker(trust: TrustContext): boolean {
  if (options.threads <= 0 || disabled || hereOnly.has(trust)) return false;
  if (slots.length > 0) return true;
  const now = Date.now();
  recent = recent.filter((t) => now - t < options.idleMs);
  recent.push(now);
  return recent.length >= options.inThreadBelow;
}

/**
 * Hands waiting jobs to workers, at most IN_FLIGHT each (the rest wait here, where their input already is, and
 * can still go to a worker started meanwhile or be dropped without a message); starts workers up to the size.
 * Without a worker to give them to (the pool is off), they are verified on this thread.
 */
function pump(): void {
  while (waiting.length > 0) {
    let slot = slots.reduce<Slot | undefined>((a, s) => (s.jobs.size < IN_FLIGHT && (!a || s.jobs.size < a.jobs.size) ? s : a), undefined);
    if (!slot && slots.length < options.threads && !disabled) slot = start();
    if (!slot) {
      if (slots.length > 0) break; // all busy: the next verdict pumps again
      for (const job of waiting.splice(0)) void here(job.input, job.trust, job.signal).then(job.settle);
      return;
    }
    const job = waiting.shift()!;
    if (!give(slot, job)) void here(job.input, job.trust, job.signal).then(job.settle);
  }
  if (waiting.length > 0) offerHelp();
}

/** How long this thread watches its own load before it takes a waiting job (a verification takes ~5–15 ms). */
const HELP_WINDOW_MS = 5;
/** Whether this thread is watching for spare time or verifying a waiting job (one at a time). */
let helping = false;

/** Looks, HELP_WINDOW_MS from now, whether this thread had spare time; if so it verifies the newest waiting job. */
function offerHelp(): void {
  if (helping || waiting.length === 0 || !options.helpHere) return;
  helping = true;
  const since = performance.eventLoopUtilization();
  setTimeout(() => {
    const job = performance.eventLoopUtilization(since).utilization < 0.5 ? waiting.pop() : undefined; // the newest: workers take the oldest
    if (!job) {
      helping = false;
      return offerHelp();
    }
    stats.helped++;
    void here(job.input, job.trust, job.signal).then((verdict) => {
      job.settle(verdict);
      helping = false;
      offerHelp();
    });
  }, HELP_WINDOW_MS).unref();
}

/** Posts the job (and its trust context, the first time) to the worker; false if it cannot go there. */
function give(slot: Slot, job: Job): boolean {
  const trustId = sendTrust(slot, job.trust);
  if (trustId === undefined) return false;
  const { name, version, integrity, response } = job.input; // only these: whatever else the caller's object carries stays here
  try {
    slot.worker.postMessage({ type: 'verify', job: job.id, trust: trustId, input: { name, version, integrity, response } } satisfies ToWorker);
  } catch {
    return false; // e.g. a response that does not clone (DataCloneError)
  }
  job.slot = slot;
  slot.jobs.set(job.id, job);
  clearTimeout(slot.idle);
  slot.worker.ref();
  return true;
}

function start(): Slot | undefined {
  let worker: Worker;
  try {
    if (!fs.existsSync(options.workerFile)) throw new Error(`${options.workerFile} is missing`);
    worker = new Worker(options.workerFile, { resourceLimits: RESOURCE_LIMITS });
  } catch (e) {
    disabled = `the verification worker cannot start: ${e instanceof Error ? e.message : String(e)}`;
    return undefined;
  }
  const slot: Slot = { worker, jobs: new Map(), trusts: new Set(), startedAt: performance.now(), ready: false, gone: false };
  worker.on('message', (m: FromWorker) => onMessage(slot, m));
  worker.on('error', (e) => void lost(slot, e));
  worker.on('exit', (code) => void lost(slot, new Error(`exited with code ${code}`)));
  worker.on('messageerror', (e) => void lost(slot, e));
  slots.push(slot);
  stats.started++;
  return slot;
}

function onMessage(slot: Slot, m: FromWorker): void {
  if (m.type === 'ready') {
    slot.ready = true;
    stats.startMs.push(Math.round(performance.now() - slot.startedAt));
    stats.speedups.push(m.speedups ?? { fastDER: false, cryptoMemo: false });
    return;
  }
  const job = slot.jobs.get(m.job);
  if (!job || !slot.jobs.delete(m.job)) return; // cancelled meanwhile
  if (m.type === 'verdict') {
    stats.inWorker++;
    job.settle(m.verdict);
  } else {
    hereOnly.add(job.trust);
    stats.fallbacks++;
    void here(job.input, job.trust, job.signal).then(job.settle);
  }
  afterJob(slot);
}

/** The id of `trust` in this worker, sending it first if the worker does not have it; undefined if it cannot go. */
function sendTrust(slot: Slot, trust: TrustContext): number | undefined {
  let id = trustIds.get(trust);
  if (id === undefined) {
    id = nextTrust++;
    trustIds.set(trust, id);
    forgotten.register(trust, id);
  }
  if (!slot.trusts.has(id)) {
    try {
      slot.worker.postMessage({ type: 'trust', id, trust: trustToWire(trust) } satisfies ToWorker);
    } catch {
      hereOnly.add(trust);
      return undefined;
    }
    slot.trusts.add(id);
  }
  return id;
}

/** A job of `slot` is done: give it the next one, or let it idle (unref'd, so it keeps no process alive). */
function afterJob(slot: Slot): void {
  pump();
  if (slot.jobs.size > 0 || slot.gone) return;
  slot.worker.unref();
  clearTimeout(slot.idle);
  slot.idle = setTimeout(() => {
    if (slot.jobs.size > 0) return;
    void lost(slot, undefined);
  }, options.idleMs);
  slot.idle.unref();
}

/**
 * The end of a worker: idle or closed (`why` undefined), or failed. Its jobs, if any, are verified on this
 * thread. A worker that failed before it was ready turns the pool off; so does the third crash.
 */
async function lost(slot: Slot, why: Error | undefined): Promise<void> {
  if (slot.gone) return;
  slot.gone = true;
  slots = slots.filter((s) => s !== slot);
  clearTimeout(slot.idle);
  if (why) {
    if (!slot.ready) disabled = `the verification worker did not start: ${why.message}`;
    else if (++stats.crashes >= MAX_CRASHES) disabled = `the verification worker failed ${stats.crashes} times (last: ${why.message})`;
  }
  const orphans = [...slot.jobs.values()];
  slot.jobs.clear();
  for (const job of orphans) {
    stats.fallbacks++;
    void here(job.input, job.trust, job.signal).then(job.settle);
  }
  pump(); // jobs still waiting go to another worker, or here when the pool is now off
  await slot.worker.terminate().catch(() => undefined);
}

function post(slot: Slot, m: ToWorker): void {
  try {
    slot.worker.postMessage(m);
  } catch {
    // a worker on its way out; its jobs are taken care of by lost()
  }
}
