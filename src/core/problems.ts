import type { ParseProblem, ProblemCode } from './model';
import type { LineIndex } from './positions';

/** Collects parse problems for one file; parsers report through this and never throw. */
export class ProblemSink {
  readonly problems: ParseProblem[] = [];

  constructor(
    readonly file: string,
    readonly index: LineIndex,
  ) {}

  error(code: ProblemCode, message: string, startOffset: number, endOffset = startOffset): void {
    this.add('error', code, message, startOffset, endOffset);
  }

  warning(code: ProblemCode, message: string, startOffset: number, endOffset = startOffset): void {
    this.add('warning', code, message, startOffset, endOffset);
  }

  private add(severity: ParseProblem['severity'], code: ProblemCode, message: string, s: number, e: number): void {
    this.problems.push({ code, message, severity, file: this.file, range: this.index.range(s, e) });
  }
}

/** "line 3, column 7" for a problem, 1-based as people and compilers say it. */
export function describePosition(p: ParseProblem): string {
  return `${p.file}:${p.range.start.line + 1}:${p.range.start.character + 1}`;
}

/**
 * A parser library's error message, fit for a problem: its first line without the position (the problem has one), if
 * it is plain words; else `fallback`. Some messages quote what they read (a YAML tag, an escape sequence, a block
 * header), and the file may hold anything, a token included: quotes, colons, underscores, long words and the like
 * are never passed on.
 */
export function plainReason(message: string, fallback: string): string {
  const first = message
    .split('\n')[0]
    .replace(/:?\s*$/, '')
    .replace(/\s+at line \d+, column \d+$/, '')
    .replace(/\s+\(\d+:\d+\)$/, '')
    .replace(/\s+\d+:\d+ in lockfile$/, '')
    .trim();
  const plain = /^[A-Za-z][A-Za-z0-9 ,()-]{0,120}$/.test(first) && first.split(/[ ,()-]+/).every((w) => w.length <= 20);
  return plain ? first[0].toLowerCase() + first.slice(1) : fallback;
}

/** A YAML library error code as words: `TAG_RESOLVE_FAILED` → `tag resolve failed`. */
export function codeWords(code: string | undefined): string {
  const words = (code ?? '').toLowerCase().replace(/_/g, ' ').trim();
  return /^[a-z ]{1,60}$/.test(words) ? words : 'invalid syntax';
}
