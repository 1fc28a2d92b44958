/**
 * Real Sigstore bundles made offline, for tests and local fixture registries: a mock Fulcio CA (with CT log) and
 * a mock Rekor from @sigstore/mock, served by a node:http server on 127.0.0.1, sign npm-style attestations with
 * real cryptography. `trustedRootJSON` trusts exactly that CA and those logs; `npmKeys` holds the stand-in npm
 * registry key that signs the keyed publish attestations (and `dist.signatures`, via `signPackage`).
 * See ../shared/notes/sigstore-test-bundles.md for the recipe.
 *
 * The mock's submodules are imported directly: @sigstore/mock's index loads nock, which patches node:http
 * globally on import. A real local server needs none of that, and sigstore accepts http:// URLs.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attest as sigstoreAttest } from 'sigstore';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, RekorWitness } from '@sigstore/sign';
import { fulcioHandler, initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor';
import type { RegistryKey } from '../../src/engine/sigstore/registry-signatures';
import type { AttestationInput } from '../../src/engine/sigstore/verify-attestations';

export const SLSA_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
export const NPM_PUBLISH = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1';
const IN_TOTO = 'application/vnd.in-toto+json';

export interface AttestOptions {
  name: string;
  version: string;
  /** Hex sha512 of the tarball (the digest inside `dist.integrity`). */
  integritySha512Hex: string;
  /** `owner/repo` on GitHub. */
  repository: string;
  /** e.g. `.github/workflows/release.yml` */
  workflowPath: string;
  /** e.g. `refs/tags/v1.0.0` */
  ref: string;
  /** Commit SHA. */
  sha: string;
  predicateType?: 'v1' | 'v0.2';
  /** Also make npm's keyed publish attestation (default true). */
  publishAttestation?: boolean;
  runnerEnvironment?: string;
  /** The GitHub event that started the run (default `push`). */
  eventName?: string;
}

/** A GET /-/npm/v1/attestations/<name>@<version> response body. */
export interface AttestationsResponse {
  attestations: { predicateType: string; bundle: Record<string, unknown> }[];
}

export interface SigstoreTestEnv {
  /** A trusted_root.json trusting only the mock CA, CT log and Rekor. */
  trustedRootJSON: object;
  /** The stand-in npm registry key, for attestations and signatures (TUF-style entries, one per usage). */
  npmKeys: RegistryKey[];
  /** Only the attestation entry of `npmKeys`. */
  npmAttestationKeys: RegistryKey[];
  /** The same key as `/-/npm/v1/keys` would serve it. */
  npmKeysResponse: { keys: { expires: null; keyid: string; keytype: string; scheme: string; key: string }[] };
  /** Base URL of the local Fulcio/Rekor server. */
  url: string;
  attest(opts: AttestOptions): Promise<AttestationsResponse>;
  /** A `dist.signatures` entry by the npm key over `${name}@${version}:${integrity}`. */
  signPackage(name: string, version: string, integrity: string): { keyid: string; sig: string };
  tamper: {
    /** Properly signed attestations whose subjects carry a different sha512 than `integritySha512Hex`. */
    subjectDigest(opts: AttestOptions): Promise<AttestationsResponse>;
    /** Properly signed attestations whose subjects name another version. */
    subjectName(opts: AttestOptions): Promise<AttestationsResponse>;
    /** The response with one bundle's DSSE payload edited after signing (default: the first bundle's subject digest). */
    payload: typeof tamperPayload;
  };
  close(): Promise<void>;
}

type Handler = { path: string; fn: (body: string) => Promise<{ statusCode: number; response: string | ArrayBufferView; contentType?: string }> };

/**
 * `npmKey`: the registry key that signs npm's keyed publish attestations (and `signPackage`); pass the fixture
 * registry's key so that `/-/npm/v1/keys` serves it. Default: a fresh key.
 */
