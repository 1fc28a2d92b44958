/**
 * A streaming JSON reader for documents too big to hold: fed with byte chunks as they arrive, it checks the whole
 * document as JSON.parse would (RFC 8259; UTF-8 decoded as Buffer#toString('utf8') does, bad bytes becoming U+FFFD),
 * but builds only the parts a Shape names. Everything else is read and dropped, so memory follows the kept parts,
 * not the document. Pure: no I/O, no regular expressions, no recursion (an explicit stack, with a depth limit).
 *
 * What it builds is what JSON.parse would have built, with the unnamed parts left out: at a slot with a shape,
 * - a scalar whose type the shape keeps is itself; `null`, and any other scalar, is `null`;
 * - an object at an object shape is a plain object with the named fields (every key with `rest`), in document
 *   order; a repeated key replaces the earlier value in place, and `__proto__` is an own property, as in JSON.parse;
 * - an array at an array shape is an array of its items; any other object or array is `null`.
 * So code that reads only the named fields, and treats `null` like any value of the wrong type, gives the same
 * answer on the pruned value as on JSON.parse's.
 */

/** Scalar types a shape keeps (a bit mask). */
export const STRING = 1;
export const NUMBER = 2;
export const BOOLEAN = 4;

export type Shape = LeafShape | ObjectShape | ArrayShape;
interface LeafShape {
  kind: 'leaf';
  keep: number;
}
interface ObjectShape {
  kind: 'object';
  keep: number;
  fields: Map<string, Shape> | undefined;
  /** The shape of every key not in `fields`; undefined: those are dropped. */
  rest: Shape | undefined;
  /** Raw key bytes worth reading when there is no `rest`: the longest field name, written with \u escapes. */
  maxKeyBytes: number;
}
interface ArrayShape {
  kind: 'array';
  keep: number;
  items: Shape;
}

/** A scalar slot keeping the scalar types in `keep` (STRING | NUMBER | BOOLEAN). */
export function leaf(keep: number): Shape {
  return { kind: 'leaf', keep };
}

/** An object slot with the named fields (and, with `rest`, every other key); `keep`: scalars kept in its place. */
export function object(fields: Record<string, Shape>, opts: { rest?: Shape; keep?: number } = {}): Shape {
  const names = Object.keys(fields);
  return {
    kind: 'object',
    keep: opts.keep ?? 0,
    fields: names.length ? new Map(names.map((k) => [k, fields[k]])) : undefined,
    rest: opts.rest,
    maxKeyBytes: 6 * Math.max(0, ...names.map((k) => k.length)),
  };
}

/** An object slot keeping every key, each value with the shape `value`. */
export function record(value: Shape): Shape {
  return object({}, { rest: value });
}

export function array(items: Shape, keep = 0): Shape {
  return { kind: 'array', keep, items };
}

