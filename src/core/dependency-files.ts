/*
 * The one list of the files TrustLens reads in a project. It imports nothing: the extension's activation bundle
 * (src/extension/contributions.ts) takes its file watchers and document selectors from it.
 */

export const MANIFEST_FILE = 'package.json';

/** Lockfile names in the order npm, pnpm and yarn would pick them when several are present. */
export const LOCKFILE_NAMES = ['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock'] as const;
export type LockfileName = (typeof LOCKFILE_NAMES)[number];

export const PNPM_WORKSPACE = 'pnpm-workspace.yaml';

/** The reviewable TrustLens policy at the workspace root. */
export const POLICY_FILE = '.trustlens.jsonc';

/** Every file whose change can change a folder's findings: at the root, and (package.json) in each workspace. */
export const DEPENDENCY_FILES = [MANIFEST_FILE, ...LOCKFILE_NAMES, PNPM_WORKSPACE, POLICY_FILE] as const;
