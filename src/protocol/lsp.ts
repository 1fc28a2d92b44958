/**
 * What `trustlens lsp` adds to the Language Server Protocol, named and typed in one place (as rust-analyzer's
 * `lsp_ext` does): the settings an editor passes (as `initializationOptions` and in answer to
 * `workspace/configuration` for the section `trustlens`) and the requests LSP has no word for.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { SbomFormat } from '../core/report/sbom';
import type { FindingCode, Severity } from '../core/trust/types';
import type { ReportResult, SbomResult } from './service';

/**
 * The `trustlens` section, shaped as the VS Code extension's `trustlens.*` settings (the README's settings table):
 * nested objects (`{ advisories: { sources: ['npm'] } }`) and dotted keys (`{ 'advisories.sources': ['npm'] }`)
 * are both read. `initializationOptions` may be this object itself or `{ trustlens: … }`.
 */
export interface LspSettings {
  registry?: string;
  evaluationTime?: string;
  sigstoreTrustedRoot?: string;
  online?: boolean;
  advisories?: { sources?: ('npm' | 'osv')[]; osvDirectory?: string };
  cooldownDays?: number;
  threshold?: Severity;
  severity?: Partial<Record<FindingCode, Severity>>;
  cacheTtlMinutes?: number;
  allowIncomplete?: boolean;
  /** Per code: error, warning, information, hint, or none (not shown). */
  diagnosticSeverity?: Partial<Record<FindingCode, 'error' | 'warning' | 'information' | 'hint' | 'none'>>;
  /**
   * For a project not yet reviewed: its .npmrc is ignored and its .trustlens.jsonc may only make the check stricter
   * (what VS Code's Restricted Mode does; an editor without workspace trust sets it itself).
   */
  untrustedProject?: boolean;
  /** Days until the allow entries the Allow code action writes expire (default 90). */
  allowExpiryDays?: number;
}

export interface ScanParams {
  /** A document of the folder to scan again now (absent: every folder). */
  uri?: string;
  /** Also read the contents of every registry package, not only of direct, flagged and new ones (a deep scan). */
  deep?: boolean;
}

export interface ScanResult {
  /** Per scanned folder: its path and how many findings the scan made, or why it failed. */
  folders: { root: string; findings?: number; error?: string; deep?: boolean }[];
}

/** Scan now, without waiting for an edit (the extension's "TrustLens: Scan Workspace"). */
export const ScanRequest = new RequestType<ScanParams, ScanResult, void>('trustlens/scan');

export interface ReportParams {
  /** A document of the project folder (its package.json, say). */
  uri: string;
  /** The package whose trust report is asked for. */
  name: string;
}

/**
 * The trust report's data for one package (what the VS Code extension's report page shows): its release timeline
 * with provenance and publishers, the last scan's findings for it, and when each version was locked (git history).
 */
export const ReportRequest = new RequestType<ReportParams, ReportResult, void>('trustlens/report');

export interface SbomParams {
  /** A document of the project folder. */
  uri: string;
  format: SbomFormat;
}

/** The folder's SBOM (CycloneDX 1.6 or SPDX 2.3 JSON, with trust evidence), from the last scan or a scan now. */
export const SbomRequest = new RequestType<SbomParams, SbomResult, void>('trustlens/sbom');

/**
 * Commands the server executes (`workspace/executeCommand`); code actions carry them. `showPolicyEntry` opens
 * .trustlens.jsonc at the reason the Allow action left for the person to write.
 */
export const LSP_COMMANDS = { showPolicyEntry: 'trustlens.showPolicyEntry' } as const;
