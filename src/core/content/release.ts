/**
 * The shared view the detectors work on: both releases' install hooks and scanned files, which files changed,
 * and which signals the previous release already had. Files identical in both releases are scanned once and
 * count for both; a signal is new when no file of the previous release shows it.
 */
import { SEVERITIES, type Severity, type VersionSummary } from '../trust/types';
import { type CodeKind, codeKind, dirOf, isRuntimePath, resolveIn, textOf, unchangedPaths } from './files';
import { hookScope, installHooksOf, type Hook, type HookScope } from './lifecycle';
import { looksLikeText, resolvedEntryPoints } from './entry-points';
import { scanFile, scanFileSteps, signalId, type FileScan, type Signal, type SignalKind } from './scan';
import type { Steps } from '../steps';
import type { PackageContents, PackageFile } from './types';

export interface Release {
  contents: PackageContents;
  hooks: Hook[];
  scope: HookScope;
  /** Scanned files (and hook commands, as `package.json (scripts.postinstall)`), by path. */
  scans: Map<string, FileScan>;
  /** Ids of the signals some file shows in code (not only in comments). */
  keys: Set<string>;
  /** Signal ids of install-time code (the hook scope and the hook commands). */
  scopeKeys: Set<string>;
  kinds: Set<SignalKind>;
  /** The manifest's entry points that are files of the package. */
  entries: string[];
  /** Files that read code requires (resolved), read or not. */
  required: Set<string>;
}

export interface ContentInput {
  current: PackageContents;
  previous?: PackageContents;
  /** What the registry's packument says about `current`. */
  registry?: VersionSummary;
  /** Earlier releases' sizes, oldest first or newest first (order does not matter). */
  history?: { unpackedSize?: number; fileCount?: number }[];
}

export interface Analysis {
  input: ContentInput;
  /** `name@version` of the current release, for messages. */
  label: string;
  current: Release;
  previous?: Release;
  /** Current paths whose bytes the previous release also had (same path or moved). */
  unchanged: Set<string>;
  /** Current paths whose counterpart in the previous release was not read: nothing there is judged new. */
  baselineGaps: Set<string>;
  /**
   * Runtime code files of the previous release that were not read (too large, over budget): what is "new"
   * may only be unread, so findings that rest on newness say so and stay at medium.
   */
  baselineUnread: string[];
}

/** The pseudo-path under which a hook's command is scanned. */
export const hookPath = (hook: string, inline = false): string => `package.json (scripts.${hook}${inline ? ', inline code' : ''})`;
export const isHookPath = (p: string): boolean => p.startsWith('package.json (scripts.');

const MAX_FOLLOWED = 2000;

/** How a file that runs is scanned: by its extension or shebang, else as JavaScript when it reads as text (node loads a required `.dat` as CommonJS). */
function runKind(f: PackageFile): CodeKind | undefined {
  const kind = codeKind(f);
  if (kind) return kind;
  if (!f.data || /\.(?:json|node|wasm)$/i.test(f.path)) return undefined;
  return looksLikeText(f.data) ? 'js' : undefined;
}

/** Scans a release's code files: yields after each file (and each chunk of a large one). */
function* scanRelease(contents: PackageContents, reuse: Map<string, FileScan>): Steps<Release> {
  const hooks = installHooksOf(contents);
  const scope = hookScope(contents, hooks);
  const scans = new Map<string, FileScan>();
  function* scanOne(f: PackageFile, kind: CodeKind): Steps<FileScan> {
    const s = reuse.get(f.path) ?? (yield* scanFileSteps(f.path, kind, f.data!, textOf(f)!));
    scans.set(f.path, s);
    return s;
  }
  // (directory, specifier) pairs to resolve, each once: bundles split in chunks require the same few files
  // from every chunk (vuecore's pairs: 34,056 requires, a fraction distinct).
  const required: string[] = [];
  const requiredSeen = new Set<string>();
  const requires = (f: PackageFile, s: FileScan) => {
    for (const r of s.relative) {
      const key = `${dirOf(f.path)}\u0000${r}`;
      if (requiredSeen.has(key)) continue;
      requiredSeen.add(key);
      required.push(key);
    }
  };
  const requiredPaths = new Set<string>();
  // Entry points always run, whatever their folder or extension.
  const entries = resolvedEntryPoints(contents.manifest, contents.files);
  for (const p of entries) {
    const f = contents.files.get(p)!;
    const kind = f.data && f.linkTarget === undefined ? runKind(f) : undefined;
    if (!kind || kind === 'python') continue;
    requires(f, yield* scanOne(f, kind));
  }
  for (const f of contents.files.values()) {
    if (!f.data || f.linkTarget !== undefined || scans.has(f.path)) continue;
    const kind = codeKind(f);
    if (!kind) continue;
    const inScope = scope.files.has(f.path);
    if (!inScope && (kind === 'python' || !isRuntimePath(f.path))) continue;
    requires(f, yield* scanOne(f, kind));
  }
  // Tests, examples, docs and files of other extensions are skipped, unless code that runs requires them
  // (`require('./test/x')`, `require('./lib/data.dat')`): node runs them as CommonJS.
  for (let i = 0, extra = 0; i < required.length && extra < MAX_FOLLOWED; i++) {
    const [dir, ref] = required[i].split('\u0000');
    const p = resolveIn(contents.files, dir, ref);
    const f = p !== undefined ? contents.files.get(p) : undefined;
    if (!f) continue;
    requiredPaths.add(f.path);
    const kind = f.data && f.linkTarget === undefined ? runKind(f) : undefined;
    if (!kind || kind === 'python' || scans.has(f.path)) continue;
    extra++;
    requires(f, yield* scanOne(f, kind));
  }
  for (const run of scope.runs) {
    if (run.hook.implicit) continue;
    const p = hookPath(run.hook.name);
    const cmd = Buffer.from(run.hook.command, 'latin1');
    scans.set(p, scanFile(p, 'shell', cmd, run.hook.command));
    run.parts.inline.forEach((code, i) => {
      const ip = hookPath(run.hook.name, true) + (i ? ` #${i + 1}` : '');
      scans.set(ip, scanFile(ip, code.kind, Buffer.from(code.code, 'latin1'), code.code));
    });
  }
  const keys = new Set<string>();
  const scopeKeys = new Set<string>();
  const kinds = new Set<SignalKind>();
  for (const [p, s] of scans) {
    const install = scope.files.has(p) || p.startsWith('package.json (');
    for (const [id, sig] of s.signals) {
      if (!sig.inCode) continue;
      keys.add(id);
      kinds.add(sig.kind);
      if (install) scopeKeys.add(id);
    }
  }
  return { contents, hooks, scope, scans, keys, scopeKeys, kinds, entries, required: requiredPaths };
}

