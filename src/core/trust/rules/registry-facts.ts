import type { Rule } from '../context';

/** `version-missing` (the locked version is gone or not yet published at --now) and `deprecated`. */
export const registryFactsRule: Rule = (ctx) => {
  const h = ctx.history;
  if (ctx.notOnRegistry) {
    return [
      {
        code: 'version-missing',
        severity: 'high',
        message: `${ctx.name}@${ctx.version} does not exist on ${ctx.registry.url}: the registry has no package named ${ctx.name} (unpublished, or never published there)`,
        evidence: [{ label: 'registry', value: `${ctx.registry.url} answered 404 for ${ctx.name}` }],
      },
    ];
  }
  if (!h) return [];
  const v = h.get(ctx.version);
  if (!v) {
    const later = h.existsAnyTime(ctx.version);
    return [
      {
        code: 'version-missing',
        severity: 'high',
        message: later
          ? `${ctx.name}@${ctx.version} was not published yet at ${ctx.now.toISOString()}`
          : `${ctx.name}@${ctx.version} does not exist on ${ctx.registry.url} (unpublished or never published)`,
        evidence: [{ label: 'versions on the registry', value: describeVersions(h.releases.map((r) => r.version)) }],
      },
    ];
  }
  if (!v.deprecated) return [];
  return [
    {
      code: 'deprecated',
      severity: 'low',
      message: `${ctx.name}@${ctx.version} is deprecated: ${v.deprecated}`,
      evidence: [{ label: 'deprecation message', value: v.deprecated }],
    },
  ];
};

function describeVersions(list: string[]): string {
  if (list.length <= 6) return list.join(', ') || 'none';
  return `${list.slice(0, 2).join(', ')}, … ${list.slice(-3).join(', ')} (${list.length} in all)`;
}
