/**
 * A faster DER encoder for @sigstore/core's parsed ASN.1 trees (`ASN1Obj`), installed in place of the library's
 * `ASN1Obj.prototype.toDER` by ./speedups.ts.
 *
 * Why: verifying a Fulcio-signed bundle re-encodes certificate trees many times over (the TBS certificate for
 * every chain signature, `publicKey` = the SubjectPublicKeyInfo, `equals` = both whole certificates, the TBS of
 * a clone without its SCT extension, `clone` itself). The library's encoder encodes every node recursively into
 * two fresh ByteStreams of its own, each grown by zero-filled 1 KB `Buffer.alloc` blocks and copied upwards
 * level by level. In a CPU profile of a 1,793-package cold scan (266 attestation responses) that was 1.0–1.2 s
 * of the verification worker's ~2.8 s, mostly allocation and GC. This encoder measures the tree once (content
 * lengths bottom-up, in pre-order into one array) and then writes it once into one `Buffer.allocUnsafe` of the
 * exact size. Encoding a real Fulcio leaf certificate (927 bytes, 77 nodes) takes ~4 µs instead of
 * ~300–500 µs (a scratch benchmark on this machine; test/engine/sigstore/fast-der.test.ts checks the output).
 *
 * It is output-identical: the same bytes as the library's encoder for every tree, including trees that were
 * edited after parsing (the library clones a certificate and removes its SCT extension before re-encoding it),
 * so it keeps nothing between calls and caches nothing on the nodes. Like the library it encodes
 * tag byte (`tag.toDER()`, stored as a byte), then the definite length (short form below 128, else the minimal
 * big-endian long form), then the concatenated encodings of `subs` if there are any, else the bytes of `value`;
 * a sub whose `toDER` is not this function (nothing in the library, but possible) is asked for its own encoding.
 * The tests compare it with the library's encoder on every certificate and DER structure in the real Sigstore
 * fixtures, on edited trees and on generated ones.
 */
import { ASN1Obj } from '@sigstore/core';

/** The shape of an `ASN1Obj` that the encoder relies on. */
interface Node {
  tag: { toDER(): number };
  value: Uint8Array;
  subs: Node[];
  toDER(): Uint8Array;
}

/** The library's own encoder, as it was when this module loaded (tests compare with it; see also restoreLibraryDER). */
export const libraryToDER: () => Buffer = ASN1Obj.prototype.toDER;

/** State of one encoding: the content length of every encoded node in pre-order, and foreign subs' encodings. */
interface Plan {
  lengths: number[];
  next: number;
  foreign: Uint8Array[];
  nextForeign: number;
}

/** Encodes `this` (an ASN1Obj) as DER: the same bytes as the library's `toDER`. */
export function encodeDER(this: Node): Buffer {
  const plan: Plan = { lengths: [], next: 0, foreign: [], nextForeign: 0 };
  const size = measure(this, plan);
  const out = Buffer.allocUnsafe(size);
  // Every byte is written exactly once, front to back; if the tree changed under us (it cannot: nothing here
  // runs foreign code that could edit it, but a tag's toDER is called), nothing uninitialised must get out.
  if (write(this, out, 0, plan) !== size) return libraryToDER.call(this) as Buffer;
  return out;
}

/** The length of `node`'s encoding; records its content length (and foreign subs' encodings) in `plan`. */
function measure(node: Node, plan: Plan): number {
  const slot = plan.lengths.length;
  plan.lengths.push(0);
  const subs = node.subs;
  let content = 0;
  if (subs.length > 0) {
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i];
      if (sub.toDER === encodeDER) {
        content += measure(sub, plan);
      } else {
        const der = sub.toDER();
        plan.foreign.push(der);
        content += der.length;
      }
    }
  } else {
    content = node.value.length;
  }
  plan.lengths[slot] = content;
  return 1 + lengthOfLength(content) + content;
}

