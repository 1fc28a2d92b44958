import type { PackageContext } from '../../core/trust/context';
import { type Evaluation, type RuleSet, evaluatePackage } from '../../core/trust/evaluate';
import type { Policy } from '../../core/trust/policy';
import { type TrustCard, trustCard } from '../../core/report/card';
import { objectId } from '../infra/memo';

/**
 * Evaluations remembered by everything they depend on, so that a check after a one-line edit judges only what the
 * edit changed. Objects in the context (history, verdicts, advisory lists, content findings) count by identity:
 * the session hands out the same object while its answer is unchanged. Bounded; cleared when full.
 */
export class EvaluationMemo {
  private readonly entries = new Map<string, Evaluation>();
  /** Hover cards, by the evaluation they show (which stands for everything the card is made of). */
  private readonly cards = new WeakMap<Evaluation, { card: TrustCard; placed?: { key: string; card: TrustCard } }>();

  constructor(private readonly max = 50_000) {}

  evaluate(ctx: PackageContext, policy: Policy, policyKey: string, range: string | undefined, ruleSet: RuleSet): Evaluation {
    const key = [
      policyKey,
      objectId(ruleSet),
      range ?? '',
      timeKey(ctx, policy),
      ctx.cooldownMs,
      ctx.name,
      ctx.version,
      ctx.locked.integrity ?? '',
      ctx.locked.resolved ?? '',
      ctx.locked.source,
      ctx.locked.bundled ? 1 : 0,
      ctx.locked.conditional ? 1 : 0,
      ctx.locked.dev ? 1 : 0,
      ctx.scopePublishers ? [...ctx.scopePublishers].join(',') : '',
      objectId(ctx.history),
      ctx.notOnRegistry ? 1 : 0,
      ctx.registry.url,
      ctx.registry.trustData,
      ctx.registry.hasKeys,
      ctx.configuredHosts.join(),
      objectId(ctx.provenance),
      ctx.baselineProvenance?.version ?? '',
      objectId(ctx.baselineProvenance?.verdict),
      objectId(ctx.identityHistory),
      ctx.downgradeBaseline ? `${ctx.downgradeBaseline.source}\0${ctx.downgradeBaseline.versions.join()}` : '-',
      objectId(ctx.signature),
      objectId(ctx.advisories),
      objectId(ctx.contentFindings),
      objectId(ctx.correlatedFindings),
      ctx.dependencyHistories ? [...ctx.dependencyHistories].map(([n, h]) => `${n}:${objectId(h)}`).join() : '-',
      ctx.establishedPublishers ? [...ctx.establishedPublishers].join() : '',
    ].join('\n');
    let hit = this.entries.get(key);
    if (!hit) {
      hit = evaluatePackage(ctx, policy, range, ruleSet);
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(key, hit);
    }
    return hit;
  }

  card(evaluation: Evaluation): { card: TrustCard; placed?: { key: string; card: TrustCard } } | undefined {
    return this.cards.get(evaluation);
  }

  remember(evaluation: Evaluation, card: TrustCard, placed?: { key: string; card: TrustCard }): void {
    this.cards.set(evaluation, { card: { ...card, locations: [] }, placed });
  }
}

/**
 * The evaluation time as far as it can change an evaluation. Time enters in four places: the cooldown (the version's
 * own age, and which releases may be offered as the safe version), "not published yet" (a version dated after the
 * evaluation time), and allow entries that expire. Once every dated release of the package is older than the
 * cooldown and no allow entry of the package expires, none of them can change as time passes: such an evaluation is
 * kept across minutes ('settled') instead of being made again each minute. A new release is a new history object,
 * so it still makes a new key.
 */
function timeKey(ctx: PackageContext, policy: Policy): string {
  const now = ctx.now.getTime();
  const history = ctx.history;
  if (!history || policy.allow.some((a) => a.expires !== undefined && a.package === ctx.name)) return String(now);
  // An undated release (or an unreadable date) is judged the same at any time.
  const newest = history.newestPublishMs;
  return newest + ctx.cooldownMs <= now ? 'settled' : String(now);
}

/**
 * The card of a remembered evaluation, made once; `locations` are the caller's (they move with edits). The same
 * evaluation at the same locations gives the very same object, so the service can tell unchanged cards by
 * identity. Cards are never changed after they are made.
 */
export function cardFor(memo: EvaluationMemo | undefined, ctx: PackageContext, evaluation: Evaluation, locations: TrustCard['locations']): TrustCard {
  const key = locations.map((l) => `${l.file}:${l.startOffset}:${l.endOffset}`).join('|');
  const cached = memo?.card(evaluation);
  if (cached?.placed?.key === key) return cached.placed.card;
  // With findings, their safe version, null included ("none in your range"); only a version without any is its own.
  const safe = evaluation.findings.length ? evaluation.findings[0].safeVersion : ctx.version;
  const card = cached ? { ...cached.card, locations } : trustCard(ctx, evaluation.findings, safe, locations);
  memo?.remember(evaluation, card, { key, card });
  return card;
}
