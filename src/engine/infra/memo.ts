import { cancelled } from './errors';

export interface PromiseCacheOptions<T> {
  /**
   * How long a value is kept after it arrived. 0 (the default): only while its load is in flight, so that concurrent
   * asks share one load; Infinity: until pushed out by `max`.
   */
  ttlMs?: number;
  /** At most this many entries (in flight or kept); the oldest go first. Default 100,000. */
  max?: number;
  /**
   * Values it returns false for are forgotten as soon as they arrive (e.g. an 'unknown' verdict): the callers waiting
   * get them, the next ask loads again. Failures are always forgotten so.
   */
  keep?: (value: T) => boolean;
  /** Milliseconds, for the TTL (tests pass a clock they move by hand). */
  clock?: () => number;
  /**
   * Holds every load as a waiting caller would, until it fires: the work goes on although every caller left. A
   * long-lived session passes its own lifetime, so that a superseded check's requests still land in the cache for
   * the check that replaced it.
   */
  holder?: AbortSignal;
}

interface Entry<T> {
  key: string;
  promise: Promise<T>;
  /** Ends the load: aborted when the last caller has left (and the holder, if any, let go). */
  controller: AbortController;
  /** Callers with a signal still waiting for the load. */
  waiting: number;
  /** A caller without a signal waits for the load: it never leaves. */
  pinned: boolean;
  /** The holder (PromiseCacheOptions.holder) waits for the load, until it fires. */
  held: boolean;
  settled: boolean;
  /** When the value arrived (clock). */
  at: number;
  value?: T;
}

/**
 * The engine's promise cache: promises by key, so that concurrent and later asks share one load.
 *
 * - A value is kept `ttlMs` after it arrived; a failure, or a value `keep` rejects, is forgotten at once.
 * - At most `max` entries; the oldest go first.
 * - Each caller passes its own AbortSignal. When it fires, that caller's wait ends at once with the engine's
 *   cancellation error (cancelled()), and the load goes on for the others. The load gets a signal of its own, which
 *   fires only when every caller that joined it has left (never while a caller without a signal, or the holder,
 *   waits); the entry is then forgotten, so a later ask starts afresh instead of joining work being torn down.
 */
export class PromiseCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Loads in flight, in the map or pushed out of it: the holder's release reaches them all. */
  private readonly inflight = new Set<Entry<T>>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly keep: (value: T) => boolean;
  private readonly clock: () => number;
  private readonly holder: AbortSignal | undefined;

  constructor(opts: PromiseCacheOptions<T> = {}) {
    this.ttlMs = opts.ttlMs ?? 0;
    this.max = opts.max ?? 100_000;
    this.keep = opts.keep ?? (() => true);
    this.clock = opts.clock ?? Date.now;
    this.holder = opts.holder;
    this.holder?.addEventListener(
      'abort',
      () => {
        for (const e of [...this.inflight]) {
          e.held = false;
          this.leaveIfAlone(e);
        }
      },
      { once: true },
    );
  }

  /**
   * The value for `key`: the kept one, the one being loaded, or a new load `load(signal)`, whose signal fires once
   * every caller has left. `signal` is this caller's: its abort rejects this call (and only this one) with the
   * cancellation error; without one, the caller waits to the end and the load is never aborted.
   */
  get(key: string, load: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(cancelled('the wait'));
    const hit = this.fresh(key);
    if (hit?.settled) return hit.promise;
    return this.wait(hit ?? this.start(key, load), signal);
  }

  /** The kept value for `key`, if it has arrived and is fresh; never loads. */
  peek(key: string): T | undefined {
    const hit = this.fresh(key);
    return hit?.settled ? hit.value : undefined;
  }

  /** Keeps `value` for `key` (learnt otherwise than by a load); a load in flight for it goes on for its callers. */
  set(key: string, value: T): void {
    const promise = Promise.resolve(value);
    this.put({ key, promise, controller: new AbortController(), waiting: 0, pinned: false, held: false, settled: true, at: this.clock(), value });
  }

  /** Forgets one key: the next ask loads again (callers of a load in flight still get it). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key, as delete() does. */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private fresh(key: string): Entry<T> | undefined {
    const hit = this.entries.get(key);
    if (hit?.settled && this.clock() - hit.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return hit;
  }

  private start(key: string, load: (signal: AbortSignal) => Promise<T>): Entry<T> {
    const controller = new AbortController();
    const held = this.holder !== undefined && !this.holder.aborted;
    const entry: Entry<T> = { key, promise: undefined as never, controller, waiting: 0, pinned: false, held, settled: false, at: 0 };
    let loading: Promise<T>;
    try {
      loading = load(controller.signal);
    } catch (e) {
      loading = Promise.reject(e);
    }
    // Bookkeeping first: a caller that awaits get() finds the entry already kept or forgotten.
    entry.promise = loading.then(
      (value) => {
        this.inflight.delete(entry);
        entry.settled = true;
        entry.at = this.clock();
        if (this.ttlMs > 0 && this.keep(value)) entry.value = value;
        else this.forget(entry);
        return value;
      },
      (e: unknown) => {
        this.inflight.delete(entry);
        this.forget(entry);
        throw e;
      },
    );
    entry.promise.catch(() => undefined); // every caller may have left: nobody else would handle it
    this.inflight.add(entry);
    this.put(entry);
    return entry;
  }

  private put(entry: Entry<T>): void {
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  private forget(entry: Entry<T>): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  private wait(entry: Entry<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) {
      entry.pinned = true;
      return entry.promise;
    }
    entry.waiting++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        entry.waiting--;
        reject(cancelled('the wait'));
        this.leaveIfAlone(entry);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** Ends a load nobody waits for any more, and forgets it. */
  private leaveIfAlone(entry: Entry<T>): void {
    if (entry.settled || entry.waiting > 0 || entry.pinned || entry.held || entry.controller.signal.aborted) return;
    this.forget(entry);
    this.inflight.delete(entry);
    entry.controller.abort(cancelled('the load every caller left'));
  }
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
