import { strict as assert } from 'node:assert';
import { Throttle } from '../../../src/engine/infra/throttle';
import { withinHangGuard } from '../../support/wait';

/** Events and counters only: with intervalMs 0, when a run happens is decided by the runs and changes themselves. */
describe('Throttle: one run at a time, the last change never left out, nothing after stop', () => {
  /** A throttle whose runs wait for the test to end them, one by one. */
  const world = () => {
    const runs: (() => void)[] = [];
    let started: () => void = () => undefined;
    const next = () => new Promise<void>((r) => (started = r));
    const throttle = new Throttle(
      () =>
        new Promise<void>((end) => {
          runs.push(end);
          started();
        }),
      { intervalMs: 0, share: 1 },
    );
    return { runs, next, throttle };
  };

  it('changes during a run make one more run after it, not one each', async () => {
    const { runs, next, throttle } = world();
    let first = next();
    throttle.changed();
    await withinHangGuard('the first run', first);
    throttle.changed();
    throttle.changed();
    throttle.changed();
    assert.equal(runs.length, 1, 'one at a time');
    first = next();
    runs[0]();
    await withinHangGuard('the run for the changes made during the first', first);
    assert.equal(runs.length, 2);
    runs[1]();
    await throttle.stop();
    assert.equal(runs.length, 2, 'no change since: no third run');
  });

  it('stop() waits for the run in progress, and no run starts after it', async () => {
    const { runs, next, throttle } = world();
    const first = next();
    throttle.changed();
    await withinHangGuard('the first run', first);
    throttle.changed(); // would make a second run
    let stopped = false;
    const stopping = throttle.stop().then(() => (stopped = true));
    await Promise.resolve();
    assert.equal(stopped, false, 'the run in progress is waited for');
    assert.equal(throttle.stopped, true, 'and can see it should not deliver');
    runs[0]();
    await withinHangGuard('stop() to resolve', stopping);
    throttle.changed();
    await new Promise((r) => setImmediate(r));
    assert.equal(runs.length, 1);
  });

  it('a run that fails goes to onError and the next change still runs', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let ran: () => void = () => undefined;
    const throttle = new Throttle(
      async () => {
        calls++;
        ran();
        if (calls === 1) throw new Error('boom');
      },
      { intervalMs: 0, share: 1, onError: (e) => errors.push(e) },
    );
    let done = new Promise<void>((r) => (ran = r));
    throttle.changed();
    await withinHangGuard('the failing run', done);
    await new Promise((r) => setImmediate(r));
    assert.equal((errors[0] as Error).message, 'boom');
    done = new Promise<void>((r) => (ran = r));
    throttle.changed();
    await withinHangGuard('the next run', done);
    await throttle.stop();
    assert.equal(calls, 2);
  });
});
