import * as semver from 'semver';
import { isAffected } from '../trust/affected';
import { History } from '../trust/history';
import { EVIDENCE_LEVELS, evidenceLevel } from '../trust/rules/provenance';
import { installScriptsOf } from '../trust/rules/install-scripts';
import type { Advisory, PackageSummary, Severity } from '../trust/types';

/** One release of a package as the trust report's timeline draws it. */
export interface ReleaseRow {
  version: string;
  publishedAt?: string;
  publisher?: string;
  /** How the release was published: none, provenance, trusted publisher with provenance, staged publish. */
  evidence: (typeof EVIDENCE_LEVELS)[number];
  installScripts?: Record<string, string>;
  advisories: { id: string; severity: Severity; title: string; malware: boolean }[];
  deprecated?: string;
  /** Installed by this project. */
  locked: boolean;
  /** What changed compared with the release before (new publisher, weaker evidence, new install script). */
  changes: string[];
}

export interface ReleaseTimeline {
  name: string;
  registry: string;
  trustData: boolean;
  releases: ReleaseRow[];
  /** Releases in the history; `releases` may hold fewer (the newest and every locked one). */
  total: number;
}

/** The package's releases oldest first, each with what changed since the one before, so breaks stand out. */
export function releaseTimeline(summary: PackageSummary, advisories: Advisory[], locked: string[], now: Date, limit = 200): ReleaseTimeline {
  const history = new History(summary, now);
  const rows: ReleaseRow[] = [];
  const seenPublishers = new Set<string>();
  let prev: ReleaseRow | undefined;
  let prevScripts: Record<string, string> = {};
  for (const v of history.releases) {
    const scripts = installScriptsOf(v);
    const row: ReleaseRow = {
      version: v.version,
      publishedAt: v.publishedAt,
      publisher: v.publisher?.name,
      evidence: EVIDENCE_LEVELS[evidenceLevel(v)],
      ...(Object.keys(scripts).length ? { installScripts: scripts } : {}),
      advisories: advisories
        .filter((a) => isAffected(a.affected, v.version))
        .map((a) => ({ id: a.id, severity: a.severity, title: a.title, malware: a.malware })),
      ...(v.deprecated ? { deprecated: v.deprecated } : {}),
      locked: locked.includes(v.version),
      changes: [],
    };
    if (prev && !semver.prerelease(v.version)) {
      if (row.publisher && seenPublishers.size && !seenPublishers.has(row.publisher)) row.changes.push(`new publisher ${row.publisher}`);
      if (EVIDENCE_LEVELS.indexOf(row.evidence) < EVIDENCE_LEVELS.indexOf(prev.evidence)) row.changes.push(`${row.evidence} after ${prev.evidence}`);
      for (const [k, cmd] of Object.entries(scripts)) if (prevScripts[k] !== cmd) row.changes.push(prevScripts[k] ? `${k} changed` : `new ${k} script`);
    }
    if (row.publisher) seenPublishers.add(row.publisher);
    if (!semver.prerelease(v.version)) {
      prev = row;
      prevScripts = scripts;
    }
    rows.push(row);
  }
  // Keep the newest releases and every locked one.
  const kept = rows.length > limit ? rows.filter((r, i) => i >= rows.length - limit || r.locked) : rows;
  return { name: summary.name, registry: summary.registry, trustData: Object.values(summary.trustMetadata).some(Boolean), releases: kept, total: rows.length };
}
