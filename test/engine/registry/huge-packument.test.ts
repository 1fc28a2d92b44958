import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheLines } from '../../support/cache-contents';
import { summarizePackument } from '../../../src/core/trust/summarize';
import type { PackageSummary } from '../../../src/core/trust/types';
import { runCheck } from '../../../src/engine/check/run-check';
import { DiskCache } from '../../../src/engine/infra/disk-cache';
import type { EngineError } from '../../../src/engine/infra/errors';
import { RegistryHttp } from '../../../src/engine/registry/http';
import { loadNpmConfig, registryMap } from '../../../src/engine/registry/npmrc';
import { PackumentSource, STREAM_ABOVE_BYTES } from '../../../src/engine/registry/packuments';
import { ScenarioBuilder } from '../../fixtures/registry/corpus';
import { type HugePackument, hugePackument } from '../../fixtures/registry/huge-packument';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { withinHangGuard } from '../../support/wait';
import { isolatedNpmEnv } from '../../support/npm-env';

/** The chunks, with `insert` sent (or, without it, the connection dropped) after the first `after` of them. */
function* breakAfter(chunks: Iterable<Buffer>, after: number, insert?: Buffer): Generator<Buffer> {
  let i = 0;
  for (const c of chunks) {
    if (i++ === after) {
      if (!insert) throw new Error('connection dropped on purpose');
      yield insert;
    }
    yield c;
  }
}

/** The chunks, each shown to `see` (with its index) as it is handed out; `done` once the server stops taking them. */
function* tap(chunks: Iterable<Buffer>, see: (i: number, chunk: Buffer) => void, done?: () => void): Generator<Buffer> {
  let i = 0;
  try {
    for (const c of chunks) {
      see(i++, c);
      yield c;
    }
  } finally {
    done?.(); // the server's loop ended: the body was sent whole, or the connection is gone
  }
}

const sizeOf = (chunks: Iterable<Buffer>) => {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
};

/**
 * Issue #7: a hostile registry serves a 100 MB packument. TrustLens reads it as it streams in, keeping only the
 * summary (peak memory is measured by `npm run bench:huge`, never asserted here), and gives a result for it or a
 * clear error code; broken huge ones leave no cache entry, and every other package is still evaluated.
 */
