import { strict as assert } from 'node:assert';
import {
  BOOLEAN,
  JsonStreamError,
  JsonStreamReader,
  MAX_STREAM_NESTING,
  NUMBER,
  STRING,
  type Shape,
  array,
  leaf,
  object,
  record,
} from '../../src/core/json-stream';
import { seededRandom } from '../support/rng';

const ALL = STRING | NUMBER | BOOLEAN;

/** Reads `input` in chunks of `size` bytes (Infinity: whole). */
function read(shape: Shape, input: string | Buffer, size = Infinity): unknown {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const r = new JsonStreamReader(shape);
  const step = Number.isFinite(size) ? size : Math.max(1, buf.length);
  for (let i = 0; i < buf.length; i += step) r.write(buf.subarray(i, i + step));
  return r.end();
}

/** The JsonStreamError `input` gives (at every chunk size), asserting that it is one. */
function failure(shape: Shape, input: string | Buffer): JsonStreamError {
  let first: JsonStreamError | undefined;
  for (const size of [Infinity, 1, 3]) {
    let error: unknown;
    try {
      read(shape, input, size);
    } catch (e) {
      error = e;
    }
    assert.ok(
      error instanceof JsonStreamError,
      `expected a JsonStreamError for ${JSON.stringify(String(input)).slice(0, 80)} at chunk ${size}, got ${String(error)}`,
    );
    if (first) assert.equal(error.offset, first.offset, 'the offset does not depend on how the input is split');
    first ??= error;
  }
  return first!;
}

