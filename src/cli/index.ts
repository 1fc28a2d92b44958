import { main } from './main';

// A reader that went away (`trustlens check | head`): a one-line reason and exit 2, never a stack trace. The output
// is incomplete, so this is never a success, also for `set -o pipefail`.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  const why = e.code === 'EPIPE' ? 'its reader ended' : (e.message ?? String(e));
  process.stderr.write(`trustlens: standard output was closed before everything was written (${why})\n`);
  process.exit(2);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`trustlens: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
