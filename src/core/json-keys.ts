import { type Node, type ParseError, SyntaxKind, createScanner, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import { JsonStreamError, JsonStreamReader, leaf } from './json-stream';

/** Called for every object key: `parents` are the keys (array indexes as strings) enclosing it. */
export type KeyVisitor = (parents: readonly string[], key: string, start: number, end: number) => void;

export interface LocatedJson {
  value: unknown;
  /** Syntax errors, empty when the text is valid JSON. */
  errors: { message: string; offset: number; length: number }[];
  /** JSON.parse itself accepted the text (no comments, trailing commas or other slips the tolerant path forgives). */
  strict: boolean;
}

/**
 * Reads a large JSON document and reports the offsets of its object keys, fast: the native JSON.parse for the
 * value and a single character scan for key offsets. Text that is not strict JSON (a syntax error, comments)
 * takes the tolerant path through jsonc-parser, which recovers what it can and says where it failed.
 */
export function readJsonWithKeys(text: string, onKey: KeyVisitor): LocatedJson {
  const deep = tooDeepAt(text);
  if (deep !== undefined) return { value: undefined, errors: [tooDeepError(deep)], strict: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return readTolerant(text, onKey);
  }
  scanKeys(text, onKey);
  return { value, errors: [], strict: true };
}

export function tooDeepError(offset: number): { message: string; offset: number; length: number } {
  return { message: `it nests more than ${MAX_JSON_NESTING} levels deep here, and was not read`, offset, length: 1 };
}

function readTolerant(text: string, onKey: KeyVisitor): LocatedJson {
  // jsonc-parser's parser and getNodeValue recurse once per level: check the depth as its own scanner splits the text.
  const deep = tolerantTooDeepAt(text);
  if (deep !== undefined) return { value: undefined, errors: [tooDeepError(deep)], strict: false };
  const errs: ParseError[] = [];
  const root = parseTree(text, errs, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (root) walkTree(root, onKey);
  return {
    value: root ? getNodeValue(root) : undefined,
    errors: errs.map((e) => ({
      message: printParseErrorCode(e.error)
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase(),
      offset: e.offset,
      length: e.length,
    })),
    strict: false,
  };
}

/**
 * Reports every object key of a jsonc-parser tree in document order, with an explicit stack (no recursion, so
 * no depth can overflow it): each frame is a container, the key it sits under, and the next child to visit.
 */
function walkTree(root: Node, onKey: KeyVisitor): void {
  const parents: string[] = [];
  const stack: { node: Node; next: number; named: boolean }[] = [{ node: root, next: 0, named: false }];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    const children = frame.node.children ?? [];
    if (frame.next >= children.length || (frame.node.type !== 'object' && frame.node.type !== 'array')) {
      stack.pop();
      if (frame.named) parents.pop();
      continue;
    }
    const i = frame.next++;
    let key: string;
    let value: Node | undefined;
    if (frame.node.type === 'object') {
      const k = children[i].children?.[0];
      if (!k || k.type !== 'string') continue;
      key = k.value as string;
      onKey(parents, key, k.offset, k.offset + k.length);
      value = children[i].children?.[1];
    } else {
      key = String(i);
      value = children[i];
    }
    if (value && (value.type === 'object' || value.type === 'array')) {
      parents.push(key);
      stack.push({ node: value, next: 0, named: true });
    }
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COLON = 58;
const COMMA = 44;

/** One pass over valid JSON text, reporting each object key with its enclosing keys and its offsets (quotes included). */
function scanKeys(text: string, onKey: KeyVisitor): void {
  const parents: string[] = [];
  // For each open container: is it an object, and the array index when it is an array.
  const isObject: boolean[] = [];
  const index: number[] = [];
  // The key most recently read in each open object; pushed to `parents` when its value opens a container.
  let pendingKey: string | undefined;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      i++;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        } else if (d === QUOTE) break;
      }
      if (expectKey) {
        const raw = text.slice(start + 1, i);
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
        onKey(parents, key, start, i + 1);
        pendingKey = key;
        expectKey = false;
      }
    } else if (c === LBRACE || c === LBRACKET) {
      const depth = isObject.length;
      if (depth > 0) {
        parents.push(isObject[depth - 1] ? (pendingKey ?? '') : String(index[depth - 1]));
      }
      isObject.push(c === LBRACE);
      index.push(0);
      expectKey = c === LBRACE;
    } else if (c === RBRACE || c === RBRACKET) {
      isObject.pop();
      index.pop();
      if (isObject.length > 0) parents.pop();
      expectKey = false;
    } else if (c === COMMA) {
      const depth = isObject.length;
      if (depth > 0) {
        if (isObject[depth - 1]) expectKey = true;
        else index[depth - 1]++;
      }
    } else if (c === COLON) {
      expectKey = false;
    }
  }
}

