import * as semver from 'semver';
import { lineOf } from './baseline';
import type { IdentityRecord, ProvenanceIdentity } from './types';

export type { IdentityRecord };

/** At most this many releases are remembered per package (the highest by semver are kept). */
export const MAX_REMEMBERED = 200;
const MAX_FIELD = 200;

/** The record of a verified release, or undefined when its identity says nothing comparable. */
export function identityRecord(version: string, p: ProvenanceIdentity | undefined, approver?: string): IdentityRecord | undefined {
  const r: IdentityRecord = { version };
  if (p?.trigger) r.trigger = p.trigger;
  if (p?.runnerEnvironment) r.runner = p.runnerEnvironment;
  if (approver) r.approver = approver;
  return r.trigger || r.runner || r.approver ? r : undefined;
}

/**
 * `known` with `add` merged in (a version's newer record replaces its older one), sorted by semver, bounded to the
 * highest MAX_REMEMBERED. Returns `known` itself when nothing changed (callers tell changes by identity).
 */
export function mergeIdentities(known: readonly IdentityRecord[], add: readonly IdentityRecord[], max = MAX_REMEMBERED): readonly IdentityRecord[] {
  const byVersion = new Map(known.map((r) => [r.version, r]));
  let changed = false;
  for (const r of add) {
    const old = byVersion.get(r.version);
    if (old && old.trigger === r.trigger && old.runner === r.runner && old.approver === r.approver) continue;
    byVersion.set(r.version, r);
    changed = true;
  }
  if (!changed) return known;
  return [...byVersion.values()].sort((a, b) => semver.compare(a.version, b.version)).slice(-max);
}

/** Records read back from storage (hostile or torn input is dropped, never trusted): only well-formed ones. */
export function validIdentities(value: unknown): IdentityRecord[] {
  if (!Array.isArray(value)) return [];
  const out: IdentityRecord[] = [];
  const text = (x: unknown) => (typeof x === 'string' && x.length > 0 && x.length <= MAX_FIELD ? x : undefined);
  for (const x of value.slice(0, MAX_REMEMBERED * 2)) {
    if (!x || typeof x !== 'object') continue;
    const o = x as Record<string, unknown>;
    const version = typeof o.version === 'string' && semver.valid(o.version) ? o.version : undefined;
    if (!version) continue;
    const r = identityRecord(version, { predicateType: '', trigger: text(o.trigger), runnerEnvironment: text(o.runner) }, text(o.approver));
    if (r) out.push(r);
  }
  return [...mergeIdentities([], out)];
}

/** The remembered records of releases earlier than `version` in its release line (same major; same minor for 0.x). */
export function earlierInLine(records: readonly IdentityRecord[] | undefined, version: string): IdentityRecord[] {
  if (!records?.length || !semver.valid(version)) return [];
  const line = lineOf(version);
  return records.filter((r) => lineOf(r.version) === line && semver.lt(r.version, version));
}
