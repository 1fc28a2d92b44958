import * as semver from 'semver';
import type { Lockfile } from '../model';
import { lineOf } from './baseline';
import { fromRegistry } from './scope';

export { type BaselineSpec, parseBaselineSpec } from './baseline-spec';

/**
 * The lockfile a project anchors `provenance-downgrade` to when it adopts the policy (`downgrade.baseline` in
 * `.trustlens.jsonc`, or `trustlens check --baseline`): the versions it locked are accepted as they are, and a
 * version that replaces one of them must have at least the trust evidence of the version it replaced.
 */
export interface DowngradeBaseline {
  /** Which baseline, in words: e.g. "package-lock.json at git:origin/main". */
  source: string;
  /** Registry package name → the versions the baseline locks, sorted by semver. */
  versions: ReadonlyMap<string, readonly string[]>;
}

/** The registry versions a parsed baseline lockfile locks, by name. */
export function downgradeBaselineOf(lock: Lockfile, source: string): DowngradeBaseline {
  const byName = new Map<string, Set<string>>();
  for (const p of lock.packages) {
    if (!fromRegistry(p) || p.invalid || !semver.valid(p.version)) continue;
    let s = byName.get(p.name);
    if (!s) byName.set(p.name, (s = new Set()));
    s.add(p.version);
  }
  const versions = new Map<string, readonly string[]>();
  for (const [name, s] of byName) versions.set(name, Object.freeze([...s].sort(semver.compare)));
  return { source, versions };
}

/**
 * The baseline version `version` replaces, of those the baseline locks for its name (sorted): the one of its
 * release line (the highest below it, else the lowest above it), else the highest below it, else the lowest.
 */
export function replacedVersion(locked: readonly string[], version: string): string | undefined {
  if (!locked.length || !semver.valid(version)) return undefined;
  const line = lineOf(version);
  const pick = (list: readonly string[]) => [...list].reverse().find((v) => semver.lt(v, version)) ?? list.find((v) => semver.gt(v, version));
  const inLine = locked.filter((v) => lineOf(v) === line);
  return inLine.length ? pick(inLine) : pick(locked);
}
