/**
 * Which files of a tarball content analysis reads, how it turns their bytes into text, and how it names places
 * in them (line numbers, or byte offsets on the long lines of minified files).
 */
import type { PackageContents, PackageFile } from './types';

/** How a file is scanned: JavaScript-like code, shell/batch scripts, Python (only when an install hook runs it). */
export type CodeKind = 'js' | 'shell' | 'python';

const JS_EXT = /\.(?:[cm]?js|jsx|[cm]?ts|tsx)$/i;
const TYPES_EXT = /\.d\.[cm]?ts$/i;
const SHELL_EXT = /\.(?:sh|bash|zsh|command|ps1|bat|cmd)$/i;
const PY_EXT = /\.py$/i;

/** The kind of code a file holds, or undefined for data, docs, types, maps and binaries. */
export function codeKind(f: PackageFile): CodeKind | undefined {
  const p = f.path;
  if (TYPES_EXT.test(p)) return undefined;
  if (JS_EXT.test(p)) return 'js';
  if (SHELL_EXT.test(p)) return 'shell';
  if (PY_EXT.test(p)) return 'python';
  // Extension-less executables (bin scripts) say what they are in their shebang.
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (!base.includes('.') && f.data && f.data.length > 2 && f.data[0] === 0x23 && f.data[1] === 0x21) {
    const line = f.data.subarray(0, Math.min(f.data.length, 120)).toString('latin1').split('\n', 1)[0];
    if (/\b(?:node|bun|deno|tsx|ts-node)\b/.test(line)) return 'js';
    if (/python/.test(line)) return 'python';
    return 'shell';
  }
  return undefined;
}

/**
 * Path segments of code that neither an import nor an install runs: tests, examples, docs, benchmarks. Such
 * files are scanned only when an install hook reaches them.
 */
const NON_RUNTIME_DIR = /(?:^|\/)(?:tests?|__tests__|__mocks__|__fixtures__|spec|specs|fixtures?|examples?|demos?|docs?|benchmarks?|bench|coverage|\.github)\//i;
const NON_RUNTIME_FILE = /\.(?:test|spec|bench)\.[cm]?[jt]sx?$/i;

export function isRuntimePath(path: string): boolean {
  return !NON_RUNTIME_DIR.test(path) && !NON_RUNTIME_FILE.test(path);
}

/** Bytes as text: latin1 keeps one character per byte, so string offsets are byte offsets. */
export function textOf(f: PackageFile): string | undefined {
  return f.data ? f.data.toString('latin1') : undefined;
}

/**
 * Files of `current` whose bytes are also in `previous`, mapped to their previous path: the same path, or a move
 * (same size and bytes at another path, as hashed bundle names do). Their signals are the previous release's too.
 */
export function unchangedPaths(current: PackageContents, previous: PackageContents): Map<string, string> {
  const out = new Map<string, string>();
  const bySize = new Map<number, PackageFile[]>();
  for (const f of previous.files.values()) {
    if (!f.data) continue;
    const list = bySize.get(f.data.length);
    if (list) list.push(f);
    else bySize.set(f.data.length, [f]);
  }
  for (const f of current.files.values()) {
    if (!f.data) continue;
    const same = previous.files.get(f.path);
    if (same?.data && same.data.length === f.data.length && same.data.equals(f.data)) {
      out.set(f.path, f.path);
      continue;
    }
    const candidates = bySize.get(f.data.length);
    const moved = candidates && candidates.length <= 64 ? candidates.find((c) => c.data!.equals(f.data!)) : undefined;
    if (moved) out.set(f.path, moved.path);
  }
  return out;
}

/** Line starts of a text, built once per file that has something to report. */
export class Lines {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  private index(): number[] {
    if (this.starts) return this.starts;
    const s = [0];
    let i = this.text.indexOf('\n');
    while (i !== -1) {
      s.push(i + 1);
      i = this.text.indexOf('\n', i + 1);
    }
    return (this.starts = s);
  }

  /** 1-based line and column of an offset, and that line's length. */
  at(offset: number): { line: number; column: number; lineLength: number } {
    const s = this.index();
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    const end = lo + 1 < s.length ? s[lo + 1] - 1 : this.text.length;
    return { line: lo + 1, column: offset - s[lo] + 1, lineLength: end - s[lo] };
  }
}

