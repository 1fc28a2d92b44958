import type { PackageContext } from '../trust/context';
import type { Signal } from '../trust/coverage';
import { isAffected } from '../trust/affected';
import { installScriptsOf } from '../trust/rules/install-scripts';
import { tarballOf } from '../trust/summarize';
import type { Finding, ProvenanceVerdict, Publisher, Severity, SignatureVerdict } from '../trust/types';

/** What a hover shows about one installed name@version: the facts, the findings and the safe version. */
export interface TrustCard {
  name: string;
  version: string;
  registry: string;
  publishedAt?: string;
  publisher?: Publisher;
  /** The publisher published none of the earlier releases (undefined: unknown). */
  publisherIsNew?: boolean;
  provenance?: ProvenanceVerdict;
  signature?: SignatureVerdict;
  installScripts?: Record<string, string>;
  advisories: { id: string; severity: Severity; title: string; url?: string; malware: boolean; published?: string }[];
  safeVersion: string | null;
  findings: Pick<Finding, 'code' | 'severity' | 'message' | 'incident'>[];
  /** The registry carries trust metadata at all (else provenance and publisher are unknown). */
  trustData: boolean;
  /** Tarball and package page links. */
  tarball?: string;
  /** The registry's own hashes of the tarball (`dist.integrity`, `dist.shasum`), to compare with the lockfile's. */
  registryIntegrity?: { integrity?: string; shasum?: string };
  /** What looking inside the tarball found, compared with `previous` (absent when it was not analysed). */
  changes?: { previous: string | null; findings: Pick<Finding, 'code' | 'severity' | 'message'>[]; truncated: boolean };
  /** What could not be judged about this version (unknown is not clean): shown before anything that looks clean. */
  notChecked?: { signal: Signal; reason: string; pending?: true }[];
  /** Where this name@version sits: its lockfile entries and, for a direct dependency, its package.json entries (offsets). */
  locations: { file: string; startOffset: number; endOffset: number }[];
}

export function trustCard(ctx: PackageContext, findings: Finding[], safeVersion: string | null, locations: TrustCard['locations']): TrustCard {
  const v = ctx.history?.get(ctx.version);
  const earlier = v ? ctx.history!.earlier(ctx.version) : [];
  const publishers = new Set(earlier.map((e) => e.publisher?.name).filter(Boolean));
  const scripts = v ? installScriptsOf(v) : {};
  return {
    name: ctx.name,
    version: ctx.version,
    registry: ctx.registry.url,
    publishedAt: v?.publishedAt,
    publisher: v?.publisher,
    publisherIsNew: v?.publisher && publishers.size ? !publishers.has(v.publisher.name) : undefined,
    provenance: ctx.provenance,
    signature: ctx.signature,
    ...(Object.keys(scripts).length ? { installScripts: scripts } : {}),
    advisories: ctx.advisories
      .filter((a) => isAffected(a.affected, ctx.version))
      .map((a) => ({ id: a.id, severity: a.severity, title: a.title, url: a.url, malware: a.malware, ...(a.published ? { published: a.published } : {}) })),
    safeVersion,
    findings: findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message, ...(f.incident ? { incident: f.incident } : {}) })),
    trustData: ctx.registry.trustData,
    tarball: v && tarballOf(ctx.history!.summary, v),
    ...(v && (v.integrity || v.shasum) ? { registryIntegrity: { integrity: v.integrity, shasum: v.shasum } } : {}),
    locations,
  };
}
