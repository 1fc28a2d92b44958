import { strict as assert } from 'node:assert';
import type { TrustCard } from '../../src/core/report/card';
import { CardsSent, applyCards } from '../../src/protocol/cards-delta';

const card = (name: string, version: string, safeVersion: string | null = version, start = 0): TrustCard => ({
  name,
  version,
  registry: 'https://registry.example/',
  advisories: [],
  safeVersion,
  findings: [],
  trustData: true,
  locations: [{ file: 'package-lock.json', startOffset: start, endOffset: start + 10 }],
});

describe('hover cards sent as a delta', () => {
  it('sends everything first, then only what changed; the extension rebuilds exactly the full list', () => {
    const sent = new CardsSent('test');
    const v1 = [card('a', '1.0.0'), card('b', '2.0.0'), card('c', '3.0.0')];
    const first = sent.encode('/p', v1, undefined);
    assert.equal(first.cards, v1);
    assert.equal(first.cardsDelta, undefined);
    const held = { tag: first.cardsTag, cards: applyCards(undefined, first)! };

    const v2 = [card('a', '1.0.0'), card('b', '2.0.0', '2.0.1'), card('d', '4.0.0', null, 50)];
    const second = sent.encode('/p', v2, held.tag);
    assert.deepEqual(second.cards, []);
    assert.deepEqual(
      second.cardsDelta!.changed.map((c) => `${c.name}@${c.version}`),
      ['b@2.0.0', 'd@4.0.0'],
    );
    assert.deepEqual(second.cardsDelta!.removed, ['c@3.0.0']);
    const merged = applyCards(held, second)!;
    assert.deepEqual(new Map(merged.map((c) => [`${c.name}@${c.version}`, c])), new Map(v2.map((c) => [`${c.name}@${c.version}`, c])));

    const same = sent.encode('/p', v2, second.cardsTag);
    assert.deepEqual(same.cardsDelta, { base: second.cardsTag, changed: [], removed: [] });
  });

  it('sends everything when the extension holds other cards (a dropped result, another folder, a restarted service)', () => {
    const sent = new CardsSent('test');
    const first = sent.encode('/p', [card('a', '1.0.0')], undefined);
    sent.encode('/p', [card('a', '1.0.0', '1.0.1')], first.cardsTag); // the extension dropped this one
    const again = sent.encode('/p', [card('a', '1.0.0', '1.0.2')], first.cardsTag);
    assert.equal(again.cardsDelta, undefined);
    assert.equal(again.cards.length, 1);
    assert.equal(sent.encode('/q', [card('a', '1.0.0')], again.cardsTag).cardsDelta, undefined);
    assert.equal(new CardsSent('restarted').encode('/p', [card('a', '1.0.0')], again.cardsTag).cardsDelta, undefined);
  });

  it('the extension refuses a delta for cards it does not hold', () => {
    const delta = { cards: [], cardsDelta: { base: 'x.1', changed: [], removed: [] } };
    assert.equal(applyCards(undefined, delta), undefined);
    assert.equal(applyCards({ tag: 'x.2', cards: [] }, delta), undefined);
    assert.deepEqual(applyCards({ tag: 'x.1', cards: [card('a', '1.0.0')] }, delta)!.length, 1);
  });
});
