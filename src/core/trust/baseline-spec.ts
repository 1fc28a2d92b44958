/** Where a baseline is read from: a lockfile path, or the project's lockfile at a git revision (`git:REF`). */
export type BaselineSpec = { kind: 'file'; path: string } | { kind: 'git'; ref: string };

/**
 * Parses a baseline spec. `inProject`: the spec comes from the repository's own policy file, so a path must stay
 * inside the project (relative, no `..`). A git revision must not look like an option or hold a path separator
 * git reads specially (`:`), nor whitespace or control characters.
 */
export function parseBaselineSpec(spec: string, inProject: boolean): BaselineSpec | { error: string } {
  if (!spec || spec.length > 1000 || /[\u0000-\u001f\u007f]/.test(spec)) return { error: 'the baseline must be a lockfile path or git:REF' };
  if (spec.startsWith('git:')) {
    const ref = spec.slice(4);
    if (!/^[A-Za-z0-9._/@{}~^+-]{1,200}$/.test(ref) || ref.startsWith('-'))
      return { error: `"${ref}" is not a git revision (e.g. git:origin/main, git:HEAD~1, git:v1.2.0)` };
    return { kind: 'git', ref };
  }
  if (inProject && (/^([a-zA-Z]:)?[\\/]/.test(spec) || spec.split(/[\\/]/).includes('..')))
    return { error: 'the baseline path must be relative to the project folder and stay inside it (or use git:REF)' };
  return { kind: 'file', path: spec };
}
