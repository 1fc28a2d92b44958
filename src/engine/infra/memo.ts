import { EngineError } from './errors';

/**
 * Promises by key, kept for `ttlMs` (cache promises, not values: concurrent and later asks share one load).
 * A load that fails is forgotten at once, and so is one whose value `keep` rejects (e.g. an 'unknown' verdict),
 * so the next ask tries again. At most `max` entries; the oldest go first.
 */
export class Memo<T> {
  private readonly entries = new Map<string, { at: number; promise: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.promise;
    if (hit) this.entries.delete(key);
    const promise = load();
    const entry = { at: now, promise };
    this.entries.set(key, entry);
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    promise.then((v) => keep(v) || forget(), forget);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return promise;
  }

  /** Forgets one key: the next ask loads again. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Waits for a shared promise on behalf of one caller: the caller's abort ends its wait at once, while the shared
 * work goes on for whoever else wants it (a superseded scan's requests still fill the cache for the next one).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return Promise.race([promise, aborted(signal)]);
}

/** One rejection per signal, however many waits share it (an abort listener per wait would pile up). */
const abortions = new WeakMap<AbortSignal, Promise<never>>();
function aborted(signal: AbortSignal): Promise<never> {
  let p = abortions.get(signal);
  if (!p) {
    p = new Promise<never>((_, reject) => {
      const fail = () => reject(new EngineError('aborted', 'the check was cancelled'));
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    });
    p.catch(() => undefined);
    abortions.set(signal, p);
  }
  return p;
}

const ids = new WeakMap<object, number>();
let nextId = 1;
/** A number per object (0 for none), for keys that must tell objects apart by identity. */
export function objectId(o: object | undefined): number {
  if (!o) return 0;
  let id = ids.get(o);
  if (!id) ids.set(o, (id = nextId++));
  return id;
}
