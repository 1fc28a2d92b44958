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
  /** The read stopped before the end of the archive (inflate, entry or name limits, or the clock): later entries were never seen. */
  unseen?: 'byte-budget' | 'timeout';
}

/** Limits of one package's analysis. */
export interface ContentLimits {
  /** Unpacked bytes read per package (default 20 MB). */
  maxBytes: number;
  /** Data files larger than this are listed but not read (default 5 MB); code is read whatever its size while the budget lasts, and scanned in chunks. */
  maxFileBytes: number;
  /** Wall-clock limit of reading one tarball (default 30 s). */
  timeoutMs: number;
}

export const DEFAULT_CONTENT_LIMITS: ContentLimits = { maxBytes: 20 * 1024 * 1024, maxFileBytes: 5 * 1024 * 1024, timeoutMs: 30_000 };

export type SignalKind =
  /** Starts programs (key: module or API). */
  | 'process'
  /** Uses a network API (key: module or API). */
  | 'network'
  /** A hard-coded URL (key: host). */
  | 'url'
  /** A hard-coded public IPv4 address (key: the address). */
  | 'ip'
  /** Reads credentials (key: `env:NAME`, `file:.npmrc`, `env-dump`, `metadata`, `wallet:…`). */
  | 'credential'
  /** Obfuscator signature (key: which). */
  | 'obfuscation'
  /** Runs `npm publish` (or uses libnpmpublish). */
  | 'publish'
  /** Handles a registry token (NPM_TOKEN, _authToken, whoami). */
  | 'registry-token'
  /** Creates a tarball. */
  | 'tarball'
  /** Writes a package.json. */
  | 'package-write'
  /** Writes a persistence location (key: location). */
  | 'persistence'
  /** Reads data worth stealing that is not a credential (key: `host:hostname`, `clipboard`, `env` taken whole through a computed name). */
  | 'source'
  /** Serialises or disguises data (key: json, base64, hex, query, uri, cipher, compress). */
  | 'encode'
  /** Decodes hidden data (key: base64, hex, xor, shift, char-codes, reverse, decrypt, decompress, unescape, invisible, `binary-file:<name>`). */
  | 'decode'
  /** Runs code it computes: eval/Function/vm with a computed argument, require(<computed>), _compile (key: the API). */
  | 'eval'
  /** Starts a process hidden and detached (key: `detached-code` when it runs code of its own, `detached`, nohup, setsid, …). */
  | 'launch'
  /** Downloads something and runs it as it arrives (`curl … | sh`, `iwr … | iex`). */
  | 'fetch-run'
  /** Makes other programs load its code, or runs code through a Windows proxy binary (LD_PRELOAD, rundll32, …). */
  | 'hijack'
  /** Parts of a worm: copies its own file, writes install hooks into manifests, lists publishable packages. */
  | 'worm'
  /** Starts a shell by name (`spawn('/bin/sh')`). */
  | 'shell';
