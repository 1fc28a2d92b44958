/**
 * Verifies a version's npm attestations (`GET /-/npm/v1/attestations/<name>@<version>`): every Sigstore bundle
 * must verify against the trusted root (Fulcio chain, SCT, Rekor inclusion, DSSE signature) or, for npm's keyed
 * publish attestation, against npm's attestation key valid at the log's integrated time; and its in-toto
 * statement must name this package version and its tarball's sha512. The SLSA provenance bundle's certificate
 * then says who built it.
 *
 * This is the verification itself: synchronous CPU work on plain data, no cache, no I/O. It runs in a worker
 * thread (./sigstore-worker.ts, started by ./verify-pool.ts) or on the calling thread; the API, with its
 * cache of verdicts, is ./verify-attestations.ts.
 */
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity, toTrustMaterial, type KeyFinderFunc } from '@sigstore/verify';
import type { ProvenanceIdentity, ProvenanceVerdict } from '../../core/trust/types';
import { keyValidAt, keysFor, registryPublicKey } from './registry-signatures';
import type { TrustContext } from './trust-root';

export const NPM_PUBLISH_PREDICATE = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1';
const SLSA_PREFIX = 'https://slsa.dev/provenance/';
const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const GITHUB_RUNNER = 'https://github.com/actions/runner/';

export interface AttestationInput {
  name: string;
  version: string;
  /** `dist.integrity`: an SRI string with a sha512 entry. */
  integrity: string;
  /** Parsed JSON body of the attestations endpoint: `{ attestations: [{ predicateType, bundle }] }`. */
  response: unknown;
}

/** The canonical npm purl of a version, as npm signs it: `pkg:npm/%40scope/name@1.0.0`. */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
}

// ---- one verification ----

type BundleResult =
  { ok: true; publish: boolean; identity?: ProvenanceIdentity } | { ok: false; reason: string; /** could not be decided (not: is bad) */ undecided?: boolean };

/**
 * The verdict on one version's attestations. Never rejects: bad input gives 'invalid', a bug of ours 'unknown'.
 * Between bundles it yields (setImmediate) and stops with 'unknown' (verification aborted) once `signal` aborts.
 */
export async function checkAttestations(input: AttestationInput, trust: TrustContext, signal: AbortSignal): Promise<ProvenanceVerdict> {
  try {
    return await verifyAll(input, trust, signal);
  } catch (e) {
    // A bug of ours, not a verdict on the package.
    return { trustedRoot: trust.source, status: 'unknown', reason: `verification error: ${message(e)}` };
  }
}

/** What a verification stopped by its signal resolves to (its callers have gone; it is not cached). */
export function abortedVerdict(trust: TrustContext): ProvenanceVerdict {
  return { trustedRoot: trust.source, status: 'unknown', reason: 'verification aborted' };
}

async function verifyAll(input: AttestationInput, trust: TrustContext, signal: AbortSignal): Promise<ProvenanceVerdict> {
  const base = { trustedRoot: trust.source };
  const list = parseResponse(input.response);
  if (typeof list === 'string') return { ...base, status: 'invalid', reason: `malformed attestations response: ${list}` };
  const digest = sha512Hex(input.integrity);
  if (!digest) return { ...base, status: 'invalid', reason: `integrity "${input.integrity}" has no sha512 digest to compare with the attestations` };

  const failures: string[] = [];
  let definite = false;
  let publishAttestation = false;
  let provenance: ProvenanceIdentity | undefined;
  for (const [i, att] of list.entries()) {
    await new Promise((r) => setImmediate(r)); // verification is synchronous CPU work: let aborts and other work in
    if (signal.aborted) return abortedVerdict(trust);
    const label = `bundle ${i + 1} of ${list.length} (${describePredicate(att.predicateType)})`;
    const result: BundleResult = checkBundle(att, { purl: npmPurl(input.name, input.version), digest, name: input.name, version: input.version }, trust);
    if (!result.ok) {
      failures.push(`${label}: ${result.reason}`);
      definite ||= !result.undecided;
      continue;
    }
    publishAttestation ||= result.publish;
    provenance ??= result.identity;
  }
  if (failures.length > 0) {
    // Undecided failures only make the whole verdict 'unknown' when nothing was definitely wrong.
    return { ...base, status: definite ? 'invalid' : 'unknown', reason: failures.join('; '), publishAttestation, provenance };
  }
  return { ...base, status: 'verified', publishAttestation, provenance };
}

interface Attestation {
  predicateType: string;
  bundle: unknown;
}

