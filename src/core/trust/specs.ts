/** `github:`, `git+…`, `user/repo`, tarball and plain URLs, `file:`: specs that do not come from the registry. */
export function nonRegistrySpec(spec: string): string | undefined {
  const s = spec.trim();
  if (/^(github|gitlab|bitbucket|gist):/i.test(s))
    return `a ${s.slice(0, s.indexOf(':'))}: repository${/#[0-9a-f]{7,40}$/i.test(s) ? ' pinned to a commit' : ''}`;
  if (/^git(\+[a-z]+)?:|^git@|\.git(#.*)?$/i.test(s)) return 'a git repository';
  if (/^http:\/\//i.test(s)) return 'a tarball over plain http';
  if (/^https:\/\//i.test(s)) return 'a tarball URL outside the registry';
  if (/^(file|link):/i.test(s)) return undefined; // the project's own folders, as published (npm rejects them anyway)
  if (/^[\w.-]+\/[\w.-]+(#.*)?$/.test(s) && !s.startsWith('@')) return 'a GitHub repository (user/repo shorthand)';
  return undefined;
}