describe('json-stream: a streaming JSON reader that keeps only what a shape names', () => {
  it('keeps only the named fields, in document order; a repeated key replaces the earlier value in place', () => {
    const shape = object({ a: leaf(ALL), b: object({ c: leaf(NUMBER) }), d: record(leaf(STRING)), e: array(leaf(STRING)) });
    const text = '{"x":{"deep":[1,2,{"a":1}]},"b":{"c":5,"z":"dropped"},"a":"first","d":{"k1":"v","k2":7,"k1":"again"},"e":["s",1,null,true,["n"]],"a":false}';
    const got = read(shape, text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(got), ['b', 'a', 'd', 'e'], 'document order, "a" kept at its first place');
    assert.deepStrictEqual(got, { b: { c: 5 }, a: false, d: { k1: 'again', k2: null }, e: ['s', null, null, null, null] });
    assert.deepEqual(Object.keys(got.d as object), ['k1', 'k2']);
    for (const size of [1, 2, 5, 17]) assert.deepStrictEqual(read(shape, text, size), got);
  });

  it('puts null where a value has another type than its shape, and drops unnamed fields of any size', () => {
    const shape = object({ s: leaf(STRING), n: leaf(NUMBER), b: leaf(BOOLEAN), o: object({ k: leaf(STRING) }), a: array(leaf(NUMBER)) });
    assert.deepStrictEqual(read(shape, '{"s":1,"n":"1","b":"true","o":[1],"a":{"0":1}}'), { s: null, n: null, b: null, o: null, a: null });
    assert.deepStrictEqual(read(shape, '{"s":null,"n":null,"b":true,"o":"x","a":3}'), { s: null, n: null, b: true, o: null, a: null });
    const big = `{"readme":"${'x'.repeat(1_000_000)}","junk":[${'[{"a":[1,2,3]}],'.repeat(10_000)}0],"s":"kept"}`;
    assert.deepStrictEqual(read(shape, big, 65536), { s: 'kept' });
    assert.equal(read(shape, '[1,2]'), null, 'a top-level value of another type');
    assert.equal(read(leaf(STRING), ' "top" '), 'top');
    assert.equal(read(leaf(NUMBER), '42'), 42, 'a number at the very end of the input');
  });

  it('makes __proto__ an own property, as JSON.parse does, and never touches prototypes', () => {
    const shape = record(record(leaf(STRING)));
    const got = read(shape, '{"__proto__":{"__proto__":"x","polluted":"yes"},"constructor":{"a":"b"}}') as Record<string, Record<string, unknown>>;
    const want = JSON.parse('{"__proto__":{"__proto__":"x","polluted":"yes"},"constructor":{"a":"b"}}');
    assert.deepStrictEqual(got, want);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(got, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // field names are looked up as names, never through the prototype
    assert.deepStrictEqual(read(object({ a: leaf(STRING) }), '{"constructor":"c","toString":"t","hasOwnProperty":"h","a":"ok"}'), { a: 'ok' });
  });

  it('reads strings as Buffer#toString + JSON.parse do: escapes, surrogates, invalid UTF-8 and BOMs, split anywhere', () => {
    const pieces = [
      Buffer.from('plain '),
      Buffer.from('\\"\\\\\\/\\b\\f\\n\\r\\t'),
      Buffer.from('\\u00e9\\u4E2D\\ud83d\\ude80\\udc00\\uD800x'),
      Buffer.from('é中🚀'),
      Buffer.from([0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xe2, 0x82]), // invalid: overlong, surrogate, truncated
      Buffer.from('\\n'),
      Buffer.from([0xe2, 0x82, 0x5c, 0x6e]), // a truncated sequence right before an escape
      Buffer.from([0xef, 0xbb, 0xbf]), // a BOM inside a string is kept
      Buffer.from('end'),
      Buffer.from([0xf0, 0x9f]), // truncated right before the closing quote
    ];
    const body = Buffer.concat([Buffer.from('{"k\\u0065y":"'), ...pieces, Buffer.from('","keyword":"v"}')]);
    const want = JSON.parse(body.toString('utf8'));
    const shape = object({ key: leaf(STRING), keyword: leaf(STRING) });
    for (let size = 1; size <= 12; size++) assert.deepStrictEqual(read(shape, body, size), want, `chunks of ${size}`);
    assert.deepStrictEqual(read(record(leaf(STRING)), body), want);
    // a field name written with escapes, and one too long to be a field name
    assert.deepStrictEqual(read(object({ name: leaf(STRING) }), `{"n\\u0061me":"a","${'\\u0061'.repeat(40)}":"b"}`), { name: 'a' });
  });

  it('reads numbers exactly as JSON.parse does, long ones too, without keeping their digits', () => {
    const r = seededRandom(7);
    const lexemes = [
      '0',
      '-0',
      '0.0',
      '-0e5',
      '1',
      '-1',
      '12.5',
      '1e3',
      '1E+3',
      '1e-3',
      '0.000123',
      '123456789012345678901234567890',
      '1e400',
      '-1e400',
      '1e-400',
      '2.2250738585072014e-308',
      '4.9e-324',
      '2.4703282292062327e-324',
      '2.4703282292062328e-324',
      '9007199254740993',
      '0.1e99999999999999999999',
      '1' + '0'.repeat(5000),
      '0.' + '0'.repeat(5000) + '1',
      `1${'0'.repeat(2000)}e-2000`,
    ];
    // exact midpoints between neighbouring doubles (the hardest case for rounding), and just above / below them
    for (let i = 0; i < 300; i++) {
      const d = Math.abs(Number(`${r()}e${Math.floor(r() * 600) - 320}`)) || 5e-324;
      const mid = midpointDecimal(d);
      lexemes.push(mid, `${mid}${'0'.repeat(Math.floor(r() * 300))}1`, decrementLast(mid));
    }
    for (let i = 0; i < 500; i++) {
      const digits = Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 10)).join('');
      lexemes.push(
        `${r() < 0.3 ? '-' : ''}${digits.replace(/^0+(?=\d)/, '')}${r() < 0.5 ? `.${Math.floor(r() * 1e6)}` : ''}${r() < 0.5 ? `e${r() < 0.5 ? '-' : '+'}${Math.floor(r() * 400)}` : ''}`,
      );
    }
    const shape = object({ n: leaf(NUMBER) });
    for (const lex of lexemes) {
      const text = `{"n":${lex}}`;
      const want = JSON.parse(text).n;
      assert.ok(Object.is((read(shape, text) as { n: number }).n, want), `${lex.slice(0, 60)}…: ${want}`);
      assert.ok(Object.is((read(shape, text, 7) as { n: number }).n, want), `${lex.slice(0, 60)}… in chunks`);
    }
  });

  it('rejects what JSON.parse rejects, with the byte offset of the fault', () => {
    const shape = object({ a: leaf(ALL) });
    const cases: [string | Buffer, number, RegExp][] = [
      ['', 0, /ends before any value/],
      ['   ', 3, /ends before any value/],
      ['{"a":tru}', 8, /unexpected '}'/],
      ['{"a":1,}', 7, /where a key should be/],
      ['[1,]', 3, /where a value should be/],
      ['{"a" 1}', 5, /where ':' should be/],
      ['{"a":1 "b":2}', 7, /where ',' or '}' should be/],
      ['{"a":[1}', 7, /unexpected '}'/],
      ['{"a":1}]', 7, /after the end of the document/],
      ['{"a":1} x', 8, /after the end of the document/],
      ['{"a":01}', 6, /where ',' or '}' should be/],
      ['{"a":1.}', 7, /in a number/],
      ['{"a":-}', 6, /in a number/],
      ['{"a":1e}', 7, /in a number/],
      ['{"a":+1}', 5, /where a value should be/],
      ['{"a":"x\ny"}', 7, /control character/],
      ['{"a":"\\x"}', 7, /bad escape/],
      ['{"a":"\\u12G4"}', 10, /bad \\u escape/],
      ['{"a":"open', 10, /ends inside 1 unclosed/],
      ['{"a":[1,2', 9, /ends inside 2 unclosed/],
      ["{'a':1}", 1, /where a key should be/],
      ['{"a":NaN}', 5, /where a value should be/],
      [Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), 0, /byte 0xef/], // JSON.parse refuses a BOM before the document too
      [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0xa9, 0x7d]), 5, /byte 0xc3/],
    ];
    for (const [text, offset, reason] of cases) {
      const buf = typeof text === 'string' ? Buffer.from(text) : text;
      assert.throws(() => JSON.parse(buf.toString('utf8')), `JSON.parse rejects ${JSON.stringify(buf.toString('utf8'))} too`);
      const e = failure(shape, buf);
      assert.equal(e.offset, offset, `${JSON.stringify(buf.toString('utf8'))}: ${e.message}`);
      assert.match(e.message, reason);
      assert.match(e.message, / at byte \d+$/);
    }
  });

  it(`refuses nesting deeper than ${MAX_STREAM_NESTING} levels, in dropped parts too, with the offset`, () => {
    const shape = object({ a: leaf(ALL) });
    const ok = `{"x":${'['.repeat(MAX_STREAM_NESTING - 1)}${']'.repeat(MAX_STREAM_NESTING - 1)},"a":1}`;
    assert.deepStrictEqual(read(shape, ok), { a: 1 });
    const deep = `{"x":${'['.repeat(MAX_STREAM_NESTING)}`;
    const e = failure(shape, deep);
    assert.equal(e.offset, 5 + MAX_STREAM_NESTING - 1);
    assert.match(e.message, /nests deeper than 1000 levels/);
    // far deeper than the limit: no recursion, so no stack overflow, just the same error
    assert.equal(failure(shape, '['.repeat(1_000_000)).offset, MAX_STREAM_NESTING);
  });

  it('stays failed after an error: later writes and end() throw the same error', () => {
    const r = new JsonStreamReader(object({}));
    assert.throws(() => r.write(Buffer.from('{"a":x')), JsonStreamError);
    assert.throws(() => r.write(Buffer.from('}')), /unexpected 'x' where a value should be at byte 5/);
    assert.throws(() => r.end(), /at byte 5/);
  });
});

/** The exact decimal expansion of the midpoint between `d` (> 0) and the next double up. */
function midpointDecimal(d: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = expBits === 0 ? fraction : fraction | (1n << 52n);
  const exp = (expBits === 0 ? 1 : expBits) - 1075; // d = mantissa × 2^exp
  // midpoint = (2·mantissa + 1) × 2^(exp − 1)
  const m = 2n * mantissa + 1n;
  const e = exp - 1;
  if (e >= 0) return (m << BigInt(e)).toString();
  const digits = (m * 5n ** BigInt(-e)).toString().padStart(-e + 1, '0');
  return `${digits.slice(0, digits.length + e)}.${digits.slice(digits.length + e)}`;
}

/** A decimal string just below the given one (its last digit lowered, or …9 appended after a lowered digit). */
function decrementLast(s: string): string {
  const i = s.search(/[1-9][0]*$/);
  if (i < 0) return s;
  return `${s.slice(0, i)}${Number(s[i]) - 1}${'9'.repeat(s.length - i - 1)}${s.includes('.') ? '9' : ''}`;
}
