import { POLICY_FILE } from '../dependency-files';
import * as semver from 'semver';
import { entries, parseJsonTree, prop, str } from '../json';
import type { ParseProblem, SourceRange } from '../model';
import { parseBaselineSpec } from './baseline-spec';
import { isSeverity, severityRank } from './severity';
import { CODES } from './codes';
import { FINDING_CODES, type FindingCode } from './codes';
import type { Severity } from './types';

export { FINDING_CODES };

export interface AllowEntry {
  package: string;
  /** semver range of versions it covers (default: every version). */
  version?: string;
  code: FindingCode;
  reason: string;
  /** ISO date after which the entry no longer applies. */
  expires?: string;
}

/** Where `provenance-downgrade` applies (pnpm's `trustPolicy` users asked for both). */
export interface DowngradePolicy {
  /** Judge only production dependencies (dev-only packages are not judged for a downgrade). */
  productionOnly?: boolean;
  /** Judge only releases published on or after this date (ISO): when the project adopted the policy. */
  enforceSince?: string;
  /**
   * The lockfile the policy is anchored to: a path inside the project, or `git:REF` (the project's lockfile at that
   * revision). Versions it locks are accepted; one that replaces a locked version is compared with that version.
   */
  baseline?: string;
  /** Where `baseline` is written in the policy file (for the gap when it cannot be read). */
  baselineAt?: { file: string; range: SourceRange };
}

/** The reviewable policy in `.trustlens.jsonc` at the workspace root. */
export interface Policy {
  cooldownDays: number;
  /** Findings at or above this make a version unsafe (safe-version choice). */
  threshold: Severity;
  severity: Partial<Record<FindingCode, Severity>>;
  allow: AllowEntry[];
  /**
   * Severities an untrusted repository's policy asks for, applied only where they raise a finding's severity
   * (Restricted Mode: the repository may make TrustLens stricter, never quieter).
   */
  raise?: Partial<Record<FindingCode, Severity>>;
  downgrade?: DowngradePolicy;
}

/** A finding's severity under the policy: the override, then any raise-only severity on top. */
export function severityUnder(policy: Policy, code: FindingCode, severity: Severity): Severity {
  const set = policy.severity[code] ?? severity;
  const raise = policy.raise?.[code];
  return raise && severityRank(raise) > severityRank(set) ? raise : set;
}

/** Findings a policy may not lower without the reader being told, even in a trusted folder. */
export const NEVER_QUIET: ReadonlySet<FindingCode> = new Set(['malware', 'integrity-mismatch', 'provenance-invalid']);

export const DEFAULT_POLICY: Policy = { cooldownDays: 2, threshold: 'high', severity: {}, allow: [] };

/** What settings outside the policy file say (the editor's `trustlens.*`): the file wins where it says otherwise. */
export type PolicyDefaults = Partial<Pick<Policy, 'cooldownDays' | 'threshold' | 'severity'>>;

/** The policy when the project has no policy file. */
export function policyFrom(base: PolicyDefaults): Policy {
  return {
    cooldownDays: base.cooldownDays ?? DEFAULT_POLICY.cooldownDays,
    threshold: base.threshold ?? DEFAULT_POLICY.threshold,
    severity: { ...base.severity },
    allow: [],
  };
}

export { POLICY_FILE };

const isCode = (c: unknown): c is FindingCode => typeof c === 'string' && (FINDING_CODES as readonly string[]).includes(c);

/**
 * Parses `.trustlens.jsonc`. Entries that do not make sense are reported with their position and left out. What the
 * file does not set comes from `base` (the editor's settings, else the defaults); per-code severities merge.
 */
