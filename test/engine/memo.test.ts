import { strict as assert } from 'node:assert';
import { AdvisoryMemo } from '../../src/engine/session/advisory-memo';
import { Memo, untilAborted } from '../../src/engine/infra/memo';
import type { Advisory } from '../../src/core/trust/types';

const advisory = (id: string, name = 'a'): Advisory => ({ id, aliases: [], source: 'npm', packageName: name, severity: 'high', title: id, malware: false, affected: { ranges: ['<2.0.0'] } as never });

describe('memo (promises shared between checks)', () => {
  it('shares one load per key until the TTL passes', async () => {
    let t = 0;
    let loads = 0;
    const memo = new Memo<number>(1000, 100, () => t);
    const load = async () => ++loads;
    assert.equal(await memo.get('k', load), 1);
    assert.equal(await memo.get('k', load), 1);
    t = 999;
    assert.equal(await memo.get('k', load), 1);
    t = 1000;
    assert.equal(await memo.get('k', load), 2);
  });

  it('forgets failures and values `keep` rejects, so the next ask tries again', async () => {
    const memo = new Memo<string>(Infinity);
    await assert.rejects(memo.get('k', async () => Promise.reject(new Error('down'))));
    assert.equal(await memo.get('k', async () => 'up'), 'up');
    await memo.get('u', async () => 'unknown', (v) => v !== 'unknown');
    await Promise.resolve();
    assert.equal(await memo.get('u', async () => 'verified', (v) => v !== 'unknown'), 'verified');
  });

  it('is bounded: the oldest entry goes first', async () => {
    const memo = new Memo<number>(Infinity, 2);
    for (const k of ['a', 'b', 'c']) await memo.get(k, async () => 1);
    assert.equal(memo.size, 2);
    let reloaded = false;
    await memo.get('a', async () => ((reloaded = true), 2));
    assert.ok(reloaded);
  });

  it('untilAborted ends one caller\'s wait at its abort while the shared work goes on', async () => {
    let finish!: (v: string) => void;
    const shared = new Promise<string>((r) => (finish = r));
    const controller = new AbortController();
    const waiting = untilAborted(shared, controller.signal);
    controller.abort();
    await assert.rejects(waiting, (e: { code?: string }) => e.code === 'aborted');
    finish('done');
    assert.equal(await untilAborted(shared, new AbortController().signal), 'done');
  });
});

describe('advisory memo', () => {
  it('asks only the versions not asked yet, and keeps the union of the answers', () => {
    const memo = new AdvisoryMemo(Infinity);
    const q1 = new Map([['a', ['1.0.0', '1.1.0']]]);
    assert.deepEqual([...memo.missing(q1)], [['a', ['1.0.0', '1.1.0']]]);
    memo.record(q1, new Map([['a', [advisory('GHSA-1')]]]));
    assert.deepEqual([...memo.missing(q1)], []);
    const q2 = new Map([['a', ['1.1.0', '1.2.0']], ['b', ['3.0.0']]]);
    assert.deepEqual([...memo.missing(q2)], [['a', ['1.2.0']], ['b', ['3.0.0']]]);
    const before = memo.lookup(['a']).get('a');
    memo.record(memo.missing(q2), new Map([['a', [advisory('GHSA-1'), advisory('GHSA-2')]]]));
    assert.deepEqual(memo.lookup(['a', 'b']).get('a')!.map((x) => x.id), ['GHSA-1', 'GHSA-2']);
    assert.deepEqual(before!.map((x) => x.id), ['GHSA-1'], 'a list handed out earlier is never changed');
    assert.equal(memo.lookup(['b']).get('b'), undefined);
  });

  it('asks everything again after the TTL', () => {
    let t = 0;
    const memo = new AdvisoryMemo(100, () => t);
    const q = new Map([['a', ['1.0.0']]]);
    memo.record(q, new Map());
    assert.equal(memo.missing(q).size, 0);
    t = 100;
    assert.equal(memo.missing(q).size, 1);
  });
});
