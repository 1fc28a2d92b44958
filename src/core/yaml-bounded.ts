import type { CST, Document, Scalar } from 'yaml';
import { type ProblemSink, codeWords, plainReason } from './problems';
import { yaml } from './yaml-lib';
import { readMachineYaml } from './yaml-machine';

export { yaml };

export interface YamlBounds {
  /** Deepest nesting read (collections in collections); deeper text is not read at all. */
  maxNesting: number;
  /** Longest text read, in UTF-16 units. */
  maxChars: number;
  /** What the file is meant to be, for messages: `a pnpm lockfile`. */
  what: string;
  /** `failsafe` keeps every scalar a string (`6.0` stays "6.0"); `core` reads them as YAML 1.2 does. */
  schema: 'failsafe' | 'core';
}

const MAX_YAML_ERRORS = 20;

/**
 * Parses one YAML document with its size and nesting bounded before and while the library works, never after:
 * - a text longer than `maxChars` is not parsed;
 * - the lexer's tokens are fed to yaml's CST parser one at a time, and parsing stops as soon as the parser's stack
 *   (one entry per open collection) passes `maxNesting`. Parsing it all first was not safe: on 400 KB of `[[[[…` the
 *   parser alone takes seconds and hundreds of megabytes (the CLI and the service were seen to run out of memory);
 * - the composer, which recurses once per level (near the stack limit V8 may abort the whole process while
 *   compiling a regular expression, rather than throw), only ever sees a tree within the bound, checked exactly.
 * Problems go to `sink`, positioned; undefined when nothing could be read. Never throws.
 */
export function parseYamlBounded(text: string, sink: ProblemSink, bounds: YamlBounds): Document | undefined {
  const notRead = `it is not ${bounds.what} and was not read`;
  if (text.length > bounds.maxChars) {
    sink.error('invalid-yaml', `The file is larger than ${Math.round(bounds.maxChars / 1024 / 1024)} MB; ${notRead}`, bounds.maxChars, bounds.maxChars);
    return undefined;
  }
  // What package managers write, read fast (./yaml-machine.ts); anything else by the library, bounded as below.
  if (bounds.schema === 'failsafe') {
    const fast = readMachineYaml(text, bounds.maxNesting);
    if (fast) return fast;
  }
  let doc: Document | undefined;
  try {
    const lexer = new (yaml().Lexer)();
    const parser = new (yaml().Parser)();
    const tokens: CST.Token[] = [];
    for (const lexeme of lexer.lex(text)) {
      const at = parser.offset;
      for (const token of parser.next(lexeme)) tokens.push(token);
      // The stack holds the document and each open collection: one more than the nesting.
      if (parser.stack.length > bounds.maxNesting + 1) {
        sink.error('invalid-yaml', `The YAML nests more than ${bounds.maxNesting} levels deep here; ${notRead}`, at, at + lexeme.length);
        return undefined;
      }
    }
    for (const token of parser.end()) tokens.push(token);
    const deep = cstTooDeepAt(tokens, bounds.maxNesting);
    if (deep !== undefined) {
      sink.error('invalid-yaml', `The YAML nests more than ${bounds.maxNesting} levels deep here; ${notRead}`, deep);
      return undefined;
    }
    const docs = [...new (yaml().Composer)({ schema: bounds.schema, uniqueKeys: false, keepSourceTokens: false }).compose(tokens, true, text.length)];
    doc = docs[0];
    if (docs.length > 1) sink.error('invalid-yaml', 'The file holds more than one YAML document; only the first was read', docs[1].range[0]);
  } catch (err) {
    sink.error('invalid-yaml', `Could not read the YAML: ${plainReason(err instanceof Error ? err.message : String(err), 'invalid syntax')}`, 0);
    return undefined;
  }
  if (!doc) return undefined;
  for (const e of doc.errors.slice(0, MAX_YAML_ERRORS)) {
    // The library's messages may quote the text (a tag, an escape, a block header): plain ones only, else its code.
    sink.error('invalid-yaml', `Invalid YAML: ${plainReason(e.message, codeWords(e.code))}`, e.pos[0], e.pos[1]);
  }
  if (doc.errors.length > MAX_YAML_ERRORS) {
    sink.error('invalid-yaml', `…and ${doc.errors.length - MAX_YAML_ERRORS} more YAML errors`, doc.errors[MAX_YAML_ERRORS].pos[0]);
  }
  return doc;
}

/** Offset of the first CST token nested deeper than `limit`, found without recursion. */
function cstTooDeepAt(tokens: CST.Token[], limit: number): number | undefined {
  const stack: [CST.Token | undefined, number][] = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (depth > limit) return 'offset' in token ? token.offset : 0;
    if (token.type === 'document') stack.push([token.value, depth + 1]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

// ---- scalars as the package managers read them ----------------------------------------------------------------

/** pnpm and yarn read YAML with js-yaml: on plain (unquoted) scalars, the YAML 1.2 core schema's null, booleans and numbers. */
const CORE_NULL = /^(?:~|null|Null|NULL)?$/;
const CORE_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const CORE_NUMBER =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function isPlain(node: unknown): node is Scalar<string> {
  return yaml().isScalar(node) && typeof node.value === 'string' && (node.type === 'PLAIN' || node.type === undefined);
}

/** A null (`~`, `null`, or nothing) as js-yaml reads it. */
export function isYamlNull(node: unknown): boolean {
  return isPlain(node) && CORE_NULL.test(node.value);
}

/** The string js-yaml reads from a node of a failsafe document, or undefined when it reads another type. */
export function yamlString(node: unknown): string | undefined {
  if (!yaml().isScalar(node) || typeof node.value !== 'string') return undefined;
  if (isPlain(node) && (CORE_NULL.test(node.value) || CORE_BOOL.test(node.value) || CORE_NUMBER.test(node.value))) return undefined;
  return node.value;
}

/** `a mapping`, `a number (5)`, …: what js-yaml reads a node as, for messages. */
export function describeYamlNode(node: unknown): string {
  if (yaml().isMap(node)) return 'a mapping';
  if (yaml().isSeq(node)) return 'a sequence';
  if (yaml().isAlias(node)) return 'an alias';
  if (isPlain(node)) {
    if (CORE_NULL.test(node.value)) return 'null';
    if (CORE_BOOL.test(node.value)) return `a boolean (${node.value})`;
    if (CORE_NUMBER.test(node.value)) return `a number (${node.value})`;
  }
  return yaml().isScalar(node) && typeof node.value !== 'string' ? `a ${typeof node.value}` : 'a string';
}