/** Writes `node`'s encoding at `pos`, taking lengths from `plan` in the order `measure` recorded them; returns the end. */
function write(node: Node, out: Buffer, pos: number, plan: Plan): number {
  const content = plan.lengths[plan.next++];
  out[pos++] = node.tag.toDER();
  if (content < 0x80) {
    out[pos++] = content;
  } else {
    const bytes = lengthOfLength(content) - 1;
    out[pos++] = 0x80 | bytes;
    let rest = content;
    for (let i = pos + bytes - 1; i >= pos; i--) {
      out[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    pos += bytes;
  }
  const subs = node.subs;
  if (subs.length > 0) {
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i];
      if (sub.toDER === encodeDER) {
        pos = write(sub, out, pos, plan);
      } else {
        const der = plan.foreign[plan.nextForeign++];
        out.set(der, pos);
        pos += der.length;
      }
    }
  } else {
    out.set(node.value, pos);
    pos += node.value.length;
  }
  return pos;
}

/** Bytes of a DER definite length: 1 below 128, else 1 + the bytes of the big-endian number. */
function lengthOfLength(length: number): number {
  if (length < 0x80) return 1;
  let bytes = 1;
  for (let rest = Math.floor(length / 256); rest > 0; rest = Math.floor(rest / 256)) bytes++;
  return 1 + bytes;
}

/**
 * A small DER structure that exercises what the encoder relies on: constructed and primitive nodes, an OCTET
 * STRING the parser opens into subs, short and long lengths. SEQUENCE { INTEGER 5, OCTET STRING { SEQUENCE {
 * NULL } }, [0] { UTF8String of 200 bytes } }.
 */
function probe(): Buffer<ArrayBuffer> {
  const text = Buffer.alloc(200, 0x61);
  const utf8 = Buffer.concat([Buffer.from([0x0c, 0x81, 200]), text]);
  const ctx = Buffer.concat([Buffer.from([0xa0, 0x81, utf8.length]), utf8]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x05, 0x04, 0x04, 0x30, 0x02, 0x05, 0x00]), ctx]);
  return Buffer.concat([Buffer.from([0x30, 0x81, body.length]), body]);
}

/**
 * Whether the library looks as this encoder expects: `ASN1Obj.parseBuffer` gives nodes with `tag` (whose
 * `toDER()` is a number), `value` (bytes) and `subs` (an array), and its encoder and this one both give back
 * the bytes of a probe structure.
 */
function libraryAsExpected(): boolean {
  try {
    const proto = ASN1Obj.prototype as unknown as Record<string, unknown>;
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'toDER');
    if (!descriptor || typeof descriptor.value !== 'function' || !descriptor.writable) return false;
    if (typeof ASN1Obj.parseBuffer !== 'function') return false;
    const der = probe();
    const tree = ASN1Obj.parseBuffer(der) as unknown as Node;
    const shaped = (n: Node): boolean =>
      typeof n.tag?.toDER === 'function' && typeof n.tag.toDER() === 'number' && n.value instanceof Uint8Array && Array.isArray(n.subs) && n.subs.every(shaped);
    if (!shaped(tree) || tree.subs.length !== 3 || tree.subs[1].subs.length !== 1) return false;
    return der.equals(libraryToDER.call(tree)) && der.equals(encodeDER.call(tree));
  } catch {
    return false;
  }
}

/**
 * Puts the encoder on `ASN1Obj.prototype` if the library looks as expected (else leaves it alone and returns
 * false). Idempotent.
 */
export function installFastDER(): boolean {
  if (ASN1Obj.prototype.toDER === (encodeDER as unknown)) return true;
  if (ASN1Obj.prototype.toDER !== libraryToDER || !libraryAsExpected()) return false;
  Object.defineProperty(ASN1Obj.prototype, 'toDER', { value: encodeDER, writable: true, configurable: true, enumerable: false });
  return true;
}

/** Puts the library's own encoder back (tests compare verdicts with and without the fast one). */
export function restoreLibraryDER(): void {
  if (ASN1Obj.prototype.toDER === (encodeDER as unknown)) {
    Object.defineProperty(ASN1Obj.prototype, 'toDER', { value: libraryToDER, writable: true, configurable: true, enumerable: false });
  }
}
