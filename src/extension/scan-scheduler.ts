/**
 * When to scan a workspace folder, without VS Code (plain Node tests drive it with their own clock): events are
 * debounced per folder, and a scan is started only when what it would read differs from what the running (or the
 * last) scan was started with. Opening a monorepo opens its package.json files one by one — 77 open events for a
 * 74-workspace repository — and each used to cancel and restart the first scan: results after ~60 s instead of 15.
 */

/** Why a scan is asked for. */
export type ScanReason =
  /** A dependency file was opened: no change at all, unless it brings an unsaved buffer (restored after a restart). */
  | 'open'
  /** A buffer was edited or saved. */
  | 'edit'
  /** A dependency file changed on disk (the package manager ran): whatever the buffers say, scan again. */
  | 'disk'
  /** Someone needs a result now (the first scan, a hover with none yet): no debounce, but no restart either. */
  | 'now';

/** How a scan ended. 'cancelled': a newer scan replaced it; 'dropped': the buffers changed while it ran. */
export type ScanOutcome = 'kept' | 'dropped' | 'failed' | 'cancelled';

export interface ScanJob<R> {
  /** Settles with the result (undefined unless kept) once the scan ends, however it ends. */
  done: Promise<{ outcome: ScanOutcome; result?: R }>;
  cancel(): void;
}

export interface SchedulerTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface ScanSchedulerOptions<R, X> {
  debounceMs: number;
  /** What a scan of `root` would be started with now (unsaved buffers and their versions, settings), as a key. */
  inputs(root: string): string;
  /** Starts a scan of `root`; `extra` is what a forced scan was asked with (e.g. a deep scan). */
  start(root: string, reason: string, extra: X | undefined): ScanJob<R>;
  timers?: SchedulerTimers;
  log?: (line: string) => void;
}

interface FolderState<R> {
  timer?: unknown;
  /** A dependency file changed on disk since the running (or last) scan read the files. */
  disk: boolean;
  /** Why the pending timer was set: the strongest reason wins ('disk' over 'edit' over 'open'). */
  pending?: ScanReason;
  running?: { key: string; job: ScanJob<R> };
  /** The inputs of the last scan that ended with a result (or failed): nothing to do while they hold. */
  last?: string;
}

const NODE_TIMERS: SchedulerTimers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };
const STRENGTH: Record<ScanReason, number> = { open: 0, now: 1, edit: 2, disk: 3 };

export class ScanScheduler<R, X = never> {
  private readonly folders = new Map<string, FolderState<R>>();
  private readonly timers: SchedulerTimers;
  /** Scans started so far, per folder (tests and the log). */
  readonly started = new Map<string, number>();

  constructor(private readonly options: ScanSchedulerOptions<R, X>) {
    this.timers = options.timers ?? NODE_TIMERS;
  }

  /** Whether a scan of `root` is running. */
  running(root: string): boolean {
    return this.folders.get(root)?.running !== undefined;
  }

  /** Asks for a scan of `root` for `reason`: after the debounce (at once for 'now'), and only if its inputs changed. */
  request(root: string, reason: ScanReason): void {
    const st = this.state(root);
    if (reason === 'disk') st.disk = true;
    if (reason === 'now') {
      const pending = st.pending;
      this.clearTimer(st);
      this.fire(root, pending && STRENGTH[pending] > STRENGTH.now ? pending : reason);
      return;
    }
    const pending = st.pending === undefined || STRENGTH[reason] > STRENGTH[st.pending] ? reason : st.pending;
    this.clearTimer(st);
    st.pending = pending;
    st.timer = this.timers.set(() => {
      const why = st.pending ?? reason;
      st.timer = undefined;
      st.pending = undefined;
      this.fire(root, why);
    }, this.options.debounceMs);
  }

  /** Scans `root` now, replacing a running scan whatever its inputs (a command, new settings, a restarted service). */
  run(root: string, reason: string, extra?: X): Promise<{ outcome: ScanOutcome; result?: R }> {
    const st = this.state(root);
    this.clearTimer(st);
    return this.start(root, this.options.inputs(root), reason, extra);
  }

  /** Cancels every pending and running scan (the service is about to be replaced). */
  cancelAll(): void {
    for (const st of this.folders.values()) {
      this.clearTimer(st);
      st.running?.job.cancel();
    }
  }

  dispose(): void {
    this.cancelAll();
    this.folders.clear();
  }

  private fire(root: string, reason: ScanReason): void {
    const st = this.state(root);
    const key = this.options.inputs(root);
    if (!st.disk) {
      if (st.running?.key === key) {
        this.options.log?.(`kept the running scan of ${root}: nothing it reads changed (${reason})`);
        return;
      }
      if (!st.running && st.last === key) return;
    }
    void this.start(root, key, reason, undefined);
  }

  private start(root: string, key: string, reason: string, extra: X | undefined): Promise<{ outcome: ScanOutcome; result?: R }> {
    const st = this.state(root);
    st.disk = false;
    const previous = st.running;
    const n = (this.started.get(root) ?? 0) + 1;
    this.started.set(root, n);
    const job = this.options.start(root, `${reason}, scan ${n}${previous ? ', replacing the running one' : ''}`, extra);
    st.running = { key, job };
    previous?.job.cancel();
    return job.done.then((end) => {
      if (st.running?.job === job) {
        st.running = undefined;
        if (end.outcome === 'kept' || end.outcome === 'failed') st.last = key;
      }
      return end;
    });
  }

  private clearTimer(st: FolderState<R>): void {
    if (st.timer !== undefined) this.timers.clear(st.timer);
    st.timer = undefined;
    st.pending = undefined;
  }

  private state(root: string): FolderState<R> {
    let st = this.folders.get(root);
    if (!st) this.folders.set(root, (st = { disk: false }));
    return st;
  }
}
