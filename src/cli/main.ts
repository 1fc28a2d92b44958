import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadProject } from '../engine/project-files';
import { describePosition } from '../core/problems';
import { UsageError, parseArgs } from './args';
import { formatListText, listRecords } from '../core/list';
import { checkCommand } from './check-command';
import { sbomCommand } from './sbom-command';
import { exposureCommand } from './exposure-command';
import { terminalLine, terminalLines, terminalSafeJson } from '../core/report/terminal';

declare const TRUSTLENS_VERSION: string | undefined;

const USAGE = `Usage: trustlens <command> [options]

Commands:
  list [dir]     Print every installed package of the project in dir (default: .)
                 with the file and line of its lockfile entry.
  check [dir]    Check every installed package version's trust signals.
  sbom [dir]     Write a CycloneDX (or SPDX) SBOM with what was verified per component
                 (trustlens sbom --help).
  exposure [dir] Name the commits that locked a flagged version and removed it again
                 (trustlens exposure --help).

Options of list:
  --format json|text        Output format (default: text)

Options of check:
  --format text|json|sarif  Output format (default: text)
  --output FILE             Write the report to FILE instead of stdout
  --fail-on SEVERITY        Exit 1 when a finding reaches it: info, low, medium, high (default), critical
  --registry URL            Default registry (else .npmrc, else https://registry.npmjs.org/)
  --advisories LIST         npm, osv, npm,osv or off (default: npm)
  --osv-dir DIR             Also read OSV records from DIR (offline advisories)
  --offline                 Use only the cache: no network at all
  --cache-dir DIR           Persistent cache (default: ~/.cache/trustlens)
  --now ISO-8601            Evaluate as of that instant (release age; later versions do not exist yet)
  --trusted-root FILE       Verify provenance against this Sigstore trusted root
  --deep                    Look inside the tarball of every package (default: direct
                            dependencies and versions with another finding or newer
                            than the cooldown), compared with the release before it
  --no-content              Do not look inside tarballs at all
  --timeout SECONDS         Give up on one registry request after this long (default 30;
                            retried up to 3 times)
  --advisories-only         Only advisories (what npm audit judges): no trust signals,
                            packuments only for the packages an advisory hits
  --allow-incomplete        Accept what could not be judged (a registry or advisory
                            request failed, no lockfile, …): such check-incomplete
                            findings become info instead of failing the check

  -h, --help                Show this help
  --version                 Show the version

Exit codes: 0 success (check: nothing reached --fail-on), 1 check found something at
or above --fail-on (anything it could not judge counts, unless --allow-incomplete),
2 unusable input or the registry could not be reached at all.`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Runs the CLI and returns its exit code. Never throws: every failure is a one-line reason on stderr. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      io.out(USAGE + '\n');
      return command ? 0 : 2;
    }
    if (command === '--version') {
      io.out(`${typeof TRUSTLENS_VERSION === 'string' ? TRUSTLENS_VERSION : 'dev'}\n`);
      return 0;
    }
    if (command === 'list') return await listCommand(rest, io);
    if (command === 'check') return await checkCommand(rest, io, process.stderr.isTTY === true);
    if (command === 'sbom') return await sbomCommand(rest, io, process.stderr.isTTY === true);
    if (command === 'exposure') return await exposureCommand(rest, io);
    throw new UsageError(`unknown command "${command}" (try: trustlens --help)`);
  } catch (e) {
    const message = e instanceof UsageError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    io.err(`${terminalLine(`trustlens: ${message}`)}\n`);
    return 2;
  }
}

async function listCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, new Set(['format']), new Set());
  const format = args.flags.get('format') ?? 'text';
  if (format !== 'json' && format !== 'text') throw new UsageError(`--format must be json or text, not "${format}"`);
  if (args.positionals.length > 1) throw new UsageError('list takes at most one directory');
  const dir = path.resolve(args.positionals[0] ?? '.');
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UsageError(`${dir} is not a directory`);

  const model = await loadProject(dir);
  if (!model.manifests.length && !model.lockfile) throw new UsageError(`no package.json or lockfile in ${dir}`);
  const errors = model.problems.filter((p) => p.severity === 'error');
  for (const p of model.problems.slice(0, 50)) io.err(`${terminalLine(`${describePosition(p)}: ${p.severity}: ${p.message}`)}\n`);
  if (model.problems.length > 50) io.err(`…and ${model.problems.length - 50} more problems\n`);
  if (model.lockfile && errors.some((e) => e.file === model.lockfile!.file) && model.lockfile.packages.length === 0) {
    throw new UsageError(`${model.lockfile.file} could not be read (${describePosition(errors[0])}: ${errors[0].message})`);
  }
  if (!model.lockfile) io.err('trustlens: no lockfile found; listing declared dependencies without versions\n');

  const records = listRecords(model);
  if (format === 'json') {
    const lockfile = model.lockfile ? { file: model.lockfile.file, kind: model.lockfile.kind, version: model.lockfile.version } : null;
    io.out(terminalSafeJson({ lockfile, packages: records, problems: model.problems }) + '\n');
  } else {
    io.out(terminalLines(formatListText(records)) + (records.length ? '\n' : ''));
  }
  return 0;
}
