/**
 * Text from registries and repositories (package names, deprecation messages, advisory titles, publisher names,
 * file names, reasons) must not speak in TrustLens's voice on a terminal: an escape sequence in a deprecation
 * message could erase the findings printed above it, print a fake "no findings" line or retitle the window, and a
 * bidi override can make one name read as another. Every such character is shown as a visible escape instead.
 */

/** C0 controls (newline and tab included), DEL, C1 controls, bidi marks, embeddings, overrides and isolates, line and paragraph separators, BOM. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');

/** One line of terminal output made safe: every control or bidi character becomes a visible `\xNN` / `\uNNNN`. */
export function terminalLine(s: string): string {
  return s.replace(UNSAFE, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/** Lines joined for a terminal: each made safe on its own, so no field can start a line of its own. */
export function terminalLines(lines: readonly string[]): string {
  return lines.map(terminalLine).join('\n');
}

/**
 * JSON for files and pipes that people also `cat`: JSON.stringify leaves C1 controls and bidi characters raw inside
 * strings; written as \u escapes the document means the same and shows them harmlessly.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${hex(c, 4)}`);
}