export function parsePolicy(text: string, file = POLICY_FILE, base: PolicyDefaults = {}): { policy: Policy; own: OwnPolicy; problems: ParseProblem[] } {
  const { root, sink, index } = parseJsonTree(text, file);
  const policy = policyFrom(base);
  const own: OwnPolicy = { severity: {}, allow: [] };
  const bad = (node: { offset: number; length: number }, message: string) => sink.warning('unexpected-type', message, node.offset, node.offset + node.length);
  if (!root) return { policy, own, problems: sink.problems };
  if (root.type !== 'object') {
    bad(root, `${file} must contain an object`);
    return { policy, own, problems: sink.problems };
  }
  const cooldown = prop(root, 'cooldownDays');
  if (cooldown) {
    if (cooldown.type === 'number' && (cooldown.value as number) >= 0) policy.cooldownDays = own.cooldownDays = cooldown.value as number;
    else bad(cooldown, '"cooldownDays" must be a number of days, 0 or more');
  }
  const threshold = prop(root, 'threshold');
  if (threshold) {
    if (isSeverity(threshold.value)) policy.threshold = own.threshold = threshold.value;
    else bad(threshold, '"threshold" must be one of info, low, medium, high, critical');
  }
  for (const [key, value] of entries(prop(root, 'severity'))) {
    if (!isCode(key.value)) bad(key, `unknown finding code "${key.value}"`);
    else if (!value || !isSeverity(value.value)) bad(value ?? key, 'severity must be one of info, low, medium, high, critical');
    else {
      policy.severity[key.value] = own.severity[key.value] = value.value;
      // Lowering these is a decision people must see: shown where it is made, also in a trusted folder.
      if (NEVER_QUIET.has(key.value) && severityRank(value.value) < severityRank(CODES[key.value].severity)) {
        sink.warning(
          'policy-lowers',
          `this policy lowers ${CODES[key.value].title.toLowerCase()} (${key.value}) from ${CODES[key.value].severity} to ${value.value}: such findings will not stop an install or a CI gate as they should`,
          key.offset,
          value.offset + value.length,
        );
      }
    }
  }
  const downgrade = prop(root, 'downgrade');
  if (downgrade) {
    const scope = prop(downgrade, 'scope');
    const since = prop(downgrade, 'enforceSince');
    const anchor = prop(downgrade, 'baseline');
    const d: DowngradePolicy = {};
    if (downgrade.type !== 'object')
      bad(downgrade, '"downgrade" must be an object: { "scope": "production" | "all", "enforceSince": "YYYY-MM-DD", "baseline": "<lockfile path> | git:REF" }');
    if (anchor) {
      const spec = typeof anchor.value === 'string' ? parseBaselineSpec(anchor.value, true) : { error: 'it must be a string' };
      if ('error' in spec) bad(anchor, `"baseline" must be a lockfile path inside the project or git:REF: ${spec.error}`);
      else {
        d.baseline = anchor.value as string;
        d.baselineAt = { file, range: index.range(anchor.offset, anchor.offset + anchor.length) };
      }
    }
    if (scope && scope.value !== 'production' && scope.value !== 'all') bad(scope, '"scope" must be "production" or "all"');
    else if (scope?.value === 'production') d.productionOnly = true;
    if (since && (typeof since.value !== 'string' || Number.isNaN(Date.parse(since.value)))) bad(since, '"enforceSince" must be a date (YYYY-MM-DD)');
    else if (since) d.enforceSince = new Date(since.value as string).toISOString();
    if (Object.keys(d).length) policy.downgrade = d;
  }
  const allow = prop(root, 'allow');
  for (const el of allow?.type === 'array' ? (allow.children ?? []) : []) {
    const pkg = str(prop(el, 'package'));
    const code = prop(el, 'code')?.value;
    const reason = str(prop(el, 'reason'));
    const version = str(prop(el, 'version'));
    const expires = str(prop(el, 'expires'));
    const reasonNode = prop(el, 'reason');
    if (pkg && isCode(code) && reasonNode && reason !== undefined && reason.trim() === '') {
      // What the editor's Allow action leaves for the person to write (a language server cannot ask for text).
      bad(reasonNode, `write why ${pkg}${version ? `@${version}` : ''} is acceptable for ${code}: this entry has no effect until it has a reason`);
      continue;
    }
    if (!pkg || !isCode(code) || !reason) {
      bad(el, 'an allow entry needs "package", a known "code" and a "reason"');
      continue;
    }
    if (version !== undefined && !semver.validRange(version)) {
      bad(prop(el, 'version')!, `"${version}" is not a semver range`);
      continue;
    }
    if (expires !== undefined && Number.isNaN(Date.parse(expires))) {
      bad(prop(el, 'expires')!, `"${expires}" is not a date (use YYYY-MM-DD)`);
      continue;
    }
    const entry = { package: pkg, code, reason, ...(version ? { version } : {}), ...(expires ? { expires } : {}) };
    policy.allow.push(entry);
    own.allow.push(entry);
  }
  return { policy, own, problems: sink.problems };
}

