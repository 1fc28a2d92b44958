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
const NON_RUNTIME_DIR =
  /(?:^|\/)(?:tests?|__tests__|__mocks__|__fixtures__|spec|specs|fixtures?|examples?|demos?|docs?|benchmarks?|bench|coverage|\.github)\//i;
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
 * Whether an offset is inside a comment. JavaScript is decided by a tokenizer over the whole text (strings,
 * template literals with their `${}` parts, regular expression literals, line and block comments; see
 * jsCommentRanges), built once per text; shell and Python by the text before the offset on its line.
 */
export function inComment(text: string, offset: number, kind: CodeKind, comments?: () => JsComments): boolean {
  if (kind === 'js') return comments ? comments().has(offset) : inRanges(commentRangesOf(text), offset);
  const windowStart = Math.max(0, offset - 1000);
  const win = text.slice(windowStart, offset);
  const nl = win.lastIndexOf('\n');
  const lineStart = nl >= 0 ? windowStart + nl + 1 : windowStart === 0 ? 0 : -1;
  if (lineStart < 0) return false;
  const t = text.slice(lineStart, offset).trimStart();
  return t.startsWith('#') || (kind === 'shell' && /^(?:rem\s|::)/i.test(t));
}

let lastText: string | undefined;
let lastRanges: Int32Array = new Int32Array(0);

function commentRangesOf(text: string): Int32Array {
  if (lastText !== text) {
    lastRanges = jsCommentRanges(text);
    lastText = text;
  }
  return lastRanges;
}

