/**
 * A fast reader for the YAML that package managers write (pnpm-lock.yaml): block mappings by indentation, scalars
 * plain or quoted on one line, block sequences of such scalars, and one-line flow mappings and sequences of them. It
 * builds the `yaml` library's own nodes with the ranges that library gives, so callers cannot tell the two apart,
 * at a fraction of the library's time (vuecore's 192 KB lockfile: ~110 ms of ~190 ms per load was the library).
 *
 * Anything else (comments, tabs, CRLF, a byte-order mark, anchors, tags, block scalars, multi-line or escaped
 * scalars, nested flow collections, document markers, odd indentation, a plain scalar YAML would read otherwise)
 * makes it decline (undefined), and the caller reads the text with the library: it never reads a text differently
 * from the library, it only reads fewer. Checked against the library on every real lockfile in the fixtures and on
 * mutations of them (test/core/yaml-machine.test.ts).
 */
import type { Document, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { yaml } from './yaml-lib';

type Range = [number, number, number];
type ScalarType = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE';

class Decline extends Error {}

const decline = (): never => {
  throw new Decline();
};

/** The document, as `yaml` with the failsafe schema reads it; undefined when the text is not of the simple kind. */
export function readMachineYaml(text: string, maxNesting: number): Document | undefined {
  // A byte-order mark is the library's to skip (callers strip it first anyway).
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    const reader = new Reader(text, maxNesting);
    const root = reader.document();
    const doc = new (yaml().Document)();
    doc.contents = root;
    return doc;
  } catch (e) {
    if (e instanceof Decline) return undefined;
    throw e;
  }
}

interface Line {
  /** Offset of the first character, of the first non-space one, and of the end (the newline or the text's end). */
  start: number;
  content: number;
  end: number;
  indent: number;
}

