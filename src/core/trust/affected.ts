/**
 * Which versions an advisory affects, and how bad it is. Pure: no I/O.
 *
 * - npm advisories carry a semver range (`vulnerable_versions`), tested with prereleases included.
 * - OSV records carry `affected[]` entries, evaluated as the OSV schema's "Evaluation" pseudocode says
 *   (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it is listed in `versions`
 *   or lies in any SEMVER/ECOSYSTEM range. For npm both range types order by semver precedence;
 *   GIT ranges need a commit graph and are ignored here.
 */
import * as semver from 'semver';
import { maxSeverity } from './severity';
import type { Advisory, AffectedVersions, OsvAffected, Severity } from './types';

/** The fields of an OSV record this module reads. Records come from the network: every field is checked at runtime. */
export interface OsvRecord {
  id: string;
  modified?: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffectedEntry[];
  references?: { type?: string; url?: string }[];
  database_specific?: Record<string, unknown>;
}

export interface OsvSeverity {
  type: string;
  score: string;
}

export type OsvAffectedEntry = OsvAffected & {
  severity?: OsvSeverity[];
  database_specific?: Record<string, unknown>;
  ecosystem_specific?: Record<string, unknown>;
};

// ---------------------------------------------------------------------------------------------
// Version checks

export function isAffected(affected: AffectedVersions, version: string): boolean {
  if (typeof version !== 'string') return false;
  if (affected.kind === 'semver') return satisfiesNpmRange(affected.range, version);
  if (!Array.isArray(affected.affected)) return false;
  return affected.affected.some((entry) => isObject(entry) && isNpmEntry(entry) && (inVersions(entry.versions, version) || inRanges(entry.ranges, version)));
}

/** npm's `vulnerable_versions` syntax; an unparsable range or version affects nothing (and never throws). */
function satisfiesNpmRange(range: string, version: string): boolean {
  if (typeof range !== 'string') return false;
  try {
    return semver.satisfies(version, range, { includePrerelease: true });
  } catch {
    return false;
  }
}

/** Entries for another ecosystem never match; an entry without a package is taken as already filtered. */
function isNpmEntry(entry: OsvAffected): boolean {
  const ecosystem = isObject(entry.package) ? entry.package.ecosystem : undefined;
  return typeof ecosystem !== 'string' || ecosystem.toLowerCase() === 'npm';
}

/** Exact match; equal semver precedence also counts, since OSV may strip build metadata. */
function inVersions(versions: unknown, version: string): boolean {
  if (!Array.isArray(versions)) return false;
  const v = semver.parse(version);
  return versions.some((listed) => {
    if (typeof listed !== 'string') return false;
    if (listed === version) return true;
    const l = v && semver.parse(listed);
    return !!l && semver.compare(l, v) === 0;
  });
}

function inRanges(ranges: unknown, version: string): boolean {
  if (!Array.isArray(ranges)) return false;
  const v = semver.parse(version);
  if (!v) return false;
  return ranges.some((r) => isObject(r) && isOrderedType(r.type) && Array.isArray(r.events) && inRange(r.events, v));
}

function isOrderedType(type: unknown): boolean {
  return typeof type === 'string' && (type.toUpperCase() === 'SEMVER' || type.toUpperCase() === 'ECOSYSTEM');
}

type EventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';
const EVENT_KINDS: readonly EventKind[] = ['introduced', 'fixed', 'last_affected', 'limit'];

/** A point on the version line: `introduced: "0"` is before everything, a `limit` containing "*" after everything. */
type Point = semver.SemVer | 'zero' | 'infinity';
interface RangeEvent {
  kind: EventKind;
  at: Point;
}

function comparePoints(a: Point, b: Point): number {
  if (a === b) return 0;
  if (a === 'zero' || b === 'infinity') return -1;
  if (a === 'infinity' || b === 'zero') return 1;
  return semver.compare(a, b);
}

/**
 * One event object holds exactly one of the four kinds (the spec calls anything else invalid);
 * invalid events and events whose version is not valid semver are ignored.
 */
