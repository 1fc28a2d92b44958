import * as semver from 'semver';
import type { PackageContext } from './context';
import { type History, describeAge } from './history';
import { installScriptsOf } from './scripts';
import type { Advisory, VersionSummary } from './types';
import { isAffected } from './affected';
import { nonRegistrySpec } from './specs';

/**
 * The release a version is compared with (its baseline), chosen so that an attacker cannot poison it:
 *
 * - the same release line first (same major; same minor below 1.0.0; prereleases only with prereleases), ordered by
 *   semver, never by date alone: a registry's dates can be wrong or hostile, and a baseline that disagrees with
 *   semver order is suspect (the mirror these machines reach scrambles `time`: by date, esbuild@0.28.1 was "after"
 *   0.2.4);
 * - published before a quiet gap: a release published less than the gap before the judged one belongs to the same
 *   burst (an attacker who publishes twice in a row, or republishes four majors within minutes) and is skipped, so a
 *   burst is compared with the last release before it;
 * - not itself flagged: a release that added an install script or a dependency from outside the registry its own
 *   predecessor did not have, that an advisory marks as malicious, or that is deprecated as compromised is skipped;
 * - a new line (its first release, e.g. 2.0.0) is compared with the highest release of the lines below it.
 *
 * Every finding that rests on a comparison names the baseline it used (`describeBaseline`).
 */
export interface Baseline {
  version: string;
  /** How it was chosen, e.g. "the last 1.x release before a 2-day quiet gap". */
  why: string;
  /** Newer releases of the line that were passed over, with the reason. */
  skipped: { version: string; why: string }[];
  /** Its publish date is after the judged release's although it is lower by semver (ordered by semver). */
  datesDisagree?: boolean;
}

/** The quiet gap: the cooldown, at least a day (a zero cooldown must not switch burst protection off), at most a week. */
export function quietGapMs(cooldownMs: number): number {
  return Math.min(Math.max(cooldownMs, 86_400_000), 7 * 86_400_000);
}

/** The release line of a version: `1` for 1.x, `0.28` for 0.28.x (below 1.0.0 every minor is a line). */
export function lineOf(version: string): string {
  const v = semver.parse(version);
  if (!v) return version;
  return v.major === 0 ? `0.${v.minor}` : String(v.major);
}

const lineLabel = (line: string) => `${line}.x`;

const COMPROMISED = /compromis|malicious|malware|hijack|do not (use|install)|security incident/i;

/** Why a release cannot be a baseline on its own account (without looking further back than its own predecessor). */
export function flaggedAsBaseline(history: History, c: VersionSummary, advisories: readonly Advisory[] = []): string | undefined {
  if (advisories.some((a) => a.malware && isAffected(a.affected, c.version))) return 'an advisory marks it as malicious';
  if (c.deprecated && COMPROMISED.test(c.deprecated)) return `deprecated: ${c.deprecated.slice(0, 80)}`;
  const before = semverPredecessor(history, c.version);
  const foreign = before && foreignDependencyAdded(before, c);
  if (foreign) return `it added ${foreign}, from outside the registry, that ${before.version} did not have`;
  const mine = installScriptsOf(c);
  if (Object.keys(mine).length) {
    if (before) {
      const theirs = installScriptsOf(before);
      const added = Object.keys(mine).filter((k) => theirs[k] !== mine[k]);
      if (added.length)
        return `it ${added.map((k) => (theirs[k] === undefined ? `added a ${k} script` : `changed its ${k} script`)).join(' and ')} that ${before.version} did not have`;
    }
  }
  return undefined;
}

/** A dependency (any installing section) from outside the registry that `c` has and `before` had not. */
function foreignDependencyAdded(before: VersionSummary, c: VersionSummary): string | undefined {
  const had = { ...before.peerDependencies, ...before.dependencies, ...before.optionalDependencies };
  const has = { ...c.peerDependencies, ...c.dependencies, ...c.optionalDependencies };
  for (const [name, spec] of Object.entries(has)) if (had[name] !== spec && nonRegistrySpec(spec)) return name;
  return undefined;
}

/** The highest release below `version` in its line (else in the lines below), by semver alone. */
function semverPredecessor(history: History, version: string): VersionSummary | undefined {
  return history.predecessorBySemver(version);
}

/** Candidates in the order they are considered: the line by semver, descending, then the lines below. */
function ordered(history: History, version: string): VersionSummary[] {
  return history.belowBySemver(version);
}

const memo = new WeakMap<History, Map<string, Baseline | null>>();

/**
 * The baseline of `version` in `history`, or undefined for a first release. `gapMs`: the quiet gap (quietGapMs).
 * `advisories` are the package's (a malicious release is never a baseline). Remembered per history.
 */
