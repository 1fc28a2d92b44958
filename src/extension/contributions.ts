import * as path from 'node:path';
import type * as vscode from 'vscode';
import { DEPENDENCY_FILES, LOCKFILE_NAMES, MANIFEST_FILE } from '../core/dependency-files';

/*
 * What activation registers, and nothing else: this module is part of dist/extension.js, which VS Code loads at
 * activation, so it imports no npm package and no parser (scripts/build.mjs checks that bundle).
 */

const DEPENDENCY_FILE_NAMES: ReadonlySet<string> = new Set(DEPENDENCY_FILES);

/** A file whose change can change a folder's findings. */
export function isDependencyFile(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && DEPENDENCY_FILE_NAMES.has(path.basename(uri.fsPath));
}

/** Where the hover cards and quick fixes are offered. */
export const DEPENDENCY_DOCUMENTS: vscode.DocumentSelector = [
  { scheme: 'file', pattern: `**/${MANIFEST_FILE}` },
  { scheme: 'file', pattern: `**/{${LOCKFILE_NAMES.join(',')}}` },
];

/** Files the package manager rewrites on disk: a change scans the folder again. */
export const WATCHED_FILES = `**/{${DEPENDENCY_FILES.join(',')}}`;

/** The commands runtime.ts implements (commands.ts): every command of the extension. */
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
  'trustlens.showDependencyModel',
] as const;

export type RuntimeCommand = (typeof RUNTIME_COMMANDS)[number];
