import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ProjectModel, SourceRange } from '../../core/model';
import { LOCKFILE_NAMES } from '../../core/dependency-files';
import { parseLockfile } from '../../core/project';
import type { Gap } from '../../core/trust/coverage';
import { parseBaselineSpec } from '../../core/trust/baseline-spec';
import { type DowngradeBaseline, downgradeBaselineOf } from '../../core/trust/downgrade-baseline';
import { git } from '../history/git-history';
import { MAX_PROJECT_FILE_BYTES } from '../infra/project-files';

/**
 * Reads and parses the lockfile a project anchors `provenance-downgrade` to: a file (a path as given on the command
 * line, resolved against the project folder when the policy names it), or the project's own lockfile at a git
 * revision (`git show REF:./<lockfile>`, so CI can compare a pull request with its base branch). Whatever goes wrong
 * is a gap (a `check-incomplete` finding naming the baseline and where it failed), never a silent fall-back:
 * versions are then judged against their release line as without a baseline.
 */
export async function loadDowngradeBaseline(
  spec: string,
  opts: { projectDir: string; model: ProjectModel; fromPolicy?: { file: string; range: SourceRange }; signal?: AbortSignal },
): Promise<{ baseline?: DowngradeBaseline; gap?: Gap }> {
  const where = opts.fromPolicy
    ? `the downgrade baseline ${JSON.stringify(spec)} (${opts.fromPolicy.file})`
    : `the downgrade baseline ${JSON.stringify(spec)} (--baseline)`;
  const fail = (reason: string, source = spec): { gap: Gap } => ({
    gap: {
      package: '*',
      version: '',
      signal: 'downgrade-baseline',
      source,
      reason: `${where} ${reason}: provenance-downgrade compares each version with its release line instead`,
      ...(opts.fromPolicy ? { at: opts.fromPolicy } : {}),
    },
  });
  const parsed = parseBaselineSpec(spec, !!opts.fromPolicy);
  if ('error' in parsed) return fail(`is not usable (${parsed.error})`);
  const own = opts.model.lockfile?.file ?? opts.model.unreadLockfile?.file;
  let text: string;
  let name: string;
  let source: string;
  if (parsed.kind === 'git') {
    if (!own) return fail('has no lockfile to read: the project has none');
    name = path.basename(own);
    source = `${own} at git:${parsed.ref}`;
    try {
      const out = await git(opts.projectDir, ['show', `${parsed.ref}:./${own.split(path.sep).join('/')}`], opts.signal);
      if (out.length > MAX_PROJECT_FILE_BYTES) return fail(`could not be read (${source} is larger than ${MAX_PROJECT_FILE_BYTES} bytes)`, source);
      text = out.toString('utf8');
    } catch (e) {
      return fail(`could not be read (git show ${parsed.ref}:./${own}: ${(e as Error).message})`, source);
    }
  } else {
    const file = path.resolve(opts.projectDir, parsed.path);
    const base = path.basename(file);
    name = (LOCKFILE_NAMES as readonly string[]).includes(base) ? base : own ? path.basename(own) : '';
    source = parsed.path;
    if (!name)
      return fail(
        'is not named like a lockfile (package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock) and the project has no lockfile to tell its format',
      );
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) return fail('could not be read (not a file)');
      if (st.size > MAX_PROJECT_FILE_BYTES) return fail(`could not be read (larger than ${MAX_PROJECT_FILE_BYTES} bytes)`);
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      return fail(`could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const lock = parseLockfile(name, text, opts.model.manifests);
  const bad = lock.problems.find((p) => p.severity === 'error');
  if (bad) return fail(`could not be parsed as ${name} (line ${bad.range.start.line + 1}, column ${bad.range.start.character + 1}: ${bad.message})`, source);
  return { baseline: downgradeBaselineOf(lock, source) };
}
