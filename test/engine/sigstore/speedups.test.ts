import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ASN1Obj, X509Certificate } from '@sigstore/core';
import { checkAttestations, type AttestationInput } from '../../../src/engine/sigstore/attestation-check';
import {
  cryptoMemoStats,
  installCryptoMemo,
  libraryCreatePublicKey,
  libraryVerify,
  memoCreatePublicKey,
  memoVerify,
  restoreLibraryCrypto,
} from '../../../src/engine/sigstore/crypto-memo';
import { encodeDER, libraryToDER, restoreLibraryDER } from '../../../src/engine/sigstore/fast-der';
import { installSigstoreSpeedups } from '../../../src/engine/sigstore/speedups';
import { customTrustContext, embeddedTrustContext, type TrustContext } from '../../../src/engine/sigstore/trust-root';
import { verifyAttestations } from '../../../src/engine/sigstore/verify-attestations';
import { closeVerifyPool, configureVerifyPool, verifyPoolStats } from '../../../src/engine/sigstore/verify-pool';
import type { ProvenanceVerdict } from '../../../src/core/trust/types';
import { requireSharedFixtures } from '../../support/fixtures';
import { createSigstoreTestEnv, type AttestationsResponse, type SigstoreTestEnv } from '../../support/sigstore-scenarios';

const integrityOf = (hex: string) => `sha512-${Buffer.from(hex, 'hex').toString('base64')}`;
const SIGSTORE_040 = '282c0c5fa936d264321643581b65d3de5c0af6ed4fdfac12f5851115df39cc25cfaf0ad22d908487bfef30114d61c25746206d1834be4f8fd1659178f77cc004';
const REAL = [
  {
    file: 'npm-attestations-sigstore@1.0.0.json',
    name: 'sigstore',
    version: '1.0.0',
    sha512: '7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36',
  },
  {
    file: 'npm-attestations-tuf-js@1.0.0.json',
    name: 'tuf-js',
    version: '1.0.0',
    sha512: 'd5dc6c4301120f30022634dd607438c09d5ffe87fb8c02d629f2441d205651007fe544c9531f525ba1875e9e266752af7414490a91a3b2ca0f1468b886fc3cfc',
  },
  { file: 'sigstore@0.4.0.valid-attestations.json', name: 'sigstore', version: '0.4.0', sha512: SIGSTORE_040 },
];
const TAMPERED = ['invalid', 'malformed-subject', 'mismatched-keyid', 'mismatched-subject-digest', 'mismatched-subject-name', 'no-keyid', 'unsupported'];

type Response = { attestations: { bundle: { verificationMaterial: { x509CertificateChain?: { certificates: { rawBytes: string }[] } } } }[] };

/** The response with one byte of its first bundle's leaf certificate changed by `edit` (at a byte offset found by `where`). */
function editLeaf(response: unknown, where: (der: Buffer<ArrayBuffer>) => number): unknown {
  const copy = structuredClone(response) as Response;
  const cert = copy.attestations[0].bundle.verificationMaterial.x509CertificateChain!.certificates[0];
  const der = Buffer.from(cert.rawBytes, 'base64');
  der[where(der)] ^= 0x01;
  cert.rawBytes = der.toString('base64');
  return copy;
}

interface Case {
  input: AttestationInput;
  trust: () => TrustContext;
}

/** Verdicts on this thread, each with a fresh trust context and in order. */
async function verdicts(cases: Case[]): Promise<ProvenanceVerdict[]> {
  const out: ProvenanceVerdict[] = [];
  for (const c of cases) out.push(await checkAttestations(c.input, c.trust(), new AbortController().signal));
  return out;
}

