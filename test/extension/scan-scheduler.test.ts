/**
 * When the extension scans a folder (src/extension/scan-scheduler.ts), driven by events and a hand-moved clock: no
 * test here waits for time. Opening the 74 package.json files of a monorepo while its first scan runs must not
 * restart it (it did, 77 times); an edit restarts it only when what the scan reads changed; a change on disk always
 * does.
 */
import { strict as assert } from 'node:assert';
import { type ScanJob, type ScanOutcome, ScanScheduler, type SchedulerTimers } from '../../src/extension/scan-scheduler';

/** Timers that run only when the test says so. */
class ManualTimers implements SchedulerTimers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  set(fn: () => void, ms: number): number {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Runs every timer due now (the debounce has passed). */
  elapse(): void {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, t] of due) t.fn();
  }
}

interface FakeJob {
  root: string;
  reason: string;
  extra?: string;
  cancelled: boolean;
  finish(outcome: ScanOutcome): void;
}

/** A scheduler whose scans are fake jobs the test ends, with inputs the test sets. */
function harness() {
  const timers = new ManualTimers();
  const jobs: FakeJob[] = [];
  const inputs = new Map<string, string>();
  const log: string[] = [];
  const scheduler = new ScanScheduler<string, string>({
    debounceMs: 400,
    timers,
    inputs: (root) => inputs.get(root) ?? 'saved files only',
    log: (line) => void log.push(line),
    start: (root, reason, extra): ScanJob<string> => {
      let settle!: (end: { outcome: ScanOutcome; result?: string }) => void;
      const done = new Promise<{ outcome: ScanOutcome; result?: string }>((resolve) => (settle = resolve));
      const job: FakeJob = {
        root,
        reason,
        extra,
        cancelled: false,
        finish: (outcome) => settle({ outcome, result: outcome === 'kept' ? `result of ${reason}` : undefined }),
      };
      jobs.push(job);
      return {
        done,
        cancel: () => {
          job.cancelled = true;
          settle({ outcome: 'cancelled' });
        },
      };
    },
  });
  return { scheduler, timers, jobs, inputs, log };
}

