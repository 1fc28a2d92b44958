import * as semver from 'semver';
import type { PackageContext, RawFinding, Rule } from './context';
import { isPrerelease } from './history';
import { atLeast } from './severity';
import type { Severity } from './types';

/**
 * The newest version the user's range allows (or, without a usable range, the same major) that is older than
 * the cooldown and has no finding at or above the threshold among the signals known for every version
 * (advisories, install scripts, trust-evidence downgrade, publisher history). The locked version when it is
 * itself safe; null when no version qualifies.
 *
 * Releases a finding leaves unverified (the same incident's other members, releases its baseline passed over) are
 * never safe. Candidates are judged oldest first against a history without the versions already found unsafe (the
 * locked one included): a release that keeps an install script a flagged release added is judged against
 * the last trusted release, not against the flagged one, and so is flagged too.
 */
export function chooseSafeVersion(
  ctx: PackageContext,
  lockedFindings: RawFinding[],
  candidateRules: Rule[],
  judge: (version: string, findings: RawFinding[]) => RawFinding[],
  threshold: Severity,
  range: string | undefined,
): string | null {
  if (!lockedFindings.some((f) => atLeast(f.severity, threshold))) return ctx.version;
  const h = ctx.history;
  if (!h) return null;
  const usable =
    range && semver.validRange(range)
      ? range
      : semver.valid(ctx.version)
        ? `^${semver.major(ctx.version)}.0.0-0 <${semver.major(ctx.version) + 1}.0.0-0`
        : undefined;
  if (!usable) return null;
  const cutoff = ctx.now.getTime() - ctx.cooldownMs;
  const candidates = h.releases
    .filter((v) => v.version !== ctx.version)
    .filter((v) => isPrerelease(v.version) === isPrerelease(ctx.version))
    .filter((v) => semver.satisfies(v.version, usable, { includePrerelease: isPrerelease(ctx.version) }))
    .filter((v) => v.publishedAt === undefined || Date.parse(v.publishedAt) <= cutoff)
    .sort((a, b) => semver.compare(a.version, b.version));
  const unsafe = new Set([
    ctx.version,
    ...unverified(
      ctx,
      lockedFindings.filter((f) => atLeast(f.severity, threshold)),
    ),
  ]);
  let best: string | null = null;
  for (const c of candidates) {
    const history = h.without(unsafe);
    const cctx: PackageContext = {
      ...ctx,
      version: c.version,
      history,
      locked: { source: 'registry' },
      provenance: undefined,
      baselineProvenance: undefined,
      signature: undefined,
    };
    const findings = judge(
      c.version,
      candidateRules.flatMap((r) => r(cctx)),
    );
    if (findings.some((f) => atLeast(f.severity, threshold))) unsafe.add(c.version);
    else best = c.version;
  }
  return best;
}

/**
 * Versions a finding at the threshold leaves unverified: the other releases of this package in the same incident
 * (the same new file in four majors within minutes), and the releases a finding's baseline passed over between it
 * and the locked version (a release of the same burst may carry the same code, and only a look inside would say).
 */
function unverified(ctx: PackageContext, findings: RawFinding[]): string[] {
  const out: string[] = [];
  const prefix = `${ctx.name}@`;
  for (const f of findings) {
    for (const m of f.incident?.members ?? []) if (m.startsWith(prefix)) out.push(m.slice(prefix.length));
    const base = f.baseline && semver.valid(f.baseline) && semver.valid(ctx.version) ? f.baseline : undefined;
    if (base) for (const r of ctx.history?.releases ?? []) if (semver.gt(r.version, base) && semver.lt(r.version, ctx.version)) out.push(r.version);
  }
  return out;
}
