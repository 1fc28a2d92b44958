import * as path from 'node:path';
import * as vscode from 'vscode';
import { type TextEdit, overrideEdits, pinEdit } from '../core/edits';
import { parseManifest } from '../core/manifest';
import type { DiagnosticData } from '../core/report/diagnostics';
import { SOURCE, findingOf } from './diagnostics';
import type { Scanner } from './scanner';

/** Quick fixes on TrustLens problems: pin to the safe version, override a transitive one, allow with a reason. */
export class TrustCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly scanner: Scanner) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      if (diag.source !== SOURCE) continue;
      const data = findingOf.get(diag);
      if (!data) continue;
      const safe = data.safeVersion && data.safeVersion !== data.version ? data.safeVersion : undefined;
      if (safe && data.direct) {
        const pin = await this.pinAction(folder, doc, data, safe);
        if (pin) actions.push(withDiagnostic(pin, diag, true));
      } else if (safe && !data.direct) {
        const override = await this.overrideAction(folder, data, safe);
        if (override) actions.push(withDiagnostic(override, diag, true));
      }
      const allow = new vscode.CodeAction(`Allow ${data.package}@${data.version} for ${data.code}…`, vscode.CodeActionKind.QuickFix);
      allow.command = { title: allow.title, command: 'trustlens.allow', arguments: [folder.uri, data] };
      actions.push(withDiagnostic(allow, diag, false));
      const report = new vscode.CodeAction(`Show trust report for ${data.package}`, vscode.CodeActionKind.QuickFix);
      report.command = { title: report.title, command: 'trustlens.showReport', arguments: [data.package, folder.uri] };
      actions.push(withDiagnostic(report, diag, false));
    }
    return actions;
  }

  /** Pin the direct dependency in the manifest that declares it (this document when it is that package.json). */
  private async pinAction(folder: vscode.WorkspaceFolder, doc: vscode.TextDocument, data: DiagnosticData, safe: string): Promise<vscode.CodeAction | undefined> {
    const manifestDoc = path.basename(doc.uri.fsPath) === 'package.json' ? doc : await openRootManifest(folder);
    if (!manifestDoc) return undefined;
    const dep = parseManifest(manifestDoc.getText()).dependencies.find(
      (d) => ['dependencies', 'devDependencies', 'optionalDependencies'].includes(d.section) && (d.spec.registryName ?? d.name) === data.package,
    );
    if (!dep || !['range', 'version', 'tag', 'alias'].includes(dep.spec.type)) return undefined;
    const action = new vscode.CodeAction(`Pin ${data.package} to ${safe} (last trusted)`, vscode.CodeActionKind.QuickFix);
    action.edit = toWorkspaceEdit(manifestDoc, [pinEdit(dep, safe)]);
    action.command = { title: 'Offer install', command: 'trustlens.offerInstall', arguments: [folder.uri, `${data.package}@${safe}`] };
    return action;
  }

  /** Force a transitive dependency in the root manifest, in the section of the workspace's package manager. */
  private async overrideAction(folder: vscode.WorkspaceFolder, data: DiagnosticData, safe: string): Promise<vscode.CodeAction | undefined> {
    const root = await openRootManifest(folder);
    if (!root) return undefined;
    const pm = this.scanner.results.get(folder.uri.fsPath)?.packageManager ?? 'npm';
    const section = pm === 'yarn' ? 'resolutions' : pm === 'pnpm' ? 'pnpm.overrides' : 'overrides';
    const action = new vscode.CodeAction(`Override ${data.package} to ${safe} (last trusted) in ${section}`, vscode.CodeActionKind.QuickFix);
    action.edit = toWorkspaceEdit(root, overrideEdits(root.getText(), pm, data.package, safe));
    action.command = { title: 'Offer install', command: 'trustlens.offerInstall', arguments: [folder.uri, `${data.package}@${safe}`] };
    return action;
  }
}

function withDiagnostic(action: vscode.CodeAction, diag: vscode.Diagnostic, preferred: boolean): vscode.CodeAction {
  action.diagnostics = [diag];
  action.isPreferred = preferred;
  return action;
}

export async function openRootManifest(folder: vscode.WorkspaceFolder): Promise<vscode.TextDocument | undefined> {
  try {
    return await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'package.json'));
  } catch {
    return undefined;
  }
}

export function toWorkspaceEdit(doc: vscode.TextDocument, edits: TextEdit[]): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  for (const e of edits) we.replace(doc.uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
  return we;
}
