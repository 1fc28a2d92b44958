/**
 * The one protocol between the extension and the background trust service (vscode-jsonrpc over Node IPC).
 * Both sides import this file; everything crossing it is plain JSON.
 */
import { NotificationType, ProgressType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ListRecord } from '../core/list';
import type { LockfileKind, ParseProblem } from '../core/model';
import type { CardsDelta } from './cards-delta';
import type { TrustCard } from '../core/report/card';
import type { LocatedFinding } from '../core/report/locate';
import type { ReleaseTimeline } from '../core/report/timeline';
import type { RegistryFacts } from '../core/trust/context';
import type { Uncovered } from '../core/trust/coverage';
import type { FindingCode, Severity } from '../core/trust/types';
import type { PackageExposure } from '../core/exposure';
import type { SbomFormat } from '../core/report/sbom';

/** Settings the extension passes with every request (from `trustlens.*` and workspace trust). */
export interface ServiceSettings {
  /** Online lookups allowed (registry, advisories). Off: cache only. */
  online: boolean;
  advisories: { npm: boolean; osv: boolean; osvDir?: string };
  cooldownDays?: number;
  threshold?: Severity;
  severity?: Partial<Record<FindingCode, Severity>>;
  /** Registry override for trust metadata (default: from .npmrc). */
  registry?: string;
  cacheTtlMinutes?: number;
  /** Restricted Mode: the repository's .npmrc must not redirect lookups or provide credentials. */
  restricted: boolean;
  /** Sigstore trusted root JSON file (a private Sigstore instance, or tests). */
  trustedRoot?: string;
  /** Evaluate as of this instant (tests and replays). */
  now?: string;
  /** Content analysis: 'auto' (direct deps, flagged and new versions), 'deep' (everything), 'off'. */
  content?: 'auto' | 'deep' | 'off';
  /** Accept what could not be judged: `check-incomplete` findings are info instead of the threshold's severity. */
  allowIncomplete?: boolean;
}

export interface EvaluateParams {
  /** Workspace folder (absolute path). A newer request for the same root supersedes an older one. */
  root: string;
  /** Unsaved editor buffers: path relative to root → text. */
  overlay: { path: string; text: string }[];
  settings: ServiceSettings;
  /** The `cardsTag` of the last result the extension kept for this root: the service then sends a delta. */
  cardsBase?: string;
  /**
   * Send results so far under this token (`PartialEvaluateProgress`) when tarballs are still to be analysed: first what
   * is known without them, then (every few seconds) with the analyses that ended; the ones still running are
   * `check-incomplete` at info, `pending`. Each one's cards are a delta from the one before (the first from
   * `cardsBase`), like a result's, and the final result's cards a delta from the last one's `cardsTag`.
   */
  partialResultToken?: string;
}

export interface EvaluateResult {
  root: string;
  findings: LocatedFinding[];
  /** Every hover card, or none when `cardsDelta` says what changed since `cardsBase`. */
  cards: TrustCard[];
  cardsDelta?: CardsDelta;
  /** Names the full card set after this result (send it back as `cardsBase`). */
  cardsTag: string;
  problems: ParseProblem[];
  /** What could not be judged (also `check-incomplete` findings): empty when the check is complete. */
  notChecked: Uncovered[];
  /** Where the judged versions come from: the lockfile, or what package.json's ranges resolve to now. */
  resolution: 'locked' | 'no-lockfile' | 'lockfile-ignored' | 'lockfile-unread';
  errors: { package: string; code: string; message: string }[];
  notes: string[];
  registries: RegistryFacts[];
  packageManager?: 'npm' | 'yarn' | 'pnpm';
  lockfile?: string;
  /** The lockfile's format (yarn classic and berry skip install scripts differently). */
  lockfileKind?: LockfileKind;
  stats: { packages: number; versions: number; requests: number; durationMs: number; phases?: Record<string, number> };
  /** A result so far (sent as PartialEvaluateProgress): some tarballs are still being analysed; the final result follows. */
  partial?: true;
}

export interface ReportParams {
  root: string;
  name: string;
  settings: ServiceSettings;
}

export interface ReportResult {
  timeline: ReleaseTimeline;
  findings: LocatedFinding[];
  /** When each version of the package was locked, from the lockfiles' git history (absent: not asked). */
  exposure?: PackageExposure;
}

export interface SbomParams {
  root: string;
  format: SbomFormat;
  settings: ServiceSettings;
  toolVersion: string;
}

export interface SbomResult {
  text: string;
  components: number;
  vulnerabilities: number;
  notChecked: number;
}

export interface ModelParams {
  root: string;
  /** Unsaved editor buffers: path relative to root → text. */
  overlay: { path: string; text: string }[];
}

/** "Show Dependency Model": the parsed model of a folder, as `trustlens list --format json` prints it. */
export interface ModelResult {
  lockfile: { file: string; kind: string; version: string } | null;
  packages: ListRecord[];
  problems: ParseProblem[];
  durationMs: number;
}

export interface ProgressParams {
  root: string;
  done: number;
  total: number;
}

export interface LogParams {
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Error codes a request can fail with (in the JSON-RPC error's `data.code`). */
export type ServiceErrorCode = 'registry-unreachable' | 'bad-input' | 'cancelled' | 'internal';

export const EvaluateRequest = new RequestType<EvaluateParams, EvaluateResult, void>('trustlens/evaluate');
export const ReportRequest = new RequestType<ReportParams, ReportResult, void>('trustlens/report');
export const ModelRequest = new RequestType<ModelParams, ModelResult, void>('trustlens/model');
/** An SBOM of the folder's last evaluation (a new one when there is none yet). */
export const SbomRequest = new RequestType<SbomParams, SbomResult, void>('trustlens/sbom');
export const ClearCacheRequest = new RequestType0<void, void>('trustlens/clearCache');
export const ProgressNotification = new NotificationType<ProgressParams>('trustlens/progress');
export const LogNotification = new NotificationType<LogParams>('trustlens/log');
/** An evaluation's results so far, under the request's `partialResultToken` ($/progress). */
export const PartialEvaluateProgress = new ProgressType<EvaluateResult>();

/**
 * The environment to start the service process with: `base`, and (unless `base` sets it) glibc's malloc told to give
 * every block of 128 KiB or more its own mapping, returned to the system when freed. By default glibc raises that
 * threshold after the first such block is freed (up to 32 MiB), and the tarballs and file texts of content analysis
 * then fragment its heap, which it keeps: in `npm run bench:real` the service's peak RSS went 424–433 → 391–400 MB
 * on compass, 376–380 → 357–366 MB on jest, at the same wall time. Other C libraries ignore the variable.
 */
export function serviceEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_MMAP_THRESHOLD_: String(128 * 1024), ...base };
}

/**
 * Node options to start the service process with: V8's young generation kept at 4 MiB per semi-space (Node 20 lets
 * it grow to 16). Content analysis allocates file texts and scans at a high rate, and a large young generation holds
 * more of them between scavenges, copies more, and promotes garbage the old generation keeps until its next full GC.
 * `npm run bench:real`, the service's cold first evaluation, 5 runs each (medians): vuecore peak RSS 342 → 295 MB
 * (308–356 → 275–337), wall 14.5 → 14.9 s, a request's 95th percentile 290 → 301 ms; compass (larger, longer-lived
 * histories) 405 → 393 MB, wall 43.5 → 38.9 s, 95th percentile 253 → 265 ms.
 */
export const SERVICE_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=4'];

/** Passed to the service process on start (argv[2], JSON). */
export interface ServiceStartOptions {
  cacheDir: string;
}
