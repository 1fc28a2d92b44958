import type { KnownThen, Window } from '../../core/exposure';
import { terminalLines, terminalSafeJson } from '../../core/report/terminal';
import { SIGNAL_LABEL } from '../../core/trust/coverage';
import { EngineError } from '../../engine/infra/errors';
import { type ExposureReport, runExposure } from '../../engine/history/exposure';
import { GitError } from '../../engine/history/git-history';
import { UsageError, parseArgs } from '../args';
import { CHECK_BOOLEANS, CHECK_OPTIONS_HELP, CHECK_VALUED, checkOptionsFrom, projectDirFrom } from '../check-options';
import type { Io } from '../io';

export const EXPOSURE_USAGE = `Usage: trustlens exposure [dir] [options]

Walks the git history of the project's lockfiles (the commits on the current branch that
changed one) and, for every package version flagged today (an advisory, malware, or a
finding at or above the threshold, judged once, now), names the commits that brought it
into a lockfile and took it out again, per lockfile and workspace.

Options:
  --since DATE              Only history from DATE on (ISO-8601 or YYYY-MM-DD)
  --format text|json        Output format (default: text)
${CHECK_OPTIONS_HELP}

Exit codes: 0 no flagged version was ever locked (and every version was judged),
1 some flagged version was locked at some point (or some version could not be judged,
unless --allow-incomplete), 2 unusable input (not a git repository, bad options).`;

export async function exposureCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, new Set(['since', 'format', ...CHECK_VALUED]), new Set(['help', ...CHECK_BOOLEANS]));
  if (args.flags.has('help')) {
    io.out(EXPOSURE_USAGE + '\n');
    return 0;
  }
  const format = (args.flags.get('format') as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
  const sinceArg = args.flags.get('since') as string | undefined;
  const since = sinceArg === undefined ? undefined : new Date(sinceArg);
  if (since && Number.isNaN(since.getTime())) throw new UsageError('--since must be a date, e.g. 2025-09-01 or 2025-09-08T13:00:00Z');
  const dir = await projectDirFrom(args, 'exposure');
  const check = await checkOptionsFrom(args, dir);

  let report: ExposureReport;
  try {
    report = await runExposure({ check, since });
  } catch (e) {
    if (e instanceof EngineError || e instanceof GitError) throw new UsageError(e.message);
    throw e;
  }
  io.out(format === 'json' ? terminalSafeJson(toJson(report)) + '\n' : toText(report));
  const incomplete = report.notChecked.length > 0 || report.unreadable.length > 0;
  return report.flagged.length || (incomplete && !check.allowIncomplete) ? 1 : 0;
}

/** The JSON output: the report without its internals (tracks, the check itself). */
export function toJson(r: ExposureReport): object {
  return {
    repository: r.repository,
    since: r.since ?? null,
    evaluatedAt: r.now,
    threshold: r.threshold,
    lockfiles: r.lockfiles,
    flagged: r.flagged,
    notChecked: r.notChecked.map((u) => ({
      package: u.package,
      version: u.version,
      status: u.status,
      signals: u.gaps.map((g) => ({ signal: g.signal, reason: g.reason, ...(g.source ? { source: g.source } : {}) })),
    })),
    unreadable: r.unreadable,
    notes: r.notes,
    stats: r.stats,
  };
}

const day = (iso: string) => iso.slice(0, 10);
const short = (hash: string) => hash.slice(0, 10);

function commitLabel(c: Window['opened']): string {
  return `${day(c.date)} ${short(c.hash)} (${c.author}) "${c.subject.slice(0, 60)}"`;
}

function duration(w: Window, now: string): string {
  const ms = Date.parse(w.closed?.date ?? now) - Date.parse(w.opened.date);
  const days = ms / 86_400_000;
  return days >= 2 ? `${Math.floor(days)} days` : `${Math.max(0, Math.round(ms / 3_600_000))} hours`;
}

