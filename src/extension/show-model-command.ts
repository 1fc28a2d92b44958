import * as vscode from 'vscode';
import { loadProject } from '../engine/project-files';
import { listRecords, formatListText } from '../core/list';

/**
 * "TrustLens: Show Dependency Model": the parsed model of the first workspace folder, unsaved buffers included,
 * written to the TrustLens output channel. Its own bundle (dist/show-model.js, with every lockfile parser), which
 * extension.ts loads when the command first runs.
 */
export async function showDependencyModel(output: vscode.LogOutputChannel): Promise<void> {
  const folder = vscode.window.activeTextEditor
    ? vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri)
    : vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('TrustLens: open a folder with a package.json first.');
    return;
  }
  const overlay = new Map<string, string>();
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && doc.uri.scheme === 'file') {
      const rel = vscode.workspace.asRelativePath(doc.uri, false).replace(/\\/g, '/');
      overlay.set(rel, doc.getText());
    }
  }
  const started = Date.now();
  const model = await loadProject(folder.uri.fsPath, overlay);
  output.info(`Dependency model of ${folder.name}: ${model.lockfile?.packages.length ?? 0} packages from ${model.lockfile?.file ?? 'no lockfile'} in ${Date.now() - started} ms`);
  for (const p of model.problems) output.warn(`${p.file}:${p.range.start.line + 1}:${p.range.start.character + 1} ${p.message}`);
  output.info('\n' + formatListText(listRecords(model)).join('\n'));
  output.show(true);
}