describe('huge packuments from the registry (streamed, bounded memory)', function () {
  this.timeout(300_000);
  let registry: FixtureRegistry;
  let huge: HugePackument;
  let mid: HugePackument;
  let brokenOffset = 0;
  let project: string;
  let abortAt: (() => void) | undefined;
  /** Bytes the registry has handed to the socket for /too-big, and when it has stopped sending them. */
  let tooBigSent = 0;
  let tooBigStopped: () => void = () => undefined;
  const tooBigDone = new Promise<void>((resolve) => (tooBigStopped = resolve));

  before(async () => {
    const b = new ScenarioBuilder();
    for (const n of ['huge', 'huge-broken', 'huge-cut', 'mid'])
      b.package(n)
        .version('9.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'alice' } })
        .version('9.0.1', { publishedAt: '2024-02-01T00:00:00Z', publisher: { name: 'alice' } });
    b.package('steady').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'bob' } });
    const corpus = await b.build();
    huge = hugePackument(corpus.packuments.get('huge')!); // ~100 MB
    const broken = hugePackument(corpus.packuments.get('huge-broken')!, { olderVersions: 800 });
    const cut = hugePackument(corpus.packuments.get('huge-cut')!, { olderVersions: 800 });
    mid = hugePackument(corpus.packuments.get('mid')!, { olderVersions: 800, seed: 2 }); // ~20 MB
    for (const n of ['huge', 'huge-broken', 'huge-cut', 'mid']) corpus.packuments.delete(n); // served only by the stream rules below
    registry = await startFixtureRegistry(corpus, {
      faults: [
        { match: /^\/huge$/, action: { stream: { etag: huge.etag, chunks: huge.chunks } } },
        { match: /^\/huge-broken$/, action: { stream: { chunks: (url) => breakAfter(broken.chunks(url), 600, Buffer.from('#')) } } },
        { match: /^\/huge-cut$/, action: { stream: { chunks: (url) => breakAfter(cut.chunks(url), 500) } } },
        { match: /^\/mid$/, action: { stream: { etag: mid.etag, chunks: mid.chunks } } },
        { match: /^\/too-big$/, action: { stream: { chunks: (url) => tap(huge.chunks(url), (_, c) => (tooBigSent += c.length), tooBigStopped) } } },
        { match: /^\/aborted$/, action: { stream: { chunks: (url) => tap(mid.chunks(url), (i) => i === 200 && abortAt?.()) } } },
      ],
    });
    // the same body with a content-length: the reader starts streaming at once
    registry.faults.push({
      match: /^\/mid-with-length$/,
      action: { stream: { headers: { 'content-length': String(sizeOf(mid.chunks(registry.url))) }, chunks: mid.chunks } },
    });
    let i = 0;
    for (const c of broken.chunks(registry.url)) {
      if (i++ === 600) break;
      brokenOffset += c.length; // where the '#' lands
    }

    project = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-huge-'));
    const names = ['huge', 'huge-broken', 'huge-cut', 'steady'];
    const deps = Object.fromEntries(names.map((n) => [n, n === 'steady' ? '^1.0.0' : '^9.0.0']));
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', dependencies: deps }));
    const locked = (n: string) => (n === 'steady' ? '1.0.0' : '9.0.1');
    fs.writeFileSync(
      path.join(project, 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: deps },
          ...Object.fromEntries(names.map((n) => [`node_modules/${n}`, { version: locked(n), resolved: `${registry.url}${n}/-/${n}-${locked(n)}.tgz` }])),
        },
      }),
    );
  });
  after(async () => {
    await registry?.close();
  });

  async function source(opts: { maxBodyBytes?: number; concurrency?: number; retries?: number; cacheDir?: string; log?: string[] } = {}) {
    const config = await loadNpmConfig({ projectDir: project, env: isolatedNpmEnv(project), overrides: { registry: registry.url } });
    const http = new RegistryHttp({
      config,
      maxBodyBytes: opts.maxBodyBytes,
      concurrency: opts.concurrency,
      retries: opts.retries,
      log: (l) => opts.log?.push(l),
    });
    return new PackumentSource(http, registryMap(config), opts.cacheDir ? new DiskCache(opts.cacheDir) : undefined, { ttlMs: 0 });
  }

  it('a check: a result for the 100 MB packument, clear errors for broken huge ones, the rest evaluated, nothing corrupt cached', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-huge-cache-'));
    assert.ok(brokenOffset > STREAM_ABOVE_BYTES, `the broken byte comes after the switch to streaming (${brokenOffset})`);
    const log: string[] = [];
    // Outcomes only: a generous timeout, since this process also generates the 100 MB (time is bench:huge's business).
    const report = await runCheck({
      projectDir: project,
      registry: registry.url,
      env: isolatedNpmEnv(project),
      cacheDir,
      timeoutMs: 120_000,
      advisories: { npm: false, osv: false },
      log: (l) => log.push(l),
    });
    const errorOf = (n: string) => report.errors.find((e) => e.package === n || e.package.startsWith(`${n}@`));
    assert.equal(errorOf('huge'), undefined, JSON.stringify(report.errors));
    assert.equal(errorOf('steady'), undefined);
    assert.equal(errorOf('huge-broken')?.code, 'bad-response');
    assert.match(errorOf('huge-broken')!.message, new RegExp(`did not return JSON: unexpected '#' where ',' or '}' should be at byte ${brokenOffset}$`));
    assert.equal(errorOf('huge-cut')?.code, 'registry-unreachable', JSON.stringify(errorOf('huge-cut')));
    const cards = new Map(report.cards.map((c) => [c.name, c]));
    assert.equal(cards.get('huge')?.version, '9.0.1');
    assert.ok(cards.has('steady'));
    assert.ok(!report.findings.some((f) => f.package === 'huge' && f.code === 'version-missing'), 'the locked version was found in the huge history');
    assert.ok(
      log.some((l) => /^GET \S+\/huge 200 .* B \(streamed\)$/.test(l)),
      log.join('\n'),
    );
    assert.ok(
      log.some((l) => /^GET \S+\/steady 200 .* B$/.test(l)),
      `a small packument is read whole:\n${log.join('\n')}`,
    );

    // Every cache line is whole (cacheLines throws otherwise); the huge summary is complete; the broken ones left nothing.
    const summaries = cacheLines(cacheDir)
      .map((l) => l.entry.value as PackageSummary | undefined)
      .filter((v): v is PackageSummary => !!v && typeof v === 'object' && 'versions' in v);
    const cached = summaries.find((s) => s.name === 'huge');
    assert.equal(Object.keys(cached?.versions ?? {}).length, huge.versions.length);
    assert.equal(cached?.etag, huge.etag);
    for (const n of ['huge-broken', 'huge-cut']) assert.ok(!summaries.some((s) => s.name === n), `${n} left no cache entry`);
  });

  it('the streamed summary equals summarizePackument(JSON.parse(body)), with or without content-length; revalidation gets 304', async () => {
    const body = Buffer.concat([...mid.chunks(registry.url)]);
    assert.ok(body.length > STREAM_ABOVE_BYTES);
    const want = summarizePackument(JSON.parse(body.toString('utf8')), registry.url, 'x')!;
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-huge-cache-'));
    const log: string[] = [];
    const src = await source({ cacheDir, log });
    const comparable = (s: PackageSummary) => ({ ...s, fetchedAt: 'x', etag: undefined });
    const streamed = await src.summary('mid');
    assert.deepStrictEqual(comparable(streamed), { ...want, etag: undefined });
    assert.equal(JSON.stringify(comparable(streamed)), JSON.stringify({ ...want, etag: undefined }), 'same key order');
    assert.equal(streamed.etag, mid.etag);
    const withLength = await src.summary('mid-with-length');
    assert.deepStrictEqual(comparable(withLength), comparable(streamed));
    assert.equal(log.filter((l) => /\(streamed\)$/.test(l)).length, 2, log.join('\n'));

    // ttl 0: asked again, with the ETag; the registry answers 304 and the cached summary is used
    registry.resetRequests();
    const again = await (await source({ cacheDir })).summary('mid');
    assert.deepStrictEqual(comparable(again), comparable(streamed));
    assert.deepEqual(
      registry.requests.map((r) => [r.url, r.headers['if-none-match']]),
      [['/mid', mid.etag]],
    );
  });

  it('the body cap applies to streamed bodies (too-large), and the download stops there', async () => {
    const src = await source({ maxBodyBytes: 16 * 1024 * 1024, concurrency: 1, retries: 0 });
    await assert.rejects(src.summary('too-big'), (e: EngineError) => e.code === 'too-large' && /larger than 16 MB/.test(e.message));
    // The connection is closed, not left paused: the registry stops sending (event: its loop over the body ends; a
    // paused connection would keep it waiting, which the hang guard would end) having sent a fraction of ~100 MB.
    await withinHangGuard('the registry to stop sending /too-big', tooBigDone);
    assert.ok(tooBigSent < 48 * 1024 * 1024, `the registry sent ${tooBigSent} bytes`);
    assert.equal(Object.keys((await src.summary('steady')).versions).length, 1, 'the next request works');
  });

  it('a cancelled scan stops a streamed download with aborted; the next one works', async () => {
    const controller = new AbortController();
    abortAt = () => controller.abort();
    const src = await source({ concurrency: 1, retries: 0 });
    await assert.rejects(src.summary('aborted', controller.signal), (e: EngineError) => e.code === 'aborted');
    abortAt = undefined;
    assert.equal(Object.keys((await src.summary('steady')).versions).length, 1);
  });
});
