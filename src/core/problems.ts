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
