import * as vscode from 'vscode';
import type { EvaluateResult } from '../protocol/service';
import type { DiagnosticsRenderer } from './diagnostics';

export interface FolderScan {
  folder: vscode.WorkspaceFolder;
  /** Undefined when the scan failed, or was replaced by a newer one. */
  result: EvaluateResult | undefined;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The one line a finished Scan / Deep Scan / Restart Service says: packages, problems by severity, what was not checked. */
export function scanSummary(what: string, scans: FolderScan[], counts: Record<'error' | 'warning' | 'info', number>): string {
  const results = scans.flatMap((s) => (s.result ? [s.result] : []));
  const packages = results.reduce((n, r) => n + r.stats.packages, 0);
  const notChecked = results.reduce((n, r) => n + r.notChecked.length, 0);
  const where = scans.length === 1 ? ` of ${scans[0].folder.name}` : '';
  const problems = [count(counts.error, 'error'), count(counts.warning, 'warning'), count(counts.info, 'note')].join(', ');
  return `TrustLens: ${what}${where} finished — ${count(packages, 'package')} checked: ${problems}${notChecked ? `; ${notChecked} not checked` : ''}.`;
}

/**
 * Says how a scan the user asked for ended: a short notification with the counts, or a warning naming the folder
 * whose scan failed (its package.json says why). A scan replaced by a newer one says nothing: the newer one counts.
 */
export function reportScans(what: string, scans: FolderScan[], diagnostics: DiagnosticsRenderer): void {
  const failed = scans.find((s) => !s.result && diagnostics.failures.has(s.folder.uri.fsPath));
  if (failed) {
    void vscode.window.showWarningMessage(
      `TrustLens: the ${what.toLowerCase()} of ${failed.folder.name} failed: ${diagnostics.failures.get(failed.folder.uri.fsPath)}`,
    );
    return;
  }
  if (!scans.some((s) => s.result)) return;
  void vscode.window.showInformationMessage(scanSummary(what, scans, diagnostics.counts()));
}
