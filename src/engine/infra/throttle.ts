/**
 * Runs `work` again after something changed: one run at a time, at most every `intervalMs`, and spaced so that runs
 * take at most `share` of the time (a run that took 100 ms waits 100 / share ms for the next). A change during a run
 * gets a run of its own after it (the last change is never left out). After `stop()` no run starts.
 */
export class Throttle {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private last = performance.now();
  private cost = 0;
  private ended = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly opts: { intervalMs: number; share: number; onError?: (e: unknown) => void },
  ) {}

  /** Whether stop() was called (a run in progress may check it before it delivers). */
  get stopped(): boolean {
    return this.ended;
  }

  /** Something changed: a run follows, within the limits. */
  changed(): void {
    this.dirty = true;
    this.schedule();
  }

  /** No run starts from now on; resolves when the one in progress, if any, has ended. */
  async stop(): Promise<void> {
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.ended || this.running || this.timer || !this.dirty) return;
    const wait = this.last + Math.max(this.opts.intervalMs, this.cost / this.opts.share) - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      this.timer.unref?.();
      return;
    }
    this.dirty = false;
    const started = (this.last = performance.now());
    this.running = this.work()
      .catch((e: unknown) => this.opts.onError?.(e))
      .finally(() => {
        this.cost = performance.now() - started;
        this.running = undefined;
        this.schedule();
      });
  }
}
