/** Content analysis: judging a version by what its tarball contains compared with the release before it. */

/**
 * Changes whenever the analyzers' verdicts may change: results cached under another version are stale.
 * (src/engine/content-stage.ts keys its cache with its own constant today; it should use this one.)
 */
export const ANALYZER_VERSION = 'content-5';
export { analyzeContentChange, contentChangeSteps, type ContentInput } from './analyze';
export { codeKind, isRuntimePath, unchangedPaths } from './files';
export { installHooksOf, parseCommand, hookScope, INSTALL_HOOKS, type Hook, type HookScope, type CommandParts } from './lifecycle';
export { scanFile, type FileScan, type Signal, type SignalKind } from './scan';
export { nativeFormat } from './binary';
export * from './types';
