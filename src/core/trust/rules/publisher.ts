import type { Rule } from '../context';
import { publisherLabel } from '../context';

/**
 * `publisher-changed` (medium): the account that published this version never published an earlier release;
 * `maintainer-added` (low): the maintainer list gained names since the release before.
 * Not raised where the registry carries no publisher data (unknown is not missing).
 */
export const publisherRule: Rule = (ctx) => {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  if (!h || !v || !ctx.registry.trustData) return [];
  const out: ReturnType<Rule> = [];
  const earlier = h.earlier(ctx.version);
  const publishers = new Set(earlier.map((e) => e.publisher?.name).filter((n): n is string => !!n));
  if (v.publisher && publishers.size > 0 && !publishers.has(v.publisher.name)) {
    const last = [...earlier].reverse().find((e) => e.publisher);
    out.push({
      code: 'publisher-changed',
      severity: 'medium',
      message: `${ctx.name}@${ctx.version} was published by ${publisherLabel(v.publisher)}, who published none of the ${earlier.length} earlier releases`,
      evidence: [
        { label: `publisher of ${ctx.version}`, value: publisherLabel(v.publisher) },
        { label: 'earlier publishers', value: [...publishers].join(', ') },
        ...(last ? [{ label: `publisher of ${last.version}`, value: publisherLabel(last.publisher) }] : []),
      ],
    });
  }
  const prev = h.previous(ctx.version);
  if (prev?.maintainers && v.maintainers) {
    const added = v.maintainers.filter((m) => !prev.maintainers!.includes(m));
    if (added.length) {
      out.push({
        code: 'maintainer-added',
        severity: 'low',
        message: `${ctx.name}@${ctx.version} lists new maintainer${added.length > 1 ? 's' : ''} ${added.join(', ')} since ${prev.version}`,
        evidence: [
          { label: `maintainers of ${ctx.version}`, value: v.maintainers.join(', ') },
          { label: `maintainers of ${prev.version}`, value: prev.maintainers.join(', ') },
        ],
      });
    }
  }
  return out;
};
