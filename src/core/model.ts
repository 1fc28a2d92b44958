/**
 * The dependency model: what a project declares (manifests) and what it installs (lockfile),
 * with exact source positions so later stages can put diagnostics and edits on the right characters.
 *
 * Everything here is plain data (JSON-serialisable) so it can cross the extension ↔ service boundary.
 */

/** 0-based line and UTF-16 character, as VS Code counts them. */
export interface Position {
  line: number;
  character: number;
}

/**
 * A span of a source file: both line/character and UTF-16 offsets (end exclusive). A byte-order mark at the start
 * of the file is not counted, as in VS Code (see stripBom in positions.ts).
 */
export interface SourceRange {
  start: Position;
  end: Position;
  startOffset: number;
  endOffset: number;
}

export type ProblemCode =
  | 'invalid-json'
  | 'merge-conflict'
  | 'invalid-yaml'
  | 'invalid-lockfile'
  | 'unsupported-lockfile-version'
  | 'unexpected-type'
  | 'unresolved-dependency'
  | 'missing-file'
  /** A workspace glob or a project file that reaches outside the project: refused, not read. */
  | 'outside-project'
  /** A project file that is not a regular file, or too large: not read. */
  | 'unreadable-file'
  /** A policy that lowers findings which must not go quiet unseen (malware, integrity mismatch, invalid provenance). */
  | 'policy-lowers'
  /** Restricted Mode: what the repository's policy asked for that would have made TrustLens quieter, not applied. */
  | 'policy-ignored';

/** Something in a file that could not be read as expected. Parsing never throws; it reports these. */
export interface ParseProblem {
  code: ProblemCode;
  message: string;
  file: string;
  range: SourceRange;
  severity: 'error' | 'warning';
}

/** How a dependency spec in a manifest (or a lockfile edge) points at its code. */
export type SpecType = 'range' | 'version' | 'tag' | 'alias' | 'git' | 'remote' | 'file' | 'link' | 'workspace' | 'other';

export interface DependencySpec {
  type: SpecType;
  /** The spec exactly as written, e.g. `npm:chalk@^5` or `^1.2.0`. */
  raw: string;
  /** For registry specs (range/version/tag/alias): the name the registry knows, e.g. `chalk` for an alias. */
  registryName?: string;
  /** For registry specs: the range, version or tag after any alias prefix. */
  range?: string;
}

export type ManifestSection =
  'dependencies' | 'devDependencies' | 'optionalDependencies' | 'peerDependencies' | 'bundleDependencies' | 'overrides' | 'resolutions' | 'pnpm.overrides';

/** One entry of a manifest's dependency section. */
export interface ManifestDependency {
  /** The key as written: for an alias, the alias name. Overrides may use `a>b` or `a@1` forms (kept as written). */
  name: string;
  section: ManifestSection;
  spec: DependencySpec;
  /** Range of the key string, quotes included. */
  keyRange: SourceRange;
  /** Range of the value string, quotes included (for bundleDependencies, the array element). */
  valueRange: SourceRange;
  /** For nested npm `overrides`: the chain of parent keys, outermost first. */
  overridePath?: string[];
}

export interface Manifest {
  /** Path relative to the project root, `/`-separated (e.g. `package.json`, `packages/a/package.json`). */
  file: string;
  /** Directory relative to the project root (`.` for the root). */
  dir: string;
  name?: string;
  version?: string;
  dependencies: ManifestDependency[];
  /** Workspace globs declared by this manifest (npm/yarn `workspaces`, or pnpm-workspace.yaml for the root). */
  workspaces: string[];
  /** `packageManager` field, e.g. `pnpm@9.1.0`. */
  packageManager?: string;
  /** Range of the whole JSON object of each section, for edits that add entries. */
  sectionRanges: Partial<Record<ManifestSection, SourceRange>>;
  problems: ParseProblem[];
}

