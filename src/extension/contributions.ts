import * as path from 'node:path';
import type * as vscode from 'vscode';

/*
 * What activation registers, and nothing else: this module is part of dist/extension.js, which VS Code loads at
 * activation, so it imports no npm package and no parser (scripts/build.mjs checks that bundle).
 */

const DEPENDENCY_FILES = new Set(['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.trustlens.jsonc']);

/** A file whose change can change a folder's findings. */
export function isDependencyFile(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && DEPENDENCY_FILES.has(path.basename(uri.fsPath));
}

/** Where the hover cards and quick fixes are offered. */
export const DEPENDENCY_DOCUMENTS: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/package.json' },
  { scheme: 'file', pattern: '**/{package-lock.json,npm-shrinkwrap.json,yarn.lock,pnpm-lock.yaml}' },
];

/** Files the package manager rewrites on disk: a change scans the folder again. */
export const WATCHED_FILES = '**/{package.json,package-lock.json,npm-shrinkwrap.json,yarn.lock,pnpm-lock.yaml,pnpm-workspace.yaml,.trustlens.jsonc}';

/** The commands runtime.ts implements (commands.ts); "Show Dependency Model" is the one it does not. */
export const RUNTIME_COMMANDS = [
  'trustlens.scan',
  'trustlens.deepScan',
  'trustlens.showReport',
  'trustlens.pinAllDirect',
  'trustlens.exportSarif',
  'trustlens.exportSbom',
  'trustlens.clearCache',
  'trustlens.showLog',
  'trustlens.restartService',
  'trustlens.allow',
  'trustlens.offerInstall',
] as const;

export type RuntimeCommand = (typeof RUNTIME_COMMANDS)[number];
