import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
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
 * A persistent JSON cache that several processes may share: each namespace is a folder of append-only segment
 * files, one line per entry (`<sha-256 of the key> TAB <written at, ms> TAB <entry JSON>`). A process appends
 * only to a segment of its own; on first use of a namespace it reads every segment into an index (key hash →
 * where its newest line is) and afterwards reads single lines at their offset.
 *
 * Why not one file per key (the layout up to 0.1.0): creating a file costs ~0.5 ms of kernel time on an ordinary
 * ext4 disk, and a cold scan of 1,800 packages stores ~1,600 entries: most of a second, on a scan whose two cores
 * are busy anyway. Appending them to one file costs a few milliseconds, and a CI cache (actions/cache) packs and
 * unpacks a few files faster than thousands.
 *
 * Nothing here can make a scan wrong: a torn line (a crash half-way), garbage, or a line for another key is
 * skipped and the entry fetched again; a failed write loses only its entries. When superseded lines outweigh
 * the live ones, or segments pile up, the reader writes the live lines into one new segment and deletes the
 * old ones (only segments nobody has written to for a while: another process may still be appending); lines
 * written more than 30 days ago are left out then.
 */
export class DiskCache {
  private readonly stores = new Map<string, Promise<Store>>();

  constructor(readonly dir: string) {}

  async get<T>(namespace: string, key: string): Promise<CacheEntry<T> | undefined> {
    const hash = hashKey(key);
    const waiting = this.pending.get(namespace)?.get(hash);
    if (waiting && waiting.key === key) return waiting as CacheEntry<T>;
    const store = await this.store(namespace);
    const loc = store.index.get(hash);
    if (!loc) return undefined;
    const entry = await readLine(loc).catch(() => undefined);
    if (entry && entry.key === key && typeof entry.storedAt === 'string' && 'value' in entry) return entry as CacheEntry<T>;
    if (store.index.get(hash) === loc) store.index.delete(hash); // unreadable: fetched again, then stored anew
    return undefined;
  }

  /** Every current entry of a namespace (newest line per key), for inspection and tests. */
  async list(namespace: string): Promise<CacheEntry<unknown>[]> {
    await this.flush();
    const store = await this.store(namespace);
    const out: CacheEntry<unknown>[] = [];
    for (const loc of store.index.values()) {
      const entry = await readLine(loc).catch(() => undefined);
      if (entry && typeof entry.key === 'string' && hashKey(entry.key) === loc.hash) out.push(entry);
    }
    return out;
  }

  /**
   * Stores in the background: the caller goes on at once and a `get` in this process sees the entry at once.
   * Queued entries are appended a turn of the event loop later, all of them in one write. `flush()` waits.
   */
  put<T>(namespace: string, entry: CacheEntry<T>): void {
    let queue = this.pending.get(namespace);
    if (!queue) this.pending.set(namespace, (queue = new Map()));
    queue.set(hashKey(entry.key), entry);
    this.draining ??= new Promise<void>((resolve) => setImmediate(() => void this.drain().finally(resolve)));
  }

  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async clear(): Promise<void> {
    await this.flush();
    const stores = [...this.stores.values()];
    this.stores.clear();
    for (const s of await Promise.allSettled(stores)) if (s.status === 'fulfilled') closeStore(s.value);
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }

  private readonly pending = new Map<string, Map<string, CacheEntry<unknown>>>();
  private draining?: Promise<void>;

  private store(namespace: string): Promise<Store> {
    let s = this.stores.get(namespace);
    if (!s) this.stores.set(namespace, (s = loadStore(path.join(this.dir, namespace))));
    return s;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size) {
        const [namespace, queue] = this.pending.entries().next().value as [string, Map<string, CacheEntry<unknown>>];
        const store = await this.store(namespace);
        const entries = [...queue];
        try {
          appendEntries(store, entries);
        } catch {
          // a lost entry is fetched again next time
        }
        // Entries put while this was written stay queued for the next round.
        for (const [hash, entry] of entries) if (queue.get(hash) === entry) queue.delete(hash);
        if (!queue.size) this.pending.delete(namespace);
      }
    } finally {
      this.draining = undefined;
    }
  }
}

