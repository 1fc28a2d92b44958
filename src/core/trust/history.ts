import * as semver from 'semver';
import type { PackageSummary, VersionSummary } from './types';

/**
 * A package's release history as of an instant: versions published after `now` do not exist yet.
 * "Earlier" means earlier by publish date; where a registry gives no dates, by semver order.
 */
export class History {
  /** Versions known at `now`, oldest first. */
  readonly releases: VersionSummary[];
  /** The newest publish instant among `releases` (-Infinity when none is dated). */
  readonly newestPublishMs: number;
  /** The first publish instant after `now` (Infinity when nothing is published later): the history holds until then. */
  readonly nextPublishMs: number;
  private readonly position = new Map<string, number>();
  // Per release, by position: its place in semver order (versions equal by semver, e.g. differing only in build
  // metadata, share one), its major, whether it is a prerelease. Typed arrays: a few bytes per version.
  private readonly rank: Int32Array;
  private readonly major: Float64Array;
  private readonly pre: Uint8Array;
  /** Positions of the stable releases and of the prereleases, each descending by semver (built when first asked for). */
  private bySemver?: { stable: Int32Array; pre: Int32Array };

  constructor(
    readonly summary: PackageSummary,
    readonly now: Date,
    /** Versions to leave out of the history, e.g. ones already judged untrustworthy. */
    readonly excluded: ReadonlySet<string> = new Set(),
  ) {
    const cutoff = now.getTime();
    // Every version is parsed once here (not once per comparison): sorting and the baseline's searches compare ranks.
    const all: Parsed[] = [];
    for (const v of Object.values(summary.versions)) {
      if (excluded.has(v.version)) continue;
      const e = parse(v);
      if (e) all.push(e);
    }
    const bySemver = all.slice().sort(compareParsed);
    bySemver.forEach((e, i) => (e.rank = i > 0 && compareParsed(bySemver[i - 1], e) === 0 ? bySemver[i - 1].rank : i));
    let next = Infinity;
    for (const e of all) if (e.at > cutoff && e.at < next) next = e.at;
    this.nextPublishMs = next;
    const dated = all.every((e) => e.v.publishedAt !== undefined);
    const known = dated ? all.filter((e) => e.at <= cutoff) : all;
    // NaN dates (unparseable) compare as equal, as Date.parse differences did before.
    known.sort(dated ? (a, b) => a.at - b.at || a.rank - b.rank : (a, b) => a.rank - b.rank);
    this.releases = known.map((e) => e.v);
    this.rank = Int32Array.from(known, (e) => e.rank);
    this.major = Float64Array.from(known, (e) => e.major);
    this.pre = Uint8Array.from(known, (e) => (e.sv && e.sv.prerelease.length > 0 ? 1 : 0));
    let newest = -Infinity;
    known.forEach((e, i) => {
      this.position.set(e.v.version, i);
      if (e.at > newest) newest = e.at;
    });
    this.newestPublishMs = newest;
  }

  /**
   * Releases lower than `version` by semver, in its (stable or prerelease) line kind, highest first (releases equal
   * by semver in the order of `releases`). Lines are contiguous in semver order, so the same release line comes first
   * and the lines below follow.
   */
  belowBySemver(version: string): VersionSummary[] {
    const list = this.descending(version);
    const out: VersionSummary[] = [];
    for (let i = this.firstBelow(list, version); i < list.length; i++) out.push(this.releases[list[i]]);
    return out;
  }

  /** The highest release lower than `version` by semver of the same kind (stable or prerelease). */
  predecessorBySemver(version: string): VersionSummary | undefined {
    const list = this.descending(version);
    const i = this.firstBelow(list, version);
    return i < list.length ? this.releases[list[i]] : undefined;
  }

  /** The `n` highest stable releases of the given majors, highest first. */
  newestStable(majors: ReadonlySet<number>, n: number): string[] {
    const out: string[] = [];
    for (const i of this.semverLists().stable) {
      if (out.length >= n) break;
      if (majors.has(this.major[i])) out.push(this.releases[i].version);
    }
    return out;
  }

  /** The positions, descending by semver, of the releases of `version`'s kind (stable or prerelease). */
  private descending(version: string): Int32Array {
    const i = this.position.get(version);
    const pre = i !== undefined ? this.pre[i] === 1 : isPrerelease(version);
    return this.semverLists()[pre ? 'pre' : 'stable'];
  }

