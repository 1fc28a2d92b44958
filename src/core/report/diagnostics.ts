import type { SourceRange } from '../model';
import { CODES } from '../trust/codes';
import { severityRank } from '../trust/severity';
import type { Finding, FindingCode, Severity } from '../trust/types';
import type { LocatedFinding } from './locate';

/**
 * One Problems-panel entry, before it becomes a vscode.Diagnostic: one per package version and place, whatever the
 * number of its findings (74 findings were 394 Problems rows on a real monorepo when each finding, each place and
 * each evidence row had its own). A direct dependency's entry also gets one line for everything flagged that it
 * brings in.
 */
export interface DiagnosticSpec {
  file: string;
  range: SourceRange;
  /** The worst finding's severity. */
  severity: Severity;
  /** The worst finding's code (its explanation is the diagnostic's link). */
  code: FindingCode;
  message: string;
  /** One line per finding (or, on a direct dependency, per flagged package it brings in), worst first. */
  related: string[];
  /** Every finding this entry stands for, worst first. */
  findings: Pick<LocatedFinding, 'code' | 'severity'>[];
  /** For an incident: the other members' entries, shown as related information where they are. */
  relatedLocations?: { file: string; range: SourceRange; message: string }[];
  /** What a quick fix needs. */
  data: DiagnosticData;
}

export interface DiagnosticData {
  /** The worst finding's code. */
  code: FindingCode;
  /** Every code of the findings this entry stands for (an Allow covers them all). */
  codes: FindingCode[];
  /** The worst severity. */
  severity: Severity;
  package: string;
  version: string;
  safeVersion: string | null;
  /** Where this diagnostic sits: the flagged version's own entry, or the direct dependency that brings it in. */
  kind: 'lockfile' | 'manifest' | 'via';
  /** The flagged version is a direct dependency (pin it) rather than a transitive one (override it). */
  direct: boolean;
  viaDependency?: string;
  /** Lockfile ids (npm: install locations) of the flagged version's entries. */
  ids?: string[];
  /** For `via`: each flagged package the direct dependency brings in. */
  brings?: { package: string; version: string; safeVersion: string | null; codes: FindingCode[] }[];
}

const worstFirst = <T extends { severity: Severity }>(list: T[]) => [...list].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
const codeTitle = (code: FindingCode) => CODES[code].title.charAt(0).toLowerCase() + CODES[code].title.slice(1);
/** A finding's short name in a summary; an early result's pending analysis is not "not checked" but still running. */
const title = (f: Pick<Finding, 'code' | 'pending'>) => (f.pending ? 'still being checked' : codeTitle(f.code));
const label = (f: Pick<LocatedFinding, 'package' | 'version'>) => (f.version ? `${f.package}@${f.version}` : f.package);

