import type { InstalledPackage, ProjectModel } from '../../core/model';
import type { TrustCard } from '../../core/report/card';
import type { LocatedFinding } from '../../core/report/locate';
import type { RegistryFacts } from '../../core/trust/context';
import type { Uncovered } from '../../core/trust/coverage';
import type { ContentLimits } from '../../core/content/types';
import type { Policy, PolicyDefaults } from '../../core/trust/policy';
import type { Finding } from '../../core/trust/types';
import type { AdvisoryConfig } from '../advisories/sources';
import type { PackageError } from '../infra/errors';
import type { CheckSession } from '../session/session';
import type { TrustContext } from '../sigstore/trust-root';

/**
 * What a check takes and gives: shared by the pipeline's stages (which used to take them from the orchestrator,
 * and so imported it back: an import cycle through every stage).
 */
export interface CheckOptions {
  projectDir: string;
  /** Unsaved buffers (path relative to projectDir → text). */
  overlay?: ReadonlyMap<string, string>;
  /** Evaluate as of this instant (default: now). */
  now?: Date;
  /** Default registry override (--registry). */
  registry?: string;
  advisories?: AdvisoryConfig;
  offline?: boolean;
  cacheDir?: string;
  /** Restricted Mode: ignore the project's .npmrc. */
  ignoreProjectNpmrc?: boolean;
  /**
   * The folder is not trusted (Restricted Mode, `--untrusted-project`): its `.trustlens.jsonc` may only make
   * TrustLens stricter (no allow entries, no lowered severity, threshold or cooldown).
   */
  untrustedProject?: boolean;
  /**
   * The lockfile `provenance-downgrade` is anchored to (`--baseline`): a path (absolute, or relative to the project)
   * or `git:REF` for the project's lockfile at that revision. Over the policy's `downgrade.baseline`.
   */
  baseline?: string;
  /** The policy to apply, instead of the project's `.trustlens.jsonc`. */
  policy?: Policy;
  /** What the project's `.trustlens.jsonc` does not set (the editor's settings); ignored with `policy`. */
  policyDefaults?: PolicyDefaults;
  /**
   * Look inside tarballs: 'auto' (default) for direct dependencies and versions that already have a finding or
   * are new; 'deep' for every registry package; 'off' never.
   */
  content?: 'auto' | 'deep' | 'off';
  /** Sigstore trust material; default: TUF with the embedded fallback. */
  trust?: TrustContext | (() => Promise<TrustContext>);
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /**
   * Accept what could not be judged: `check-incomplete` findings are info instead of the policy threshold's severity
   * (they are still reported).
   */
  allowIncomplete?: boolean;
  concurrency?: number;
  /** How long package histories and keys are used before they are asked again (default 5 minutes). */
  cacheTtlMs?: number;
  /** Bounds of reading one tarball (bytes, file size, time; default DEFAULT_CONTENT_LIMITS). */
  contentLimits?: Partial<ContentLimits>;
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * The editor's early result: called before content analysis when some of it is still to run (not in the cache),
   * then as analyses end (see partialIntervalMs). Each such report has every version still to analyse as a pending
   * `content` gap (a `check-incomplete` finding at info: unknown, and shown); the check goes on, and its result
   * replaces them. Never called when nothing is pending; never after the check's result is made.
   */
  onPartial?: (report: CheckReport) => void | Promise<void>;
  /**
   * After the early result, onPartial is called again as analyses end (what is settled so far, the rest pending), at
   * most this often (default 5000 ms; and at most a twentieth of the time goes on making and sending them).
   */
  partialIntervalMs?: number;
  log?: (line: string) => void;
  /**
   * 'advisories': only what npm audit judges (advisories and their safe versions); no packuments except for the
   * names an advisory hits, no keys, attestations or tarballs. Default 'all'.
   */
  signals?: 'all' | 'advisories';
  /**
   * Judge these packages instead of what the project would install (e.g. every version its lockfiles held in git
   * history: src/engine/exposure.ts). The project's files still give the policy and registry configuration.
   */
  packages?: InstalledPackage[];
  /**
   * A long-lived process's memory between checks (the service); without it every check starts afresh. With it,
   * `now` defaults to the start of the current minute.
   */
  session?: CheckSession;
}

export type { PackageError } from '../infra/errors';

export interface CheckReport {
  model: ProjectModel;
  findings: LocatedFinding[];
  /** One card per checked registry name@version: what a hover shows. */
  cards: TrustCard[];
  allowed: { finding: Finding; reason: string; expires?: string }[];
  errors: PackageError[];
  /** What could not be judged (each also a `check-incomplete` finding, unless allowed): empty when the check is complete. */
  notChecked: Uncovered[];
  /**
   * Where the judged versions come from: the lockfile, or (no lockfile, or one the package manager ignores) what the
   * manifests' ranges resolve to at the evaluation time.
   */
  resolution: 'locked' | 'no-lockfile' | 'lockfile-ignored' | 'lockfile-unread';
  /** Things the reader should know about how the check ran (e.g. an offline Sigstore trusted root). */
  notes: string[];
  registries: RegistryFacts[];
  policy: Policy;
  stats: { packages: number; versions: number; requests: number; durationMs: number; phases: PhaseTimes };
}

/** Where a check's time went, in ms: reading files, parsing, gathering evidence, judging, tarballs, placing. */
export interface PhaseTimes {
  read: number;
  parse: number;
  evidence: number;
  evaluate: number;
  content: number;
  report: number;
}
