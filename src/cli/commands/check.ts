import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { toSarif } from '../../core/report/sarif';
import { atLeast, isSeverity, severityRank } from '../../core/trust/severity';
import { SEVERITIES, type Severity } from '../../core/trust/types';
import { describePosition } from '../../core/problems';
import { terminalLine, terminalSafeJson } from '../../core/report/terminal';
import { type CheckReport, runCheck } from '../../engine/check/run-check';
import { defaultCacheDir } from '../../engine/infra/disk-cache';
import { EngineError } from '../../engine/infra/errors';
import { customTrustContext } from '../../engine/sigstore/trust-root';
import { UsageError, parseArgs } from '../args';
import type { Io } from '../io';
import { toJson, toText } from '../format/check-report';

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
