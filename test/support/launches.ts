/**
 * Counts what could run code outside this thread: every child process (spawn, exec, fork and their Sync forms) and
 * every worker thread started until stop(). They still start as asked; the test then asserts on the list, instead
 * of sleeping "long enough" for a stray process to leave a trace.
 */
import { createRequire } from 'node:module';

const load = createRequire(__filename);

export function recordLaunches(): { launched: string[]; stop(): void } {
  // The modules themselves (what compiled `require('node:child_process')` sees), not an import's copy of them.
  const childProcess = load('node:child_process') as Record<string, unknown>;
  const workerThreads = load('node:worker_threads') as Record<string, unknown>;
  const launched: string[] = [];
  const restore: (() => void)[] = [];
  const wrap = (mod: Record<string, unknown>, name: string, construct = false) => {
    const original = mod[name] as (...args: unknown[]) => unknown;
    const what = (args: unknown[]) => `${name} ${String(args[0]).slice(0, 200)}`;
    mod[name] = construct
      ? class extends (original as unknown as new (...a: unknown[]) => object) {
          constructor(...args: unknown[]) {
            launched.push(what(args));
            super(...args);
          }
        }
      : (...args: unknown[]) => {
          launched.push(what(args));
          return original(...args);
        };
    restore.push(() => (mod[name] = original));
  };
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) wrap(childProcess, name);
  wrap(workerThreads, 'Worker', true);
  return { launched, stop: () => restore.forEach((r) => r()) };
}
