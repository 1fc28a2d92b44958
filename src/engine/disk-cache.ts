import { createHash } from 'node:crypto';
import { promises as fs, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One cached value with the validators needed to revalidate it. */
export interface CacheEntry<T> {
  key: string;
  storedAt: string;
  etag?: string;
  lastModified?: string;
  value: T;
}

/**
 * A persistent JSON cache: one file per key under `dir/<namespace>/`, written in the background and in place
 * (`put`). A file that does not parse or holds another key (a crash or a concurrent writer half-way) is
 * discarded and fetched again, so several processes may share one folder.
 */
export class DiskCache {
  /** Folders known to exist: a scan writes thousands of entries into 256 folders per namespace. */
  private readonly madeDirs = new Set<string>();

  constructor(readonly dir: string) {}

  private file(namespace: string, key: string): string {
    const h = createHash('sha256').update(key).digest('hex');
    return path.join(this.dir, namespace, h.slice(0, 2), `${h}.json`);
  }

  async get<T>(namespace: string, key: string): Promise<CacheEntry<T> | undefined> {
    const file = this.file(namespace, key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as CacheEntry<T>;
      if (entry && entry.key === key && typeof entry.storedAt === 'string' && 'value' in entry) return entry;
    } catch {
      // truncated or garbage: fall through and drop it
    }
    await fs.rm(file, { force: true }).catch(() => undefined);
    return undefined;
  }

  /**
   * Writes in the background: the caller goes on at once. Queued entries are written a few milliseconds' worth
   * per turn of the event loop, synchronously and in place: on this kind of disk a temp file + rename per entry
   * cost ten times as much (a cold scan writes thousands), and `get` already discards a torn entry (it does not
   * parse, or holds another key). A failed write only loses its entry. `flush()` waits for the queue.
   */
  put<T>(namespace: string, entry: CacheEntry<T>): void {
    this.queue.push({ namespace, entry });
    this.draining ??= new Promise<void>((resolve) => setImmediate(() => this.drain(resolve)));
  }

  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private queue: { namespace: string; entry: CacheEntry<unknown> }[] = [];
  private draining?: Promise<void>;

  private drain(done: () => void): void {
    const until = performance.now() + 8;
    let i = 0;
    while (i < this.queue.length && performance.now() < until) {
      const { namespace, entry } = this.queue[i++];
      try {
        this.writeNow(namespace, entry);
      } catch {
        // a lost entry is fetched again next time
      }
    }
    this.queue = this.queue.slice(i);
    if (this.queue.length) {
      setImmediate(() => this.drain(done));
    } else {
      this.draining = undefined;
      done();
    }
  }

  private writeNow(namespace: string, entry: CacheEntry<unknown>): void {
    const file = this.file(namespace, entry.key);
    const dir = path.dirname(file);
    const text = JSON.stringify(entry);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    try {
      writeFileSync(file, text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.madeDirs.clear(); // the folder went away (cache cleared meanwhile)
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
      writeFileSync(file, text);
    }
  }

  async clear(): Promise<void> {
    await this.flush();
    this.madeDirs.clear();
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** Where the CLI keeps its cache unless told otherwise: `$XDG_CACHE_HOME/trustlens`, else `~/.cache/trustlens`. */
export function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'trustlens');
}