/** Scans both releases and pairs their files: yields after each file scanned (and each chunk of a large one). */
export function* analyzeSteps(input: ContentInput): Steps<Analysis> {
  const { current, previous } = input;
  const pairs = previous ? unchangedPaths(current, previous) : new Map<string, string>();
  const unchanged = new Set(pairs.keys());
  const cur = yield* scanRelease(current, new Map());
  let prev: Release | undefined;
  const baselineGaps = new Set<string>();
  if (previous) {
    // Identical files: the current scan stands for the previous file too (under the previous path).
    const reuse = new Map<string, FileScan>();
    for (const [c, p] of pairs) {
      const s = cur.scans.get(c);
      if (s) reuse.set(p, s);
    }
    prev = yield* scanRelease(previous, reuse);
    for (const p of cur.scans.keys()) {
      const before = previous.files.get(p);
      if (before && !before.data) baselineGaps.add(p);
    }
  }
  const baselineUnread = previous
    ? [...previous.files.values()]
        .filter(
          (f) =>
            !f.data && f.linkTarget === undefined && /\.(?:[cm]?js|jsx|[cm]?ts|tsx)$/i.test(f.path) && !/\.d\.[cm]?ts$/i.test(f.path) && isRuntimePath(f.path),
        )
        .map((f) => f.path)
    : [];
  return { input, label: `${current.name}@${current.version}`, current: cur, previous: prev, unchanged, baselineGaps, baselineUnread };
}

/** Current signals of some kinds, in code, outside unchanged files and baseline gaps, with their file. */
export function currentSignals(a: Analysis, kinds: readonly SignalKind[]): { scan: FileScan; signal: Signal }[] {
  const out: { scan: FileScan; signal: Signal }[] = [];
  for (const [p, scan] of a.current.scans) {
    if (a.unchanged.has(p) || a.baselineGaps.has(p)) continue;
    for (const s of scan.signals.values()) if (s.inCode && kinds.includes(s.kind)) out.push({ scan, signal: s });
  }
  return out;
}

/** The signal is absent from every file of the previous release (always true without one). */
export function isNewSignal(a: Analysis, s: Signal): boolean {
  return !a.previous?.keys.has(signalId(s.kind, s.key));
}

/** Install-time code: a file in the hook scope, or a hook command itself. */
export function inInstallScope(a: Analysis, path: string): boolean {
  return a.current.scope.files.has(path) || path.startsWith('package.json (');
}

/** Obfuscator signatures no legitimate build produces (a decoded string merely near eval is not one). */
export const STRONG_OBFUSCATION: ReadonlySet<string> = new Set([
  '_0x-identifiers',
  'string-array-rotation',
  'obfuscator-loop',
  'char-codes',
  'decode-eval',
  'decoded-require',
  'built-api-name',
  'self-decoding-eval',
  'invisible-code',
]);

/** The file has strong obfuscator signatures (new or not). */
export function isObfuscated(scan: FileScan): boolean {
  for (const s of scan.signals.values()) if (s.kind === 'obfuscation' && STRONG_OBFUSCATION.has(s.key)) return true;
  return false;
}

/**
 * Caps a severity that rests on "the previous release did not have this" when part of the previous release's
 * code was not read and the signals are only in files the previous release did not have, and says why.
 */
export function capForUnreadBaseline(a: Analysis, severity: Severity, message: string, paths: readonly string[] = []): { severity: Severity; message: string } {
  if (!a.previous || !a.baselineUnread.length || SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf('medium')) return { severity, message };
  // A file the previous release had (and that was read) gained it: new for that file at least, and that is
  // where injected code shows.
  const injectedInto = (p: string) => {
    const before = a.input.previous!.files.get(p)?.data?.length;
    const now = a.input.current.files.get(p)?.size ?? 0;
    return before !== undefined && now - before <= Math.max(before, 64 * 1024); // not replaced wholesale
  };
  if (paths.some(injectedInto)) return { severity, message };
  const n = a.baselineUnread.length;
  return {
    severity: 'medium',
    message: `${message} (${n} code file${n === 1 ? '' : 's'} of ${a.input.previous!.version} were too large to read, e.g. ${a.baselineUnread[0]}: this may not be new)`,
  };
}

export { signalId };
