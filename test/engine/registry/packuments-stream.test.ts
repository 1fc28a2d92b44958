import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { summarizePackument } from '../../../src/core/trust/summarize';
import type { PackageSummary } from '../../../src/core/trust/types';
import { RegistryHttp } from '../../../src/engine/registry/http';
import { loadNpmConfig, registryMap } from '../../../src/engine/registry/npmrc';
import { PackumentSource } from '../../../src/engine/registry/packuments';
import { corpusFromSharedPackuments } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { requireSharedFixtures } from '../../support/fixtures';

/**
 * The streaming path from the first byte (`streamAboveBytes: 0`; by default only bodies over STREAM_ABOVE_BYTES take
 * it): on the real packuments of ../shared/fixtures, served by the fixture registry, the summary PackumentSource
 * gives equals summarizePackument(JSON.parse) of the body the registry sent, key order included, so every rule
 * judges the same history whichever path a body takes.
 */
describe('packument source: every real packument streamed, the same summary as the whole parse', function () {
  this.timeout(300_000);
  let registry: FixtureRegistry | undefined;
  after(async () => {
    await registry?.close();
  });

  it('on the 1,231 real packuments of ../shared/fixtures', async function () {
    requireSharedFixtures(this, 'packuments');
    const corpus = corpusFromSharedPackuments();
    registry = await startFixtureRegistry(corpus, { validators: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-stream-'));
    const env = { PATH: process.env.PATH, HOME: dir, npm_config_userconfig: path.join(dir, 'none'), npm_config_globalconfig: path.join(dir, 'none') };
    const config = await loadNpmConfig({ projectDir: dir, env, overrides: { registry: registry.url } });
    const log: string[] = [];
    const http = new RegistryHttp({ config, log: (l) => log.push(l) });
    const streamed = new PackumentSource(http, registryMap(config), undefined, { ttlMs: 0, streamAboveBytes: 0 });
    const names = [...corpus.packuments.keys()];
    const comparable = (s: PackageSummary) => JSON.stringify({ ...s, fetchedAt: 'x' });
    let compared = 0;
    for (let i = 0; i < names.length; i += 32) {
      await Promise.all(
        names.slice(i, i + 32).map(async (name) => {
          const got = await streamed.summary(name);
          const body = await (await fetch(`${registry!.url}${name.replace('/', '%2f')}`)).text();
          const want = summarizePackument(JSON.parse(body), registry!.url, 'x')!;
          assert.equal(comparable(got), comparable(want), name);
          assert.ok(!Object.values(got.versions).some((v) => Object.values(v).includes(undefined)), `${name}: no field is set to undefined`);
          compared++;
        }),
      );
    }
    assert.equal(compared, names.length);
    const gets = log.filter((l) => /^GET \S+ 200 /.test(l));
    assert.equal(gets.length, names.length, 'one request each');
    assert.deepEqual(
      gets.filter((l) => !/\(streamed\)$/.test(l)),
      [],
      'every body streamed',
    );
  });
});