function parseEvent(raw: unknown): RangeEvent | undefined {
  if (!isObject(raw)) return undefined;
  const kinds = EVENT_KINDS.filter((k) => k in raw);
  if (kinds.length !== 1) return undefined;
  const kind = kinds[0];
  const value = raw[kind];
  if (typeof value !== 'string') return undefined;
  if (kind === 'introduced' && value === '0') return { kind, at: 'zero' };
  if (kind === 'limit' && value.includes('*')) return { kind, at: 'infinity' };
  const at = semver.parse(value);
  return at ? { kind, at } : undefined;
}

/** The spec's IncludedInRanges for one range: limits first, then walk the events in version order. */
function inRange(rawEvents: unknown[], v: semver.SemVer): boolean {
  const events = rawEvents.map(parseEvent).filter((e): e is RangeEvent => !!e);
  const limits = events.filter((e) => e.kind === 'limit');
  // No limit events means an implicit "*"; otherwise v must be below at least one of them.
  if (limits.length > 0 && !limits.some((l) => comparePoints(v, l.at) < 0)) return false;
  // Array.prototype.sort is stable: events at the same version keep the record's order.
  const timeline = events.filter((e) => e.kind !== 'limit').sort((a, b) => comparePoints(a.at, b.at));
  let vulnerable = false;
  for (const e of timeline) {
    const cmp = comparePoints(v, e.at);
    if (e.kind === 'introduced' && cmp >= 0) vulnerable = true;
    else if (e.kind === 'fixed' && cmp >= 0) vulnerable = false;
    else if (e.kind === 'last_affected' && cmp > 0) vulnerable = false;
  }
  return vulnerable;
}

// ---------------------------------------------------------------------------------------------
// Severity

/**
 * A textual severity label → ours. Used for npm advisories (`severity`) and GHSA's
 * `database_specific.severity`:
 *   critical → critical, high → high, moderate/medium → medium, low → low, info/none → info.
 * Anything else (missing, "unknown", junk) → undefined; callers choose their fallback.
 */
export function severityFromLabel(label: unknown): Severity | undefined {
  if (typeof label !== 'string') return undefined;
  switch (label.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'moderate':
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    case 'info':
    case 'informational':
    case 'none':
      return 'info';
    default:
      return undefined;
  }
}

/** When a record says nothing usable about severity. */
export const UNKNOWN_SEVERITY: Severity = 'medium';

/**
 * An OSV record's severity, first match wins:
 * 1. malware (see isMalwareRecord) → critical, whatever else the record says;
 * 2. a label in `database_specific.severity` (GHSA: LOW/MODERATE/HIGH/CRITICAL), top level or per package;
 * 3. CVSS vectors in `severity[]` (top level or per package): the v3.x base score is computed, else v2's;
 *    the highest score decides, banded as CVSS qualitative ratings (v2 by NVD's bands, which have no critical).
 *    CVSS v4 needs FIRST's lookup tables and is not scored here; Ubuntu priorities map by name;
 * 4. otherwise UNKNOWN_SEVERITY.
 */
export function severityFromOsv(record: OsvRecord): Severity {
  if (isMalwareRecord(record)) return 'critical';
  const entries = affectedEntries(record);
  const label = [record.database_specific, ...entries.flatMap((a) => [a.database_specific, a.ecosystem_specific])]
    .map((d) => (isObject(d) ? severityFromLabel(d.severity) : undefined))
    .find((s) => !!s);
  if (label) return label;
  const scored = [record.severity, ...entries.map((a) => a.severity)].flatMap((list) => (Array.isArray(list) ? list : []));
  return severityFromScores(scored) ?? UNKNOWN_SEVERITY;
}

