import { strict as assert } from 'node:assert';
import { AdvisoryMemo } from '../../../src/engine/session/advisory-memo';
import { EngineError } from '../../../src/engine/infra/errors';
import { PromiseCache } from '../../../src/engine/infra/memo';
import type { Advisory } from '../../../src/core/trust/types';

const advisory = (id: string, name = 'a'): Advisory => ({
  id,
  aliases: [],
  source: 'npm',
  packageName: name,
  severity: 'high',
  title: id,
  malware: false,
  affected: { ranges: ['<2.0.0'] } as never,
});

/**
 * A load the test finishes by hand (a gate, not a delay): it records the signal it was given and how often it ran,
 * and stays in flight until `finish` or `fail`.
 */
function gatedLoad<T>() {
  const runs: { signal: AbortSignal; finish: (v: T) => void; fail: (e: unknown) => void }[] = [];
  const load = (signal: AbortSignal) =>
    new Promise<T>((finish, fail) => {
      runs.push({ signal, finish, fail });
    });
  return { load, runs };
}

const isCancellation = (e: unknown) => e instanceof EngineError && e.code === 'aborted';

describe('promise cache (one load per key, shared; each caller may leave)', () => {
  it('concurrent asks share one load, and later asks its value until the TTL after it arrived', async () => {
    let t = 0;
    const cache = new PromiseCache<string>({ ttlMs: 1000, clock: () => t });
    const { load, runs } = gatedLoad<string>();
    const a = cache.get('k', load);
    const b = cache.get('k', load, new AbortController().signal);
    t = 5000; // in flight: never stale, however long it takes
    const c = cache.get('k', load);
    assert.equal(runs.length, 1);
    runs[0].finish('v1');
    assert.deepEqual(await Promise.all([a, b, c]), ['v1', 'v1', 'v1']);
    t = 5999;
    assert.equal(await cache.get('k', load), 'v1');
    assert.equal(cache.peek('k'), 'v1');
    t = 6000; // the TTL counts from when the value arrived
    const d = cache.get('k', load);
    assert.equal(runs.length, 2);
    assert.equal(cache.peek('k'), undefined, 'a load in flight has no value to peek at');
    runs[1].finish('v2');
    assert.equal(await d, 'v2');
  });

  it('without a TTL, shares a load only while it is in flight', async () => {
    const cache = new PromiseCache<number>();
    let loads = 0;
    const load = async () => ++loads;
    assert.deepEqual(await Promise.all([cache.get('k', load), cache.get('k', load)]), [1, 1]);
    assert.equal(await cache.get('k', load), 2);
    assert.equal(cache.size, 0);
  });

  it('forgets a failure at once (every waiting caller gets it), and values `keep` rejects', async () => {
    const cache = new PromiseCache<string>({ ttlMs: Infinity, keep: (v) => v !== 'unknown' });
    const { load, runs } = gatedLoad<string>();
    const a = cache.get('k', load);
    const b = cache.get('k', load, new AbortController().signal);
    runs[0].fail(new Error('down'));
    await assert.rejects(a, /down/);
    await assert.rejects(b, /down/);
    assert.equal(await cache.get('k', async () => 'up'), 'up');
    assert.equal(await cache.get('k', async () => 'not asked'), 'up');
    // A load that throws before returning a promise is a failure like any other.
    await assert.rejects(
      cache.get('sync', () => {
        throw new Error('at once');
      }),
      /at once/,
    );
    assert.equal(await cache.get('sync', async () => 'later'), 'later');
    assert.equal(await cache.get('u', async () => 'unknown'), 'unknown');
    assert.equal(await cache.get('u', async () => 'verified'), 'verified');
    assert.equal(await cache.get('u', async () => 'not asked'), 'verified');
  });

  it('one caller leaving ends its own wait at once; the load goes on and finishes for the caller still waiting', async () => {
    const cache = new PromiseCache<string>({ ttlMs: Infinity });
    const { load, runs } = gatedLoad<string>();
    const leaving = new AbortController();
    const staying = new AbortController();
    const a = cache.get('k', load, leaving.signal);
    const b = cache.get('k', load, staying.signal);
    leaving.abort();
    await assert.rejects(a, isCancellation);
    assert.equal(runs[0].signal.aborted, false, 'another caller still waits');
    runs[0].finish('done');
    assert.equal(await b, 'done');
    assert.equal(await cache.get('k', load), 'done', 'and it is kept');
    assert.equal(runs.length, 1);
  });

  it('aborts the shared load when every caller has left, and forgets it: the next ask starts afresh', async () => {
    const cache = new PromiseCache<string>({ ttlMs: Infinity });
    const { load, runs } = gatedLoad<string>();
    const one = new AbortController();
    const two = new AbortController();
    const a = cache.get('k', load, one.signal);
    const b = cache.get('k', load, two.signal);
    const aborted = new Promise<unknown>((r) => runs[0].signal.addEventListener('abort', () => r(runs[0].signal.reason)));
    one.abort();
    await assert.rejects(a, isCancellation);
    assert.equal(runs[0].signal.aborted, false);
    two.abort();
    await assert.rejects(b, isCancellation);
    assert.ok(isCancellation(await aborted), 'the load is told with the one cancellation error');
    assert.equal(cache.size, 0);
    const c = cache.get('k', load);
    assert.equal(runs.length, 2, 'a new load, not the one being torn down');
    runs[0].fail(runs[0].signal.reason); // the aborted load ends late: it changes nothing
    runs[1].finish('fresh');
    assert.equal(await c, 'fresh');
    assert.equal(cache.peek('k'), 'fresh');
  });

  it('a caller without a signal never leaves: the load is not aborted when the others do', async () => {
    const cache = new PromiseCache<string>();
    const { load, runs } = gatedLoad<string>();
    const leaving = new AbortController();
    const a = cache.get('k', load, leaving.signal);
    const b = cache.get('k', load);
    leaving.abort();
    await assert.rejects(a, isCancellation);
    assert.equal(runs[0].signal.aborted, false);
    runs[0].finish('done');
    assert.equal(await b, 'done');
  });

  it('a caller whose signal has already fired gets the cancellation error and starts nothing', async () => {
    const cache = new PromiseCache<string>({ ttlMs: Infinity });
    const { load, runs } = gatedLoad<string>();
    await assert.rejects(cache.get('k', load, AbortSignal.abort()), isCancellation);
    assert.equal(runs.length, 0);
    assert.equal(cache.size, 0);
  });

  it('the holder keeps a load going after every caller left, until it fires', async () => {
    const holder = new AbortController();
    const cache = new PromiseCache<string>({ ttlMs: Infinity, holder: holder.signal });
    const { load, runs } = gatedLoad<string>();
    const first = new AbortController();
    const a = cache.get('a', load, first.signal);
    first.abort();
    await assert.rejects(a, isCancellation);
    assert.equal(runs[0].signal.aborted, false, "held: a superseded check's request goes on");
    // The check that replaced it joins the same load.
    const again = cache.get('a', load, new AbortController().signal);
    assert.equal(runs.length, 1);
    runs[0].finish('kept');
    assert.equal(await again, 'kept');

    const second = new AbortController();
    const b = cache.get('b', load, second.signal);
    second.abort();
    await assert.rejects(b, isCancellation);
    assert.equal(runs[1].signal.aborted, false);
    holder.abort();
    assert.equal(runs[1].signal.aborted, true, 'the holder let go and nobody waits');
    assert.equal(cache.peek('a'), 'kept', 'what has arrived stays');
    // Loads started after the holder fired are not held.
    const third = new AbortController();
    const c = cache.get('c', load, third.signal);
    third.abort();
    await assert.rejects(c, isCancellation);
    assert.equal(runs[2].signal.aborted, true);
  });

  it('is bounded: the oldest entry goes first; a load pushed out still ends for its callers', async () => {
    const cache = new PromiseCache<string>({ ttlMs: Infinity, max: 2 });
    const { load, runs } = gatedLoad<string>();
    const a = cache.get('a', load);
    for (const k of ['b', 'c']) await cache.get(k, async () => k);
    assert.equal(cache.size, 2);
    assert.equal(cache.peek('b'), 'b');
    assert.equal(cache.peek('c'), 'c');
    runs[0].finish('a');
    assert.equal(await a, 'a');
    assert.equal(cache.peek('a'), undefined, 'pushed out, not put back when it arrived');
    await cache.get('d', async () => 'd');
    assert.equal(cache.peek('b'), undefined);
    assert.deepEqual([cache.peek('c'), cache.peek('d')], ['c', 'd']);
  });

  it('set() keeps a value learnt otherwise; delete() and clear() forget', async () => {
    const cache = new PromiseCache<boolean>({ ttlMs: Infinity });
    assert.equal(await cache.get('r', async () => false), false);
    cache.set('r', true);
    assert.equal(await cache.get('r', async () => false), true);
    cache.delete('r');
    assert.equal(cache.peek('r'), undefined);
    cache.set('s', true);
    cache.clear();
    assert.equal(cache.size, 0);
  });
});

