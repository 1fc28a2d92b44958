import type { Rule } from '../context';

/**
 * `untrusted-source`: installed from somewhere other than a configured registry: another host, a git
 * repository, a remote tarball, or plain http where the registry is https. Local folders (file:, link:,
 * workspaces) are the project's own code and are not flagged.
 */
export const sourceRule: Rule = (ctx) => {
  const { resolved, source } = ctx.locked;
  const label = ctx.version ? `${ctx.name}@${ctx.version}` : ctx.name;
  const finding = (why: string) => [
    {
      code: 'untrusted-source' as const,
      severity: 'high' as const,
      message: `${label} ${why}`,
      evidence: [
        { label: 'resolved', value: resolved ?? 'unknown' },
        { label: 'configured registries', value: ctx.configuredHosts.join(', ') },
      ],
    },
  ];
  if (source === 'git') return finding('is installed from a git repository, outside any registry: no registry history, signatures or advisories apply');
  if (!resolved || !/^https?:\/\//i.test(resolved)) return [];
  let url: URL;
  try {
    url = new URL(resolved);
  } catch {
    return finding('has a resolved URL that cannot be parsed');
  }
  const host = url.host.toLowerCase();
  if (!ctx.configuredHosts.includes(host)) {
    return finding(
      source === 'remote'
        ? `is installed from a tarball URL on ${host}, not from a configured registry`
        : `is resolved from ${host}, which is not a configured registry`,
    );
  }
  if (url.protocol === 'http:' && ctx.registry.url.startsWith('https:')) return finding('is downloaded over plain http although the registry is https');
  return [];
};
