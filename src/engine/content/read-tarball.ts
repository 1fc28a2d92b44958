/**
 * Reads an npm tarball in memory: integrity first, then a bounded, streaming walk over the tar entries with
 * tar's Parser. Nothing is written to disk, no path from the archive is ever used as a file-system path, no link
 * is followed, and no content is executed or required: the result is plain data for the content analyzers.
 *
 * Bounds: the compressed input is at most what the HTTP client accepted; inflated bytes stop at
 * `maxInflatedBytes` (a gzip bomb is never inflated past it); file bytes kept stop at `limits.maxBytes`
 * (later files are listed with `skipped: 'over-budget'`); data files over `limits.maxFileBytes` are listed, not
 * read; the whole read stops at `limits.timeoutMs` (partial result, `truncated: 'timeout'`) or when `signal`
 * aborts (EngineError 'aborted').
 *
 * Code comes before data: files that may run (code by extension, extension-less scripts, the manifest's entry
 * points) are read whatever their size while the budget lasts, and when the budget is spent, data files read
 * earlier are dropped to make room for them (a padding of data files ahead of index.js cannot starve it), then
 * the largest code files read earlier: for entry points and the files install hooks name (known once the
 * manifest is read, usually first) any of them, for other code only larger ones. When the read stops before the
 * end of the archive, `unseen` says why: entries after that point were never seen.
 */
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { ReadEntry } from 'tar';
import { lazyModule } from '../../core/lazy-module';
import { entryPoints, mayRun } from '../../core/content/entry-points';
import { type ContentLimits, DEFAULT_CONTENT_LIMITS, type PackageContents, type PackageFile, type SuspiciousPathReason } from '../../core/content/types';
import { EngineError, cancelled } from '../infra/errors';

/** A tarball entry as read: PackageFile with what the tar header said about it (entryType, suspicious, rawPath). */
export type TarballFile = PackageFile;
export type { SuspiciousPathReason };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tar = lazyModule(() => require('tar') as typeof import('tar'));

export interface SuspiciousPath {
  /** The neutralised key in `files` (never leaves the package: `..` → `%2E%2E`, leading `/` → `%2F`). */
  path: string;
  /** The path as the archive wrote it (without the top folder); a string to show, never a path to use. */
  rawPath: string;
  reason: SuspiciousPathReason;
}

export interface TarballContents extends PackageContents {
  files: Map<string, TarballFile>;
  /** Entries whose path tried to leave the package; their files are in `files` under the neutralised path. */
  suspiciousPaths: SuspiciousPath[];
  /** Entry paths seen more than once (the last one wins, as on extraction). */
  duplicates: string[];
  /** Tar warnings (invalid headers, entries outside the top folder, …), at most 50. */
  warnings: string[];
  /** Bytes of tar stream inflated (headers and skipped bodies included). */
  inflatedBytes: number;
}

export interface ReadTarballOptions {
  name: string;
  version: string;
  /** SRI (`sha512-…`, `sha1-…`, several separated by spaces); checked over the compressed bytes before anything else. */
  integrity?: string;
  limits?: Partial<ContentLimits>;
  /** Stop inflating after this many tar-stream bytes (default: max(16 × maxBytes, 64 MB): 320 MB, enough to list every file of the largest real packages, e.g. next at 164 MB unpacked). */
  maxInflatedBytes?: number;
  /** Stop after this many entries (default 200,000). */
  maxEntries?: number;
  /** Stop when the kept paths and link targets add up to more characters than this (default 32 M): names are memory too. */
  maxPathChars?: number;
  signal?: AbortSignal;
}

const MAX_WARNINGS = 50;
/** Code files dropped at most to make room for one file. */
const MAX_DROPS = 64;

/** Files by size, largest on top (a binary heap: the code files that may make room, without sorting per entry). */
class SizeHeap {
  private readonly a: TarballFile[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): TarballFile | undefined {
    return this.a[0];
  }
  push(f: TarballFile): void {
    const a = this.a;
    a.push(f);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p].size >= a[i].size) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): TarballFile | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].size > a[m].size) m = l;
        if (r < a.length && a[r].size > a[m].size) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
