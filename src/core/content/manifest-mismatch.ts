/**
 * `manifest-mismatch`: the package.json inside the tarball and the registry's metadata for the same version
 * disagree about install scripts or dependencies (manifest confusion: npm installs the dependencies the
 * registry lists but runs the scripts the tarball has, and reviewers read whichever they look at).
 *
 * Tolerated, because the npm CLI itself produces them at publish time: the `install: node-gyp rebuild` npm
 * adds for a binding.gyp; optionalDependencies merged into (old npm) or removed from (npm 7+) dependencies;
 * empty specs as `*`; `user/repo` written as `github:user/repo`. When the registry only flags
 * `hasInstallScript` (abbreviated metadata) the commands cannot be compared, only their presence.
 *
 * High when the tarball has install scripts the registry does not show, or dependencies differ; medium when the
 * registry shows install scripts the tarball lacks (they will not run).
 */
import type { RawFinding } from '../trust/context';
import type { Evidence, Severity, VersionSummary } from '../trust/types';
import { clip, list } from './evidence';
import { INSTALL_HOOKS } from './lifecycle';
import type { PackageContents } from './types';

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strings = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

function normSpec(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === '' || t === 'latest' || t === '*') return '*';
  return t.replace(/^github:/, '');
}

export function manifestMismatchFindings(current: PackageContents, registry: VersionSummary | undefined, label: string): RawFinding[] {
  const m = current.manifest;
  if (!registry || !m) return [];
  const evidence: Evidence[] = [];
  const parts: string[] = [];
  let severity: Severity = 'medium';
  const tarScripts = strings(m.scripts);
  const gyp = current.files.has('binding.gyp');
  const tarHooks = INSTALL_HOOKS.filter((h) => tarScripts[h]?.trim());
  if (registry.installScripts === undefined && registry.hasInstallScript === true) {
    if (!tarHooks.length && !gyp) {
      parts.push('the registry says it has install scripts, the tarball has none');
      evidence.push(
        { label: 'registry', value: 'hasInstallScript: true' },
        { label: 'tarball package.json', value: 'no preinstall/install/postinstall, no binding.gyp' },
      );
    }
  } else {
    const reg = registry.installScripts ?? {};
    for (const h of INSTALL_HOOKS) {
      const t = tarScripts[h]?.trim() ? tarScripts[h] : undefined;
      const r = reg[h];
      if (t === r || (t !== undefined && r !== undefined && t.trim() === r.trim())) continue;
      if (t === undefined && h === 'install' && gyp && r !== undefined && /^node-gyp rebuild$/.test(r.trim())) continue;
      if (t !== undefined) severity = 'high';
      parts.push(
        t !== undefined && r === undefined
          ? `the tarball has a ${h} script the registry does not show`
          : t === undefined
            ? `the registry shows a ${h} script the tarball lacks`
            : `the ${h} scripts differ`,
      );
      evidence.push(
        { label: `${h} in the tarball`, value: t !== undefined ? clip(t) : '(none)' },
        { label: `${h} in the registry`, value: r !== undefined ? clip(r) : '(none)' },
      );
    }
  }
  const tarDeps = strings(m.dependencies);
  const tarOpt = strings(m.optionalDependencies);
  const regDeps = registry.dependencies ?? {};
  const diff: string[] = [];
  for (const name of new Set([...Object.keys(tarDeps), ...Object.keys(regDeps)])) {
    const t = normSpec(tarDeps[name]);
    const r = normSpec(regDeps[name]);
    if (t === r) continue;
    const opt = normSpec(tarOpt[name]);
    if (t === undefined && opt !== undefined && opt === r) continue; // optional merged into dependencies
    if (r === undefined && opt !== undefined) continue; // optional removed from dependencies
    diff.push(name);
    if (diff.length <= 8)
      evidence.push({ label: `dependency ${name}`, value: `tarball: ${tarDeps[name] ?? '(none)'}; registry: ${regDeps[name] ?? '(none)'}` });
  }
  if (diff.length) {
    severity = 'high';
    parts.push(`dependencies differ (${list(diff, 5)})`);
  }
  if (!parts.length) return [];
  return [
    { code: 'manifest-mismatch', severity, message: `${label}: the tarball's package.json and the registry's metadata disagree: ${list(parts)}`, evidence },
  ];
}
