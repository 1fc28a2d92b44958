/**
 * A branch's history of a project's lockfiles, read with git itself: one `git log` for the commits that changed a
 * lockfile (first-parent: what was on the branch, each merge as the commit that brought its changes in) with the
 * blob ids of the changed files, and one long-running `git cat-file --batch` for the blobs. Nothing is checked out.
 *
 * Repository content is attacker-controlled: paths, subjects and author names are data; git runs without a shell,
 * a pager or the repository's fsmonitor hook.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { CommitInfo } from '../../core/exposure';

/** Git's own options for every call: no pager, no fsmonitor hook from the repository's config. */
const GIT_OPTIONS = ['--no-pager', '-c', 'core.fsmonitor=false', '-c', 'core.quotepath=off'];

export class GitError extends Error {}

/** Runs git and returns its stdout (stderr's first line in the error). */
export function git(cwd: string, args: string[], signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...GIT_OPTIONS, ...args], { cwd, signal, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => reject(new GitError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed (or not on PATH)' : e.message)));
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new GitError(err.trim().split('\n')[0] || `git ${args[0]} exited with ${code}`)),
    );
  });
}

export interface Repository {
  /** The work tree's top directory. */
  top: string;
  /** The project directory relative to `top`, with a trailing slash ('' at the top). */
  prefix: string;
  head: string;
  branch?: string;
  /** A shallow clone: history before its oldest commit is unknown. */
  shallow: boolean;
}

/** The git repository holding `dir`, or a GitError saying why there is none to read. */
export async function openRepository(dir: string, signal?: AbortSignal): Promise<Repository> {
  const lines = (
    await git(dir, ['rev-parse', '--show-toplevel', '--show-prefix', '--is-shallow-repository'], signal).catch((e: Error) => {
      throw new GitError(/not a git repository/i.test(e.message) ? `${dir} is not in a git repository` : e.message);
    })
  )
    .toString('utf8')
    .split('\n');
  const [top, prefix, shallow] = lines;
  const head = (await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], signal).catch(() => Buffer.from(''))).toString('utf8').trim();
  if (!/^[0-9a-f]{40,64}$/.test(head)) throw new GitError(`the git repository at ${top} has no commits yet`);
  const branch = (await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], signal).catch(() => Buffer.from(''))).toString('utf8').trim() || undefined;
  return { top, prefix, head, ...(branch ? { branch } : {}), shallow: shallow === 'true' };
}

/** One commit that changed lockfiles, with the blob each changed lockfile has after it (null: deleted). */
export interface LockfileCommit {
  commit: CommitInfo;
  /** Path relative to the project dir → blob id, or null when the commit removed it. */
  changes: Map<string, string | null>;
}

const FORMAT = '%x1e%H%x00%cI%x00%an%x00%ae%x00%s';

/**
 * The first-parent history of HEAD that touched `files` (paths relative to the project dir), oldest first, and, with
 * `since`, the blobs the files had at the last commit before it (the state the history starts from).
 */
export async function lockfileCommits(
  repo: Repository,
  files: readonly string[],
  opts: { since?: Date; signal?: AbortSignal } = {},
): Promise<{ commits: LockfileCommit[]; base?: LockfileCommit }> {
  const paths = files.map((f) => `${repo.prefix}${f}`);
  const args = ['log', '--first-parent', '--reverse', '-z', '--raw', '--no-abbrev', '--no-renames', `--format=${FORMAT}`];
  if (opts.since) args.push(`--since=${opts.since.toISOString()}`);
  const out = await git(repo.top, [...args, repo.head, '--', ...paths.map((p) => `:(literal)${p}`)], opts.signal);
  const commits = parseLog(out.toString('utf8'), repo.prefix);
  let base: LockfileCommit | undefined;
  if (opts.since) {
    const before = (await git(repo.top, ['rev-list', '-1', '--first-parent', `--before=${opts.since.toISOString()}`, repo.head], opts.signal))
      .toString('utf8')
      .trim();
    if (before) base = await treeState(repo, before, files, opts.signal);
  }
  return { commits, base };
}

/** The blobs of `files` in one commit (as a LockfileCommit whose changes are every file present). */
async function treeState(repo: Repository, commit: string, files: readonly string[], signal?: AbortSignal): Promise<LockfileCommit> {
  const info = (await git(repo.top, ['show', '-s', '-z', `--format=${FORMAT.slice('%x1e'.length)}`, commit], signal)).toString('utf8');
  const listing = (await git(repo.top, ['ls-tree', '-z', commit, '--', ...files.map((f) => `:(literal)${repo.prefix}${f}`)], signal)).toString('utf8');
  const changes = new Map<string, string | null>();
  for (const entry of listing.split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (m && m[2].startsWith(repo.prefix)) changes.set(m[2].slice(repo.prefix.length), m[1]);
  }
  return { commit: commitInfo(info.split('\0')), changes };
}

