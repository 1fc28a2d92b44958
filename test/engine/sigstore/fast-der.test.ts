import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ASN1Obj, X509Certificate } from '@sigstore/core';
import { encodeDER, installFastDER, libraryToDER, restoreLibraryDER } from '../../../src/engine/sigstore/fast-der';
import { requireSharedFixtures, SHARED_FIXTURES } from '../../support/fixtures';
import { seededRandom } from '../../support/rng';

/** An ASN1Obj as the tests edit it (the library's typings say readonly). */
interface Node {
  tag: { toDER(): number };
  value: Uint8Array;
  subs: Node[];
  toDER(): Uint8Array;
}
const asNode = (o: ASN1Obj) => o as unknown as Node;
const proto = ASN1Obj.prototype as unknown as { toDER: unknown };
/**
 * Encodes `n` with `encoder` on ASN1Obj.prototype meanwhile: both encoders encode a node's subs through their
 * own `toDER`, so the whole tree, not only its root, is encoded by the one being tested.
 */
function encodeWith(encoder: (this: never) => Buffer, n: Node): Buffer {
  const before = proto.toDER;
  proto.toDER = encoder;
  try {
    return encoder.call(n as never);
  } finally {
    proto.toDER = before;
  }
}
const library = (n: Node): Buffer => encodeWith(libraryToDER, n);
const fast = (n: Node): Buffer => encodeWith(encodeDER, n);
const parse = (der: Buffer): Node => asNode(ASN1Obj.parseBuffer(Buffer.from(der)));

/** Every node of a tree, root first. */
function nodes(root: Node): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    out.push(n);
    n.subs.forEach(walk);
  };
  walk(root);
  return out;
}

/** Asserts both encoders give the same bytes for `n` (and returns them). */
function same(n: Node, what: string): Buffer {
  const expected = library(n);
  const actual = fast(n);
  assert.ok(Buffer.isBuffer(actual), `${what}: a Buffer`);
  if (!actual.equals(expected)) {
    assert.fail(
      `${what}: ${actual.length} bytes ${actual.toString('hex').slice(0, 80)}… differ from the library's ${expected.length} bytes ${expected.toString('hex').slice(0, 80)}…`,
    );
  }
  return actual;
}

// ---- DER structures in the real fixtures ----