/** The Problems-panel entries of a check's findings: one per version and place, one per direct dependency for what it brings in. */
export function diagnosticSpecs(findings: readonly LocatedFinding[]): DiagnosticSpec[] {
  const own = new Map<string, { file: string; range: SourceRange; kind: 'lockfile' | 'manifest'; findings: LocatedFinding[] }>();
  const via = new Map<string, { file: string; range: SourceRange; dependency: string; items: { f: LocatedFinding; path: string[] }[] }>();
  for (const f of findings) {
    for (const l of f.locations) {
      const place = `${l.file}:${l.range.startOffset}`;
      if (l.kind === 'via' && l.via) {
        const key = `${place}:${l.via.dependency}`;
        let g = via.get(key);
        if (!g) via.set(key, (g = { file: l.file, range: l.range, dependency: l.via.dependency, items: [] }));
        if (!g.items.some((i) => i.f === f)) g.items.push({ f, path: l.via.path });
        continue;
      }
      // Project-wide findings (`*`) are each their own cause; a version's findings at one place are one entry.
      const key = `${place}:${f.package}@${f.version}${f.package === '*' ? `:${f.code}` : ''}`;
      let g = own.get(key);
      if (!g) own.set(key, (g = { file: l.file, range: l.range, kind: l.kind === 'via' ? 'lockfile' : l.kind, findings: [] }));
      if (!g.findings.includes(f)) g.findings.push(f);
    }
  }
  // An incident across packages: each member's entry links the other members where they are.
  const members = new Map<string, { file: string; range: SourceRange; message: string; key: string }[]>();
  for (const f of findings) {
    const l = f.incident && f.locations[0];
    if (!l) continue;
    const message = `${label(f)}: member of this incident${f.safeVersion && f.safeVersion !== f.version ? `, safe version ${f.safeVersion}` : ''}`;
    members.set(f.incident!.id, [...(members.get(f.incident!.id) ?? []), { file: l.file, range: l.range, message, key: label(f) }]);
  }
  const out: DiagnosticSpec[] = [];
  for (const g of own.values()) {
    const list = worstFirst(g.findings);
    const worst = list[0];
    const incident = list.find((f) => f.incident)?.incident;
    const others = incident
      ? members
          .get(incident.id)!
          .filter((m) => m.key !== label(worst))
          .map(({ file, range, message }) => ({ file, range, message }))
      : [];
    const safe = list.find((f) => f.safeVersion)?.safeVersion ?? null;
    const message = list.length === 1 ? worst.message : `${list.length} findings for ${label(worst)}: ${list.map((f) => title(f)).join(', ')}`;
    const related = list.length === 1 ? [] : list.map((f) => f.message);
    if (safe && safe !== worst.version) related.push(`safe version: ${safe}`);
    out.push({
      file: g.file,
      range: g.range,
      severity: worst.severity,
      code: worst.code,
      message,
      related,
      ...(others.length ? { relatedLocations: others } : {}),
      findings: list.map((f) => ({ code: f.code, severity: f.severity })),
      data: {
        code: worst.code,
        codes: list.map((f) => f.code),
        severity: worst.severity,
        package: worst.package,
        version: worst.version,
        safeVersion: safe,
        kind: g.kind,
        direct: worst.direct,
        ids: worst.packageIds,
      },
    });
  }
  for (const g of via.values()) {
    // Per flagged package brought in: its worst finding leads.
    const byPackage = new Map<string, { f: LocatedFinding; path: string[]; all: LocatedFinding[] }>();
    for (const { f, path } of g.items) {
      const k = label(f);
      const e = byPackage.get(k);
      if (!e) byPackage.set(k, { f, path, all: [f] });
      else {
        e.all.push(f);
        if (severityRank(f.severity) > severityRank(e.f.severity)) e.f = f;
      }
    }
    const packages = worstFirst([...byPackage.values()].map((e) => ({ ...e, severity: e.f.severity })));
    const worst = packages[0].f;
    const what = (e: (typeof packages)[number]) =>
      `${label(e.f)} (${worstFirst(e.all)
        .map((f) => title(f))
        .join(', ')})`;
    const message =
      packages.length === 1
        ? `${g.dependency} brings in ${label(worst)}${packages[0].path.length > 2 ? ` (${packages[0].path.join(' → ')})` : ''}: ${worst.message}`
        : `${g.dependency} brings in ${packages.length} flagged packages: ${packages.map(what).join('; ')}`;
    const related = packages.length === 1 ? [] : packages.map((e) => `${e.path.length > 2 ? e.path.join(' → ') : label(e.f)}: ${e.f.message}`);
    if (packages.length === 1 && worst.safeVersion && worst.safeVersion !== worst.version)
      related.push(`safe version of ${worst.package}: ${worst.safeVersion}`);
    const all = worstFirst(packages.flatMap((e) => e.all));
    out.push({
      file: g.file,
      range: g.range,
      severity: worst.severity,
      code: worst.code,
      message,
      related,
      findings: all.map((f) => ({ code: f.code, severity: f.severity })),
      data: {
        code: worst.code,
        codes: [...new Set(all.map((f) => f.code))],
        severity: worst.severity,
        package: worst.package,
        version: worst.version,
        safeVersion: worst.safeVersion,
        kind: 'via',
        direct: false,
        viaDependency: g.dependency,
        brings: packages.map((e) => ({
          package: e.f.package,
          version: e.f.version,
          safeVersion: e.f.safeVersion,
          codes: [...new Set(e.all.map((f) => f.code))],
        })),
      },
    });
  }
  return out;
}