/** Lets the scheduler see how the jobs ended (promise callbacks). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('scan scheduler: when a folder is scanned', () => {
  it("opening a monorepo's 77 dependency files while its first scan runs starts no other scan", async () => {
    const { scheduler, timers, jobs, log } = harness();
    scheduler.request('/repo', 'now'); // the first scan, at activation
    assert.equal(jobs.length, 1);
    // The editor and other extensions open every workspace package.json as the folder loads, in bursts.
    for (let i = 0; i < 77; i++) {
      scheduler.request('/repo', 'open');
      if (i % 10 === 9) timers.elapse();
    }
    timers.elapse();
    assert.equal(jobs.length, 1, 'no scan started by the opens');
    assert.equal(jobs[0].cancelled, false, 'the first scan runs on');
    assert.equal(scheduler.started.get('/repo'), 1);
    assert.ok(log.some((l) => /kept the running scan of \/repo: nothing it reads changed \(open\)/.test(l)));
    jobs[0].finish('kept');
    await settled();
    // With a result, opening more files starts nothing either.
    scheduler.request('/repo', 'open');
    scheduler.request('/repo', 'now'); // e.g. a hover
    timers.elapse();
    assert.equal(jobs.length, 1);
  });

  it('an open that brings an unsaved buffer (restored after a restart) is a change: it is scanned', () => {
    const { scheduler, timers, jobs, inputs } = harness();
    scheduler.request('/repo', 'now');
    inputs.set('/repo', 'package.json@3 unsaved');
    scheduler.request('/repo', 'open');
    timers.elapse();
    assert.equal(jobs.length, 2);
    assert.ok(jobs[0].cancelled);
  });

  it('edits are debounced, and replace the running scan only when what it reads changed', async () => {
    const { scheduler, timers, jobs, inputs } = harness();
    scheduler.request('/repo', 'now');
    for (let v = 2; v <= 6; v++) {
      inputs.set('/repo', `package.json@${v}`);
      scheduler.request('/repo', 'edit');
    }
    assert.equal(jobs.length, 1, 'nothing before the debounce');
    assert.deepEqual(
      [...timers.pending.values()].map((t) => t.ms),
      [400],
      'one pending timer, restarted by each edit',
    );
    timers.elapse();
    assert.equal(jobs.length, 2, 'one scan for five keystrokes');
    assert.ok(jobs[0].cancelled, 'the scan of the old buffer is replaced');
    assert.match(jobs[1].reason, /^edit, scan 2, replacing the running one$/);
    // A save or an edit event that leaves the inputs as they are (e.g. the same version) keeps it running.
    scheduler.request('/repo', 'edit');
    timers.elapse();
    assert.equal(jobs.length, 2);
    assert.equal(jobs[1].cancelled, false);
    jobs[1].finish('kept');
    await settled();
    scheduler.request('/repo', 'edit');
    timers.elapse();
    assert.equal(jobs.length, 2, 'after the result: nothing changed, nothing to do');
  });

  it('a change on disk is always scanned again, also when the buffers are as they were', async () => {
    const { scheduler, timers, jobs } = harness();
    scheduler.request('/repo', 'now');
    scheduler.request('/repo', 'disk'); // the package manager rewrote the lockfile mid-scan
    scheduler.request('/repo', 'open');
    timers.elapse();
    assert.equal(jobs.length, 2);
    assert.ok(jobs[0].cancelled, 'the scan that read the old files is replaced');
    assert.match(jobs[1].reason, /^disk/, 'the strongest reason of the burst');
    jobs[1].finish('kept');
    await settled();
    scheduler.request('/repo', 'disk');
    timers.elapse();
    assert.equal(jobs.length, 3);
    // 'now' while a disk change waits for its debounce: the change is not lost.
    scheduler.request('/repo', 'disk');
    scheduler.request('/repo', 'now');
    assert.equal(jobs.length, 4);
    assert.deepEqual([...timers.pending.values()], []);
  });

  it('run() (a command, new settings, a restarted service) replaces the running scan whatever its inputs', async () => {
    const { scheduler, timers, jobs } = harness();
    scheduler.request('/repo', 'now');
    scheduler.request('/repo', 'edit');
    const deep = scheduler.run('/repo', 'deep scan', 'deep');
    assert.equal(jobs.length, 2);
    assert.ok(jobs[0].cancelled);
    assert.equal(jobs[1].extra, 'deep');
    assert.deepEqual([...timers.pending.values()], [], 'the pending edit is covered by it');
    jobs[1].finish('kept');
    assert.deepEqual(await deep, { outcome: 'kept', result: 'result of deep scan, scan 2, replacing the running one' });
  });

  it('a failed scan is not retried by opens, but by a change; a dropped one counts as no result', async () => {
    const { scheduler, timers, jobs, inputs } = harness();
    scheduler.request('/repo', 'now');
    jobs[0].finish('failed');
    await settled();
    scheduler.request('/repo', 'open');
    scheduler.request('/repo', 'now');
    timers.elapse();
    assert.equal(jobs.length, 1);
    inputs.set('/repo', 'package.json@2');
    scheduler.request('/repo', 'edit');
    timers.elapse();
    assert.equal(jobs.length, 2);
    jobs[1].finish('dropped');
    await settled();
    inputs.set('/repo', 'saved files only'); // undone and saved: as the failed scan read it
    scheduler.request('/repo', 'now');
    assert.equal(jobs.length, 2, 'the inputs are those of the last scan that ended (failed)');
  });

  it('folders are scheduled apart, and cancelAll() ends every pending and running scan', () => {
    const { scheduler, timers, jobs } = harness();
    scheduler.request('/a', 'now');
    scheduler.request('/b', 'now');
    scheduler.request('/a', 'open');
    timers.elapse();
    assert.deepEqual(
      jobs.map((j) => j.root),
      ['/a', '/b'],
    );
    scheduler.request('/b', 'disk');
    scheduler.cancelAll();
    assert.ok(jobs.every((j) => j.cancelled));
    assert.deepEqual([...timers.pending.values()], []);
    assert.equal(scheduler.running('/a'), true, 'until the cancelled job says it ended');
  });
});