describe('advisory memo', () => {
  it('asks only the versions not asked yet, and keeps the union of the answers', () => {
    const memo = new AdvisoryMemo(Infinity);
    const q1 = new Map([['a', ['1.0.0', '1.1.0']]]);
    assert.deepEqual([...memo.missing(q1)], [['a', ['1.0.0', '1.1.0']]]);
    memo.record(q1, new Map([['a', [advisory('GHSA-1')]]]));
    assert.deepEqual([...memo.missing(q1)], []);
    const q2 = new Map([
      ['a', ['1.1.0', '1.2.0']],
      ['b', ['3.0.0']],
    ]);
    assert.deepEqual(
      [...memo.missing(q2)],
      [
        ['a', ['1.2.0']],
        ['b', ['3.0.0']],
      ],
    );
    const before = memo.lookup(['a']).get('a');
    memo.record(memo.missing(q2), new Map([['a', [advisory('GHSA-1'), advisory('GHSA-2')]]]));
    assert.deepEqual(
      memo
        .lookup(['a', 'b'])
        .get('a')!
        .map((x) => x.id),
      ['GHSA-1', 'GHSA-2'],
    );
    assert.deepEqual(
      before!.map((x) => x.id),
      ['GHSA-1'],
      'a list handed out earlier is never changed',
    );
    assert.equal(memo.lookup(['b']).get('b'), undefined);
  });

  it('a TTL of 0 asks every time, and still finds the answer it just recorded', () => {
    const memo = new AdvisoryMemo(0, () => 5);
    const q = new Map([['a', ['1.0.0']]]);
    memo.record(memo.missing(q), new Map([['a', [advisory('GHSA-1')]]]));
    assert.deepEqual(
      memo
        .lookup(['a'])
        .get('a')!
        .map((x) => x.id),
      ['GHSA-1'],
    );
    assert.equal(memo.missing(q).size, 1);
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
