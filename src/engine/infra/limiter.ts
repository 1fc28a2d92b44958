import { cancelled } from './errors';

/**
 * Runs at most `max` tasks at once; a waiting task leaves the queue when its signal aborts (with the cancellation
 * error). Urgent tasks go ahead of normal ones (e.g. a version's attestations, which can be verified while other
 * packuments are still coming).
 */
export class Limiter {
  private active = 0;
  private readonly urgent: (() => void)[] = [];
  private readonly queue: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal, urgent = false): Promise<T> {
    if (this.active >= this.max) {
      const lane = urgent ? this.urgent : this.queue;
      await new Promise<void>((resolve, reject) => {
        const start = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = lane.indexOf(start);
          if (i >= 0) lane.splice(i, 1);
          reject(cancelled('the queued task'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        lane.push(start);
      });
    }
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      (this.urgent.shift() ?? this.queue.shift())?.();
    }
  }
}

/** Resolves after `ms`, or rejects with the cancellation error when the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled('the wait'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled('the wait'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs tasks while the weights (e.g. bytes) of those running add up to at most `max`, and at most `maxTasks` at
 * once; one task runs whatever its weight when nothing else does. First come, first run: a heavy task at the head
 * of the queue is not overtaken by lighter ones (it would wait for ever). A waiting task leaves the queue when its
 * signal aborts (with the cancellation error).
 */
export class WeightedLimiter {
  private used = 0;
  private active = 0;
  private readonly queue: { weight: number; start: () => void }[] = [];

  constructor(
    readonly max: number,
    readonly maxTasks = Infinity,
  ) {}

  async run<T>(weight: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const w = Number.isFinite(weight) && weight > 0 ? weight : 0;
    if (this.queue.length || !this.fits(w)) {
      await new Promise<void>((resolve, reject) => {
        const entry = {
          weight: w,
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) this.queue.splice(i, 1);
          reject(cancelled('the queued task'));
          this.next();
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.queue.push(entry);
      });
    } else {
      this.take(w);
    }
    try {
      return await task();
    } finally {
      this.active--;
      this.used -= w;
      this.next();
    }
  }

  private fits(w: number): boolean {
    return this.active === 0 || (this.active < this.maxTasks && this.used + w <= this.max);
  }

  private take(w: number): void {
    this.active++;
    this.used += w;
  }

  /** Starts queued tasks, in order, while the head fits. */
  private next(): void {
    while (this.queue.length && this.fits(this.queue[0].weight)) {
      const head = this.queue.shift()!;
      this.take(head.weight);
      head.start();
    }
  }
}
