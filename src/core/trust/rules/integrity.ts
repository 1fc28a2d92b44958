import type { Rule } from '../context';

/** Algorithm → base64 digests of an SRI string ("sha512-abc sha1-def"). */
export function parseSri(sri: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (sri ?? '').trim().split(/\s+/)) {
    const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)(\?.*)?$/.exec(part);
    if (!m) continue;
    out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

/** The registry's hashes of a version as SRI: dist.integrity plus dist.shasum (hex sha1) as sha1. */
function registryHashes(integrity: string | undefined, shasum: string | undefined): Map<string, string[]> {
  const out = parseSri(integrity);
  if (shasum && /^[0-9a-f]{40}$/i.test(shasum)) {
    const b64 = Buffer.from(shasum, 'hex').toString('base64');
    out.set('sha1', [...(out.get('sha1') ?? []), b64]);
  }
  return out;
}

/**
 * `integrity-mismatch`: the lockfile's hash differs from the registry's for the same algorithm.
 * Compared only where both sides have the same algorithm (yarn berry's zip checksums are not tarball hashes).
 */
export const integrityRule: Rule = (ctx) => {
  const v = ctx.history?.get(ctx.version);
  if (!v || ctx.locked.source !== 'registry' || !ctx.locked.integrity) return [];
  const locked = parseSri(ctx.locked.integrity);
  const registry = registryHashes(v.integrity, v.shasum);
  for (const algo of ['sha512', 'sha384', 'sha256', 'sha1']) {
    const mine = locked.get(algo);
    const theirs = registry.get(algo);
    if (!mine || !theirs) continue;
    if (mine.some((h) => theirs.includes(h))) return [];
    return [
      {
        code: 'integrity-mismatch',
        severity: 'critical',
        message: `The lockfile's ${algo} of ${ctx.name}@${ctx.version} differs from the registry's: the tarball you would install is not the one published`,
        evidence: [
          { label: 'lockfile', value: `${algo}-${mine[0]}` },
          { label: `registry (${ctx.registry.url})`, value: `${algo}-${theirs[0]}` },
        ],
      },
    ];
  }
  return [];
};
