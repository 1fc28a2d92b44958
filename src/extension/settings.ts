import * as vscode from 'vscode';
import type { ServiceSettings } from '../protocol/service';
import type { FindingCode, Severity } from '../core/trust/types';

/** `trustlens.*` settings and workspace trust, as the service wants them. */
export function serviceSettings(folder: vscode.WorkspaceFolder | undefined): ServiceSettings {
  const c = vscode.workspace.getConfiguration('trustlens', folder);
  const sources = c.get<string[]>('advisories.sources', ['npm']);
  const osvDir = c.get<string>('advisories.osvDirectory') || undefined;
  return {
    online: c.get<boolean>('online', true),
    advisories: { npm: sources.includes('npm'), osv: sources.includes('osv'), ...(osvDir ? { osvDir } : {}) },
    cooldownDays: c.get<number>('cooldownDays'),
    threshold: c.get<Severity>('threshold'),
    severity: c.get<Partial<Record<FindingCode, Severity>>>('severity', {}),
    registry: c.get<string>('registry') || undefined,
    cacheTtlMinutes: c.get<number>('cacheTtlMinutes'),
    trustedRoot: c.get<string>('sigstoreTrustedRoot') || undefined,
    now: c.get<string>('evaluationTime') || undefined,
    allowIncomplete: c.get<boolean>('allowIncomplete', false),
    restricted: !vscode.workspace.isTrusted,
  };
}

/** How a finding's severity shows in the Problems panel; overridable per code with `trustlens.diagnosticSeverity`. */
export function diagnosticSeverity(code: FindingCode, severity: Severity): vscode.DiagnosticSeverity | undefined {
  const override = vscode.workspace.getConfiguration('trustlens').get<Record<string, string>>('diagnosticSeverity', {})[code];
  switch (override) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'information':
      return vscode.DiagnosticSeverity.Information;
    case 'hint':
      return vscode.DiagnosticSeverity.Hint;
    case 'none':
      return undefined;
  }
  if (severity === 'critical' || severity === 'high') return vscode.DiagnosticSeverity.Error;
  if (severity === 'medium') return vscode.DiagnosticSeverity.Warning;
  if (severity === 'low') return vscode.DiagnosticSeverity.Information;
  return vscode.DiagnosticSeverity.Hint;
}