function parseResponse(response: unknown): Attestation[] | string {
  if (!isRecord(response)) return 'not a JSON object';
  const list = response.attestations;
  if (!Array.isArray(list)) return 'no "attestations" array';
  if (list.length === 0) return 'the "attestations" array is empty';
  for (const [i, a] of list.entries()) {
    if (!isRecord(a) || typeof a.predicateType !== 'string' || !isRecord(a.bundle)) return `attestation ${i + 1} lacks a predicateType or a bundle`;
  }
  return list as Attestation[];
}

interface Expected {
  purl: string;
  digest: string;
  name: string;
  version: string;
}

function checkBundle(att: Attestation, expected: Expected, trust: TrustContext): BundleResult {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(att.bundle);
  } catch (e) {
    return { ok: false, reason: `not a valid Sigstore bundle (${message(e)})` };
  }
  if (bundle.content.$case !== 'dsseEnvelope') return { ok: false, reason: 'not a DSSE envelope' };
  const envelope = bundle.content.dsseEnvelope;
  const material = bundle.verificationMaterial.content;
  const keyid = envelope.signatures[0]?.keyid ?? '';
  const publish = att.predicateType === NPM_PUBLISH_PREDICATE;

  // Which key signed, before the cryptography, for clear reasons.
  if (material.$case === 'publicKey') {
    const hint = material.publicKey.hint ?? '';
    if (!publish) return { ok: false, reason: `${att.predicateType} must be signed by a Fulcio certificate, not by key ${hint}` };
    if (keyid !== hint) return { ok: false, reason: `DSSE signature keyid "${keyid}" differs from the bundle's key hint "${hint}"` };
    const keys = keysFor(trust.registryKeys, 'npm:attestations');
    if (keys.length === 0) return { ok: false, undecided: true, reason: 'no npm attestation keys are available to check it' };
    if (!keys.some((k) => k.keyid === hint)) return { ok: false, reason: `signed with keyid ${hint}, but no corresponding npm attestation key is known` };
  } else {
    if (publish) return { ok: false, reason: 'the npm publish attestation is not signed by an npm registry key' };
    if (keyid !== '') return { ok: false, reason: `DSSE signature names keyid ${keyid}, but the bundle is signed by a certificate` };
  }
  const unknownLog = bundle.verificationMaterial.tlogEntries.find((e) => !findLog(trust, e.logId?.keyId));
  if (unknownLog) return anchorMissing(trust, `transparency log ${unknownLog.logId?.keyId.toString('base64')} is not in the trusted root`);

  try {
    verifierFor(trust).verify(toSignedEntity(bundle));
  } catch (e) {
    const text = message(e);
    if (/no trusted certificate path found/.test(text)) return anchorMissing(trust, `certificate does not chain to a trusted Fulcio CA (${text})`);
    const window = /PUBLIC_KEY_ERROR/.test(text)
      ? ` (key valid ${keysFor(trust.registryKeys, 'npm:attestations')
          .filter((k) => k.keyid === keyid)
          .map((k) => `${k.validFrom ?? '…'} to ${k.expires ?? '…'}`)
          .join(', ')})`
      : '';
    return { ok: false, reason: `Sigstore verification failed: ${text}${window}` };
  }

  if (envelope.payloadType !== IN_TOTO_PAYLOAD) return { ok: false, reason: `payload type is ${envelope.payloadType}, not ${IN_TOTO_PAYLOAD}` };
  let statement: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(envelope.payload.toString('utf8'));
    if (!isRecord(parsed)) throw new Error('not an object');
    statement = parsed;
  } catch (e) {
    return { ok: false, reason: `the signed payload is not an in-toto statement (${message(e)})` };
  }
  if (statement.predicateType !== att.predicateType) {
    return { ok: false, reason: `the response says predicateType ${att.predicateType}, the signed statement says ${String(statement.predicateType)}` };
  }
  const subjectProblem = checkSubject(statement.subject, expected);
  if (subjectProblem) return { ok: false, reason: subjectProblem };

  if (publish) {
    const p = isRecord(statement.predicate) ? statement.predicate : {};
    if ((p.name !== undefined && p.name !== expected.name) || (p.version !== undefined && p.version !== expected.version)) {
      return { ok: false, reason: `the publish attestation names ${String(p.name)}@${String(p.version)}` };
    }
    return { ok: true, publish: true };
  }
  const identity = att.predicateType.startsWith(SLSA_PREFIX) ? extractIdentity(bundle, statement, trust) : undefined;
  return { ok: true, publish: false, identity };
}

/** A trust anchor the bundle needs is missing: with the (possibly stale) embedded root that is undecided, else invalid. */
function anchorMissing(trust: TrustContext, reason: string): BundleResult {
  if (trust.source === 'embedded') return { ok: false, undecided: true, reason: `${reason}; the embedded trusted root may predate it` };
  return { ok: false, reason };
}

