/**
 * Memoised public keys and signature checks for @sigstore/core's crypto module (`crypto.createPublicKey` and
 * `crypto.verify`), installed in place of the module's exports by ./speedups.ts.
 *
 * Why: every Fulcio-signed bundle makes the library parse the same few trusted-root CA keys again
 * (`X509Certificate.verify(issuer)` calls `createPublicKey(issuer.publicKey)` while it builds and checks the
 * chain) and check the same intermediate→root and root self-signatures again (ECDSA P-384: the chain is the
 * same for every bundle of a CA). In the profile of a 1,793-package cold scan `createPublicKey` was ~250 ms and
 * signature checks ~320 ms of the verification worker's ~2.8 s.
 *
 * Why it is sound: both are pure functions of their arguments' bytes. A KeyObject is immutable, so the same
 * one can be handed out for the same key bytes; a signature check gives the same answer for the same data,
 * key, signature and algorithm. The memos are keyed by those exact bytes (not by a digest of them; a key by
 * the exact text or bytes it was made from, or by its SPKI DER), bounded (least recently used entries go), and
 * hold nothing else. Calls they do not understand go to the library.
 *
 * How the library reaches them: its modules call `crypto.createPublicKey(...)` and `crypto.verify(...)` as
 * property lookups on the crypto module's exports object (`core_1.crypto.verify` in @sigstore/verify, a
 * namespace import in @sigstore/core's x509 code), also inside esbuild's bundles, so replacing the exports
 * replaces what they call. `cryptoMemoStats` counts hits; the tests check that verification reaches them.
 */
import { KeyObject } from 'node:crypto';
import { crypto as sigstoreCrypto } from '@sigstore/core';

type CreatePublicKey = (key: string | Buffer, type?: 'spki' | 'pkcs1') => KeyObject;
type Verify = (data: Buffer, key: unknown, signature: Buffer, algorithm?: string) => boolean;

/** The module object the library calls through (its exports are plain writable properties). */
const cryptoModule = sigstoreCrypto as unknown as { createPublicKey: CreatePublicKey; verify: Verify };

/** The library's functions as they were when this module loaded. */
export const libraryCreatePublicKey: CreatePublicKey = cryptoModule.createPublicKey;
export const libraryVerify: Verify = cryptoModule.verify;

/** Parsed keys kept: a scan sees a handful of CA, log and registry keys and one leaf key per bundle. */
const MAX_KEYS = 1000;
/**
 * Signature checks kept: the ones that repeat are the few CA chain links (intermediate → root, the root's own),
 * used by every Fulcio bundle and so always recently used; each bundle adds ~4 that never repeat.
 */
const MAX_CHECKS = 64;
/** Data longer than this is not kept (provenance DSSE payloads; a CA certificate's TBS is well under 1 KB). */
const MAX_CHECKED_BYTES = 4096;

/** A Map that forgets its least recently used entry beyond `max`. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  clear(): void {
    this.map.clear();
  }
  get size(): number {
    return this.map.size;
  }
}

const keys = new Lru<KeyObject>(MAX_KEYS);
const checks = new Lru<boolean>(MAX_CHECKS);
/**
 * What identifies a key in the signature-check memo: for a key that memoCreatePublicKey made, `m` + the text it
 * was made from (one key per text, so no export is needed: the leaf key of every bundle is new); for others,
 * `d` + its SPKI DER exported once. The same key reached both ways just misses the memo.
 */
const keyIdentity = new WeakMap<KeyObject, string>();
const stats = { keyHits: 0, keyMisses: 0, checkHits: 0, checkMisses: 0 };