  /** The index of the first position in `list` (descending by semver) whose release is lower than `version`. */
  private firstBelow(list: Int32Array, version: string): number {
    const at = this.position.get(version);
    const r = at !== undefined ? this.rank[at] : undefined;
    const below = r !== undefined ? (p: number) => this.rank[p] < r : (p: number) => semver.lt(this.releases[p].version, version);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (below(list[mid])) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private semverLists(): { stable: Int32Array; pre: Int32Array } {
    if (!this.bySemver) {
      // Stable sort: releases equal by semver stay in `releases` order.
      const sorted = Array.from(this.releases.keys()).sort((a, b) => this.rank[b] - this.rank[a]);
      this.bySemver = { stable: Int32Array.from(sorted.filter((p) => !this.pre[p])), pre: Int32Array.from(sorted.filter((p) => this.pre[p])) };
    }
    return this.bySemver;
  }

  /** The same history without some versions (they are neither "earlier" nor "previous" for anything). */
  without(versions: ReadonlySet<string>): History {
    return new History(this.summary, this.now, new Set([...this.excluded, ...versions]));
  }

  get(version: string): VersionSummary | undefined {
    const i = this.position.get(version);
    return i === undefined ? undefined : this.releases[i];
  }

  /** Whether the version exists in the registry's document at all, published later than `now` or not. */
  existsAnyTime(version: string): boolean {
    return version in this.summary.versions;
  }

  /** Releases published before `version`; prereleases are compared only with prereleases and stable with stable. */
  earlier(version: string): VersionSummary[] {
    const i = this.position.get(version);
    if (i === undefined) return [];
    const pre = this.pre[i];
    return this.releases.slice(0, i).filter((_, j) => this.pre[j] === pre);
  }

  /** The release just before `version` in the same (stable or prerelease) line. */
  previous(version: string): VersionSummary | undefined {
    const e = this.earlier(version);
    return e[e.length - 1];
  }
}

/** A version as History sorts it: its numbers, and its parsed form when it is more than `x.y.z`. */
interface Parsed {
  v: VersionSummary;
  major: number;
  minor: number;
  patch: number;
  /** semver's parse, for versions with a prerelease, build metadata or a prefix ("v1.0.0"); undefined for plain ones. */
  sv: semver.SemVer | undefined;
  at: number;
  rank: number;
}

/**
 * The version of `v` for sorting, or undefined when semver rejects it. Most releases are a plain `x.y.z`: those are read
 * here without building a SemVer (a warm scan of compass sorts 136,331 versions; building its histories took a tenth
 * of the scan, a third of that in semver's parser).
 */
function parse(v: VersionSummary): Parsed | undefined {
  const at = v.publishedAt === undefined ? NaN : Date.parse(v.publishedAt);
  const plain = plainParts(v.version);
  if (plain) return { v, major: plain[0], minor: plain[1], patch: plain[2], sv: undefined, at, rank: 0 };
  const sv = semver.parse(v.version);
  return sv ? { v, major: sv.major, minor: sv.minor, patch: sv.patch, sv, at, rank: 0 } : undefined;
}

/** semver.compare of two parsed versions. */
function compareParsed(a: Parsed, b: Parsed): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d !== 0) return d < 0 ? -1 : 1;
  if (!a.sv && !b.sv) return 0;
  return (a.sv ?? new semver.SemVer(a.v.version)).compare(b.sv ?? new semver.SemVer(b.v.version));
}

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/**
 * `[major, minor, patch]` of a version that is exactly three dot-separated numbers without leading zeros (what semver
 * reads the same way), each of at most 15 digits (safe integers); undefined for anything else.
 */
export function plainParts(version: string): [number, number, number] | undefined {
  const out: [number, number, number] = [0, 0, 0];
  let part = 0;
  let digits = 0;
  let n = 0;
  for (let i = 0; i < version.length; i++) {
    const c = version.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || part === 2) return undefined;
      out[part++] = n;
      n = 0;
      digits = 0;
    } else if (c >= ZERO && c <= NINE) {
      if (digits === 1 && n === 0) return undefined; // a leading zero
      if (++digits > 15) return undefined;
      n = n * 10 + (c - ZERO);
    } else return undefined;
  }
  if (part !== 2 || digits === 0) return undefined;
  out[2] = n;
  return out;
}

export function isPrerelease(version: string): boolean {
  return (semver.prerelease(version)?.length ?? 0) > 0;
}

/** "2 days", "5 hours", "3 minutes" between two instants. */
export function describeAge(fromIso: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - Date.parse(fromIso));
  const minutes = Math.floor(ms / 60000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.floor(hours / 24);
  if (days < 60) return `${days} day${days === 1 ? '' : 's'}`;
  if (days < 730) return `${Math.floor(days / 30.44)} months`;
  const years = days / 365.25;
  return `${years < 10 ? years.toFixed(1).replace(/\.0$/, '') : Math.floor(years)} years`;
}