const SLICE = 64 * 1024;
const SRI_ALGORITHMS = ['sha512', 'sha384', 'sha256', 'sha1'] as const;

/** Downloaded bytes that do not hash to what the registry published: EngineError 'integrity' with both hashes (SRI). */
export class IntegrityMismatchError extends EngineError {
  constructor(
    message: string,
    /** What the packument says (`dist.integrity`, or `dist.shasum` as sha1). */
    readonly expected: string,
    /** What the bytes hash to, with the same algorithm. */
    readonly actual: string,
  ) {
    super('integrity', message);
  }
}

/**
 * Verifies `data` against an SRI string: the strongest supported algorithm present decides. Throws
 * IntegrityMismatchError when the bytes differ, EngineError('integrity') when the SRI has no usable hash.
 */
export function verifyIntegrity(data: Buffer, integrity: string, label: string): void {
  const byAlgo = new Map<string, string[]>();
  for (const token of integrity.trim().split(/\s+/)) {
    const m = /^([a-z0-9]+)-([A-Za-z0-9+/=_-]+)(\?.*)?$/i.exec(token);
    if (!m) continue;
    const algo = m[1].toLowerCase();
    byAlgo.set(algo, [...(byAlgo.get(algo) ?? []), m[2]]);
  }
  const algo = SRI_ALGORITHMS.find((a) => byAlgo.has(a));
  if (!algo) throw new EngineError('integrity', `integrity of ${label} cannot be checked: "${integrity.slice(0, 40)}" has no sha512/sha384/sha256/sha1 hash`);
  const actual = createHash(algo).update(data).digest();
  const ok = byAlgo.get(algo)!.some((expected) => Buffer.from(expected.replace(/-/g, '+').replace(/_/g, '/'), 'base64').equals(actual));
  if (!ok) {
    const want = `${algo}-${byAlgo.get(algo)![0]}`;
    const got = `${algo}-${actual.toString('base64')}`;
    throw new IntegrityMismatchError(
      `integrity mismatch for ${label}: expected ${want.slice(0, 23)}…, the downloaded tarball is ${got.slice(0, 23)}…`,
      want,
      got,
    );
  }
}

/** `dist.shasum` (hex sha1) as an SRI string, for packuments that predate `dist.integrity`. */
export function sriFromShasum(shasum: string): string | undefined {
  return /^[0-9a-f]{40}$/i.test(shasum) ? `sha1-${Buffer.from(shasum, 'hex').toString('base64')}` : undefined;
}

/**
 * Paths (and link targets) longer than this many characters are kept shortened: no file system holds them (PATH_MAX
 * is 4096 on Linux, less on macOS and Windows), so npm cannot install such a file, and a 1 MB pax path must not
 * become a 1 MB key, message or report line.
 */
export const MAX_PATH_LENGTH = 4096;

/**
 * An archive path → the key used in `files`: the top folder (`package/` or whatever it is) dropped, `.` and empty
 * segments removed, `\` treated as a separator. `..` segments and absolute paths are neutralised (`%2E%2E`,
 * a leading `%2F` segment, drive letters `C%3A`) so the key can never leave the package, and flagged.
 * Control characters (which could drive a terminal that prints a report) become `%XX`; paths over
 * MAX_PATH_LENGTH are shortened (see printablePath). Undefined for entries at the top level itself (npm does not
 * install them).
 */
export function neutralisePath(raw: string): { path: string; suspicious?: SuspiciousPathReason; rawPath: string } | undefined {
  const drive = /^[A-Za-z]:/.test(raw);
  const absolute = drive || /^[\\/]/.test(raw);
  const segments = raw.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (!absolute) segments.shift();
  if (segments.length === 0) return undefined;
  const rawPath = printablePath(absolute ? raw : segments.join('/'));
  const traversal = segments.includes('..');
  if (!absolute && !traversal) return { path: rawPath, rawPath };
  const safe = segments.map((s) => (s === '..' ? '%2E%2E' : s.replace(/:/g, '%3A')));
  return { path: printablePath((absolute && !drive ? ['%2F', ...safe] : safe).join('/')), suspicious: absolute ? 'absolute' : 'traversal', rawPath };
}

