/**
 * Work in steps: a generator that yields between bounded pieces of a long computation (a file, a chunk of one), so
 * that the caller decides when it runs. Pure code stays synchronous; the engine runs the steps in time slices and
 * answers requests in between (src/engine/infra/slices.ts), and may stop between two steps when nobody waits.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs steps to the end, at once. */
export function finish<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