/** A document that is not JSON (or nests too deep): what is wrong and the byte offset where it was found. */
export class JsonStreamError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at byte ${offset}`);
    this.name = 'JsonStreamError';
  }
}

/** As for the manifest and lockfile readers (json-keys.ts): far deeper than any real document. */
export const MAX_STREAM_NESTING = 1000;

// reader states
const S_VALUE = 0; // a value must come
const S_ARR_FIRST = 1; // after '[': a value or ']'
const S_OBJ_FIRST = 2; // after '{': a key or '}'
const S_OBJ_KEY = 3; // after ',' in an object: a key
const S_COLON = 4;
const S_AFTER = 5; // after a value in a container: ',' or the close
const S_DONE = 6; // after the top-level value: only whitespace
const S_STR = 7;
const S_NUM = 8;
const S_LIT = 9;

// number states
const N_MINUS = 0; // '-' read: a digit must come
const N_ZERO = 1; // a leading 0 (terminal)
const N_INT = 2; // integer digits (terminal)
const N_DOT = 3; // '.': a digit must come
const N_FRAC = 4; // fraction digits (terminal)
const N_E = 5; // 'e': a sign or digit must come
const N_ESIGN = 6; // exponent sign: a digit must come
const N_EXP = 7; // exponent digits (terminal)

// string modes
const CAP_NONE = 0;
const CAP_ALL = 1;
const CAP_KEY = 2; // a key compared with field names: read up to maxKeyBytes

interface Frame {
  array: boolean;
  /** null: this container is read and dropped. */
  container: Record<string, unknown> | unknown[] | null;
  shape: ObjectShape | ArrayShape | undefined;
  key: string;
  /** Shape of the value after the current key; undefined: dropped. */
  valueShape: Shape | undefined;
}

const LITERALS: Record<number, { bytes: number[]; value: boolean | null; keep: number }> = {
  0x74: { bytes: [0x74, 0x72, 0x75, 0x65], value: true, keep: BOOLEAN },
  0x66: { bytes: [0x66, 0x61, 0x6c, 0x73, 0x65], value: false, keep: BOOLEAN },
  0x6e: { bytes: [0x6e, 0x75, 0x6c, 0x6c], value: null, keep: 0 },
};

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

function describe(c: number): string {
  if (c >= 0x21 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/**
 * Pushes bytes in with write(), one chunk at a time (any split, even inside a character), then end() gives the pruned
 * value. Both throw JsonStreamError, and only that; after one, the reader stays failed.
 */
export class JsonStreamReader {
  private state = S_VALUE;
  /** Bytes before the current chunk. */
  private offset = 0;
  private readonly stack: Frame[] = [];
  private root: unknown = null;
  private failed: JsonStreamError | undefined;
  /** The shape of the scalar being read (string, number or literal); undefined: dropped. */
  private scalarShape: Shape | undefined;
  // string
  private strKey = false;
  private strMode = CAP_NONE;
  /** 0: plain; 1: after '\'; 2..5: that many \u hex digits read + 2. */
  private esc = 0;
  private escaped = false;
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  private keyLimit = 0;
  private overflow = false;
  // number
  private num = N_INT;
  private numValue: NumberBuilder | undefined;
  // literal
  private lit = LITERALS[0x74];
  private litPos = 0;

  constructor(
    private readonly shape: Shape,
    private readonly maxDepth = MAX_STREAM_NESTING,
  ) {}

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.offset;
  }

  write(buf: Uint8Array): void {
    if (this.failed) throw this.failed;
    try {
      this.scan(buf);
    } catch (e) {
      this.failed = e instanceof JsonStreamError ? e : new JsonStreamError(`unreadable (${String((e as Error)?.message ?? e)})`, this.offset);
      throw this.failed;
    }
    this.offset += buf.length;
  }

  /** The document is complete: the pruned value. */
  end(): unknown {
    if (this.failed) throw this.failed;
    if (this.state === S_NUM && this.stack.length === 0 && (this.num === N_ZERO || this.num === N_INT || this.num === N_FRAC || this.num === N_EXP))
      this.endNumber();
    if (this.state !== S_DONE) {
      const open = this.stack.length;
      const what = open
        ? `inside ${open} unclosed ${open === 1 ? 'object or array' : 'objects or arrays'}`
        : this.state === S_VALUE
          ? 'before any value'
          : 'inside a value';
      this.failed = new JsonStreamError(`the document ends ${what}`, this.offset);
      throw this.failed;
    }
    return this.root;
  }

  private fail(reason: string, i: number): never {
    throw new JsonStreamError(reason, this.offset + i);
  }

  private scan(buf: Uint8Array): void {
    const n = buf.length;
    let i = 0;
    // where the current string's kept bytes start in this chunk (-1: none kept)
    let capStart = this.state === S_STR && this.strMode !== CAP_NONE && !this.overflow ? 0 : -1;
    while (i < n) {
      const state = this.state;
      if (state === S_STR) {
        if (this.esc === 0) {
          let j = i;
          while (j < n) {
            const c = buf[j];
            if (c === 0x22 || c === 0x5c || c < 0x20) break;
            j++;
          }
          i = j;
          if (i === n) break;
          const c = buf[i];
          if (c === 0x22) {
            this.endString(buf, capStart, i);
            capStart = -1;
            i++;
            continue;
          }
          if (c === 0x5c) {
            this.esc = 1;
            this.escaped = true;
            i++;
            continue;
          }
          this.fail('a control character inside a string', i);
        }
        const c = buf[i];
        if (this.esc === 1) {
          if (c === 0x75) this.esc = 2;
          else if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) this.esc = 0;
          else this.fail(`a bad escape '\\${c >= 0x21 && c < 0x7f ? String.fromCharCode(c) : '?'}'`, i);
        } else {
          if (!isHex(c)) this.fail('a bad \\u escape', i);
          this.esc = this.esc === 5 ? 0 : this.esc + 1;
        }
        i++;
        continue;
      }
      const c = buf[i];
      if (state === S_NUM) {
        if (this.numByte(c, i)) i++;
        continue;
      }
      if (state === S_LIT) {
        if (c !== this.lit.bytes[this.litPos]) this.fail(`unexpected ${describe(c)}`, i);
        i++;
        if (++this.litPos === this.lit.bytes.length) {
          if (this.scalarShape) this.store(this.scalarShape.keep & this.lit.keep ? this.lit.value : null);
          this.afterValue();
        }
        continue;
      }
      if (isWs(c)) {
        i++;
        continue;
      }
      switch (state) {
        case S_VALUE:
        case S_ARR_FIRST:
          if (c === 0x5d && state === S_ARR_FIRST) this.close(true, c, i);
          else if (this.startValue(c, i)) capStart = i + 1;
          break;
        case S_OBJ_FIRST:
        case S_OBJ_KEY:
          if (c === 0x22) {
            if (this.startKey()) capStart = i + 1;
          } else if (c === 0x7d && state === S_OBJ_FIRST) this.close(false, c, i);
          else this.fail(`unexpected ${describe(c)} where a key should be`, i);
          break;
        case S_COLON:
          if (c !== 0x3a) this.fail(`unexpected ${describe(c)} where ':' should be`, i);
          this.state = S_VALUE;
          break;
        case S_AFTER: {
          const top = this.stack[this.stack.length - 1];
          if (c === 0x2c) this.state = top.array ? S_VALUE : S_OBJ_KEY;
          else if (c === 0x5d || c === 0x7d) this.close(c === 0x5d, c, i);
          else this.fail(`unexpected ${describe(c)} where ',' or '${top.array ? ']' : '}'}' should be`, i);
          break;
        }
        default:
          this.fail(`unexpected ${describe(c)} after the end of the document`, i);
      }
      i++;
    }
    if (this.state === S_STR && capStart >= 0 && capStart < n) this.keepBytes(buf, capStart, n);
  }

  /** The shape of the next value's slot; undefined: it is dropped. */
  private slot(): Shape | undefined {
    const top = this.stack[this.stack.length - 1];
    if (!top) return this.shape;
    if (!top.container) return undefined;
    return top.array ? (top.shape as ArrayShape).items : top.valueShape;
  }

  /** Starts the value whose first byte is `c`; true when it is a string whose bytes are kept. */
  private startValue(c: number, i: number): boolean {
    const shape = this.slot();
    if (c === 0x22) {
      this.scalarShape = shape;
      this.beginString(false, shape && shape.keep & STRING ? CAP_ALL : CAP_NONE, 0);
      return this.strMode !== CAP_NONE;
    }
    if (c === 0x7b || c === 0x5b) {
      const isArray = c === 0x5b;
      if (this.stack.length >= this.maxDepth) this.fail(`the document nests deeper than ${this.maxDepth} levels`, i);
      let container: Frame['container'] = null;
      if (shape && shape.kind === (isArray ? 'array' : 'object')) {
        container = isArray ? [] : {};
        this.store(container);
      } else if (shape) this.store(null);
      this.stack.push({ array: isArray, container, shape: container ? (shape as ObjectShape | ArrayShape) : undefined, key: '', valueShape: undefined });
      this.state = isArray ? S_ARR_FIRST : S_OBJ_FIRST;
      return false;
    }
    if (c === 0x2d || isDigit(c)) {
      this.scalarShape = shape;
      this.num = c === 0x2d ? N_MINUS : c === 0x30 ? N_ZERO : N_INT;
      this.numValue = shape && shape.keep & NUMBER ? new NumberBuilder() : undefined;
      this.numValue?.add(c);
      this.state = S_NUM;
      return false;
    }
    const lit = LITERALS[c];
    if (lit) {
      this.scalarShape = shape;
      this.lit = lit;
      this.litPos = 1;
      this.state = S_LIT;
      return false;
    }
    this.fail(`unexpected ${describe(c)} where a value should be`, i);
  }

  /** True when the key's bytes are kept. */
  private startKey(): boolean {
    const top = this.stack[this.stack.length - 1];
    const shape = top.shape as ObjectShape | undefined;
    const mode = !top.container || !shape ? CAP_NONE : shape.rest ? CAP_ALL : shape.fields ? CAP_KEY : CAP_NONE;
    this.beginString(true, mode, shape?.maxKeyBytes ?? 0);
    return mode !== CAP_NONE;
  }

  private beginString(key: boolean, mode: number, keyLimit: number): void {
    this.state = S_STR;
    this.strKey = key;
    this.strMode = mode;
    this.keyLimit = keyLimit;
    this.esc = 0;
    this.escaped = false;
    this.overflow = false;
    this.parts = [];
    this.partsBytes = 0;
  }

  /** Keeps a copy of buf[from, to) of a string that goes on in the next chunk. */
  private keepBytes(buf: Uint8Array, from: number, to: number): void {
    if (this.overflow) return;
    if (this.strMode === CAP_KEY && this.partsBytes + (to - from) > this.keyLimit) {
      this.overflow = true;
      this.parts = [];
      return;
    }
    this.parts.push(Uint8Array.prototype.slice.call(buf, from, to));
    this.partsBytes += to - from;
  }

  private endString(buf: Uint8Array, capStart: number, end: number): void {
    let text: string | undefined;
    if (this.strMode !== CAP_NONE && !this.overflow) {
      const tail = capStart >= 0 ? buf.subarray(capStart, end) : new Uint8Array(0);
      if (this.strMode === CAP_KEY && this.partsBytes + tail.length > this.keyLimit) this.overflow = true;
      else text = decodeString(this.parts.length ? concat([...this.parts, tail], this.partsBytes + tail.length) : tail, this.escaped);
    }
    this.parts = [];
    if (this.strKey) {
      const top = this.stack[this.stack.length - 1];
      if (text !== undefined) {
        const shape = top.shape as ObjectShape;
        top.key = text;
        top.valueShape = shape.fields?.get(text) ?? shape.rest;
      } else top.valueShape = undefined;
      this.state = S_COLON;
      return;
    }
    if (this.scalarShape) this.store(text ?? null);
    this.afterValue();
  }

  /** Reads one byte of a number; false when the byte ends the number and is not consumed. */
  private numByte(c: number, i: number): boolean {
    switch (this.num) {
      case N_MINUS:
        if (!isDigit(c)) this.fail(`unexpected ${describe(c)} in a number`, i);
        this.num = c === 0x30 ? N_ZERO : N_INT;
        break;
      case N_ZERO:
      case N_INT:
        if (this.num === N_INT && isDigit(c)) break;
        if (c === 0x2e) this.num = N_DOT;
        else if (c === 0x65 || c === 0x45) this.num = N_E;
        else return this.endNumber();
        break;
      case N_DOT:
        if (!isDigit(c)) this.fail(`unexpected ${describe(c)} in a number`, i);
        this.num = N_FRAC;
        break;
      case N_FRAC:
        if (isDigit(c)) break;
        if (c === 0x65 || c === 0x45) this.num = N_E;
        else return this.endNumber();
        break;
      case N_E:
        if (c === 0x2b || c === 0x2d) this.num = N_ESIGN;
        else if (isDigit(c)) this.num = N_EXP;
        else this.fail(`unexpected ${describe(c)} in a number`, i);
        break;
      case N_ESIGN:
        if (!isDigit(c)) this.fail(`unexpected ${describe(c)} in a number`, i);
        this.num = N_EXP;
        break;
      default: // N_EXP
        if (!isDigit(c)) return this.endNumber();
    }
    this.numValue?.add(c);
    return true;
  }

  private endNumber(): false {
    if (this.scalarShape) this.store(this.numValue ? this.numValue.value() : null);
    this.numValue = undefined;
    this.afterValue();
    return false;
  }

  private close(isArray: boolean, c: number, i: number): void {
    const top = this.stack[this.stack.length - 1];
    if (!top || top.array !== isArray) this.fail(`unexpected ${describe(c)}`, i);
    this.stack.pop();
    this.afterValue();
  }

  private afterValue(): void {
    this.state = this.stack.length ? S_AFTER : S_DONE;
  }

  private store(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.root = value;
      return;
    }
    const c = top.container;
    if (!c) return;
    if (top.array) (c as unknown[]).push(value);
    else if (top.key === '__proto__') Object.defineProperty(c, '__proto__', { value, writable: true, enumerable: true, configurable: true });
    else (c as Record<string, unknown>)[top.key] = value;
  }
}

/**
 * A number's value from its characters without keeping them all: the first 800 significant digits, whether any
 * later one is not 0, and the decimal exponent. Exact: a double's rounding never depends on digits past the 768th
 * except through that flag (V8 itself reads 780 and a flag), so a hostile 100 MB number costs no memory.
 */
class NumberBuilder {
  private negative = false;
  private digits = '';
  private sticky = false;
  /** Decimal exponent of the point relative to the first significant digit. */
  private point = 0;
  private significant = false;
  private fraction = false;
  private exponent = false;
  private expNegative = false;
  private exp = 0;

  add(c: number): void {
    if (this.exponent) {
      if (c === 0x2d) this.expNegative = true;
      else if (c !== 0x2b) this.exp = Math.min(this.exp * 10 + (c - 0x30), 1e15);
    } else if (c === 0x2d) this.negative = true;
    else if (c === 0x2e) this.fraction = true;
    else if (c === 0x65 || c === 0x45) this.exponent = true;
    else {
      if (!this.significant) {
        if (c === 0x30) {
          if (this.fraction) this.point--;
          return;
        }
        this.significant = true;
      }
      if (!this.fraction) this.point++;
      if (this.digits.length < 800) this.digits += String.fromCharCode(c);
      else if (c !== 0x30) this.sticky = true;
    }
  }

  value(): number {
    if (!this.significant) return this.negative ? -0 : 0;
    const e = this.point + (this.expNegative ? -this.exp : this.exp);
    return Number(`${this.negative ? '-' : ''}0.${this.digits}${this.sticky ? '1' : ''}e${e}`);
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 → string as Buffer#toString('utf8') does it (bad sequences → U+FFFD, a BOM kept). */
function utf8(bytes: Uint8Array): string {
  if (bytes.length <= 64) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  return utf8Decoder.decode(bytes);
}

const hexValue = (c: number) => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);

/** A string's raw bytes (between the quotes, already checked) → its value. */
function decodeString(bytes: Uint8Array, escaped: boolean): string {
  if (!escaped) return utf8(bytes);
  const out: string[] = [];
  let from = 0;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] !== 0x5c) {
      i++;
      continue;
    }
    if (i > from) out.push(utf8(bytes.subarray(from, i)));
    const e = bytes[i + 1];
    if (e === 0x75) {
      out.push(String.fromCharCode((hexValue(bytes[i + 2]) << 12) | (hexValue(bytes[i + 3]) << 8) | (hexValue(bytes[i + 4]) << 4) | hexValue(bytes[i + 5])));
      i += 6;
    } else {
      out.push(e === 0x62 ? '\b' : e === 0x66 ? '\f' : e === 0x6e ? '\n' : e === 0x72 ? '\r' : e === 0x74 ? '\t' : String.fromCharCode(e));
      i += 2;
    }
    from = i;
  }
  if (from < bytes.length) out.push(utf8(bytes.subarray(from)));
  return out.join('');
}
