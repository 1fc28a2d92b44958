import { parseManifest } from './manifest';
import { type ConflictMarker, conflictMessage, takeOurSide } from './merge-conflicts';
import { LineIndex, hasBom, stripBom } from './positions';
import { ProblemSink } from './problems';
import type { DependencyEdge, EdgeType, Importer, Lockfile, Manifest, ParseProblem, ProjectModel } from './model';
import { parseNpmLockfile } from './lockfile/npm';
import { parsePnpmLockfile } from './lockfile/pnpm';
import { isYarnBerry, parseYarnBerryLockfile, parseYarnClassicLockfile } from './lockfile/yarn';
import { globOutsideProject, isWorkspaceDir, outsideProjectMessage } from './workspace-glob';
import { describeYamlNode, isYamlNull, parseYamlBounded, yaml, yamlString } from './yaml-bounded';

import { LOCKFILE_NAMES, type LockfileName, PNPM_WORKSPACE } from './dependency-files';

export { LOCKFILE_NAMES, type LockfileName, PNPM_WORKSPACE };

/**
 * The texts of one project's dependency files, keyed by `/`-separated path relative to the project root:
 * `package.json`, any lockfile at the root, `pnpm-workspace.yaml`, and workspace manifests
 * (`packages/a/package.json`). The editor passes unsaved buffers here; the CLI passes what is on disk.
 */
export type ProjectFiles = ReadonlyMap<string, string> & {
  /** Files that are there but were not read (the reader refuses links out of the project, non-files, oversize ones). */
  readonly refused?: readonly RefusedFile[];
};

/** A project file present on disk and not read, and why, in words that quote nothing of the file or its target. */
export interface RefusedFile {
  path: string;
  code: 'outside-project' | 'unreadable-file';
  reason: string;
}

/** Workspace globs of a project: package.json `workspaces`, or pnpm-workspace.yaml `packages`. */
export function workspaceGlobs(rootManifest: Manifest | undefined, pnpmWorkspaceYaml: string | undefined): string[] {
  if (rootManifest?.workspaces.length) return rootManifest.workspaces;
  if (pnpmWorkspaceYaml === undefined) return [];
  return readPnpmWorkspace(pnpmWorkspaceYaml).globs;
}

/** pnpm-workspace.yaml holds a few globs and settings: a few levels deep, kilobytes long. */
const PNPM_WORKSPACE_BOUNDS = { maxNesting: 16, maxChars: 1024 * 1024, what: `a ${PNPM_WORKSPACE}`, schema: 'failsafe' } as const;

/**
 * The `packages` globs of a pnpm-workspace.yaml, and what is wrong with the file, positioned (it is a file the user
 * edits). Bounded in size and nesting like the lockfiles (parseYamlBounded). Whatever can be read is kept: the
 * globs before a syntax error, the string items of a list with other items. Never throws.
 */
export function readPnpmWorkspace(rawText: string, file = PNPM_WORKSPACE): { globs: string[]; problems: ParseProblem[] } {
  const text = stripBom(rawText);
  const sink = new ProblemSink(file, new LineIndex(text));
  const globs: string[] = [];
  const doc = parseYamlBounded(text, sink, PNPM_WORKSPACE_BOUNDS);
  const root = doc?.contents;
  // An empty file, or one with settings only, is a workspace of the root alone.
  if (!doc || !root || isYamlNull(root)) return { globs, problems: sink.problems };
  const at = (node: unknown): [number, number] => {
    const r = (node as { range?: [number, number, number] }).range;
    return r ? [r[0], r[1]] : [0, 0];
  };
  // pnpm reads the file with js-yaml, which follows aliases (`packages: *list`); one step, as they cannot nest here.
  const deref = (node: unknown) => (yaml().isAlias(node) ? node.resolve(doc) : node);
  if (!yaml().isMap(root)) {
    sink.error('unexpected-type', `${file} should be a mapping (packages: […]), found ${describeYamlNode(root)}`, ...at(root));
    return { globs, problems: sink.problems };
  }
  const packages = deref(root.get('packages', true));
  if (packages === undefined || isYamlNull(packages)) return { globs, problems: sink.problems };
  if (!yaml().isSeq(packages)) {
    sink.error('unexpected-type', `"packages" in ${file} should be a list of globs, found ${describeYamlNode(packages)}`, ...at(packages));
    return { globs, problems: sink.problems };
  }
  for (const item of packages.items) {
    const node = deref(item);
    const glob = yamlString(node);
    const outside = glob === undefined ? undefined : globOutsideProject(glob);
    if (outside) sink.error('outside-project', outsideProjectMessage(outside, `"packages" in ${file}`), ...at(item));
    else if (glob !== undefined) globs.push(glob);
    else sink.warning('unexpected-type', `"packages" in ${file} should list globs (strings), found ${describeYamlNode(node)}; it is ignored`, ...at(item));
  }
  return { globs, problems: sink.problems };
}

