import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEPENDENCY_FILES, MANIFEST_FILE, PNPM_WORKSPACE } from '../../core/dependency-files';
import { type ProjectFiles, type RefusedFile, buildProject, workspaceGlobs } from '../../core/project';
import { parseManifest } from '../../core/manifest';
import { globOutsideProject, isWorkspaceDir, workspaceGlobDepth } from '../../core/workspace-glob';
import type { ProjectModel } from '../../core/model';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);
const MAX_DEPTH = 8;

/**
 * The most TrustLens reads of one project file. The largest real lockfile in the shared fixtures is 2.3 MB
 * (compass's package-lock.json; sentry's yarn.lock of 3,999 packages is 1.4 MB), and the pnpm and yarn parsers stop
 * at 128 M characters: 128 MiB is fifty times the largest real one, and keeps a hostile file (a link to /dev/zero, a
 * sparse file of gigabytes) from filling memory.
 */
export const MAX_PROJECT_FILE_BYTES = 128 * 1024 * 1024;

/**
 * Reads a project's dependency files from disk: the root package.json, its lockfile(s), pnpm-workspace.yaml,
 * the TrustLens policy (.trustlens.jsonc), and the package.json of every workspace. `overlay` (path relative to `root` → text) replaces what is on disk,
 * so an editor can pass unsaved buffers.
 *
 * The repository is attacker-controlled: only regular files that resolve (links followed) inside the project and are
 * at most `maxBytes` long are read. The rest are listed in `refused`, and become problems (and a refused lockfile a
 * "not checked" gap): present and unread is never the same as absent.
 */
export async function readProjectFiles(
  root: string,
  overlay?: ReadonlyMap<string, string>,
  maxBytes = MAX_PROJECT_FILE_BYTES,
): Promise<Map<string, string> & { refused: RefusedFile[] }> {
  const files = Object.assign(new Map<string, string>(), { refused: [] as RefusedFile[] });
  const rootReal = await fs.realpath(root).catch(() => undefined);
  const read = async (rel: string) => {
    const given = overlay?.get(rel);
    const got = given !== undefined ? { text: given } : rootReal === undefined ? undefined : await readConfined(rootReal, rel, maxBytes);
    if (got && 'text' in got) files.set(rel, got.text);
    else if (got) files.refused.push(got);
  };
  await Promise.all(DEPENDENCY_FILES.map(read));
  const rootText = files.get(MANIFEST_FILE);
  const globs = workspaceGlobs(rootText === undefined ? undefined : parseManifest(rootText), files.get(PNPM_WORKSPACE));
  if (globs.length && rootReal !== undefined) {
    const dirs = await findWorkspaceDirs(rootReal, globs);
    await Promise.all(dirs.map((d) => read(`${d}/package.json`)));
  }
  for (const [rel, text] of overlay ?? []) if (!files.has(rel)) files.set(rel, text);
  files.refused.sort((a, b) => a.path.localeCompare(b.path));
  return files;
}

/** Loads the dependency model of the project in `root`. */
export async function loadProject(root: string, overlay?: ReadonlyMap<string, string>): Promise<ProjectModel> {
  const files: ProjectFiles = await readProjectFiles(root, overlay);
  return buildProject(root, files);
}

/**
 * The text of `rel` under `rootReal` (a real path), undefined when there is none (missing, a directory, a dangling
 * link), or why it is refused. Its reasons name neither the file's content nor where a link points.
 */
async function readConfined(rootReal: string, rel: string, maxBytes: number): Promise<{ text: string } | RefusedFile | undefined> {
  const refuse = (code: RefusedFile['code'], reason: string): RefusedFile => ({ path: rel, code, reason });
  let real: string;
  try {
    real = await fs.realpath(path.join(rootReal, rel));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') return refuse('unreadable-file', 'it is a link that loops');
    throw e;
  }
  if (!isInside(rootReal, real)) return refuse('outside-project', 'it is a link to a file outside the project, which TrustLens does not read');
  const before = await fs.stat(real);
  if (before.isDirectory()) return undefined;
  if (!before.isFile()) return refuse('unreadable-file', 'it is not a regular file (a device, pipe or socket), which TrustLens does not read');
  if (before.size > maxBytes) return tooLarge(refuse, before.size, maxBytes);
  // Non-blocking: were it swapped for a pipe since, opening it must not wait for a writer.
  const handle = await fs.open(real, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    if (!st.isFile()) return refuse('unreadable-file', 'it is not a regular file (a device, pipe or socket), which TrustLens does not read');
    // At most one byte past the cap, whatever the file has grown to since.
    const buffer = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return tooLarge(refuse, length, maxBytes);
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    await handle.close();
  }
}

function tooLarge(refuse: (code: RefusedFile['code'], reason: string) => RefusedFile, size: number, maxBytes: number): RefusedFile {
  const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  return refuse(
    'unreadable-file',
    `it is larger than ${mb(maxBytes)} (${size > maxBytes + 1 ? mb(size) : 'it grew while read'}), the most TrustLens reads of one project file; real lockfiles are a few MB`,
  );
}

/** True when `real` is `rootReal` or below it (both real paths). */
function isInside(rootReal: string, real: string): boolean {
  const rel = path.relative(rootReal, real);
  return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
}

/**
 * Directories under `root` (a real path) that match the workspace globs and hold a package.json. Folders are listed
 * no deeper than a positive glob reaches (`packages/*`: `packages` only; `**`: up to MAX_DEPTH): the walk ran every
 * edit, and went through each workspace's source tree. `listed` counts the folders it lists.
 */
export async function findWorkspaceDirs(root: string, globs: string[], listed?: { dirs: number }): Promise<string[]> {
  const found: string[] = [];
  // The globs arrive without those reaching outside the project (refused where they are parsed); once more here.
  const inside = globs.filter((g) => !globOutsideProject(g));
  const positive = inside.filter((g) => !g.startsWith('!'));
  const bases = new Set(positive.map(staticPrefix));
  const deepest = Math.min(MAX_DEPTH, Math.max(0, ...positive.map(workspaceGlobDepth)));
  const visit = async (rel: string, depth: number): Promise<void> => {
    if (rel !== '' && isWorkspaceDir(rel, inside)) {
      // Whether it is there; read (confined) by the caller, which reports a refused one.
      if (
        await fs.lstat(path.join(root, rel, 'package.json')).then(
          () => true,
          () => false,
        )
      )
        found.push(rel);
    }
    if (depth >= deepest) return;
    let entries: import('node:fs').Dirent[];
    try {
      // A folder that links out of the project is not listed.
      if (!isInside(root, await fs.realpath(path.join(root, rel)))) return;
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
      if (listed) listed.dirs++;
    } catch {
      return;
    }
    await Promise.all(
      entries
        .filter((e) => e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.'))
        .map((e) => visit(rel === '' ? e.name : `${rel}/${e.name}`, depth + 1)),
    );
  };
  await Promise.all([...bases].map((b) => visit(b, b === '' ? 0 : b.split('/').length)));
  return [...new Set(found)].sort();
}

/** The directory part of a glob before its first wildcard: `packages/*` → `packages`. */
function staticPrefix(glob: string): string {
  const parts = glob.replace(/^\.\//, '').split('/');
  const fixed: string[] = [];
  for (const p of parts) {
    if (/[*?{[]/.test(p)) break;
    fixed.push(p);
  }
  return fixed.join('/').replace(/\/+$/, '');
}
