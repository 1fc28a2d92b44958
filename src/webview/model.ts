// Reading the extension's `{ type: 'report' }` message into a predictable shape. Its data comes from package
// registries and advisory feeds: every field is checked here, named by the protocol's types but not trusted to have
// them, so that the rest of the page works on a Model whose every value is present and of its type.
import type { CommitInfo, FlagReason, PackageExposure } from '../core/exposure';
import type { FindingLocation, LocatedFinding } from '../core/report/locate';
import type { ReleaseRow, ReleaseTimeline } from '../core/report/timeline';
import type { CodeInfo } from '../core/trust/codes';
import type { Severity } from '../core/trust/types';
import type { ReportHostMessage } from '../protocol/report-page';
import type { ReportResult } from '../protocol/service';
import type { IconName } from './dom';

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary

export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
export const SEVERITY_LABEL: Record<Severity, string> = { info: 'Info', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

export interface EvidenceInfo {
  key: 'none' | 'prov' | 'trusted' | 'staged' | 'unknown';
  /** Strength, strongest last. */
  rank: number;
  label: string;
  icon: IconName;
  help: string;
}

/** Evidence levels as timeline.ts names them, strongest last. */
export const EVIDENCE: Record<ReleaseRow['evidence'], EvidenceInfo> = {
  'no provenance': {
    key: 'none',
    rank: 0,
    label: 'no provenance',
    icon: 'none',
    help: 'Published without provenance: nothing links this release to a source repository or a CI run.',
  },
  provenance: {
    key: 'prov',
    rank: 1,
    label: 'provenance',
    icon: 'shield',
    help: 'Signed build provenance links this release to its source repository and CI run.',
  },
  'trusted publisher with provenance': {
    key: 'trusted',
    rank: 2,
    label: 'trusted publisher + provenance',
    icon: 'shield',
    help: 'Published from CI through a trusted publisher (OIDC, no long-lived token), with signed provenance.',
  },
  'staged publish': {
    key: 'staged',
    rank: 3,
    label: 'staged publish',
    icon: 'staged',
    help: 'Staged publish: a maintainer approved this release before it went live.',
  },
};
export const UNKNOWN_EVIDENCE: EvidenceInfo = {
  key: 'unknown',
  rank: 0,
  label: 'unknown',
  icon: 'unknown',
  help: 'This registry serves no trust metadata: provenance and publisher are unknown, not missing.',
};

// ---------------------------------------------------------------------------------------------------------------
// The model the page renders

/** One colour per kind of signal, as the legend says: malware red, vulnerability orange, change yellow. */
export type Tone = 'red' | 'orange' | 'yellow' | 'script' | 'locked' | '';

export interface Release {
  /** Position in `Model.releases` (oldest first). */
  index: number;
  version: string;
  date: Date | null;
  publisher: string;
  evidence: EvidenceInfo;
  scripts: { name: string; command: string }[];
  advisories: { id: string; severity: Severity; title: string; malware: boolean }[];
  deprecated: string;
  locked: boolean;
  changes: string[];
  malware: boolean;
  tone: Tone;
  notable: boolean;
  /** The release before (oldest first). */
  prev?: Release;
}

export interface FindingView {
  i: number;
  code: string;
  severity: Severity;
  package: string;
  version: string;
  message: string;
  evidence: { label: string; value: string }[];
  safeVersion: string;
  file: string;
  line: number;
  locations: { kind: 'manifest' | 'lockfile'; file: string; line: number }[];
  direct: boolean;
  via: string[];
  advisory: { id: string; title: string } | null;
}

export interface Commit {
  hash: string;
  date: Date | null;
  author: string;
  subject: string;
}

export interface ExposureView {
  unavailable: string;
  shallow: boolean;
  unreadable: number;
  windows: {
    version: string;
    file: string;
    workspace: string;
    opened: Commit;
    openedBefore: boolean;
    closed: Commit | null;
    flagged: { code: string; severity: Severity; message: string; advisory: string }[];
  }[];
}

export interface Model {
  name: string;
  registry: string;
  exposure: ExposureView | null;
  trustData: boolean;
  /** Oldest first. */
  releases: Release[];
  total: number;
  /** Worst first. */
  findings: FindingView[];
  /** Versions installed by this project. */
  locked: string[];
  codes: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------
// Readers

/** A received object whose fields are named by the protocol type T but not yet checked. */
type Unchecked<T> = { [K in keyof T]?: unknown };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fields = <T>(v: unknown): Unchecked<T> | null => (isObj(v) ? (v as Unchecked<T>) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** The objects of a list, each with its fields named by T. */
const objects = <T>(v: unknown): Unchecked<T>[] => arr(v).filter(isObj) as Unchecked<T>[];
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const sev = (v: unknown): Severity => (SEVERITIES.includes(v as Severity) ? (v as Severity) : 'info');
const posInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
export const sevRank = (s: Severity): number => SEVERITIES.indexOf(s);

function date(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
export const ymd = (d: Date | null): string => (d ? d.toISOString().slice(0, 10) : '—');
export const ym = (d: Date | null): string => (d ? d.toISOString().slice(0, 7) : '—');
export const stamp = (d: Date | null): string => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'unknown date');

/** The model of a `{ type: 'report' }` message (the caller has checked `type`). */
export function readModel(msg: Unchecked<ReportHostMessage>): Model {
  const result = fields<ReportResult>(msg.result) ?? {};
  const tl = fields<ReleaseTimeline>(result.timeline) ?? {};
  const codes = isObj(msg.codes) ? msg.codes : {};
  const trustData = tl.trustData !== false;

  const releases = objects<ReleaseRow>(tl.releases).map((r, index): Release => {
    const installScripts = fields<Record<string, unknown>>(r.installScripts);
    const scripts = installScripts
      ? Object.entries(installScripts)
          .filter((e): e is [string, string] => typeof e[1] === 'string' && !!e[0])
          .map(([k, v]) => ({ name: k, command: v }))
      : [];
    const advisories = objects<ReleaseRow['advisories'][number]>(r.advisories).map((a) => ({
      id: str(a.id) || 'advisory',
      severity: sev(a.severity),
      title: str(a.title),
      malware: a.malware === true,
    }));
    const level = str(r.evidence);
    const evidence = !trustData ? UNKNOWN_EVIDENCE : Object.hasOwn(EVIDENCE, level) ? EVIDENCE[level as ReleaseRow['evidence']] : EVIDENCE['no provenance'];
    const changes = arr(r.changes).filter((c): c is string => typeof c === 'string' && !!c);
    const locked = r.locked === true;
    const malware = advisories.some((a) => a.malware);
    return {
      index,
      version: str(r.version) || '?',
      date: date(r.publishedAt),
      publisher: str(r.publisher),
      evidence,
      scripts,
      advisories,
      deprecated: str(r.deprecated),
      locked,
      changes,
      malware,
      tone: malware ? 'red' : advisories.length ? 'orange' : changes.length ? 'yellow' : scripts.length ? 'script' : locked ? 'locked' : '',
      notable: locked || changes.length > 0 || advisories.length > 0 || scripts.length > 0,
    };
  });
  for (let i = 1; i < releases.length; i++) releases[i].prev = releases[i - 1];

  const findings = objects<LocatedFinding>(result.findings)
    .map((f, i): FindingView => {
      const advisory = fields<NonNullable<LocatedFinding['advisory']>>(f.advisory);
      return {
        i,
        code: str(f.code),
        severity: sev(f.severity),
        package: str(f.package) || str(tl.name),
        version: str(f.version),
        message: str(f.message),
        evidence: objects<LocatedFinding['evidence'][number]>(f.evidence).map((e) => ({ label: str(e.label), value: str(e.value) })),
        safeVersion: str(f.safeVersion),
        file: str(f.file),
        line: posInt(f.line) ? f.line : 1,
        locations: objects<FindingLocation>(f.locations)
          .filter((l) => typeof l.file === 'string' && l.file && posInt(l.line))
          .map((l) => ({ kind: l.kind === 'manifest' ? 'manifest' : 'lockfile', file: l.file as string, line: l.line as number })),
        direct: f.direct === true,
        via: arr(f.via).filter((v): v is string => typeof v === 'string'),
        advisory: advisory ? { id: str(advisory.id), title: str(advisory.title) } : null,
      };
    })
    .sort((a, b) => sevRank(b.severity) - sevRank(a.severity) || a.i - b.i);

  const locked: string[] = [];
  for (const r of releases) if (r.locked && !locked.includes(r.version)) locked.push(r.version);
  for (const f of findings) if (f.version && !locked.includes(f.version)) locked.push(f.version);

  return {
    name: str(tl.name) || 'unknown package',
    registry: str(tl.registry),
    exposure: readExposure(result),
    trustData,
    releases,
    total: typeof tl.total === 'number' ? tl.total : releases.length,
    findings,
    locked,
    codes,
  };
}

/** When each version was locked, from the lockfiles' git history (src/core/exposure.ts PackageExposure). */
function readExposure(result: Unchecked<ReportResult>): ExposureView | null {
  const x = fields<PackageExposure>(result.exposure);
  if (!x) return null;
  const commit = (v: unknown): Commit | null => {
    const c = fields<CommitInfo>(v);
    return c ? { hash: str(c.hash), date: date(c.date), author: str(c.author), subject: str(c.subject) } : null;
  };
  const windows: ExposureView['windows'] = [];
  for (const w of objects<PackageExposure['windows'][number]>(x.windows)) {
    const opened = commit(w.opened);
    if (!opened) continue;
    windows.push({
      version: str(w.version) || '?',
      file: str(w.file),
      workspace: str(w.workspace),
      opened,
      openedBefore: w.openedBefore === true,
      closed: commit(w.closed),
      flagged: objects<FlagReason>(w.flagged).map((r) => ({
        code: str(r.code),
        severity: sev(r.severity),
        message: str(r.message),
        advisory: str(fields<NonNullable<FlagReason['advisory']>>(r.advisory)?.id),
      })),
    });
  }
  return {
    unavailable: str(x.unavailable),
    shallow: x.shallow === true,
    unreadable: Number.isSafeInteger(x.unreadable) ? (x.unreadable as number) : 0,
    windows,
  };
}

/** A finding code's title and one line of explanation, as the extension sent them. */
export function codeInfo(model: Model, code: string): { title: string; description: string } {
  const c = (Object.hasOwn(model.codes, code) && fields<CodeInfo>(model.codes[code])) || {};
  return { title: str(c.title) || code || 'Finding', description: str(c.description) };
}