/**
 * The last parses of a long-lived caller (the editor's session): an edit to one package.json leaves the others and a
 * 2 MB lockfile as they were. A lockfile's parse depends on its text alone, except for npm v1 and yarn lockfiles,
 * which take the root's or the workspaces' edges from the manifests; a manifest's on its path and text. Parses are
 * never changed after they are made, so they are shared as they are.
 */
export class ParseMemo {
  private entries: { name: string; text: string; manifestsKey?: string; lock: Lockfile }[] = [];
  /** Per project root (the last few), the manifests of its last build by path: a workspace of 74 packages re-parsed
   *  them all on every edit. */
  private manifests = new Map<string, Map<string, { text: string; manifest: Manifest }>>();

  constructor(private readonly max = 4) {}

  /** parseManifest(text, path), from the root's last build when the text is the same; recorded in `next`. */
  manifest(root: string, text: string, path: string, next: Map<string, { text: string; manifest: Manifest }>): Manifest {
    const known = this.manifests.get(root)?.get(path);
    const manifest = known && known.text === text ? known.manifest : parseManifest(text, path);
    next.set(path, { text, manifest });
    return manifest;
  }

  /** Keeps the manifests of the root's build that just ended (those of its earlier builds are let go). */
  keepManifests(root: string, next: Map<string, { text: string; manifest: Manifest }>): void {
    this.manifests.delete(root);
    this.manifests.set(root, next);
    while (this.manifests.size > this.max) this.manifests.delete(this.manifests.keys().next().value as string);
  }

  lockfile(name: string, text: string, manifests: Manifest[]): Lockfile {
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
    this.manifests = new Map();
  }
}

/** The dependency model of a project from its files (`memo` keeps parses between calls). Never throws. */
export function buildProject(root: string, files: ProjectFiles, memo?: ParseMemo): ProjectModel {
  const manifests: Manifest[] = [];
  const parsed = new Map<string, { text: string; manifest: Manifest }>();
  const manifestOf = (text: string, path: string) => (memo ? memo.manifest(root, text, path, parsed) : parseManifest(text, path));
  const rootText = files.get('package.json');
  const rootManifest = rootText === undefined ? undefined : manifestOf(rootText, 'package.json');
  if (rootManifest) manifests.push(rootManifest);
  const pnpmWorkspaceText = files.get(PNPM_WORKSPACE);
  const pnpmWorkspace = pnpmWorkspaceText === undefined ? undefined : readPnpmWorkspace(pnpmWorkspaceText);
  const globs = rootManifest?.workspaces.length ? rootManifest.workspaces : (pnpmWorkspace?.globs ?? []);
  for (const [path, text] of files) {
    if (path === 'package.json' || !path.endsWith('/package.json')) continue;
    const dir = path.slice(0, -'/package.json'.length);
    if (isWorkspaceDir(dir, globs)) manifests.push(manifestOf(text, path));
  }
  memo?.keepManifests(root, parsed);
  manifests.sort((a, b) => a.file.localeCompare(b.file));

  const refused = new Map((files.refused ?? []).map((r) => [r.path, r]));
  // A refused lockfile is still there: the package manager would pick it, so it is picked, and stays unread.
  const lockName = pickLockfile(files, refused, rootManifest?.packageManager);
  const unread = lockName === undefined ? undefined : refused.get(lockName);
  const lockText = lockName === undefined || unread ? undefined : files.get(lockName)!;
  const lockfile = lockText === undefined ? undefined : memo ? memo.lockfile(lockName!, lockText, manifests) : parseLockfile(lockName!, lockText, manifests);
  const refusedProblems: ParseProblem[] = [...refused.values()].map((r) => ({
    code: r.code,
    severity: 'error',
    file: r.path,
    message: `${r.path} was not read: ${r.reason}`,
    range: FILE_START,
  }));
  const problems = [...refusedProblems, ...manifests.flatMap((m) => m.problems), ...(pnpmWorkspace?.problems ?? []), ...(lockfile?.problems ?? [])];
  return {
    root,
    manifests,
    lockfile,
    packageManager: packageManagerOf(lockfile, rootManifest),
    problems,
    ...(unread ? { unreadLockfile: { file: unread.path, reason: unread.reason } } : {}),
  };
}

const FILE_START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };

function pickLockfile(files: ProjectFiles, refused: ReadonlyMap<string, RefusedFile>, packageManager: string | undefined): LockfileName | undefined {
  const present = LOCKFILE_NAMES.filter((n) => files.has(n) || refused.has(n));
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
