import type { InstalledPackage } from '../../core/model';
import type { PackageContext, RawFinding } from '../../core/trust/context';
import type { Gap } from '../../core/trust/coverage';
import type { PackageError } from '../infra/errors';
import type { ContentAnalysisCache, ContentAnalysis, TarballRef } from '../content/fetch-contents';
import { isAbort } from '../infra/errors';
import type { VersionSummary } from '../../core/trust/types';

/** What content analysis said about one version compared with the release before it. */
export interface ContentResult {
  previous: string | null;
  findings: RawFinding[];
  truncated: boolean;
}

function tarballRef(registry: string, name: string, v: VersionSummary): TarballRef {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return { version: v.version, tarball: v.tarball ?? `${registry}${name}/-/${base}-${v.version}.tgz`, integrity: v.integrity, shasum: v.shasum };
}

/**
 * Looks inside the tarballs: each target version against the release before it (by publish date, same
 * stable/prerelease line), downloaded with integrity checks, read in memory, never executed. Results are
 * cached for good per (name, version, previous version, analyzer version).
 */
export async function analyzeContents(
  targets: { pkg: InstalledPackage; ctx: PackageContext }[],
  opts: { analyses: ContentAnalysisCache; signal?: AbortSignal; errors: PackageError[]; gaps: Gap[] },
): Promise<Map<string, ContentResult>> {
  const analyses = opts.analyses;
  const out = new Map<string, ContentResult>();
  await Promise.all(
    targets.map(async ({ ctx }) => {
      const h = ctx.history;
      const v = h?.get(ctx.version);
      if (!h || !v) return;
      const prev = h.previous(ctx.version);
      let analysis: ContentAnalysis;
      try {
        analysis = await analyses.analyze(
          {
            name: ctx.name,
            registry: ctx.registry.url,
            current: tarballRef(ctx.registry.url, ctx.name, v),
            previous: prev ? tarballRef(ctx.registry.url, ctx.name, prev) : undefined,
            context: { registry: v, history: h.earlier(ctx.version).slice(-10).map((e) => ({ unpackedSize: e.unpackedSize, fileCount: e.fileCount })) },
          },
          opts.signal,
        );
      } catch (e) {
        if (isAbort(e, opts.signal)) throw e;
        const err = e as { code?: string; message?: string };
        if (err.code !== 'offline-miss') opts.errors.push({ package: `${ctx.name}@${ctx.version}`, code: err.code ?? 'error', message: `content analysis: ${err.message}` });
        opts.gaps.push({ package: ctx.name, version: ctx.version, signal: 'content', reason: err.message ?? String(e) });
        return;
      }
      out.set(`${ctx.name}@${ctx.version}`, { previous: prev?.version ?? null, findings: analysis.findings, truncated: !!analysis.truncated });
    }),
  );
  return out;
}
