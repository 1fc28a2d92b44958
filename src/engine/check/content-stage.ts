import type { InstalledPackage } from '../../core/model';
import type { PackageContext, RawFinding } from '../../core/trust/context';
import type { Gap } from '../../core/trust/coverage';
import type { PackageError } from '../infra/errors';
import type { ContentAnalysisCache, ContentAnalysis, TarballRef } from '../content/fetch-contents';
import { isAbort } from '../infra/errors';
import type { VersionSummary } from '../../core/trust/types';
import { tarballOf } from '../../core/trust/summarize';
import type { ChangedFile } from '../content/changed-files';
import { type Baseline, baselineEvidence, baselineOf } from '../../core/trust/baseline';

/** Annotated findings per cached analysis: the same object while the analysis and its baseline are (evaluations are memoised by identity). */
const annotated = new WeakMap<ContentAnalysis, { key: string; findings: RawFinding[] }>();

function withBaseline(analysis: ContentAnalysis, base: Baseline): RawFinding[] {
  const evidence = baselineEvidence(base);
  const key = `${base.version}\0${evidence.value}`;
  const hit = annotated.get(analysis);
  if (hit?.key === key) return hit.findings;
  const findings = analysis.findings.map((f) => ({ ...f, baseline: base.version, evidence: [...f.evidence, evidence] }));
  annotated.set(analysis, { key, findings });
  return findings;
}

/** What content analysis said about one version compared with the release before it. */
export interface ContentResult {
  previous: string | null;
  findings: RawFinding[];
  truncated: boolean;
  /** Code files added or changed since `previous`, by content hash. */
  changed: ChangedFile[];
}

function tarballRef(registry: string, name: string, v: VersionSummary): TarballRef {
  return {
    version: v.version,
    tarball: tarballOf({ registry, name }, v),
    integrity: v.integrity,
    shasum: v.shasum,
    unpackedSize: v.unpackedSize,
  };
}

/** The gap of an analysis still running when an early result is made (run-check's `onPartial`). */
export function pendingContentGap(name: string, version: string): Gap {
  return { package: name, version, signal: 'content', reason: 'the tarballs are still being analysed; the full result follows', pending: true };
}

/**
 * Looks inside the tarballs: each target version against its baseline (core/trust/baseline.ts: the last release of
 * its line before a quiet gap that is not itself flagged, ordered by semver), downloaded with integrity checks, read in memory, never executed. Results are
 * cached for good per (name, version, previous version, analyzer version).
 */
export async function analyzeContents(
  targets: { pkg: InstalledPackage; ctx: PackageContext }[],
  opts: {
    analyses: ContentAnalysisCache;
    signal?: AbortSignal;
    errors: PackageError[];
    gaps: Gap[];
    /** Only results already known (memory or disk): every other target is a pending gap, and nothing is downloaded. */
    knownOnly?: boolean;
    /** Called as each target is done with (analysed, failed, or nothing to analyse), with the results so far. */
    settled?: (key: string, results: ReadonlyMap<string, ContentResult>) => void;
  },
): Promise<Map<string, ContentResult>> {
  const analyses = opts.analyses;
  const out = new Map<string, ContentResult>();
  // What package.json shows first: direct dependencies start their downloads (and analyses) before the rest.
  const ordered = [...targets.filter((t) => t.pkg.direct), ...targets.filter((t) => !t.pkg.direct)];
  await Promise.all(
    ordered.map(async ({ ctx }) => {
      const key = `${ctx.name}@${ctx.version}`;
      try {
        await analyzeOne(ctx, key);
      } finally {
        opts.settled?.(key, out);
      }
    }),
  );
  return out;

  async function analyzeOne(ctx: PackageContext, key: string): Promise<void> {
    const h = ctx.history;
    const v = h?.get(ctx.version);
    if (!h || !v) return;
    const base = baselineOf(ctx);
    const prev = base ? h.get(base.version) : undefined;
    const req = {
      name: ctx.name,
      registry: ctx.registry.url,
      current: tarballRef(ctx.registry.url, ctx.name, v),
      previous: prev ? tarballRef(ctx.registry.url, ctx.name, prev) : undefined,
      context: {
        registry: v,
        history: h
          .earlier(ctx.version)
          .slice(-10)
          .map((e) => ({ unpackedSize: e.unpackedSize, fileCount: e.fileCount })),
      },
    };
    let analysis: ContentAnalysis | undefined;
    try {
      analysis = opts.knownOnly ? await analyses.peek(req).catch(() => undefined) : await analyses.analyze(req, opts.signal);
      if (!analysis) {
        opts.gaps.push(pendingContentGap(ctx.name, ctx.version));
        return;
      }
    } catch (e) {
      if (isAbort(e, opts.signal)) throw e;
      const err = e as { code?: string; message?: string };
      if (err.code !== 'offline-miss') opts.errors.push({ package: key, code: err.code ?? 'error', message: `content analysis: ${err.message}` });
      opts.gaps.push({ package: ctx.name, version: ctx.version, signal: 'content', reason: err.message ?? String(e) });
      return;
    }
    // Every finding says which release it compared with, and why that one (the analysis itself is cached per pair).
    const findings = base ? withBaseline(analysis, base) : analysis.findings;
    out.set(key, { previous: prev?.version ?? null, findings, truncated: !!analysis.truncated, changed: analysis.changed ?? [] });
  }
}
