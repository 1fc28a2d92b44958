/**
 * npm registry signatures: the registry signs `${name}@${version}:${integrity}` with an ECDSA P-256 key
 * (SHA-256) and puts the result in `dist.signatures`. Keys come from `/-/npm/v1/keys` or from the TUF
 * target `registry.npmjs.org/keys.json` (which also says what each key is for and when it was valid).
 */
import * as crypto from 'node:crypto';
import type { SignatureVerdict } from '../../core/trust/types';

export type RegistryKeyUsage = 'npm:signatures' | 'npm:attestations';

/** One of a registry's public keys. */
export interface RegistryKey {
  /** e.g. `SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA`. */
  keyid: string;
  /** Base64 DER SubjectPublicKeyInfo. */
  key: string;
  /** What the key signs. Absent (the `/-/npm/v1/keys` endpoint does not say) means both. */
  usage?: RegistryKeyUsage;
  /** ISO-8601 start of the key's validity (TUF `validFor.start`). */
  validFrom?: string;
  /** ISO-8601 end of the key's validity; absent or null while it is current. */
  expires?: string | null;
  keytype?: string;
  scheme?: string;
}

export interface RegistrySignatureInput {
  name: string;
  version: string;
  /** `dist.integrity` exactly as the registry serves it. */
  integrity: string;
  /** `dist.signatures`. */
  signatures?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Keys from the body of `GET /-/npm/v1/keys`: `{ keys: [{ expires, keyid, keytype, scheme, key }] }`. */
export function parseNpmKeysResponse(body: unknown): RegistryKey[] {
  const keys = isRecord(body) && Array.isArray(body.keys) ? body.keys : [];
  const out: RegistryKey[] = [];
  for (const k of keys) {
    if (!isRecord(k) || !str(k.keyid) || !str(k.key)) continue;
    out.push({ keyid: str(k.keyid)!, key: str(k.key)!, expires: str(k.expires) ?? null, keytype: str(k.keytype), scheme: str(k.scheme) });
  }
  return out;
}

/** Keys from the TUF target `registry.npmjs.org/keys.json`: `{ keys: [{ keyId, keyUsage, publicKey: { rawBytes, keyDetails, validFor } }] }`. */
export function parseTufRegistryKeys(body: unknown): RegistryKey[] {
  const keys = isRecord(body) && Array.isArray(body.keys) ? body.keys : [];
  const out: RegistryKey[] = [];
  for (const k of keys) {
    if (!isRecord(k) || !str(k.keyId) || !isRecord(k.publicKey) || !str(k.publicKey.rawBytes)) continue;
    const usage = k.keyUsage === 'npm:signatures' || k.keyUsage === 'npm:attestations' ? k.keyUsage : undefined;
    if (!usage) continue; // a key for something else must not sign packages
    const validFor = isRecord(k.publicKey.validFor) ? k.publicKey.validFor : {};
    out.push({
      keyid: str(k.keyId)!,
      key: str(k.publicKey.rawBytes)!,
      usage,
      validFrom: str(validFor.start),
      expires: str(validFor.end) ?? null,
      keytype: str(k.publicKey.keyDetails),
    });
  }
  return out;
}

/** Either shape above, told apart by its field names; also accepts an already parsed `RegistryKey[]`. */
export function parseRegistryKeys(body: unknown): RegistryKey[] {
  if (Array.isArray(body)) return body.filter((k): k is RegistryKey => isRecord(k) && !!str(k.keyid) && !!str(k.key));
  const first = isRecord(body) && Array.isArray(body.keys) ? body.keys[0] : undefined;
  return isRecord(first) && 'keyId' in first ? parseTufRegistryKeys(body) : parseNpmKeysResponse(body);
}

/** The keys that may sign `usage` (keys without a stated usage may sign anything). */
export function keysFor(keys: readonly RegistryKey[], usage: RegistryKeyUsage): RegistryKey[] {
  return keys.filter((k) => !k.usage || k.usage === usage);
}

/** Whether `time` (ms) falls inside the key's validity window. */
export function keyValidAt(key: RegistryKey, time: number): boolean {
  const start = key.validFrom ? Date.parse(key.validFrom) : -Infinity;
  const end = key.expires ? Date.parse(key.expires) : Infinity;
  return !(time < start) && !(time > end);
}

/** A Node public key for the registry key, or undefined when its bytes are not a key. */
export function registryPublicKey(key: RegistryKey): crypto.KeyObject | undefined {
  // createPublicKey parses DER synchronously; a scan checks thousands of signatures against one or two keys.
  if (publicKeys.has(key.key)) return publicKeys.get(key.key);
  let pub: crypto.KeyObject | undefined;
  try {
    pub = crypto.createPublicKey({ key: Buffer.from(key.key, 'base64'), format: 'der', type: 'spki' });
  } catch {
    pub = undefined;
  }
  if (publicKeys.size >= 64) publicKeys.clear();
  publicKeys.set(key.key, pub);
  return pub;
}

/** Parsed keys by their base64 text (bounded: registries have a handful). */
const publicKeys = new Map<string, crypto.KeyObject | undefined>();

const window = (k: RegistryKey) => `${k.validFrom ?? 'the beginning'} to ${k.expires ?? 'now'}`;

/**
 * Checks `dist.signatures` against the registry's keys. Every signature must verify with the key its keyid
 * names, and that key must have been valid when the version was published (`publishedAt`, ISO-8601; pass it
 * only when the publish time is trustworthy). Without `publishedAt`, a signature by a key that has since
 * expired is 'unknown' rather than 'valid'.
 */
export function verifyRegistrySignature(input: RegistrySignatureInput, keys: readonly RegistryKey[], publishedAt?: string): SignatureVerdict {
  const candidates = keysFor(keys, 'npm:signatures');
  const sigs = Array.isArray(input.signatures) ? input.signatures : [];
  if (candidates.length === 0) return { status: 'unknown', reason: 'no registry signing keys to check the signature against' };
  if (sigs.length === 0) return { status: 'missing', reason: 'the version carries no registry signature although the registry publishes signing keys' };

  const message = Buffer.from(`${input.name}@${input.version}:${input.integrity}`, 'utf8');
  const published = publishedAt ? Date.parse(publishedAt) : NaN;
  let verdict: SignatureVerdict | undefined;
  let unknown: SignatureVerdict | undefined;
  for (const sig of sigs) {
    const keyid = isRecord(sig) ? str(sig.keyid) : undefined;
    const value = isRecord(sig) ? str(sig.sig) : undefined;
    if (!keyid || !value) return { status: 'invalid', reason: 'malformed entry in dist.signatures (needs keyid and sig)' };
    const matching = candidates.filter((k) => k.keyid === keyid);
    if (matching.length === 0) return { status: 'invalid', keyid, reason: `signed with keyid ${keyid}, which is not one of the registry's keys` };

    const inWindow = Number.isNaN(published) ? matching : matching.filter((k) => keyValidAt(k, published));
    if (inWindow.length === 0) {
      return {
        status: 'invalid',
        keyid,
        reason: `key ${keyid} was not valid when the version was published (${publishedAt}); it is valid from ${matching.map(window).join(', ')}`,
      };
    }
    const ok = inWindow.find((k) => {
      const pub = registryPublicKey(k);
      try {
        return !!pub && crypto.verify('sha256', message, pub, Buffer.from(value, 'base64'));
      } catch {
        return false;
      }
    });
    if (!ok) return { status: 'invalid', keyid, reason: `signature by ${keyid} does not match "${message.toString()}"` };
    if (Number.isNaN(published) && ok.expires && Date.parse(ok.expires) < Date.now()) {
      unknown ??= { status: 'unknown', keyid, reason: `signature matches, but key ${keyid} expired ${ok.expires} and the publish time is unknown` };
    }
    verdict ??= { status: 'valid', keyid };
  }
  return unknown ?? verdict!;
}
