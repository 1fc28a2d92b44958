import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskCache } from '../../../src/engine/infra/disk-cache';
import { RegistryHttp } from '../../../src/engine/registry/http';
import { loadNpmConfig, registryMap } from '../../../src/engine/registry/npmrc';
import { ABBREVIATED_ACCEPT, PackumentSource } from '../../../src/engine/registry/packuments';
import { type Packument, type RegistryCorpus, ScenarioBuilder } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, type FixtureRegistryOptions, type RecordedRequest, startFixtureRegistry } from '../../fixtures/registry/server';
import { isolatedNpmEnv } from '../../support/npm-env';

const TTL = 5 * 60_000;
const NAME = 'left-pad';

/** What the packument requests of one step cost: which form was asked for, and the bytes that came back. */
function asked(requests: RecordedRequest[]): { form: 'abbreviated' | 'full'; conditional: boolean; bytes: number }[] {
  return requests
    .filter((r) => r.url === `/${NAME}`)
    .map((r) => ({
      form: r.headers.accept?.startsWith(ABBREVIATED_ACCEPT) ? 'abbreviated' : 'full',
      conditional: !!(r.headers['if-none-match'] || r.headers['if-modified-since']),
      bytes: r.responseBytes ?? -1,
    }));
}

/** The packument with one more version (published at `at`, tagged latest), or with `deprecate` set on 1.0.0. */
function changed(doc: Packument, change: { publish?: string; at?: string; deprecate?: string }): Packument {
  const next = structuredClone(doc);
  if (change.publish) {
    const base = next.versions['1.0.1'];
    next.versions[change.publish] = {
      ...structuredClone(base),
      version: change.publish,
      dist: { ...structuredClone(base.dist), integrity: `sha512-${change.publish}`, shasum: change.publish },
    };
    next.time = { ...next.time, [change.publish]: change.at!, modified: change.at! };
    next['dist-tags'] = { ...next['dist-tags'], latest: change.publish };
  }
  if (change.deprecate) next.versions['1.0.0'] = { ...next.versions['1.0.0'], deprecated: change.deprecate };
  return next;
}

