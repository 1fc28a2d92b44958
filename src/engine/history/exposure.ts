/**
 * "Were we exposed, and from when to when?" Every version the project's lockfiles held in the branch's history is
 * judged once, now (one check of all of them: advisories, malware, every trust signal); for each flagged one the
 * windows it was locked come from the lockfiles' history (git-history.ts), per lockfile and workspace, with what
 * was known when each window opened and closed.
 *
 * Fast on long histories: only commits that changed a lockfile are read, blobs through one `git cat-file --batch`,
 * each distinct blob parsed once (a lockfile reverted to an earlier text costs nothing), entries interned so a
 * thousand versions of a lockfile share their unchanged entries.
 */
import type { CommitInfo, Flagged, KnownThen, LockedEntry, LockfileState, LockfileTrack, Window } from '../../core/exposure';
import { type PackageExposure, knownThen, windowsOfEach } from '../../core/exposure';

export type { PackageExposure };
import { parseManifest } from '../../core/manifest';
import type { InstalledPackage, Manifest } from '../../core/model';
import { installedPackage } from '../../core/lockfile/installed-package';
import { LOCKFILE_NAMES, parseLockfile } from '../../core/project';
import { integrityVerdict } from '../../core/report/sbom';
import { CODES } from '../../core/trust/codes';
import type { Uncovered } from '../../core/trust/coverage';
import { atLeast } from '../../core/trust/severity';
import { isWorkspaceDir } from '../../core/workspace-glob';
import { runCheck } from '../check/run-check';
import type { CheckOptions, CheckReport } from '../check/types';
import { BlobReader, GitError, type LockfileCommit, type Repository, lockfileCommits, openRepository } from './git-history';

export interface ExposureOptions {
  check: CheckOptions & { now: Date };
  /** Only history from this instant on (windows already open then start at the last commit before it). */
  since?: Date;
  /** Parsed lockfile states by blob, kept between runs by a long-lived caller (the service). */
  cache?: ExposureCache;
}

/** Parses by blob (and, for formats that need them, the manifests' blobs), bounded. */
export class ExposureCache {
  readonly states = new Map<string, LockfileState>();
  readonly entries = new Map<string, LockedEntry>();
  constructor(readonly max = 5000) {}
}

export interface FlaggedExposure extends Flagged {
  publishedAt?: string;
  windows: (Window & { knownThen: KnownThen })[];
}

export interface ExposureReport {
  repository: Omit<Repository, 'prefix'> & { projectDir: string };
  since?: string;
  now: string;
  threshold: string;
  lockfiles: { file: string; commits: number }[];
  /** Flagged versions that were locked at some point, each with its windows; worst first. */
  flagged: FlaggedExposure[];
  /** Versions the history held that could not be judged (unknown is not clean). */
  notChecked: Uncovered[];
  /** Lockfile versions that could not be read: what they locked is unknown. */
  unreadable: { commit: CommitInfo; file: string; reason: string }[];
  notes: string[];
  stats: {
    commits: number;
    blobs: number;
    parsed: number;
    versions: number;
    durationMs: number;
    phases: { git: number; parse: number; judge: number; windows: number };
  };
  /** Every lockfile's states (for windows of any package, e.g. the report page's): not part of the JSON output. */
  tracks: LockfileTrack[];
  /** The check of every version ever locked. */
  check: CheckReport;
}

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };
/** Blobs read ahead of the parser. */
const READ_AHEAD = 4;