export function inRanges(r: Int32Array, offset: number): boolean {
  let lo = 0;
  let hi = r.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (offset < r[2 * mid]) hi = mid - 1;
    else if (offset >= r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Words after which `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/** Words whose parenthesised head is followed by a statement: `if (x) /re/.test(y)`. */
const CONTROL_WORDS = new Set(['if', 'while', 'for', 'with']);

const isIdent = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c >= 128;

// Character classes of the tokenizer below, by code unit (every unit from 256 up is an identifier character).
const C_OTHER = 0;
const C_SPACE = 1;
const C_IDENT = 2;
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) CLASS[c] = c === 32 || c === 9 || c === 10 || c === 13 ? C_SPACE : isIdent(c) ? C_IDENT : C_OTHER;
const classOf = (c: number): number => (c < 256 ? CLASS[c] : C_IDENT);

// What came last: an identifier or number, a closing token () ] a string, a regular expression, a template), or
// anything else (operators, `{`, `}`, the start).
const P_OTHER = 0;
const P_WORD = 1;
const P_CLOSE = 2;

/**
 * The comments of a JavaScript text as [start, end) offset pairs, from one linear pass of a tokenizer that knows
 * strings, template literals (nested `${}`), regular expression literals (character classes and escapes) and
 * comments. When unsure it decides for code: a `/` after `}`, an operator or the `)` of `if (…)`, `while (…)`,
 * `for (…)` starts a regular expression (so
 * `/[//]/` is never a comment opener), a regular expression or string cut by a line end ends there, and `://`
 * glued to a word (a URL in JSX text or a template) opens no comment.
 */
export function jsCommentRanges(t: string): Int32Array {
  return new JsComments(t).all();
}

/**
 * jsCommentRanges read only as far as it is asked: `has(offset)` tokenizes up to just past `offset` (resuming where
 * the last question stopped), which answers exactly as the whole pass would, since a comment is found where it
 * starts. Scanning asks about the places of the signals it finds, and in a large file the last one is often well
 * before the end (on the real projects' direct dependencies about 30 % of the bytes were never needed).
 *
 * The hot loop of content analysis: characters are classed by a table, and the last word is kept as offsets and
 * only read where `/` or `(` asks what it was.
 */
export class JsComments {
  private out = new Int32Array(64);
  private n = 0;
  /** Where the tokenizer stands: everything before it is read. */
  private i = 0;
  /** Open template literals: the `{` depth inside each one's current `${`. */
  private readonly templates: number[] = [];
  /** Open parentheses: whether each follows if/while/for/with (after its `)`, a `/` starts a regular expression). */
  private readonly parens: boolean[] = [];
  private prev = P_OTHER;
  /** The last word's [start, end): read only when `/` or `(` follows it. */
  private wordStart = 0;
  private wordEnd = 0;

  constructor(private readonly t: string) {
    if (t.startsWith('#!')) {
      const e = t.indexOf('\n');
      this.push(0, e < 0 ? t.length : e);
      this.i = e < 0 ? t.length : e;
    }
  }

  /** Whether `offset` is inside a comment. */
  has(offset: number): boolean {
    if (this.i <= offset) this.advance(offset);
    return inRanges(this.out.subarray(0, this.n), offset);
  }

  /** Every comment of the text. */
  all(): Int32Array {
    this.advance(this.t.length);
    return this.out.subarray(0, this.n);
  }

  private push(a: number, b: number): void {
    if (this.n + 2 > this.out.length) {
      const bigger = new Int32Array(this.out.length * 2);
      bigger.set(this.out);
      this.out = bigger;
    }
    this.out[this.n++] = a;
    this.out[this.n++] = b;
  }

  /** Tokenizes until past `target` (or the end). */
  private advance(target: number): void {
    const t = this.t;
    const len = t.length;
    const { templates, parens } = this;
    let { i, prev, wordStart, wordEnd } = this;
    while (i < len && i <= target) {
      const c = t.charCodeAt(i);
      const cls = classOf(c);
      if (cls === C_SPACE) {
        i++;
        continue;
      }
      if (cls === C_IDENT) {
        wordStart = i;
        i++;
        while (i < len && classOf(t.charCodeAt(i)) === C_IDENT) i++;
        wordEnd = i;
        prev = P_WORD;
        continue;
      }
      if (c === 47) {
        const d = t.charCodeAt(i + 1);
        if (d === 47) {
          const glued = i > 0 && t.charCodeAt(i - 1) === 58 && i > 1 && isIdent(t.charCodeAt(i - 2));
          if (!glued) {
            let e = t.indexOf('\n', i);
            if (e < 0) e = len;
            this.push(i, e);
            i = e;
            continue;
          }
          i += 2;
          prev = P_OTHER;
          continue;
        }
        if (d === 42) {
          let e = t.indexOf('*/', i + 2);
          e = e < 0 ? len : e + 2;
          this.push(i, e);
          i = e;
          continue;
        }
        const division = prev === P_CLOSE || (prev === P_WORD && !wordIn(t, wordStart, wordEnd, REGEX_AFTER_WORD));
        if (division) {
          i++;
          prev = P_OTHER;
          continue;
        }
        // a regular expression literal: up to its closing `/` (outside classes), or the line end
        let j = i + 1;
        let inClass = false;
        while (j < len) {
          const r = t.charCodeAt(j);
          if (r === 10 || r === 13) break;
          if (r === 92) j += 2;
          else {
            if (r === 91) inClass = true;
            else if (r === 93) inClass = false;
            else if (r === 47 && !inClass) break;
            j++;
          }
        }
        i = j < len && t.charCodeAt(j) === 47 ? j + 1 : j;
        prev = P_CLOSE;
        continue;
      }
      if (c === 39 || c === 34) {
        let j = i + 1;
        while (j < len) {
          const r = t.charCodeAt(j);
          if (r === 92) j += 2;
          else if (r === c || r === 10) break;
          else j++;
        }
        i = j + 1;
        prev = P_CLOSE;
        continue;
      }
      if (c === 96) {
        i = templateText(t, i + 1, templates);
        if (templateEnd !== END_NONE) prev = templateEnd;
        continue;
      }
      if (c === 123) {
        if (templates.length) templates[templates.length - 1]++;
        prev = P_OTHER;
        i++;
        continue;
      }
      if (c === 125) {
        if (templates.length && templates[templates.length - 1] === 0) {
          templates.pop();
          i = templateText(t, i + 1, templates);
          if (templateEnd !== END_NONE) prev = templateEnd;
          continue;
        }
        if (templates.length) templates[templates.length - 1]--;
        prev = P_OTHER;
        i++;
        continue;
      }
      if (c === 40) {
        if (parens.length < 4096) parens.push(prev === P_WORD && wordIn(t, wordStart, wordEnd, CONTROL_WORDS));
        prev = P_OTHER;
      } else if (c === 41) prev = parens.pop() ? P_OTHER : P_CLOSE;
      else prev = c === 93 ? P_CLOSE : P_OTHER;
      i++;
    }
    this.i = i;
    this.prev = prev;
    this.wordStart = wordStart;
    this.wordEnd = wordEnd;
  }
}

/** Whether the word at [start, end) of `t` is one of `words` (all of them at most 10 characters). */
function wordIn(t: string, start: number, end: number, words: Set<string>): boolean {
  return end - start <= 10 && words.has(t.slice(start, end));
}

const END_NONE = -1;
/** How the last templateText ended: P_CLOSE at its closing backtick, P_OTHER at a `${`, END_NONE at the text's end. */
let templateEnd = END_NONE;

/**
 * Reads a template literal's text from `from` (just after its backtick or the `}` closing a `${…}`): returns the index
 * after its closing backtick, or after a `${` (pushed on `templates`), or the text's length. A function of its own,
 * not a closure in the loop: the loop's state then stays in registers (JsComments.advance ran ~1.3× slower).
 */
function templateText(t: string, from: number, templates: number[]): number {
  const len = t.length;
  let j = from;
  while (j < len) {
    const c = t.charCodeAt(j);
    if (c === 92) j += 2;
    else if (c === 96) {
      templateEnd = P_CLOSE;
      return j + 1;
    } else if (c === 36 && t.charCodeAt(j + 1) === 123) {
      templates.push(0);
      templateEnd = P_OTHER;
      return j + 2;
    } else j++;
  }
  templateEnd = END_NONE;
  return len;
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