/** JSON nesting far deeper than any manifest or lockfile: refuse it before a recursive reader overflows the stack. */
export const MAX_JSON_NESTING = 1000;

/**
 * Offset of the first bracket that opens a level deeper than `limit`, or undefined. Strings are skipped as JSON
 * has them (to the next unescaped quote), so this is exact for strict JSON only: for text JSON.parse rejects use
 * tolerantTooDeepAt, which splits the text as jsonc-parser does.
 */
export function tooDeepAt(text: string, limit = MAX_JSON_NESTING): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === LBRACE || c === LBRACKET) {
      if (++depth > limit) return i;
    } else if (c === RBRACE || c === RBRACKET) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Offset of the first `[` or `{` that jsonc-parser's parser might open more than `limit` levels deep, or undefined.
 * The text is split by jsonc-parser's own scanner, so strings, comments and unterminated strings (which end at a
 * line break there, not at the next quote) are exactly the ones the parser sees. A closer counts only when it
 * matches the innermost open container, as in the parser (a mismatched one is skipped as an error), so the count
 * is never below the parser's depth: brackets the parser skips while recovering may count, never the reverse.
 */
export function tolerantTooDeepAt(text: string, limit = MAX_JSON_NESTING): number | undefined {
  const scanner = createScanner(text, true);
  const open: SyntaxKind[] = [];
  for (let t = scanner.scan(); t !== SyntaxKind.EOF; t = scanner.scan()) {
    if (t === SyntaxKind.OpenBraceToken || t === SyntaxKind.OpenBracketToken) {
      if (open.push(t) > limit) return scanner.getTokenOffset();
    } else if (t === SyntaxKind.CloseBraceToken || t === SyntaxKind.CloseBracketToken) {
      const opener = t === SyntaxKind.CloseBraceToken ? SyntaxKind.OpenBraceToken : SyntaxKind.OpenBracketToken;
      if (open[open.length - 1] === opener) open.pop();
    }
  }
  return undefined;
}

/**
 * Where JSON.parse stops on `text` and why, or undefined when it accepts it. V8's own messages do not always give a
 * position, so the fault is found by json-stream's reader (RFC 8259 as JSON.parse reads it) over the UTF-8 bytes of
 * the text, without a depth limit (JSON.parse has none either), and its byte offset turned into a UTF-16 offset.
 */
export function strictJsonError(text: string): { message: string; offset: number } | undefined {
  const reader = new JsonStreamReader(leaf(0), Number.MAX_SAFE_INTEGER);
  try {
    reader.write(new TextEncoder().encode(text));
    reader.end();
    return undefined;
  } catch (e) {
    if (!(e instanceof JsonStreamError)) throw e;
    const offset = utf16Offset(text, e.offset);
    // The reader names bytes; here the text has characters.
    const message = offset < text.length ? e.reason.replace(/byte 0x[0-9a-f]{2}/, JSON.stringify(String.fromCodePoint(text.codePointAt(offset)!))) : e.reason;
    return { message, offset };
  }
}

/** The UTF-16 offset in `text` of the character that starts at `byteOffset` of its UTF-8 encoding (lone surrogates: 3 bytes, as TextEncoder writes U+FFFD). */
function utf16Offset(text: string, byteOffset: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteOffset) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    i++;
  }
  return i;
}