/** Where the CLI keeps its cache unless told otherwise: `$XDG_CACHE_HOME/trustlens`, else `~/.cache/trustlens`. */
export function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'trustlens');
}

interface Segment {
  file: string;
  fd: number;
}

/** Where the newest line of one key is. */
interface Loc {
  hash: string;
  seg: Segment;
  offset: number;
  length: number;
  writtenAt: number;
}

interface Store {
  dir: string;
  index: Map<string, Loc>;
  /** The segment this process appends to (created on the first write). */
  own?: Segment & { size: number };
  /** Every descriptor this store opened, to close them in clear(). */
  fds: number[];
}

const HASH_CHARS = 64;
/** A segment nobody has appended to for this long may be compacted away. */
const QUIET_MS = 10 * 60_000;
/** Compact when this many segments are quiet, or superseded bytes outweigh live ones (and are this many). */
const MAX_QUIET_SEGMENTS = 8;
const MIN_DEAD_BYTES = 1 << 20;
/** A process starts a new segment of its own beyond this size. */
const MAX_SEGMENT_BYTES = 64 << 20;
/**
 * Compaction leaves out lines written longer ago than this, so that a cache shared by many projects over months
 * does not only grow: package histories are written again whenever they are revalidated; a provenance verdict or
 * content analysis not written for that long is computed again the next time it is needed.
 */
const MAX_LINE_AGE_MS = 30 * 86_400_000;
/** Segments are read this much at a time, and compacted lines written in pieces of about this size. */
const SCAN_CHUNK = 1 << 20;

let lastWrite = 0;
/**
 * When a line was written, in ms with microseconds: the newest line of a key wins across segments and processes,
 * and within this process two writes never tie.
 */
function writeClock(): number {
  lastWrite = Math.max(Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000, lastWrite + 0.001);
  return lastWrite;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

async function loadStore(dir: string): Promise<Store> {
  const store: Store = { dir, index: new Map(), fds: [] };
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return store; // nothing cached yet
  }
  // TrustLens up to 0.1.0 kept one file per key in 256 folders named by the hash's first two hex digits.
  for (const legacy of names.filter((n) => /^[0-9a-f]{2}$/.test(n)))
    void fs.promises.rm(path.join(dir, legacy), { recursive: true, force: true }).catch(() => undefined);
  names = names.filter((n) => n.endsWith('.seg')).sort();
  const now = Date.now();
  let dead = 0;
  const quiet = new Set<Segment>();
  for (const name of names) {
    const file = path.join(dir, name);
    let seg: Segment;
    let found: Omit<Loc, 'seg'>[];
    try {
      seg = { file, fd: await call<number>((cb) => fs.open(file, 'r', cb)) };
      store.fds.push(seg.fd);
      const { mtimeMs } = await call<fs.Stats>((cb) => fs.fstat(seg.fd, cb));
      if (now - mtimeMs > QUIET_MS) quiet.add(seg);
      found = await scanSegment(seg.fd);
    } catch {
      continue; // deleted by another process's compaction meanwhile
    }
    for (const line of found) {
      const loc: Loc = { seg, ...line };
      const old = store.index.get(loc.hash);
      if (old && old.writtenAt > loc.writtenAt) {
        dead += loc.length;
        continue;
      }
      if (old) dead += old.length;
      store.index.set(loc.hash, loc);
    }
  }
  const liveBytes = [...store.index.values()].reduce((n, l) => n + l.length, 0);
  if (quiet.size >= MAX_QUIET_SEGMENTS || (quiet.size > 1 && dead > liveBytes && dead > MIN_DEAD_BYTES)) await compact(store, quiet);
  return store;
}

