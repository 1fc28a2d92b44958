import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEPENDENCY_DOCUMENTS, RUNTIME_COMMANDS, WATCHED_FILES, isDependencyFile } from './contributions';
import type * as RuntimeModule from './runtime';
import type { Runtime } from './runtime';

/** Requires a sibling bundle (dist/<file>) once, on first use; esbuild leaves a require of a computed path alone. */
function lazy<T>(file: string): () => T {
  let loaded: T | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return () => (loaded ??= require(path.join(__dirname, file)) as T);
}

const runtimeModule = lazy<typeof RuntimeModule>('runtime.js');

/**
 * Activation only registers: no network, no parsing, no process, and no more code than this file and
 * contributions.ts (dist/extension.js, a few KB). What the registrations lead to is runtime.ts (dist/runtime.js),
 * loaded on first need; in a folder with a package.json that is the first scan, scheduled right after activation.
 */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('TrustLens', { log: true });
  let started: Runtime | undefined;
  const runtime = (): Runtime => (started ??= runtimeModule().startRuntime(context, output));
  /** The folder of a dependency file, or undefined for any other file (which loads nothing). */
  const folderOf = (uri: vscode.Uri) => (isDependencyFile(uri) ? vscode.workspace.getWorkspaceFolder(uri) : undefined);
  /** `disk`: rewritten on disk (the package manager ran); `edit`: typed or saved in an editor. */
  const changed = (uri: vscode.Uri, how: 'edit' | 'disk') => {
    const folder = folderOf(uri);
    if (folder) runtime().changed(folder, how);
  };

  context.subscriptions.push(
    output,
    vscode.languages.registerHoverProvider(DEPENDENCY_DOCUMENTS, {
      provideHover: (doc, pos, token) => (folderOf(doc.uri) ? runtime().hover.provideHover(doc, pos, token) : undefined),
    }),
    vscode.languages.registerCodeActionsProvider(
      DEPENDENCY_DOCUMENTS,
      {
        // Quick fixes belong to TrustLens problems, and there are none before the runtime has scanned.
        provideCodeActions: (doc, range, ctx, token) => (started ? started.codeActions.provideCodeActions(doc, range, ctx, token) : []),
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
    vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && changed(e.document.uri, 'edit')),
    vscode.workspace.onDidSaveTextDocument((d) => changed(d.uri, 'edit')),
    // Opening is no change: other extensions open every package.json of a monorepo when it loads (77 events for 74
    // workspaces), and each used to restart the first scan. The runtime scans only what has no scan yet.
    vscode.workspace.onDidOpenTextDocument((d) => {
      const folder = folderOf(d.uri);
      if (folder) runtime().opened(folder);
    }),
    lockfileWatcher((uri) => changed(uri, 'disk')),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void runtime().scanAll()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('trustlens') && void runtime().scanAll()),
    ...RUNTIME_COMMANDS.map((id) =>
      vscode.commands.registerCommand(id, (...args: unknown[]) => (runtime().commands[id] as (...a: unknown[]) => unknown)(...args)),
    ),
  );
  void initialScan(runtime);
}

/** Lockfiles change on disk when the package manager runs: scan again then. */
function lockfileWatcher(onChange: (uri: vscode.Uri) => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(WATCHED_FILES);
  return vscode.Disposable.from(watcher, watcher.onDidChange(onChange), watcher.onDidCreate(onChange), watcher.onDidDelete(onChange));
}

/** Scans each folder with a package.json at once: the runtime loads here, after activation, only if there is one. */
async function initialScan(runtime: () => Runtime): Promise<void> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const manifest = vscode.Uri.joinPath(folder.uri, 'package.json');
    if (
      await vscode.workspace.fs.stat(manifest).then(
        () => true,
        () => false,
      )
    )
      runtime().scanNow(folder);
  }
}

export function deactivate(): void {}
