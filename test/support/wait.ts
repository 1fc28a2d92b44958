/**
 * Waiting in tests without depending on how fast the machine is: a test waits for a condition or an event, never
 * for a duration, and never asserts how long something took (speed lives in `npm run bench*`).
 */

/**
 * A hang guard, not a speed target: it only ends a wait that would otherwise never end (a bug), so that the failure
 * names what was awaited instead of mocha's bare timeout. Everything awaited with it takes milliseconds to a few
 * seconds; the guard sits far beyond that, so machine load cannot make it decide a test.
 */
export const HANG_GUARD_MS = 50_000;

/** Resolves once `probe()` holds (polled: a condition to wait for, not a delay); rejects after HANG_GUARD_MS. */
export async function until(what: string, probe: () => boolean, guardMs = HANG_GUARD_MS): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > guardMs) throw new Error(`hang guard: still waiting for ${what} after ${guardMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `p`, or a rejection naming `what` when it has not settled after HANG_GUARD_MS. */
export async function withinHangGuard<T>(what: string, p: Promise<T>, guardMs = HANG_GUARD_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang guard: ${what} did not happen within ${guardMs} ms`)), guardMs);
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs synchronous `work` and returns its result; throws naming `what` if it ran past HANG_GUARD_MS. A synchronous
 * call cannot be interrupted, so this is how a test of "finishes on hostile input" (a super-linear pattern would run
 * for hours) fails with a name instead of running on: the bound is a hang guard, never a speed target.
 */
export function finishesWithinHangGuard<T>(what: string, work: () => T, guardMs = HANG_GUARD_MS): T {
  const started = performance.now();
  const result = work();
  const ms = performance.now() - started;
  if (ms > guardMs) throw new Error(`hang guard: ${what} ran for ${ms.toFixed(0)} ms (guard ${guardMs} ms)`);
  return result;
}
