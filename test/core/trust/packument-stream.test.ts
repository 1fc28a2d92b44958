import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonStreamError, type Shape } from '../../../src/core/json-stream';
import { PACKUMENT_SHAPE, PackumentStreamReader, summarizePackumentChunks } from '../../../src/core/trust/packument-stream';
import { summarizePackument } from '../../../src/core/trust/summarize';
import type { PackageSummary } from '../../../src/core/trust/types';
import { requireSharedFixtures } from '../../support/fixtures';
import { seededRandom } from '../../support/rng';

/**
 * The streaming summary must be exactly summarizePackument(JSON.parse(body)) — same values, same key order, same
 * prototypes — for every body, however it is split into chunks; and every body JSON.parse rejects must give a
 * JsonStreamError with a byte offset inside the body, never another exception.
 * TRUSTLENS_FUZZ_SEED=<n> reproduces a run.
 */
const SEED = Number(process.env.TRUSTLENS_FUZZ_SEED ?? 20261122);
const REGISTRY = 'https://registry.example/';
const AT = '2026-11-22T00:00:00.000Z';

/** summarizePackument over JSON.parse of the body as the engine decodes it; `error` when JSON.parse throws. */
function reference(body: Buffer): { summary?: PackageSummary; error?: boolean } {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { error: true };
  }
  return { summary: summarizePackument(doc, REGISTRY, AT) };
}

function chunked(body: Buffer, sizes: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < body.length;) {
    const n = Math.max(1, sizes());
    out.push(body.subarray(i, i + n));
    i += n;
  }
  return out;
}

function assertSame(got: PackageSummary | undefined, want: PackageSummary | undefined, what: string): void {
  assert.deepStrictEqual(got, want, what);
  assert.equal(JSON.stringify(got), JSON.stringify(want), `${what}: key order`);
}

/** Streams `body` split by `sizes` and checks the verdict against JSON.parse's. */
function check(body: Buffer, sizes: () => number, what: string): void {
  const want = reference(body);
  let got: PackageSummary | undefined;
  try {
    got = summarizePackumentChunks(chunked(body, sizes), REGISTRY, AT);
  } catch (e) {
    assert.ok(e instanceof JsonStreamError, `${what}: threw ${String(e)} (${(e as Error)?.stack})`);
    assert.ok(want.error, `${what}: JSON.parse accepts it, the stream said ${e.message}`);
    assert.ok(e.offset >= 0 && e.offset <= body.length, `${what}: offset ${e.offset} outside 0..${body.length}`);
    return;
  }
  assert.ok(!want.error, `${what}: JSON.parse rejects it, the stream accepted it`);
  assertSame(got, want.summary, what);
}

// ---------------------------------------------------------------- generated packuments

/** Random packument text: every field summarizePackument reads, often of the wrong type, with duplicate keys,
 * escapes, surrogates, `__proto__`, index-like keys, odd numbers and whitespace; invalid UTF-8 is spliced in later
 * where U+E000 stands. */