function severityFromScores(list: unknown[]): Severity | undefined {
  const items = list.filter(isObject).filter((s) => typeof s.type === 'string' && typeof s.score === 'string') as unknown as OsvSeverity[];
  const of = (type: string) => items.filter((s) => s.type.toUpperCase() === type).map((s) => s.score);
  const v3 = of('CVSS_V3')
    .map(cvss3BaseScore)
    .filter((n): n is number => n !== undefined);
  if (v3.length) return cvss3Band(Math.max(...v3));
  const v2 = of('CVSS_V2')
    .map(cvss2BaseScore)
    .filter((n): n is number => n !== undefined);
  if (v2.length) return cvss2Band(Math.max(...v2));
  const ubuntu = of('UBUNTU').map((p) => (p.toLowerCase() === 'negligible' ? 'info' : severityFromLabel(p)));
  return maxSeverity(ubuntu.filter((s): s is Severity => !!s));
}

function cvss3Band(score: number): Severity {
  if (score === 0) return 'info';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

function cvss2Band(score: number): Severity {
  if (score === 0) return 'info';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  return 'high';
}

function vectorMetrics(vector: string): Record<string, string> {
  const metrics: Record<string, string> = {};
  for (const part of vector.replace(/[()]/g, '').split('/')) {
    const [key, value] = part.split(':');
    if (key && value !== undefined) metrics[key] = value;
  }
  return metrics;
}

/** CVSS v3.0/v3.1 base score (specification section 7.1); undefined when a base metric is missing. */
export function cvss3BaseScore(vector: string): number | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector)) return undefined;
  const m = vectorMetrics(vector);
  const changed = m.S === 'C';
  if (m.S !== 'U' && !changed) return undefined;
  const av = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 }[m.AV];
  const ac = { L: 0.77, H: 0.44 }[m.AC];
  const pr = changed ? { N: 0.85, L: 0.68, H: 0.5 }[m.PR] : { N: 0.85, L: 0.62, H: 0.27 }[m.PR];
  const ui = { N: 0.85, R: 0.62 }[m.UI];
  const cia = (x: string) => ({ H: 0.56, L: 0.22, N: 0 })[x];
  const c = cia(m.C);
  const i = cia(m.I);
  const a = cia(m.A);
  if ([av, ac, pr, ui, c, i, a].some((x) => x === undefined)) return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  if (impact <= 0) return 0;
  const exploitability = 8.22 * av! * ac! * pr! * ui!;
  return roundUp1(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
}

/** CVSS v3.1's Roundup: the smallest one-decimal number ≥ x, robust to floating-point noise. */
function roundUp1(x: number): number {
  const n = Math.round(x * 100000);
  return n % 10000 === 0 ? n / 100000 : (Math.floor(n / 10000) + 1) / 10;
}