describe('packument revalidation past the cache lifetime', () => {
  let corpus: RegistryCorpus;
  let original: Packument;
  let home: string;
  let registry: FixtureRegistry | undefined;

  before(async () => {
    corpus = await new ScenarioBuilder()
      .package(NAME)
      .version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'alice', email: 'a@x.test' } })
      .version('1.0.1', { publishedAt: '2024-02-01T00:00:00Z', publisher: { name: 'alice', email: 'a@x.test' }, dependencies: { 'is-odd': '^1.0.0' } })
      .package('@scope/a')
      .version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z' })
      .package('b')
      .version('2.0.0', { publishedAt: '2024-01-01T00:00:00Z' })
      .package('c')
      .version('3.0.0', { publishedAt: '2024-01-01T00:00:00Z' })
      .build();
    original = corpus.packuments.get(NAME)!;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-revalidate-'));
  });
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
    corpus.packuments.set(NAME, original);
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  /**
   * A registry with `options`, a fresh disk cache, and a source whose clock the test moves. `step` moves it and asks;
   * `restart()` makes a new source on the same disk cache (a new process), `tags` counts dist-tags requests.
   */
  async function setup(options: FixtureRegistryOptions, historyMaxAgeMs?: number) {
    registry = await startFixtureRegistry(corpus, options);
    const cacheDir = fs.mkdtempSync(path.join(home, 'cache-'));
    const env = isolatedNpmEnv(home);
    const config = await loadNpmConfig({ projectDir: home, env, overrides: { registry: registry.url } });
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const make = () =>
      new PackumentSource(new RegistryHttp({ config }), registryMap(config), new DiskCache(cacheDir), { ttlMs: TTL, clock: () => clock.now, historyMaxAgeMs });
    let source = make();
    const step = async (advanceMs: number, revalidate = false) => {
      clock.now += advanceMs;
      registry!.resetRequests();
      const summary = await source.summary(NAME, undefined, revalidate);
      const tags = registry!.requests.filter((r) => r.url === `/-/package/${NAME}/dist-tags`).length;
      return { summary, requests: asked(registry!.requests), tags };
    };
    return {
      get source() {
        return source;
      },
      step,
      advance: (ms: number) => (clock.now += ms),
      restart: () => (source = make()),
    };
  }

  it('without validators: the abbreviated document confirms an unchanged history, and costs less than the full one', async () => {
    const { step } = await setup({ validators: false });
    const cold = await step(0);
    assert.deepEqual(
      cold.requests.map((r) => r.form),
      ['full'],
    );
    const within = await step(TTL - 1);
    assert.deepEqual(within.requests, [], 'within the lifetime: no request');
    const past = await step(2);
    assert.deepEqual(
      past.requests.map((r) => r.form),
      ['abbreviated'],
      'past it: one abbreviated request, not the full history',
    );
    assert.ok(
      past.requests[0].bytes > 0 && past.requests[0].bytes < cold.requests[0].bytes,
      `abbreviated ${past.requests[0].bytes} B < full ${cold.requests[0].bytes} B`,
    );
    assert.deepEqual(past.summary.versions, cold.summary.versions);
    assert.equal(past.summary.versions['1.0.0'].publisher?.name, 'alice', 'the history is still the full one');
    const again = await step(TTL - 1);
    assert.deepEqual(again.requests, [], 'the confirmation starts a new lifetime');
  });

  it('a history read back from the disk cache (another process) shares what its versions repeat, as when it was made', async () => {
    registry = await startFixtureRegistry(corpus, { validators: false });
    const cacheDir = fs.mkdtempSync(path.join(home, 'cache-'));
    const config = await loadNpmConfig({ projectDir: home, env: isolatedNpmEnv(home), overrides: { registry: registry.url } });
    const source = (cache: DiskCache) => new PackumentSource(new RegistryHttp({ config }), registryMap(config), cache, { ttlMs: TTL });
    const written = new DiskCache(cacheDir);
    const made = await source(written).summary(NAME);
    await written.flush();
    registry.resetRequests();
    const read = await source(new DiskCache(cacheDir)).summary(NAME);
    assert.deepEqual(asked(registry.requests), [], 'from the disk cache');
    assert.notStrictEqual(read, made);
    assert.deepEqual(read, made);
    assert.strictEqual(read.versions['1.0.0'].publisher, read.versions['1.0.1'].publisher, 'one publisher object for both versions');
  });

  it('without validators: a new version, a moved tag or a deprecation fetches the full history again', async () => {
    const { step } = await setup({ validators: false });
    await step(0);
    corpus.packuments.set(NAME, changed(original, { publish: '1.0.2', at: '2026-01-01T00:03:00Z' }));
    const published = await step(TTL);
    assert.deepEqual(
      published.requests.map((r) => r.form),
      ['abbreviated', 'full'],
    );
    assert.equal(published.summary.versions['1.0.2']?.publishedAt, '2026-01-01T00:03:00.000Z', 'the new version with its publish time');
    assert.equal(published.summary.distTags.latest, '1.0.2');

    corpus.packuments.set(NAME, changed(corpus.packuments.get(NAME)!, { deprecate: 'compromised, do not use' }));
    const deprecated = await step(TTL);
    assert.deepEqual(
      deprecated.requests.map((r) => r.form),
      ['abbreviated', 'full'],
    );
    assert.equal(deprecated.summary.versions['1.0.0'].deprecated, 'compromised, do not use');

    const moved = structuredClone(corpus.packuments.get(NAME)!);
    moved['dist-tags'] = { ...moved['dist-tags'], latest: '1.0.1' };
    corpus.packuments.set(NAME, moved);
    const tagged = await step(TTL);
    assert.deepEqual(
      tagged.requests.map((r) => r.form),
      ['abbreviated', 'full'],
    );
    assert.equal(tagged.summary.distTags.latest, '1.0.1');

    const { versions: _gone, ...rest } = corpus.packuments.get(NAME)!;
    const unpublished = { ...rest, versions: Object.fromEntries(Object.entries(_gone).filter(([v]) => v !== '1.0.2')) } as Packument;
    corpus.packuments.set(NAME, unpublished);
    const removed = await step(TTL);
    assert.deepEqual(
      removed.requests.map((r) => r.form),
      ['abbreviated', 'full'],
    );
    assert.equal(removed.summary.versions['1.0.2'], undefined, 'an unpublished version is gone from the history');
  });

  it('a fresh history (the lockfile names a version the summary lacks) is the full document at once', async () => {
    const { step } = await setup({ validators: false });
    await step(0);
    const fresh = await step(1, true);
    assert.deepEqual(
      fresh.requests.map((r) => r.form),
      ['full'],
    );
  });

  it('a registry that ignores Accept (the mirror): its full answer is used as the history, one request', async () => {
    const { step } = await setup({ validators: false, abbreviated: false });
    await step(0);
    corpus.packuments.set(NAME, changed(original, { publish: '1.0.2', at: '2026-01-01T00:03:00Z' }));
    const past = await step(TTL);
    assert.deepEqual(
      past.requests.map((r) => r.form),
      ['abbreviated'],
    );
    assert.equal(past.summary.versions['1.0.2']?.publishedAt, '2026-01-01T00:03:00.000Z', 'the full answer is read as such');
  });

  it('an abbreviated answer labelled as JSON is compared, never taken as a history without publish times', async () => {
    const { step } = await setup({ validators: false });
    const cold = await step(0);
    // The abbreviated body, as the registry would send it, under a plain JSON label.
    const res = await fetch(`${registry!.url}${NAME}`, { headers: { accept: ABBREVIATED_ACCEPT } });
    const body = Buffer.from(await res.arrayBuffer());
    registry!.faults.push({
      match: (r) => r.url === `/${NAME}` && !!r.headers.accept?.startsWith(ABBREVIATED_ACCEPT),
      times: 1,
      action: { status: 200, headers: { 'content-type': 'application/json' }, body },
    });
    const past = await step(TTL);
    assert.deepEqual(
      past.requests.map((r) => r.form),
      ['abbreviated'],
    );
    assert.equal(past.summary.versions['1.0.0'].publishedAt, cold.summary.versions['1.0.0'].publishedAt);
    assert.equal(past.summary.versions['1.0.0'].publisher?.name, 'alice');
  });

  it('the mirror (no validators, Accept ignored): past the lifetime its dist-tags confirm the history, a new tag reads it', async () => {
    const DAY = 24 * 60 * 60_000;
    const { step, restart, source: first0 } = await setup({ validators: false, abbreviated: false }, DAY);
    const source = first0;
    const cold = await step(0);
    assert.deepEqual(
      cold.requests.map((r) => r.form),
      ['full'],
    );
    const first = await step(TTL);
    assert.deepEqual([first.requests.map((r) => r.form), first.tags], [['abbreviated'], 0], 'the first revalidation finds out what the registry does');
    assert.equal(source.confirmedByTagsOnly(first.summary), false, 'read in full');
    const past = await step(TTL);
    assert.deepEqual([past.requests, past.tags], [[], 1], 'then: the dist-tags alone, no packument');
    assert.deepEqual(past.summary, first.summary);
    assert.equal(source.confirmedByTagsOnly(past.summary), true, 'in use on the word of its tags');
    const within = await step(TTL - 1);
    assert.deepEqual([within.requests, within.tags], [[], 0], 'the confirmation starts a new lifetime');
    restart();
    const otherProcess = await step(2);
    assert.deepEqual([otherProcess.requests, otherProcess.tags], [[], 1], 'a new process knows the registry from the disk cache');

    corpus.packuments.set(NAME, changed(original, { publish: '1.0.2', at: '2026-01-01T00:40:00Z' }));
    const published = await step(TTL);
    assert.deepEqual([published.requests.map((r) => r.form), published.tags], [['abbreviated'], 1], 'a moved tag: the full document');
    assert.equal(published.summary.versions['1.0.2']?.publishedAt, '2026-01-01T00:40:00.000Z');

    // The said limit: a deprecation moves no tag. It is seen when the history is read in full again, within a day.
    corpus.packuments.set(NAME, changed(corpus.packuments.get(NAME)!, { deprecate: 'compromised, do not use' }));
    const soon = await step(TTL);
    assert.deepEqual([soon.requests, soon.tags], [[], 1]);
    assert.equal(soon.summary.versions['1.0.0'].deprecated, undefined, 'not seen yet: tags only');
    let later = soon;
    for (let waited = TTL; waited < DAY && later.requests.length === 0; waited += 60 * 60_000) later = await step(60 * 60_000);
    assert.deepEqual(
      later.requests.map((r) => r.form),
      ['abbreviated'],
      'read in full within the maximum age',
    );
    assert.equal(later.summary.versions['1.0.0'].deprecated, 'compromised, do not use');
  });

  it('the mirror, the first revalidation of many packages at once: one finds out what the registry does, the rest ask their tags', async () => {
    const names = [NAME, '@scope/a', 'b', 'c'];
    const { source, advance } = await setup({ validators: false, abbreviated: false });
    await Promise.all(names.map((n) => source.summary(n)));
    advance(TTL);
    registry!.resetRequests();
    await Promise.all(names.map((n) => source.summary(n)));
    const urls = registry!.requests.map((r) => r.url);
    const documents = urls.filter((u) => !u.startsWith('/-/'));
    assert.equal(documents.length, 1, `one packument: ${urls}`);
    assert.deepEqual(
      urls.filter((u) => u.endsWith('/dist-tags')).sort(),
      names
        .filter((n) => `/${n.replace('/', '%2F')}` !== documents[0])
        .map((n) => `/-/package/${n.replace('/', '%2F')}/dist-tags`)
        .sort(),
    );
  });

  it('without a dist-tags endpoint: one 404, then the full document as before; an unpublished package is still not found', async () => {
    const { step } = await setup({ validators: false, abbreviated: false, distTags: false });
    await step(0);
    await step(TTL); // finds out that the registry ignores Accept
    const probed = await step(TTL);
    assert.deepEqual([probed.requests.map((r) => r.form), probed.tags], [['abbreviated'], 1]);
    const after = await step(TTL);
    assert.deepEqual([after.requests.map((r) => r.form), after.tags], [['abbreviated'], 0], 'the endpoint is not asked again');

    registry!.faults.push({ match: (r) => r.url === `/${NAME}` || r.url.startsWith('/-/package/'), action: { status: 404, body: '{}' } });
    await assert.rejects(step(TTL), /left-pad is not on/);
  });

  it('dist-tags answers that are not tags (HTML, an array, 5 MB, a 500) fall back to the full document', async () => {
    for (const body of ['<html>hi</html>', '["latest"]', `{"latest":"${'1'.repeat(5_000_000)}"}`, '{"latest": 1}']) {
      const { step } = await setup({ validators: false, abbreviated: false });
      await step(0);
      await step(TTL);
      registry!.faults.push({ match: (r) => r.url.startsWith('/-/package/'), action: { status: 200, body } });
      const past = await step(TTL);
      assert.deepEqual([past.requests.map((r) => r.form), past.tags], [['abbreviated'], 1], body.slice(0, 20));
      const again = await step(TTL);
      assert.deepEqual(again.tags, 0, `${body.slice(0, 20)}: the endpoint is not asked again`);
      await registry!.close();
      registry = undefined;
    }
    const { step } = await setup({ validators: false, abbreviated: false });
    await step(0);
    await step(TTL);
    registry!.faults.push({ match: (r) => r.url.startsWith('/-/package/'), action: { status: 500, body: 'down' } });
    const failing = await step(TTL);
    assert.equal(failing.requests.length, 1, 'a failing endpoint: the full document');
    registry!.faults.length = 0;
    const back = await step(TTL);
    assert.deepEqual([back.requests, back.tags], [[], 1], 'a server error does not retire the endpoint');
  });

  it('with validators: a conditional request of the full document, answered 304', async () => {
    const { step } = await setup({});
    await step(0);
    const past = await step(TTL);
    assert.deepEqual(
      past.requests.map((r) => [r.form, r.conditional, r.bytes]),
      [['full', true, 0]],
    );
  });
});
