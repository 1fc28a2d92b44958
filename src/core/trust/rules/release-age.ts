import type { Rule } from '../context';
import { describeAge } from '../history';

/** `too-new`: published less than the cooldown ago. New releases are when hijacked versions do their damage. */
export const releaseAgeRule: Rule = (ctx) => {
  const published = ctx.history?.get(ctx.version)?.publishedAt;
  if (!published) return [];
  const age = ctx.now.getTime() - Date.parse(published);
  if (age >= ctx.cooldownMs) return [];
  const cooldownDays = +(ctx.cooldownMs / 86_400_000).toFixed(2);
  return [
    {
      code: 'too-new',
      severity: 'medium',
      message: `${ctx.name}@${ctx.version} was published ${describeAge(published, ctx.now)} ago, within the ${cooldownDays}-day cooldown`,
      evidence: [
        { label: 'published', value: published },
        { label: 'cooldown', value: `${cooldownDays} days` },
      ],
    },
  ];
};
