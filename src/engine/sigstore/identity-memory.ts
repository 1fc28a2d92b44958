import { type IdentityRecord, mergeIdentities, validIdentities } from '../../core/trust/identity-history';
import type { DiskCache } from '../infra/disk-cache';

const NAMESPACE = 'workflow-identities-v1';
const NONE: readonly IdentityRecord[] = Object.freeze([]);

/**
 * The workflow identities (trigger, runner, approver) of the releases whose provenance TrustLens verified, remembered
 * per package (registry URL + name) in memory and in the disk cache, so the memory grows as releases are verified
 * across checks and runs. Only the engine writes it, and only identities of verified provenance that raised no
 * identity finding: a release flagged for its identity never becomes part of the history that would excuse the next.
 *
 * `get` hands out the same array while nothing was added (the evaluation memo keys on its identity). A lost or
 * unreadable entry only means less history: a change is then compared with the baseline release alone, as before.
 */
export class IdentityMemory {
  private readonly known = new Map<string, Promise<readonly IdentityRecord[]>>();

  constructor(private readonly cache: DiskCache | undefined) {}

  get(registry: string, name: string): Promise<readonly IdentityRecord[]> {
    const key = `${registry}${name}`;
    let p = this.known.get(key);
    if (!p) {
      p = this.cache
        ? this.cache.get<unknown>(NAMESPACE, key).then(
            (e) => (e ? Object.freeze(validIdentities(e.value)) : NONE),
            () => NONE,
          )
        : Promise.resolve(NONE);
      this.known.set(key, p);
    }
    return p;
  }

  /** Adds records (one after another per package); stored in the background (the disk cache's `flush` waits for it). */
  remember(registry: string, name: string, records: readonly IdentityRecord[]): Promise<void> {
    if (!records.length) return Promise.resolve();
    const key = `${registry}${name}`;
    const next = this.get(registry, name).then((current) => {
      const merged = mergeIdentities(current, records);
      if (merged === current) return current;
      this.cache?.put(NAMESPACE, { key, storedAt: new Date().toISOString(), value: merged });
      return Object.freeze(merged);
    });
    this.known.set(key, next);
    return next.then(() => undefined);
  }
}