interface Found {
  where: string;
  der: Buffer<ArrayBuffer>;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * DER structures inside JSON: base64 strings that parse as ASN.1 SEQUENCEs (certificates, SPKI keys, ECDSA
 * signatures), also inside base64-encoded JSON (Rekor entry bodies, DSSE payloads) and PEM blocks.
 */
function harvest(value: unknown, where: string, out: Found[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => harvest(v, `${where}[${i}]`, out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) harvest(v, `${where}.${k}`, out);
  else if (typeof value === 'string') harvestText(value, where, out);
}

function harvestText(text: string, where: string, out: Found[]): void {
  const pem = [...text.matchAll(/-----BEGIN [A-Z ]+-----([^-]+)-----END [A-Z ]+-----/g)];
  if (pem.length > 0) {
    pem.forEach((m, i) => harvestBytes(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'), `${where} PEM ${i + 1}`, out));
    return;
  }
  if (text.length < 16 || text.length % 4 !== 0 || !BASE64.test(text)) return;
  harvestBytes(Buffer.from(text, 'base64'), where, out);
}

function harvestBytes(bytes: Buffer<ArrayBuffer>, where: string, out: Found[]): void {
  if (bytes[0] === 0x30) {
    try {
      const tree = parse(bytes);
      if (library(tree).length === bytes.length) out.push({ where, der: bytes });
    } catch {
      // not DER after all
    }
    return;
  }
  const text = bytes.toString('utf8');
  if (/^\s*[[{]/.test(text)) {
    try {
      harvest(JSON.parse(text), `${where} (JSON)`, out);
    } catch {
      // not JSON
    }
  } else if (text.includes('-----BEGIN ')) {
    harvestText(text, where, out);
  }
}

/** Real packuments that carry `dist.signatures` (ECDSA signatures in DER). */
const SIGNED_PACKUMENTS = ['has-package-exports.json', '@ljharb__has-package-exports-patterns.json', 'tweetnacl.json'];

describe('fast DER encoder: the same bytes as @sigstore/core', function () {
  let found: Found[] = [];
  let certificates: Found[] = [];

  before(function () {
    const dir = requireSharedFixtures(this, 'sigstore');
    for (const file of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      harvest(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), file, found);
    }
    for (const file of SIGNED_PACKUMENTS) {
      const p = path.join(SHARED_FIXTURES, 'packuments', file);
      if (!fs.existsSync(p)) continue;
      const packument = JSON.parse(fs.readFileSync(p, 'utf8')) as { versions?: Record<string, { dist?: { signatures?: unknown } }> };
      for (const [version, v] of Object.entries(packument.versions ?? {})) if (v.dist?.signatures) harvest(v.dist.signatures, `${file} ${version}`, found);
    }
    // One of each: the same certificate is in many files.
    const unique = new Map(found.map((f) => [f.der.toString('base64'), f]));
    found = [...unique.values()];
    certificates = found.filter((f) => {
      try {
        return X509Certificate.parse(f.der).tbsCertificate.subs.length >= 6;
      } catch {
        return false;
      }
    });
    console.log(`      ${found.length} distinct DER structures in the fixtures, ${certificates.length} of them certificates`);
  });

  it('finds the certificates, keys and signatures of the fixtures', () => {
    // 3 Fulcio leaf certificates (the sigstore@0.4.0 variants share one), the Fulcio CA certificates (in the
    // bundles and the trusted root), the TSA chain; Rekor, CT log and npm keys; DSSE, SET and registry signatures.
    assert.ok(certificates.length >= 8, `${certificates.length} certificates`);
    assert.ok(found.length >= certificates.length + 25, `${found.length} structures`);
    assert.ok(
      found.some((f) => f.where.includes('canonicalizedBody (JSON)')),
      'certificates inside Rekor entry bodies',
    );
    assert.ok(
      found.some((f) => f.where.startsWith('has-package-exports.json')),
      'registry signatures',
    );
  });

  it('encodes every structure, and every part of it, as the library does (and as it was)', () => {
    let parts = 0;
    for (const f of found) {
      const tree = parse(f.der);
      assert.ok(same(tree, f.where).equals(f.der), `${f.where}: round trip`);
      for (const n of nodes(tree)) {
        same(n, `${f.where}, a part`);
        parts++;
      }
    }
    assert.ok(parts > found.length * 5, `${parts} parts`);
  });

  it('encodes what the library encodes while verifying: TBS, public key, a clone without its SCT extension', () => {
    let withSct = 0;
    for (const f of certificates) {
      const cert = X509Certificate.parse(f.der);
      same(asNode(cert.tbsCertificate), `${f.where} tbsCertificate`);
      same(asNode(cert.root.subs[0].subs[6]), `${f.where} subjectPublicKeyInfo`);
      // What @sigstore/verify's SCT check does: remove the SCT extension from a clone, re-encode the TBS.
      const clone = X509Certificate.parse(Buffer.from(f.der));
      const i = clone.extensions.findIndex((e) => e.subs[0].toOID() === '1.3.6.1.4.1.11129.2.4.2');
      if (i < 0) continue;
      withSct++;
      clone.extensions.splice(i, 1);
      const tbs = same(asNode(clone.tbsCertificate), `${f.where} TBS without SCTs`);
      assert.ok(tbs.length < asNode(cert.tbsCertificate).toDER().length);
    }
    assert.ok(withSct >= 3, `${withSct} certificates with SCTs`);
  });

  it('encodes edited trees as the library does: a sub removed, a value replaced (lengths around 127/128, 255/256, 65535/65536)', () => {
    const random = seededRandom(0x5eed);
    const lengths = [0, 1, 126, 127, 128, 129, 254, 255, 256, 257, 65534, 65535, 65536];
    let edits = 0;
    for (const f of found) {
      const count = nodes(parse(f.der)).length;
      // Remove each sub of each node in turn, from a fresh tree each time.
      for (let k = 0; k < count; k++) {
        const tree = parse(f.der);
        const n = nodes(tree)[k];
        if (n.subs.length === 0) continue;
        n.subs.splice(Math.floor(random() * n.subs.length), 1);
        same(tree, `${f.where}, node ${k} without a sub`);
        edits++;
      }
      // Replace values of some primitive nodes (and of constructed ones, whose value the encoding ignores).
      for (let k = 0; k < Math.min(count, 12); k++) {
        const tree = parse(f.der);
        const all = nodes(tree);
        const n = all[Math.floor(random() * all.length)];
        const length = lengths[Math.floor(random() * lengths.length)];
        n.value = Buffer.alloc(length, Math.floor(random() * 256));
        if (random() < 0.3) n.subs.length = 0; // a constructed node becomes primitive
        same(tree, `${f.where}, a value of ${length} bytes`);
        edits++;
      }
    }
    assert.ok(edits > 400, `${edits} edits`);
  });

  it('encodes generated trees as the library does (seeded: lengths near every length-form boundary, nested OCTET STRINGs)', () => {
    const random = seededRandom(20240611);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const tagOf = (byte: number) => parse(Buffer.from([byte, 0])).tag;
    // Tag bytes the parser accepts: every class, primitive and constructed, short-form numbers (it refuses long-form tags).
    const tagBytes = Array.from({ length: 256 }, (_, b) => b).filter((b) => (b & 0x1f) !== 0x1f && !((b & 0xc0) === 0 && (b & 0x1f) === 0));
    const boundaries = [0, 1, 2, 126, 127, 128, 129, 254, 255, 256, 257, 300, 1000, 65534, 65535, 65536, 65537];
    const make = (tag: { toDER(): number }, value: Uint8Array, subs: Node[]): Node => asNode(new ASN1Obj(tag as never, Buffer.from(value), subs as never));
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

    const gen = (depth: number): Node => {
      const r = random();
      if (depth > 4 || r < 0.35) {
        const n = random() < 0.9 ? pick(boundaries.slice(0, 12)) : pick(boundaries);
        return make(tagOf(pick(tagBytes)), bytes(n), []);
      }
      const subs = Array.from({ length: Math.floor(random() * 5) }, () => gen(depth + 1));
      if (r < 0.5) return make(tagOf(0x04), bytes(3), subs); // an OCTET STRING the parser opened
      return make(tagOf(pick(tagBytes) | 0x20), bytes(Math.floor(random() * 4)), subs);
    };

    /** A SEQUENCE whose content is exactly `content` bytes: one primitive sub, sized to fit. */
    const sized = (content: number): Node | undefined => {
      for (let n = content; n >= 0; n--) {
        const header = 1 + (n < 128 ? 1 : 1 + Math.ceil(Math.log2(n + 1) / 8));
        if (header + n === content) return make(tagOf(0x30), Buffer.alloc(0), [make(tagOf(0x04), bytes(n), [])]);
        if (header + n < content) return undefined;
      }
      return undefined;
    };

    let trees = 0;
    for (let i = 0; i < 400; i++) {
      same(gen(0), `generated tree ${i}`);
      trees++;
    }
    for (const b of boundaries) {
      const s = sized(b);
      if (!s) continue;
      assert.equal(library(s).length, b + (b < 128 ? 2 : 2 + Math.ceil(Math.log2(b + 1) / 8)));
      same(s, `a SEQUENCE of ${b} content bytes`);
      same(make(tagOf(0x04), Buffer.alloc(0), [s, gen(2)]), `an OCTET STRING around a SEQUENCE of ${b} content bytes`);
      trees += 2;
    }
    // Three- and four-byte lengths once each.
    same(make(tagOf(0x04), bytes(70_000), []), '70,000 bytes');
    same(make(tagOf(0x30), Buffer.alloc(0), [make(tagOf(0x04), Buffer.alloc(1 << 24, 7), [])]), '16 MiB inside a SEQUENCE');

    // Tag objects whose toDER is not a byte: both store it the same way (as a Uint8Array element).
    for (const odd of [0x1f1, 256, -1, 3.7, Number.NaN]) same(make({ toDER: () => odd }, bytes(5), [gen(3)]), `tag ${odd}`);
    // Subs that are not ASN1Objs but have encodings of their own.
    const foreign = (hex: string) => ({ toDER: () => Buffer.from(hex, 'hex') }) as unknown as Node;
    same(
      make(tagOf(0x30), Buffer.alloc(0), [gen(2), foreign('0403616263'), gen(2), foreign('0500'), make(tagOf(0x30), Buffer.alloc(0), [foreign('020101')])]),
      'foreign subs',
    );
    // Values as plain Uint8Arrays (not Buffers).
    const plain = make(tagOf(0x30), Buffer.alloc(0), [make(tagOf(0x02), Buffer.alloc(0), [])]);
    plain.subs[0].value = new Uint8Array([1, 2, 3]);
    same(plain, 'a Uint8Array value');
    assert.ok(trees >= 400);
  });

  it('fails where the library fails (a node without value or subs)', () => {
    const tree = parse(Buffer.from('30050403616263', 'hex'));
    (tree.subs[0] as { value?: unknown }).value = undefined;
    assert.throws(() => library(tree), TypeError);
    assert.throws(() => fast(tree), TypeError);
    (tree.subs[0] as { subs?: unknown }).subs = undefined;
    assert.throws(() => library(tree), TypeError);
    assert.throws(() => fast(tree), TypeError);
  });

  it('is installed on ASN1Obj.prototype only while the library looks as expected, and can be taken off', () => {
    const before = proto.toDER;
    try {
      restoreLibraryDER();
      assert.equal(proto.toDER, libraryToDER);
      assert.equal(installFastDER(), true);
      assert.equal(proto.toDER, encodeDER);
      assert.equal(installFastDER(), true, 'idempotent');
      const der = Buffer.from('3006020105020106', 'hex');
      assert.ok(ASN1Obj.parseBuffer(der).toDER().equals(der));
      restoreLibraryDER();
      assert.equal(proto.toDER, libraryToDER);
      // Someone else's encoder (say a future library version's): left alone.
      const other = function (this: ASN1Obj) {
        return libraryToDER.call(this);
      };
      proto.toDER = other;
      assert.equal(installFastDER(), false);
      assert.equal(proto.toDER, other);
    } finally {
      proto.toDER = before;
    }
  });
});
