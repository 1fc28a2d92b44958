import type { DiskCache } from '../disk-cache';
import { isAbort } from '../errors';
import { type RegistryKey, parseNpmKeysResponse } from '../sigstore/registry-signatures';
import type { RegistryHttp } from './http';

export type RegistryKeysSource = Map<string, RegistryKey[]>;

const NAMESPACE = 'registry-keys-v1';
const TTL_MS = 24 * 3600_000;

/**
 * Each registry's signing keys from `/-/npm/v1/keys` (cached a day). A registry that answers 404 publishes
 * no keys: its packages cannot be "missing" a signature. Errors leave the registry without keys (unknown).
 */
export async function loadRegistryKeys(
  http: RegistryHttp,
  cache: DiskCache | undefined,
  registries: string[],
  opts: { offline?: boolean; signal?: AbortSignal },
): Promise<RegistryKeysSource> {
  const out: RegistryKeysSource = new Map();
  await Promise.all(
    registries.map(async (registry) => {
      const cached = await cache?.get<RegistryKey[]>(NAMESPACE, registry);
      if (cached && (opts.offline || Date.now() - Date.parse(cached.storedAt) < TTL_MS)) {
        out.set(registry, cached.value);
        return;
      }
      if (opts.offline) return;
      try {
        const res = await http.request(`${registry}-/npm/v1/keys`, { signal: opts.signal, registry, urgent: true });
        if (res.status !== 200) {
          out.set(registry, []);
          return;
        }
        const keys = parseNpmKeysResponse(JSON.parse(res.body.toString('utf8')));
        out.set(registry, keys);
        cache?.put(NAMESPACE, { key: registry, storedAt: new Date().toISOString(), value: keys });
      } catch (e) {
        if (isAbort(e, opts.signal)) throw e;
      }
    }),
  );
  return out;
}
