import * as semver from 'semver';
import type { Rule } from '../context';
import { lineOf } from '../baseline';
import { atLeast } from '../severity';
import type { ProvenanceIdentity, Severity, VersionSummary } from '../types';
import { type IdentityRecord, earlierInLine } from '../identity-history';
import { replacedVersion } from '../downgrade-baseline';

/** Trust evidence a packument shows for a version, weakest first (pnpm's ranking, plus staged publishing on top). */
export const EVIDENCE_LEVELS = ['no provenance', 'provenance', 'trusted publisher with provenance', 'staged publish'] as const;
export type EvidenceLevel = (typeof EVIDENCE_LEVELS)[number];

export function evidenceLevel(v: VersionSummary): number {
  if (v.publisher?.approver) return 3;
  if (v.attestations && v.publisher?.trustedPublisher) return 2;
  if (v.attestations) return 1;
  return 0;
}

/** `provenance-invalid`: attestations exist but do not verify, or do not describe this tarball. */
export const provenanceInvalidRule: Rule = (ctx) => {
  if (ctx.provenance?.status !== 'invalid') return [];
  return [
    {
      code: 'provenance-invalid',
      severity: 'critical',
      message: `The provenance of ${ctx.name}@${ctx.version} does not verify: ${shorten(ctx.provenance.reason ?? 'verification failed')}`,
      evidence: [{ label: 'Sigstore verification', value: ctx.provenance.reason ?? 'failed' }],
    },
  ];
};

/**
 * How evidence levels compare for a downgrade: trusted publisher with provenance and provenance alone rank the same
 * (a maintainer publishing with `--provenance` from a token is not a downgrade by itself); dropping provenance, or
 * staged publishing, is.
 */
const DOWNGRADE_RANK = [0, 1, 1, 2];

/**
 * `provenance-downgrade`: weaker trust evidence than the strongest earlier release of the same release line had
 * (a backport on 6.x is not judged by what 7.x does; a line's first release by the line below it). Releases
 * published before the policy's `enforceSince` are not judged, nor dev-only packages when its scope is `production`.
 */
export const provenanceDowngradeRule: Rule = (ctx) => {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  if (!h || !v || !ctx.registry.trustData) return [];
  if (ctx.downgrade?.productionOnly && ctx.locked.dev) return [];
  if (ctx.downgrade?.enforceSince && v.publishedAt && v.publishedAt < ctx.downgrade.enforceSince) return [];
  const level = evidenceLevel(v);
  const anchored = anchoredDowngrade(ctx, v, level);
  if (anchored) return anchored.findings;
  const line = lineOf(ctx.version);
  const earlier = h.earlier(ctx.version);
  const inLine = earlier.filter((e) => lineOf(e.version) === line && semver.lt(e.version, ctx.version));
  const pool = inLine.length ? inLine : earlier.filter((e) => semver.lt(e.version, ctx.version));
  let best: VersionSummary | undefined;
  for (const e of pool) if (!best || evidenceLevel(e) >= evidenceLevel(best)) best = e;
  if (!best || DOWNGRADE_RANK[evidenceLevel(best)] <= DOWNGRADE_RANK[level]) return [];
  return [
    {
      code: 'provenance-downgrade',
      severity: 'high',
      message: `${ctx.name}@${ctx.version} was published with ${EVIDENCE_LEVELS[level]}, weaker than ${best.version} (${EVIDENCE_LEVELS[evidenceLevel(best)]})`,
      evidence: [
        { label: `trust evidence of ${ctx.version}`, value: EVIDENCE_LEVELS[level] },
        { label: `trust evidence of ${best.version}`, value: EVIDENCE_LEVELS[evidenceLevel(best)] },
        { label: `publisher of ${ctx.version}`, value: v.publisher?.name ?? 'unknown' },
        {
          label: 'baseline',
          value: `${best.version} — the strongest earlier release ${inLine.length ? `of ${line}.x` : `below ${line}.x (the first of its line)`}`,
        },
      ],
      baseline: best.version,
    },
  ];
};

/**
 * The downgrade judged against the project's baseline lockfile, when it locks this package: its versions are
 * accepted as they are (no findings), and a version replacing one of them is compared with the version it replaced.
 * Undefined when the baseline does not decide (no baseline, a package new since it, a replaced version the registry
 * no longer lists): the release line decides then.
 */
function anchoredDowngrade(ctx: Parameters<Rule>[0], v: VersionSummary, level: number): { findings: ReturnType<Rule> } | undefined {
  const anchor = ctx.downgradeBaseline;
  if (!anchor?.versions.length) return undefined;
  if (anchor.versions.includes(ctx.version)) return { findings: [] };
  const replaced = replacedVersion(anchor.versions, ctx.version);
  const r = replaced ? ctx.history?.get(replaced) : undefined;
  if (!r) return undefined;
  const was = evidenceLevel(r);
  if (DOWNGRADE_RANK[was] <= DOWNGRADE_RANK[level]) return { findings: [] };
  return {
    findings: [
      {
        code: 'provenance-downgrade',
        severity: 'high',
        message: `${ctx.name}@${ctx.version} was published with ${EVIDENCE_LEVELS[level]}, weaker than ${r.version} (${EVIDENCE_LEVELS[was]}), which it replaces in the baseline ${anchor.source}`,
        evidence: [
          { label: `trust evidence of ${ctx.version}`, value: EVIDENCE_LEVELS[level] },
          { label: `trust evidence of ${r.version}`, value: EVIDENCE_LEVELS[was] },
          { label: `publisher of ${ctx.version}`, value: v.publisher?.name ?? 'unknown' },
          { label: 'baseline', value: `${r.version} — the version the baseline lockfile ${anchor.source} locks, which ${ctx.version} replaces` },
        ],
        baseline: r.version,
      },
    ],
  };
}