function generatePackument(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const ws = () => (r() < 0.8 ? '' : pick([' ', '\n', '\t', '\r\n  ', '  ']));
  const STR_BITS = [
    'a',
    'b',
    'é',
    '中',
    '🚀',
    '\\n',
    '\\"',
    '\\\\',
    '\\/',
    '\\u0041',
    '\\ud83d\\ude80',
    '\\udc00',
    '\\uD800',
    '\\t',
    ' ',
    '\ue000',
    '-',
    '.',
    '@',
    '1',
  ];
  const str = () => `"${Array.from({ length: Math.floor(r() * 8) }, () => pick(STR_BITS)).join('')}"`;
  const key = (name: string) =>
    r() < 0.05 ? `"${[...name].map((c) => (r() < 0.5 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"` : JSON.stringify(name);
  const num = () => pick(['0', '-0', '1', '42', '3.5', '1e3', '-2E-2', '1e400', '123456789012345678901234567890', '0.1', '7']);
  const scalar = () => pick([str, num, () => 'true', () => 'false', () => 'null'])();
  const junk = (depth: number): string => {
    const k = r();
    if (depth > 3 || k < 0.5) return scalar();
    if (k < 0.75) return `[${ws()}${Array.from({ length: Math.floor(r() * 4) }, () => junk(depth + 1)).join(`,${ws()}`)}]`;
    return obj(Array.from({ length: Math.floor(r() * 4) }, () => [str(), junk(depth + 1)]));
  };
  const obj = (entries: [string, string][]) => `{${ws()}${entries.map(([k, v]) => `${k}${ws()}:${ws()}${v}`).join(`,${ws()}`)}${ws()}}`;
  /** Each expected value, or sometimes something else; sometimes the key twice. */
  const fields = (spec: [string, () => string][], extra = 2): string => {
    const entries: [string, string][] = [];
    for (const [name, value] of spec) {
      if (r() < 0.15) continue;
      entries.push([key(name), r() < 0.85 ? value() : junk(1)]);
      if (r() < 0.05) entries.push([key(name), r() < 0.5 ? value() : junk(1)]);
    }
    for (let i = 0; i < Math.floor(r() * extra); i++) entries.splice(Math.floor(r() * (entries.length + 1)), 0, [str(), junk(0)]);
    return obj(entries);
  };
  const version = () => pick(['1.0.0', '1.0.1', '2.0.0-beta.1', '0.0.1', '__proto__', '0', '10', '2', 'constructor', 'toString', 'é', '']);
  const person = () =>
    fields([
      ['name', () => (r() < 0.9 ? pick(['"alice"', '"bob"', '""']) : str())],
      ['email', str],
    ]);
  const versionDoc = () =>
    fields(
      [
        [
          '_npmUser',
          () =>
            fields([
              ['name', () => pick(['"alice"', '"bob"', str()])],
              ['email', str],
              [
                'trustedPublisher',
                () =>
                  fields([
                    ['id', () => '"github"'],
                    ['oidcConfigId', str],
                  ]),
              ],
              ['approver', person],
            ]),
        ],
        ['maintainers', () => `[${Array.from({ length: Math.floor(r() * 3) }, () => (r() < 0.6 ? person() : r() < 0.5 ? str() : junk(2))).join(',')}]`],
        [
          'scripts',
          () =>
            fields([
              ['preinstall', str],
              ['install', str],
              ['postinstall', str],
              ['test', str],
            ]),
        ],
        ['hasInstallScript', () => pick(['true', 'false', '1', '"true"'])],
        [
          'dependencies',
          () =>
            obj(
              Array.from({ length: Math.floor(r() * 4) }, () => [
                pick(['"a"', '"b"', '"__proto__"', '"0"', str()]),
                r() < 0.8 ? `"^${Math.floor(r() * 3)}.0.0"` : junk(2),
              ]),
            ),
        ],
        ['deprecated', () => pick(['""', '"use 2"', str(), 'true'])],
        [
          'dist',
          () =>
            fields([
              ['integrity', () => `"sha512-${Math.floor(r() * 1e9)}"`],
              ['shasum', str],
              ['tarball', () => '"https://registry.example/x/-/x-1.0.0.tgz"'],
              ['fileCount', num],
              ['unpackedSize', num],
              [
                'signatures',
                () =>
                  `[${Array.from({ length: Math.floor(r() * 3) }, () =>
                    r() < 0.8
                      ? fields([
                          ['keyid', () => '"SHA256:k"'],
                          ['sig', str],
                        ])
                      : junk(2),
                  ).join(',')}]`,
              ],
              [
                'attestations',
                () =>
                  fields([
                    ['url', () => '"https://registry.example/-/npm/v1/attestations/x@1.0.0"'],
                    ['provenance', () => fields([['predicateType', () => '"https://slsa.dev/provenance/v1"']])],
                  ]),
              ],
            ]),
        ],
        ['readme', () => JSON.stringify('x'.repeat(Math.floor(r() * 500)))],
      ],
      3,
    );
  const record = (value: () => string) => obj(Array.from({ length: Math.floor(r() * 6) }, () => [JSON.stringify(version()), value()]));
  const date = () => pick(['"2024-01-01T00:00:00.000Z"', '"2020-02-30T00:00:00Z"', '"not a date"', '"1999"', '0', 'null']);
  return (
    ws() +
    fields([
      ['name', () => (r() < 0.9 ? '"pkg"' : str())],
      [
        'dist-tags',
        () =>
          obj([
            ['"latest"', r() < 0.9 ? `"${version()}"` : junk(1)],
            [str(), str()],
          ]),
      ],
      ['versions', () => record(() => (r() < 0.9 ? versionDoc() : junk(1)))],
      ['time', () => record(date)],
      ['readme', () => JSON.stringify('r'.repeat(Math.floor(r() * 2000)))],
    ]) +
    ws()
  );
}

