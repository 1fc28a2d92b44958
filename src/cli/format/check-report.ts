import type { LocatedFinding } from '../../core/report/locate';
import { terminalLines } from '../../core/report/terminal';
import { SIGNAL_LABEL } from '../../core/trust/coverage';
import { atLeast } from '../../core/trust/severity';
import { SEVERITIES, type Severity } from '../../core/trust/types';
import type { CheckReport } from '../../engine/check/types';

function counts(findings: LocatedFinding[]): Record<Severity, number> {
  const c = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) c[f.severity]++;
  return c;
}

/** The check's report as the JSON document `--format json` prints (its fields are documented in the README). */
export function toJson(report: CheckReport, findings: LocatedFinding[], failOn: Severity, failed: boolean) {
  return {
    findings: findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      package: f.package,
      version: f.version,
      file: f.file,
      line: f.line,
      message: f.message,
      safeVersion: f.safeVersion,
      evidence: f.evidence,
      direct: f.direct,
      via: f.via,
      locations: f.locations.map((l) => ({ kind: l.kind, file: l.file, line: l.line })),
      ...(f.advisory ? { advisory: f.advisory } : {}),
      ...(f.baseline ? { baseline: f.baseline } : {}),
      ...(f.incident ? { incident: f.incident.id } : {}),
    })),
    incidents: incidentsOf(findings).map(({ incident, members }) => ({
      id: incident.id,
      code: members[0].code,
      severity: members[0].severity,
      title: incident.title,
      members: members.map((m) => ({ package: m.package, version: m.version, file: m.file, line: m.line, safeVersion: m.safeVersion })),
    })),
    summary: {
      packages: report.stats.packages,
      versions: report.stats.versions,
      findings: counts(findings),
      failOn,
      failed,
      complete: report.notChecked.length === 0,
      resolution: report.resolution,
      notChecked: report.notChecked.map((u) => ({
        package: u.package,
        version: u.version,
        status: u.status,
        signals: u.gaps.map((g) => ({ signal: g.signal, reason: g.reason, ...(g.source ? { source: g.source } : {}) })),
      })),
      allowed: report.allowed.map((a) => ({
        code: a.finding.code,
        package: a.finding.package,
        version: a.finding.version,
        reason: a.reason,
        expires: a.expires ?? null,
      })),
      registries: report.registries,
      errors: report.errors,
      notes: report.notes,
      requests: report.stats.requests,
      durationMs: report.stats.durationMs,
      phases: report.stats.phases,
    },
  };
}

const LABEL: Record<Severity, string> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', info: 'INFO' };

/** Incidents (coordinated-release findings grouped by incident), in the order their first member is listed. */
function incidentsOf(findings: LocatedFinding[]): { incident: NonNullable<LocatedFinding['incident']>; members: LocatedFinding[] }[] {
  const out = new Map<string, { incident: NonNullable<LocatedFinding['incident']>; members: LocatedFinding[] }>();
  for (const f of findings) {
    if (!f.incident) continue;
    const group = out.get(f.incident.id) ?? { incident: f.incident, members: [] };
    group.members.push(f);
    out.set(f.incident.id, group);
  }
  return [...out.values()];
}

/** The check's report as text: one block per finding, worst first, what was not checked, and a summary line. */
export function toText(report: CheckReport, findings: LocatedFinding[], failOn: Severity): string {
  const lines: string[] = [];
  const groups = new Map(incidentsOf(findings).map((g) => [g.incident.id, g]));
  for (const f of findings) {
    if (f.incident) {
      // One incident, one block: its title once, then every member with its place and safe version.
      const g = groups.get(f.incident.id);
      if (!g) continue;
      groups.delete(f.incident.id);
      lines.push(`${LABEL[f.severity].padEnd(8)} ${f.code}  ${g.incident.title}`);
      for (const m of g.members)
        lines.push(
          `         ${m.package}@${m.version}  ${m.file}:${m.line}${m.safeVersion && m.safeVersion !== m.version ? `  safe version: ${m.safeVersion}` : ''}`,
        );
      for (const e of f.evidence.filter((x) => x.label !== 'the other members').slice(0, 3)) lines.push(`         ${e.label}: ${e.value}`);
      continue;
    }
    lines.push(`${LABEL[f.severity].padEnd(8)} ${f.code}  ${f.package}${f.version ? '@' + f.version : ''}  ${f.file}:${f.line}`);
    lines.push(`         ${f.message}`);
    const base = f.baseline ? f.evidence.find((e) => e.label === 'baseline')?.value : undefined;
    if (base && atLeast(f.severity, 'medium')) lines.push(`         compared with ${base}`);
    if (!f.direct && f.via.length) lines.push(`         brought in by ${f.via.slice(0, 3).join(', ')}`);
    if (f.safeVersion && f.safeVersion !== f.version && atLeast(f.severity, 'medium')) lines.push(`         safe version: ${f.safeVersion}`);
  }
  const blank = () => lines.length && lines.push('');
  if (report.resolution === 'lockfile-unread') {
    blank();
    lines.push(`${report.model.unreadLockfile?.file} was not read: no locked version was checked.`);
  } else if (report.resolution !== 'locked') {
    const why = report.resolution === 'no-lockfile' ? 'There is no lockfile' : `npm ignores ${report.model.lockfile?.file}`;
    blank();
    lines.push(`${why}: the versions above are the ones package.json's ranges resolve to now, not locked ones.`);
  }
  if (report.notChecked.length) {
    blank();
    lines.push(`Not checked (unknown is not clean${report.notChecked.length > 1 ? `; ${report.notChecked.length} entries` : ''}):`);
    for (const u of report.notChecked) {
      const label = u.package === '*' ? '(all packages)' : u.version ? `${u.package}@${u.version}` : u.package;
      for (const [i, g] of u.gaps.entries()) {
        lines.push(`  ${(i === 0 ? label : '').padEnd(28)} ${SIGNAL_LABEL[g.signal]}${g.source ? ` (${g.source})` : ''}: ${g.reason}`);
      }
    }
  }
  const c = counts(findings);
  const parts = SEVERITIES.slice()
    .reverse()
    .filter((s) => c[s])
    .map((s) => `${c[s]} ${s}`);
  const incomplete = report.notChecked.length ? `; ${report.notChecked.length} not checked` : '';
  blank();
  lines.push(
    `${report.stats.packages} packages (${report.stats.versions} versions) checked in ${(report.stats.durationMs / 1000).toFixed(1)} s: ` +
      `${parts.length ? parts.join(', ') : 'no findings'}${incomplete}; failing on ${failOn} and above.`,
  );
  // Registry and repository text is in these lines: each is made safe for a terminal on its own.
  return terminalLines(lines) + '\n';
}
