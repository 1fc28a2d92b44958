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
