/**
 * Runs long synchronous work (core's Steps) on this thread without holding it: all such work shares one budget
 * per turn of the event loop. A turn runs steps (of one piece of work, then the next: round robin across turns)
 * until `SLICE_MS` of them have run, then the event loop gets its turn (I/O, timers, the service's and the
 * language server's requests) before the next. Between two steps, work whose signal was aborted stops.
 */
import { performance } from 'node:perf_hooks';
import type { Steps } from '../../core/steps';
import { cancelled } from './errors';

/**
 * Steps run per turn of the event loop, across all work (ms): a turn holds the thread for one slice plus at most one
 * step (a file of up to 4 MB, or a 1 MB chunk of a larger one). Without slices, a cold content phase on vuecore held
 * it for up to 1.3 s at a time (one pair of large packages), and a small request to the service waited up to 1.4–1.7 s;
 * with them, up to 0.8 s (it takes several turns: files read, a reply). 5 and 10 ms slices answered no faster.
 */
export const SLICE_MS = 20;

export interface SliceOptions {
  /** Milliseconds of steps before the event loop gets a turn (default SLICE_MS; 0: a turn after every step). */
  sliceMs?: number;
  signal?: AbortSignal;
  /** What the work is, for the cancellation error. */
  what?: string;
  /** Called at each turn given to the event loop while this work waits (tests count them). */
  onYield?: () => void;
}

interface Work {
  steps: Steps<unknown>;
  opts: SliceOptions;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

/** Work that has steps left, the next to run first. */
const queue: Work[] = [];
let scheduled = false;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(turn);
}

/** One turn: steps of the work at the head of the queue (then the next) until a slice is used. */
function turn(): void {
  scheduled = false;
  const start = performance.now();
  while (queue.length) {
    const work = queue[0];
    const sliceMs = work.opts.sliceMs ?? SLICE_MS;
    let r: IteratorResult<void, unknown>;
    try {
      r = work.steps.next();
    } catch (e) {
      queue.shift();
      work.reject(e);
      continue;
    }
    if (r.done) {
      queue.shift();
      work.resolve(r.value);
      continue;
    }
    if (performance.now() - start >= sliceMs) {
      // This work goes on after the others had their turn: the next turn starts with the one after it.
      queue.push(queue.shift()!);
      for (const w of queue) w.opts.onYield?.();
      break;
    }
  }
  if (queue.length) schedule();
}

function stop(work: Work, e: unknown): void {
  try {
    work.steps.return(undefined as never);
  } finally {
    work.reject(e);
  }
}

/** Runs `steps` to the end in turns shared with all other such work; rejects when `opts.signal` fires first. */
export function runInSlices<T>(steps: Steps<T>, opts: SliceOptions = {}): Promise<T> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(cancelled(opts.what ?? 'the work'));
  return new Promise<T>((resolve, reject) => {
    // Work that waits behind other work stops as soon as its signal fires, not when its turn comes.
    const onAbort = () => {
      const i = queue.indexOf(work);
      if (i >= 0) {
        queue.splice(i, 1);
        stop(work, cancelled(opts.what ?? 'the work'));
      }
    };
    const work: Work = {
      steps,
      opts,
      resolve: (v) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(v as T);
      },
      reject: (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    queue.push(work);
    schedule();
  });
}
