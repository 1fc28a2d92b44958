import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAttestations } from '../../../src/engine/sigstore/verify-attestations';
import { customTrustContext, embeddedTrustContext, type TrustContext } from '../../../src/engine/sigstore/trust-root';
import { requireSharedFixtures } from '../../support/fixtures';

/** The registry's dist.integrity for a subject digest (hex sha512). */
const integrityOf = (hex: string) => `sha512-${Buffer.from(hex, 'hex').toString('base64')}`;

const REAL = [
  {
    file: 'npm-attestations-sigstore@1.0.0.json',
    name: 'sigstore',
    version: '1.0.0',
    sha512: '7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36',
    repository: 'https://github.com/sigstore/sigstore-js',
    ref: 'refs/tags/v1.0.0',
    commit: '06528997c3c8ab9f864fad9a3658446aca7fd86d',
    logIndex: '12988397',
  },
  {
    file: 'npm-attestations-tuf-js@1.0.0.json',
    name: 'tuf-js',
    version: '1.0.0',
    sha512: 'd5dc6c4301120f30022634dd607438c09d5ffe87fb8c02d629f2441d205651007fe544c9531f525ba1875e9e266752af7414490a91a3b2ca0f1468b886fc3cfc',
    repository: 'https://github.com/theupdateframework/tuf-js',
    ref: 'refs/tags/v1.0.0',
    commit: '99624cc7ce39872e6bd08a0df59229a48562dbca',
    logIndex: '12987347',
  },
  {
    file: 'sigstore@0.4.0.valid-attestations.json',
    name: 'sigstore',
    version: '0.4.0',
    sha512: '282c0c5fa936d264321643581b65d3de5c0af6ed4fdfac12f5851115df39cc25cfaf0ad22d908487bfef30114d61c25746206d1834be4f8fd1659178f77cc004',
    repository: 'https://github.com/sigstore/sigstore-js',
    ref: 'refs/tags/v0.4.0',
    commit: '8a2ee2fd20dda58ffa4a8d808a65cb1e04711c03',
    logIndex: '10960845',
  },
];

/** What each tampered sigstore@0.4.0 variant must be rejected for. */
const TAMPERED: Record<string, RegExp> = {
  invalid: /bundle 2 of 2 \(npm publish attestation\): Sigstore verification failed: TLOG_BODY_ERROR/,
  'malformed-subject': /bundle 2 of 2 \(npm publish attestation\): Sigstore verification failed/,
  'mismatched-keyid': /bundle 1 of 2 \(SLSA provenance v0.2\): DSSE signature names keyid JXkT/,
  'mismatched-subject-digest': /bundle 2 of 2 .*verification failed: TLOG_BODY_ERROR: DSSE payload hash mismatch/,
  'mismatched-subject-name': /bundle 2 of 2 .*verification failed: TLOG_BODY_ERROR: DSSE payload hash mismatch/,
  'no-keyid': /bundle 1 of 2 .*verification failed.*bundle 2 of 2 .*keyid "" differs from the bundle's key hint/,
  unsupported: /bundle 2 of 2 .*verification failed: SIGNATURE_ERROR/,
};

