/**
 * What Sigstore verification trusts: a trusted root (Fulcio CAs, Rekor and CT log keys) and npm's registry
 * keys. From Sigstore's TUF repository when it answers, else from the copy embedded in @sigstore/tuf
 * (its `seeds.json`), or from a root and keys the caller supplies (tests, private Sigstore instances).
 */
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { lazyModule } from '../../core/lazy-module';
import { parseRegistryKeys, parseTufRegistryKeys, type RegistryKey } from './registry-signatures';

/** Sigstore's TUF client (and its HTTP stack) loads only when the live root is asked for. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sigstoreTuf = lazyModule(() => require('@sigstore/tuf') as typeof import('@sigstore/tuf'));

export type TrustRootSource = 'tuf' | 'embedded' | 'custom';

export interface TrustContext {
  readonly source: TrustRootSource;
  readonly trustedRoot: TrustedRoot;
  /** npm's registry keys (signatures and attestations). */
  readonly registryKeys: readonly RegistryKey[];
  /** Why this source was used when it was a fallback, e.g. the TUF error. */
  readonly note?: string;
}

const FINGERPRINTS = new WeakMap<TrustContext, string>();

/**
 * A short hash of everything a verdict made with `t` depends on: the trusted root (CAs, logs) and the registry keys.
 * Cached verdicts carry it in their key, so one made under a custom or older root is never reused under another.
 */
export function trustFingerprint(t: TrustContext): string {
  let f = FINGERPRINTS.get(t);
  if (!f) {
    const root = TrustedRoot.toJSON(t.trustedRoot);
    const keys = [...t.registryKeys].map((k) => [k.keyid, k.key, k.usage ?? '', k.validFrom ?? '']).sort();
    f = createHash('sha256')
      .update(JSON.stringify([root, keys]))
      .digest('hex')
      .slice(0, 16);
    FINGERPRINTS.set(t, f);
  }
  return f;
}

export const TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
const TRUSTED_ROOT_TARGET = 'trusted_root.json';
const NPM_KEYS_TARGET = 'registry.npmjs.org/keys.json';

export interface TrustContextOptions {
  /** Where the TUF client keeps its metadata; default `<tmp>/trustlens-sigstore-tuf`. */
  cacheDir?: string;
  /** Give up on the TUF repository after this long (default 3000 ms); the embedded root is used instead. */
  timeoutMs?: number;
  /** Do not try the network at all. */
  offline?: boolean;
  /** The registry's keys (body of `/-/npm/v1/keys`, TUF keys.json, or `RegistryKey[]`); default: npm's keys from TUF. */
  registryKeys?: unknown;
}

/** Sigstore's TUF repository if it answers in time, else the embedded copy (with a `note` saying why). */
export async function createTrustContext(options: TrustContextOptions = {}): Promise<TrustContext> {
  const callerKeys = options.registryKeys === undefined ? undefined : parseRegistryKeys(options.registryKeys);
  if (options.offline) return embeddedTrustContext({ registryKeys: callerKeys, note: 'offline: using the trusted root embedded in @sigstore/tuf' });
  const timeoutMs = options.timeoutMs ?? 3000;
  try {
    const fetched = await withTimeout(fetchFromTuf(options.cacheDir ?? path.join(os.tmpdir(), 'trustlens-sigstore-tuf'), timeoutMs), timeoutMs);
    return { source: 'tuf', trustedRoot: fetched.root, registryKeys: callerKeys ?? fetched.keys };
  } catch (e) {
    const why = errorText(e);
    return embeddedTrustContext({
      registryKeys: callerKeys,
      note: `Sigstore's TUF repository is unreachable (${why}); using the trusted root embedded in @sigstore/tuf`,
    });
  }
}

/** The trusted root and npm keys that @sigstore/tuf ships in its `seeds.json` (as of that package's release). */
export function embeddedTrustContext(options: { registryKeys?: unknown; note?: string } = {}): TrustContext {
  const targets = embeddedTargets();
  const root = TrustedRoot.fromJSON(JSON.parse(targets[TRUSTED_ROOT_TARGET]));
  const keys =
    options.registryKeys === undefined
      ? parseTufRegistryKeys(JSON.parse(targets[encodeURIComponent(NPM_KEYS_TARGET)]))
      : parseRegistryKeys(options.registryKeys);
  return { source: 'embedded', trustedRoot: root, registryKeys: keys, note: options.note };
}

/** A caller's trusted root (the JSON of a `trusted_root.json`) and registry keys. Throws on a root without logs or CAs. */
export function customTrustContext(trustedRootJSON: unknown, registryKeys: unknown = []): TrustContext {
  const root = TrustedRoot.fromJSON(trustedRootJSON);
  if (root.tlogs.length === 0) throw new Error('trusted root has no transparency logs');
  if (root.certificateAuthorities.length === 0) throw new Error('trusted root has no certificate authorities');
  return { source: 'custom', trustedRoot: root, registryKeys: parseRegistryKeys(registryKeys) };
}

type Seeds = Record<string, { 'root.json': string; targets: Record<string, string> }>;

/** The seed targets of the public-good TUF repository, decoded (file names are URL-encoded target names). */
function embeddedTargets(): Record<string, string> {
  // A static require so that esbuild bundles the JSON along with @sigstore/tuf.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const seeds = require('@sigstore/tuf/seeds.json') as Seeds;
  const seed = seeds[TUF_MIRROR];
  if (!seed) throw new Error(`@sigstore/tuf has no seed for ${TUF_MIRROR}`);
  return Object.fromEntries(Object.entries(seed.targets).map(([name, b64]) => [name, Buffer.from(b64, 'base64').toString('utf8')]));
}

async function fetchFromTuf(cachePath: string, timeout: number): Promise<{ root: TrustedRoot; keys: RegistryKey[] }> {
  const tuf = await sigstoreTuf().initTUF({ cachePath, mirrorURL: TUF_MIRROR, retry: { retries: 0 }, timeout });
  const [root, keys] = await Promise.all([tuf.getTarget(TRUSTED_ROOT_TARGET), tuf.getTarget(NPM_KEYS_TARGET)]);
  return { root: TrustedRoot.fromJSON(JSON.parse(root)), keys: parseTufRegistryKeys(JSON.parse(keys)) };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
}