/** What a policy file itself sets (nothing from the defaults). */
export interface OwnPolicy {
  cooldownDays?: number;
  threshold?: Severity;
  severity: Partial<Record<FindingCode, Severity>>;
  allow: AllowEntry[];
}

/**
 * The policy for an untrusted folder (VS Code's Restricted Mode, `trustlens check --untrusted-project`): the
 * repository's file over `base` (the user's own settings) where it makes TrustLens stricter — a longer cooldown, a
 * lower threshold, higher severities — and nothing else: no allow entries, no lowered severity. `ignored` says, in
 * words, each thing the file asked for that was not applied.
 */
export function untrustedPolicy(own: OwnPolicy, base: Policy): { policy: Policy; ignored: string[] } {
  const ignored: string[] = [];
  const policy: Policy = { ...base, severity: { ...base.severity }, allow: [...base.allow], raise: {} };
  if (own.cooldownDays !== undefined) {
    if (own.cooldownDays >= base.cooldownDays) policy.cooldownDays = own.cooldownDays;
    else ignored.push(`a cooldown of ${own.cooldownDays} days (instead of ${base.cooldownDays})`);
  }
  if (own.threshold !== undefined) {
    if (severityRank(own.threshold) <= severityRank(base.threshold)) policy.threshold = own.threshold;
    else ignored.push(`threshold ${own.threshold} (instead of ${base.threshold})`);
  }
  for (const [code, severity] of Object.entries(own.severity) as [FindingCode, Severity][]) {
    const before = base.severity[code] ?? CODES[code].severity;
    // Raise-only: applied per finding, so a finding already above it (some codes vary) keeps its own severity.
    policy.raise![code] = severity;
    if (severityRank(severity) < severityRank(before)) ignored.push(`${code} → ${severity}`);
  }
  if (own.allow.length) ignored.push(`${own.allow.length} allow ${own.allow.length === 1 ? 'entry' : 'entries'}`);
  return { policy, ignored };
}

/**
 * How many of `findings` the repository's own policy would have hidden (an allow entry) or lowered (a severity
 * override below the finding's): what Restricted Mode kept visible.
 */
export function quietedBy(own: OwnPolicy, findings: readonly { package: string; version: string; code: FindingCode; severity: Severity }[], now: Date): number {
  const asPolicy: Policy = { ...DEFAULT_POLICY, severity: {}, allow: own.allow };
  return findings.filter((f) => {
    if (allowFor(asPolicy, f.package, f.version, f.code, now)) return true;
    const s = own.severity[f.code];
    return s !== undefined && severityRank(s) < severityRank(f.severity);
  }).length;
}

/** The allow entry that covers a finding at `now`, if any (expired entries stop applying). */
export function allowFor(policy: Policy, pkg: string, version: string, code: FindingCode, now: Date): AllowEntry | undefined {
  return policy.allow.find(
    (a) =>
      a.package === pkg &&
      a.code === code &&
      (a.version === undefined || semver.satisfies(version, a.version, { includePrerelease: true })) &&
      (a.expires === undefined || Date.parse(a.expires) > now.getTime()),
  );
}
