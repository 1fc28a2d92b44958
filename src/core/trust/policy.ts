import * as semver from 'semver';
import { entries, parseJsonTree, prop, str } from '../json';
import type { ParseProblem } from '../model';
import { isSeverity } from './severity';
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
}

/** The reviewable policy in `.trustlens.jsonc` at the workspace root. */
export interface Policy {
  cooldownDays: number;
  /** Findings at or above this make a version unsafe (safe-version choice). */
  threshold: Severity;
  severity: Partial<Record<FindingCode, Severity>>;
  allow: AllowEntry[];
  downgrade?: DowngradePolicy;
}

export const DEFAULT_POLICY: Policy = { cooldownDays: 2, threshold: 'high', severity: {}, allow: [] };

export const POLICY_FILE = '.trustlens.jsonc';

const isCode = (c: unknown): c is FindingCode => typeof c === 'string' && (FINDING_CODES as readonly string[]).includes(c);

/** Parses `.trustlens.jsonc`. Entries that do not make sense are reported with their position and left out. */
export function parsePolicy(text: string, file = POLICY_FILE): { policy: Policy; problems: ParseProblem[] } {
  const { root, sink } = parseJsonTree(text, file);
  const policy: Policy = { ...DEFAULT_POLICY, severity: {}, allow: [] };
  const bad = (node: { offset: number; length: number }, message: string) => sink.warning('unexpected-type', message, node.offset, node.offset + node.length);
  if (!root) return { policy, problems: sink.problems };
  if (root.type !== 'object') {
    bad(root, `${file} must contain an object`);
    return { policy, problems: sink.problems };
  }
  const cooldown = prop(root, 'cooldownDays');
  if (cooldown) {
    if (cooldown.type === 'number' && (cooldown.value as number) >= 0) policy.cooldownDays = cooldown.value as number;
    else bad(cooldown, '"cooldownDays" must be a number of days, 0 or more');
  }
  const threshold = prop(root, 'threshold');
  if (threshold) {
    if (isSeverity(threshold.value)) policy.threshold = threshold.value;
    else bad(threshold, '"threshold" must be one of info, low, medium, high, critical');
  }
  for (const [key, value] of entries(prop(root, 'severity'))) {
    if (!isCode(key.value)) bad(key, `unknown finding code "${key.value}"`);
    else if (!value || !isSeverity(value.value)) bad(value ?? key, 'severity must be one of info, low, medium, high, critical');
    else policy.severity[key.value] = value.value;
  }
  const downgrade = prop(root, 'downgrade');
  if (downgrade) {
    const scope = prop(downgrade, 'scope');
    const since = prop(downgrade, 'enforceSince');
    const d: DowngradePolicy = {};
    if (downgrade.type !== 'object') bad(downgrade, '"downgrade" must be an object: { "scope": "production" | "all", "enforceSince": "YYYY-MM-DD" }');
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
    policy.allow.push({ package: pkg, code, reason, ...(version ? { version } : {}), ...(expires ? { expires } : {}) });
  }
  return { policy, problems: sink.problems };
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
