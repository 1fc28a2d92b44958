import * as semver from 'semver';
import type { DependencySpec, PackageSource } from './model';

const GIT_PREFIX = /^(git\+|git:|github:|gitlab:|bitbucket:|gist:)/i;
/** `user/repo` or `user/repo#ref` GitHub shorthand (not a path: no leading dot or slash). */
const GITHUB_SHORTHAND = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(#.*)?$/;
const FILE_PREFIX = /^(file:|\.\.?\/|\/|~\/|[A-Za-z]:[\\/])/;
/**
 * How every version semver reads loosely begins (its LOOSE pattern: `v`, `=` or spaces, then three numbers). A spec
 * that does not is no version, and is not given to semver.valid: semver answers null for it by throwing and catching
 * an error, and an edit re-reads every manifest of a workspace (compass: 31 ms of each warm edit).
 */
const LOOSE_VERSION_START = /^[v=\s]*\d+\.\d+\.\d+/;

/** Classifies a dependency spec the way npm, yarn and pnpm read it. Never throws. */
export function parseSpec(raw: string, name?: string): DependencySpec {
  const spec = raw.trim();
  if (spec.startsWith('npm:')) {
    const body = spec.slice(4);
    const at = body.lastIndexOf('@');
    if (at > 0) return { type: 'alias', raw, registryName: body.slice(0, at), range: body.slice(at + 1) || '*' };
    return { type: 'alias', raw, registryName: body, range: '*' };
  }
  if (spec.startsWith('workspace:')) return { type: 'workspace', raw, range: spec.slice('workspace:'.length) };
  if (spec.startsWith('link:')) return { type: 'link', raw };
  if (spec.startsWith('portal:') || spec.startsWith('patch:') || spec.startsWith('exec:')) return { type: 'other', raw };
  if (GIT_PREFIX.test(spec) || /^(git|ssh):\/\//i.test(spec) || /\.git(#.*)?$/.test(spec)) return { type: 'git', raw };
  if (/^https?:\/\//i.test(spec)) return { type: 'remote', raw };
  if (FILE_PREFIX.test(spec)) return { type: 'file', raw };
  if (GITHUB_SHORTHAND.test(spec) && !semver.validRange(spec)) return { type: 'git', raw };
  const range = spec === '' ? '*' : spec;
  if (LOOSE_VERSION_START.test(range) && semver.valid(range, { loose: true })) return { type: 'version', raw, registryName: name, range };
  if (semver.validRange(range, { loose: true })) return { type: 'range', raw, registryName: name, range };
  if (/^[A-Za-z][\w.-]*$/.test(range)) return { type: 'tag', raw, registryName: name, range };
  return { type: 'other', raw };
}

/** True for specs the npm registry resolves (range, exact version, dist-tag, npm: alias). */
export function isRegistrySpec(spec: DependencySpec): boolean {
  return spec.type === 'range' || spec.type === 'version' || spec.type === 'tag' || spec.type === 'alias';
}

/**
 * Where an installed package came from, judged by its lockfile `resolved` value (for npm v1, the `version` of a
 * git or tarball entry). Git as npm-package-arg has it: git+… and git:// URLs, ssh, the `git@host:path` form, and
 * the hosted shortcuts npm 5/6 wrote (`github:`, `gitlab:`, `bitbucket:`, `gist:`).
 */
export function sourceOfResolved(resolved: string | undefined): PackageSource {
  if (!resolved) return 'unknown';
  if (/^(git\+|git:|ssh:|github:|gitlab:|bitbucket:|gist:|git@[^:/]+:)/i.test(resolved)) return 'git';
  if (/^https?:\/\//i.test(resolved)) {
    return /\/-\/[^/]+\.tgz(\?.*)?(#.*)?$/.test(resolved) ? 'registry' : 'remote';
  }
  if (resolved.startsWith('file:')) return 'file';
  if (resolved.startsWith('link:')) return 'link';
  return 'file';
}