export async function createSigstoreTestEnv(
  options: { npmKey?: { keyid: string; privateKey: crypto.KeyObject; publicKey: crypto.KeyObject } } = {},
): Promise<SigstoreTestEnv> {
  const routes = new Map<string, Handler>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = req.method === 'POST' ? routes.get(req.url ?? '') : undefined;
      if (!route) return void res.writeHead(404).end();
      route.fn(Buffer.concat(chunks).toString('utf8')).then(
        (r) => res.writeHead(r.statusCode, { 'content-type': r.contentType ?? 'text/plain' }).end(r.response),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const keyPair = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ctlog = await initializeCTLog(keyPair());
  const ca = await initializeCA(keyPair(), ctlog);
  const tlog = await initializeTLog(url, keyPair()); // the checkpoint names this host; the root's baseUrl must match
  // The SAN comes from a claim of our own so that the certificate looks like real Fulcio's (see identityToken).
  for (const h of [fulcioHandler(ca, { strict: true, subjectClaim: 'trustlens_san' }), rekorHandler(tlog, { strict: true })]) routes.set(h.path, h);

  const npm = options.npmKey ?? keyPair();
  const npmDer = npm.publicKey.export({ format: 'der', type: 'spki' });
  const npmKeyid = options.npmKey?.keyid ?? `SHA256:${crypto.createHash('sha256').update(npmDer).digest('base64').replace(/=+$/, '')}`;
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  const npmKeys: RegistryKey[] = (['npm:signatures', 'npm:attestations'] as const).map((usage) => ({
    keyid: npmKeyid,
    key: npmDer.toString('base64'),
    usage,
    validFrom: since,
    expires: null,
    keytype: 'PKIX_ECDSA_P256_SHA_256',
  }));

  const b64 = (b: Buffer | ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  const trustedRootJSON = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: since } },
        logId: { keyId: crypto.createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'trustlens-test', commonName: 'mock fulcio' },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: since },
      },
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: since } },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [],
  };

  const provenance = (o: AttestOptions, statement: object) =>
    sigstoreAttest(Buffer.from(JSON.stringify(statement)), IN_TOTO, {
      fulcioURL: url,
      rekorURL: url,
      identityProvider: { getToken: async () => identityToken(o) },
      legacyCompatibility: true, // intoto 0.0.2 log entries, like npm's bundles
      retry: 0,
    });

  const publish = async (statement: object) => {
    const signer = {
      sign: async (data: Buffer) => ({
        signature: crypto.sign('sha256', data, npm.privateKey),
        key: { $case: 'publicKey' as const, publicKey: npm.publicKey.export({ format: 'pem', type: 'spki' }).toString(), hint: npmKeyid },
      }),
    };
    const builder = new DSSEBundleBuilder({
      signer,
      witnesses: [new RekorWitness({ rekorBaseURL: url, entryType: 'intoto', fetchOnConflict: false, retry: 0 })],
    });
    return bundleToJSON(await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO }));
  };

  const attest = async (o: AttestOptions, subject = { name: purl(o.name, o.version), digest: o.integritySha512Hex }): Promise<AttestationsResponse> => {
    const subjects = [{ name: subject.name, digest: { sha512: subject.digest } }];
    const type = o.predicateType === 'v0.2' ? SLSA_V02 : SLSA_V1;
    const attestations: AttestationsResponse['attestations'] = [
      { predicateType: type, bundle: (await provenance(o, provenanceStatement(o, subjects))) as unknown as Record<string, unknown> },
    ];
    if (o.publishAttestation !== false) {
      const statement = {
        _type: 'https://in-toto.io/Statement/v0.1',
        subject: subjects,
        predicateType: NPM_PUBLISH,
        predicate: { name: o.name, version: o.version, registry: 'https://registry.npmjs.org' },
      };
      attestations.push({ predicateType: NPM_PUBLISH, bundle: (await publish(statement)) as unknown as Record<string, unknown> });
    }
    return { attestations };
  };

  return {
    trustedRootJSON,
    npmKeys,
    npmAttestationKeys: npmKeys.filter((k) => k.usage === 'npm:attestations'),
    npmKeysResponse: {
      keys: [{ expires: null, keyid: npmKeyid, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: npmDer.toString('base64') }],
    },
    url,
    attest: (o) => attest(o),
    signPackage: (name, version, integrity) => ({
      keyid: npmKeyid,
      sig: crypto.sign('sha256', Buffer.from(`${name}@${version}:${integrity}`), npm.privateKey).toString('base64'),
    }),
    tamper: {
      subjectDigest: (o) => attest(o, { name: purl(o.name, o.version), digest: flipHex(o.integritySha512Hex) }),
      subjectName: (o) => attest(o, { name: purl(o.name, `${o.version}-other`), digest: o.integritySha512Hex }),
      payload: tamperPayload,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A copy of `response` whose bundle `index` carries an edited in-toto statement, with the signatures left as they were. */
export function tamperPayload(
  response: AttestationsResponse,
  edit: (statement: Record<string, unknown>) => void = editDigest,
  index = 0,
): AttestationsResponse {
  const copy = structuredClone(response);
  const envelope = copy.attestations[index].bundle.dsseEnvelope as { payload: string };
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Record<string, unknown>;
  edit(statement);
  envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  return copy;
}

function editDigest(statement: Record<string, unknown>): void {
  const subject = (statement.subject as { digest: { sha512: string } }[])[0];
  subject.digest.sha512 = flipHex(subject.digest.sha512);
}

/** The canonical npm purl (`pkg:npm/%40scope/name@1.0.0`). */
/** The sha512 of a stand-in tarball's text (the digest inside `dist.integrity`). */
export const tarballDigest = (text: string): Buffer => crypto.createHash('sha512').update(text).digest();

/**
 * A version to attest in a test: `attest` options for a GitHub release build of it (tag v<version>), and its
 * verification input for a response (`over` changes fields, e.g. another integrity).
 */
export function releaseToAttest(
  name: string,
  version: string,
  repository: string,
  sha: string,
): { opts: AttestOptions; input: (response: unknown, over?: Partial<AttestationInput>) => AttestationInput } {
  const digest = tarballDigest(`${name}@${version}`);
  const opts: AttestOptions = {
    name,
    version,
    integritySha512Hex: digest.toString('hex'),
    repository,
    workflowPath: '.github/workflows/release.yml',
    ref: `refs/tags/v${version}`,
    sha,
  };
  return { opts, input: (response, over = {}) => ({ name, version, integrity: `sha512-${digest.toString('base64')}`, response, ...over }) };
}

export function purl(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
}

function flipHex(hex: string): string {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}

/** An unsigned token with GitHub Actions' claims: the mock Fulcio only decodes it and copies claims into extensions. */
function identityToken(o: AttestOptions): string {
  const workflowRef = `${o.repository}/${o.workflowPath}@${o.ref}`;
  const claims = {
    iss: 'https://token.actions.githubusercontent.com',
    sub: `repo:${o.repository}:ref:${o.ref}`,
    aud: 'sigstore',
    repository: o.repository,
    repository_owner: o.repository.split('/')[0],
    repository_id: '100001',
    repository_owner_id: '200002',
    repository_visibility: 'public',
    ref: o.ref,
    sha: o.sha,
    workflow_ref: workflowRef,
    workflow_sha: o.sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: o.sha,
    event_name: o.eventName ?? 'push',
    runner_environment: o.runnerEnvironment ?? 'github-hosted',
    run_id: '300003',
    run_attempt: '1',
    // Real Fulcio puts https://github.com/ + job_workflow_ref in the SAN; the mock copies one claim verbatim.
    trustlens_san: `https://github.com/${workflowRef}`,
  };
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.unsigned`;
}

/** The statements npm's CLI writes for a GitHub Actions publish (SLSA v1 since npm 9.6, v0.2 before). */
function provenanceStatement(o: AttestOptions, subject: object[]): object {
  const repoUrl = `https://github.com/${o.repository}`;
  if (o.predicateType === 'v0.2') {
    return {
      _type: 'https://in-toto.io/Statement/v0.1',
      subject,
      predicateType: SLSA_V02,
      predicate: {
        buildType: 'https://github.com/npm/cli/gha@v0',
        builder: { id: 'https://github.com/npm/cli@9.4.2' },
        invocation: {
          configSource: { uri: `git+${repoUrl}@${o.ref}`, digest: { sha1: o.sha }, entryPoint: `${o.repository}/${o.workflowPath}@${o.ref}` },
          parameters: {},
          environment: { GITHUB_REF: o.ref, GITHUB_REPOSITORY: o.repository, GITHUB_SHA: o.sha },
        },
        materials: [{ uri: `git+${repoUrl}`, digest: { sha1: o.sha } }],
      },
    };
  }
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject,
    predicateType: SLSA_V1,
    predicate: {
      buildDefinition: {
        buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
        externalParameters: { workflow: { ref: o.ref, repository: repoUrl, path: o.workflowPath } },
        internalParameters: { github: { event_name: o.eventName ?? 'push', repository_id: '100001', repository_owner_id: '200002' } },
        resolvedDependencies: [{ uri: `git+${repoUrl}@${o.ref}`, digest: { gitCommit: o.sha } }],
      },
      runDetails: {
        builder: { id: `https://github.com/actions/runner/${o.runnerEnvironment ?? 'github-hosted'}` },
        metadata: { invocationId: `${repoUrl}/actions/runs/300003/attempts/1` },
      },
    },
  };
}

/** Attestations responses that are not what the endpoint serves, built around one good attestation. */
export function malformedAttestationResponses(good: AttestationsResponse['attestations'][number]): unknown[] {
  return [
    undefined,
    null,
    42,
    'text',
    [],
    {},
    { attestations: null },
    { attestations: [] },
    { attestations: [null] },
    { attestations: [{ predicateType: 'x' }] },
    { attestations: [{ predicateType: good.predicateType, bundle: {} }] },
    { attestations: [{ predicateType: good.predicateType, bundle: { mediaType: 'nope', verificationMaterial: 7 } }] },
    { attestations: [{ predicateType: good.predicateType, bundle: { ...good.bundle, dsseEnvelope: { payload: '!!', payloadType: 1, signatures: 'x' } } }] },
    { attestations: [{ predicateType: 'https://example.com/other', bundle: good.bundle }] },
    {
      attestations: [
        {
          predicateType: good.predicateType,
          bundle: { ...good.bundle, verificationMaterial: { ...(good.bundle.verificationMaterial as object), tlogEntries: [] } },
        },
      ],
    },
  ];
}
