import { isAffected } from '../affected';
import type { Rule } from '../context';

/** `malware` for advisories that mark the version malicious, `vulnerability` (at the advisory's severity) otherwise. */
export const advisoryRule: Rule = (ctx) => {
  const seen = new Set<string>();
  return ctx.advisories
    .filter((a) => isAffected(a.affected, ctx.version))
    .filter((a) => {
      // The same advisory can arrive from npm and OSV under different ids: report it once.
      const keys = [a.id, ...a.aliases];
      if (keys.some((k) => seen.has(k))) return false;
      keys.forEach((k) => seen.add(k));
      return true;
    })
    .map((a) => ({
      code: a.malware ? ('malware' as const) : ('vulnerability' as const),
      severity: a.malware ? ('critical' as const) : a.severity,
      message: a.malware ? `${ctx.name}@${ctx.version} is malicious: ${a.title} (${a.id})` : `${ctx.name}@${ctx.version}: ${a.title} (${a.id})`,
      evidence: [
        { label: 'advisory', value: `${a.id}${a.aliases.length ? ` (${a.aliases.join(', ')})` : ''} from ${a.source}` },
        { label: 'affected versions', value: a.affected.kind === 'semver' ? a.affected.range : describeOsv(a.affected.affected) },
      ],
      advisory: { id: a.id, url: a.url, title: a.title },
    }));
};

function describeOsv(affected: import('../types').OsvAffected[]): string {
  const parts: string[] = [];
  for (const a of affected) {
    for (const r of a.ranges ?? [])
      parts.push(
        r.events
          .map((e) =>
            Object.entries(e)
              .map(([k, v]) => `${k} ${v}`)
              .join(''),
          )
          .join(', '),
      );
    if (a.versions?.length) parts.push(a.versions.join(', '));
  }
  return parts.join('; ') || 'see advisory';
}
