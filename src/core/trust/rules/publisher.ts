import type { Rule } from '../context';
import { publisherLabel } from '../context';
import { baselineEvidence, baselineOf } from '../baseline';
import type { VersionSummary } from '../types';

/** A release this long after the one before it is "after years of silence". */
const SILENCE_MS = 2 * 365 * 86_400_000;

const domainOf = (email: string | undefined) => email?.split('@')[1]?.toLowerCase();
const viaCi = (v: VersionSummary) => !!v.publisher?.trustedPublisher || !!v.attestations;

/**
 * `publisher-changed`: the account that published this version published none of the earlier releases. Alone that is
 * how multi-maintainer projects work (who publishes rotates: 56 of 1,231 real latest releases), so it is `low`. It is
 * `medium` when something corroborates it: the publisher is new to the whole scope, comes from an email domain no
 * earlier publisher used and is not on the maintainer list, or publishes by hand after a history of CI
 * publishes; or two weaker signs together: the publisher became a maintainer in this very release (28 real
 * hand-overs alone look like this) and the release comes after years of silence (an abandoned package changing
 * hands, as event-stream did).
 * `maintainer-added` (low): the maintainer list gained names since the baseline.
 * Not raised where the registry carries no publisher data (unknown is not missing).
 */
export const publisherRule: Rule = (ctx) => {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  if (!h || !v || !ctx.registry.trustData) return [];
  const out: ReturnType<Rule> = [];
  const earlier = h.earlier(ctx.version);
  const base = baselineOf(ctx);
  const prev = base ? h.get(base.version) : undefined;
  const publishers = new Set(earlier.map((e) => e.publisher?.name).filter((n): n is string => !!n));
  const added = prev?.maintainers && v.maintainers ? v.maintainers.filter((m) => !prev.maintainers!.includes(m)) : [];
  if (v.publisher && publishers.size > 0 && !publishers.has(v.publisher.name)) {
    const last = [...earlier].reverse().find((e) => e.publisher);
    const why: string[] = [];
    const weak: string[] = [];
    if (added.includes(v.publisher.name)) weak.push(`${v.publisher.name} became a maintainer in this very release`);
    if (ctx.scopePublishers && !ctx.scopePublishers.has(v.publisher.name))
      why.push(`${v.publisher.name} published no release of any other package of the scope`);
    const domain = domainOf(v.publisher.email);
    const domains = new Set(earlier.map((e) => domainOf(e.publisher?.email)).filter(Boolean));
    if (
      domain &&
      domains.size &&
      !domains.has(domain) &&
      !(prev?.maintainers ?? []).includes(v.publisher.name) &&
      !(v.maintainers ?? []).includes(v.publisher.name)
    ) {
      why.push(`from ${domain}, an email domain no earlier publisher used, and not on the maintainer list`);
    }
    const recent = earlier.slice(-3);
    if (recent.length >= 2 && recent.every(viaCi) && !viaCi(v)) why.push(`published by hand after ${recent.length} releases published from CI`);
    const lastAt = earlier[earlier.length - 1]?.publishedAt;
    if (lastAt && v.publishedAt && Date.parse(v.publishedAt) - Date.parse(lastAt) >= SILENCE_MS)
      weak.push(`the first release in ${Math.floor((Date.parse(v.publishedAt) - Date.parse(lastAt)) / (365 * 86_400_000))} years`);
    if (why.length || weak.length >= 2) why.push(...weak);
    out.push({
      code: 'publisher-changed',
      severity: why.length ? 'medium' : 'low',
      message: `${ctx.name}@${ctx.version} was published by ${publisherLabel(v.publisher)}, who published none of the ${earlier.length} earlier releases${why.length ? `: ${why.join('; ')}` : ' (alone, how multi-maintainer projects rotate)'}`,
      evidence: [
        { label: `publisher of ${ctx.version}`, value: publisherLabel(v.publisher) },
        { label: 'earlier publishers', value: [...publishers].join(', ') },
        ...(last ? [{ label: `publisher of ${last.version}`, value: publisherLabel(last.publisher) }] : []),
        ...why.map((w) => ({ label: 'corroborated by', value: w })),
        ...(why.length ? [] : weak.map((w) => ({ label: 'alone not enough', value: w }))),
        ...(base ? [baselineEvidence(base)] : []),
      ],
      ...(base ? { baseline: base.version } : {}),
    });
  }
  if (base && prev?.maintainers && v.maintainers && added.length) {
    out.push({
      code: 'maintainer-added',
      severity: 'low',
      message: `${ctx.name}@${ctx.version} lists new maintainer${added.length > 1 ? 's' : ''} ${added.join(', ')} since ${prev.version}`,
      evidence: [
        { label: `maintainers of ${ctx.version}`, value: v.maintainers.join(', ') },
        { label: `maintainers of ${prev.version}`, value: prev.maintainers.join(', ') },
        baselineEvidence(base),
      ],
      baseline: base.version,
    });
  }
  return out;
};
