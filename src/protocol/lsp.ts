/**
 * What `trustlens lsp` adds to the Language Server Protocol, named and typed in one place (as rust-analyzer's
 * `lsp_ext` does): the settings an editor passes (as `initializationOptions` and in answer to
 * `workspace/configuration` for the section `trustlens`) and the requests LSP has no word for.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { FindingCode, Severity } from '../core/trust/types';

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
}

export interface ScanParams {
  /** A document of the folder to scan again now (absent: every folder). */
  uri?: string;
}

export interface ScanResult {
  /** Per scanned folder: its path and how many findings the scan made, or why it failed. */
  folders: { root: string; findings?: number; error?: string }[];
}

/** Scan now, without waiting for an edit (the extension's "TrustLens: Scan Workspace"). */
export const ScanRequest = new RequestType<ScanParams, ScanResult, void>('trustlens/scan');
