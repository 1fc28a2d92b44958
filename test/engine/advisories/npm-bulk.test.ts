import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAffected } from '../../../src/core/trust/affected';
import { AdvisorySourceError, fetchNpmBulkAdvisories, NPM_BULK_ADVISORY_PATH } from '../../../src/engine/advisories/npm-bulk';
import { requireSharedFixtures } from '../../support/fixtures';
import { type Handler, json, serve } from '../../support/recording-server';
import { recordTimeouts } from '../../support/timers';


async function rejectsWith(p: Promise<unknown>, code: AdvisorySourceError['code'], status?: number): Promise<AdvisorySourceError> {
  const err = await p.then(
    () => assert.fail(`expected an AdvisorySourceError (${code})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AdvisorySourceError, `not an AdvisorySourceError: ${err}`);
  assert.equal(err.code, code, err.message);
  if (status !== undefined) assert.equal(err.status, status);
  return err;
}

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
    const result = await fetchNpmBulkAdvisories(server.url, query);

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
    assert.deepEqual(handlebars.map((a) => a.id), ['755', '1164', '1300', '1316', '1324', '1325']);
    assert.deepEqual(handlebars.map((a) => a.severity), ['critical', 'high', 'medium', 'high', 'high', 'high']);
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
    assert.deepEqual(minimist.map((a) => [a.id, a.severity]), [['1179', 'low']]);
    assert.equal(isAffected(minimist[0].affected, '0.0.8'), true);
    assert.equal(isAffected(minimist[0].affected, '1.2.3'), false);
  });

  it('keeps a registry path prefix, sends the caller\'s headers, can post plain JSON', async () => {
    server = await serve(fromFixture(bulk));
    await fetchNpmBulkAdvisories(`${server.url}/api/npm/private///`, new Map([['lodash', ['4.17.10']]]), {
      headers: { authorization: 'Bearer t0k3n' },
      gzip: false,
    });
    const [req] = server.requests;
    assert.equal(req.path, `/api/npm/private/${NPM_BULK_ADVISORY_PATH}`);
    assert.equal(req.headers.authorization, 'Bearer t0k3n');
    assert.equal(req.headers['content-encoding'], undefined);
    assert.deepEqual(JSON.parse(req.body), { lodash: ['4.17.10'] });

    // fetch refuses user:password@ URLs: they become basic auth.
    await fetchNpmBulkAdvisories(server.url.replace('//', '//user:s%40cret@'), new Map([['lodash', ['4.17.10']]]));
    assert.equal(server.requests[1].headers.authorization, `Basic ${Buffer.from('user:s@cret').toString('base64')}`);
  });

  it('batches 1000 packages per POST: 2,500 packages → 3 POSTs, each name once', async () => {
    server = await serve(fromFixture(bulk));
    const query = new Map(Array.from({ length: 2500 }, (_, i) => [`pkg-${i}`, ['1.0.0']]));
    query.set('pkg-7', ['1.0.0']);
    const result = await fetchNpmBulkAdvisories(server.url, query);
    const sizes = server.requests.map((r) => Object.keys(JSON.parse(r.body)).length);
    assert.deepEqual(sizes, [1000, 1000, 500]);
    const sent = server.requests.flatMap((r) => Object.keys(JSON.parse(r.body)));
    assert.equal(new Set(sent).size, 2500);
    assert.equal(result.size, 2500);

    server.requests.length = 0;
    await fetchNpmBulkAdvisories(server.url, query, { batchSize: 1200 });
    assert.deepEqual(server.requests.map((r) => Object.keys(JSON.parse(r.body)).length), [1200, 1200, 100]);
  });

  it('flags malware from the real "Malicious Package" entry; ignores names nobody asked about', async () => {
    server = await serve((_req, res) => json(res, eslintme));
    const result = await fetchNpmBulkAdvisories(server.url, new Map([['eslint-scope', ['3.7.2']], ['js-yaml', ['2.0.4']]]));
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
          { id: 1096460, url: 'https://github.com/advisories/GHSA-XVCH-5gv4-984h', title: 'Prototype Pollution in minimist', severity: 'critical', vulnerable_versions: '<0.2.4', cwe: ['CWE-1321'] },
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
    const result = await fetchNpmBulkAdvisories(server.url, new Map([['minimist', ['0.0.8']], ['lodash', ['4.0.0']]]));
    const minimist = result.get('minimist')!;
    assert.deepEqual(minimist.map((a) => a.id), ['GHSA-xvch-5gv4-984h', '99', '100']);
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
      await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['a', ['1.0.0']]])), 'bad-response');
      await server.close();
      server = undefined;
    }
  });

  it('retries a 500 with doubling backoff, then reports http-error', async () => {
    let failures = 1;
    server = await serve((req, res) => {
      if (failures-- > 0) return json(res, { error: 'boom' }, 500);
      fromFixture(bulk)(req, res);
    });
    const result = await fetchNpmBulkAdvisories(server.url, new Map([['lodash', ['4.17.10']]]), { retryDelayMs: 10 });
    assert.equal(server.requests.length, 2);
    assert.deepEqual(result.get('lodash')!.map((a) => a.id), ['782', '1065']);

    // Without Retry-After the backoff doubles (300, then 600 ms), and retrying stops after `retries`: the delays
    // asked of the timers are recorded (not the time it took).
    server.requests.length = 0;
    failures = 100;
    const timers = recordTimeouts();
    try {
      await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['a', ['1']]]), { retries: 2, retryDelayMs: 300 }), 'http-error', 500);
    } finally {
      timers.stop();
    }
    assert.equal(server.requests.length, 3);
    assert.deepEqual(timers.delays.filter((ms) => [300, 600, 1200].includes(ms)), [300, 600], 'backoff doubles from retryDelayMs');

    server.requests.length = 0;
    await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['a', ['1']]]), { retries: 0 }), 'http-error', 500);
    assert.equal(server.requests.length, 1);
  });

  it('Retry-After in seconds replaces the backoff; one too long, or a 4xx, ends at once', async () => {
    const statuses = [{ status: 503, retryAfter: '0' }, { status: 200 }];
    server = await serve((req, res) => {
      const next = statuses.shift() ?? { status: 200 };
      if (next.status === 200) return fromFixture(bulk)(req, res);
      res.writeHead(next.status, { 'retry-after': next.retryAfter ?? '' });
      res.end();
    });
    const timers = recordTimeouts();
    try {
      await fetchNpmBulkAdvisories(server.url, new Map([['mem', ['1.0.0']]]), { retryDelayMs: 20_000 });
    } finally {
      timers.stop();
    }
    assert.ok(!timers.delays.includes(20_000) && timers.delays.includes(0), `Retry-After: 0 replaces the 20 s backoff (timers asked: ${timers.delays.join(', ')})`);
    assert.equal(server.requests.length, 2);
    await server.close();

    server = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' });
      res.end();
    });
    await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['mem', ['1.0.0']]])), 'http-error', 429);
    assert.equal(server.requests.length, 1);
    await server.close();

    server = await serve((_req, res) => json(res, { error: 'not found' }, 404));
    const err = await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['mem', ['1.0.0']]])), 'http-error', 404);
    assert.match(err.message, /HTTP 404/);
    assert.equal(server.requests.length, 1);
  });

  it('a response that never ends is cut at timeoutMs (unreachable)', async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"lodash": [');
    });
    // The body never ends, so only the timeout can end the request; the message says which one did (not the 30 s default).
    const err = await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['lodash', ['1.0.0']]]), { timeoutMs: 300 }), 'unreachable');
    assert.match(err.message, /within 300 ms/);
  });

  it('the caller\'s AbortSignal aborts a request in flight, or before it starts', async () => {
    const controller = new AbortController();
    server = await serve(() => controller.abort()); // never answers; the caller aborts once the request has arrived
    await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['a', ['1.0.0']]]), { signal: controller.signal }), 'aborted');
    assert.equal(server.requests.length, 1);

    await rejectsWith(fetchNpmBulkAdvisories(server.url, new Map([['a', ['1.0.0']]]), { signal: AbortSignal.abort() }), 'aborted');
    assert.equal(server.requests.length, 1);
  });

  it('a closed port is unreachable; credentials in the URL stay out of the message; no query, no request', async () => {
    const probe = await serve(() => undefined);
    await probe.close();
    const err = await rejectsWith(fetchNpmBulkAdvisories(probe.url.replace('//', '//user:secret@'), new Map([['a', ['1.0.0']]])), 'unreachable');
    assert.doesNotMatch(err.message, /secret/);
    assert.deepEqual(await fetchNpmBulkAdvisories(probe.url, new Map()), new Map());
  });
});
