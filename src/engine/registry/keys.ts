import type { DiskCache } from '../infra/disk-cache';
import { EngineError, isAbort } from '../infra/errors';
import { type RegistryKey, parseNpmKeysResponse } from '../sigstore/registry-signatures';
import { type RegistryHttp, safeMessage, safeUrl } from './http';

const NAMESPACE = 'registry-keys-v1';
const TTL_MS = 24 * 3600_000;

/**
 * A registry's signing keys from `/-/npm/v1/keys`. Only a 404 means the registry publishes no keys ([]): its
 * packages cannot then be "missing" a signature. Any other failure (an error status, a body that is not the key
 * list, the network) rejects with an EngineError: the keys are unknown, and so is every signature of the registry.
 * Only a non-empty key list is cached (a day): a failed or empty answer must not switch signature checks off for
 * later scans.
 */
export async function loadRegistryKeys(
  http: RegistryHttp,
  cache: DiskCache | undefined,
  registry: string,
  opts: { offline?: boolean; signal?: AbortSignal },
): Promise<RegistryKey[]> {
  const cached = await cache?.get<RegistryKey[]>(NAMESPACE, registry);
  if (cached?.value?.length && (opts.offline || Date.now() - Date.parse(cached.storedAt) < TTL_MS)) return cached.value;
  const url = `${registry}-/npm/v1/keys`;
  if (opts.offline) throw new EngineError('offline-miss', `the signing keys of ${safeUrl(registry)} are not in the cache and offline mode forbids asking`);
  let res: Awaited<ReturnType<RegistryHttp['request']>>;
  try {
    res = await http.request(url, { signal: opts.signal, registry, urgent: true });
  } catch (e) {
    if (isAbort(e, opts.signal) || e instanceof EngineError) throw e;
    throw new EngineError('registry-unreachable', `${safeUrl(url)}: ${safeMessage(e)}`);
  }
  if (res.status === 404) return [];
  if (res.status !== 200) throw new EngineError('http-error', `${safeUrl(url)} answered ${res.status}`, res.status);
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new EngineError('bad-response', `${safeUrl(url)} did not return JSON`);
  }
  const keys = parseNpmKeysResponse(body);
  if (keys.length) cache?.put(NAMESPACE, { key: registry, storedAt: new Date().toISOString(), value: keys });
  return keys;
}