/** A callback API as a promise. */
function call<T>(f: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value))));
}

const readAt = (fd: number, buf: Buffer, position: number): Promise<number> => call<number>((cb) => fs.read(fd, buf, 0, buf.length, position, cb));

/**
 * The well-formed lines of a segment, read a megabyte at a time (a segment is never held whole): a torn last line
 * is left out, a malformed one skipped.
 */
async function scanSegment(fd: number): Promise<Omit<Loc, 'seg'>[]> {
  const out: Omit<Loc, 'seg'>[] = [];
  const chunk = Buffer.allocUnsafe(SCAN_CHUNK);
  let carry = Buffer.alloc(0);
  let position = 0;
  for (;;) {
    const n = await readAt(fd, chunk, position);
    if (n === 0) return out;
    const base = position - carry.length;
    const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
    const used = parseLines(data, base, out);
    carry = Buffer.from(data.subarray(used)); // a copy: `chunk` is read into again
    position += n;
  }
}

/** Adds the well-formed complete lines of `data` (which starts at file offset `base`) to `out`; returns the bytes used. */
function parseLines(data: Buffer, base: number, out: Omit<Loc, 'seg'>[]): number {
  let start = 0;
  for (;;) {
    const end = data.indexOf(10, start);
    if (end < 0) return start;
    const tab = start + HASH_CHARS;
    const tab2 = data.indexOf(9, tab + 1);
    if (end - start > HASH_CHARS + 2 && data[tab] === 9 && tab2 > 0 && tab2 < end) {
      const writtenAt = Number(data.toString('latin1', tab + 1, tab2));
      const hash = data.toString('latin1', start, tab);
      if (Number.isFinite(writtenAt) && /^[0-9a-f]{64}$/.test(hash)) out.push({ hash, offset: base + tab2 + 1, length: end - tab2 - 1, writtenAt });
    }
    start = end + 1;
  }
}

/**
 * Rewrites the live lines of the quiet segments into one new segment (written aside, then renamed into place)
 * and deletes the quiet ones. Lines of recent segments stay where they are. Any failure leaves things as they were.
 */
async function compact(store: Store, quiet: Set<Segment>): Promise<void> {
  const cutoff = Date.now() - MAX_LINE_AGE_MS;
  const moving = [...store.index.values()].filter((l) => quiet.has(l.seg) && l.writtenAt >= cutoff);
  const name = segmentName();
  const tmp = path.join(store.dir, `${name}.tmp`);
  const file = path.join(store.dir, `${name}.seg`);
  const moved: Loc[] = [];
  let fd: number | undefined;
  try {
    const out = await call<number>((cb) => fs.open(tmp, 'w', cb));
    let size = 0;
    let parts: Buffer[] = [];
    let pending = 0;
    const write = async () => {
      const data = Buffer.concat(parts, pending);
      for (let done = 0; done < data.length;) done += await call<number>((cb) => fs.write(out, data, done, data.length - done, null, cb));
      parts = [];
      pending = 0;
    };
    try {
      for (const l of moving) {
        const head = Buffer.from(`${l.hash}\t${l.writtenAt}\t`, 'latin1');
        const body = Buffer.allocUnsafe(l.length);
        if ((await readAt(l.seg.fd, body, l.offset)) !== l.length) continue; // cut short meanwhile: dropped
        moved.push({ ...l, offset: size + head.length });
        parts.push(head, body, NEWLINE);
        pending += head.length + body.length + 1;
        size += head.length + body.length + 1;
        if (pending >= SCAN_CHUNK) await write();
      }
      await write();
    } finally {
      await call<void>((cb) => fs.close(out, (err) => cb(err, undefined)));
    }
    await fs.promises.rename(tmp, file);
    fd = await call<number>((cb) => fs.open(file, 'r', cb));
    store.fds.push(fd);
  } catch {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    return;
  }
  const seg: Segment = { file, fd };
  for (const l of moved) {
    const current = store.index.get(l.hash);
    if (current && quiet.has(current.seg)) store.index.set(l.hash, { ...l, seg });
  }
  // What stayed behind in the quiet segments (too old) goes with them.
  for (const [hash, l] of store.index) if (quiet.has(l.seg)) store.index.delete(hash);
  for (const old of quiet) {
    try {
      fs.unlinkSync(old.file);
    } catch {
      // in use elsewhere (Windows) or already gone: harmless, compacted again later
    }
    fs.close(old.fd, () => undefined);
    store.fds = store.fds.filter((d) => d !== old.fd);
  }
}

