/**
 * What content analysis sees of a package version: the files of its tarball (read, never executed), and the
 * shapes the analyzers exchange. Plain data.
 */

export interface PackageFile {
  /** Path inside the package, without the leading `package/` (e.g. `lib/index.js`). */
  path: string;
  size: number;
  /** Unix mode bits from the tar header (executable bits matter). */
  mode: number;
  /** The bytes, when read (files over the per-file cap or past the package budget are not). */
  data?: Buffer;
  /** Why `data` is missing. */
  skipped?: 'too-large' | 'over-budget';
  /** Tar entry type other than a regular file (symlink, hardlink, …) — never followed. */
  linkTarget?: string;
  /** Entry kind when it is not a regular file. */
  entryType?: 'symlink' | 'hardlink' | 'other';
  /** The archive path tried to leave the package: `path` is its neutralised form (see readTarball). */
  suspicious?: SuspiciousPathReason;
  /** The path as the archive wrote it (control characters as `%XX`), when `suspicious`: a string to show, never a path to use. */
  rawPath?: string;
}

/** Why an archive path was neutralised: `..` segments, or an absolute path (`/x`, `C:\\x`). */
export type SuspiciousPathReason = 'traversal' | 'absolute';

export interface PackageContents {
  name: string;
  version: string;
  files: Map<string, PackageFile>;
  /** The tarball's package.json, parsed (undefined when missing or unreadable). */
  manifest?: Record<string, unknown>;
  /** Bytes of file content read. */
  bytesRead: number;
  /** The package's unpacked size and file count as the tarball shows them. */
  unpackedSize: number;
  fileCount: number;
  /** The read stopped early (byte budget or time limit); analysis covers what was read. */
  truncated?: 'byte-budget' | 'timeout';
}

/** Limits of one package's analysis. */
export interface ContentLimits {
  /** Unpacked bytes read per package (default 20 MB). */
  maxBytes: number;
  /** Files larger than this are listed but not read (default 5 MB). */
  maxFileBytes: number;
  /** Wall-clock limit of reading one tarball (default 30 s). */
  timeoutMs: number;
}

export const DEFAULT_CONTENT_LIMITS: ContentLimits = { maxBytes: 20 * 1024 * 1024, maxFileBytes: 5 * 1024 * 1024, timeoutMs: 30_000 };
