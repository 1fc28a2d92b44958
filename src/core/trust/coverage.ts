import type { InstalledPackage, ProjectModel, SourceRange } from '../model';
import { type LocatedFinding, type ProjectIndex, locateFinding } from '../report/locate';
import { allowFor, type AllowEntry, type Policy, severityUnder } from './policy';
import type { Finding, Severity } from './types';

/**
 * What TrustLens could not judge. A security tool's worst answer is a false "clean": every signal that could not be
 * gathered for a locked version (or for the whole project: an advisory source, a registry's signing keys, the
 * dependency tree itself) is a gap, and every gap is said out loud as a `check-incomplete` finding.
 */
export type Signal =
  /** The registry's history of the package (its packument): without it nothing about the version is known. */
  | 'registry-history'
  /** Advisories (a source failed). */
  | 'advisories'
  /** The registry's ECDSA signatures (its keys could not be had, or a verdict could not be reached). */
  | 'registry-signature'
  /** Sigstore attestations (could not be fetched or verified). */
  | 'provenance'
  /** The tarball (could not be downloaded or read). */
  | 'content'
  /** The lockfile entry itself (unreadable, or from a source TrustLens does not know). */
  | 'lockfile-entry'
  /** The set of versions that would be installed (no lockfile, or a file that could not be read in full). */
  | 'dependency-tree'
  /**
   * Everything about packages the project's own .npmrc routes to a registry of its own: in Restricted Mode that file
   * is ignored, and their names are sent nowhere until the folder is trusted.
   */
  | 'restricted-mode'
  /**
   * The lockfile is out of date for a direct dependency (its range, as typed, is not what the lockfile locks, or the
   * lockfile has no entry): the version the range resolves to now is judged; what that version depends on is not.
   */
  | 'lockfile-outdated'
  /** The history of a dependency the version adds (its packument could not be read). */
  | 'dependencies'
  /**
   * The lockfile `provenance-downgrade` is anchored to (`downgrade.baseline`, `--baseline`) could not be read or
   * parsed: versions are judged against their release line instead.
   */
  | 'downgrade-baseline';

export const SIGNAL_LABEL: Record<Signal, string> = {
  'registry-history': 'registry history',
  advisories: 'advisories',
  'registry-signature': 'registry signature',
  provenance: 'provenance',
  content: 'package contents',
  'lockfile-entry': 'lockfile entry',
  'dependency-tree': 'dependency tree',
  'restricted-mode': 'Restricted Mode',
  'lockfile-outdated': 'lockfile out of date',
  dependencies: 'added dependencies',
  'downgrade-baseline': 'downgrade baseline',
};

/** Without these, nothing about a version is known: it is not judged at all (else it is judged in part). */
const WHOLE: ReadonlySet<Signal> = new Set(['registry-history', 'lockfile-entry', 'restricted-mode']);

export interface Gap {
  /** The package name, or `*` for the whole project (a source that failed for every package). */
  package: string;
  /** The version ('' when unknown, or for the whole project). */
  version: string;
  signal: Signal;
  /** Why, in one line (an error message). */
  reason: string;
  /** What failed, for project-wide gaps: e.g. `https://registry.npmjs.org/ bulk advisories`. */
  source?: string;
  /** Where to show it when it is not a lockfile entry's (e.g. a manifest entry, or the line a parse stopped at). */
  at?: { file: string; range: SourceRange };
  /**
   * Still being gathered (the editor's early result, sent before the tarballs are analysed): unknown for now, and
   * said so, at `info`, until the full result replaces it. A check's final result has no pending gaps.
   */
  pending?: true;
}

/** One version (or the project) and everything that could not be judged about it. */
export interface Uncovered {
  package: string;
  version: string;
  /** `not-judged`: nothing is known; `partly-judged`: the other signals were judged. */
  status: 'not-judged' | 'partly-judged';
  gaps: Gap[];
  /** Every gap is still pending (an early result): see Gap.pending. */
  pending?: true;
}

/** Gaps grouped per name@version (project-wide gaps per source), in the order they were first seen. */
export function uncovered(gaps: readonly Gap[]): Uncovered[] {
  const groups = new Map<string, Uncovered>();
  for (const g of gaps) {
    const key = g.package === '*' ? `*\0${g.signal}\0${g.source ?? g.reason}` : `${g.package}\0${g.version}`;
    let u = groups.get(key);
    if (!u) groups.set(key, (u = { package: g.package, version: g.version, status: 'partly-judged', gaps: [] }));
    if (!u.gaps.some((x) => x.signal === g.signal && x.reason === g.reason)) u.gaps.push(g);
    if (WHOLE.has(g.signal) || g.package === '*') u.status = 'not-judged';
  }
  const out = [...groups.values()];
  for (const u of out) if (u.gaps.every((g) => g.pending)) u.pending = true;
  return out;
}