const bytes = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** `createPublicKey` of @sigstore/core, memoised by the exact key text or bytes and type. */
export function memoCreatePublicKey(key: string | Buffer, type?: 'spki' | 'pkcs1'): KeyObject {
  if (type !== undefined && typeof type !== 'string') return libraryCreatePublicKey(key, type);
  let id: string;
  if (typeof key === 'string') id = `${type ?? 'spki'}:s:${key}`;
  else if (key instanceof Uint8Array) id = `${type ?? 'spki'}:b:${bytes(key)}`;
  else return libraryCreatePublicKey(key, type);
  const known = keys.get(id);
  if (known) {
    stats.keyHits++;
    return known;
  }
  stats.keyMisses++;
  const created = libraryCreatePublicKey(key, type); // throws for bad keys: not kept
  keys.set(id, created);
  keyIdentity.set(created, `m${id}`);
  return created;
}

/** `verify` of @sigstore/core, memoised by the exact bytes of data, public key and signature, and the algorithm. */
export function memoVerify(data: Buffer, key: unknown, signature: Buffer, algorithm?: string): boolean {
  const k =
    data instanceof Uint8Array &&
    signature instanceof Uint8Array &&
    data.length <= MAX_CHECKED_BYTES &&
    (algorithm === undefined || typeof algorithm === 'string')
      ? identityOf(key)
      : undefined;
  if (k === undefined) return libraryVerify(data, key, signature, algorithm);
  // Lengths first, then the fields, then the algorithm: no two argument lists give the same text.
  const id = `${k.length}:${signature.length}:${data.length}:${k}${bytes(signature)}${bytes(data)}${algorithm === undefined ? '-' : `+${algorithm}`}`;
  const known = checks.get(id);
  if (known !== undefined) {
    stats.checkHits++;
    return known;
  }
  stats.checkMisses++;
  const result = libraryVerify(data, key, signature, algorithm);
  checks.set(id, result);
  return result;
}

/** What identifies a public KeyObject's key (see keyIdentity), else undefined (such calls are not memoised). */
function identityOf(key: unknown): string | undefined {
  if (!(key instanceof KeyObject) || key.type !== 'public') return undefined;
  let text = keyIdentity.get(key);
  if (text === undefined) {
    try {
      text = `d${key.export({ type: 'spki', format: 'der' }).toString('latin1')}`;
    } catch {
      return undefined;
    }
    keyIdentity.set(key, text);
  }
  return text;
}

/**
 * Replaces @sigstore/core's `crypto.createPublicKey` and `crypto.verify` with the memoised ones if they are
 * still the library's functions (else leaves them alone and returns false). Idempotent.
 */
export function installCryptoMemo(): boolean {
  if (cryptoModule.createPublicKey === memoCreatePublicKey && cryptoModule.verify === memoVerify) return true;
  if (cryptoModule.createPublicKey !== libraryCreatePublicKey || cryptoModule.verify !== libraryVerify) return false;
  if (typeof libraryCreatePublicKey !== 'function' || typeof libraryVerify !== 'function') return false;
  try {
    cryptoModule.createPublicKey = memoCreatePublicKey;
    cryptoModule.verify = memoVerify;
  } catch {
    // Not writable after all: leave the library as it was.
    restoreLibraryCrypto();
    return false;
  }
  return cryptoModule.createPublicKey === memoCreatePublicKey && cryptoModule.verify === memoVerify;
}

/** Puts the library's functions back and forgets what the memos hold (tests compare with and without them). */
export function restoreLibraryCrypto(): void {
  try {
    if (cryptoModule.createPublicKey === memoCreatePublicKey) cryptoModule.createPublicKey = libraryCreatePublicKey;
    if (cryptoModule.verify === memoVerify) cryptoModule.verify = libraryVerify;
  } catch {
    // nothing was replaced
  }
  keys.clear();
  checks.clear();
}

/** How often the memos answered (hits) or asked the library (misses), and what they hold. */
export function cryptoMemoStats(): { keyHits: number; keyMisses: number; checkHits: number; checkMisses: number; keys: number; checks: number } {
  return { ...stats, keys: keys.size, checks: checks.size };
}
