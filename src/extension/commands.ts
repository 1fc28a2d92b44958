import * as path from 'node:path';
import * as vscode from 'vscode';
import { allowEdits, overrideEdits, pinAllEdits, pinEdit } from '../core/edits';
import { parseManifest } from '../core/manifest';
import type { DiagnosticData } from '../core/report/diagnostics';
import { toSarif } from '../core/report/sarif';
import { POLICY_FILE } from '../core/trust/policy';
import { ClearCacheRequest, ReportRequest } from '../protocol/service';
import { openRootManifest, toWorkspaceEdit } from './code-actions';
import type { RuntimeCommand } from './contributions';
import type { DiagnosticsRenderer } from './diagnostics';
import { showReportPanel } from './report-panel';
import { type FolderScan, reportScans } from './scan-report';
import { showDependencyModel } from './show-model-command';
import type { Scanner } from './scanner';
import type { ServiceClient } from './service-client';
import { serviceSettings } from './settings';

interface Deps {
  context: vscode.ExtensionContext;
  scanner: Scanner;
  service: ServiceClient;
  diagnostics: DiagnosticsRenderer;
  output: vscode.LogOutputChannel;
  scanAll: () => Promise<FolderScan[]>;
}

function activeFolder(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  const u = uri ?? vscode.window.activeTextEditor?.document.uri;
  return (u && vscode.workspace.getWorkspaceFolder(u)) ?? vscode.workspace.workspaceFolders?.[0];
}

