import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { toSarif } from '../core/report/sarif';
import type { LocatedFinding } from '../core/report/locate';
import { atLeast, isSeverity, severityRank } from '../core/trust/severity';
import { SEVERITIES, type Severity } from '../core/trust/types';
import { SIGNAL_LABEL } from '../core/trust/coverage';
import { describePosition } from '../core/problems';
import { terminalLine, terminalLines, terminalSafeJson } from '../core/report/terminal';
import { type CheckReport, runCheck } from '../engine/check';
import { defaultCacheDir } from '../engine/disk-cache';
import { EngineError } from '../engine/errors';
import { customTrustContext } from '../engine/sigstore/trust-root';
import { UsageError, parseArgs } from './args';
import type { Io } from './main';

declare const TRUSTLENS_VERSION: string | undefined;
const VERSION = typeof TRUSTLENS_VERSION === 'string' ? TRUSTLENS_VERSION : 'dev';

const VALUED = new Set(['format', 'registry', 'advisories', 'osv-dir', 'osv-url', 'cache-dir', 'now', 'fail-on', 'trusted-root', 'output', 'timeout']);
const BOOLEANS = new Set(['offline', 'deep', 'no-content', 'advisories-only', 'allow-incomplete']);

export async function checkCommand(argv: string[], io: Io, isTty: boolean): Promise<number> {
  const args = parseArgs(argv, VALUED, BOOLEANS);
  const flag = (n: string) => args.flags.get(n) as string | undefined;
  const format = flag('format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  const failOn = (flag('fail-on') ?? 'high') as Severity;
  if (!isSeverity(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);
  const now = flag('now') !== undefined ? new Date(flag('now')!) : undefined;
  if (now && Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO-8601 instant, e.g. 2025-09-08T13:00:00Z`);
  const advisories = parseAdvisories(flag('advisories') ?? 'npm', flag('osv-dir'), flag('osv-url'));
  const advisoriesOnly = args.flags.has('advisories-only');
  if (advisoriesOnly && !advisories.npm && !advisories.osv && !advisories.osvDir) throw new UsageError('--advisories-only needs an advisory source (--advisories npm, osv or --osv-dir)');
  if (advisoriesOnly && args.flags.has('deep')) throw new UsageError('--advisories-only does not look inside tarballs; drop --deep');
  if (args.positionals.length > 1) throw new UsageError('check takes at most one directory');
  const dir = path.resolve(args.positionals[0] ?? '.');
  if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory()) throw new UsageError(`${dir} is not a directory`);
  const timeout = flag('timeout') === undefined ? undefined : Number(flag('timeout'));
  if (timeout !== undefined && !(timeout > 0 && timeout <= 3600)) throw new UsageError('--timeout takes seconds per request, more than 0 and at most 3600');
  const registry = flag('registry');
  if (registry !== undefined && !/^https?:\/\//.test(registry)) throw new UsageError(`--registry must be an http(s) URL`);
  const trustedRoot = flag('trusted-root');
  const trust = trustedRoot ? customTrustContext(JSON.parse(await fs.readFile(trustedRoot, 'utf8'))) : undefined;

  let report: CheckReport;
  const progress = isTty ? (done: number, total: number) => io.err(`\rtrustlens: checking ${done}/${total} packages…${done === total ? '\n' : ''}`) : undefined;
  try {
    report = await runCheck({
      projectDir: dir,
      now,
      registry,
      advisories,
      offline: args.flags.has('offline'),
      cacheDir: flag('cache-dir') ?? defaultCacheDir(),
      trust,
      content: args.flags.has('no-content') ? 'off' : args.flags.has('deep') ? 'deep' : 'auto',
      signals: advisoriesOnly ? 'advisories' : 'all',
      allowIncomplete: args.flags.has('allow-incomplete'),
      timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
      onProgress: progress,
    });
  } catch (e) {
    if (e instanceof EngineError) throw new UsageError(e.message);
    throw e;
  }
  const { model } = report;
  if (!model.manifests.length && !model.lockfile) throw new UsageError(`no package.json or lockfile in ${dir}`);
  const lockError = model.lockfile && !model.lockfile.rejected && model.lockfile.packages.length === 0 ? model.problems.find((p) => p.severity === 'error' && p.file === model.lockfile!.file) : undefined;
  if (lockError) throw new UsageError(`${model.lockfile!.file} could not be read (${describePosition(lockError)}: ${lockError.message})`);
  for (const p of report.model.problems.slice(0, 20)) io.err(`${terminalLine(`${describePosition(p)}: ${p.severity}: ${p.message}`)}\n`);
  for (const e of report.errors.slice(0, 20)) io.err(`${terminalLine(`trustlens: ${e.package}: ${e.message}`)}\n`);
  for (const n of report.notes) io.err(`${terminalLine(`trustlens: note: ${n}`)}\n`);

  const findings = [...report.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.package.localeCompare(b.package));
  const failed = findings.some((f) => atLeast(f.severity, failOn));
  const out =
    format === 'json' ? terminalSafeJson(toJson(report, findings, failOn, failed)) + '\n'
    : format === 'sarif' ? terminalSafeJson(toSarif(findings, { version: VERSION }, report.notChecked)) + '\n'
    : toText(report, findings, failOn);
  const output = flag('output');
  if (output) await fs.writeFile(output, out);
  else io.out(out);
  return failed ? 1 : 0;
}

function parseAdvisories(value: string, osvDir: string | undefined, osvUrl: string | undefined) {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.some((p) => !['npm', 'osv', 'off'].includes(p)) || (parts.includes('off') && parts.length > 1)) {
    throw new UsageError('--advisories takes npm, osv, npm,osv or off');
  }
  return { npm: parts.includes('npm'), osv: parts.includes('osv'), osvDir, osvUrl };
}

function counts(findings: LocatedFinding[]): Record<Severity, number> {
  const c = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) c[f.severity]++;
  return c;
}

function toJson(report: CheckReport, findings: LocatedFinding[], failOn: Severity, failed: boolean) {
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
      allowed: report.allowed.map((a) => ({ code: a.finding.code, package: a.finding.package, version: a.finding.version, reason: a.reason, expires: a.expires ?? null })),
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

function toText(report: CheckReport, findings: LocatedFinding[], failOn: Severity): string {
  const lines: string[] = [];
  const groups = new Map(incidentsOf(findings).map((g) => [g.incident.id, g]));
  for (const f of findings) {
    if (f.incident) {
      // One incident, one block: its title once, then every member with its place and safe version.
      const g = groups.get(f.incident.id);
      if (!g) continue;
      groups.delete(f.incident.id);
      lines.push(`${LABEL[f.severity].padEnd(8)} ${f.code}  ${g.incident.title}`);
      for (const m of g.members) lines.push(`         ${m.package}@${m.version}  ${m.file}:${m.line}${m.safeVersion && m.safeVersion !== m.version ? `  safe version: ${m.safeVersion}` : ''}`);
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
  if (report.resolution !== 'locked') {
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
  const parts = SEVERITIES.slice().reverse().filter((s) => c[s]).map((s) => `${c[s]} ${s}`);
  const incomplete = report.notChecked.length ? `; ${report.notChecked.length} not checked` : '';
  blank();
  lines.push(
    `${report.stats.packages} packages (${report.stats.versions} versions) checked in ${(report.stats.durationMs / 1000).toFixed(1)} s: ` +
      `${parts.length ? parts.join(', ') : 'no findings'}${incomplete}; failing on ${failOn} and above.`,
  );
  // Registry and repository text is in these lines: each is made safe for a terminal on its own.
  return terminalLines(lines) + '\n';
}
