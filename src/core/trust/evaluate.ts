import type { PackageContext, RawFinding, Rule } from './context';
import { allowFor, type AllowEntry, type Policy, severityUnder } from './policy';
import { advisoryRule } from './rules/advisories';
import { installScriptRule } from './rules/install-scripts';
import { newDependencyRule } from './rules/new-dependency';
import { integrityRule } from './rules/integrity';
import { lockfileEntryRule } from './rules/lockfile-entry';
import { provenanceChangeRule, provenanceDowngradeRule, provenanceInvalidRule } from './rules/provenance';
import { publisherRule } from './rules/publisher';
import { registryFactsRule } from './rules/registry-facts';
import { releaseAgeRule } from './rules/release-age';
import { signatureRule } from './rules/signature';
import { sourceRule } from './rules/source';
import { chooseSafeVersion } from './safe-version';
import { severityRank } from './severity';
import type { Finding } from './types';

/** Findings of content analysis, made in the engine (tarballs are I/O); here they join the others. */
const contentRule: Rule = (ctx) => ctx.contentFindings ?? [];
/** Findings of the correlation stage across packages (src/engine/correlation-stage.ts). */
const correlationRule: Rule = (ctx) => ctx.correlatedFindings ?? [];

/** Every rule, in the order their findings are listed. */
export const RULES: Rule[] = [
  correlationRule,
  contentRule,
  advisoryRule,
  integrityRule,
  lockfileEntryRule,
  provenanceInvalidRule,
  signatureRule,
  provenanceDowngradeRule,
  provenanceChangeRule,
  sourceRule,
  installScriptRule,
  newDependencyRule,
  publisherRule,
  registryFactsRule,
  releaseAgeRule,
];

/** The rules that need nothing beyond the registry's document and advisories: they judge candidate versions too. */
export const CANDIDATE_RULES: Rule[] = [advisoryRule, provenanceDowngradeRule, installScriptRule, newDependencyRule, publisherRule, registryFactsRule];

export interface Evaluation {
  findings: Finding[];
  /** Findings an unexpired allow entry of the policy covers, with the entry. */
  allowed: { finding: Finding; allow: AllowEntry }[];
}

/** Which rules judge a version, and which of them judge the candidates for a safe version. */
export interface RuleSet {
  rules: Rule[];
  candidates: Rule[];
}

export const ALL_RULES: RuleSet = { rules: RULES, candidates: CANDIDATE_RULES };
/** `trustlens check --advisories-only`: what npm audit judges, nothing else. */
export const ADVISORY_RULES: RuleSet = { rules: [advisoryRule], candidates: [advisoryRule] };

/**
 * One finding per cause: a hook the registry's metadata shows as added or changed (`install-script-added`) and the
 * same hook as content analysis judged it (`content-install-hook`) are one finding. The metadata's code survives —
 * it is there for every version, whether or not the tarball was read, so policy overrides, allow entries and SARIF
 * rules name the cause the same way either way — and the content finding enriches it: its severity (it knows what
 * the hook runs: a well-known tool is low, new code that reaches for the network or credentials high), its message
 * and its evidence, followed by the metadata's. `content-install-hook` alone stays for what metadata cannot see
 * (the same command running new or changed code).
 */
export function mergeInstallHookFindings(raw: RawFinding[]): RawFinding[] {
  const meta = raw.find((f) => f.code === 'install-script-added');
  const content = raw.find((f) => f.code === 'content-install-hook');
  if (!meta || !content) return raw;
  const seen = new Set(content.evidence.map((e) => `${e.label}\u0000${e.value}`));
  const merged: RawFinding = {
    code: 'install-script-added',
    severity: content.severity,
    message: content.message,
    evidence: [...content.evidence, ...meta.evidence.filter((e) => !seen.has(`${e.label}\u0000${e.value}`))],
    ...((content.baseline ?? meta.baseline) ? { baseline: content.baseline ?? meta.baseline } : {}),
  };
  return raw.filter((f) => f !== meta).map((f) => (f === content ? merged : f));
}

/** Runs the rules on one installed package version, applies the policy, and picks the safe version. */
export function evaluatePackage(ctx: PackageContext, policy: Policy, range?: string, ruleSet: RuleSet = ALL_RULES): Evaluation {
  const allowed: Evaluation['allowed'] = [];
  const judge = (version: string, raw: RawFinding[]): RawFinding[] =>
    raw.map((f) => ({ ...f, severity: severityUnder(policy, f.code, f.severity) })).filter((f) => !allowFor(policy, ctx.name, version, f.code, ctx.now));
  const raw = mergeInstallHookFindings(ruleSet.rules.flatMap((r) => r(ctx))).map((f) => ({ ...f, severity: severityUnder(policy, f.code, f.severity) }));
  const kept: RawFinding[] = [];
  for (const f of raw) {
    const allow = allowFor(policy, ctx.name, ctx.version, f.code, ctx.now);
    if (allow) allowed.push({ finding: toFinding(ctx, f, null), allow });
    else kept.push(f);
  }
  const safeVersion = kept.length ? chooseSafeVersion(ctx, kept, ruleSet.candidates, judge, policy.threshold, range) : ctx.version;
  const findings = kept.map((f) => toFinding(ctx, f, safeVersion)).sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  return { findings, allowed };
}

function toFinding(ctx: PackageContext, f: RawFinding, safeVersion: string | null): Finding {
  return {
    code: f.code,
    severity: f.severity,
    package: ctx.name,
    version: ctx.version,
    message: f.message,
    evidence: f.evidence,
    safeVersion,
    ...(f.advisory ? { advisory: f.advisory } : {}),
    ...(f.baseline ? { baseline: f.baseline } : {}),
    ...(f.incident ? { incident: f.incident } : {}),
  };
}
