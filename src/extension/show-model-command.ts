import * as vscode from 'vscode';
import { formatListText } from '../core/list';
import { ModelRequest } from '../protocol/service';
import type { ServiceClient } from './service-client';

/**
 * "TrustLens: Show Dependency Model": the parsed model of the active (or first) workspace folder, unsaved buffers
 * included, written to the TrustLens output channel. The background service parses it: the extension host loads
 * no lockfile parser.
 */
export async function showDependencyModel(service: ServiceClient, output: vscode.LogOutputChannel): Promise<void> {
  const folder = vscode.window.activeTextEditor
    ? vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri)
    : vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('TrustLens: open a folder with a package.json first.');
    return;
  }
  const overlay: { path: string; text: string }[] = [];
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && doc.uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(doc.uri) === folder) {
      overlay.push({ path: vscode.workspace.asRelativePath(doc.uri, false).replace(/\\/g, '/'), text: doc.getText() });
    }
  }
  const model = await (await service.get()).sendRequest(ModelRequest, { root: folder.uri.fsPath, overlay });
  output.info(`Dependency model of ${folder.name}: ${model.packages.length} packages from ${model.lockfile?.file ?? 'no lockfile'} in ${model.durationMs} ms`);
  for (const p of model.problems) output.warn(`${p.file}:${p.range.start.line + 1}:${p.range.start.character + 1} ${p.message}`);
  output.info('\n' + formatListText(model.packages).join('\n'));
  output.show(true);
}