export type LockfileKind = 'npm' | 'yarn-classic' | 'yarn-berry' | 'pnpm';

export type PackageSource = 'registry' | 'git' | 'remote' | 'file' | 'link' | 'workspace' | 'unknown';

export type EdgeType = 'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional';

export interface DependencyEdge {
  name: string;
  spec: string;
  type: EdgeType;
  /** Id of the installed package this edge resolves to; undefined when the lockfile does not contain it. */
  to?: string;
}

/** One package instance recorded in a lockfile. */
export interface InstalledPackage {
  /**
   * Unique within the lockfile. npm: the install location (`node_modules/a/node_modules/b`);
   * yarn: `name@version` (berry: the resolution); pnpm: the package key.
   */
  id: string;
  /** The real package name (for an alias, the registry name, not the folder name). */
  name: string;
  version: string;
  /** The folder name it is installed under when that differs from `name` (npm aliases). */
  alias?: string;
  resolved?: string;
  integrity?: string;
  source: PackageSource;
  dev: boolean;
  optional: boolean;
  /** npm's devOptional: needed by dev dependencies, and only optionally by the rest. */
  devOptional: boolean;
  peer: boolean;
  /** Directly depended on by the root project or by one of its workspaces. */
  direct: boolean;
  /** Importers (`.` for the root, else the workspace dir) whose dependency graph contains this package. */
  workspaces: string[];
  /**
   * Up to three shortest dependency paths from an importer, as ids: the first element is an importer id.
   * A path longer than 32 hops keeps its importer and its last hops, with `…` standing for the rest.
   */
  paths: string[][];
  /** Edges out of this package. */
  dependencies: DependencyEdge[];
  hasInstallScript?: boolean;
  bundled?: boolean;
  /** The lockfile and the range of this package's entry (its key). */
  file: string;
  range: SourceRange;
  /**
   * Why this entry cannot be judged as it stands (a field the package manager needs has the wrong type, say a
   * numeric `version`). The parser also reports it as a positioned problem; the engine reports the entry as not
   * checked rather than leaving it out.
   */
  invalid?: string;
  /**
   * Not from a lockfile: the manifest spec this version was resolved from when the check ran (there is no lockfile,
   * or the package manager ignores it). `file` and `range` then point at the package.json entry.
   */
  resolvedFrom?: string;
  /**
   * yarn berry: the platforms a platform-specific package is installed on (`os=linux & cpu=x64`). yarn writes no
   * checksum for such entries, by design.
   */
  conditions?: string;
}

/** The root project or a workspace, as the lockfile records it. */
export interface Importer {
  /** `.` for the root, else the workspace dir relative to the root. */
  id: string;
  name?: string;
  version?: string;
  dependencies: DependencyEdge[];
}

export interface Lockfile {
  file: string;
  kind: LockfileKind;
  /** lockfileVersion for npm/pnpm, __metadata.version for berry, 1 for yarn classic. */
  version: string;
  importers: Importer[];
  packages: InstalledPackage[];
  problems: ParseProblem[];
  /**
   * The package manager itself would refuse this text (npm: `JSON.parse` fails after stripping a byte-order
   * mark), and then ignores the lockfile and resolves fresh versions. TrustLens still reads what it can, for
   * positions, but judges what would really be installed.
   */
  rejected?: { message: string; range: SourceRange };
}

export interface ProjectModel {
  /** Absolute path or another caller-chosen label of the project root. */
  root: string;
  manifests: Manifest[];
  lockfile?: Lockfile;
  /** The package manager the project uses, from the lockfile or `packageManager`. */
  packageManager?: 'npm' | 'yarn' | 'pnpm';
  problems: ParseProblem[];
  /**
   * The lockfile the package manager would use, present but not read (a link out of the project, not a regular file,
   * too large): what it locks is unknown, which is not the same as having no lockfile.
   */
  unreadLockfile?: { file: string; reason: string };
}
