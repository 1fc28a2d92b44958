/**
 * The messages between ./verify-pool.ts (the calling thread) and ./sigstore-worker.ts (a worker thread), and
 * the trust context as it crosses: postMessage copies with the structured clone algorithm, which would turn the
 * trusted root's Buffers into plain Uint8Arrays (no `.equals`) and fails on anything not cloneable. So the root
 * travels as its protobuf JSON (what `trusted_root.json` holds) and the registry keys as their plain fields;
 * the worker rebuilds the context once per id and keeps its own Verifier for it.
 */
import { TrustedRoot } from '@sigstore/protobuf-specs';
import type { ProvenanceVerdict } from '../../core/trust/types';
import type { AttestationInput } from './attestation-check';
import type { RegistryKey } from './registry-signatures';
import type { TrustContext, TrustRootSource } from './trust-root';

/** A trust context as plain, cloneable data. */
export interface WireTrust {
  source: TrustRootSource;
  /** `TrustedRoot.toJSON` of the context's root. */
  trustedRoot: unknown;
  registryKeys: RegistryKey[];
  note?: string;
}

export type ToWorker =
  /** The trust context `id` stands for from now on (sent once per context and worker). */
  | { type: 'trust'; id: number; trust: WireTrust }
  /** The context `id` is gone on the calling side: no job will name it again. */
  | { type: 'forget'; id: number }
  | { type: 'verify'; job: number; trust: number; input: AttestationInput }
  /** Every caller of job `job` has gone: drop it if it is queued, stop it between bundles if it runs. */
  | { type: 'cancel'; job: number };

export type FromWorker =
  /** Loaded and listening (sent once, first), with which speed-ups (./speedups.ts) are installed. */
  | { type: 'ready'; speedups?: { fastDER: boolean; cryptoMemo: boolean } }
  | { type: 'verdict'; job: number; verdict: ProvenanceVerdict }
  /** The worker cannot verify this job (its trust context did not arrive or not rebuild): verify it elsewhere. */
  | { type: 'unable'; job: number; reason: string };

/** Roots already turned into JSON (a TrustedRoot is shared by the contexts made from it, e.g. one per registry). */
const rootJSON = new WeakMap<TrustedRoot, unknown>();

export function trustToWire(trust: TrustContext): WireTrust {
  let root = rootJSON.get(trust.trustedRoot);
  if (root === undefined) {
    root = TrustedRoot.toJSON(trust.trustedRoot);
    rootJSON.set(trust.trustedRoot, root);
  }
  // The known fields only (a caller's key objects may carry more, not necessarily cloneable), as present.
  const keys = trust.registryKeys.map((k) => pick(k, KEY_FIELDS));
  return { source: trust.source, trustedRoot: root, registryKeys: keys, ...pick(trust, ['note']) };
}

export function trustFromWire(wire: WireTrust): TrustContext {
  return { source: wire.source, trustedRoot: TrustedRoot.fromJSON(wire.trustedRoot), registryKeys: wire.registryKeys, ...pick(wire, ['note']) };
}

const KEY_FIELDS = ['keyid', 'key', 'usage', 'validFrom', 'expires', 'keytype', 'scheme'] as const satisfies readonly (keyof RegistryKey)[];

function pick<T extends object, K extends keyof T>(o: T, fields: readonly K[]): Pick<T, K> {
  return Object.fromEntries(fields.filter((f) => Object.hasOwn(o, f)).map((f) => [f, o[f]])) as Pick<T, K>;
}
