import { type Node, type ParseError, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';

/** Called for every object key: `parents` are the keys (array indexes as strings) enclosing it. */
export type KeyVisitor = (parents: readonly string[], key: string, start: number, end: number) => void;

export interface LocatedJson {
  value: unknown;
  /** Syntax errors, empty when the text is valid JSON. */
  errors: { message: string; offset: number; length: number }[];
}

/**
 * Reads a large JSON document and reports the offsets of its object keys, fast: the native JSON.parse for the
 * value and a single character scan for key offsets. Text that is not strict JSON (a syntax error, comments)
 * takes the tolerant path through jsonc-parser, which recovers what it can and says where it failed.
 */
export function readJsonWithKeys(text: string, onKey: KeyVisitor): LocatedJson {
  const deep = tooDeepAt(text);
  if (deep !== undefined) return { value: undefined, errors: [tooDeepError(deep)] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return readTolerant(text, onKey);
  }
  scanKeys(text, onKey);
  return { value, errors: [] };
}

export function tooDeepError(offset: number): { message: string; offset: number; length: number } {
  return { message: `it nests more than ${MAX_JSON_NESTING} levels deep here, and was not read`, offset, length: 1 };
}

function readTolerant(text: string, onKey: KeyVisitor): LocatedJson {
  const errs: ParseError[] = [];
  const root = parseTree(text, errs, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (root) walkTree(root, [], onKey);
  return {
    value: root ? getNodeValue(root) : undefined,
    errors: errs.map((e) => ({
      message: printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(),
      offset: e.offset,
      length: e.length,
    })),
  };
}

function walkTree(node: Node, parents: string[], onKey: KeyVisitor): void {
  if (node.type === 'object') {
    for (const p of node.children ?? []) {
      const k = p.children?.[0];
      if (!k || k.type !== 'string') continue;
      const key = k.value as string;
      onKey(parents, key, k.offset, k.offset + k.length);
      const v = p.children?.[1];
      if (v && (v.type === 'object' || v.type === 'array')) {
        parents.push(key);
        walkTree(v, parents, onKey);
        parents.pop();
      }
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((c, i) => {
      parents.push(String(i));
      walkTree(c, parents, onKey);
      parents.pop();
    });
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

/** Offset of the first bracket that opens a level deeper than `limit`, or undefined. Strings are skipped. */
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