/** How incompleteness is rated: the policy threshold (so a gate fails), or `info` for people who accept it knowingly. */
export function incompleteSeverity(policy: Policy, allowIncomplete: boolean): Severity {
  if (allowIncomplete) return 'info';
  return severityUnder(policy, 'check-incomplete', policy.severity['check-incomplete'] ?? policy.threshold);
}

/** A one-line message for what was not judged. */
export function describeUncovered(u: Uncovered): string {
  // Restricted Mode says it all in its reason: which packages, and what to do ("trust the folder").
  if (u.package === '*' && u.gaps.every((g) => g.signal === 'restricted-mode')) return u.gaps.map((g) => g.reason).join('; ');
  // So does an out-of-date lockfile: which version was judged instead of the locked one, and what was not.
  if (u.gaps.every((g) => g.signal === 'lockfile-outdated')) return `Lockfile out of date — ${u.gaps.map((g) => g.reason).join('; ')}`;
  const what = u.gaps.map((g) => `${SIGNAL_LABEL[g.signal]}${g.source ? ` (${g.source})` : ''}: ${g.reason}`).join('; ');
  if (u.package === '*') return `Not checked for any package — ${what}`;
  const label = u.version ? `${u.package}@${u.version}` : u.package;
  if (u.pending) return `${label}: ${u.gaps.map((g) => `${SIGNAL_LABEL[g.signal]} still being checked`).join('; ')} — this result is partial until then`;
  return u.status === 'not-judged' ? `${label} was not checked — ${what}` : `${label} was checked only in part — not checked: ${what}`;
}

/**
 * The `check-incomplete` findings of a check: one per version (on its lockfile entry) and one per failed project-wide
 * source (at the top of the lockfile). An unexpired allow entry of the policy covers a version's finding like any other.
 */
export function incompleteFindings(
  gaps: readonly Gap[],
  index: ProjectIndex,
  opts: { policy: Policy; severity: Severity; now: Date },
): { findings: LocatedFinding[]; allowed: { finding: Finding; allow: AllowEntry }[] } {
  const findings: LocatedFinding[] = [];
  const allowed: { finding: Finding; allow: AllowEntry }[] = [];
  for (const u of uncovered(gaps)) {
    const finding: Finding = {
      code: 'check-incomplete',
      // Pending is not a gap yet: shown (unknown stays visible), at info, until the full result replaces it.
      severity: u.pending ? 'info' : opts.severity,
      package: u.package,
      version: u.version,
      message: describeUncovered(u),
      evidence: u.gaps.map((g) => ({
        label: `${SIGNAL_LABEL[g.signal]} ${g.pending ? 'still being checked' : 'not checked'}${g.source ? ` (${g.source})` : ''}`,
        value: g.reason,
      })),
      safeVersion: null,
      ...(u.pending ? { pending: u.pending } : {}),
    };
    const allow = u.package === '*' ? undefined : allowFor(opts.policy, u.package, u.version, 'check-incomplete', opts.now);
    if (allow) {
      allowed.push({ finding, allow });
      continue;
    }
    const at = u.gaps.find((g) => g.at)?.at;
    const located =
      u.package === '*' || index.instances(u.package, u.version).length === 0 ? placedAt(finding, index.model, at) : locateFinding(index, finding);
    findings.push(located);
  }
  return { findings, allowed };
}

/** A finding shown at a given place (or at the top of the lockfile, else of package.json). */
export function placedAt(f: Finding, model: ProjectModel, at?: { file: string; range: SourceRange }): LocatedFinding {
  const file = at?.file ?? model.lockfile?.file ?? model.manifests[0]?.file ?? 'package.json';
  const range = at?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };
  const kind = model.lockfile?.file === file ? 'lockfile' : 'manifest';
  return { ...f, file, line: range.start.line + 1, locations: [{ kind, file, line: range.start.line + 1, range }], packageIds: [], direct: false, via: [] };
}

/** The gap of a lockfile entry that cannot be judged as it stands, or undefined when it can. */
export function entryGap(p: InstalledPackage): Gap | undefined {
  if (p.invalid) return { package: p.name, version: p.version, signal: 'lockfile-entry', reason: p.invalid, at: { file: p.file, range: p.range } };
  return undefined;
}
