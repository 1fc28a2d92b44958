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

  constructor(
    readonly summary: PackageSummary,
    readonly now: Date,
    /** Versions to leave out of the history, e.g. ones already judged untrustworthy. */
    readonly excluded: ReadonlySet<string> = new Set(),
  ) {
    const cutoff = now.getTime();
    const all = Object.values(summary.versions).filter((v) => semver.valid(v.version) !== null && !excluded.has(v.version));
    const dated = all.every((v) => v.publishedAt !== undefined);
    const known = dated ? all.filter((v) => Date.parse(v.publishedAt!) <= cutoff) : all;
    known.sort(dated ? byDateThenSemver : (a, b) => semver.compare(a.version, b.version));
    this.releases = known;
    known.forEach((v, i) => this.position.set(v.version, i));
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
    const pre = isPrerelease(version);
    return this.releases.slice(0, i).filter((v) => isPrerelease(v.version) === pre);
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

function byDateThenSemver(a: VersionSummary, b: VersionSummary): number {
  return Date.parse(a.publishedAt!) - Date.parse(b.publishedAt!) || semver.compare(a.version, b.version);
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
