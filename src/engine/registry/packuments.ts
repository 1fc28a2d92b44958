import { summarizePackument } from '../../core/trust/summarize';
import type { PackageSummary } from '../../core/trust/types';
import type { DiskCache } from '../disk-cache';
import { EngineError } from '../errors';
import { type RegistryHttp, safeUrl } from './http';
import { type RegistryMap, registryFor } from './npmrc';

export interface PackumentOptions {
  /** Serve only from the cache; never ask the network. */
  offline?: boolean;
  /** How long a cached summary is used without revalidation. */
  ttlMs?: number;
}

const NAMESPACE = 'packument-summaries-v1';

/** `@scope/name` → `@scope%2fname`, as registries expect in the path. */
export function escapeName(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

/**
 * Package histories from the registry each package comes from: one full packument per name, reduced at once to
 * a compact summary (the document itself is dropped), kept on disk and revalidated with ETag / Last-Modified.
 * Concurrent asks for the same name share one request.
 */
export class PackumentSource {
  private readonly inflight = new Map<string, Promise<PackageSummary>>();

  constructor(
    private readonly http: RegistryHttp,
    private readonly registries: RegistryMap,
    private readonly cache: DiskCache | undefined,
    private readonly opts: PackumentOptions = {},
  ) {}

  summary(name: string, signal?: AbortSignal): Promise<PackageSummary> {
    const registry = registryFor(this.registries, name);
    const key = `${registry}${name}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.load(name, registry, key, signal);
      this.inflight.set(key, p);
      // A failure is not remembered: the next scan asks again.
      p.catch(() => this.inflight.delete(key));
    }
    return p;
  }

  private async load(name: string, registry: string, key: string, signal?: AbortSignal): Promise<PackageSummary> {
    const cached = await this.cache?.get<PackageSummary>(NAMESPACE, key);
    const ttl = this.opts.ttlMs ?? 5 * 60_000;
    if (cached && (this.opts.offline || Date.now() - Date.parse(cached.storedAt) < ttl)) return cached.value;
    if (this.opts.offline) throw new EngineError('offline-miss', `${name} is not in the cache and --offline forbids asking ${safeUrl(registry)}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    const url = `${registry}${escapeName(name)}`;
    const res = await this.http.request(url, { headers, signal, registry });
    const now = new Date().toISOString();
    if (res.status === 304 && cached) {
      await this.cache?.set(NAMESPACE, { ...cached, storedAt: now });
      return cached.value;
    }
    if (res.status === 404) throw new EngineError('not-found', `${name} is not on ${safeUrl(registry)}`, 404);
    if (res.status !== 200) throw new EngineError('http-error', `${safeUrl(url)} answered ${res.status}`, res.status);
    let doc: unknown;
    try {
      doc = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new EngineError('bad-response', `${safeUrl(url)} did not return JSON`);
    }
    const summary = summarizePackument(doc, registry, now);
    if (!summary) throw new EngineError('bad-response', `${safeUrl(url)} did not return a packument`);
    if (!summary.name) summary.name = name;
    const etag = res.headers.get('etag') ?? undefined;
    const lastModified = res.headers.get('last-modified') ?? undefined;
    if (etag) summary.etag = etag;
    if (lastModified) summary.lastModified = lastModified;
    await this.cache?.set(NAMESPACE, { key, storedAt: now, etag, lastModified, value: summary }).catch(() => undefined);
    return summary;
  }
}
