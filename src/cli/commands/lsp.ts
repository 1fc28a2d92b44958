import { UsageError, parseArgs } from '../args';
import type { Io } from '../io';
import { defaultCacheDir } from '../../engine/infra/disk-cache';

/**
 * `trustlens lsp [--stdio] [--cache-dir DIR]`: the language server, on stdin and stdout until the client says exit.
 * Settings come from the client (initializationOptions, workspace/configuration), never from flags.
 */
export async function lspCommand(argv: string[], _io: Io): Promise<number> {
  const args = parseArgs(argv, new Set(['cache-dir']), new Set(['stdio']));
  if (args.positionals.length) throw new UsageError('lsp takes no directory: the client names its workspace folders');
  // stdout is the protocol's: anything else printed there would break it.
  console.log = console.info = (...a: unknown[]) => process.stderr.write(`${a.map(String).join(' ')}\n`);
  // Loaded only for this command (a file of its own in the bundle: dist/lsp.js).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startLspServer } = require('../../lsp/server') as typeof import('../../lsp/server');
  const cacheDir = args.flags.get('cache-dir');
  startLspServer({ input: process.stdin, output: process.stdout, cacheDir: typeof cacheDir === 'string' ? cacheDir : defaultCacheDir() });
  // vscode-languageserver ends the process on `exit` (0 after `shutdown`, else 1) and when stdin closes.
  return new Promise<number>(() => undefined);
}
