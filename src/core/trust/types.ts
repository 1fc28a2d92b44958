/**
 * The trust model: what the engine learns about each package version, and the findings the rules derive from it.
 * Plain data (JSON-serialisable): it is cached on disk and crosses the extension ↔ service boundary.
 */

export { SEVERITIES, type Severity } from './severity';
export type { FindingCode } from './codes';
import type { Severity } from './severity';
import type { FindingCode } from './codes';

/** A GitHub/GitLab trusted publisher (OIDC) as the registry records it in `_npmUser.trustedPublisher`. */
export interface TrustedPublisher {
  id: string;
  oidcConfigId?: string;
}

export interface Publisher {
  name: string;
  email?: string;
  trustedPublisher?: TrustedPublisher;
  /** Staged publishing: the maintainer who approved a staged release (`_npmUser.approver`). */
  approver?: { name: string; email?: string };
}

/** One version of a package, reduced from the registry's packument: everything the rules need, nothing else. */
export interface VersionSummary {
  version: string;
  /** ISO-8601 publish time from the packument's `time` map. */
  publishedAt?: string;
  publisher?: Publisher;
  /** Maintainer names at the time of this version's publish (as the version document lists them). */
  maintainers?: string[];
  /** Lifecycle scripts that run on install. */
  installScripts?: { preinstall?: string; install?: string; postinstall?: string };
  /** The registry's own flag (also set for a binding.gyp without scripts). */
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  /** `optionalDependencies` and `peerDependencies`: a release may add a dependency in any section that installs. */
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  /** `repository` (its URL), as the version's package.json claims it. */
  repository?: string;
  integrity?: string;
  shasum?: string;
  /**
   * `dist.tarball` when it is not the registry's usual URL for the version (`tarballOf` gives the URL either way): npm
   * and every mirror seen give the usual one, and a scan holds every version of every package (compass: 136,000 URLs).
   */
  tarball?: string;
  signatures?: { keyid: string; sig: string }[];
  /** `dist.attestations`: where the Sigstore bundles are and which provenance predicate they carry. */
  attestations?: { url: string; provenancePredicateType?: string };
  deprecated?: string;
  fileCount?: number;
  unpackedSize?: number;
}

/** Which kinds of trust metadata a registry's packument carries at all (a mirror may strip them all). */
export interface TrustMetadataPresence {
  publisher: boolean;
  maintainers: boolean;
  signatures: boolean;
  attestations: boolean;
}

export interface PackageSummary {
  name: string;
  /** Registry base URL the summary came from (with trailing slash). */
  registry: string;
  distTags: Record<string, string>;
  versions: Record<string, VersionSummary>;
  /** Whether any version carried each kind of trust metadata. */
  trustMetadata: TrustMetadataPresence;
  /** When the summary was fetched (ISO-8601), and the validators for revalidation. */
  fetchedAt: string;
  etag?: string;
  lastModified?: string;
}

/** What Sigstore verification of a version's attestations concluded. */
export interface ProvenanceVerdict {
  /**
   * verified: every bundle verified and the subject matched; invalid: a bundle failed or did not match;
   * absent: the registry says this version has no attestations; unknown: it could not be checked (say why).
   */
  status: 'verified' | 'invalid' | 'absent' | 'unknown';
  reason?: string;
  /** The registry's keyed npm publish attestation was present and verified. */
  publishAttestation?: boolean;
  provenance?: ProvenanceIdentity;
  /** Which trusted root verified it: Sigstore's TUF repository, the copy embedded in @sigstore/tuf (offline), or a test root. */
  trustedRoot?: 'tuf' | 'embedded' | 'custom';
}

/**
 * The workflow identity of one release whose provenance TrustLens verified: what started the build, where it ran,
 * who approved the staged publish. The engine remembers these per package across checks (its disk cache), so that a
 * release is compared with every identity its line was seen built with, not with one baseline release only.
 */
export interface IdentityRecord {
  version: string;
  /** GitHub's event name (push, release, workflow_dispatch, pull_request_target…). */
  trigger?: string;
  /** `github-hosted` or `self-hosted`. */
  runner?: string;
  /** The staged-publish approver (`_npmUser.approver.name`). */
  approver?: string;
}

/** The signer identity in a verified SLSA provenance attestation (v1 or v0.2). */
export interface ProvenanceIdentity {
  predicateType: string;
  /** e.g. https://github.com/owner/repo */
  sourceRepository?: string;
  /** e.g. refs/tags/v1.2.3 or refs/heads/main */
  sourceRef?: string;
  sourceCommit?: string;
  /** e.g. .github/workflows/release.yml */
  workflowPath?: string;
  /** Full build signer URI (certificate SAN). */
  buildSignerUri?: string;
  issuer?: string;
  /** `github-hosted` or `self-hosted` (Fulcio's Runner Environment). */
  runnerEnvironment?: string;
  /** What started the build (GitHub's event name, e.g. push, release, workflow_dispatch). */
  trigger?: string;
  /** The transparency-log entry: index, integrated time (ISO-8601) and a link to it. */
  tlog?: { logIndex: string; integratedTime?: string; url?: string };
}

/** What verifying the registry's ECDSA signature over `${name}@${version}:${integrity}` concluded. */
export interface SignatureVerdict {
  status: 'valid' | 'invalid' | 'missing' | 'unknown';
  keyid?: string;
  reason?: string;
}

/** How an advisory says which versions it affects: an npm semver range, or OSV `affected` entries. */
export type AffectedVersions = { kind: 'semver'; range: string } | { kind: 'osv'; affected: OsvAffected[] };

/** The subset of an OSV `affected[]` entry that decides which versions are affected. */
export interface OsvAffected {
  package?: { ecosystem?: string; name?: string };
  ranges?: { type: string; events: Record<string, string>[] }[];
  versions?: string[];
}

export interface Advisory {
  /** e.g. GHSA-xxxx, MAL-2025-12345, or the npm advisory number. */
  id: string;
  aliases: string[];
  source: 'npm' | 'osv' | 'osv-offline';
  packageName: string;
  severity: Severity;
  title: string;
  url?: string;
  /** The advisory marks versions as malicious (OSV MAL-*, a GHSA malware advisory, CWE-506). */
  malware: boolean;
  affected: AffectedVersions;
  /** When the advisory was published (ISO-8601), where the source says (OSV `published`; npm's bulk endpoint does not). */
  published?: string;
}

export interface Evidence {
  /** What was compared or observed, e.g. "publisher of 1.4.1". */
  label: string;
  /** The observed value, e.g. "alice <alice@example.com>". */
  value: string;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  package: string;
  version: string;
  message: string;
  evidence: Evidence[];
  /** The newest version the range allows that is safe (see safe-version.ts), or null when there is none. */
  safeVersion: string | null;
  /** For advisories: the advisory. */
  advisory?: { id: string; url?: string; title: string };
  /** The release this finding compared the version with (see baseline.ts); the evidence says why that one. */
  baseline?: string;
  /** For `coordinated-release`: the incident this version is a member of (shown as one group). */
  incident?: IncidentRef;
  /** For `check-incomplete` in an early result: what was not judged is still being judged (see coverage.ts). */
  pending?: true;
}

/** A correlated incident across packages (see correlate.ts), as each member's finding carries it. */
export interface IncidentRef {
  id: string;
  /** e.g. "6 packages of @acme gained the same lib/metrics.js within 9 minutes" */
  title: string;
  /** name@version of every member. */
  members: string[];
}
