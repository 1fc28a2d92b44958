import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseNpmKeysResponse,
  parseRegistryKeys,
  parseTufRegistryKeys,
  verifyRegistrySignature,
  type RegistryKey,
} from '../../../src/engine/sigstore/registry-signatures';
import { requireSharedFixtures } from '../../support/fixtures';

const OLD_NPM_KEYID = 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA';

interface Signed {
  name: string;
  version: string;
  integrity: string;
  signatures: { keyid: string; sig: string }[];
  publishedAt?: string;
}

/** Every version with real `dist.signatures` in the shared packuments. */
function signedVersions(dir: string): Signed[] {
  const out: Signed[] = [];
  for (const file of ['has-package-exports.json', '@ljharb__has-package-exports-patterns.json', 'tweetnacl.json']) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const [version, v] of Object.entries<{ dist: { integrity: string; signatures?: Signed['signatures'] } }>(p.versions)) {
      if (v.dist.signatures) out.push({ name: p.name, version, integrity: v.dist.integrity, signatures: v.dist.signatures, publishedAt: p.time?.[version] });
    }
  }
  return out;
}

describe('registry signatures', () => {
  describe("real dist.signatures with npm's real keys", function () {
    let keys: RegistryKey[];
    let signed: Signed[];
    before(function () {
      const dir = requireSharedFixtures(this);
      keys = parseTufRegistryKeys(JSON.parse(fs.readFileSync(path.join(dir, 'sigstore/npm-registry-keys.tuf.json'), 'utf8')));
      signed = signedVersions(path.join(dir, 'packuments'));
    });

    it('parses the TUF keys.json with usages and windows', () => {
      assert.equal(keys.length, 4);
      const sig = keys.find((k) => k.keyid === OLD_NPM_KEYID && k.usage === 'npm:signatures')!;
      assert.equal(sig.validFrom, '1999-01-01T00:00:00.000Z');
      assert.equal(sig.expires, '2025-01-29T00:00:00.000Z');
      assert.equal(keys.find((k) => k.keyid === OLD_NPM_KEYID && k.usage === 'npm:attestations')!.validFrom, '2022-12-01T00:00:00.000Z');
    });

    it('verifies has-package-exports@1.3.0 and every other signed version', () => {
      const hpe = signed.find((s) => s.name === 'has-package-exports' && s.version === '1.3.0')!;
      assert.ok(hpe, 'has-package-exports@1.3.0 has dist.signatures');
      assert.ok(signed.length >= 3);
      for (const s of signed) {
        assert.deepEqual(verifyRegistrySignature(s, keys, s.publishedAt), { status: 'valid', keyid: OLD_NPM_KEYID }, `${s.name}@${s.version}`);
      }
    });

    it('rejects a changed integrity, version or name', () => {
      const s = signed.find((x) => x.name === 'has-package-exports' && x.version === '1.3.0')!;
      const otherIntegrity = signed.find((x) => x.integrity !== s.integrity)!.integrity;
      for (const changed of [
        { ...s, integrity: otherIntegrity },
        { ...s, version: '1.3.1' },
        { ...s, name: 'has-package-exportz' },
      ]) {
        const v = verifyRegistrySignature(changed, keys, s.publishedAt);
        assert.equal(v.status, 'invalid');
        assert.match(v.reason!, /does not match/);
      }
    });

    it('rejects a version published after its key expired, naming the window', () => {
      const s = signed[0];
      const v = verifyRegistrySignature(s, keys, '2025-06-01T00:00:00.000Z');
      assert.equal(v.status, 'invalid');
      assert.match(v.reason!, /was not valid when the version was published \(2025-06-01.*2025-01-29/);
    });

    it('says unknown, not valid, when the key has expired and the publish time is unknown', () => {
      const v = verifyRegistrySignature(signed[0], keys);
      assert.equal(v.status, 'unknown');
      assert.match(v.reason!, /expired 2025-01-29/);
    });

    it('rejects an unknown keyid and reports missing signatures', () => {
      const s = signed[0];
      const v = verifyRegistrySignature({ ...s, signatures: [{ ...s.signatures[0], keyid: 'SHA256:nope' }] }, keys, s.publishedAt);
      assert.equal(v.status, 'invalid');
      assert.match(v.reason!, /keyid SHA256:nope, which is not one of the registry's keys/);
      assert.equal(verifyRegistrySignature({ ...s, signatures: [] }, keys).status, 'missing');
      assert.equal(verifyRegistrySignature({ ...s, signatures: undefined }, keys).status, 'missing');
      assert.equal(verifyRegistrySignature(s, []).status, 'unknown');
    });

    it('does not let an attestation-only key check signatures', () => {
      const attestationOnly = keys.filter((k) => k.usage === 'npm:attestations');
      assert.equal(verifyRegistrySignature(signed[0], attestationOnly, signed[0].publishedAt).status, 'unknown');
    });
  });

  describe('generated keys', () => {
    const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const keysBody = { keys: [{ expires: null, keyid: 'SHA256:test', keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: der }] };
    const pkg = { name: '@scope/pkg', version: '2.0.0', integrity: `sha512-${crypto.createHash('sha512').update('tarball').digest('base64')}` };
    const sign = (text: string) => crypto.sign('sha256', Buffer.from(text), pair.privateKey).toString('base64');

    it('parses the /-/npm/v1/keys shape (and tells it from the TUF shape)', () => {
      const keys = parseNpmKeysResponse(keysBody);
      assert.deepEqual(keys, [{ keyid: 'SHA256:test', key: der, expires: null, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256' }]);
      assert.deepEqual(parseRegistryKeys(keysBody), keys);
      assert.deepEqual(parseRegistryKeys('garbage'), []);
      assert.deepEqual(parseRegistryKeys({ keys: [null, 1, { keyid: 'x' }] }), []);
    });

    it('signs and verifies', () => {
      const keys = parseRegistryKeys(keysBody);
      const signatures = [{ keyid: 'SHA256:test', sig: sign(`${pkg.name}@${pkg.version}:${pkg.integrity}`) }];
      assert.deepEqual(verifyRegistrySignature({ ...pkg, signatures }, keys), { status: 'valid', keyid: 'SHA256:test' });
      assert.equal(verifyRegistrySignature({ ...pkg, version: '2.0.1', signatures }, keys).status, 'invalid');
    });

    it("honours the keys endpoint's expires against the publish time", () => {
      const keys = parseRegistryKeys({ keys: [{ ...keysBody.keys[0], expires: '2024-01-01T00:00:00.000Z' }] });
      const signatures = [{ keyid: 'SHA256:test', sig: sign(`${pkg.name}@${pkg.version}:${pkg.integrity}`) }];
      assert.equal(verifyRegistrySignature({ ...pkg, signatures }, keys, '2023-12-31T00:00:00.000Z').status, 'valid');
      const late = verifyRegistrySignature({ ...pkg, signatures }, keys, '2024-02-01T00:00:00.000Z');
      assert.equal(late.status, 'invalid');
      assert.match(late.reason!, /not valid when the version was published/);
    });

    it('never throws on garbage signatures', () => {
      const keys = parseRegistryKeys(keysBody);
      for (const signatures of [[null], [{}], [{ keyid: 'SHA256:test', sig: '!!!' }], [{ keyid: 'SHA256:test', sig: 'AAAA' }], 'x']) {
        const v = verifyRegistrySignature({ ...pkg, signatures }, keys);
        assert.ok(['invalid', 'missing'].includes(v.status), JSON.stringify(signatures));
      }
    });
  });
});
