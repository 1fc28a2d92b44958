import type { Advisory } from '../../core/trust/types';

/**
 * Advisories already asked for, per name: which versions were asked and what came back. A later check asks only
 * the (name, version) pairs not asked within `ttlMs`, so an edit that moves one dependency sends one small query.
 */
export class AdvisoryMemo {
  private readonly byName = new Map<string, { at: number; asked: Set<string>; list: Advisory[] }>();
  /** Sources whose endpoint is not there (404, 405, 501), with the failure, for the TTL. */
  private readonly absent = new Map<string, { at: number; error: Error }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private entry(name: string) {
    const e = this.byName.get(name);
    if (e && this.clock() - e.at >= this.ttlMs) {
      this.byName.delete(name);
      return undefined;
    }
    return e;
  }

  /** The part of `query` that has no answer yet. */
  missing(query: ReadonlyMap<string, string[]>): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [name, versions] of query) {
      const e = this.entry(name);
      const rest = e ? versions.filter((v) => !e.asked.has(v)) : versions;
      if (rest.length) out.set(name, rest);
    }
    return out;
  }

  /** Remembers the answer to `query` (only call it for a query every source answered). */
  record(query: ReadonlyMap<string, string[]>, answer: ReadonlyMap<string, Advisory[]>): void {
    for (const [name, versions] of query) {
      const e = this.entry(name) ?? { at: this.clock(), asked: new Set<string>(), list: [] };
      for (const v of versions) e.asked.add(v);
      // A new list, never a push: earlier reports hold the old one.
      const seen = new Set(e.list.map(advisoryKey));
      const added = (answer.get(name) ?? []).filter((a) => !seen.has(advisoryKey(a)) && seen.add(advisoryKey(a)));
      if (added.length) e.list = [...e.list, ...added];
      this.byName.set(name, e);
    }
  }

  /**
   * What is known for each name of `names`. The TTL is not applied here: it decides what missing() asks again, and
   * an answer just recorded must be found (with a TTL of 0 it was forgotten at once, and the check saw no advisory).
   */
  lookup(names: Iterable<string>): Map<string, Advisory[]> {
    const out = new Map<string, Advisory[]>();
    for (const name of names) {
      const e = this.byName.get(name);
      if (e?.list.length) out.set(name, e.list);
    }
    return out;
  }

  /**
   * The failure of a source whose endpoint the registry does not have, within the TTL of its answer: a mirror without
   * the bulk advisory endpoint must not cost a request per edit. It is still a failure (the check says what it could
   * not judge, every time); only the request is saved.
   */
  absentEndpoint(source: string): Error | undefined {
    const e = this.absent.get(source);
    if (e && this.clock() - e.at < this.ttlMs) return e.error;
    this.absent.delete(source);
    return undefined;
  }

  /** Remembers `error` for `source` when it says the endpoint is not there (HTTP 404, 405 or 501). */
  noteFailure(source: string, error: unknown): void {
    const status = (error as { status?: unknown } | null)?.status;
    if ((status === 404 || status === 405 || status === 501) && error instanceof Error) this.absent.set(source, { at: this.clock(), error });
  }

  clear(): void {
    this.byName.clear();
    this.absent.clear();
  }
}

function advisoryKey(a: Advisory): string {
  return `${a.source}:${a.id}`;
}