function repo(p: ProvenanceIdentity): string {
  return (p.sourceRepository ?? '').replace(/\.git$/, '').toLowerCase();
}

/**
 * Trigger events whose runs can be steered from outside the project (a pull request from a fork, a comment, another
 * workflow's run): a release built from one is how hijacked pipelines publish with valid provenance.
 */
const OUTSIDE_INPUT_EVENTS = new Set([
  'pull_request_target',
  'pull_request',
  'issue_comment',
  'issues',
  'workflow_run',
  'discussion',
  'discussion_comment',
  'fork',
  'watch',
]);

/**
 * `provenance-source-changed` (high): verified provenance names another source repository than the baseline's.
 * `provenance-workflow-changed`: the workflow identity changed although the provenance verifies. The workflow file
 * and ref are compared with the provenance baseline (the last release of the line before the quiet gap that is not
 * flagged and has attestations); the trigger, the runner and the approver with every identity seen before: the
 * baseline's, those the engine remembers from earlier releases of the line it verified (`identityHistory`, kept
 * across checks) and, for approvers, every earlier release's in the registry's history. A value seen before anywhere
 * in that history is no change:
 * - another workflow file, or a branch where it was a tag: medium;
 * - another trigger event: high for one that runs on outside input (pull_request_target, issue_comment,
 *   workflow_run…), else low (push → release or workflow_dispatch is how projects change their release process);
 * - another runner environment (github-hosted → self-hosted): medium;
 * - a staged publish approved by an account that approved none of the earlier staged releases: low when it is a
 *   listed maintainer, else medium;
 * - two of these at once: high (the @antv shape: a workflow_dispatch run on a self-hosted runner).
 */
export const provenanceChangeRule: Rule = (ctx) => {
  const now = ctx.provenance?.status === 'verified' ? ctx.provenance.provenance : undefined;
  const base = ctx.baselineProvenance?.verdict.status === 'verified' ? ctx.baselineProvenance.verdict.provenance : undefined;
  const baseVersion = ctx.baselineProvenance?.version;
  if (now && base && repo(now) && repo(base) && repo(now) !== repo(base)) {
    return [
      {
        code: 'provenance-source-changed',
        severity: 'high',
        message: `${ctx.name}@${ctx.version} was built from ${now.sourceRepository}, but ${baseVersion} was built from ${base.sourceRepository}`,
        evidence: [
          { label: `source of ${ctx.version}`, value: describeBuild(now) },
          { label: `source of ${baseVersion}`, value: describeBuild(base) },
        ],
        ...(baseVersion ? { baseline: baseVersion } : {}),
      },
    ];
  }
  const changes: { what: string; severity: Severity }[] = [];
  if (now && base) {
    if (now.workflowPath && base.workflowPath && now.workflowPath !== base.workflowPath)
      changes.push({ what: `built by ${now.workflowPath}, but ${baseVersion} by ${base.workflowPath}`, severity: 'medium' });
    if (base.sourceRef?.startsWith('refs/tags/') && now.sourceRef?.startsWith('refs/heads/'))
      changes.push({ what: `built from branch ${now.sourceRef}, but ${baseVersion} from tag ${base.sourceRef}`, severity: 'medium' });
  }
  // Trigger and runner: compared with every identity remembered for earlier verified releases of the line, and the
  // baseline's; a value seen before anywhere in that history is no change.
  const remembered = earlierInLine(ctx.identityHistory, ctx.version);
  if (now) {
    const triggers = seenValues(base?.trigger, baseVersion, remembered, (r) => r.trigger);
    if (now.trigger && triggers.values.length && !triggers.values.includes(now.trigger)) {
      const outside = OUTSIDE_INPUT_EVENTS.has(now.trigger) && !triggers.values.some((t) => OUTSIDE_INPUT_EVENTS.has(t));
      changes.push({
        what: `built by a ${now.trigger} run${outside ? ' (a trigger that runs on outside input)' : ''}, but ${describeSeen(triggers, 'run', 'runs', 'by')}`,
        severity: outside ? 'high' : 'low',
      });
    }
    const runners = seenValues(base?.runnerEnvironment, baseVersion, remembered, (r) => r.runner);
    if (now.runnerEnvironment && runners.values.length && !runners.values.includes(now.runnerEnvironment)) {
      changes.push({ what: `built on a ${now.runnerEnvironment} runner, but ${describeSeen(runners, 'one', 'ones', 'on')}`, severity: 'medium' });
    }
  }
  const approver = approverChange(ctx);
  if (approver) changes.push(approver);
  if (!changes.length) return [];
  const worst = changes.reduce<Severity>((m, c) => (atLeast(c.severity, m) ? c.severity : m), 'info');
  const severity: Severity = changes.length >= 2 ? (atLeast(worst, 'high') ? worst : 'high') : worst;
  return [
    {
      code: 'provenance-workflow-changed',
      severity,
      message: `${ctx.name}@${ctx.version} was ${changes.map((c) => c.what).join('; ')}`,
      evidence: [
        ...(now ? [{ label: `build of ${ctx.version}`, value: describeBuild(now) }] : []),
        ...(base && baseVersion ? [{ label: `build of ${baseVersion}`, value: describeBuild(base) }] : []),
        ...changes.map((c) => ({ label: 'changed', value: c.what })),
        // What the remembered history adds beyond the baseline (the baseline's own record says nothing new).
        ...(remembered.some((r) => r.version !== baseVersion)
          ? [{ label: 'identities remembered', value: describeRemembered(remembered.filter((r) => r.version !== baseVersion)) }]
          : []),
      ],
      ...(baseVersion ? { baseline: baseVersion } : {}),
    },
  ];
};

