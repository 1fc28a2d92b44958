import { lazyModule } from './lazy-module';
import { parseManifest } from './manifest';
import { type ConflictMarker, conflictMessage, takeOurSide } from './merge-conflicts';
import { LineIndex, hasBom, stripBom } from './positions';
import type { DependencyEdge, EdgeType, Importer, Lockfile, Manifest, ParseProblem, ProjectModel } from './model';
import { parseNpmLockfile } from './lockfile/npm';
import { parsePnpmLockfile } from './lockfile/pnpm';
import { isYarnBerry, parseYarnBerryLockfile, parseYarnClassicLockfile } from './lockfile/yarn';
import { isWorkspaceDir } from './workspace-glob';

/** Lockfile names in the order npm, pnpm and yarn would pick them when several are present. */
export const LOCKFILE_NAMES = ['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock'] as const;
export type LockfileName = (typeof LOCKFILE_NAMES)[number];

/**
 * The texts of one project's dependency files, keyed by `/`-separated path relative to the project root:
 * `package.json`, any lockfile at the root, `pnpm-workspace.yaml`, and workspace manifests
 * (`packages/a/package.json`). The editor passes unsaved buffers here; the CLI passes what is on disk.
 */
export type ProjectFiles = ReadonlyMap<string, string>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = lazyModule(() => require('yaml') as typeof import('yaml'));

