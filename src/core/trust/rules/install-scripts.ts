import { withoutVersion } from '../../content/lifecycle';
import type { Rule } from '../context';
import type { VersionSummary } from '../types';

type Scripts = Record<string, string>;

/** Install-time scripts of a version; a registry flag without scripts means node-gyp's implicit `install`. */
export function installScriptsOf(v: VersionSummary): Scripts {
  const s: Scripts = { ...(v.installScripts ?? {}) };
  if (v.hasInstallScript && Object.keys(s).length === 0) s.install = 'node-gyp rebuild (implicit: binding.gyp)';
  return s;
}

/**
 * `install-script-added` (high): a preinstall/install/postinstall script that the release before did not have,
 * or one whose command changed; `install-script` (info) when the same scripts ran before. A command whose only
 * change is the package's own version in it (`napi-postinstall unrs-resolver 1.11.1 check`) is the same command.
 * When content analysis read the tarball its judgement of the hook replaces this one's (see mergeInstallHookFindings).
 */
export const installScriptRule: Rule = (ctx) => {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  if (!h || !v) return [];
  const mine = installScriptsOf(v);
  const names = Object.keys(mine);
  if (!names.length) return [];
  const prev = h.previous(ctx.version);
  const before = prev ? installScriptsOf(prev) : undefined;
  const changed = names.filter((n) => before !== undefined && (before[n] === undefined || withoutVersion(before[n], prev!.version) !== withoutVersion(mine[n], ctx.version)));
  if (before === undefined || changed.length === 0) {
    return [
      {
        code: 'install-script',
        severity: 'info',
        message: `${ctx.name}@${ctx.version} runs install scripts (${names.join(', ')})${prev ? `, as ${prev.version} did` : ''}`,
        evidence: names.map((n) => ({ label: n, value: mine[n] })),
      },
    ];
  }
  return [
    {
      code: 'install-script-added',
      severity: 'high',
      message: `${ctx.name}@${ctx.version} ${changed.map((n) => (before[n] === undefined ? `adds a ${n} script` : `changes its ${n} script`)).join(' and ')}, compared with ${prev!.version}`,
      evidence: changed.flatMap((n) => [
        { label: `${n} in ${ctx.version}`, value: mine[n] },
        { label: `${n} in ${prev!.version}`, value: before[n] ?? '(none)' },
      ]),
    },
  ];
};
