import * as path from 'node:path';
import * as vscode from 'vscode';
import { type TextEdit, overrideEdits, pinEdit, reresolveEdits } from '../core/edits';
import { parseManifest } from '../core/manifest';
import type { DiagnosticData } from '../core/report/diagnostics';
import { moveTitle, onlyIntegrity } from '../core/report/fixes';
import { SOURCE, findingOf } from './diagnostics';
import type { Scanner } from './scanner';

/**
 * Quick fixes on TrustLens problems, one per action however many diagnostics the range touches: move a direct
 * dependency to its safe version (an upgrade or a pin back, titled as such) or override a transitive one; fetch the
 * same version again where only its hash is wrong; allow a version (all its findings, with a reason and an expiry);
 * show the trust report.
 */
export class TrustCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly scanner: Scanner) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return [];
    const actions = new Map<string, vscode.CodeAction>();
    const add = (action: vscode.CodeAction | undefined, diag: vscode.Diagnostic, preferred = false) => {
      if (!action) return;
      const known = actions.get(action.title);
      if (known) known.diagnostics = [...(known.diagnostics ?? []), diag];
      else actions.set(action.title, withDiagnostic(action, diag, preferred));
    };
    for (const diag of context.diagnostics) {
      if (diag.source !== SOURCE) continue;
      const data = findingOf.get(diag);
      if (!data) continue;
      if (data.kind === 'via') {
        // A direct dependency that brings in flagged packages: force each to its safe version.
        for (const b of data.brings ?? [])
          add(await this.overrideAction(folder, { ...data, package: b.package, version: b.version, safeVersion: b.safeVersion, direct: false }), diag, true);
        add(reportAction(folder, data.package), diag);
        continue;
      }
      const severities = (this.scanner.results.get(folder.uri.fsPath)?.findings ?? []).filter((f) => f.package === data.package && f.version === data.version);
      if (onlyIntegrity(data, severities)) add(await this.reresolveAction(folder, data), diag, true);
      else if (data.direct) add(await this.pinAction(folder, doc, data), diag, true);
      else add(await this.overrideAction(folder, data), diag, true);
      if (data.package !== '*') {
        const allow = new vscode.CodeAction(`Allow ${data.package}@${data.version}…`, vscode.CodeActionKind.QuickFix);
        allow.command = { title: allow.title, command: 'trustlens.allow', arguments: [folder.uri, data] };
        add(allow, diag);
        add(reportAction(folder, data.package), diag);
      }
    }
    return [...actions.values()];
  }

  /** Move the direct dependency in the manifest that declares it (this document when it is that package.json). */
  private async pinAction(folder: vscode.WorkspaceFolder, doc: vscode.TextDocument, data: DiagnosticData): Promise<vscode.CodeAction | undefined> {
    const title = moveTitle(data);
    if (!title) return undefined;
    const manifestDoc = path.basename(doc.uri.fsPath) === 'package.json' ? doc : await openRootManifest(folder);
    if (!manifestDoc) return undefined;
    const dep = parseManifest(manifestDoc.getText()).dependencies.find(
      (d) => ['dependencies', 'devDependencies', 'optionalDependencies'].includes(d.section) && (d.spec.registryName ?? d.name) === data.package,
    );
    if (!dep || !['range', 'version', 'tag', 'alias'].includes(dep.spec.type)) return undefined;
    const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    action.edit = toWorkspaceEdit(manifestDoc, [pinEdit(dep, data.safeVersion!)]);
    action.command = { title: 'Offer install', command: 'trustlens.offerInstall', arguments: [folder.uri, `moved ${data.package} to ${data.safeVersion}`] };
    return action;
  }

  /** Force a transitive dependency in the root manifest, in the section of the workspace's package manager. */
  private async overrideAction(folder: vscode.WorkspaceFolder, data: DiagnosticData): Promise<vscode.CodeAction | undefined> {
    const pm = this.scanner.results.get(folder.uri.fsPath)?.packageManager ?? 'npm';
    const section = pm === 'yarn' ? 'resolutions' : pm === 'pnpm' ? 'pnpm.overrides' : 'overrides';
    const title = moveTitle(data, section);
    if (!title) return undefined;
    const root = await openRootManifest(folder);
    if (!root) return undefined;
    const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    action.edit = toWorkspaceEdit(root, overrideEdits(root.getText(), pm, data.package, data.safeVersion!));
    action.command = {
      title: 'Offer install',
      command: 'trustlens.offerInstall',
      arguments: [folder.uri, `overrode ${data.package} to ${data.safeVersion} in ${section}`],
    };
    return action;
  }

  /**
   * Only the hash is wrong: fetch the same version again. In an npm lockfile (v2/v3) its `resolved` and `integrity`
   * are dropped so that the next install records what the registry serves for that very version.
   */
  private async reresolveAction(folder: vscode.WorkspaceFolder, data: DiagnosticData): Promise<vscode.CodeAction | undefined> {
    const result = this.scanner.results.get(folder.uri.fsPath);
    if (result?.lockfileKind !== 'npm' || !result.lockfile) return undefined;
    const lock = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, result.lockfile)).then(
      (d) => d,
      () => undefined,
    );
    if (!lock) return undefined;
    const edits = (data.ids ?? []).flatMap((id) => reresolveEdits(lock.getText(), id)).slice(0, 1);
    if (!edits.length) return undefined;
    const action = new vscode.CodeAction(
      `Re-resolve ${data.package}@${data.version} (fetch the same version again; its hash is wrong)`,
      vscode.CodeActionKind.QuickFix,
    );
    action.edit = toWorkspaceEdit(lock, edits);
    action.command = {
      title: 'Offer install',
      command: 'trustlens.offerInstall',
      arguments: [folder.uri, `dropped the hash of ${data.package}@${data.version} from ${result.lockfile}`],
    };
    return action;
  }
}

function reportAction(folder: vscode.WorkspaceFolder, name: string): vscode.CodeAction {
  const report = new vscode.CodeAction(`Show trust report for ${name}`, vscode.CodeActionKind.QuickFix);
  report.command = { title: report.title, command: 'trustlens.showReport', arguments: [name, folder.uri] };
  return report;
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
