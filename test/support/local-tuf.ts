import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A TUF cache that Sigstore's TUF client (@sigstore/tuf, via tuf-js) accepts without any network: a tiny TUF
 * repository of our own — root, timestamp, snapshot and targets metadata, signed with a fresh ed25519 key over TUF's
 * canonical JSON — whose one target is a given `trusted_root.json`. Clients that verify Sigstore bundles with
 * `tufForceCache` (pacote's `verifyAttestations`, `npm audit signatures`) then use that trusted root offline,
 * through the real TUF client and its real signature checks.
 *
 * `dir` is what such a client takes as its TUF cache path (pacote: `tufCache`).
 */
export function writeLocalTufCache(dir: string, trustedRootJSON: unknown, mirrorURL = 'https://tuf-repo-cdn.sigstore.dev'): void {
  const url = new URL(mirrorURL);
  const repo = path.join(dir, encodeURIComponent(url.host + url.pathname.replace(/\/$/, '')));
  fs.mkdirSync(path.join(repo, 'targets'), { recursive: true });
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const key = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw.toString('hex') } };
  const keyid = crypto.createHash('sha256').update(canonical(key)).digest('hex');
  const expires = '2099-01-01T00:00:00Z';
  const common = { spec_version: '1.0.31', version: 1, expires };
  const role = { keyids: [keyid], threshold: 1 };
  const target = Buffer.from(JSON.stringify(trustedRootJSON));
  const write = (name: string, signed: object) => {
    const sig = crypto.sign(null, Buffer.from(canonical(signed)), privateKey).toString('hex');
    fs.writeFileSync(path.join(repo, `${name}.json`), JSON.stringify({ signed, signatures: [{ keyid, sig }] }));
  };
  write('root', {
    _type: 'root',
    ...common,
    consistent_snapshot: false,
    keys: { [keyid]: key },
    roles: { root: role, timestamp: role, snapshot: role, targets: role },
  });
  write('timestamp', { _type: 'timestamp', ...common, meta: { 'snapshot.json': { version: 1 } } });
  write('snapshot', { _type: 'snapshot', ...common, meta: { 'targets.json': { version: 1 } } });
  write('targets', {
    _type: 'targets',
    ...common,
    targets: { 'trusted_root.json': { length: target.length, hashes: { sha256: crypto.createHash('sha256').update(target).digest('hex') } } },
  });
  fs.writeFileSync(path.join(repo, 'targets', 'trusted_root.json'), target);
}

/** TUF's canonical JSON for plain data: keys sorted, no whitespace (strings here are ASCII). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