/** CVSS v2 base score (v2 guide section 3.2.1). */
export function cvss2BaseScore(vector: string): number | undefined {
  const m = vectorMetrics(vector.replace(/^CVSS:2\.0\//, ''));
  const av = { L: 0.395, A: 0.646, N: 1 }[m.AV];
  const ac = { H: 0.35, M: 0.61, L: 0.71 }[m.AC];
  const au = { M: 0.45, S: 0.56, N: 0.704 }[m.Au];
  const cia = (x: string) => ({ N: 0, P: 0.275, C: 0.66 })[x];
  const c = cia(m.C);
  const i = cia(m.I);
  const a = cia(m.A);
  if ([av, ac, au, c, i, a].some((x) => x === undefined)) return undefined;
  const impact = 10.41 * (1 - (1 - c!) * (1 - i!) * (1 - a!));
  const exploitability = 20 * av! * ac! * au!;
  const f = impact === 0 ? 0 : 1.176;
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}

// ---------------------------------------------------------------------------------------------
// Malware and conversion to Advisory

const MALWARE_SUMMARY = /\bmalicious (?:code|package|version|software)\b|\bmalware\b/i;

/** An OSV record about malicious code: a MAL-* id, CWE-506 (Embedded Malicious Code), or a summary saying so. */
export function isMalwareRecord(record: OsvRecord): boolean {
  if (typeof record.id === 'string' && record.id.toUpperCase().startsWith('MAL-')) return true;
  if (recordCwes(record).includes('CWE-506')) return true;
  return typeof record.summary === 'string' && MALWARE_SUMMARY.test(record.summary);
}

/** CWE ids wherever databases put them: GHSA `cwe_ids: ["CWE-1321"]`, OpenSSF `cwes: [{ cweId }]`, per package or not. */
function recordCwes(record: OsvRecord): string[] {
  const places = [record.database_specific, ...affectedEntries(record).map((a) => a.database_specific)].filter(isObject);
  return places
    .flatMap((d) => [...(Array.isArray(d.cwe_ids) ? d.cwe_ids : []), ...(Array.isArray(d.cwes) ? d.cwes.map((c) => (isObject(c) ? c.cweId : c)) : [])])
    .filter((c): c is string => typeof c === 'string')
    .map((c) => c.toUpperCase());
}

/**
 * The Advisory a record makes for one npm package, or undefined when the record does not name that package
 * in the npm ecosystem (or is withdrawn). `affected` keeps only that package's entries.
 */
export function advisoryFromOsv(record: OsvRecord, packageName: string, source: Advisory['source']): Advisory | undefined {
  if (!isObject(record) || typeof record.id !== 'string' || record.id === '' || record.withdrawn) return undefined;
  const entries = affectedEntries(record).filter((a) => npmPackageName(a) === packageName);
  if (entries.length === 0) return undefined;
  return {
    id: record.id,
    aliases: Array.isArray(record.aliases) ? record.aliases.filter((a): a is string => typeof a === 'string') : [],
    source,
    packageName,
    severity: severityFromOsv(record),
    title: titleOf(record),
    url: `https://osv.dev/vulnerability/${encodeURIComponent(record.id)}`,
    malware: isMalwareRecord(record),
    affected: { kind: 'osv', affected: entries.map(reduceEntry) },
    ...(typeof record.published === 'string' && !Number.isNaN(Date.parse(record.published)) ? { published: new Date(record.published).toISOString() } : {}),
  };
}

/** One Advisory per npm package the record affects. */
export function advisoriesFromOsv(record: OsvRecord, source: Advisory['source']): Advisory[] {
  if (!isObject(record)) return [];
  const names = new Set(
    affectedEntries(record)
      .map(npmPackageName)
      .filter((n): n is string => !!n),
  );
  return [...names].map((name) => advisoryFromOsv(record, name, source)).filter((a): a is Advisory => !!a);
}

function npmPackageName(entry: OsvAffectedEntry): string | undefined {
  const pkg = entry.package;
  if (!isObject(pkg) || typeof pkg.name !== 'string' || pkg.name === '') return undefined;
  return typeof pkg.ecosystem === 'string' && pkg.ecosystem.toLowerCase() === 'npm' ? pkg.name : undefined;
}

function affectedEntries(record: OsvRecord): OsvAffectedEntry[] {
  return Array.isArray(record.affected) ? record.affected.filter(isObject) : [];
}

/** Only what decides affectedness, so advisories stay small when cached. */
function reduceEntry(entry: OsvAffectedEntry): OsvAffected {
  const out: OsvAffected = { package: { ecosystem: entry.package?.ecosystem, name: entry.package?.name } };
  if (Array.isArray(entry.ranges)) {
    out.ranges = entry.ranges
      .filter((r) => isObject(r) && typeof r.type === 'string' && Array.isArray(r.events))
      .map((r) => ({ type: r.type, events: r.events.filter(isObject) as Record<string, string>[] }));
  }
  if (Array.isArray(entry.versions)) out.versions = entry.versions.filter((v): v is string => typeof v === 'string');
  return out;
}

function titleOf(record: OsvRecord): string {
  if (typeof record.summary === 'string' && record.summary.trim()) return record.summary.trim();
  const firstLine = typeof record.details === 'string' ? record.details.trim().split('\n')[0].trim() : '';
  if (firstLine) return firstLine.length > 120 ? `${firstLine.slice(0, 117)}...` : firstLine;
  return record.id;
}

// Untrusted JSON: shape checks happen field by field at the point of use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