function knownLine(k: KnownThen): string | undefined {
  const parts: string[] = [];
  if (k.hoursPublishedBeforeLock !== undefined) {
    const h = k.hoursPublishedBeforeLock;
    parts.push(
      h < 0
        ? 'locked before its recorded publish time'
        : h < 48
          ? `locked ${Math.round(h)} hour${Math.round(h) === 1 ? '' : 's'} after it was published`
          : `locked ${Math.floor(h / 24)} days after it was published`,
    );
  }
  for (const a of k.advisories) {
    const when = {
      'before-lock': 'already public when it was locked',
      'while-locked': 'published while it was locked',
      'after-window': 'published after the window closed',
      unknown: 'publication date unknown',
    }[a.when];
    parts.push(`${a.id} ${when}${a.published ? ` (${day(a.published)})` : ''}`);
  }
  return parts.length ? `known then: ${parts.join('; ')}` : undefined;
}

export function toText(r: ExposureReport): string {
  const lines: string[] = [];
  for (const f of r.flagged) {
    const why = f.reasons.map((x) => `${x.severity.toUpperCase()} ${x.code}${x.advisory ? ` ${x.advisory.id}` : ''}`).join(', ');
    lines.push(`${f.name}@${f.version}${f.integrity ? ` (locked with ${f.integrity.slice(0, 24)}…)` : ''}  ${why}`);
    lines.push(`  ${f.reasons[0].message}`);
    for (const w of f.windows) {
      const where = `${w.file}${w.workspace === '.' ? '' : w.workspace === '*' ? '' : ` [${w.workspace}]`}`;
      lines.push(`  ${where}: ${w.openedBefore ? `already locked at ${commitLabel(w.opened)}` : `locked by ${commitLabel(w.opened)}`}`);
      lines.push(`    ${w.closed ? `removed by ${commitLabel(w.closed)}` : 'still locked at HEAD'} — ${duration(w, r.now)}`);
      const known = knownLine(w.knownThen);
      if (known) lines.push(`    ${known}`);
      for (const u of w.unreadable ?? []) lines.push(`    unknown at ${short(u.commit.hash)}: the lockfile could not be read (${u.reason})`);
    }
  }
  const blank = () => lines.length && lines.push('');
  if (r.notChecked.length) {
    blank();
    lines.push(`Not checked (unknown is not clean; ${r.notChecked.length} entr${r.notChecked.length === 1 ? 'y' : 'ies'}):`);
    for (const u of r.notChecked.slice(0, 50)) {
      const label = u.package === '*' ? '(all packages)' : u.version ? `${u.package}@${u.version}` : u.package;
      lines.push(`  ${label.padEnd(28)} ${u.gaps.map((g) => `${SIGNAL_LABEL[g.signal]}: ${g.reason}`).join('; ')}`);
    }
    if (r.notChecked.length > 50) lines.push(`  …and ${r.notChecked.length - 50} more`);
  }
  if (r.unreadable.length) {
    blank();
    lines.push('Lockfile versions that could not be read (what they locked is unknown):');
    for (const u of r.unreadable.slice(0, 20)) lines.push(`  ${u.file} at ${short(u.commit.hash)} ${day(u.commit.date)}: ${u.reason}`);
  }
  for (const n of r.notes) {
    blank();
    lines.push(`Note: ${n}`);
  }
  blank();
  const windows = r.flagged.reduce((n, f) => n + f.windows.length, 0);
  const scope = r.lockfiles.map((l) => `${l.file} (${l.commits} commits)`).join(', ') || 'no lockfile history';
  lines.push(
    `${r.flagged.length ? `${r.flagged.length} flagged version${r.flagged.length === 1 ? ' was' : 's were'} locked in ${windows} window${windows === 1 ? '' : 's'}` : 'No flagged version was ever locked'}` +
      ` — ${r.stats.versions} versions judged from ${scope}${r.since ? ` since ${day(r.since)}` : ''}, in ${(r.stats.durationMs / 1000).toFixed(1)} s.`,
  );
  return terminalLines(lines) + '\n';
}
