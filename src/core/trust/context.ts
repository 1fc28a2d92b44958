import type { PackageSource } from '../model';
import type { History } from './history';
import type { DowngradePolicy } from './policy';
import type { Advisory, Evidence, IdentityRecord, IncidentRef, FindingCode, ProvenanceVerdict, Severity, SignatureVerdict } from './types';

/** What the registry a package comes from can tell us at all. */
export interface RegistryFacts {
  /** Base URL, trailing slash. */
  url: string;
  /** The registry serves some trust metadata (publishers, signatures, attestations); false for stripped mirrors. */
  trustData: boolean;
  /** The registry publishes signing keys (`/-/npm/v1/keys`). */
  hasKeys: boolean;
}

/** Everything known about one installed package version when the rules run. */
export interface PackageContext {
  name: string;
  version: string;
  /** How the lockfile says it was obtained. */
  locked: { integrity?: string; resolved?: string; source: PackageSource; bundled?: boolean; conditional?: boolean; dev?: boolean };
  /** The registry's history of the package, or undefined when the registry could not be asked. */
  history?: History;
  /** The registry answered that it has no package of this name at all (404). */
  notOnRegistry?: boolean;
  registry: RegistryFacts;
  /** Hosts (lower-case, with port if any) of every configured registry: default and scoped. */
  configuredHosts: string[];
  provenance?: ProvenanceVerdict;
  /** The verified provenance of the latest earlier release that had provenance, for comparison. */
  baselineProvenance?: { version: string; verdict: ProvenanceVerdict };
  /**
   * The workflow identities (trigger, runner, approver) of this package's releases whose provenance TrustLens
   * verified, in this check or earlier ones (remembered by the engine), sorted by semver; the rule picks the earlier
   * releases of the judged version's line.
   */
  identityHistory?: readonly IdentityRecord[];
  signature?: SignatureVerdict;
  advisories: Advisory[];
  /** What looking inside the tarball found, compared with the release before (when it was analysed). */
  contentFindings?: RawFinding[];
  /**
   * For a scoped package: everyone who published a release of another package of the same scope that this check
   * read (a publisher new to the whole scope corroborates `publisher-changed`). Undefined when no other package of
   * the scope was read.
   */
  scopePublishers?: ReadonlySet<string>;
  /**
   * The registry histories of the dependencies this version adds over its baseline (see rules/new-dependency.ts),
   * by name; undefined when the engine did not look them up.
   */
  dependencyHistories?: ReadonlyMap<string, History>;
  /**
   * Publishers of those dependencies who had published other packages that this check read more than a year before
   * this version: established accounts, not throwaways.
   */
  establishedPublishers?: ReadonlySet<string>;
  /** Findings of the correlation stage across packages (`coordinated-release`), made in the engine. */
  correlatedFindings?: RawFinding[];
  /** The policy's trust-downgrade scope (`.trustlens.jsonc` "downgrade"). */
  downgrade?: DowngradePolicy;
  /**
   * The lockfile the downgrade policy is anchored to (`downgrade.baseline`, `--baseline`), for this package: which
   * baseline, and the versions of this name it locks (empty: the package is new since the baseline).
   */
  downgradeBaseline?: { source: string; versions: readonly string[] };
  now: Date;
  cooldownMs: number;
}

/** A finding before policy and safe-version choice. */
export interface RawFinding {
  code: FindingCode;
  severity: Severity;
  message: string;
  evidence: Evidence[];
  advisory?: { id: string; url?: string; title: string };
  /** The release this finding compared the version with (see baseline.ts); its evidence says why that one. */
  baseline?: string;
  incident?: IncidentRef;
}

export type Rule = (ctx: PackageContext) => RawFinding[];

export function publisherLabel(p: { name: string; email?: string } | undefined): string {
  if (!p) return 'unknown';
  return p.email ? `${p.name} <${p.email}>` : p.name;
}
