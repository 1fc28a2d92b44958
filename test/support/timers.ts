/**
 * Observing time-based behaviour without measuring time: what delays code asks for, and a clock that moves by
 * counted steps instead of with the machine's speed.
 */

/**
 * Records the delay of every setTimeout call made until stop(); the timers themselves run as asked. A test then
 * asserts on the backoff or latency the code asked for (e.g. [300, 600]) instead of on elapsed wall-clock time.
 */
export function recordTimeouts(): { delays: number[]; stop(): void } {
  const original = globalThis.setTimeout;
  const delays: number[] = [];
  const recording = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    delays.push(ms ?? 0);
    return original(handler, ms, ...args);
  }) as typeof setTimeout;
  globalThis.setTimeout = Object.assign(recording, original);
  return { delays, stop: () => void (globalThis.setTimeout = original) };
}

/**
 * Until the returned function is called, every Date.now() returns `stepMs` more than the one before: code that
 * compares Date.now() with a deadline passes it after a known number of checks, however fast the machine is.
 */
export function steppingClock(stepMs: number): () => void {
  const original = Date.now;
  let now = original();
  Date.now = () => (now += stepMs);
  return () => void (Date.now = original);
}
