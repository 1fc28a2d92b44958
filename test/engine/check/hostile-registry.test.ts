import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheLines } from '../../support/cache-contents';
import { type CheckOptions, runCheck } from '../../../src/engine/check/run-check';
import { ScenarioBuilder } from '../../fixtures/registry/corpus';
import { type FaultRule, type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { isolatedNpmEnv } from '../../support/npm-env';

const NAMES = ['steady', 'broken-json', 'endless', 'stalled', 'throttled', 'flaky', 'moved', 'bad-attestation', 'huge-attestation', 'offsite-attestation'];

/**
 * A registry that misbehaves in every way at once. Each package's failure is reported for that package only,
 * every other package is still evaluated, retries stay bounded, and nothing bad is cached. (How long it takes is
 * not asserted: each request has its own timeout, and a hang would end at the suite's timeout.)
 */
describe('hostile registry', function () {
  this.timeout(120_000);
  let registry: FixtureRegistry;
  let elsewhere: FixtureRegistry;
  let project: string;

  before(async () => {
    const b = new ScenarioBuilder({ registryKey: null });
    for (const n of NAMES) b.package(n).version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    const corpus = await b.build();
    // Attestations that are garbage, and one that is enormous.
    for (const [n, body] of [
      ['bad-attestation', { attestations: [{ predicateType: 'x', bundle: { mediaType: 'nope' } }] }],
      ['huge-attestation', { attestations: [{ predicateType: 'x', bundle: { pad: 'A'.repeat(12 * 1024 * 1024) } }] }],
    ] as const) {
      corpus.attestations.set(`${n}@1.0.0`, body);
      corpus.packuments.get(n)!.versions['1.0.0'].dist.attestations = {
        url: `https://registry.invalid/-/npm/v1/attestations/${n}@1.0.0`,
        provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
      };
    }
    elsewhere = await startFixtureRegistry(corpus);
    // Attestations said to be on another host: asking there would send it the package's name (and, were it the
    // registry's host name, credentials); the registry serves its own attestations.
    corpus.attestations.set('offsite-attestation@1.0.0', { attestations: [] });
    corpus.packuments.get('offsite-attestation')!.versions['1.0.0'].dist.attestations = {
      url: `${elsewhere.url.replace('127.0.0.1', 'localhost')}-/npm/v1/attestations/offsite-attestation@1.0.0`,
      provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
    };
    const faults: FaultRule[] = [
      { match: /^\/broken-json$/, action: { status: 200, body: '{"name":"broken-json","versions":{"1.0.0":' } },
      { match: /^\/endless$/, action: { truncateAfterBytes: 10 } },
      { match: /^\/stalled$/, action: { stall: true } },
      { match: /^\/throttled$/, times: 2, action: { status: 429, headers: { 'retry-after': '0' } } },
      { match: /^\/flaky$/, action: { status: 503 } },
      // Another host name for the same loopback machine: the token must not follow.
      { match: /^\/moved$/, action: { status: 302, headers: { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}moved` } } },
    ];
    registry = await startFixtureRegistry(corpus, { faults });
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-hostile-'));
    fs.writeFileSync(path.join(project, '.npmrc'), `//${new URL(registry.url).host}/:_authToken=npm_only-for-the-registry\n`);
    const deps = Object.fromEntries(NAMES.map((n) => [n, '^1.0.0']));
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ dependencies: deps }));
    fs.writeFileSync(
      path.join(project, 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: deps },
          ...Object.fromEntries(NAMES.map((n) => [`node_modules/${n}`, { version: '1.0.0', resolved: `${registry.url}${n}/-/${n}-1.0.0.tgz` }])),
        },
      }),
    );
  });
  after(async () => {
    await registry?.close();
    await elsewhere?.close();
  });

  it('reports each failure for its package, still evaluates the rest, with bounded retries', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-hostile-cache-'));
    const env = isolatedNpmEnv(project);
    const opts: CheckOptions = { projectDir: project, registry: registry.url, env, cacheDir, timeoutMs: 1500, advisories: { npm: false, osv: false } };
    const report = await runCheck(opts);
    const errorOf = (n: string) => report.errors.find((e) => e.package === n || e.package.startsWith(`${n}@`));
    assert.equal(errorOf('broken-json')?.code, 'bad-response');
    assert.ok(['timeout', 'registry-unreachable', 'bad-response'].includes(errorOf('endless')?.code ?? ''), JSON.stringify(errorOf('endless')));
    assert.equal(errorOf('stalled')?.code, 'timeout');
    assert.equal(errorOf('flaky')?.code, 'http-error');
    assert.equal(errorOf('throttled'), undefined, '429 with Retry-After is retried');
    assert.equal(errorOf('steady'), undefined);
    // The steady and throttled packages were evaluated (they have histories: no version-missing, and cards).
    const cards = new Set(report.cards.map((c) => c.name));
    for (const n of ['steady', 'throttled', 'bad-attestation', 'huge-attestation']) assert.ok(cards.has(n), n);
    // Garbage attestations are not provenance: invalid, or unknown when too large to read.
    const bad = report.cards.find((c) => c.name === 'bad-attestation')!;
    assert.equal(bad.provenance?.status, 'invalid');
    const huge = report.cards.find((c) => c.name === 'huge-attestation')!;
    assert.ok(huge.provenance?.status === 'invalid' || huge.provenance?.status === 'unknown');
    // Attestations on another origin are not asked for: provenance is unknown, and said to be.
    assert.equal(report.cards.find((c) => c.name === 'offsite-attestation')!.provenance?.status, 'unknown');
    assert.match(errorOf('offsite-attestation')?.message ?? '', /attestations on another origin \(http:\/\/localhost:\d+\)/);
    assert.ok(
      report.notChecked.some((u) => u.package === 'offsite-attestation' && u.gaps.some((g) => g.signal === 'provenance')),
      JSON.stringify(report.notChecked),
    );
    assert.ok(!elsewhere.requests.some((r) => r.url.includes('attestations')), 'no request to the other origin');
    // Stalls and retries are bounded: a stalled or failing packument is retried, at most 3 times (counted, not timed).
    const asked = (n: string) => registry.requests.filter((r) => r.url === `/${n}`).length;
    for (const n of ['stalled', 'flaky']) assert.ok(asked(n) >= 2 && asked(n) <= 4, `${n} asked ${asked(n)} times`);
    assert.equal(asked('throttled'), 3, 'two 429s, then the answer');
    // Nothing broken was cached: every cache line is whole (cacheLines throws otherwise).
    const lines = cacheLines(cacheDir);
    assert.ok(!lines.some((l) => JSON.stringify(l.entry).includes('"broken-json"')), 'the broken packument left no entry');
  });

  it('a redirect to another host does not carry the registry token', () => {
    const followed = elsewhere.requests.filter((r) => r.url === '/moved');
    assert.ok(followed.length > 0, 'the redirect was followed');
    for (const r of followed) assert.equal(r.headers.authorization, undefined, 'authorization must not follow a cross-host redirect');
    assert.ok(registry.requests.some((r) => r.url === '/moved' && r.headers.authorization === 'Bearer npm_only-for-the-registry'));
  });
});
