import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { formatListText, listRecords } from '../../core/list';
import { describePosition } from '../../core/problems';
import { terminalLine, terminalLines, terminalSafeJson } from '../../core/report/terminal';
import { loadProject } from '../../engine/infra/project-files';
import { UsageError, parseArgs } from '../args';
import type { Io } from '../io';

/** `trustlens list [dir]`: every installed package with its lockfile position. */
export async function listCommand(argv: string[], io: Io): Promise<number> {
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
