import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CheckOptions } from '../engine/check/types';
import { defaultCacheDir } from '../engine/infra/disk-cache';
import { customTrustContext } from '../engine/sigstore/trust-root';
import { UsageError, type ParsedArgs } from './args';

/** The options of `check` that `sbom` and `exposure` take too (how evidence is gathered, not what is printed). */
export const CHECK_VALUED = ['registry', 'advisories', 'osv-dir', 'osv-url', 'cache-dir', 'cache-ttl', 'now', 'trusted-root', 'timeout'] as const;
export const CHECK_BOOLEANS = ['offline', 'deep', 'no-content', 'advisories-only', 'allow-incomplete', 'ignore-project-npmrc', 'untrusted-project'] as const;

export const CHECK_OPTIONS_HELP = `  --registry URL            Default registry (else .npmrc, else https://registry.npmjs.org/)
  --advisories LIST         npm, osv, npm,osv or off (default: npm)
  --osv-dir DIR             Also read OSV records from DIR (offline advisories)
  --offline                 Use only the cache: no network at all
  --cache-dir DIR           Persistent cache (default: ~/.cache/trustlens)
  --cache-ttl MINUTES       Use cached package histories this long before asking again (default 5)
  --now ISO-8601            Evaluate as of that instant
  --trusted-root FILE       Verify provenance against this Sigstore trusted root
  --deep, --no-content      Look inside every tarball / none (default: as check)
  --timeout SECONDS         Give up on one registry request after this long (default 30)
  --advisories-only         Only advisories: no trust signals
  --allow-incomplete        Accept what could not be judged (check-incomplete becomes info)
  --ignore-project-npmrc    Ignore the project's .npmrc (its registries, scopes and credentials)
  --untrusted-project       The project is not trusted (a pull request before review): ignore its .npmrc, and
                            let its .trustlens.jsonc only make the check stricter (no allow entries, no lowered
                            severity, threshold or cooldown)`;

/**
 * The check's options from parsed arguments, validated the way `check` validates them (each bad value is a
 * UsageError: one line, exit 2). `now` is always set, so a report and what is made from it share one instant.
 */
export async function checkOptionsFrom(args: ParsedArgs, dir: string): Promise<CheckOptions & { now: Date }> {
  const flag = (n: string) => args.flags.get(n) as string | undefined;
  const now = flag('now') !== undefined ? new Date(flag('now')!) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO-8601 instant, e.g. 2025-09-08T13:00:00Z');
  const parts = (flag('advisories') ?? 'npm')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.some((p) => !['npm', 'osv', 'off'].includes(p)) || (parts.includes('off') && parts.length > 1))
    throw new UsageError('--advisories takes npm, osv, npm,osv or off');
  const advisories = { npm: parts.includes('npm'), osv: parts.includes('osv'), osvDir: flag('osv-dir'), osvUrl: flag('osv-url') };
  const advisoriesOnly = args.flags.has('advisories-only');
  if (advisoriesOnly && !advisories.npm && !advisories.osv && !advisories.osvDir)
    throw new UsageError('--advisories-only needs an advisory source (--advisories npm, osv or --osv-dir)');
  if (advisoriesOnly && args.flags.has('deep')) throw new UsageError('--advisories-only does not look inside tarballs; drop --deep');
  if (args.flags.has('deep') && args.flags.has('no-content')) throw new UsageError('--deep and --no-content contradict each other');
  const timeout = flag('timeout') === undefined ? undefined : Number(flag('timeout'));
  if (timeout !== undefined && !(timeout > 0 && timeout <= 3600)) throw new UsageError('--timeout takes seconds per request, more than 0 and at most 3600');
  const ttl = flag('cache-ttl') === undefined ? undefined : Number(flag('cache-ttl'));
  if (ttl !== undefined && !(ttl >= 0 && ttl <= 7 * 24 * 60)) throw new UsageError('--cache-ttl takes minutes, from 0 (always ask) to 10080 (a week)');
  const registry = flag('registry');
  if (registry !== undefined && !/^https?:\/\//.test(registry)) throw new UsageError('--registry must be an http(s) URL');
  const trustedRoot = flag('trusted-root');
  let trust: CheckOptions['trust'];
  if (trustedRoot) {
    const text = await fs.readFile(path.resolve(trustedRoot), 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`--trusted-root ${trustedRoot} cannot be read (${e.code ?? e.message})`);
    });
    try {
      trust = customTrustContext(JSON.parse(text));
    } catch (e) {
      throw new UsageError(`--trusted-root ${trustedRoot} is not a Sigstore trusted root (${(e as Error).message})`);
    }
  }
  return {
    projectDir: dir,
    now,
    registry,
    advisories,
    offline: args.flags.has('offline'),
    cacheDir: flag('cache-dir') ?? defaultCacheDir(),
    cacheTtlMs: ttl === undefined ? undefined : Math.round(ttl * 60_000),
    trust,
    content: args.flags.has('no-content') ? 'off' : args.flags.has('deep') ? 'deep' : 'auto',
    signals: advisoriesOnly ? 'advisories' : 'all',
    allowIncomplete: args.flags.has('allow-incomplete'),
    ignoreProjectNpmrc: args.flags.has('ignore-project-npmrc') || args.flags.has('untrusted-project'),
    untrustedProject: args.flags.has('untrusted-project'),
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
  };
}

/** The one directory a command takes (default: .), which must exist. */
export async function projectDirFrom(args: ParsedArgs, command: string): Promise<string> {
  if (args.positionals.length > 1) throw new UsageError(`${command} takes at most one directory`);
  const dir = path.resolve(args.positionals[0] ?? '.');
  if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory()) throw new UsageError(`${dir} is not a directory`);
  return dir;
}