export async function runExposure(opts: ExposureOptions): Promise<ExposureReport> {
  const started = performance.now();
  const phases = { git: 0, parse: 0, judge: 0, windows: 0 };
  let mark = started;
  const lap = (k: keyof typeof phases) => {
    const t = performance.now();
    phases[k] += Math.round(t - mark);
    mark = t;
  };
  const history = await readTracks(opts.check.projectDir, { since: opts.since, cache: opts.cache, signal: opts.check.signal });
  const { repo, commits, unreadable, blobs, parsed } = history;
  const used = history.tracks;
  phases.git += history.phases.git;
  phases.parse += history.phases.parse;
  mark = performance.now();

  // Every version ever locked, judged once, now.
  const packages: InstalledPackage[] = [];
  const seen = new Set<string>();
  // Entries are interned and states shared between equal blobs: each object is looked at once.
  const visited = new Set<object>();
  for (const t of used) {
    for (const s of [...(t.initial ? [t.initial] : []), ...t.steps]) {
      if (s.state.kind !== 'entries' || visited.has(s.state.entries)) continue;
      visited.add(s.state.entries);
      for (const e of s.state.entries) {
        if (visited.has(e)) continue;
        visited.add(e);
        const k = `${e.name}\0${e.version}`;
        if (seen.has(k)) continue;
        seen.add(k);
        packages.push(historyPackage(e, packages.length, t.file));
      }
    }
  }
  lap('windows');
  const check = await runCheck({ ...opts.check, packages });
  lap('judge');

  const flagged = flag(check, used);
  const result: FlaggedExposure[] = [];
  const cards = new Map(check.cards.map((c) => [`${c.name}\0${c.version}`, c]));
  for (const [i, windows] of windowsOfEach(used, flagged).entries()) {
    const f = flagged[i];
    if (!windows.length) continue;
    const publishedAt = cards.get(`${f.name}\0${f.version}`)?.publishedAt;
    result.push({ ...f, ...(publishedAt ? { publishedAt } : {}), windows: windows.map((w) => ({ ...w, knownThen: knownThen(w, publishedAt, f.reasons) })) });
  }
  lap('windows');

  const notes: string[] = [];
  if (repo.shallow) notes.push('this is a shallow clone: history before its oldest commit is not known (git fetch --unshallow to read it all)');
  if (!used.length)
    notes.push(
      `no commit on ${repo.branch ?? 'HEAD'} ${opts.since ? `since ${opts.since.toISOString()} ` : ''}touched a lockfile of ${repo.prefix || 'the repository root'}`,
    );
  notes.push(...check.notes);
  const { prefix, ...repository } = repo;
  return {
    repository: { ...repository, projectDir: prefix.replace(/\/$/, '') || '.' },
    ...(opts.since ? { since: opts.since.toISOString() } : {}),
    now: opts.check.now.toISOString(),
    threshold: check.policy.threshold,
    lockfiles: used.map((t) => ({ file: t.file, commits: t.steps.length })),
    flagged: result.sort((a, b) => worst(b) - worst(a) || a.name.localeCompare(b.name) || a.version.localeCompare(b.version)),
    notChecked: check.notChecked,
    unreadable,
    notes,
    stats: { commits, blobs, parsed, versions: packages.length, durationMs: Math.round(performance.now() - started), phases },
    tracks: used,
    check,
  };
}

/** The states of each lockfile of the project, commit by commit (git log + cat-file + one parse per distinct blob). */
export async function readTracks(
  projectDir: string,
  opts: { since?: Date; cache?: ExposureCache; signal?: AbortSignal } = {},
): Promise<{
  repo: Repository;
  tracks: LockfileTrack[];
  unreadable: ExposureReport['unreadable'];
  commits: number;
  blobs: number;
  parsed: number;
  phases: { git: number; parse: number };
}> {
  const phases = { git: 0, parse: 0 };
  let mark = performance.now();
  const lap = (k: keyof typeof phases) => {
    const t = performance.now();
    phases[k] += Math.round(t - mark);
    mark = t;
  };
  const signal = opts.signal;
  const repo = await openRepository(projectDir, signal);
  const { commits, base } = await lockfileCommits(repo, LOCKFILE_NAMES, { since: opts.since, signal });
  lap('git');

  const cache = opts.cache ?? new ExposureCache();
  const reader = new BlobReader(repo.top, undefined, repo.head.length === 64 ? 32 : 20);
  const unreadable: ExposureReport['unreadable'] = [];
  let parsed = 0;
  const blobs = new Set<string>();
  const tracks = new Map<string, LockfileTrack>(LOCKFILE_NAMES.map((f) => [f, { file: f, steps: [] }]));
  try {
    // The states of each lockfile, commit by commit, with a few blobs read ahead of the parser.
    const jobs: { at: LockfileCommit; file: string; blob: string | null; initial: boolean }[] = [];
    if (base) for (const [file, blob] of base.changes) jobs.push({ at: base, file, blob, initial: true });
    for (const c of commits) for (const [file, blob] of c.changes) jobs.push({ at: c, file, blob, initial: false });
    const texts: (Promise<Buffer | undefined> | undefined)[] = [];
    const fetch = (i: number) => {
      const j = jobs[i];
      if (j && j.blob && !cache.states.has(j.blob) && texts[i] === undefined) texts[i] = reader.read(j.blob);
    };
    for (let i = 0; i < READ_AHEAD; i++) fetch(i);
    for (const [i, j] of jobs.entries()) {
      fetch(i + READ_AHEAD);
      const track = tracks.get(j.file)!;
      let state: LockfileState;
      if (!j.blob) state = { kind: 'absent' };
      else {
        blobs.add(j.blob);
        const known = cache.states.get(j.blob);
        if (known) state = known;
        else {
          const bytes = await texts[i];
          texts[i] = undefined;
          lap('git');
          state =
            bytes === undefined
              ? { kind: 'unreadable', reason: 'the blob could not be read (or is larger than 128 MB)' }
              : await parseState(j.file, bytes, j.at.commit.hash, repo, reader, cache);
          parsed++;
          if (!needsManifests(j.file, bytes)) remember(cache, j.blob, state);
          lap('parse');
        }
      }
      if (state.kind === 'unreadable') unreadable.push({ commit: j.at.commit, file: j.file, reason: state.reason });
      if (j.initial) track.initial = { commit: j.at.commit, state };
      else track.steps.push({ commit: j.at.commit, state });
    }
  } finally {
    reader.close();
  }
  const tracksUsed = [...tracks.values()].filter((t) => t.initial || t.steps.length);
  return { repo, tracks: tracksUsed, unreadable, commits: commits.length, blobs: blobs.size, parsed, phases };
}

const RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;
const worst = (f: Flagged) => Math.max(...f.reasons.map((r) => RANK[r.severity]));

/**
 * What is flagged today: every version with an advisory (malware or not), or a finding at or above the policy
 * threshold; and each lockfile hash of a version that is not the registry's (integrity-mismatch, per hash: a
 * history may hold a tampered hash for a version it otherwise locked correctly).
 */
function flag(check: CheckReport, tracks: LockfileTrack[]): Flagged[] {
  const threshold = check.policy.threshold;
  const cards = new Map(check.cards.map((c) => [`${c.name}\0${c.version}`, c]));
  const byVersion = new Map<string, Flagged>();
  for (const f of check.findings) {
    if (f.package === '*' || f.code === 'check-incomplete' || f.code === 'integrity-mismatch') continue;
    const advisory = f.code === 'malware' || f.code === 'vulnerability';
    if (!advisory && !atLeast(f.severity, threshold)) continue;
    const k = `${f.package}\0${f.version}`;
    let x = byVersion.get(k);
    if (!x) byVersion.set(k, (x = { name: f.package, version: f.version, reasons: [] }));
    const a = f.advisory ? cards.get(k)?.advisories.find((y) => y.id === f.advisory!.id) : undefined;
    x.reasons.push({
      code: f.code,
      severity: f.severity,
      message: f.message,
      ...(f.advisory ? { advisory: { ...f.advisory, ...(a?.published ? { published: a.published } : {}), malware: a?.malware ?? f.code === 'malware' } } : {}),
    });
  }
  const out = [...byVersion.values()];
  // Each distinct hash a version was locked with, against the registry's.
  const severity = check.policy.severity['integrity-mismatch'] ?? CODES['integrity-mismatch'].severity;
  if (atLeast(severity, threshold)) {
    const hashes = new Set<string>();
    const unread = new Set(
      check.notChecked
        .filter((u) => u.gaps.some((g) => g.signal === 'registry-history' || g.signal === 'lockfile-entry'))
        .map((u) => `${u.package}\0${u.version}`),
    );
    const seenStates = new Set<object>();
    for (const t of tracks) {
      for (const s of [...(t.initial ? [t.initial] : []), ...t.steps]) {
        if (s.state.kind !== 'entries' || seenStates.has(s.state.entries)) continue;
        seenStates.add(s.state.entries);
        for (const e of s.state.entries) {
          if (seenStates.has(e)) continue;
          seenStates.add(e);
          if (!e.integrity || (e.source !== 'registry' && e.source !== 'unknown')) continue;
          const k = `${e.name}\0${e.version}\0${e.integrity}`;
          if (hashes.has(k)) continue;
          hashes.add(k);
          const card = cards.get(`${e.name}\0${e.version}`);
          const verdict = integrityVerdict(e.integrity, card?.registryIntegrity, !!card && !unread.has(`${e.name}\0${e.version}`));
          if (verdict.status !== 'mismatch') continue;
          out.push({
            name: e.name,
            version: e.version,
            integrity: e.integrity,
            reasons: [
              {
                code: 'integrity-mismatch',
                severity,
                message: `The lockfile's ${verdict.algorithm} of ${e.name}@${e.version} differs from the registry's (${verdict.registry}): the tarball installed was not the one published`,
              },
            ],
          });
        }
      }
    }
  }
  return out;
}

function needsManifests(file: string, bytes: Buffer | undefined): boolean {
  if (file === 'yarn.lock') return true;
  return file !== 'pnpm-lock.yaml' && !!bytes && /"lockfileVersion"\s*:\s*1\b/.test(bytes.subarray(0, 4096).toString('utf8'));
}

function remember(cache: ExposureCache, blob: string, state: LockfileState): void {
  if (cache.states.size >= cache.max) cache.states.clear();
  cache.states.set(blob, state);
}