/** Characters a plain scalar may not start with (YAML's indicators), in block context. */
const PLAIN_START_BAD = /^[-?:,[\]{}#&*!|>'"%@`]/;

class Reader {
  /** Where the next line starts, and that line once looked at (null: no more lines). Lines are read as needed. */
  private pos = 0;
  private ahead: Line | null | undefined;

  constructor(
    private readonly text: string,
    private readonly maxNesting: number,
  ) {}

  /** The next line that is not blank, without taking it. */
  private peek(): Line | undefined {
    if (this.ahead === undefined) {
      this.ahead = null;
      const t = this.text;
      while (this.pos < t.length) {
        const start = this.pos;
        let end = t.indexOf('\n', start);
        if (end < 0) end = t.length;
        this.pos = end + 1;
        let content = start;
        while (content < end && t.charCodeAt(content) === 32) content++;
        if (content < end) {
          this.ahead = { start, content, end, indent: content - start };
          break;
        }
      }
    }
    return this.ahead ?? undefined;
  }

  private take(): void {
    this.ahead = undefined;
  }

  document(): YAMLMap {
    if (this.peek()?.indent !== 0) decline();
    const root = this.blockMap(0, 1);
    if (this.peek()) decline();
    return root;
  }

  /** Offset just past the newline ending the line `end` is on (the text's end on the last line). */
  private afterLine(end: number): number {
    return end < this.text.length ? end + 1 : end;
  }

  private blockMap(indent: number, depth: number): YAMLMap {
    if (depth > this.maxNesting) decline();
    const Y = yaml();
    const map = new Y.YAMLMap() as YAMLMap<Scalar, YamlNode>;
    let last = 0;
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) decline();
      this.take();
      const key = this.key(line);
      let at = key.range![1];
      if (this.text.charCodeAt(at) !== 58 /* : */) decline();
      at++;
      let value: YamlNode;
      if (at >= line.end) {
        // `key:` then a deeper block, or nothing (an empty plain scalar right after the colon).
        const next = this.peek();
        if (next && next.indent > indent) value = this.isItem(next) ? this.blockSeq(next.indent, depth + 1) : this.blockMap(next.indent, depth + 1);
        else value = scalar('', [at, at, at], 'PLAIN');
      } else {
        if (this.text.charCodeAt(at) !== 32) decline();
        while (this.text.charCodeAt(at) === 32) at++;
        if (at >= line.end) decline(); // `key:` and trailing spaces: left to the library
        value = this.inlineValue(at, line.end, depth + 1);
        // A deeper line after a one-line value would continue it (a multi-line scalar) or be an error.
        if ((this.peek()?.indent ?? -1) > indent) decline();
      }
      map.items.push(new Y.Pair(key, value) as Pair<Scalar, YamlNode>);
      last = value.range![2];
    }
    if (!map.items.length) decline();
    map.range = [map.items[0].key.range![0], last, last];
    return map;
  }

  private isItem(line: Line): boolean {
    return this.text.charCodeAt(line.content) === 45 /* - */ && this.text.charCodeAt(line.content + 1) === 32;
  }

  /** A block sequence of one-line values (`- a`), each line at `indent`. */
  private blockSeq(indent: number, depth: number): YAMLSeq {
    if (depth > this.maxNesting) decline();
    const seq = new (yaml().YAMLSeq)() as YAMLSeq<YamlNode>;
    let last = 0;
    let first = 0;
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent || !this.isItem(line)) decline();
      this.take();
      if (!seq.items.length) first = line.content;
      let at = line.content + 2;
      while (this.text.charCodeAt(at) === 32) at++;
      if (at >= line.end) decline();
      const value = this.inlineValue(at, line.end, depth + 1);
      if ((this.peek()?.indent ?? -1) > indent) decline();
      seq.items.push(value);
      last = value.range![2];
    }
    seq.range = [first, last, last];
    return seq;
  }

  /** A block mapping's key: plain or quoted, on its line. */
  private key(line: Line): Scalar {
    const t = this.text;
    const c = t[line.content];
    if (c === "'" || c === '"') {
      const q = this.quoted(line.content, line.end);
      return scalar(q.value, [line.content, q.end, q.end], q.type);
    }
    if (PLAIN_START_BAD.test(c)) decline();
    // Up to the first `: ` or a colon ending the line.
    let colon = t.indexOf(':', line.content);
    while (colon >= 0 && colon < line.end && colon + 1 < line.end && t.charCodeAt(colon + 1) !== 32) colon = t.indexOf(':', colon + 1);
    if (colon < 0 || colon >= line.end) decline();
    let end = colon;
    while (end > line.content && t.charCodeAt(end - 1) === 32) end--;
    if (end !== colon) decline(); // `key :` — unusual, left to the library
    const key = t.slice(line.content, end);
    if (key.includes(' #')) decline(); // a comment
    return scalar(key, [line.content, end, end], 'PLAIN');
  }

  /** A quoted scalar starting at `start` on a line ending at `lineEnd`: its value, type and end (past the quote). */
  private quoted(start: number, lineEnd: number): { value: string; end: number; type: ScalarType } {
    const t = this.text;
    const q = t[start];
    let value = '';
    let from = start + 1;
    for (;;) {
      const close = t.indexOf(q, from);
      if (close < 0 || close >= lineEnd) decline();
      if (q === '"') {
        if (t.slice(from, close).includes('\\')) decline();
        return { value: t.slice(from, close), end: close + 1, type: 'QUOTE_DOUBLE' };
      }
      value += t.slice(from, close);
      if (t[close + 1] === "'") {
        value += "'";
        from = close + 2;
        continue;
      }
      return { value, end: close + 1, type: 'QUOTE_SINGLE' };
    }
  }

  /** The value after `key: ` (from `at` to the line's end): a flow collection or a scalar, alone on the rest of the line. */
  private inlineValue(at: number, lineEnd: number, depth: number): YamlNode {
    const t = this.text;
    const c = t[at];
    const nodeEnd = this.afterLine(lineEnd);
    const rest = (end: number) => {
      for (let k = end; k < lineEnd; k++) if (t.charCodeAt(k) !== 32) decline();
    };
    if (c === '{' || c === '[') {
      if (depth > this.maxNesting) decline();
      const node = this.flow(at, lineEnd);
      rest(node.range![1]);
      node.range![2] = nodeEnd;
      return node;
    }
    if (c === "'" || c === '"') {
      const q = this.quoted(at, lineEnd);
      rest(q.end);
      return scalar(q.value, [at, q.end, nodeEnd], q.type);
    }
    if (PLAIN_START_BAD.test(c)) decline();
    let end = lineEnd;
    while (t.charCodeAt(end - 1) === 32) end--;
    const value = t.slice(at, end);
    // `a: b` would be a nested mapping, `a:` likewise: YAML reads those otherwise (or not at all); ` #` starts a comment.
    if (value.includes(': ') || value.endsWith(':') || value.includes(' #')) decline();
    return scalar(value, [at, end, nodeEnd], 'PLAIN');
  }

  /** A one-line flow mapping `{k: v, …}` or sequence `[a, …]` of scalars, from `at` (its bracket). */
  private flow(at: number, lineEnd: number): YAMLMap | YAMLSeq {
    const t = this.text;
    const Y = yaml();
    const isMap = t[at] === '{';
    const close = isMap ? '}' : ']';
    const node = isMap ? (new Y.YAMLMap() as YAMLMap<Scalar, Scalar>) : (new Y.YAMLSeq() as YAMLSeq<Scalar>);
    node.flow = true;
    let k = at + 1;
    const skip = () => {
      while (t.charCodeAt(k) === 32) k++;
    };
    skip();
    if (t[k] === close) {
      node.range = [at, k + 1, k + 1];
      return node;
    }
    // A value's node ends where the next token starts: the spaces before it are the value's (as the library has
    // it); a key's ends with its text.
    const read = (isKey: boolean) => {
      const s = this.flowScalar(k, lineEnd, isKey);
      k = s.range![1];
      skip();
      if (!isKey) s.range![2] = k;
      return s;
    };
    for (;;) {
      skip();
      const first = read(isMap);
      if (isMap) {
        if (t[k] !== ':' || t.charCodeAt(k + 1) !== 32) decline();
        k += 1;
        skip();
        const value = read(false);
        (node as YAMLMap<Scalar, Scalar>).items.push(new Y.Pair(first, value) as Pair<Scalar, Scalar>);
      } else (node as YAMLSeq<Scalar>).items.push(first);
      if (t[k] === ',') {
        k++;
        skip();
        if (t[k] === close) decline(); // a trailing comma: left to the library
        continue;
      }
      if (t[k] !== close) decline();
      node.range = [at, k + 1, k + 1];
      return node;
    }
  }

  /** A scalar inside a flow collection: quoted, or plain up to `,`, the closing bracket or (a key) `: `. */
  private flowScalar(at: number, lineEnd: number, isKey: boolean): Scalar {
    const t = this.text;
    const c = t[at];
    if (c === "'" || c === '"') {
      const q = this.quoted(at, lineEnd);
      return scalar(q.value, [at, q.end, q.end], q.type);
    }
    if (PLAIN_START_BAD.test(c) || at >= lineEnd) decline();
    let k = at;
    for (; k < lineEnd; k++) {
      const ch = t[k];
      if (ch === ',' || ch === '}' || ch === ']') break;
      if (ch === '[' || ch === '{' || (ch === '#' && t[k - 1] === ' ')) decline();
      if (ch === ':') {
        const after = t[k + 1];
        if (after === ' ' || after === ',' || after === '}' || after === ']' || k + 1 >= lineEnd) {
          if (isKey && after === ' ') break;
          decline();
        }
      }
    }
    let end = k;
    while (end > at && t.charCodeAt(end - 1) === 32) end--;
    if (end === at) decline();
    return scalar(t.slice(at, end), [at, end, end], 'PLAIN');
  }
}

function scalar(value: string, range: Range, type: ScalarType): Scalar<string> {
  const s = new (yaml().Scalar)(value) as Scalar<string>;
  s.range = range;
  s.type = type;
  return s;
}