export function chooseBaseline(history: History, version: string, gapMs: number, advisories: readonly Advisory[] = []): Baseline | undefined {
  let known = memo.get(history);
  if (!known) memo.set(history, (known = new Map()));
  const key = `${version}\0${gapMs}\0${advisories.length}`;
  const hit = known.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const b = choose(history, version, gapMs, advisories);
  known.set(key, b ?? null);
  return b;
}

function choose(history: History, version: string, gapMs: number, advisories: readonly Advisory[]): Baseline | undefined {
  const v = history.get(version);
  if (!v) return undefined;
  const line = lineOf(version);
  const t = v.publishedAt ? Date.parse(v.publishedAt) : NaN;
  const skipped: Baseline['skipped'] = [];
  let laterOtherLine: VersionSummary | undefined;
  let inBurst: VersionSummary | undefined;
  for (const c of ordered(history, version)) {
    const sameLine = lineOf(c.version) === line;
    const flagged = flaggedAsBaseline(history, c, advisories);
    if (flagged) {
      skipped.push({ version: c.version, why: flagged });
      continue;
    }
    const tc = c.publishedAt ? Date.parse(c.publishedAt) : NaN;
    const dated = !Number.isNaN(t) && !Number.isNaN(tc);
    if (dated && tc > t) {
      // Lower by semver, later by date. In the same line the dates are suspect (semver wins); a lower line's
      // later release is a backport that did not exist yet when this one was published.
      if (sameLine) return done(c, `the ${lineLabel(line)} release before it by semver (the registry dates it after ${version}: ordered by semver)`, true);
      laterOtherLine ??= c;
      continue;
    }
    if (dated && t - tc < gapMs) {
      skipped.push({
        version: c.version,
        why: `published ${describeAge(c.publishedAt!, new Date(t))} before it, within the ${describeGap(gapMs)} quiet gap: the same burst`,
      });
      inBurst = c;
      continue;
    }
    const how = sameLine ? `the last ${lineLabel(line)} release` : `the highest release below ${lineLabel(line)} (the first of its line)`;
    return done(c, `${how}${skipped.some((s) => s.why.includes('quiet gap')) ? ` before a ${describeGap(gapMs)} quiet gap` : ''}`);
  }
  // Nothing before the burst (a new package, or a whole history within the gap): the oldest release of the burst.
  if (inBurst) return done(inBurst, `the earliest release of the burst it belongs to (nothing was published before the ${describeGap(gapMs)} quiet gap)`);
  if (laterOtherLine) return done(laterOtherLine, `the highest release below ${lineLabel(line)}`);
  return undefined;

  function done(c: VersionSummary, why: string, datesDisagree = false): Baseline {
    const kept = skipped.filter((s) => s.version !== c.version);
    return { version: c.version, why, skipped: kept, ...(datesDisagree ? { datesDisagree } : {}) };
  }
}

function describeGap(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 1 && Number.isInteger(days) ? `${days}-day` : `${Math.round(ms / 3_600_000)}-hour`;
}

/** The baseline of the version a rule judges (the context's history, cooldown and advisories). */
export function baselineOf(ctx: PackageContext): Baseline | undefined {
  const h = ctx.history;
  if (!h) return undefined;
  return chooseBaseline(h, ctx.version, quietGapMs(ctx.cooldownMs), ctx.advisories);
}

/** The baseline as one line of evidence: "1.5.0 — the last 1.x release before a 2-day quiet gap; passed over 1.5.1 (…)". */
export function describeBaseline(b: Baseline): string {
  const passed = b.skipped.slice(0, 3).map((s) => `${s.version} (${s.why})`);
  const more = b.skipped.length > 3 ? ` and ${b.skipped.length - 3} more` : '';
  return `${b.version} — ${b.why}${passed.length ? `; passed over ${passed.join(', ')}${more}` : ''}`;
}

/** The evidence entry every comparison finding carries. */
export function baselineEvidence(b: Baseline): { label: string; value: string } {
  return { label: 'baseline', value: describeBaseline(b) };
}

/**
 * The release whose verified provenance a version's is compared with: the first release in baseline order (same
 * line, before the quiet gap, not flagged) that has attestations.
 */
export function provenanceBaseline(history: History, version: string, gapMs: number): VersionSummary | undefined {
  const v = history.get(version);
  if (!v) return undefined;
  const t = v.publishedAt ? Date.parse(v.publishedAt) : NaN;
  for (const c of ordered(history, version)) {
    if (!c.attestations || !c.integrity) continue;
    if (flaggedAsBaseline(history, c)) continue;
    const tc = c.publishedAt ? Date.parse(c.publishedAt) : NaN;
    if (!Number.isNaN(t) && !Number.isNaN(tc) && tc <= t && t - tc < gapMs) continue;
    return c;
  }
  return undefined;
}
