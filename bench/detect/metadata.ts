/**
 * Part c of `npm run bench:detect`: false positives of the metadata signals on real releases.
 *
 * Each of the real full packuments in ../shared/fixtures/packuments (real `_npmUser`, `maintainers` and `time`) has
 * its `dist-tags.latest` judged against its own real history by the same rules the engine runs, as of 30 days after
 * that release was published (so the cooldown says nothing: it is not a trust signal). The lockfile entry is the
 * registry's own (integrity, or the sha1 shasum as old lockfiles record it, and tarball URL), so only what the registry's metadata says counts. A dependency the
 * release adds is judged with the packument of that dependency when the fixtures have it.
 *
 * Target: at most 1 % of these releases with a finding at medium or above; every one is listed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PackageContext } from '../../src/core/trust/context';
import { ALL_RULES, evaluatePackage } from '../../src/core/trust/evaluate';
import { History } from '../../src/core/trust/history';
import { DEFAULT_POLICY } from '../../src/core/trust/policy';
import { addedDependencies } from '../../src/core/trust/rules/new-dependency';
import { establishedAmong, firstPublishes } from '../../src/engine/check/new-dependencies';
import { atLeast } from '../../src/core/trust/severity';
import { summarizePackument } from '../../src/core/trust/summarize';
import type { Finding, PackageSummary } from '../../src/core/trust/types';

export interface MetadataResult {
  name: string;
  version: string;
  findings: Finding[];
}

export interface MetadataReport {
  dir: string;
  packuments: number;
  judged: MetadataResult[];
  skipped: { name: string; why: string }[];
  /** Releases with a finding at medium or above. */
  flagged: MetadataResult[];
  byCode: Map<string, number>;
}

const REGISTRY = 'https://registry.example/';
const AFTER_MS = 30 * 86_400_000;

export function loadSummaries(dir: string): Map<string, PackageSummary> {
  const out = new Map<string, PackageSummary>();
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch {
      continue;
    }
    const s = summarizePackument(doc, REGISTRY, new Date().toISOString());
    // The pacote-abbrev pair and any file whose name is not its package's are left out, as the fixture registry does.
    if (!s || file !== `${s.name.replace('/', '__')}.json`) continue;
    out.set(s.name, s);
  }
  return out;
}

export function runMetadataBench(dir: string): MetadataReport {
  const summaries = loadSummaries(dir);
  const judged: MetadataResult[] = [];
  const since = firstPublishes(new Map([...summaries].map(([n, s]) => [n, new History(s, new Date())])));
  const skipped: { name: string; why: string }[] = [];
  for (const s of summaries.values()) {
    const latest = s.distTags.latest;
    const v = latest ? s.versions[latest] : undefined;
    if (!v) {
      skipped.push({ name: s.name, why: 'no dist-tags.latest in the versions' });
      continue;
    }
    if (!v.publishedAt) {
      skipped.push({ name: s.name, why: `no publish time for ${latest}` });
      continue;
    }
    if (!v.integrity && !v.shasum) {
      // A lockfile records a hash for every registry entry; without one the lockfile signal (integrity-missing) would be measured, not the registry's metadata.
      skipped.push({ name: s.name, why: `no integrity or shasum for ${latest}` });
      continue;
    }
    const now = new Date(Date.parse(v.publishedAt) + AFTER_MS);
    const history = new History(s, now);
    const ctx: PackageContext = {
      name: s.name,
      version: latest,
      locked: {
        source: 'registry',
        integrity: v.integrity ?? (v.shasum ? `sha1-${Buffer.from(v.shasum, 'hex').toString('base64')}` : undefined),
        resolved: v.tarball?.replace(/^https:\/\/registry\.(invalid|npmjs\.org)\//, REGISTRY),
      },
      history,
      registry: { url: REGISTRY, trustData: true, hasKeys: false },
      configuredHosts: [new URL(REGISTRY).host],
      advisories: [],
      now,
      cooldownMs: DEFAULT_POLICY.cooldownDays * 86_400_000,
    };
    // The dependencies it adds, judged with their own real histories where the fixtures have them (as the engine does).
    const deps = new Map<string, History>();
    for (const d of addedDependencies(ctx)) {
      const other = summaries.get(d.target);
      if (other) deps.set(d.target, new History(other, now));
    }
    ctx.dependencyHistories = deps;
    if (deps.size) ctx.establishedPublishers = establishedAmong(deps, since, Date.parse(v.publishedAt) - 365 * 86_400_000);
    const e = evaluatePackage(ctx, DEFAULT_POLICY, undefined, ALL_RULES);
    judged.push({ name: s.name, version: latest, findings: e.findings });
  }
  const flagged = judged.filter((r) => r.findings.some((f) => atLeast(f.severity, 'medium')));
  const byCode = new Map<string, number>();
  for (const r of flagged)
    for (const c of new Set(r.findings.filter((f) => atLeast(f.severity, 'medium')).map((f) => f.code))) byCode.set(c, (byCode.get(c) ?? 0) + 1);
  return { dir, packuments: summaries.size, judged, skipped, flagged, byCode };
}
