import type { SourceRange } from '../model';
import type { FindingCode, Severity } from '../trust/types';
import type { LocatedFinding } from './locate';

/** One Problems-panel entry, before it becomes a vscode.Diagnostic. */
export interface DiagnosticSpec {
  file: string;
  range: SourceRange;
  severity: Severity;
  code: FindingCode;
  message: string;
  /** Evidence, shown as related information at the same place. */
  related: string[];
  /** For an incident: the other members' entries, shown as related information where they are. */
  relatedLocations?: { file: string; range: SourceRange; message: string }[];
  /** What a quick fix needs. */
  data: DiagnosticData;
}

export interface DiagnosticData {
  code: FindingCode;
  package: string;
  version: string;
  safeVersion: string | null;
  /** Where this diagnostic sits: the flagged version's own entry, or the direct dependency that brings it in. */
  kind: 'lockfile' | 'manifest' | 'via';
  /** The flagged version is a direct dependency (pin it) rather than a transitive one (override it). */
  direct: boolean;
  viaDependency?: string;
}

/** Every place each finding is shown: its lockfile entries, its package.json entries, and the entries of the direct deps that bring it in. */
export function diagnosticSpecs(findings: LocatedFinding[]): DiagnosticSpec[] {
  const out: DiagnosticSpec[] = [];
  const members = new Map<string, { file: string; range: SourceRange; message: string; key: string }[]>();
  for (const f of findings) {
    const l = f.incident && f.locations[0];
    if (l) members.set(f.incident!.id, [...(members.get(f.incident!.id) ?? []), { file: l.file, range: l.range, message: `${f.package}@${f.version}: member of this incident${f.safeVersion && f.safeVersion !== f.version ? `, safe version ${f.safeVersion}` : ''}`, key: `${f.package}@${f.version}` }]);
  }
  for (const f of findings) {
    const related = f.evidence.map((e) => `${e.label}: ${e.value}`);
    const others = f.incident ? members.get(f.incident.id)!.filter((m) => m.key !== `${f.package}@${f.version}`).map(({ file, range, message }) => ({ file, range, message })) : undefined;
    if (f.safeVersion && f.safeVersion !== f.version) related.push(`safe version: ${f.safeVersion}`);
    for (const l of f.locations) {
      const message =
        l.kind === 'via' && l.via
          ? `${l.via.dependency} brings in ${f.package}@${f.version}${l.via.path.length > 2 ? ` (${l.via.path.join(' → ')})` : ''}: ${f.message}`
          : f.message;
      out.push({
        file: l.file,
        range: l.range,
        severity: f.severity,
        code: f.code,
        message,
        related,
        ...(others?.length ? { relatedLocations: others } : {}),
        data: { code: f.code, package: f.package, version: f.version, safeVersion: f.safeVersion, kind: l.kind, direct: f.direct, ...(l.via ? { viaDependency: l.via.dependency } : {}) },
      });
    }
  }
  return out;
}
