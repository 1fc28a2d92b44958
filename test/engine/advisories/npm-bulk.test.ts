import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAffected } from '../../../src/core/trust/affected';
import { fetchNpmBulkAdvisories, NPM_BULK_ADVISORY_PATH } from '../../../src/engine/advisories/npm-bulk';
import { EngineError, type EngineErrorCode } from '../../../src/engine/infra/errors';
import { type HttpOptions, RegistryHttp } from '../../../src/engine/registry/http';
import { requireSharedFixtures } from '../../support/fixtures';
import { type Handler, json, serve } from '../../support/recording-server';

async function rejectsWith(p: Promise<unknown>, code: EngineErrorCode, status?: number): Promise<EngineError> {
  const err = await p.then(
    () => assert.fail(`expected an EngineError (${code})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof EngineError, `not an EngineError: ${err}`);
  assert.equal(err.code, code, err.message);
  if (status !== undefined) assert.equal(err.status, status);
  return err;
}

/**
 * The check's HTTP client, as production sends every advisory request through it (npm config `values`; no retries
 * unless a test is about them: retrying is RegistryHttp's, tested in registry-http.test.ts).
 */
const client = (values: Record<string, string> = {}, opts: Partial<HttpOptions> = {}) =>
  new RegistryHttp({ config: { values, sources: [] }, retries: 0, ...opts });

describe('npm bulk advisories', function () {
  let bulk: Record<string, unknown[]> = {};
  let eslintme: Record<string, unknown[]> = {};
  let server: Awaited<ReturnType<typeof serve>> | undefined;

  before(function () {
    const dir = requireSharedFixtures(this, 'advisories/npm-bulk');
    bulk = JSON.parse(fs.readFileSync(path.join(dir, 'audit-nyc-mkdirp__advisory-bulk.json'), 'utf8'));
    // Despite its name this file is a bulk-endpoint answer too (name → advisories), with a "Malicious Package".
    eslintme = JSON.parse(fs.readFileSync(path.join(dir, 'eslintme__audit.json'), 'utf8'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Answers like the registry: the fixture's advisories for the names asked about. */
  const fromFixture =
    (fixture: Record<string, unknown[]>): Handler =>
    (req, res) => {
      const asked = Object.keys(JSON.parse(req.body) as Record<string, string[]>);
      json(res, Object.fromEntries(asked.filter((n) => n in fixture).map((n) => [n, fixture[n]])));
    };

  it('posts the query gzipped, as npm does, and reads the real response', async () => {
    server = await serve(fromFixture(bulk));
    const query = new Map([
      ['handlebars', ['4.0.11']],
      ['minimist', ['0.0.8', '1.2.0', '0.0.8']],
      ['mem', ['1.1.0']],
      ['left-pad', ['1.3.0']],
    ]);
    const result = await fetchNpmBulkAdvisories(client(), server.url, query);

    assert.equal(server.requests.length, 1);
    const [req] = server.requests;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/${NPM_BULK_ADVISORY_PATH}`);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(req.body), { handlebars: ['4.0.11'], minimist: ['0.0.8', '1.2.0'], mem: ['1.1.0'], 'left-pad': ['1.3.0'] });

    assert.deepEqual([...result.keys()], ['handlebars', 'minimist', 'mem', 'left-pad']);
    assert.deepEqual(result.get('left-pad'), []);
    const handlebars = result.get('handlebars')!;
    assert.deepEqual(
      handlebars.map((a) => a.id),
      ['755', '1164', '1300', '1316', '1324', '1325'],
    );
    assert.deepEqual(
      handlebars.map((a) => a.severity),
      ['critical', 'high', 'medium', 'high', 'high', 'high'],
    );
    assert.deepEqual(handlebars[0], {
      id: '755',
      aliases: [],
      source: 'npm',
      packageName: 'handlebars',
      severity: 'critical',
      title: 'Prototype Pollution',
      url: 'https://npmjs.com/advisories/755',
      malware: false,
      affected: { kind: 'semver', range: '<=4.0.13 || >=4.1.0 <4.1.2' },
    });
    assert.equal(isAffected(handlebars[0].affected, '4.0.11'), true);
    assert.equal(isAffected(handlebars[0].affected, '4.0.14'), false);
    const minimist = result.get('minimist')!;
    assert.deepEqual(
      minimist.map((a) => [a.id, a.severity]),
      [['1179', 'low']],
    );
    assert.equal(isAffected(minimist[0].affected, '0.0.8'), true);
    assert.equal(isAffected(minimist[0].affected, '1.2.3'), false);
  });

  it("keeps a registry path prefix, sends the registry's token from npm config, can post plain JSON", async () => {
    server = await serve(fromFixture(bulk));
    const registry = `${server.url}/api/npm/private/`;
    const http = client({ [`${registry.replace(/^http:/, '')}:_authToken`]: 't0k3n' });
    await fetchNpmBulkAdvisories(http, `${server.url}/api/npm/private///`, new Map([['lodash', ['4.17.10']]]), { gzip: false });
    const [req] = server.requests;
    assert.equal(req.path, `/api/npm/private/${NPM_BULK_ADVISORY_PATH}`);
    assert.equal(req.headers.authorization, 'Bearer t0k3n');
    assert.equal(req.headers['content-encoding'], undefined);
    assert.deepEqual(JSON.parse(req.body), { lodash: ['4.17.10'] });
    assert.equal(http.requestCount, 1, "counted with the check's requests");

    // Credentials in the URL go as npm's client sends them: basic auth.
    await fetchNpmBulkAdvisories(client(), server.url.replace('//', '//user:secret@'), new Map([['lodash', ['4.17.10']]]));
    assert.equal(server.requests[1].headers.authorization, `Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  it('batches 1000 packages per POST: 2,500 packages → 3 POSTs, each name once', async () => {
    server = await serve(fromFixture(bulk));
    const query = new Map(Array.from({ length: 2500 }, (_, i) => [`pkg-${i}`, ['1.0.0']]));
    query.set('pkg-7', ['1.0.0']);
    const result = await fetchNpmBulkAdvisories(client(), server.url, query);
    const sizes = server.requests.map((r) => Object.keys(JSON.parse(r.body)).length);
    assert.deepEqual(sizes, [1000, 1000, 500]);
    const sent = server.requests.flatMap((r) => Object.keys(JSON.parse(r.body)));
    assert.equal(new Set(sent).size, 2500);
    assert.equal(result.size, 2500);

    server.requests.length = 0;
    await fetchNpmBulkAdvisories(client(), server.url, query, { batchSize: 1200 });
    assert.deepEqual(
      server.requests.map((r) => Object.keys(JSON.parse(r.body)).length),
      [1200, 1200, 100],
    );
  });

  it('flags malware from the real "Malicious Package" entry; ignores names nobody asked about', async () => {
    server = await serve((_req, res) => json(res, eslintme));
    const result = await fetchNpmBulkAdvisories(
      client(),
      server.url,
      new Map([
        ['eslint-scope', ['3.7.2']],
        ['js-yaml', ['2.0.4']],
      ]),
    );
    assert.deepEqual([...result.keys()], ['eslint-scope', 'js-yaml']);
    const [scope] = result.get('eslint-scope')!;
    assert.equal(scope.malware, true);
    assert.equal(scope.severity, 'critical');
    assert.equal(isAffected(scope.affected, '3.7.2'), true);
    assert.equal(isAffected(scope.affected, '3.7.3'), false);
    const yaml = result.get('js-yaml')!;
    assert.equal(yaml.find((a) => a.id === '16')!.severity, 'critical');
    assert.equal(isAffected(yaml.find((a) => a.id === '16')!.affected, '2.0.4'), true);
    assert.ok(yaml.every((a) => !a.malware));
  });

  it('uses the GHSA id from the url, reads CWE-506 as malware, skips junk entries', async () => {
    server = await serve((_req, res) =>
      json(res, {
        minimist: [
          {
            id: 1096460,
            url: 'https://github.com/advisories/GHSA-XVCH-5gv4-984h',
            title: 'Prototype Pollution in minimist',
            severity: 'critical',
            vulnerable_versions: '<0.2.4',
            cwe: ['CWE-1321'],
          },
          { id: 1096460, url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h', title: 'duplicate', severity: 'critical', vulnerable_versions: '<0.2.4' },
          { id: 99, title: 'Embedded code', severity: 'low', vulnerable_versions: '1.0.0', cwe: 'CWE-506' },
          { id: 100, title: 'odd severity', severity: 'spicy', vulnerable_versions: '*' },
          null,
          'junk',
          { id: 1, vulnerable_versions: '>>> nope' },
          { id: 2, title: 'no range' },
          { url: 'https://npmjs.com/advisories/x', vulnerable_versions: '<1.0.0' },
        ],
        lodash: { not: 'an array' },
      }),
    );
    const result = await fetchNpmBulkAdvisories(
      client(),
      server.url,
      new Map([
        ['minimist', ['0.0.8']],
        ['lodash', ['4.0.0']],
      ]),
    );
    const minimist = result.get('minimist')!;
    assert.deepEqual(
      minimist.map((a) => a.id),
      ['GHSA-xvch-5gv4-984h', '99', '100'],
    );
    assert.equal(minimist[0].url, 'https://github.com/advisories/GHSA-XVCH-5gv4-984h');
    assert.deepEqual([minimist[1].malware, minimist[1].severity], [true, 'critical']);
    assert.equal(minimist[2].severity, 'medium');
    assert.deepEqual(result.get('lodash'), []);
  });

  it('a body that is not a JSON object is a bad-response', async () => {
    for (const body of ['<html>proxy error</html>', '[1,2]', 'null', '"text"']) {
      server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
      await rejectsWith(fetchNpmBulkAdvisories(client(), server.url, new Map([['a', ['1.0.0']]])), 'bad-response');
      await server.close();
      server = undefined;
    }
  });

  it('through RegistryHttp: a 500 then a 200 is an answer; a 500 that stays is an http-error naming the URL without credentials', async () => {
    let failures = 1;
    server = await serve((req, res) => {
      if (failures-- > 0) return json(res, { error: 'boom' }, 500);
      fromFixture(bulk)(req, res);
    });
    const http = client({}, { retries: 1 });
    const result = await fetchNpmBulkAdvisories(http, server.url, new Map([['lodash', ['4.17.10']]]));
    assert.equal(server.requests.length, 2);
    assert.equal(http.requestCount, 2);
    assert.deepEqual(
      result.get('lodash')!.map((a) => a.id),
      ['782', '1065'],
    );

    server.requests.length = 0;
    failures = 100;
    const err = await rejectsWith(fetchNpmBulkAdvisories(http, server.url.replace('//', '//user:secret@'), new Map([['a', ['1']]])), 'http-error', 500);
    assert.equal(server.requests.length, 2, 'retried once, as the client was told');
    assert.match(err.message, new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/${NPM_BULK_ADVISORY_PATH} answered HTTP 500$`));
    assert.doesNotMatch(err.message, /user|secret/);

    server.requests.length = 0;
    await server.close();
    server = await serve((_req, res) => json(res, { error: 'not found' }, 404));
    await rejectsWith(fetchNpmBulkAdvisories(client({}, { retries: 3 }), server.url, new Map([['mem', ['1.0.0']]])), 'http-error', 404);
    assert.equal(server.requests.length, 1, 'a 4xx is not retried');
  });

  it("the caller's AbortSignal aborts a request in flight, or before it starts", async () => {
    const controller = new AbortController();
    server = await serve(() => controller.abort()); // never answers; the caller aborts once the request has arrived
    await rejectsWith(fetchNpmBulkAdvisories(client(), server.url, new Map([['a', ['1.0.0']]]), { signal: controller.signal }), 'aborted');
    assert.equal(server.requests.length, 1);

    await rejectsWith(fetchNpmBulkAdvisories(client(), server.url, new Map([['a', ['1.0.0']]]), { signal: AbortSignal.abort() }), 'aborted');
    assert.equal(server.requests.length, 1);
  });

  it('a closed port is registry-unreachable; credentials in the URL stay out of the message; no query, no request', async () => {
    const probe = await serve(() => undefined);
    await probe.close();
    const err = await rejectsWith(
      fetchNpmBulkAdvisories(client(), probe.url.replace('//', '//user:secret@'), new Map([['a', ['1.0.0']]])),
      'registry-unreachable',
    );
    assert.doesNotMatch(err.message, /secret/);
    assert.deepEqual(await fetchNpmBulkAdvisories(client(), probe.url, new Map()), new Map());
  });
});
