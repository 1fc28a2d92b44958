import type { TrustCard } from '../core/report/card';

/**
 * Hover cards change little between two evaluations of the same folder (an edit moves a dependency or two), but
 * a big project has thousands: about 1 MB of JSON to send and parse on the extension host after every keystroke.
 * So the service sends only the cards that differ from the ones the extension says it holds.
 */
export interface CardsDelta {
  /** The tag of the cards this delta applies to. */
  base: string;
  /** New cards, and cards that differ from the base (same name@version). */
  changed: TrustCard[];
  /** name@version of base cards that are gone. */
  removed: string[];
}

export function cardKey(c: Pick<TrustCard, 'name' | 'version'>): string {
  return `${c.name}@${c.version}`;
}

/** The service's side: the cards last sent per folder (each with its JSON). */
export class CardsSent {
  private readonly byRoot = new Map<string, { tag: string; sent: Map<string, { card: TrustCard; json: string }> }>();
  private next = 0;

  constructor(private readonly prefix = `${process.pid}.${Date.now().toString(36)}`) {}

  /**
   * What to send for `cards`: all of them, or (when the extension holds the cards last sent, `base`) the
   * difference. Either way the result's tag names the full set the extension holds afterwards.
   */
  encode(root: string, cards: TrustCard[], base: string | undefined): { cards: TrustCard[]; cardsDelta?: CardsDelta; cardsTag: string } {
    const last = this.byRoot.get(root);
    const now = new Map<string, { card: TrustCard; json: string }>();
    const changed: TrustCard[] = [];
    for (const c of cards) {
      const key = cardKey(c);
      const before = last?.sent.get(key);
      // The engine hands out the same object for an unchanged card: no need to serialise it to compare.
      const json = before?.card === c ? before.json : JSON.stringify(c);
      now.set(key, { card: c, json });
      if (before?.json !== json) changed.push(c);
    }
    const tag = `${this.prefix}.${++this.next}`;
    this.byRoot.set(root, { tag, sent: now });
    if (!last || base === undefined || base !== last.tag) return { cards, cardsTag: tag };
    const removed = [...last.sent.keys()].filter((k) => !now.has(k));
    return { cards: [], cardsDelta: { base, changed, removed }, cardsTag: tag };
  }

  forget(root?: string): void {
    if (root === undefined) this.byRoot.clear();
    else this.byRoot.delete(root);
  }
}

/** The extension's side: the full card list after a result, or undefined when the delta is not for `held`. */
export function applyCards(
  held: { tag: string; cards: TrustCard[] } | undefined,
  result: { cards: TrustCard[]; cardsDelta?: CardsDelta },
): TrustCard[] | undefined {
  const delta = result.cardsDelta;
  if (!delta) return result.cards;
  if (!held || held.tag !== delta.base) return undefined;
  const byKey = new Map(held.cards.map((c) => [cardKey(c), c]));
  for (const k of delta.removed) byKey.delete(k);
  for (const c of delta.changed) byKey.set(cardKey(c), c);
  return [...byKey.values()];
}