/** Lines longer than this are minified code: places in them are byte offsets. */
export const LONG_LINE = 1000;

/** `lib/a.js:12`, or `dist/a.min.js byte 48213 (line 1)` on a minified line. */
export function placeLabel(path: string, lines: Lines, offset: number): string {
  const { line, lineLength } = lines.at(offset);
  return lineLength > LONG_LINE ? `${path} byte ${offset} (line ${line})` : `${path}:${line}`;
}

/** A short, printable excerpt around an offset. */
export function snippet(text: string, offset: number, length = 0, before = 24, after = 64): string {
  const from = Math.max(0, offset - before);
  const to = Math.min(text.length, offset + Math.max(length, 0) + after);
  let s = text.slice(from, to).replace(/\s+/g, ' ');
  s = s.replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (s.length > 120) s = s.slice(0, 117) + '...';
  return `${from > 0 ? '…' : ''}${s.trim()}${to < text.length ? '…' : ''}`;
}

/**
 * Whether an offset is inside a comment, judged from the text before it on its line (and the last 1000
 * characters for block comments). Approximate by design: no tokenizer, bounded work per call.
 */
export function inComment(text: string, offset: number, kind: CodeKind): boolean {
  const windowStart = Math.max(0, offset - 1000);
  // Searched within the window only: lastIndexOf on a 5 MB line without newlines would walk back to its start.
  const win = text.slice(windowStart, offset);
  const nl = win.lastIndexOf('\n');
  const lineStart = nl >= 0 ? windowStart + nl + 1 : windowStart === 0 ? 0 : -1;
  if (lineStart >= 0) {
    const prefix = text.slice(lineStart, offset);
    const t = prefix.trimStart();
    if (kind !== 'js') return t.startsWith('#') || (kind === 'shell' && /^(?:rem\s|::)/i.test(t));
    if (t.startsWith('//') || t.startsWith('*') || t.startsWith('/*')) return true;
    if (hasLineComment(prefix)) return true;
  }
  if (kind !== 'js') return false;
  const close = win.lastIndexOf('*/');
  let open = win.lastIndexOf('/*');
  // `/*` inside globs (`src/**/*.js`) is not a comment opener: a real one follows space, punctuation or nothing.
  while (open > close) {
    const prev = open > 0 ? win.charCodeAt(open - 1) : windowStart === 0 ? 32 : -1;
    if (prev === -1 || prev === 32 || prev === 9 || prev === 10 || prev === 13 || ';{}(),=:'.includes(String.fromCharCode(prev))) return true;
    open = win.lastIndexOf('/*', open - 1);
  }
  return false;
}

/** A `//` that starts a comment: after space or punctuation (not `://`), with no string literal open before it. */
function hasLineComment(prefix: string): boolean {
  let q = 0; // the open quote's char code, 0 when none
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (q) {
      if (c === 92) i++;
      else if (c === q) q = 0;
      continue;
    }
    if (c === 39 || c === 34 || c === 96) q = c;
    else if (c === 47 && prefix.charCodeAt(i + 1) === 47) {
      const p = i > 0 ? prefix.charCodeAt(i - 1) : 32;
      if (p !== 58 && p !== 92) return true;
      i++;
    }
  }
  return false;
}

/** The directory part of a package path (`lib/x.js` → `lib`, `x.js` → ``). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Joins and normalises a relative path inside the package; undefined when it leaves the package. */
export function joinPath(dir: string, rel: string): string | undefined {
  const parts = dir ? dir.split('/') : [];
  for (const seg of rel.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!parts.length) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

/** Resolves a file reference the way node does for relative requires: exact, then extensions, then index files. */
export function resolveIn(files: Map<string, PackageFile>, dir: string, ref: string): string | undefined {
  const base = joinPath(dir, ref);
  if (base === undefined) return undefined;
  const candidates = [base, `${base}.js`, `${base}.cjs`, `${base}.mjs`, `${base}.json`, `${base}/index.js`, `${base}/index.cjs`, `${base}/index.mjs`];
  for (const c of candidates) if (c && files.has(c)) return c;
  return undefined;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}
