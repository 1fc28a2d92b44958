import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { tolerantTooDeepAt, tooDeepError } from './json-keys';
import { LineIndex, stripBom } from './positions';
import { ProblemSink } from './problems';

export type { Node as JsonNode } from 'jsonc-parser';

export interface ParsedJson {
  root: Node | undefined;
  index: LineIndex;
  sink: ProblemSink;
}

/**
 * Parses JSON (comments and trailing commas tolerated, as npm and editors do) into a tree with offsets.
 * Syntax errors become problems; the tree still holds everything before and around them.
 * A leading byte-order mark is dropped and positions count from the character after it (see stripBom).
 */
export function parseJsonTree(text: string, file: string): ParsedJson {
  return parseJsonBody(stripBom(text), file);
}

/** parseJsonTree of a text whose byte-order mark the caller has already dropped (a second one is an error, as for npm). */
export function parseJsonBody(text: string, file: string): ParsedJson {
  const index = new LineIndex(text);
  const sink = new ProblemSink(file, index);
  const deep = tolerantTooDeepAt(text);
  if (deep !== undefined) {
    sink.error('invalid-json', `Invalid JSON: ${tooDeepError(deep).message}`, deep, deep + 1);
    return { root: undefined, index, sink };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length) {
    const e = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors after it)` : '';
    sink.error('invalid-json', `Invalid JSON: ${humanJsonError(printParseErrorCode(e.error))}${more}`, e.offset, e.offset + e.length);
  }
  return { root, index, sink };
}

function humanJsonError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The value node of property `key` of an object node. */
export function prop(node: Node | undefined, key: string): Node | undefined {
  if (!node || node.type !== 'object' || !node.children) return undefined;
  for (const p of node.children) {
    const k = p.children?.[0];
    if (k && k.value === key) return p.children?.[1];
  }
  return undefined;
}

/** The properties of an object node as [key node, value node] pairs (value may be missing in broken input). */
export function* entries(node: Node | undefined): Generator<[Node, Node | undefined]> {
  if (!node || node.type !== 'object' || !node.children) return;
  for (const p of node.children) {
    const k = p.children?.[0];
    if (k && k.type === 'string') yield [k, p.children?.[1]];
  }
}

export function str(node: Node | undefined): string | undefined {
  return node && node.type === 'string' ? (node.value as string) : undefined;
}

export function bool(node: Node | undefined): boolean {
  return !!node && node.type === 'boolean' && node.value === true;
}