/** What each command of the "TrustLens" category does (extension.ts registers them at activation). */
export function commandHandlers(d: Deps): Record<RuntimeCommand, (...args: never[]) => unknown> {
  const { scanner, service, output } = d;
  return {
    'trustlens.scan': async () => reportScans('Scan', await d.scanAll(), d.diagnostics),
    'trustlens.deepScan': async () => {
      const folder = activeFolder();
      if (!folder) return;
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `TrustLens: looking inside every package of ${folder.name}…`, cancellable: false }, () =>
        scanner.scan(folder, { content: 'deep' }),
      );
      reportScans('Deep scan', [{ folder, result }], d.diagnostics);
    },
    'trustlens.showLog': () => output.show(),
    'trustlens.showDependencyModel': () => showDependencyModel(service, output),
    'trustlens.restartService': async () => {
      // reset() alone only left a 'failed' state: a running service was never restarted. End it, start a new one.
      scanner.cancelAll();
      await service.restart();
      output.info(`service restarted as asked (pid ${service.pid})`);
      reportScans('Scan after the restart', await d.scanAll(), d.diagnostics);
    },
    'trustlens.clearCache': async () => {
      await (await service.get()).sendRequest(ClearCacheRequest);
      void vscode.window.showInformationMessage('TrustLens: cache cleared; scanning again.');
      await d.scanAll();
    },
    'trustlens.showReport': async (name?: string, folderUri?: vscode.Uri) => {
      const folder = activeFolder(folderUri);
      if (!folder) return;
      const result = scanner.results.get(folder.uri.fsPath);
      const pick = name ?? (await vscode.window.showQuickPick([...new Set((result?.cards ?? []).map((c) => c.name))].sort(), { placeHolder: 'Show the trust report of which package?' }));
      if (!pick) return;
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `TrustLens: ${pick}` }, async () =>
        (await service.get()).sendRequest(ReportRequest, { root: folder.uri.fsPath, name: pick, settings: serviceSettings(folder) }),
      );
      showReportPanel(d.context, report, {
        pin: (pkg, version) => void pinDirect(folder, pkg, version),
        open: (file, line) => void vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, file), { selection: new vscode.Range(line - 1, 0, line - 1, 0) }),
      });
    },
    'trustlens.exportSarif': async () => {
      const folder = activeFolder();
      const result = folder && scanner.results.get(folder.uri.fsPath);
      if (!folder || !result) return void vscode.window.showWarningMessage('TrustLens: no scan result to export yet.');
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder.uri, 'trustlens.sarif'), filters: { SARIF: ['sarif', 'json'] } });
      if (!target) return;
      const version = (d.context.extension.packageJSON as { version: string }).version;
      await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(toSarif(result.findings, { version }), null, 2)));
      void vscode.window.showInformationMessage(`TrustLens: ${result.findings.length} findings written to ${path.basename(target.fsPath)}.`);
    },
    'trustlens.pinAllDirect': async () => {
      const folder = activeFolder();
      const result = folder && scanner.results.get(folder.uri.fsPath);
      const doc = folder && (await openRootManifest(folder));
      if (!folder || !result || !doc) return void vscode.window.showWarningMessage('TrustLens: scan the workspace first.');
      const locked = (dep: { name: string; spec: { registryName?: string } }) =>
        result.cards.find((c) => c.name === (dep.spec.registryName ?? dep.name) && c.locations.some((l) => l.file === 'package.json'))?.version;
      const edits = pinAllEdits(parseManifest(doc.getText()).dependencies, locked);
      if (!edits.length) return void vscode.window.showInformationMessage('TrustLens: every direct dependency is already pinned.');
      await vscode.workspace.applyEdit(toWorkspaceEdit(doc, edits));
      await offerInstall(folder, `${edits.length} dependencies`, result.packageManager);
    },
    'trustlens.allow': async (folderUri: vscode.Uri, data: DiagnosticData) => {
      const folder = activeFolder(folderUri);
      if (!folder || !data) return;
      const reason = await vscode.window.showInputBox({
        title: `Allow ${data.package}@${data.version} for ${data.code}`,
        prompt: 'Why is this acceptable? The reason is recorded in .trustlens.jsonc for review.',
        validateInput: (v) => (v.trim().length < 3 ? 'Give a reason a reviewer can check' : undefined),
      });
      if (!reason) return;
      const days = vscode.workspace.getConfiguration('trustlens').get<number>('allowExpiryDays', 90);
      const expires = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
      const uri = vscode.Uri.joinPath(folder.uri, POLICY_FILE);
      const existing = await vscode.workspace.openTextDocument(uri).then((doc) => doc, () => undefined);
      const entry = { package: data.package, version: data.version, code: data.code, reason: reason.trim(), expires };
      const we = new vscode.WorkspaceEdit();
      if (!existing) {
        we.createFile(uri, { ignoreIfExists: true });
        we.insert(uri, new vscode.Position(0, 0), allowEdits(undefined, entry)[0].content);
      } else {
        for (const e of allowEdits(existing.getText(), entry)) we.replace(uri, new vscode.Range(existing.positionAt(e.offset), existing.positionAt(e.offset + e.length)), e.content);
      }
      await vscode.workspace.applyEdit(we);
      await (await vscode.workspace.openTextDocument(uri)).save();
      scanner.schedule(folder, 0);
    },
    'trustlens.offerInstall': (folderUri: vscode.Uri, what: string) => {
      const folder = activeFolder(folderUri);
      return folder && offerInstall(folder, what, scanner.results.get(folder.uri.fsPath)?.packageManager);
    },
  };

  async function pinDirect(folder: vscode.WorkspaceFolder, pkg: string, version: string): Promise<void> {
    const doc = await openRootManifest(folder);
    if (!doc) return;
    const dep = parseManifest(doc.getText()).dependencies.find((x) => (x.spec.registryName ?? x.name) === pkg && ['dependencies', 'devDependencies', 'optionalDependencies'].includes(x.section));
    const pm = scanner.results.get(folder.uri.fsPath)?.packageManager ?? 'npm';
    // A transitive package cannot be pinned where it is not declared: force it in the package manager's overrides.
    const edits = dep ? [pinEdit(dep, version)] : overrideEdits(doc.getText(), pm, pkg, version);
    await vscode.workspace.applyEdit(toWorkspaceEdit(doc, edits));
    await offerInstall(folder, `${pkg}@${version}`, pm);
  }
}

/** After a pin, offer to run the package manager's install in a terminal; never run it silently. */
async function offerInstall(folder: vscode.WorkspaceFolder, what: string, pm: 'npm' | 'yarn' | 'pnpm' = 'npm'): Promise<void> {
  const run = `Run ${pm} install`;
  const choice = await vscode.window.showInformationMessage(`TrustLens pinned ${what}. Update the lockfile with ${pm} install?`, run);
  if (choice !== run) return;
  const terminal = vscode.window.createTerminal({ name: `TrustLens: ${pm} install`, cwd: folder.uri });
  terminal.show();
  terminal.sendText(`${pm} install`);
}
