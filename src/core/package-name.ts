/**
 * Package names as npm accepts them for packages that exist (validate-npm-package-name's `validForOldPackages`):
 * a lockfile can say anything, and a name goes into registry URLs — `..` or `a/../b` would walk up the registry's
 * path. Capitals, length and `~'!()*` are only warnings to npm (old packages have them), so they pass here too.
 */
export function npmNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.startsWith('.')) return 'a name cannot start with a period';
  if (name.startsWith('_')) return 'a name cannot start with an underscore';
  if (name.trim() !== name) return 'a name cannot have leading or trailing spaces';
  if (name.toLowerCase() === 'node_modules' || name.toLowerCase() === 'favicon.ico') return `${name.toLowerCase()} is not a package name`;
  if (encodeURIComponent(name) === name) return undefined;
  const scoped = /^@([^/]+)\/([^/]+)$/.exec(name);
  if (scoped && encodeURIComponent(scoped[1]) === scoped[1] && encodeURIComponent(scoped[2]) === scoped[2] && !scoped[2].startsWith('.')) return undefined;
  return 'a name can only contain URL-friendly characters';
}
