import { strict as assert } from 'node:assert';
import { Limiter } from '../../../src/engine/infra/limiter';

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
});