/**
 * A path from an archive as it may be kept and shown: C0/C1 control characters as `%XX`, and beyond
 * MAX_PATH_LENGTH its first 200 characters, `…`, a hash of the whole (distinct paths stay distinct) and its
 * extension (so the kind of file is still known).
 */
export function printablePath(p: string): string {
  const visible = p.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (visible.length <= MAX_PATH_LENGTH) return visible;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(visible)?.[0] ?? '';
  return `${visible.slice(0, 200)}…${createHash('sha256').update(visible).digest('hex').slice(0, 16)}${ext}`;
}

/** Reads a (gzipped) npm tarball into PackageContents. See the file comment for the guarantees. */
export async function readTarball(tgz: Buffer, opts: ReadTarballOptions): Promise<TarballContents> {
  const label = `${opts.name}@${opts.version}`;
  if (opts.signal?.aborted) throw cancelled(`reading ${label}`);
  if (opts.integrity) verifyIntegrity(tgz, opts.integrity, label);
  const limits: ContentLimits = { ...DEFAULT_CONTENT_LIMITS, ...definedOnly(opts.limits ?? {}) };
  const maxInflated = opts.maxInflatedBytes ?? Math.max(16 * limits.maxBytes, 64 * 1024 * 1024);
  const maxEntries = opts.maxEntries ?? 200_000;
  const maxPathChars = opts.maxPathChars ?? 32 * 1024 * 1024;
  if (tgz.length < 2) throw new EngineError('bad-response', `${label}: the tarball is empty or too short (${tgz.length} bytes)`);
  const gzipped = tgz[0] === 0x1f && tgz[1] === 0x8b;

  const result: TarballContents = {
    name: opts.name,
    version: opts.version,
    files: new Map(),
    bytesRead: 0,
    unpackedSize: 0,
    fileCount: 0,
    suspiciousPaths: [],
    duplicates: [],
    warnings: [],
    inflatedBytes: 0,
  };
  const warn = (w: string) => {
    if (result.warnings.length < MAX_WARNINGS) result.warnings.push(w);
  };

  return new Promise<TarballContents>((resolve, reject) => {
    let settled = false;
    let reserved = 0; // file bytes promised to files being read
    let entries = 0;
    let pathChars = 0;
    let firstBytes = true;
    /** The file whose bytes are being collected right now, if any. */
    let reading: { file: TarballFile; chunks: Buffer[] } | undefined;
    /** Data files read, newest last: dropped (newest first) when code needs their room. */
    const dataRead: TarballFile[] = [];
    /** Code files read that are neither entry points nor named by an install hook: dropped (largest first) for those. */
    const codeRead = new SizeHeap();
    /** The manifest's entry points and the files its install hooks name, once package.json has been read (usually first). */
    let entries_: Set<string> = new Set();
    let priority: Set<string> = new Set();
    /** Bytes held by dataRead (what dropping data could free). */
    let dataBytes = 0;
    const deadline = Date.now() + limits.timeoutMs;
    const parser = new (tar().Parser)({ strict: false, zstd: false, brotli: false });
    let gunzip: zlib.Gunzip | undefined;

    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      parser.removeAllListeners('entry');
      if (gunzip) {
        gunzip.removeAllListeners('data');
        gunzip.destroy();
      }
    };
    const fail = (e: EngineError) => {
      if (settled) return;
      cleanup();
      reject(e);
    };
    const finish = (truncated?: 'byte-budget' | 'timeout') => {
      if (settled) return;
      cleanup();
      if (reading) {
        // Stopped in the middle of a file: keep it listed, without half its bytes.
        reading.file.skipped = 'over-budget';
        reading = undefined;
      }
      if (truncated) {
        result.truncated = truncated;
        result.unseen = truncated;
      } else if ([...result.files.values()].some((f) => f.skipped === 'over-budget')) result.truncated = 'byte-budget';
      result.manifest = parseManifest(result.files.get('package.json'));
      resolve(result);
    };
    const onAbort = () => fail(cancelled(`reading ${label}`));
    const timer = setTimeout(() => finish('timeout'), limits.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    parser.on('warn', (code: string, message: string) => {
      if (settled) return;
      if (code === 'TAR_BAD_ARCHIVE') {
        const what = /truncated/i.test(message) ? 'the tar archive is truncated' : 'not a tar archive';
        fail(new EngineError('bad-response', `${label}: ${what} (${message})`));
      } else warn(`${code}: ${message}`);
    });
    parser.on('error', (e: Error) => fail(new EngineError('bad-response', `${label}: unreadable tar archive (${e.message})`)));
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      if (!settled && !entry.meta) warn(`ignored entry of type ${entry.type}: ${JSON.stringify(String(entry.path)).slice(0, 200)}`);
    });
    parser.on('end', () => finish());

    parser.on('entry', (entry: ReadEntry) => {
      if (settled) return entry.resume();
      if (++entries > maxEntries) {
        entry.resume();
        warn(`more than ${maxEntries} entries: stopped`);
        return finish('byte-budget');
      }
      const type = entry.type;
      if (type === 'Directory' || type === 'GNUDumpDir') return entry.resume();
      const where = neutralisePath(String(entry.path));
      if (String(entry.path).length > MAX_PATH_LENGTH)
        warn(`a path of ${String(entry.path).length} characters, kept shortened: ${where?.rawPath.slice(0, 200) ?? ''}`);
      if (!where) {
        warn(`entry outside the top folder (npm does not install it): ${JSON.stringify(String(entry.path)).slice(0, 200)}`);
        return entry.resume();
      }
      const size = Number(entry.size) || 0;
      const file: TarballFile = { path: where.path, size, mode: (entry.mode ?? 0) & 0o7777 };
      if (where.suspicious) {
        file.suspicious = where.suspicious;
        file.rawPath = where.rawPath;
        result.suspiciousPaths.push({ path: where.path, rawPath: where.rawPath, reason: where.suspicious });
      }
      pathChars += where.path.length + (where.rawPath === where.path ? 0 : where.rawPath.length);
      if (pathChars > maxPathChars) {
        entry.resume();
        warn(`the entry names add up to more than ${maxPathChars} characters: stopped`);
        return finish('byte-budget');
      }
      if (result.files.has(where.path)) {
        result.duplicates.push(where.path);
        result.files.delete(where.path); // the last one wins, as on extraction; re-inserted in archive order
      }
      result.files.set(where.path, file);

      const regular = type === 'File' || type === 'OldFile' || type === 'ContiguousFile';
      if (!regular) {
        if (type === 'SymbolicLink' || type === 'Link') {
          file.entryType = type === 'Link' ? 'hardlink' : 'symlink';
          file.linkTarget = printablePath(String(entry.linkpath ?? ''));
          pathChars += file.linkTarget.length;
        } else file.entryType = 'other';
        return entry.resume();
      }
      result.fileCount++;
      result.unpackedSize += size;
      // The root package.json is always read (it is what install scripts come from), budget or not.
      const isManifest = where.path === 'package.json' && !where.suspicious;
      const code = !isManifest && !where.suspicious && mayRun(where.path, entries_);
      if (size > limits.maxFileBytes && !code) {
        file.skipped = 'too-large';
        return entry.resume();
      }
      const first = priority.has(where.path);
      const drop = (d: TarballFile, fromCode: boolean) => {
        if (!fromCode) dataBytes -= d.size;
        reserved -= d.size;
        result.bytesRead -= d.data?.length ?? 0;
        d.data = undefined;
        d.skipped = 'over-budget';
      };
      const need = reserved + size - limits.maxBytes;
      if (code && need > 0) {
        // Code before data: every data file read earlier may make room (newest first). Then other code, largest
        // first: for entry points and hook files any of it, for other code only files larger than this one (many
        // small files before a few huge bundles; padding ahead of an entry point is dropped before it is).
        // Nothing is dropped for a file that would not fit even then.
        let freed = dataBytes;
        const taken: TarballFile[] = [];
        while (freed < need && taken.length < MAX_DROPS && codeRead.size && (first || codeRead.peek()!.size > size)) {
          const f = codeRead.pop()!;
          taken.push(f);
          freed += f.size;
        }
        if (freed >= need) {
          while (reserved + size > limits.maxBytes && dataRead.length) drop(dataRead.pop()!, false);
          for (const f of taken) {
            if (reserved + size > limits.maxBytes) drop(f, true);
            else codeRead.push(f);
          }
        } else for (const f of taken) codeRead.push(f);
      }
      if (!isManifest && reserved + size > limits.maxBytes) {
        file.skipped = 'over-budget';
        return entry.resume();
      }
      reserved += size;
      const current = { file, chunks: [] as Buffer[] };
      reading = current;
      entry.on('data', (c: Buffer) => {
        if (reading === current) current.chunks.push(c);
      });
      entry.on('end', () => {
        if (reading !== current) return;
        reading = undefined;
        file.data = Buffer.concat(current.chunks); // a copy: never pin the inflate buffers
        result.bytesRead += file.data.length;
        if (isManifest) {
          const manifest = parseManifest(file);
          entries_ = entryPoints(manifest, result.files);
          priority = new Set([...entries_, ...hookPaths(manifest)]);
        } else if (!code) {
          dataRead.push(file);
          dataBytes += file.size;
        } else if (!first) {
          codeRead.push(file);
        }
      });
    });

    /** One chunk of tar stream (inflated, or raw for an uncompressed tarball). */
    const onTar = (chunk: Buffer) => {
      if (settled) return;
      if (firstBytes && chunk.length > 0) {
        firstBytes = false;
        if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b)
          return fail(new EngineError('bad-response', `${label}: gzip inside gzip is not a tarball`));
      }
      if (Date.now() > deadline) return finish('timeout');
      const room = maxInflated - result.inflatedBytes;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      result.inflatedBytes += part.length;
      try {
        parser.write(part);
      } catch (e) {
        return fail(new EngineError('bad-response', `${label}: unreadable tar archive (${(e as Error).message})`));
      }
      if (chunk.length > room && !settled) {
        warn(`stopped after ${maxInflated} inflated bytes`);
        finish('byte-budget');
      }
    };

    if (gzipped) {
      gunzip = zlib.createGunzip({ chunkSize: SLICE });
      gunzip.on('data', onTar);
      gunzip.on('error', (e: NodeJS.ErrnoException) => {
        const truncated = e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message);
        fail(new EngineError('bad-response', `${label}: ${truncated ? 'the gzip stream is truncated' : 'corrupt gzip data'} (${e.message})`));
      });
      gunzip.on('end', () => {
        if (!settled) parser.end();
      });
      void (async () => {
        for (let off = 0; off < tgz.length && !settled; off += SLICE) {
          if (!gunzip!.write(tgz.subarray(off, off + SLICE))) await drainOrClose(gunzip!);
        }
        if (!settled) gunzip!.end();
      })();
    } else {
      void (async () => {
        for (let off = 0, n = 0; off < tgz.length && !settled; off += SLICE, n++) {
          onTar(tgz.subarray(off, off + SLICE));
          if (n % 16 === 15) await new Promise<void>((r) => setImmediate(r));
        }
        if (!settled) parser.end();
      })();
    }
  });
}

/** Package paths an install hook's command names (`node scripts/x.js`): read before other code. */
function hookPaths(manifest: Record<string, unknown> | undefined): string[] {
  const scripts = manifest?.scripts;
  if (!scripts || typeof scripts !== 'object') return [];
  const out: string[] = [];
  for (const hook of ['preinstall', 'install', 'postinstall']) {
    const cmd = (scripts as Record<string, unknown>)[hook];
    if (typeof cmd !== 'string') continue;
    for (const word of cmd
      .slice(0, 4096)
      .split(/[\s;&|()]+/)
      .slice(0, 200)) {
      const p = word.replace(/^['"]|['"]$/g, '').replace(/^\.\//, '');
      if (p && !p.startsWith('-') && !p.startsWith('/') && !p.includes('..')) out.push(p, `${p}.js`);
    }
  }
  return out;
}

function drainOrClose(stream: zlib.Gunzip): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function parseManifest(file: PackageFile | undefined): Record<string, unknown> | undefined {
  if (!file?.data || file.linkTarget !== undefined) return undefined;
  try {
    const doc: unknown = JSON.parse(file.data.toString('utf8').replace(/^\uFEFF/, ''));
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
