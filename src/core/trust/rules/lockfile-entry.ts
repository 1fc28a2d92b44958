import * as semver from 'semver';
import type { Rule } from '../context';
import { tarballOf } from '../summarize';

/**
 * The package and version a registry tarball URL names (`…/<name>/-/<basename>-<version>.tgz`, scoped names
 * as `@scope/name` or `@scope%2fname`, under any registry path prefix), or a yarn berry locator's
 * (`name@npm:1.2.3`). Undefined for anything else (git, a tarball elsewhere, a registry with another layout).
 */
export function namedInResolved(resolved: string): { name: string; version: string } | undefined {
  const locator = /^((?:@[^/@]+\/)?[^/@]+)@npm:([^@]+)$/.exec(resolved);
  if (locator) return { name: locator[1], version: locator[2] };
  let path: string;
  try {
    path = new URL(resolved).pathname;
  } catch {
    return undefined;
  }
  const dash = path.lastIndexOf('/-/');
  if (dash < 0 || !path.endsWith('.tgz')) return undefined;
  const segments = path.slice(0, dash).split('/').filter(Boolean).map(safeDecode);
  const last = segments[segments.length - 1];
  if (!last) return undefined;
  const before = segments[segments.length - 2];
  const name = last.startsWith('@') && last.includes('/') ? last : before?.startsWith('@') ? `${before}/${last}` : last;
  // The file is `<basename>-<version>.tgz`; some registries put the scope in front of it.
  const file = safeDecode(path.slice(dash + 3, -'.tgz'.length));
  const base = name.slice(name.lastIndexOf('/') + 1);
  const bare = file.slice(file.lastIndexOf('/') + 1);
  if (!bare.startsWith(`${base}-`)) return { name, version: '' };
  return { name, version: bare.slice(base.length + 1) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const sameVersion = (a: string, b: string) => a === b || (semver.valid(a) !== null && semver.valid(b) !== null && semver.eq(a, b));

/**
 * `resolved-mismatch` (critical): the package manager installs what `resolved` names, whatever the entry's name and
 * version say — a lockfile entry `node_modules/goodlib` at 1.2.0 resolved to `/evilpkg/-/evilpkg-6.6.6.tgz`
 * installs evilpkg as goodlib (lockfile-lint's validate-package-names). Also when the registry's own tarball for
 * the version is another one than the lockfile's.
 *
 * `integrity-missing` (medium): a registry entry with no hash at all (no integrity, no `#sha1` of yarn classic):
 * nothing then checks that the bytes installed are the ones published. Not for bundled entries (they come inside
 * their parent's tarball) nor yarn berry's platform-conditional ones (yarn records no checksum for those by design).
 */
export const lockfileEntryRule: Rule = (ctx) => {
  const { resolved, integrity, source } = ctx.locked;
  const out: ReturnType<Rule> = [];
  const label = `${ctx.name}@${ctx.version}`;
  const named = resolved ? namedInResolved(resolved) : undefined;
  if (resolved && named && (named.name !== ctx.name || !sameVersion(named.version, ctx.version))) {
    const what = named.version ? `${named.name}@${named.version}` : `a tarball of ${named.name} that names no version of it`;
    out.push({
      code: 'resolved-mismatch',
      severity: 'critical',
      message: `The lockfile entry for ${label} is resolved to ${what}: the package manager installs that, under the name ${ctx.name}`,
      evidence: [
        { label: 'lockfile entry', value: label },
        { label: 'resolved', value: resolved },
      ],
    });
  }
  const known = ctx.history?.get(ctx.version);
  const registryTarball = known && tarballOf(ctx.history!.summary, known);
  const theirs = registryTarball ? namedInResolved(registryTarball) : undefined;
  if (!out.length && named && theirs && (theirs.name !== named.name || !sameVersion(theirs.version, named.version))) {
    out.push({
      code: 'resolved-mismatch',
      severity: 'critical',
      message: `The lockfile resolves ${label} to another tarball than the registry's for that version`,
      evidence: [
        { label: 'resolved (lockfile)', value: resolved! },
        { label: `dist.tarball (${ctx.registry.url})`, value: registryTarball! },
      ],
    });
  }
  const hashed = !!integrity || (!!resolved && /#[0-9a-f]{40}$/i.test(resolved));
  if ((source === 'registry' || source === 'unknown') && !hashed && !ctx.locked.bundled && !ctx.locked.conditional) {
    out.push({
      code: 'integrity-missing',
      severity: 'medium',
      message: `The lockfile records no integrity hash for ${label}: nothing checks that the tarball installed is the one published`,
      evidence: [{ label: 'resolved', value: resolved ?? 'not recorded' }],
    });
  }
  return out;
};
