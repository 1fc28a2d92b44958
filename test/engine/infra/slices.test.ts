import { strict as assert } from 'node:assert';
import type { Steps } from '../../../src/core/steps';
import { EngineError } from '../../../src/engine/infra/errors';
import { runInSlices } from '../../../src/engine/infra/slices';

/** Events and counters only: sliceMs 0 gives the event loop a turn after every step, a huge one never. */
describe('runInSlices: long work in steps, the event loop served in between', () => {
  /** Steps that note, at each step, how many turns the event loop has had (a setImmediate ticker counts them). */
  const world = (count: number) => {
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    let ended = false;
    function* steps(): Steps<string> {
      try {
        for (let i = 0; i < count; i++) {
          seen.push(turns);
          yield;
        }
        return 'done';
      } finally {
        ended = true;
      }
    }
    return { steps, seen, stop: () => (ticking = false), isEnded: () => ended };
  };

  it("with a slice of 0 the event loop gets a turn between every two steps, and the result is the steps' own", async () => {
    const w = world(6);
    let yields = 0;
    const result = await runInSlices(w.steps(), { sliceMs: 0, onYield: () => yields++ });
    w.stop();
    assert.equal(result, 'done');
    assert.equal(w.seen.length, 6);
    assert.equal(yields, 6, 'a turn after each step');
    for (let i = 1; i < w.seen.length; i++) assert.ok(w.seen[i] > w.seen[i - 1], `the ticker ran between steps ${i - 1} and ${i}: ${w.seen}`);
  });

  it('with a slice longer than the work it runs at once, like finish()', async () => {
    const w = world(1000);
    let yields = 0;
    await runInSlices(w.steps(), { sliceMs: 1e9, onYield: () => yields++ });
    w.stop();
    assert.equal(yields, 0);
    assert.equal(new Set(w.seen).size, 1, 'no turn in between');
  });

  it('all work shares one slice per turn: two pieces of work take turns, one step each with a slice of 0', async () => {
    const order: string[] = [];
    function* named(name: string, count: number): Steps<string> {
      for (let i = 0; i < count; i++) {
        order.push(name);
        yield;
      }
      return name;
    }
    const a = runInSlices(named('a', 3), { sliceMs: 0 });
    const b = runInSlices(named('b', 3), { sliceMs: 0 });
    assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
    assert.deepEqual(order, ['a', 'b', 'a', 'b', 'a', 'b'], 'one step per turn, in turn');
  });

  it('work waiting for its turn stops as soon as its signal fires', async () => {
    function* endless(): Steps<void> {
      for (;;) yield;
    }
    const busy = new AbortController();
    const waiting = new AbortController();
    const first = runInSlices(endless(), { sliceMs: 0, signal: busy.signal }).catch((e: unknown) => e);
    const second = runInSlices(endless(), { sliceMs: 0, signal: waiting.signal });
    waiting.abort();
    await assert.rejects(second, (e: unknown) => e instanceof EngineError && e.code === 'aborted');
    busy.abort();
    assert.ok((await first) instanceof EngineError);
  });

  it('stops between two slices once the signal fires: no step after it, the generator closed, a cancellation error', async () => {
    const w = world(100);
    const controller = new AbortController();
    let yields = 0;
    const run = runInSlices(w.steps(), {
      sliceMs: 0,
      signal: controller.signal,
      what: 'the test work',
      onYield: () => {
        if (++yields === 3) controller.abort();
      },
    });
    await assert.rejects(run, (e: unknown) => e instanceof EngineError && e.code === 'aborted' && /the test work was cancelled/.test(e.message));
    w.stop();
    assert.equal(w.seen.length, 3, 'three steps, none after the abort');
    assert.ok(w.isEnded(), "the generator's finally ran");
  });

  it('an already aborted signal runs no step', async () => {
    const w = world(5);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runInSlices(w.steps(), { signal: controller.signal }), (e: unknown) => e instanceof EngineError && e.code === 'aborted');
    w.stop();
    assert.equal(w.seen.length, 0);
  });

  it("an error thrown by a step is the run's error", async () => {
    function* failing(): Steps<number> {
      yield;
      throw new Error('step failed');
    }
    await assert.rejects(runInSlices(failing(), { sliceMs: 0 }), /step failed/);
  });
});
