import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { TrustCodeActions } from './code-actions';
import { commandHandlers } from './commands';
import type { RuntimeCommand } from './contributions';
import { DiagnosticsRenderer } from './diagnostics';
import { TrustHoverProvider } from './hover-provider';
import { Scanner } from './scanner';
import { ServiceClient } from './service-client';
import { StatusItem } from './status-item';

/** What extension.ts hands on to the runtime once it is loaded. */
export interface Runtime {
  /** A dependency file of `folder` changed (typed, saved, or rewritten on disk): scan after the debounce. */
  changed(folder: vscode.WorkspaceFolder): void;
  /** A dependency file of `folder` was opened: scan now unless the folder has a result already. */
  opened(folder: vscode.WorkspaceFolder): void;
  /** Scan `folder` now. */
  scanNow(folder: vscode.WorkspaceFolder): void;
  /** Scan every workspace folder (settings or workspace trust changed). */
  scanAll(): Promise<void>;
  hover: vscode.HoverProvider;
  codeActions: vscode.CodeActionProvider;
  commands: Record<RuntimeCommand, (...args: never[]) => unknown>;
}

/**
 * Everything behind the registrations that extension.ts makes at activation: the service client, the scanner,
 * diagnostics, the status item, hover cards, quick fixes and the commands. A bundle of its own (dist/runtime.js),
 * loaded on first need: right after activation in a folder with a package.json (the first scan), otherwise when a
 * dependency file is opened or edited, a hover or quick fix is asked for, or a TrustLens command runs.
 */
export function startRuntime(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): Runtime {
  const service = new ServiceClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'service.js').fsPath, { cacheDir: vscode.Uri.joinPath(context.globalStorageUri, 'cache').fsPath }, output);
  const scanner = new Scanner(service, output);
  const readme = vscode.Uri.joinPath(context.extensionUri, readmeName(context.extensionUri.fsPath));
  const diagnostics = new DiagnosticsRenderer((code) => readme.with({ fragment: code }));
  const status = new StatusItem(scanner, service, diagnostics);
  const scanned = new Set<string>();
  let restarted = false;

  const scanAll = async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    await Promise.all(folders.map((f) => scanner.scan(f)));
  };

  context.subscriptions.push(
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
    scanner.onError((e) => {
      diagnostics.fail(e.root, e.message);
      status.update();
    }),
    service.onState((state) => {
      status.update();
      // After a crash the service comes back empty-handed: scan again (the last results stay on screen meanwhile).
      if (state === 'running' && restarted) void scanAll();
      restarted = state === 'restarting';
    }),
    firstScanProgress(service),
  );
  status.update();

  return {
    changed: (folder) => scanner.schedule(folder),
    opened: (folder) => {
      if (!scanned.has(folder.uri.fsPath)) scanner.schedule(folder, 0);
    },
    scanNow: (folder) => scanner.schedule(folder, 0),
    scanAll,
    hover: new TrustHoverProvider(scanner),
    codeActions: new TrustCodeActions(scanner),
    commands: commandHandlers({ context, scanner, service, diagnostics, output, scanAll }),
  };
}

/**
 * The README's file name in the installed extension: `vsce package` stores it as readme.md, a development folder has
 * README.md. A code link to a name that is not there opened "file not found — create it?".
 */
function readmeName(dir: string): string {
  try {
    return fs.readdirSync(dir).find((f) => f.toLowerCase() === 'readme.md') ?? 'README.md';
  } catch {
    return 'README.md';
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