function checkSubject(subject: unknown, expected: Expected): string | undefined {
  if (!Array.isArray(subject) || subject.length === 0) return 'the statement has no subject';
  const names = subject.map((s) => (isRecord(s) && typeof s.name === 'string' ? s.name : '(no name)'));
  const match = subject.find((s) => isRecord(s) && typeof s.name === 'string' && samePurl(s.name, expected.purl));
  if (!isRecord(match)) return `subject ${names.join(', ')} does not name ${expected.purl}`;
  const signed = isRecord(match.digest) ? match.digest.sha512 : undefined;
  if (typeof signed !== 'string') return `subject ${String(match.name)} has no sha512 digest`;
  if (signed.toLowerCase() !== expected.digest) return `subject sha512 ${signed} does not match the package integrity (sha512 ${expected.digest})`;
  return undefined;
}

/** Compares purls after percent-decoding (`%40scope` and `@scope` are the same name); qualifiers never match. */
function samePurl(signed: string, expected: string): boolean {
  if (/[?#]/.test(signed)) return false;
  try {
    return decodeURIComponent(signed) === decodeURIComponent(expected);
  } catch {
    return false;
  }
}

// ---- verifier per trust context ----

const verifiers = new WeakMap<TrustContext, Verifier>();

function verifierFor(trust: TrustContext): Verifier {
  let verifier = verifiers.get(trust);
  if (!verifier) {
    const keyFinder: KeyFinderFunc = (hint) => {
      const keys = keysFor(trust.registryKeys, 'npm:attestations').filter((k) => k.keyid === hint);
      const publicKey = keys.map(registryPublicKey).find((k) => k !== undefined);
      if (!publicKey) throw new Error(`PUBLIC_KEY_ERROR: no usable npm attestation key ${hint}`);
      // The same key may be listed with several windows; the tlog's integrated time must fall in one.
      return { publicKey, validFor: (date: Date) => keys.some((k) => keyValidAt(k, date.getTime())) };
    };
    verifier = new Verifier(toTrustMaterial(trust.trustedRoot, keyFinder), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
    verifiers.set(trust, verifier);
  }
  return verifier;
}

// ---- signer identity ----

const fulcio = (n: number) => `1.3.6.1.4.1.57264.1.${n}`;

function extractIdentity(bundle: Bundle, statement: Record<string, unknown>, trust: TrustContext): ProvenanceIdentity {
  const cert = leafCertificate(bundle);
  const der = (n: number) => decodeDerString(cert?.extension(fulcio(n))?.value);
  const raw = (n: number) => cert?.extension(fulcio(n))?.value.toString('utf8') || undefined; // pre-2023 extensions: bare bytes
  const issuer = der(8) ?? raw(1);
  const legacyRepo = issuer === GITHUB_ISSUER && raw(5) ? `https://github.com/${raw(5)}` : undefined;
  const san = cert?.subjectAltName?.replace(/^(uri|email):/i, '');
  const fromPredicate = predicateClaims(statement.predicate);

  const sourceRepository = der(12) ?? legacyRepo ?? fromPredicate.repository;
  const buildSignerUri = der(9) ?? san;
  const workflowPath = workflowIn(der(18), sourceRepository) ?? workflowIn(buildSignerUri, sourceRepository) ?? fromPredicate.workflowPath;

  const entry = bundle.verificationMaterial.tlogEntries[0];
  const seconds = Number(entry?.integratedTime);
  const log = entry && findLog(trust, entry.logId?.keyId);
  const publicGood = !!log && /^https:\/\/rekor\.sigstore\.dev\b/.test(log.baseUrl);
  return dropUndefined({
    predicateType: String(statement.predicateType),
    sourceRepository,
    sourceRef: der(14) ?? raw(6) ?? fromPredicate.ref,
    sourceCommit: der(13) ?? raw(3) ?? fromPredicate.commit,
    workflowPath,
    buildSignerUri,
    issuer,
    runnerEnvironment: der(11) ?? fromPredicate.runnerEnvironment,
    trigger: der(20) ?? raw(2) ?? fromPredicate.trigger,
    tlog: entry
      ? dropUndefined({
          logIndex: entry.logIndex,
          integratedTime: seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined,
          url: publicGood ? `https://search.sigstore.dev/?logIndex=${entry.logIndex}` : undefined,
        })
      : undefined,
  });
}

function leafCertificate(bundle: Bundle): X509Certificate | undefined {
  const m = bundle.verificationMaterial.content;
  const raw =
    m.$case === 'x509CertificateChain' ? m.x509CertificateChain.certificates[0]?.rawBytes : m.$case === 'certificate' ? m.certificate.rawBytes : undefined;
  try {
    return raw ? X509Certificate.parse(Buffer.from(raw)) : undefined;
  } catch {
    return undefined;
  }
}

/** A DER UTF8String (or IA5/Printable string), as Fulcio encodes its extensions since 2023. */
function decodeDerString(value: Buffer | undefined): string | undefined {
  if (!value || value.length < 2 || ![0x0c, 0x13, 0x16].includes(value[0])) return undefined;
  let length = value[1];
  let offset = 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes < 1 || bytes > 3 || value.length < 2 + bytes) return undefined;
    length = value.subarray(2, 2 + bytes).reduce((n, b) => n * 256 + b, 0);
    offset = 2 + bytes;
  }
  if (offset + length !== value.length) return undefined;
  return value.subarray(offset).toString('utf8') || undefined;
}

/** `.github/workflows/release.yml` from `https://github.com/owner/repo/.github/workflows/release.yml@refs/…`, if it is in `repository`. */
function workflowIn(uri: string | undefined, repository: string | undefined): string | undefined {
  if (!uri || !repository || !uri.startsWith(`${repository}/`)) return undefined;
  const rest = uri.slice(repository.length + 1);
  const at = rest.lastIndexOf('@');
  return (at >= 0 ? rest.slice(0, at) : rest).replace(/^\/+/, '') || undefined;
}

interface PredicateClaims {
  repository?: string;
  ref?: string;
  commit?: string;
  workflowPath?: string;
  runnerEnvironment?: string;
  trigger?: string;
}

/** What the (self-asserted) SLSA predicate says; only used where the certificate is silent. */
function predicateClaims(predicate: unknown): PredicateClaims {
  const p = isRecord(predicate) ? predicate : {};
  const get = (...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), p);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const workflow = get('buildDefinition', 'externalParameters', 'workflow');
  if (isRecord(workflow)) {
    // SLSA v1 (npm): workflow { repository, path, ref }, resolvedDependencies[0].digest.gitCommit
    const deps = get('buildDefinition', 'resolvedDependencies');
    const dep = Array.isArray(deps) && isRecord(deps[0]) && isRecord(deps[0].digest) ? deps[0].digest : {};
    const builder = text(get('runDetails', 'builder', 'id'));
    return {
      repository: text(workflow.repository),
      ref: text(workflow.ref),
      workflowPath: text(workflow.path),
      commit: text(dep.gitCommit),
      runnerEnvironment: builder?.startsWith(GITHUB_RUNNER) ? builder.slice(GITHUB_RUNNER.length) || undefined : undefined,
      trigger: text(get('buildDefinition', 'internalParameters', 'github', 'event_name')),
    };
  }
  // SLSA v0.2 (npm): invocation.configSource { uri: git+https://github.com/o/r@ref, digest.sha1, entryPoint: o/r/path@ref }
  const source = get('invocation', 'configSource');
  if (!isRecord(source)) return {};
  const uri = text(source.uri)?.replace(/^git\+/, '');
  const at = uri?.lastIndexOf('@') ?? -1;
  const repository = uri && at > 0 ? uri.slice(0, at) : uri;
  const entry = text(source.entryPoint)?.replace(/@[^@]*$/, '');
  const repoPath = repository ? safePath(repository) : undefined;
  return {
    repository,
    ref: uri && at > 0 ? uri.slice(at + 1) : undefined,
    commit: isRecord(source.digest) ? text(source.digest.sha1) : undefined,
    workflowPath: repoPath && entry?.startsWith(`${repoPath}/`) ? entry.slice(repoPath.length + 1) : entry,
    trigger: text(get('invocation', 'environment', 'GITHUB_EVENT_NAME')),
  };
}

function safePath(url: string): string | undefined {
  try {
    return new URL(url).pathname.replace(/^\/+|\/+$/g, '') || undefined;
  } catch {
    return undefined;
  }
}

// ---- small helpers ----

function findLog(trust: TrustContext, keyId: Buffer | undefined) {
  if (!keyId) return undefined;
  return trust.trustedRoot.tlogs.find((t) => !!t.logId?.keyId.equals(keyId) || !!t.checkpointKeyId?.keyId.equals(keyId));
}

function sha512Hex(integrity: string): string | undefined {
  for (const part of String(integrity).trim().split(/\s+/)) {
    const m = /^sha512-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(part);
    if (!m) continue;
    const bytes = Buffer.from(m[1], 'base64');
    if (bytes.length === 64) return bytes.toString('hex');
  }
  return undefined;
}

function describePredicate(type: string): string {
  if (type === NPM_PUBLISH_PREDICATE) return 'npm publish attestation';
  if (type.startsWith(SLSA_PREFIX)) return `SLSA provenance ${type.slice(SLSA_PREFIX.length)}`;
  return type;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function message(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && !e.message.startsWith(code) ? `${code}: ${e.message}` : e.message;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