const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf0, 0x9f], [0x80], [0xf5, 0x80, 0x80, 0x80]];
/** The text as UTF-8, with each U+E000 replaced by an invalid byte sequence. */
function encode(text: string, r: () => number): Buffer {
  const parts = text.split('\ue000');
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i) out.push(Buffer.from(INVALID_UTF8[Math.floor(r() * INVALID_UTF8.length)]));
    out.push(Buffer.from(p));
  });
  return Buffer.concat(out);
}

function mutate(body: Buffer, r: () => number): Buffer {
  let b = body;
  const TOKENS = ['{', '}', '[', ']', '"', ':', ',', '\\', '\n', '\u0000', 'tru', '1e', '-', '01', '\\u12', '"__proto__":', '\ufeff', '\xff'];
  for (let ops = 1 + Math.floor(r() * 3); ops > 0; ops--) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0:
        b = b.subarray(0, at);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + Math.floor(r() * 20))]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(TOKENS[Math.floor(r() * TOKENS.length)], 'latin1'), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), b.subarray(at + 1)]);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + Math.floor(r() * 40)), b.subarray(at)]);
    }
  }
  return b;
}

describe('packument-stream: streamed summaries equal summarizePackument(JSON.parse(body))', function () {
  this.timeout(300_000);

  it('on generated packuments with every field of every type, duplicates and bad UTF-8, at every split (1-byte chunks too)', () => {
    console.log(`      seed ${SEED} (TRUSTLENS_FUZZ_SEED reproduces it)`);
    const r = seededRandom(SEED);
    let accepted = 0;
    for (let i = 0; i < 400; i++) {
      const body = encode(generatePackument(r), r);
      assert.ok(!reference(body).error, `generated packument ${i} is valid JSON`);
      const what = `generated #${i}: ${body.toString('utf8').slice(0, 200)}`;
      check(body, () => 1, `${what} (1-byte chunks)`);
      check(body, () => Math.floor(r() * 64), `${what} (random chunks)`);
      check(body, () => body.length, `${what} (whole)`);
      if (reference(body).summary) accepted++;
    }
    assert.ok(accepted > 300, `most generated bodies are packuments (${accepted})`);
  });

  it('on mutated bodies: the same verdict as JSON.parse, and only JsonStreamError with an offset inside the body', () => {
    const r = seededRandom(SEED + 1);
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const body = mutate(encode(generatePackument(r), r), r);
      if (reference(body).error) rejected++;
      check(body, () => (r() < 0.5 ? 1 : Math.floor(r() * 50)), `mutation #${i}: ${JSON.stringify(body.toString('latin1').slice(0, 300))}`);
    }
    assert.ok(rejected > 1000, `most mutations break the JSON (${rejected})`);
  });

  it('on every real packument in ../shared/fixtures, split at random (and into single bytes when small)', function () {
    const dir = requireSharedFixtures(this, 'packuments');
    const r = seededRandom(SEED + 2);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    let bytes = 0;
    for (const f of files) {
      const body = fs.readFileSync(path.join(dir, f));
      bytes += body.length;
      const want = reference(body);
      assert.ok(want.summary, f);
      const split = chunked(body, () => 1 + Math.floor(r() * 16384));
      assertSame(summarizePackumentChunks(split, REGISTRY, AT), want.summary, `${f} (random chunks)`);
      if (body.length <= 16384)
        assertSame(
          summarizePackumentChunks(
            chunked(body, () => 1),
            REGISTRY,
            AT,
          ),
          want.summary,
          `${f} (1-byte chunks)`,
        );
    }
    console.log(`      ${files.length} real packuments, ${(bytes / 1048576).toFixed(0)} MB`);
  });

  it('summarizePackument reads nothing that PACKUMENT_SHAPE drops (checked on real and generated packuments)', function () {
    const reads = new Set<string>();
    const docs: unknown[] = [];
    const r = seededRandom(SEED + 3);
    for (let i = 0; i < 300; i++) docs.push(JSON.parse(generatePackument(r).split('\ue000').join('')));
    const dir = path.join(requireSharedFixtures(this, 'packuments'));
    for (const f of fs
      .readdirSync(dir)
      .filter((x) => x.endsWith('.json'))
      .slice(0, 400))
      docs.push(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    for (const doc of docs) summarizePackument(recording(doc, '', reads), REGISTRY, AT);
    assert.ok(reads.size > 20, [...reads].join(' '));
    for (const p of reads)
      assert.ok(
        allowed(PACKUMENT_SHAPE, p.split('\u0000').slice(1)),
        `summarizePackument reads ${p.split('\u0000').join('.')}, which PACKUMENT_SHAPE drops: add it there`,
      );
  });

  it('a body that breaks off, or is not JSON, is a JsonStreamError with the offset; a non-packument is undefined', () => {
    const reader = new PackumentStreamReader();
    reader.write(Buffer.from('{"name":"x","versions":{"1.0.0":{"dist":{"tarball":"https://r/x.tgz"}}'));
    assert.throws(
      () => reader.summary(REGISTRY, AT),
      (e: unknown) => e instanceof JsonStreamError && e.offset === 70 && /ends inside 2 unclosed/.test(e.message),
    );
    assert.throws(() => summarizePackumentChunks([Buffer.from('{"name":"x","versions":{"1.0.0":{}},}')], REGISTRY, AT), /where a key should be at byte 36/);
    assert.equal(summarizePackumentChunks([Buffer.from('["not a packument"]')], REGISTRY, AT), undefined);
    assert.equal(summarizePackumentChunks([Buffer.from('{"name":"x","versions":[]}')], REGISTRY, AT), undefined);
    const s = summarizePackumentChunks(
      [Buffer.from('{"versions":{"__proto__":{"dist":{"shasum":"a"}},"1.0.0":{"dependencies":{"__proto__":"1"}}}}')],
      REGISTRY,
      AT,
    )!;
    assert.deepEqual(Object.keys(s.versions), ['__proto__', '1.0.0'], 'a version named __proto__ is an own entry, not the prototype');
    assert.equal(Object.getPrototypeOf(s.versions), Object.prototype);
    assert.deepEqual(Object.keys(s.versions['1.0.0'].dependencies!), ['__proto__']);
  });
});