function commitInfo([hash, date, author, email, subject]: string[]): CommitInfo {
  return { hash, date: new Date(date).toISOString(), author, ...(email ? { email } : {}), subject: subject ?? '' };
}

/** `git log -z --raw` output: records start with \x1e; header fields, then `:modes ids status\0path\0` pairs. */
export function parseLog(text: string, prefix: string): LockfileCommit[] {
  const out: LockfileCommit[] = [];
  for (const record of text.split('\x1e')) {
    if (!record) continue;
    const fields = record.split('\0');
    const commit = commitInfo(fields.slice(0, 5));
    const changes = new Map<string, string | null>();
    const rest = fields.slice(5);
    for (let i = 0; i < rest.length; i++) {
      const meta = rest[i].replace(/^\n/, '');
      const m = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) ([ACDMRTUX])\d*$/.exec(meta);
      if (!m) continue;
      const file = rest[++i] ?? '';
      if (!file.startsWith(prefix)) continue;
      changes.set(file.slice(prefix.length), m[2] === 'D' || /^0+$/.test(m[1]) ? null : m[1]);
    }
    if (changes.size) out.push({ commit, changes });
  }
  return out;
}

/**
 * Reads objects through one `git cat-file --batch` process: `read(name)` takes a blob id or `<commit>:<path>` and
 * gives the bytes, or undefined when there is no such blob (or it is larger than `maxBytes`: its content is skipped).
 */
export class BlobReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private chunks: Buffer[] = [];
  private length = 0;
  private pending?: { size: number; type: string };
  private readonly queue: { resolve: (b: { type: string; body: Buffer } | undefined) => void; reject: (e: Error) => void }[] = [];
  private failed?: Error;

  constructor(
    top: string,
    private readonly maxBytes = 128 * 1024 * 1024,
    /** Bytes of an object id in tree objects: 20 (SHA-1 repositories) or 32 (SHA-256). */
    private readonly oidBytes = 20,
  ) {
    this.child = spawn('git', [...GIT_OPTIONS, 'cat-file', '--batch'], { cwd: top, env: { ...process.env, LC_ALL: 'C' } });
    this.child.stdout.on('data', (d: Buffer) => this.onData(d));
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const q of this.queue.splice(0)) q.reject(e);
    };
    this.child.on('error', (e) => fail(new GitError(e.message)));
    this.child.on('close', () => fail(new GitError('git cat-file ended')));
    this.child.stdin.on('error', () => undefined);
  }

  async read(name: string): Promise<Buffer | undefined> {
    const o = await this.object(name);
    return o?.type === 'blob' ? o.body : undefined;
  }

  /** The names of the sub-directories of a tree (`<commit>:<dir>`); [] when there is none. */
  async subdirectories(name: string): Promise<string[]> {
    const o = await this.object(name);
    if (o?.type !== 'tree') return [];
    const out: string[] = [];
    for (let i = 0; i < o.body.length;) {
      const sp = o.body.indexOf(0x20, i);
      const nul = o.body.indexOf(0, sp);
      if (sp < 0 || nul < 0) break;
      const mode = o.body.subarray(i, sp).toString('latin1');
      if (mode === '40000') out.push(o.body.subarray(sp + 1, nul).toString('utf8'));
      i = nul + 1 + this.oidBytes;
    }
    return out;
  }

  private object(name: string): Promise<{ type: string; body: Buffer } | undefined> {
    if (this.failed) return Promise.reject(this.failed);
    if (/[\n\0]/.test(name)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }

  /** Answers come in request order: `<oid> <type> <size>\n<bytes>\n`, or `<name> missing\n`. Chunks are joined once per object. */
  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.length += d.length;
    for (;;) {
      if (!this.queue.length) return;
      if (!this.pending) {
        const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
        const nl = head.indexOf(10);
        if (nl < 0) {
          this.chunks = [head];
          return;
        }
        const header = head.subarray(0, nl).toString('utf8');
        this.take(head, nl + 1);
        const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
        // missing, ambiguous, or anything else: no content follows.
        if (!m) {
          this.queue.shift()!.resolve(undefined);
          continue;
        }
        this.pending = { size: Number(m[2]), type: m[1] };
      }
      const need = this.pending.size + 1;
      if (this.length < need) return;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
      const { size, type } = this.pending;
      this.pending = undefined;
      const body = size <= this.maxBytes ? Buffer.from(all.subarray(0, size)) : undefined;
      this.take(all, need);
      this.queue.shift()!.resolve(body && { type, body });
    }
  }

  /** Drops the first `n` bytes of `all` (everything buffered). */
  private take(all: Buffer, n: number): void {
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
  }
}
