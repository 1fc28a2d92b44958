import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseBaselineSpec } from '../../core/trust/baseline-spec';
import { toSarif } from '../../core/report/sarif';
import { atLeast, isSeverity, severityRank } from '../../core/trust/severity';
import { SEVERITIES, type Severity } from '../../core/trust/types';
import { describePosition } from '../../core/problems';
import { terminalLine, terminalSafeJson } from '../../core/report/terminal';
import { type CheckReport, runCheck } from '../../engine/check/run-check';
import { EngineError } from '../../engine/infra/errors';
import { UsageError, parseArgs } from '../args';
import { CHECK_BOOLEANS, CHECK_VALUED, checkOptionsFrom, projectDirFrom } from '../check-options';
import type { Io } from '../io';
import { toJson, toText } from '../format/check-report';

declare const TRUSTLENS_VERSION: string | undefined;
const VERSION = typeof TRUSTLENS_VERSION === 'string' ? TRUSTLENS_VERSION : 'dev';

const VALUED = new Set(['format', 'fail-on', 'output', 'baseline', ...CHECK_VALUED]);
const BOOLEANS = new Set<string>(CHECK_BOOLEANS);

export async function checkCommand(argv: string[], io: Io, isTty: boolean): Promise<number> {
  const args = parseArgs(argv, VALUED, BOOLEANS);
  const flag = (n: string) => args.flags.get(n) as string | undefined;
  const format = flag('format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  const failOn = (flag('fail-on') ?? 'high') as Severity;
  if (!isSeverity(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);
  // The options `sbom` and `exposure` share, validated in one place.
  const options = await checkOptionsFrom(args, await projectDirFrom(args, 'check'));
  const baseline = flag('baseline');
  if (baseline !== undefined) {
    const spec = parseBaselineSpec(baseline, false);
    if ('error' in spec) throw new UsageError(`--baseline: ${spec.error}`);
    if (args.flags.has('advisories-only')) throw new UsageError('--advisories-only judges no trust downgrade; drop --baseline');
    // A path is the user's, relative to where they run the command (git:REF is read in the project's repository).
    options.baseline = spec.kind === 'git' ? baseline : path.resolve(spec.path);
  }

  let report: CheckReport;
  const progress = isTty ? (done: number, total: number) => io.err(`\rtrustlens: checking ${done}/${total} packages…${done === total ? '\n' : ''}`) : undefined;
  try {
    report = await runCheck({ ...options, onProgress: progress });
  } catch (e) {
    if (e instanceof EngineError) throw new UsageError(e.message);
    throw e;
  }
  const { model } = report;
  if (!model.manifests.length && !model.lockfile && !model.unreadLockfile) throw new UsageError(`no package.json or lockfile in ${options.projectDir}`);
  const lockError =
    model.lockfile && !model.lockfile.rejected && model.lockfile.packages.length === 0
      ? model.problems.find((p) => p.severity === 'error' && p.file === model.lockfile!.file)
      : undefined;
  if (lockError) throw new UsageError(`${model.lockfile!.file} could not be read (${describePosition(lockError)}: ${lockError.message})`);
  for (const p of report.model.problems.slice(0, 20)) io.err(`${terminalLine(`${describePosition(p)}: ${p.severity}: ${p.message}`)}\n`);
  for (const e of report.errors.slice(0, 20)) io.err(`${terminalLine(`trustlens: ${e.package}: ${e.message}`)}\n`);
  for (const n of report.notes) io.err(`${terminalLine(`trustlens: note: ${n}`)}\n`);

  const findings = [...report.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.package.localeCompare(b.package));
  const failed = findings.some((f) => atLeast(f.severity, failOn));
  const out =
    format === 'json'
      ? terminalSafeJson(toJson(report, findings, failOn, failed)) + '\n'
      : format === 'sarif'
        ? terminalSafeJson(toSarif(findings, { version: VERSION }, report.notChecked)) + '\n'
        : toText(report, findings, failOn);
  const output = flag('output');
  if (output) await fs.writeFile(output, out);
  else io.out(out);
  return failed ? 1 : 0;
}
