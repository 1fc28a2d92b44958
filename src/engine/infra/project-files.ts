import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEPENDENCY_FILES, MANIFEST_FILE, PNPM_WORKSPACE } from '../../core/dependency-files';
import { type ProjectFiles, buildProject, workspaceGlobs } from '../../core/project';
import { parseManifest } from '../../core/manifest';
import { globOutsideProject, isWorkspaceDir } from '../../core/workspace-glob';
import type { ProjectModel } from '../../core/model';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);
const MAX_DEPTH = 8;

/**
 * Reads a project's dependency files from disk: the root package.json, its lockfile(s), pnpm-workspace.yaml,
 * the TrustLens policy (.trustlens.jsonc), and the package.json of every workspace. `overlay` (path relative to `root` → text) replaces what is on disk,
 * so an editor can pass unsaved buffers.
 */
export async function readProjectFiles(root: string, overlay?: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const read = async (rel: string) => {
    const text = overlay?.get(rel) ?? (await readIfExists(path.join(root, rel)));
    if (text !== undefined) files.set(rel, text);
  };
  await Promise.all(DEPENDENCY_FILES.map(read));
  const rootText = files.get(MANIFEST_FILE);
  const globs = workspaceGlobs(rootText === undefined ? undefined : parseManifest(rootText), files.get(PNPM_WORKSPACE));
  if (globs.length) {
    const dirs = await findWorkspaceDirs(root, globs);
    await Promise.all(dirs.map((d) => read(`${d}/package.json`)));
  }
  for (const [rel, text] of overlay ?? []) if (!files.has(rel)) files.set(rel, text);
  return files;
}

/** Loads the dependency model of the project in `root`. */
export async function loadProject(root: string, overlay?: ReadonlyMap<string, string>): Promise<ProjectModel> {
  const files: ProjectFiles = await readProjectFiles(root, overlay);
  return buildProject(root, files);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw e;
  }
}

/** Directories under `root` that match the workspace globs and hold a package.json. */
async function findWorkspaceDirs(root: string, globs: string[]): Promise<string[]> {
  const found: string[] = [];
  // The globs arrive without those reaching outside the project (refused where they are parsed); once more here.
  const inside = globs.filter((g) => !globOutsideProject(g));
  const bases = new Set(inside.filter((g) => !g.startsWith('!')).map(staticPrefix));
  const visit = async (rel: string, depth: number): Promise<void> => {
    if (rel !== '' && isWorkspaceDir(rel, inside)) {
      if ((await readIfExists(path.join(root, rel, 'package.json'))) !== undefined) found.push(rel);
    }
    if (depth >= MAX_DEPTH) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
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