/** Workspace globs of a project: package.json `workspaces`, or pnpm-workspace.yaml `packages`. */
export function workspaceGlobs(rootManifest: Manifest | undefined, pnpmWorkspaceYaml: string | undefined): string[] {
  if (rootManifest?.workspaces.length) return rootManifest.workspaces;
  if (pnpmWorkspaceYaml === undefined) return [];
  try {
    const doc = yaml().parseDocument(stripBom(pnpmWorkspaceYaml)).toJS() as { packages?: unknown } | null;
    return Array.isArray(doc?.packages) ? doc.packages.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/** Builds the dependency model of a project from its files. Pure; never throws. */
/**
 * The last few lockfile parses, for a long-lived caller. A parse depends on the lockfile's text alone, except for
 * npm v1 and yarn lockfiles, which take the root's or the workspaces' edges from the manifests.
 */
export class LockfileMemo {
  private entries: { name: string; text: string; manifestsKey?: string; lock: Lockfile }[] = [];

  constructor(private readonly max = 4) {}

  parse(name: string, text: string, manifests: Manifest[]): Lockfile {
    let key: string | undefined;
    const manifestsKey = () => (key ??= JSON.stringify(manifests.map((m) => [m.dir, m.name, m.dependencies.map((d) => [d.section, d.name, d.spec.raw])])));
    const hit = this.entries.find((e) => e.name === name && e.text === text && (e.manifestsKey === undefined || e.manifestsKey === manifestsKey()));
    if (hit) return hit.lock;
    const lock = parseLockfile(name, text, manifests);
    const usesManifests = lock.kind === 'yarn-classic' || lock.kind === 'yarn-berry' || (lock.kind === 'npm' && !(Number(lock.version) >= 2));
    this.entries = [{ name, text, manifestsKey: usesManifests ? manifestsKey() : undefined, lock }, ...this.entries].slice(0, this.max);
    return lock;
  }

  clear(): void {
    this.entries = [];
  }
}

/** The dependency model of a project from its files (`memo` keeps lockfile parses between calls). */
export function buildProject(root: string, files: ProjectFiles, memo?: LockfileMemo): ProjectModel {
  const manifests: Manifest[] = [];
  const rootText = files.get('package.json');
  const rootManifest = rootText === undefined ? undefined : parseManifest(rootText, 'package.json');
  if (rootManifest) manifests.push(rootManifest);
  const globs = workspaceGlobs(rootManifest, files.get('pnpm-workspace.yaml'));
  for (const [path, text] of files) {
    if (path === 'package.json' || !path.endsWith('/package.json')) continue;
    const dir = path.slice(0, -'/package.json'.length);
    if (isWorkspaceDir(dir, globs)) manifests.push(parseManifest(text, path));
  }
  manifests.sort((a, b) => a.file.localeCompare(b.file));

  const lockName = pickLockfile(files, rootManifest?.packageManager);
  const lockText = lockName === undefined ? undefined : files.get(lockName)!;
  const lockfile = lockName === undefined ? undefined : memo ? memo.parse(lockName, lockText!, manifests) : parseLockfile(lockName, lockText!, manifests);
  const problems = [...manifests.flatMap((m) => m.problems), ...(lockfile?.problems ?? [])];
  return { root, manifests, lockfile, packageManager: packageManagerOf(lockfile, rootManifest), problems };
}

function pickLockfile(files: ProjectFiles, packageManager: string | undefined): LockfileName | undefined {
  const present = LOCKFILE_NAMES.filter((n) => files.has(n));
  if (present.length <= 1) return present[0];
  const pm = packageManager?.split('@')[0];
  const preferred = pm === 'pnpm' ? 'pnpm-lock.yaml' : pm === 'yarn' ? 'yarn.lock' : undefined;
  return preferred && present.includes(preferred) ? preferred : present[0];
}

function packageManagerOf(lockfile: Lockfile | undefined, root: Manifest | undefined): ProjectModel['packageManager'] {
  if (lockfile) return lockfile.kind === 'npm' ? 'npm' : lockfile.kind === 'pnpm' ? 'pnpm' : 'yarn';
  const pm = root?.packageManager?.split('@')[0];
  return pm === 'npm' || pm === 'yarn' || pm === 'pnpm' ? pm : undefined;
}

/**
 * Parses one lockfile by its name; `manifests` supply importers for formats that do not record them.
 * Unresolved git merge conflicts are read on the HEAD side and reported.
 */
export function parseLockfile(name: string, rawText: string, manifests: Manifest[]): Lockfile {
  // Conflict markers are found after the byte-order mark, and their offsets count from there as the parsers' do;
  // the parser gets the mark back, and drops exactly one, as the package managers do.
  const bom = hasBom(rawText);
  const { text, conflicts } = takeOurSide(bom ? rawText.slice(1) : rawText);
  const lock = parseLockfileText(name, bom ? `\uFEFF${text}` : text, manifests, conflicts.length ? rawText : undefined);
  if (conflicts.length) lock.problems.unshift(conflictProblem(name, text, conflicts));
  return lock;
}

/** One problem for all the merge conflicts of a file, at the first marker. */
export function conflictProblem(file: string, text: string, conflicts: ConflictMarker[]): ParseProblem {
  const first = conflicts[0];
  return {
    code: 'merge-conflict',
    severity: 'error',
    file,
    message: conflictMessage(conflicts),
    range: new LineIndex(text).range(first.offset, first.offset + first.length),
  };
}

/** `diskText`: the file as its package manager reads it, when `text` is the HEAD side of a merge conflict. */
function parseLockfileText(name: string, text: string, manifests: Manifest[], diskText?: string): Lockfile {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const rootManifest = manifests.find((m) => m.dir === '.');
  if (base === 'pnpm-lock.yaml') return parsePnpmLockfile(text, name);
  if (base === 'yarn.lock') {
    return isYarnBerry(text) ? parseYarnBerryLockfile(text, name, importersOf(manifests)) : parseYarnClassicLockfile(text, name, importersOf(manifests));
  }
  return parseNpmLockfile(text, name, rootManifest, diskText);
}

const EDGE_TYPE: Partial<Record<string, EdgeType>> = {
  dependencies: 'prod',
  devDependencies: 'dev',
  optionalDependencies: 'optional',
  peerDependencies: 'peer',
};

/** Importers (root and workspaces) with the edges their manifests declare, unresolved. */
export function importersOf(manifests: Manifest[]): Importer[] {
  return manifests.map((m) => {
    const dependencies: DependencyEdge[] = [];
    const optional = new Set(m.dependencies.filter((d) => d.section === 'optionalDependencies').map((d) => d.name));
    for (const d of m.dependencies) {
      const type = EDGE_TYPE[d.section];
      if (!type || (type === 'prod' && optional.has(d.name))) continue;
      dependencies.push({ name: d.name, spec: d.spec.raw, type });
    }
    return { id: m.dir, name: m.name, dependencies };
  });
}
