import { strict as assert } from 'node:assert';
import { verifyAttestations } from '../../../src/engine/sigstore/verify-attestations';
import { customTrustContext, type TrustContext } from '../../../src/engine/sigstore/trust-root';
import {
  createSigstoreTestEnv,
  malformedAttestationResponses,
  purl,
  releaseToAttest,
  tarballDigest,
  type AttestationsResponse,
  type SigstoreTestEnv,
} from '../../support/sigstore-scenarios';

describe('npm attestations: bundles from a mock Fulcio/Rekor', function () {
  let env: SigstoreTestEnv;
  const trust = (): TrustContext => customTrustContext(env.trustedRootJSON, env.npmKeys);
  const { opts, input } = releaseToAttest('@acme/demo', '1.2.3', 'acme/demo', 'a'.repeat(40));
  let v1: AttestationsResponse;

  /** Wall-clock instants around the signing: the log's integrated time falls between them (its whole second). */
  let attestedFrom = 0;
  let attestedTo = 0;

  before(async () => {
    env = await createSigstoreTestEnv();
    attestedFrom = Date.now();
    v1 = await env.attest(opts);
    attestedTo = Date.now();
  });
  after(() => env?.close());

  it('makes npm-shaped responses: a keyless SLSA bundle and a keyed publish attestation', () => {
    assert.deepEqual(
      v1.attestations.map((a) => a.predicateType),
      ['https://slsa.dev/provenance/v1', 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1'],
    );
    const statement = JSON.parse(Buffer.from((v1.attestations[0].bundle.dsseEnvelope as { payload: string }).payload, 'base64').toString());
    assert.deepEqual(statement.subject, [{ name: 'pkg:npm/%40acme/demo@1.2.3', digest: { sha512: opts.integritySha512Hex } }]);
    assert.equal(purl('@acme/demo', '1.2.3'), 'pkg:npm/%40acme/demo@1.2.3');
  });

  it('verifies SLSA v1 and yields exactly the claims it was made with', async () => {
    const v = await verifyAttestations(input(v1), trust());
    assert.equal(v.status, 'verified', v.reason);
    assert.equal(v.publishAttestation, true);
    assert.equal(v.trustedRoot, 'custom');
    const { tlog, ...identity } = v.provenance!;
    assert.deepEqual(identity, {
      predicateType: 'https://slsa.dev/provenance/v1',
      sourceRepository: 'https://github.com/acme/demo',
      sourceRef: 'refs/tags/v1.2.3',
      sourceCommit: 'a'.repeat(40),
      workflowPath: '.github/workflows/release.yml',
      buildSignerUri: 'https://github.com/acme/demo/.github/workflows/release.yml@refs/tags/v1.2.3',
      issuer: 'https://token.actions.githubusercontent.com',
      runnerEnvironment: 'github-hosted',
      trigger: 'push',
    });
    assert.match(tlog!.logIndex, /^\d+$/);
    const integrated = Date.parse(tlog!.integratedTime!);
    assert.ok(integrated >= Math.floor(attestedFrom / 1000) * 1000 && integrated <= attestedTo, `${tlog!.integratedTime} is when it was signed`);
    assert.equal(tlog!.url, undefined, 'no public search link for a log that is not public-good Rekor');
  });

  it('verifies SLSA v0.2 with other claims', async () => {
    const o = {
      ...opts,
      name: 'plain',
      version: '0.0.1',
      predicateType: 'v0.2' as const,
      repository: 'o/r',
      workflowPath: '.github/workflows/npm.yaml',
      ref: 'refs/heads/main',
      sha: 'b'.repeat(40),
      runnerEnvironment: 'self-hosted',
    };
    const response = await env.attest(o);
    const v = await verifyAttestations(input(response, { name: 'plain', version: '0.0.1' }), trust());
    assert.equal(v.status, 'verified', v.reason);
    assert.equal(v.provenance!.predicateType, 'https://slsa.dev/provenance/v0.2');
    assert.equal(v.provenance!.sourceRepository, 'https://github.com/o/r');
    assert.equal(v.provenance!.workflowPath, '.github/workflows/npm.yaml');
    assert.equal(v.provenance!.sourceRef, 'refs/heads/main');
    assert.equal(v.provenance!.sourceCommit, 'b'.repeat(40));
    assert.equal(v.provenance!.runnerEnvironment, 'self-hosted');
  });

  it('verifies provenance alone (no publish attestation)', async () => {
    const response = await env.attest({ ...opts, version: '1.2.4', publishAttestation: false });
    const v = await verifyAttestations(input(response, { version: '1.2.4' }), trust());
    assert.equal(v.status, 'verified', v.reason);
    assert.equal(v.publishAttestation, false);
    assert.equal(v.provenance?.sourceRepository, 'https://github.com/acme/demo');
  });

  it('rejects properly signed statements about another digest or another version', async () => {
    const badDigest = await verifyAttestations(input(await env.tamper.subjectDigest(opts)), trust());
    assert.equal(badDigest.status, 'invalid');
    assert.match(badDigest.reason!, /bundle 1 of 2 \(SLSA provenance v1\): subject sha512 \w+ does not match the package integrity/);
    const badName = await verifyAttestations(input(await env.tamper.subjectName(opts)), trust());
    assert.equal(badName.status, 'invalid');
    assert.match(badName.reason!, /subject pkg:npm\/%40acme\/demo@1\.2\.3-other does not name pkg:npm\/%40acme\/demo@1\.2\.3/);
  });

  it('rejects a payload changed after signing', async () => {
    const digestEdit = await verifyAttestations(input(env.tamper.payload(v1)), trust());
    assert.equal(digestEdit.status, 'invalid');
    assert.match(digestEdit.reason!, /bundle 1 of 2 .*Sigstore verification failed: TLOG_BODY_ERROR/);
    // A forged repository in the predicate, subject untouched: the signature no longer covers the payload.
    const forged = env.tamper.payload(v1, (s) => {
      (
        s.predicate as { buildDefinition: { externalParameters: { workflow: { repository: string } } } }
      ).buildDefinition.externalParameters.workflow.repository = 'https://github.com/evil/demo';
    });
    const v = await verifyAttestations(input(forged), trust());
    assert.equal(v.status, 'invalid');
    assert.equal(v.provenance, undefined);
    const publishEdit = await verifyAttestations(input(env.tamper.payload(v1, undefined, 1)), trust());
    assert.match(publishEdit.reason!, /bundle 2 of 2 \(npm publish attestation\): Sigstore verification failed/);
  });

  it('rejects a wrong integrity', async () => {
    const v = await verifyAttestations(input(v1, { integrity: `sha512-${tarballDigest('other').toString('base64')}` }), trust());
    assert.equal(v.status, 'invalid');
    assert.match(v.reason!, /does not match the package integrity/);
    const sha1Only = await verifyAttestations(input(v1, { integrity: 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }), trust());
    assert.equal(sha1Only.status, 'invalid');
    assert.match(sha1Only.reason!, /no sha512 digest/);
  });

  it('rejects bundles made by another Sigstore instance', async () => {
    const other = await createSigstoreTestEnv();
    try {
      const foreign = await other.attest(opts);
      const v = await verifyAttestations(input(foreign), trust());
      assert.equal(v.status, 'invalid');
      assert.match(v.reason!, /bundle 1 of 2 .*transparency log \S+ is not in the trusted root/);
      assert.match(v.reason!, /bundle 2 of 2 .*no corresponding npm attestation key/);
    } finally {
      await other.close();
    }
  });

  it('rejects a publish attestation swapped in from another version', async () => {
    const other = await env.attest({ ...opts, version: '9.9.9' });
    const mixed = { attestations: [v1.attestations[0], other.attestations[1]] };
    const v = await verifyAttestations(input(mixed), trust());
    assert.equal(v.status, 'invalid');
    assert.match(v.reason!, /bundle 2 of 2 \(npm publish attestation\): subject pkg:npm\/%40acme\/demo@9\.9\.9 does not name/);
  });

  it('never throws on garbage responses', async () => {
    const garbage = malformedAttestationResponses(v1.attestations[0]);
    for (const response of garbage) {
      const v = await verifyAttestations(input(response, { version: `0.0.${garbage.indexOf(response)}` }), trust());
      assert.equal(v.status, 'invalid', JSON.stringify(response)?.slice(0, 80));
      assert.ok(v.reason && v.reason.length > 0);
    }
    const bad = await verifyAttestations({ name: 'x', version: '1', integrity: undefined as unknown as string, response: v1 }, trust());
    assert.equal(bad.status, 'invalid');
  });

  it('shares one verification between concurrent calls and caches the verdict', async () => {
    const t = trust();
    const calls = [verifyAttestations(input(v1), t), verifyAttestations(input(v1), t), verifyAttestations(input(v1), t)];
    const verdicts = await Promise.all(calls);
    assert.equal(verdicts[0], verdicts[1]);
    assert.equal(verdicts[1], verdicts[2]);
    assert.equal(await verifyAttestations(input(v1), t), verdicts[0]);
    // Another integrity is another key.
    const other = await verifyAttestations(input(v1, { integrity: `sha512-${tarballDigest('x').toString('base64')}` }), t);
    assert.equal(other.status, 'invalid');
  });

  it('stops when aborted, and a later call verifies afresh', async () => {
    const t = trust();
    const already = new AbortController();
    already.abort(new Error('stop'));
    const aborted = (e: { code?: string }) => e.code === 'aborted'; // the engine's one cancellation error, whatever the reason
    await assert.rejects(verifyAttestations(input(v1), t, { signal: already.signal }), aborted);

    const soon = new AbortController();
    const pending = verifyAttestations(input(v1), t, { signal: soon.signal });
    soon.abort(new Error('cancelled'));
    await assert.rejects(pending, aborted);
    const v = await verifyAttestations(input(v1), t);
    assert.equal(v.status, 'verified', v.reason);

    // One caller aborting does not cancel a verification another caller still waits for.
    const t2 = trust();
    const leaving = new AbortController();
    const a = verifyAttestations(input(v1), t2, { signal: leaving.signal });
    const b = verifyAttestations(input(v1), t2);
    leaving.abort(new Error('left'));
    await assert.rejects(a, aborted);
    assert.equal((await b).status, 'verified');
  });
});