/** Wraps `value` so that every property summarizePackument reads is recorded as a path (segments joined by NUL; `*` for "every key"). */
function recording(value: unknown, at: string, reads: Set<string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const isArray = Array.isArray(value);
  return new Proxy(value as object, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop === 'symbol') return v;
      if (isArray) return /^\d+$/.test(prop) ? recording(v, `${at}\u0000[]`, reads) : v;
      reads.add(`${at}\u0000${prop}`);
      return recording(v, `${at}\u0000${prop}`, reads);
    },
    ownKeys(target) {
      if (!isArray) reads.add(`${at}\u0000*`);
      return Reflect.ownKeys(target);
    },
  });
}

/** Whether the path (object keys, `[]` for array items, `*` for iterating an object's keys) stays inside `shape`. */
function allowed(shape: Shape | undefined, p: string[]): boolean {
  if (!p.length) return true;
  if (!shape) return false;
  const [head, ...rest] = p;
  if (shape.kind === 'array') return head === '[]' && allowed(shape.items, rest);
  if (shape.kind !== 'object') return false;
  if (head === '*') return !!shape.rest && !rest.length;
  const next = shape.fields?.get(head) ?? shape.rest;
  // A read of a field that is kept as a scalar ends there; reading into it is allowed only where the shape goes on.
  return !!next && allowed(next, rest);
}
