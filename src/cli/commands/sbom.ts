import { promises as fs } from 'node:fs';
import { describePosition } from '../../core/problems';
import { terminalLine } from '../../core/report/terminal';
import { type CheckReport, runCheck } from '../../engine/check/run-check';
import { EngineError } from '../../engine/infra/errors';
import { SBOM_FORMATS, type SbomFormat, renderSbom } from '../../engine/report/sbom';
import { UsageError, parseArgs } from '../args';
import { CHECK_BOOLEANS, CHECK_OPTIONS_HELP, CHECK_VALUED, checkOptionsFrom, projectDirFrom } from '../check-options';
import type { Io } from '../io';

declare const TRUSTLENS_VERSION: string | undefined;
const VERSION = typeof TRUSTLENS_VERSION === 'string' ? TRUSTLENS_VERSION : 'dev';

export const SBOM_USAGE = `Usage: trustlens sbom [dir] [options]

Writes a software bill of materials of the installed dependency graph with what TrustLens
verified about each component (hashes against the registry, registry signature, Sigstore
provenance, publisher, release age, every finding), from one check of the project.

Options:
  --format FORMAT           cyclonedx-json (CycloneDX 1.6, default) or spdx-json (SPDX 2.3)
  --output FILE             Write the SBOM to FILE instead of stdout
${CHECK_OPTIONS_HELP}

Exit codes: 0 the SBOM was written (whatever it says: gate on \`trustlens check\`),
2 unusable input or the registry could not be reached at all.`;

/** `trustlens sbom`: a check, then its report as an SBOM. */
export async function sbomCommand(argv: string[], io: Io, isTty: boolean): Promise<number> {
  const args = parseArgs(argv, new Set(['format', 'output', ...CHECK_VALUED]), new Set(['help', ...CHECK_BOOLEANS]));
  if (args.flags.has('help')) {
    io.out(SBOM_USAGE + '\n');
    return 0;
  }
  const format = (args.flags.get('format') as string | undefined) ?? 'cyclonedx-json';
  if (!(SBOM_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${SBOM_FORMATS.join(' or ')}, not "${format}"`);
  const dir = await projectDirFrom(args, 'sbom');
  const opts = await checkOptionsFrom(args, dir);
  const output = args.flags.get('output') as string | undefined;
  if (output !== undefined && (await fs.stat(output).catch(() => undefined))?.isDirectory()) throw new UsageError(`--output ${output} is a directory`);

  let report: CheckReport;
  try {
    report = await runCheck({
      ...opts,
      onProgress: isTty ? (done, total) => io.err(`\rtrustlens: checking ${done}/${total} packages…${done === total ? '\n' : ''}`) : undefined,
    });
  } catch (e) {
    if (e instanceof EngineError) throw new UsageError(e.message);
    throw e;
  }
  const { model } = report;
  if (!model.manifests.length && !model.lockfile) throw new UsageError(`no package.json or lockfile in ${dir}`);
  const lockError =
    model.lockfile && !model.lockfile.rejected && model.lockfile.packages.length === 0
      ? model.problems.find((p) => p.severity === 'error' && p.file === model.lockfile!.file)
      : undefined;
  if (lockError) throw new UsageError(`${model.lockfile!.file} could not be read (${describePosition(lockError)}: ${lockError.message})`);
  for (const p of model.problems.slice(0, 20)) io.err(`${terminalLine(`${describePosition(p)}: ${p.severity}: ${p.message}`)}\n`);
  for (const e of report.errors.slice(0, 20)) io.err(`${terminalLine(`trustlens: ${e.package}: ${e.message}`)}\n`);

  const sbom = renderSbom(report, format as SbomFormat, { now: opts.now, toolVersion: VERSION });
  if (output) await fs.writeFile(output, sbom.text);
  else io.out(sbom.text);
  const unjudged = sbom.notChecked ? `; ${sbom.notChecked} not checked in full (trustlens:not-checked)` : '';
  io.err(
    `${terminalLine(`trustlens: ${format} SBOM of ${sbom.components} components${output ? ` written to ${output}` : ''}: ${sbom.vulnerabilities} vulnerabilit${sbom.vulnerabilities === 1 ? 'y' : 'ies'}${unjudged}`)}\n`,
  );
  return 0;
}