/** Parses one lockfile text (with the manifests of that commit, for formats that take importers from them). */
async function parseState(file: string, bytes: Buffer, commit: string, repo: Repository, reader: BlobReader, cache: ExposureCache): Promise<LockfileState> {
  const manifests = needsManifests(file, bytes) ? await manifestsAt(commit, repo, reader) : [];
  const lock = parseLockfile(file, bytes.toString('utf8'), manifests);
  const error = lock.problems.find((p) => p.severity === 'error');
  if (lock.packages.length === 0 && error) return { kind: 'unreadable', reason: `line ${error.range.start.line + 1}: ${error.message}` };
  const entries: LockedEntry[] = [];
  for (const p of lock.packages) {
    const ws = [...p.workspaces].sort();
    const k = `${p.name}\0${p.version}\0${p.integrity ?? ''}\0${p.resolved ?? ''}\0${p.source}\0${ws.join('\0')}`;
    let e = cache.entries.get(k);
    if (!e) {
      e = {
        name: p.name,
        version: p.version,
        ...(p.integrity ? { integrity: p.integrity } : {}),
        ...(p.resolved ? { resolved: p.resolved } : {}),
        source: p.source,
        workspaces: ws,
      };
      if (cache.entries.size >= cache.max * 100) cache.entries.clear();
      cache.entries.set(k, e);
    }
    entries.push(e);
  }
  return { kind: 'entries', entries };
}

/** The root package.json at a commit, and the workspaces' that one-level globs (`packages/*`) name. */
async function manifestsAt(commit: string, repo: Repository, reader: BlobReader): Promise<Manifest[]> {
  const text = await reader.read(`${commit}:${repo.prefix}package.json`);
  if (!text) return [];
  const root = parseManifest(text.toString('utf8'), 'package.json');
  const out = [root];
  for (const glob of root.workspaces) {
    const m = /^(?:\.\/)?([^*?{[!]*?)\/?\*$/.exec(glob);
    if (!m) continue;
    const dir = m[1].replace(/\/+$/, '');
    for (const name of await reader.subdirectories(`${commit}:${repo.prefix}${dir}`)) {
      const rel = dir ? `${dir}/${name}` : name;
      if (!isWorkspaceDir(rel, root.workspaces)) continue;
      const ws = await reader.read(`${commit}:${repo.prefix}${rel}/package.json`);
      if (ws) out.push(parseManifest(ws.toString('utf8'), `${rel}/package.json`));
    }
  }
  return out;
}

/**
 * Windows of every version of `name` the project's lockfiles held, each with what flags it today (an advisory, or a
 * finding at or above the threshold): a check of those versions only, with the caller's session.
 */
export async function packageExposure(check: CheckOptions, name: string, cache: ExposureCache): Promise<PackageExposure> {
  let history: Awaited<ReturnType<typeof readTracks>>;
  try {
    history = await readTracks(check.projectDir, { cache, signal: check.signal });
  } catch (e) {
    if (e instanceof GitError) return { unavailable: e.message, windows: [], unreadable: 0 };
    throw e;
  }
  const versions = new Map<string, LockedEntry>();
  for (const t of history.tracks) {
    for (const s of [...(t.initial ? [t.initial] : []), ...t.steps]) {
      if (s.state.kind === 'entries') for (const e of s.state.entries) if (e.name === name && !versions.has(e.version)) versions.set(e.version, e);
    }
  }
  const list = [...versions.values()];
  const judged = list.length
    ? await runCheck({
        ...check,
        packages: list.map((e, i) => historyPackage(e, i, 'history')),
      })
    : undefined;
  const flags = judged
    ? flag(
        judged,
        history.tracks.map((t) => ({ ...t })),
      )
    : [];
  const units = list.map((e) => ({ name, version: e.version }));
  const windows: PackageExposure['windows'] = [];
  for (const [i, ws] of windowsOfEach(history.tracks, units).entries()) {
    const reasons = flags.filter((f) => f.version === units[i].version && f.name === name).flatMap((f) => f.reasons);
    for (const w of ws) windows.push({ ...w, version: units[i].version, flagged: reasons });
  }
  windows.sort((a, b) => Date.parse(a.opened.date) - Date.parse(b.opened.date) || a.file.localeCompare(b.file));
  return { windows, unreadable: history.unreadable.length, ...(history.repo.shallow ? { shallow: true } : {}) };
}

/** A version some lockfile of the history locked, as a package for a check of those versions alone. */
function historyPackage(e: LockedEntry, i: number, file: string): InstalledPackage {
  return installedPackage({
    id: `history:${i}`,
    name: e.name,
    version: e.version,
    integrity: e.integrity,
    resolved: e.resolved,
    source: e.source,
    dependencies: [],
    file,
    range: ZERO,
  });
}
