import { strict as assert } from 'node:assert';
import { Limiter, WeightedLimiter } from '../../../src/engine/infra/limiter';

describe('limiter', () => {
  it('runs at most `max` at once, urgent tasks ahead of queued ordinary ones, each lane in order', async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((r) => (release = r)).then(() => void order.push('first')));
    const tasks = [
      limiter.run(async () => void order.push('a')),
      limiter.run(async () => void order.push('b')),
      limiter.run(async () => void order.push('urgent 1'), undefined, true),
      limiter.run(async () => void order.push('urgent 2'), undefined, true),
    ];
    release();
    await Promise.all([first, ...tasks]);
    assert.deepEqual(order, ['first', 'urgent 1', 'urgent 2', 'a', 'b']);
  });

  it('a queued task whose signal aborts leaves its lane', async () => {
    const limiter = new Limiter(1);
    let release!: () => void;
    const first = limiter.run(() => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const queued = limiter.run(async () => 'ran', controller.signal, true);
    const after = limiter.run(async () => 'after');
    controller.abort(new Error('gone'));
    await assert.rejects(queued, (e: { code?: string }) => e.code === 'aborted'); // the one cancellation error, whatever the reason
    release();
    await first;
    assert.equal(await after, 'after');
  });

  it('a weighted limiter runs tasks while their weights fit, one whatever its weight, in order, at most maxTasks', async () => {
    const limiter = new WeightedLimiter(10, 3);
    const running = new Set<string>();
    const seen: string[][] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string, weight: number) =>
      limiter.run(weight, async () => {
        running.add(name);
        seen.push([...running].sort());
        await new Promise<void>((r) => gates.set(name, r));
        running.delete(name);
      });
    const big = task('big', 25); // alone: runs although it is over the budget
    const a = task('a', 4);
    const b = task('b', 4);
    const c = task('c', 1);
    const d = task('d', 1);
    assert.deepEqual(seen, [['big']]);
    gates.get('big')!();
    await big;
    assert.deepEqual(seen.slice(1), [['a'], ['a', 'b'], ['a', 'b', 'c']], 'a, b and c fit (9 of 10); d waits for the count of 3');
    gates.get('a')!();
    await a;
    assert.deepEqual(seen[4], ['b', 'c', 'd']);
    for (const n of ['b', 'c', 'd']) gates.get(n)!();
    await Promise.all([b, c, d]);
  });

  it('a weighted limiter keeps order: a heavy task at the head is not overtaken, and an aborted one leaves the queue', async () => {
    const limiter = new WeightedLimiter(10);
    const order: string[] = [];
    let release!: () => void;
    const first = limiter.run(6, () => new Promise<void>((r) => (release = r)).then(() => void order.push('first')));
    const controller = new AbortController();
    const gone = limiter.run(5, async () => void order.push('gone'), controller.signal); // 6 + 5 > 10: waits
    const heavy = limiter.run(8, async () => void order.push('heavy'));
    const light = limiter.run(1, async () => void order.push('light'));
    controller.abort(new Error('left'));
    await assert.rejects(gone, (e: { code?: string }) => e.code === 'aborted');
    release();
    await Promise.all([first, heavy, light]);
    assert.deepEqual(order, ['first', 'heavy', 'light']);
  });
});
