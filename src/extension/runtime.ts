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
  /**
   * A dependency file of `folder` changed: typed or saved (`edit`: scanned after the debounce if an unsaved buffer
   * differs from what the running or last scan read), or rewritten on disk (`disk`: scanned after the debounce).
   */
  changed(folder: vscode.WorkspaceFolder, how: 'edit' | 'disk'): void;
  /** A dependency file of `folder` was opened: a scan only if the folder has none running and no result. */
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
  const service = new ServiceClient(
    vscode.Uri.joinPath(context.extensionUri, 'dist', 'service.js').fsPath,
    { cacheDir: vscode.Uri.joinPath(context.globalStorageUri, 'cache').fsPath },
    output,
  );
  const scanner = new Scanner(service, output);
  const readme = vscode.Uri.joinPath(context.extensionUri, readmeName(context.extensionUri.fsPath));
  const diagnostics = new DiagnosticsRenderer((code) => readme.with({ fragment: code }));
  const status = new StatusItem(scanner, service, diagnostics);
  let restarted = false;

  const scanAll = async (reason?: string) => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    return Promise.all(folders.map(async (folder) => ({ folder, result: await scanner.scan(folder, undefined, reason) })));
  };

  context.subscriptions.push(
    service,
    scanner,
    diagnostics,
    status,
    scanner.onResult((r) => {
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
      if (state === 'running' && restarted) void scanAll('the service restarted');
      restarted = state === 'restarting';
    }),
    firstScanProgress(scanner, service),
  );
  status.update();

  return {
    changed: (folder, how) => scanner.request(folder, how),
    opened: (folder) => scanner.request(folder, 'open'),
    scanNow: (folder) => scanner.request(folder, 'now'),
    scanAll: async () => void (await scanAll()),
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

/**
 * Window progress while a folder's first scan runs: from its start until its result (or failure) — also across the
 * scans that replace it —, with the packages read so far once the service says how many. The count used to vanish
 * when the last package history arrived, while judging and reading tarballs went on.
 */
function firstScanProgress(scanner: Scanner, service: ServiceClient): vscode.Disposable {
  const active = new Map<string, { report: (message: string) => void; end: () => void }>();
  const name = (root: string) => vscode.workspace.workspaceFolders?.find((f) => f.uri.fsPath === root)?.name ?? root;
  const subscriptions = [
    scanner.onBusy(({ root, busy }) => {
      if (!busy) {
        active.get(root)?.end();
        active.delete(root);
        return;
      }
      if (active.has(root) || scanner.results.has(root)) return;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'TrustLens' },
        (progress) =>
          new Promise<void>((resolve) => {
            active.set(root, { report: (message) => progress.report({ message }), end: resolve });
            progress.report({ message: `scanning ${name(root)}…` });
          }),
      );
    }),
    service.onProgress((p) => {
      const message = p.done < p.total ? `checking ${p.done}/${p.total} packages of ${name(p.root)}` : `judging ${p.total} packages of ${name(p.root)}…`;
      active.get(p.root)?.report(message);
    }),
  ];
  return vscode.Disposable.from(...subscriptions, { dispose: () => [...active.values()].forEach((a) => a.end()) });
}
