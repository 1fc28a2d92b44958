/**
 * Exposure windows: for package versions flagged today, the stretches of a branch's history in which a lockfile
 * locked them — the commit that brought each in, and the one that took it out (or none: still locked). Pure: the
 * history (states of each lockfile, commit by commit) comes from src/engine/git-history.ts, the judgment from a check.
 */
import type { PackageSource } from './model';
import type { Severity } from './trust/types';

export interface CommitInfo {
  hash: string;
  /** Committer date (when it landed on the branch), ISO-8601. */
  date: string;
  author: string;
  email?: string;
  subject: string;
}

/** What a lockfile locked at one commit, reduced to what exposure needs. */
export interface LockedEntry {
  name: string;
  version: string;
  integrity?: string;
  resolved?: string;
  source: PackageSource;
  /** Importers (`.`, workspace dirs) whose graph holds it; empty when the lockfile does not say. */
  workspaces: string[];
}

/** A lockfile's content at a commit: its entries, or unknown (it could not be read: the state before is kept). */
export type LockfileState = { kind: 'entries'; entries: readonly LockedEntry[] } | { kind: 'absent' } | { kind: 'unreadable'; reason: string };

/** One lockfile's history on the branch, oldest first; `initial` is the state before the first step (--since). */
export interface LockfileTrack {
  file: string;
  initial?: { commit: CommitInfo; state: LockfileState };
  steps: { commit: CommitInfo; state: LockfileState }[];
}

/** What makes a locked version worth a window: a name@version, or (integrity-mismatch) one exact hash of it. */
export interface Flagged {
  name: string;
  version: string;
  /** Only the entries locked with this integrity (a hash the registry does not have). */
  integrity?: string;
  reasons: FlagReason[];
}

export interface FlagReason {
  code: string;
  severity: Severity;
  message: string;
  advisory?: { id: string; url?: string; title: string; published?: string; malware: boolean };
}

export interface Window {
  file: string;
  /** The importer (`.`, or a workspace dir); `*` when the lockfile does not attribute entries to importers. */
  workspace: string;
  /** The commit that brought it in; `before` when it was already locked at --since's boundary commit. */
  opened: CommitInfo;
  openedBefore?: boolean;
  /** The commit that took it out; absent: still locked at HEAD. */
  closed?: CommitInfo;
  /** Commits within the window whose lockfile could not be read (the window may have closed and reopened there). */
  unreadable?: { commit: CommitInfo; reason: string }[];
}

/** What was known when a window opened and closed vs now. */
export interface KnownThen {
  /** Hours from the version's publication to the commit that locked it (negative: clock skew or a rewritten date). */
  hoursPublishedBeforeLock?: number;
  advisories: { id: string; published?: string; when: 'before-lock' | 'while-locked' | 'after-window' | 'unknown' }[];
}

/**
 * The windows in which `matches` held for some entry of each lockfile, per workspace. A step whose lockfile cannot
 * be read keeps the state before it (and is named in the windows it falls in): unknown is not "removed".
 */
export function windowsOf(tracks: readonly LockfileTrack[], matches: (e: LockedEntry) => boolean): Window[] {
  const out: Window[] = [];
  for (const t of tracks) {
    const open = new Map<string, Window>();
    const present = (state: LockfileState): Set<string> | undefined => {
      if (state.kind === 'unreadable') return undefined;
      const set = new Set<string>();
      if (state.kind === 'entries') for (const e of state.entries) if (matches(e)) for (const w of e.workspaces.length ? e.workspaces : ['*']) set.add(w);
      return set;
    };
    const apply = (commit: CommitInfo, state: LockfileState, before: boolean) => {
      const now = present(state);
      if (!now) {
        for (const w of open.values()) (w.unreadable ??= []).push({ commit, reason: (state as { reason: string }).reason });
        return;
      }
      for (const [ws, w] of open) {
        if (now.has(ws)) continue;
        w.closed = commit;
        out.push(w);
        open.delete(ws);
      }
      for (const ws of now) if (!open.has(ws)) open.set(ws, { file: t.file, workspace: ws, opened: commit, ...(before ? { openedBefore: true } : {}) });
    };
    if (t.initial) apply(t.initial.commit, t.initial.state, true);
    for (const s of t.steps) apply(s.commit, s.state, false);
    out.push(...open.values());
  }
  return out.sort(byWindow);
}

/**
 * The windows of many flagged versions at once, from the differences between consecutive states: entries are
 * interned by the caller, so a commit that bumps one version changes one entry object, and only changed entries are
 * looked at. Linear in the history's size, whatever the number of versions. Result i belongs to units[i].
 */
