import * as vscode from 'vscode';
import { TrustCodeActions } from './code-actions';
import { registerCommands } from './commands';
import { DiagnosticsRenderer } from './diagnostics';
import { TrustHoverProvider } from './hover-provider';
import { Scanner, isDependencyFile } from './scanner';
import { ServiceClient } from './service-client';
import { registerShowModelCommand } from './show-model-command';
import { StatusItem } from './status-item';

const DEPENDENCY_DOCUMENTS: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/package.json' },
  { scheme: 'file', pattern: '**/{package-lock.json,npm-shrinkwrap.json,yarn.lock,pnpm-lock.yaml}' },
];

/**
 * Activation only wires things up: no network, no parsing, no process. The service starts with the first scan,
 * which is scheduled right after activation for folders that have a package.json.
 */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('TrustLens', { log: true });
  const service = new ServiceClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'service.js').fsPath, { cacheDir: vscode.Uri.joinPath(context.globalStorageUri, 'cache').fsPath }, output);
  const scanner = new Scanner(service, output);
  const diagnostics = new DiagnosticsRenderer(vscode.Uri.joinPath(context.extensionUri, 'README.md'));
  const status = new StatusItem(scanner, service, diagnostics);
  const scanned = new Set<string>();
  let restarted = false;

  const scanAll = async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    await Promise.all(folders.map((f) => scanner.scan(f)));
  };
  const scheduleFor = (uri: vscode.Uri) => {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (folder && isDependencyFile(uri)) scanner.schedule(folder);
  };

  context.subscriptions.push(
    output,
    service,
    scanner,
    diagnostics,
    status,
    scanner.onResult((r) => {
      scanned.add(r.root);
      diagnostics.render(r);
      status.update();
    }),
    scanner.onBusy(() => status.update()),
    service.onState((state) => {
      status.update();
      // After a crash the service comes back empty-handed: scan again (the last results stay on screen meanwhile).
      if (state === 'running' && restarted) void scanAll();
      restarted = state === 'restarting';
    }),
    firstScanProgress(service),
    vscode.languages.registerHoverProvider(DEPENDENCY_DOCUMENTS, new TrustHoverProvider(scanner)),
    vscode.languages.registerCodeActionsProvider(DEPENDENCY_DOCUMENTS, new TrustCodeActions(scanner), { providedCodeActionKinds: TrustCodeActions.kinds }),
    vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && scheduleFor(e.document.uri)),
    vscode.workspace.onDidSaveTextDocument((d) => scheduleFor(d.uri)),
    vscode.workspace.onDidOpenTextDocument((d) => {
      const folder = vscode.workspace.getWorkspaceFolder(d.uri);
      if (folder && isDependencyFile(d.uri) && !scanned.has(folder.uri.fsPath)) scanner.schedule(folder, 0);
    }),
    lockfileWatcher(scheduleFor),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void scanAll()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('trustlens') && void scanAll()),
    registerShowModelCommand(output),
    ...registerCommands({ context, scanner, service, diagnostics, output, scanAll }),
  );
  status.update();
  void initialScan(scanner);
}

/** Lockfiles change on disk when the package manager runs: scan again then. */
function lockfileWatcher(onChange: (uri: vscode.Uri) => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/{package.json,package-lock.json,npm-shrinkwrap.json,yarn.lock,pnpm-lock.yaml,.trustlens.jsonc}');
  return vscode.Disposable.from(watcher, watcher.onDidChange(onChange), watcher.onDidCreate(onChange), watcher.onDidDelete(onChange));
}

async function initialScan(scanner: Scanner): Promise<void> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const manifest = vscode.Uri.joinPath(folder.uri, 'package.json');
    if (await vscode.workspace.fs.stat(manifest).then(() => true, () => false)) scanner.schedule(folder, 0);
  }
}

/** Window progress with a count while the first scan of a folder fetches package histories. */
function firstScanProgress(service: ServiceClient): vscode.Disposable {
  const shown = new Set<string>();
  const active = new Map<string, (done: number, total: number) => void>();
  return service.onProgress((p) => {
    if (p.total < 50 || (shown.has(p.root) && !active.has(p.root))) return;
    if (!active.has(p.root)) {
      shown.add(p.root);
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'TrustLens' }, (progress) =>
        new Promise<void>((resolve) => {
          active.set(p.root, (done, total) => {
            progress.report({ message: `checking ${done}/${total} packages` });
            if (done >= total) {
              active.delete(p.root);
              resolve();
            }
          });
        }),
      );
    }
    active.get(p.root)?.(p.done, p.total);
  });
}

export function deactivate(): void {}