/**
 * A staged publish approved by an account that approved none of the earlier staged releases (`_npmUser.approver`),
 * as the registry's history shows them and as TrustLens remembers them from releases it verified.
 */
function approverChange(ctx: Parameters<Rule>[0]): { what: string; severity: Severity } | undefined {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  const who = v?.publisher?.approver?.name;
  if (!h || !v || !who || !ctx.registry.trustData) return undefined;
  const earlier = h.earlier(ctx.version).filter((e) => e.publisher?.approver);
  const approvals = new Map<string, string>(); // version → approver
  for (const e of earlier) approvals.set(e.version, e.publisher!.approver!.name);
  for (const r of ctx.identityHistory ?? [])
    if (r.approver && semver.valid(r.version) && semver.lt(r.version, ctx.version) && !approvals.has(r.version)) approvals.set(r.version, r.approver);
  if (!approvals.size || [...approvals.values()].includes(who)) return undefined;
  const known = [...new Set(approvals.values())];
  const listed = (v.maintainers ?? []).includes(who) && h.earlier(ctx.version).some((e) => (e.maintainers ?? []).includes(who));
  return {
    what: `approved by ${who}, who approved none of the ${approvals.size} earlier staged releases (${known.slice(0, 3).join(', ')}${known.length > 3 ? ', …' : ''})${listed ? '' : ' and was not a listed maintainer before'}`,
    severity: listed ? 'low' : 'medium',
  };
}

/** The values a field had in the baseline and the remembered releases, and which releases had each. */
interface Seen {
  values: string[];
  versions: string[];
}

function seenValues(
  baseValue: string | undefined,
  baseVersion: string | undefined,
  remembered: readonly IdentityRecord[],
  pick: (r: IdentityRecord) => string | undefined,
): Seen {
  const values: string[] = [];
  const versions: string[] = [];
  const add = (value: string | undefined, version: string | undefined) => {
    if (!value || !version) return;
    if (!values.includes(value)) values.push(value);
    if (!versions.includes(version)) versions.push(version);
  };
  add(baseValue, baseVersion);
  for (const r of remembered) add(pick(r), r.version);
  return { values, versions };
}

/** "1.0.0 by a push run", or "the 3 earlier verified releases TrustLens remembers (1.0.0, 1.0.1, 1.0.2) by push or release runs". */
function describeSeen(seen: Seen, one: string, many: string, prep: string): string {
  if (seen.versions.length === 1) return `${seen.versions[0]} ${prep} a ${seen.values[0]} ${one}`;
  const sorted = [...seen.versions].sort(semver.compare);
  const list = sorted.length > 4 ? `${sorted.slice(0, 2).join(', ')}, …, ${sorted[sorted.length - 1]}` : sorted.join(', ');
  return `the ${sorted.length} earlier verified releases TrustLens remembers (${list}) ${prep} ${seen.values.join(' or ')} ${many}`;
}

function describeRemembered(records: readonly IdentityRecord[]): string {
  const shown = records.slice(-5).map((r) => `${r.version}: ${[r.trigger, r.runner, r.approver && `approved by ${r.approver}`].filter(Boolean).join(', ')}`);
  return `${records.length > 5 ? `${records.length - 5} more, … ` : ''}${shown.join('; ')}`;
}

export function describeBuild(p: ProvenanceIdentity): string {
  const parts = [p.sourceRepository, p.workflowPath, p.sourceRef, p.sourceCommit?.slice(0, 12)].filter(Boolean);
  return parts.join(' · ') || 'unknown';
}

/** The first reason of several, with long hex digests cut to their first 16 digits: a message, not a dump. */
export function shorten(reason: string): string {
  const first = reason.split('; ')[0];
  return first.replace(/\b([0-9a-f]{16})[0-9a-f]{16,}\b/g, '$1…').replace(/(sha512-[A-Za-z0-9+/]{16})[A-Za-z0-9+/=]{16,}/g, '$1…');
}
