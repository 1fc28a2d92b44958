import * as semver from 'semver';
import type { PackageSummary, VersionSummary } from './types';

/**
 * A package's release history as of an instant: versions published after `now` do not exist yet.
 * "Earlier" means earlier by publish date; where a registry gives no dates, by semver order.
 */
export class History {
  /** Versions known at `now`, oldest first. */
  readonly releases: VersionSummary[];
  private readonly position = new Map<string, number>();
  /** Each release's place in semver order (versions equal by semver, e.g. differing in build metadata, share one). */
  private readonly rank = new Map<string, number>();
  private readonly prerelease = new Set<string>();
  /** The stable releases and the prereleases, each descending by semver (built when first asked for). */
  private bySemver?: { stable: VersionSummary[]; pre: VersionSummary[] };

  constructor(
    readonly summary: PackageSummary,
    readonly now: Date,
    /** Versions to leave out of the history, e.g. ones already judged untrustworthy. */
    readonly excluded: ReadonlySet<string> = new Set(),
  ) {
    const cutoff = now.getTime();
    // Every version is parsed once here (not once per comparison): sorting and the baseline's searches compare ranks.
    const all: { v: VersionSummary; sv: semver.SemVer; at: number }[] = [];
    for (const v of Object.values(summary.versions)) {
      if (excluded.has(v.version)) continue;
      const sv = semver.parse(v.version);
      if (sv) all.push({ v, sv, at: v.publishedAt === undefined ? NaN : Date.parse(v.publishedAt) });
    }
    const bySemver = all.slice().sort((a, b) => a.sv.compare(b.sv));
    bySemver.forEach((e, i) => {
      const r = i > 0 && bySemver[i - 1].sv.compare(e.sv) === 0 ? this.rank.get(bySemver[i - 1].v.version)! : i;
      this.rank.set(e.v.version, r);
      if (e.sv.prerelease.length > 0) this.prerelease.add(e.v.version);
    });
    const dated = all.every((e) => e.v.publishedAt !== undefined);
    const known = dated ? all.filter((e) => e.at <= cutoff) : all;
    const rank = (e: { v: VersionSummary }) => this.rank.get(e.v.version)!;
    // NaN dates (unparseable) compare as equal, as Date.parse differences did before.
    known.sort(dated ? (a, b) => a.at - b.at || rank(a) - rank(b) : (a, b) => rank(a) - rank(b));
    this.releases = known.map((e) => e.v);
    this.releases.forEach((v, i) => this.position.set(v.version, i));
  }

  /**
   * Releases lower than `version` by semver, in its (stable or prerelease) line kind, highest first (releases equal
   * by semver in the order of `releases`). Lines are contiguous in semver order, so the same release line comes first
   * and the lines below follow.
   */
  belowBySemver(version: string): VersionSummary[] {
    const list = this.semverLists()[this.isPre(version) ? 'pre' : 'stable'];
    return list.slice(this.firstBelow(list, version));
  }

  /** The highest release lower than `version` by semver of the same kind (stable or prerelease). */
  predecessorBySemver(version: string): VersionSummary | undefined {
    const list = this.semverLists()[this.isPre(version) ? 'pre' : 'stable'];
    return list[this.firstBelow(list, version)];
  }

  private isPre(version: string): boolean {
    return this.rank.has(version) ? this.prerelease.has(version) : isPrerelease(version);
  }

  /** The index of the first release of `list` (descending by semver) that is lower than `version`. */
  private firstBelow(list: VersionSummary[], version: string): number {
    const r = this.rank.get(version);
    const below = r !== undefined ? (v: VersionSummary) => this.rank.get(v.version)! < r : (v: VersionSummary) => semver.lt(v.version, version);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (below(list[mid])) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The stable releases and the prereleases, each descending by semver (ties in `releases` order). */
  private semverLists(): { stable: VersionSummary[]; pre: VersionSummary[] } {
    if (!this.bySemver) {
      const sorted = this.releases.slice().sort((a, b) => this.rank.get(b.version)! - this.rank.get(a.version)!);
      this.bySemver = { stable: sorted.filter((v) => !this.prerelease.has(v.version)), pre: sorted.filter((v) => this.prerelease.has(v.version)) };
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
    const pre = this.prerelease.has(version);
    return this.releases.slice(0, i).filter((v) => this.prerelease.has(v.version) === pre);
  }

  /** The release just before `version` in the same (stable or prerelease) line. */
  previous(version: string): VersionSummary | undefined {
    const e = this.earlier(version);
    return e[e.length - 1];
  }
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