export function windowsOfEach(tracks: readonly LockfileTrack[], units: readonly Pick<Flagged, 'name' | 'version' | 'integrity'>[]): Window[][] {
  const byVersion = new Map<string, number[]>();
  units.forEach((u, i) => {
    const k = `${u.name}\0${u.version}`;
    byVersion.set(k, [...(byVersion.get(k) ?? []), i]);
  });
  // entry → the units it locks (computed once per interned entry)
  const hitsOf = new Map<LockedEntry, number[]>();
  const hits = (e: LockedEntry) => {
    let h = hitsOf.get(e);
    if (!h)
      hitsOf.set(
        e,
        (h = (byVersion.get(`${e.name}\0${e.version}`) ?? []).filter((i) => units[i].integrity === undefined || units[i].integrity === e.integrity)),
      );
    return h;
  };
  const out: Window[][] = units.map(() => []);
  for (const t of tracks) {
    // `${unit}\0${workspace}` → how many present entries lock it, and its open window
    const counts = new Map<string, number>();
    const open = new Map<string, { unit: number; window: Window }>();
    let prev = new Set<LockedEntry>();
    const apply = (commit: CommitInfo, state: LockfileState, before: boolean) => {
      if (state.kind === 'unreadable') {
        for (const o of open.values()) (o.window.unreadable ??= []).push({ commit, reason: state.reason });
        return;
      }
      const cur = new Set<LockedEntry>();
      if (state.kind === 'entries') for (const e of state.entries) if (hits(e).length) cur.add(e);
      const each = (e: LockedEntry, f: (key: string, unit: number, ws: string) => void) => {
        for (const i of hits(e)) for (const ws of e.workspaces.length ? e.workspaces : ['*']) f(`${i}\0${ws}`, i, ws);
      };
      // Additions first: an entry replaced by another locking the same version keeps its window open.
      for (const e of cur) {
        if (prev.has(e)) continue;
        each(e, (key, unit, ws) => {
          const n = counts.get(key) ?? 0;
          counts.set(key, n + 1);
          if (n === 0) open.set(key, { unit, window: { file: t.file, workspace: ws, opened: commit, ...(before ? { openedBefore: true } : {}) } });
        });
      }
      for (const e of prev) {
        if (cur.has(e)) continue;
        each(e, (key) => {
          const n = (counts.get(key) ?? 1) - 1;
          if (n > 0) return void counts.set(key, n);
          counts.delete(key);
          const o = open.get(key);
          if (!o) return;
          o.window.closed = commit;
          out[o.unit].push(o.window);
          open.delete(key);
        });
      }
      prev = cur;
    };
    if (t.initial) apply(t.initial.commit, t.initial.state, true);
    for (const st of t.steps) apply(st.commit, st.state, false);
    for (const o of open.values()) out[o.unit].push(o.window);
  }
  return out.map((list) => list.sort(byWindow));
}

const byWindow = (a: Window, b: Window) =>
  a.file.localeCompare(b.file) || Date.parse(a.opened.date) - Date.parse(b.opened.date) || a.workspace.localeCompare(b.workspace);

/** Does a lockfile entry lock this flagged version (and, for a hash flag, with that hash)? */
export function locks(f: Pick<Flagged, 'name' | 'version' | 'integrity'>, e: LockedEntry): boolean {
  return e.name === f.name && e.version === f.version && (f.integrity === undefined || e.integrity === f.integrity);
}

/** What was known at the window's edges: how old the release was when it was locked; when each advisory came out. */
export function knownThen(window: Window, publishedAt: string | undefined, reasons: readonly FlagReason[]): KnownThen {
  const opened = Date.parse(window.opened.date);
  const closed = window.closed ? Date.parse(window.closed.date) : Infinity;
  const published = publishedAt ? Date.parse(publishedAt) : NaN;
  const advisories: KnownThen['advisories'] = [];
  for (const r of reasons) {
    if (!r.advisory) continue;
    const at = r.advisory.published ? Date.parse(r.advisory.published) : NaN;
    const when = Number.isNaN(at)
      ? 'unknown'
      : window.openedBefore
        ? at <= closed
          ? 'while-locked'
          : 'after-window'
        : at <= opened
          ? 'before-lock'
          : at <= closed
            ? 'while-locked'
            : 'after-window';
    if (!advisories.some((a) => a.id === r.advisory!.id))
      advisories.push({ id: r.advisory.id, ...(r.advisory.published ? { published: r.advisory.published } : {}), when });
  }
  return {
    ...(!Number.isNaN(published) && !window.openedBefore ? { hoursPublishedBeforeLock: Math.round(((opened - published) / 3_600_000) * 10) / 10 } : {}),
    advisories,
  };
}

/** The exposure windows of one package for the trust report page: every version of it the history locked. */
export interface PackageExposure {
  /** Why no windows can be shown (not a git repository, no commits, git missing). */
  unavailable?: string;
  windows: (Window & { version: string; flagged: Flagged['reasons'] })[];
  /** Lockfile versions in the history that could not be read. */
  unreadable: number;
  shallow?: boolean;
}