const NEWLINE = Buffer.from('\n');

function segmentName(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Appends entries as one write to this process's segment, and points the index at them. */
function appendEntries(store: Store, entries: [string, CacheEntry<unknown>][]): void {
  const own = ownSegment(store);
  const writtenAt = writeClock();
  const parts: Buffer[] = [];
  const locs: Loc[] = [];
  let size = 0;
  for (const [hash, entry] of entries) {
    const head = `${hash}\t${writtenAt}\t`;
    const body = Buffer.from(JSON.stringify(entry), 'utf8');
    locs.push({ hash, seg: own, offset: own.size + size + head.length, length: body.length, writtenAt });
    parts.push(Buffer.from(head, 'latin1'), body, NEWLINE);
    size += head.length + body.length + 1;
  }
  const data = Buffer.concat(parts, size);
  let written = 0;
  try {
    written = fs.writeSync(own.fd, data);
  } finally {
    if (written !== data.length) store.own = undefined; // a short write (disk full): never append after a torn line
  }
  own.size += written;
  for (const l of locs) store.index.set(l.hash, l);
}

function ownSegment(store: Store): Segment & { size: number } {
  const own = store.own;
  // Still there (a cleared cache folder leaves this process appending to a deleted file) and not too big?
  if (own && own.size < MAX_SEGMENT_BYTES && fs.fstatSync(own.fd).nlink > 0) return own;
  fs.mkdirSync(store.dir, { recursive: true });
  const file = path.join(store.dir, `${segmentName()}.seg`);
  const fd = fs.openSync(file, 'a+');
  store.fds.push(fd);
  return (store.own = { file, fd, size: 0 });
}

/** Lines up to this size are read into one buffer kept for the process; longer ones get a buffer of their own. */
const SHARED_READ_BYTES = 4 * 1024 * 1024;
let readBuffer: Buffer | undefined;

/**
 * One line, read synchronously into a buffer this module keeps (lines are in the page cache: microseconds each).
 * A buffer per line (as before) left one ArrayBuffer per entry to the garbage collector: a warm scan of 2,437 package
 * histories held up to 72 MB of them and grew glibc's heap by 56 MB it never returned (compass warm, peak RSS
 * 311-322 MB → 261-263 MB).
 */
function readLine(loc: Loc): Promise<CacheEntry<unknown> | undefined> {
  let buf: Buffer;
  if (loc.length <= SHARED_READ_BYTES) {
    if (!readBuffer || readBuffer.length < loc.length)
      readBuffer = Buffer.allocUnsafeSlow(Math.min(SHARED_READ_BYTES, Math.max(loc.length, 64 * 1024, (readBuffer?.length ?? 0) * 2)));
    buf = readBuffer;
  } else buf = Buffer.allocUnsafeSlow(loc.length);
  let n: number;
  try {
    n = fs.readSync(loc.seg.fd, buf, 0, loc.length, loc.offset);
  } catch (e) {
    return Promise.reject(e);
  }
  try {
    return Promise.resolve(n === loc.length ? (JSON.parse(buf.toString('utf8', 0, n)) as CacheEntry<unknown>) : undefined);
  } catch {
    return Promise.resolve(undefined);
  }
}

function closeStore(store: Store): void {
  for (const fd of store.fds) fs.close(fd, () => undefined);
  store.fds = [];
}