/** Whether the library's own calls reach the key memo: X509Certificate.verify asks the crypto module for a key. */
function memoReached(): boolean {
  const before = cryptoMemoStats();
  X509Certificate.parse(Buffer.from(ROOT_CERT, 'base64')).verify();
  const after = cryptoMemoStats();
  return after.keyHits + after.keyMisses > before.keyHits + before.keyMisses;
}
/** The Sigstore public-good root CA (self-signed, ECDSA P-384), as the bundles and the trusted root carry it. */
const ROOT_CERT =
  'MIIB9zCCAXygAwIBAgIUALZNAPFdxHPwjeDloDwyYChAO/4wCgYIKoZIzj0EAwMwKjEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MREwDwYDVQQDEwhzaWdzdG9yZTAeFw0yMTEwMDcxMzU2NTlaFw0zMTEwMDUxMzU2NThaMCoxFTATBgNVBAoTDHNpZ3N0b3JlLmRldjERMA8GA1UEAxMIc2lnc3RvcmUwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAAT7XeFT4rb3PQGwS4IajtLk3/OlnpgangaBclYpsYBr5i+4ynB07ceb3LP0OIOZdxexX69c5iVuyJRQ+Hz05yi+UF3uBWAlHpiS5sh0+H2GHE7SXrk1EC5m1Tr19L9gg92jYzBhMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBRYwB5fkUWlZql6zJChkyLQKsXF+jAfBgNVHSMEGDAWgBRYwB5fkUWlZql6zJChkyLQKsXF+jAKBggqhkjOPQQDAwNpADBmAjEAj1nHeXZp+13NWBNa+EDsDP8G1WWg1tCMWP/WHPqpaVo0jhsweNFZgSs0eE7wYI4qAjEA2WB9ot98sIkoF3vZYdd3/VtWB5b9TNMea7Ix/stJ5TfcLLeABLE4BNJOsQ4vnBHJ';
/** The public-good intermediate CA it signed. */
const INTERMEDIATE_CERT =
  'MIICGjCCAaGgAwIBAgIUALnViVfnU0brJasmRkHrn/UnfaQwCgYIKoZIzj0EAwMwKjEVMBMGA1UEChMMc2lnc3RvcmUuZGV2MREwDwYDVQQDEwhzaWdzdG9yZTAeFw0yMjA0MTMyMDA2MTVaFw0zMTEwMDUxMzU2NThaMDcxFTATBgNVBAoTDHNpZ3N0b3JlLmRldjEeMBwGA1UEAxMVc2lnc3RvcmUtaW50ZXJtZWRpYXRlMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE8RVS/ysH+NOvuDZyPIZtilgUF9NlarYpAd9HP1vBBH1U5CV77LSS7s0ZiH4nE7Hv7ptS6LvvR/STk798LVgMzLlJ4HeIfF3tHSaexLcYpSASr1kS0N/RgBJz/9jWCiXno3sweTAOBgNVHQ8BAf8EBAMCAQYwEwYDVR0lBAwwCgYIKwYBBQUHAwMwEgYDVR0TAQH/BAgwBgEB/wIBADAdBgNVHQ4EFgQU39Ppz1YkEZb5qNjpKFWixi4YZD8wHwYDVR0jBBgwFoAUWMAeX5FFpWapesyQoZMi0CrFxfowCgYIKoZIzj0EAwMDZwAwZAIwPCsQK4DYiZYDPIaDi5HFKnfxXx6ASSVmERfsynYBiX2X6SJRnZU84/9DZdnFvvxmAjBOt6QpBlc4J/0DxvkTCqpclvziL6BCCPnjdlIB3Pu3BxsPmygUY7Ii2zbdCdliiow=';

