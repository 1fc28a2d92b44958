import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
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
 * A persistent JSON cache: one file per key under `dir/<namespace>/`, written atomically (temp file + rename)
 * so a crash never leaves half an entry. A file that does not parse or holds another key is discarded.
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

  async set<T>(namespace: string, entry: CacheEntry<T>): Promise<void> {
    const file = this.file(namespace, entry.key);
    const dir = path.dirname(file);
    if (!this.madeDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      try {
        await fs.writeFile(tmp, JSON.stringify(entry));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        // the folder went away (cache cleared meanwhile): make it again, once
        this.madeDirs.clear();
        await fs.mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
        await fs.writeFile(tmp, JSON.stringify(entry));
      }
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Writes in the background: the caller goes on at once (a scan's thousands of writes queue in libuv's small
   * thread pool and would otherwise hold each answer back). A failed write only loses that entry. `flush()`
   * waits for every write started so far.
   */
  put<T>(namespace: string, entry: CacheEntry<T>): void {
    const p: Promise<void> = this.set(namespace, entry)
      .catch(() => undefined)
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private readonly pending = new Set<Promise<void>>();

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
