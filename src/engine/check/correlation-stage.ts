import type { InstalledPackage } from '../../core/model';
import type { PackageContext, RawFinding } from '../../core/trust/context';
import { BURST_WINDOW_MS, type CorrelationMember, type Incident, correlate, incidentFindings, scopeOf } from '../../core/trust/correlate';
import { lineOf } from '../../core/trust/baseline';

/** Bursts older than this are not worth a download in the default ('auto') content mode: they would have been found. */
const RECENT_MS = 30 * 86_400_000;

/**
 * Before content analysis: the versions that are part of a burst by their metadata alone (another judged package of
 * the same scope or publisher, or two other lines of the same package, published within an hour of them, in the
 * last 30 days). Their tarballs are analysed even in the default mode: correlation needs what they contain.
 */
export function burstTargets(contexts: readonly { ctx: PackageContext }[], now: Date): Set<string> {
  const out = new Set<string>();
  const dated: { key: string; t: number; groups: string[] }[] = [];
  for (const { ctx } of contexts) {
    const v = ctx.history?.get(ctx.version);
    const t = v?.publishedAt ? Date.parse(v.publishedAt) : NaN;
    if (Number.isNaN(t) || now.getTime() - t > RECENT_MS) continue;
    const key = `${ctx.name}@${ctx.version}`;
    const scope = scopeOf(ctx.name);
    dated.push({ key, t, groups: [...(scope ? [`s:${scope}`] : []), ...(v!.publisher ? [`p:${v!.publisher.name}`] : [])] });
    const line = lineOf(ctx.version);
    const lines = new Set(
      ctx
        .history!.releases.filter((r) => r.publishedAt && Math.abs(Date.parse(r.publishedAt) - t) <= BURST_WINDOW_MS && lineOf(r.version) !== line)
        .map((r) => lineOf(r.version)),
    );
    if (lines.size >= 2) out.add(key);
  }
  const byGroup = new Map<string, { key: string; t: number }[]>();
  for (const d of dated) for (const g of d.groups) byGroup.set(g, [...(byGroup.get(g) ?? []), d]);
  for (const list of byGroup.values()) {
    list.sort((a, b) => a.t - b.t);
    for (let i = 1; i < list.length; i++) {
      if (list[i].t - list[i - 1].t <= BURST_WINDOW_MS && list[i].key !== list[i - 1].key) {
        out.add(list[i].key);
        out.add(list[i - 1].key);
      }
    }
  }
  return out;
}

/**
 * After per-package evidence and content analysis: correlated weak signals across the judged versions become
 * incidents (core/trust/correlate.ts), whose `coordinated-release` findings go on every member's context.
 */
export function correlateContexts(
  contexts: readonly { pkg: InstalledPackage; ctx: PackageContext }[],
  contents: ReadonlyMap<string, { findings: RawFinding[]; changed: { path: string; sha256: string }[] }>,
): Incident[] {
  const members: CorrelationMember[] = [];
  for (const { ctx } of contexts) {
    const key = `${ctx.name}@${ctx.version}`;
    const content = contents.get(key);
    if (!content) continue;
    const v = ctx.history?.get(ctx.version);
    members.push({
      name: ctx.name,
      version: ctx.version,
      publishedAt: v?.publishedAt,
      publisher: v?.publisher?.name,
      findings: content.findings,
      changed: content.changed,
      history: ctx.history,
    });
  }
  const incidents = correlate(members);
  const byMember = incidentFindings(incidents);
  for (const { ctx } of contexts) {
    // Set or cleared: an early result's correlations (fewer contents) never outlive it.
    ctx.correlatedFindings = byMember.get(`${ctx.name}@${ctx.version}`);
  }
  return incidents;
}
