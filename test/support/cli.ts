import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from './fixtures';

/** The built CLI, as `npm install -g` would run it. */
export const BIN = path.join(PROJECT_ROOT, 'bin/trustlens.js');

/**
 * Runs the built CLI as a user would, asynchronously: a fixture registry serving it may live in the calling process.
 * Resolves with the exit code and everything written, once the process has ended.
 */
export function trustlens(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