describe('Sigstore speed-ups: the same verdicts, with and without them', function () {
  this.timeout(120_000);
  let dir: string;
  let rootJSON: unknown;
  let keysJSON: unknown;
  let env: SigstoreTestEnv;
  let mock: AttestationsResponse;
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const realTrust = (): TrustContext => customTrustContext(rootJSON, keysJSON);
  const mockInput = (response: unknown, version = '1.0.0'): AttestationInput => ({
    name: '@acme/fast',
    version,
    integrity: integrityOf('ab'.repeat(64)),
    response,
  });

  before(async function () {
    dir = requireSharedFixtures(this, 'sigstore');
    rootJSON = read('public-good-trusted_root.json');
    keysJSON = read('npm-registry-keys.tuf.json');
    env = await createSigstoreTestEnv();
    mock = await env.attest({
      name: '@acme/fast',
      version: '1.0.0',
      integritySha512Hex: 'ab'.repeat(64),
      repository: 'acme/fast',
      workflowPath: '.github/workflows/release.yml',
      ref: 'refs/tags/v1.0.0',
      sha: 'f'.repeat(40),
    });
  });
  after(async () => {
    installSigstoreSpeedups(); // as the rest of the process had it
    await closeVerifyPool();
    configureVerifyPool();
    await env?.close();
  });

  /** The real fixtures: valid, tampered by their authors, and tampered here (leaf certificate, integrity, version). */
  function realCases(): { cases: Case[]; expected: string[] } {
    const valid = REAL.map((f) => ({ name: f.name, version: f.version, integrity: integrityOf(f.sha512), response: read(f.file) }));
    const tampered = TAMPERED.map((t) => ({
      name: 'sigstore',
      version: '0.4.0',
      integrity: integrityOf(SIGSTORE_040),
      response: read(`sigstore@0.4.0.${t}-attestations.json`),
    }));
    const leaf = read(REAL[0].file);
    const edited = [
      // A byte of the subject alternative name (the workflow URI): the CA's signature no longer matches.
      editLeaf(leaf, (der) => der.indexOf('.github/workflows/publish.yml') + 3),
      // A byte of the CA's signature itself.
      editLeaf(leaf, (der) => der.length - 10),
    ].map((response) => ({ ...valid[0], response }));
    const others = [
      { ...valid[2], integrity: integrityOf(REAL[0].sha512) },
      { ...valid[2], version: '0.4.1' },
    ];
    // The CT logs' keys swapped (each log id now names the other log's key): the SCTs no longer verify.
    const swapped = structuredClone(rootJSON) as { ctlogs: { publicKey: { rawBytes: string } }[] };
    const ctKeys = swapped.ctlogs.map((l) => l.publicKey.rawBytes);
    swapped.ctlogs.forEach((l, i) => (l.publicKey.rawBytes = ctKeys[(i + 1) % ctKeys.length]));
    const swappedTrust = () => customTrustContext(swapped, keysJSON);
    const inputs = [...valid, ...tampered, ...edited, ...others];
    return {
      cases: [...inputs.map((input) => ({ input, trust: realTrust })), { input: valid[0], trust: swappedTrust }],
      expected: [...valid.map(() => 'verified'), ...tampered.map(() => 'invalid'), ...edited.map(() => 'invalid'), ...others.map(() => 'invalid'), 'invalid'],
    };
  }

  it('gives the same verdicts on the real fixtures with the library as it is and with the speed-ups (cold and warm)', async () => {
    const { cases, expected } = realCases();
    restoreLibraryDER();
    restoreLibraryCrypto();
    const plain = await verdicts(cases);
    assert.equal(ASN1Obj.prototype.toDER, libraryToDER, 'nothing put the speed-ups back meanwhile');
    assert.deepEqual(
      plain.map((v) => v.status),
      expected,
      JSON.stringify(plain.map((v) => v.reason)),
    );
    // What the edited leaves fail for: the CA chain (twice) and the SCT.
    assert.match(plain[10].reason!, /CERTIFICATE_ERROR: Failed to verify certificate chain/);
    assert.match(plain[11].reason!, /CERTIFICATE_ERROR: Failed to verify certificate chain/);
    assert.match(plain[14].reason!, /SCT verification failed/);

    assert.deepEqual(installSigstoreSpeedups(), { fastDER: true, cryptoMemo: true });
    assert.equal(ASN1Obj.prototype.toDER, encodeDER);
    assert.ok(memoReached(), 'the library calls the memoised createPublicKey');
    const cold = await verdicts(cases);
    assert.deepStrictEqual(cold, plain);
    // Now with the memos holding the valid bundles' checks: the edited ones must still fail.
    const warm = await verdicts([...cases].reverse());
    assert.deepStrictEqual(warm.reverse(), plain);
    const embedded = await verdicts(cases.slice(0, 3).map((c) => ({ ...c, trust: () => embeddedTrustContext() })));
    assert.ok(embedded.every((v) => v.status === 'verified'));
  });

  it('gives the same verdicts in a worker (which installs them itself) as on this thread without them', async () => {
    const { cases: real, expected } = realCases();
    const mockTrust = () => customTrustContext(env.trustedRootJSON, env.npmKeys);
    const mockCases = [mockInput(mock), mockInput(env.tamper.payload(mock)), mockInput(mock, '1.0.1')].map((input) => ({ input, trust: mockTrust }));
    const cases = [...real, ...mockCases];
    restoreLibraryDER();
    restoreLibraryCrypto();
    const plain = await verdicts(cases);
    assert.deepEqual(
      plain.map((v) => v.status),
      [...expected, 'verified', 'invalid', 'invalid'],
    );

    await closeVerifyPool(); // a worker of its own, started now
    configureVerifyPool({ threads: 1, inThreadBelow: 1, helpHere: false });
    const inWorker = await Promise.all(cases.map((c) => verifyAttestations(c.input, c.trust())));
    const stats = verifyPoolStats();
    assert.equal(stats.inWorker, cases.length, JSON.stringify(stats));
    assert.deepEqual(stats.speedups, [{ fastDER: true, cryptoMemo: true }]);
    assert.deepStrictEqual(inWorker, plain);
  });

  it('reaches the memos from the library: the CA keys and chain checks repeat for every bundle', async () => {
    installSigstoreSpeedups();
    const before = cryptoMemoStats();
    await verdicts(realCases().cases.slice(0, 3));
    const after = cryptoMemoStats();
    assert.ok(after.keyHits > before.keyHits, `key memo hits ${before.keyHits} → ${after.keyHits}`);
    assert.ok(after.checkHits > before.checkHits, `signature check memo hits ${before.checkHits} → ${after.checkHits}`);
  });

  it('memoises keys by their exact bytes: the same KeyObject for the same key, none for a bad one', () => {
    restoreLibraryCrypto();
    installCryptoMemo();
    const root = (rootJSON as { ctlogs: { publicKey: { rawBytes: string } }[] }).ctlogs.map((l) => l.publicKey.rawBytes);
    const a = memoCreatePublicKey(Buffer.from(root[0], 'base64'));
    assert.equal(memoCreatePublicKey(Buffer.from(root[0], 'base64')), a, 'another Buffer with the same bytes');
    assert.equal(memoCreatePublicKey(root[0]), memoCreatePublicKey(root[0]), 'base64 text');
    assert.deepEqual(a.export({ type: 'spki', format: 'der' }), libraryCreatePublicKey(Buffer.from(root[0], 'base64')).export({ type: 'spki', format: 'der' }));
    const b = memoCreatePublicKey(Buffer.from(root[1], 'base64'));
    assert.notEqual(b, a);
    assert.notDeepEqual(b.export({ type: 'spki', format: 'der' }), a.export({ type: 'spki', format: 'der' }));
    const pem = a.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(memoCreatePublicKey(pem), memoCreatePublicKey(pem));
    const bad = Buffer.from(root[0], 'base64').subarray(0, 40);
    const held = cryptoMemoStats().keys;
    assert.throws(() => memoCreatePublicKey(bad));
    assert.throws(() => memoCreatePublicKey(bad), 'the failure is not kept as an answer');
    assert.equal(cryptoMemoStats().keys, held);
  });

  it("memoises signature checks by their exact bytes: every change gives the library's answer", () => {
    restoreLibraryCrypto();
    installCryptoMemo();
    const root = X509Certificate.parse(Buffer.from(ROOT_CERT, 'base64'));
    const intermediate = X509Certificate.parse(Buffer.from(INTERMEDIATE_CERT, 'base64'));
    const data = intermediate.tbsCertificate.toDER();
    const key = memoCreatePublicKey(root.publicKey);
    const sig = intermediate.signatureValue;
    const alg = intermediate.signatureAlgorithm;
    const flip = (b: Buffer, i: number) => {
      const c = Buffer.from(b);
      c[i] ^= 0x01;
      return c;
    };
    const otherKey = memoCreatePublicKey(intermediate.publicKey);
    const cases: [string, Buffer, unknown, Buffer, string | undefined][] = [
      ['the real chain link', data, key, sig, alg],
      ['a byte of the data', flip(data, 100), key, sig, alg],
      ['the last byte of the data', flip(data, data.length - 1), key, sig, alg],
      ['a byte of the signature', data, key, flip(sig, 20), alg],
      ['another key', data, otherKey, sig, alg],
      ['another hash', data, key, sig, 'sha256'],
      ['no hash named', data, key, sig, undefined],
      ['a truncated signature', data, key, sig.subarray(0, sig.length - 1), alg],
      ['the key as PEM text (not memoised)', data, root.publicKey.toString('base64'), sig, alg],
    ];
    const before = cryptoMemoStats();
    for (let round = 0; round < 2; round++) {
      for (const [what, d, k, s, a] of cases) {
        assert.equal(memoVerify(d, k, s, a), libraryVerify(d, k, s, a), `${what}, round ${round + 1}`);
      }
    }
    assert.equal(memoVerify(data, key, sig, alg), true);
    const after = cryptoMemoStats();
    assert.equal(after.checkMisses - before.checkMisses, cases.length - 1, 'each memoisable case asked the library once');
    assert.equal(after.checkHits - before.checkHits, cases.length - 1 + 1);
  });
});
