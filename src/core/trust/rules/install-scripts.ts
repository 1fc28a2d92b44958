import { withoutVersion } from '../../content/lifecycle';
import type { Rule } from '../context';
import { baselineEvidence, baselineOf } from '../baseline';
import { installScriptsOf } from '../scripts';

export { installScriptsOf };

/**
 * `install-script-added` (high): a preinstall/install/postinstall script that the baseline (see baseline.ts: the
 * last release of the line before a quiet gap that is not itself flagged) did not have, or one whose command
 * changed; `install-script` (info) when the same scripts ran before. A command whose only change is the package's
 * own version in it (`napi-postinstall unrs-resolver 1.11.1 check`) is the same command. When content analysis
 * read the tarball its judgement of the hook replaces this one's (see mergeInstallHookFindings).
 */
export const installScriptRule: Rule = (ctx) => {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  if (!h || !v) return [];
  const mine = installScriptsOf(v);
  const names = Object.keys(mine);
  if (!names.length) return [];
  const base = baselineOf(ctx);
  const prev = base ? h.get(base.version) : undefined;
  const before = prev ? installScriptsOf(prev) : undefined;
  const changed = names.filter(
    (n) => before !== undefined && (before[n] === undefined || withoutVersion(before[n], prev!.version) !== withoutVersion(mine[n], ctx.version)),
  );
  if (!base || before === undefined || changed.length === 0) {
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
      message: `${ctx.name}@${ctx.version} ${changed.map((n) => (before[n] === undefined ? `adds ${n === 'install' ? 'an' : 'a'} ${n} script` : `changes its ${n} script`)).join(' and ')}, compared with ${prev!.version}`,
      evidence: [
        ...changed.flatMap((n) => [
          { label: `${n} in ${ctx.version}`, value: mine[n] },
          { label: `${n} in ${prev!.version}`, value: before[n] ?? '(none)' },
        ]),
        baselineEvidence(base),
      ],
      baseline: base.version,
    },
  ];
};