describe('npm attestations: real public-good bundles', function () {
  let dir: string;
  let rootJSON: unknown;
  let keysJSON: unknown;
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  /** A fresh context per check: verdicts are cached per context by (name, version, integrity). */
  const realTrust = (): TrustContext => customTrustContext(rootJSON, keysJSON);

  before(function () {
    dir = requireSharedFixtures(this, 'sigstore');
    rootJSON = read('public-good-trusted_root.json');
    keysJSON = read('npm-registry-keys.tuf.json');
  });

  for (const f of REAL) {
    it(`verifies ${f.name}@${f.version} and reads its signer from the certificate`, async () => {
      const v = await verifyAttestations({ name: f.name, version: f.version, integrity: integrityOf(f.sha512), response: read(f.file) }, realTrust());
      assert.equal(v.status, 'verified', v.reason);
      assert.equal(v.trustedRoot, 'custom');
      assert.equal(v.publishAttestation, true);
      assert.deepEqual(v.provenance, {
        predicateType: 'https://slsa.dev/provenance/v0.2',
        sourceRepository: f.repository,
        sourceRef: f.ref,
        sourceCommit: f.commit,
        workflowPath: '.github/workflows/publish.yml',
        buildSignerUri: `${f.repository}/.github/workflows/publish.yml@${f.ref}`,
        issuer: 'https://token.actions.githubusercontent.com',
        // The legacy GitHub Workflow Trigger extension of 2023 certificates: each was published from a GitHub release.
        trigger: 'release',
        tlog: { logIndex: f.logIndex, integratedTime: v.provenance!.tlog!.integratedTime, url: `https://search.sigstore.dev/?logIndex=${f.logIndex}` },
      });
      assert.match(v.provenance!.tlog!.integratedTime!, /^2023-0[12]-\d\dT/);
    });
  }

  it('records the log integration time of sigstore@1.0.0 (2023-02-09T17:56:00Z)', async () => {
    const f = REAL[0];
    const v = await verifyAttestations({ name: f.name, version: f.version, integrity: integrityOf(f.sha512), response: read(f.file) }, realTrust());
    assert.equal(v.provenance!.tlog!.integratedTime, '2023-02-09T17:56:00.000Z');
  });

  for (const [variant, reason] of Object.entries(TAMPERED)) {
    it(`rejects the tampered sigstore@0.4.0 "${variant}" variant`, async () => {
      const response = read(`sigstore@0.4.0.${variant}-attestations.json`);
      const v = await verifyAttestations({ name: 'sigstore', version: '0.4.0', integrity: integrityOf(REAL[2].sha512), response }, realTrust());
      assert.equal(v.status, 'invalid');
      assert.match(v.reason!, reason);
    });
  }

  it('rejects a wrong integrity, naming both digests', async () => {
    const wrong = integrityOf(REAL[0].sha512); // sigstore@1.0.0's tarball, claimed for 0.4.0
    const v = await verifyAttestations({ name: 'sigstore', version: '0.4.0', integrity: wrong, response: read(REAL[2].file) }, realTrust());
    assert.equal(v.status, 'invalid');
    assert.match(v.reason!, /bundle 1 of 2 .*subject sha512 282c0c5f\w+ does not match the package integrity \(sha512 7bea9f6e/);
    assert.match(v.reason!, /bundle 2 of 2 .*does not match the package integrity/);
  });

  it('rejects the attestations of another version or package', async () => {
    const f = REAL[2];
    const other = await verifyAttestations({ name: 'sigstore', version: '0.4.1', integrity: integrityOf(f.sha512), response: read(f.file) }, realTrust());
    assert.equal(other.status, 'invalid');
    assert.match(other.reason!, /subject pkg:npm\/sigstore@0\.4\.0 does not name pkg:npm\/sigstore@0\.4\.1/);
    const renamed = await verifyAttestations(
      { name: 'sigstore-fork', version: '0.4.0', integrity: integrityOf(f.sha512), response: read(f.file) },
      realTrust(),
    );
    assert.equal(renamed.status, 'invalid');
  });

  it("rejects the publish attestation when npm's key was not valid at the integrated time", async () => {
    const f = REAL[2];
    // The same key, but only valid from 2024: the tlog says the bundle was logged in January 2023.
    const keys = (keysJSON as { keys: { publicKey: { validFor: { start: string } } }[] }).keys.map((k) => structuredClone(k));
    for (const k of keys) k.publicKey.validFor.start = '2024-01-01T00:00:00.000Z';
    const v = await verifyAttestations(
      { name: f.name, version: f.version, integrity: integrityOf(f.sha512), response: read(f.file) },
      customTrustContext(rootJSON, { keys }),
    );
    assert.equal(v.status, 'invalid');
    assert.match(v.reason!, /bundle 2 of 2 \(npm publish attestation\): .*PUBLIC_KEY_ERROR.*2023-01-11T17:31:54.*key valid 2024-01-01/);
  });

  it('rejects a keyed bundle whose key is unknown, but says unknown when there are no npm keys at all', async () => {
    const f = REAL[2];
    const input = { name: f.name, version: f.version, integrity: integrityOf(f.sha512), response: read(f.file) };
    const otherKey = {
      keys: [
        {
          keyid: 'SHA256:other',
          key: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEY6Ya7W++7aUPzvMTrezH6Ycx3c+HOKYCcNGybJZSCJq/fd7Qa8uuAKtdIkUQtQiEKERhAmE5lMMJhP8OkDOa2g==',
          expires: null,
        },
      ],
    };
    const wrongKey = await verifyAttestations(input, customTrustContext(rootJSON, otherKey));
    assert.equal(wrongKey.status, 'invalid');
    assert.match(wrongKey.reason!, /signed with keyid SHA256:jl3bw\S+, but no corresponding npm attestation key is known/);
    const noKeys = await verifyAttestations(input, customTrustContext(rootJSON, []));
    assert.equal(noKeys.status, 'unknown');
    assert.match(noKeys.reason!, /no npm attestation keys/);
  });

  it('verifies with the trusted root and npm keys embedded in @sigstore/tuf, and says so', async () => {
    const f = REAL[1];
    const v = await verifyAttestations({ name: f.name, version: f.version, integrity: integrityOf(f.sha512), response: read(f.file) }, embeddedTrustContext());
    assert.equal(v.status, 'verified', v.reason);
    assert.equal(v.trustedRoot, 'embedded');
    assert.equal(v.provenance?.sourceCommit, f.commit);
  });

  it('measures verification time per bundle, cold and warm', async () => {
    const trust = realTrust();
    const times: number[] = [];
    for (const f of REAL) {
      const t0 = performance.now();
      const v = await verifyAttestations({ name: f.name, version: f.version, integrity: integrityOf(f.sha512), response: read(f.file) }, trust);
      times.push((performance.now() - t0) / 2);
      assert.equal(v.status, 'verified');
    }
    const again = { name: REAL[0].name, version: REAL[0].version, integrity: integrityOf(REAL[0].sha512), response: read(REAL[0].file) };
    const t0 = performance.now();
    await verifyAttestations(again, trust);
    const cached = performance.now() - t0;
    console.log(
      `      per bundle: first ${times[0].toFixed(1)} ms, then ${times
        .slice(1)
        .map((t) => t.toFixed(1))
        .join(', ')} ms; cached verdict ${cached.toFixed(2)} ms`,
    );
  });
});
