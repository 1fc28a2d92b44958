import type { Position, SourceRange } from './model';

/**
 * A UTF-8 byte-order mark at the start of a file (U+FEFF once decoded, as fs.readFile leaves it) is not part of the
 * text that parsers and positions see. npm (json-parse-even-better-errors, parse-conflict-json), yarn and pnpm
 * (strip-bom) drop it before parsing; VS Code drops it when it opens the file, so its TextDocument, getText(),
 * offsetAt and positionAt all start at the character after it. Every parser therefore removes one mark first and
 * counts offsets, lines and characters in what follows: a model built from the file on disk and one built from the
 * editor's buffer are the same, and ranges land on the right characters in the editor. To slice the original text
 * with a range, drop the mark first (this function).
 */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function hasBom(text: string): boolean {
  return text.charCodeAt(0) === 0xfeff;
}

/** Maps UTF-16 offsets of one text to 0-based line/character positions. Built once per file. */
export class LineIndex {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Offset of the first character of a 0-based line (clamped). */
  lineStart(line: number): number {
    const l = Math.max(0, Math.min(line, this.lineStarts.length - 1));
    return this.lineStarts[l];
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.lineStarts[lo] };
  }

  range(startOffset: number, endOffset: number): SourceRange {
    const s = Math.max(0, Math.min(startOffset, this.text.length));
    const e = Math.max(s, Math.min(endOffset, this.text.length));
    return { start: this.position(s), end: this.position(e), startOffset: s, endOffset: e };
  }

  /** The range of a whole 0-based line without its line break. */
  lineRange(line: number): SourceRange {
    const start = this.lineStart(line);
    let end = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.range(start, Math.max(start, end));
  }
}
