import { strict as assert } from 'node:assert';
import { PacotePackuments } from '../../../src/engine/check/unlocked';

describe('PacotePackuments (pacote packumentCache)', () => {
  it('keeps documents for the TTL, bounded by their sizes, least recently used out first', () => {
    const clock = { now: 0 };
    const cache = new PacotePackuments(1000, 300, () => clock.now);
    const doc = (n: number) => ({ _contentLength: n });
    cache.set('a', doc(100)).set('b', doc(100)).set('c', doc(100));
    assert.deepEqual([cache.has('a'), cache.has('b'), cache.has('c')], [true, true, true]);
    cache.get('a'); // used: b is now the least recently used
    cache.set('d', doc(100));
    assert.deepEqual([cache.has('a'), cache.has('b'), cache.has('c'), cache.has('d')], [true, false, true, true]);
    assert.equal(cache.set('huge', doc(301)).has('huge'), false, 'larger than the bound: not kept');
    clock.now = 999;
    assert.equal(cache.has('a'), true);
    clock.now = 1000;
    assert.deepEqual([cache.has('a'), cache.has('c'), cache.has('d'), cache.size], [false, false, false, 0], 'past the TTL: gone');
    assert.equal(new PacotePackuments(0).set('x', doc(1)).has('x'), false, 'a TTL of 0 keeps nothing');
  });
});
