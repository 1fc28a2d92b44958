import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { advisoryFromOsv, isAffected, type OsvRecord } from '../../../src/core/trust/affected';
import { fetchOsvAdvisories } from '../../../src/engine/advisories/osv';
import { EngineError, type EngineErrorCode } from '../../../src/engine/infra/errors';
import { type HttpOptions, RegistryHttp } from '../../../src/engine/registry/http';
import { requireSharedFixtures } from '../../support/fixtures';
import { type Handler, type Recorded, json, serve } from '../../support/recording-server';
import { withinHangGuard } from '../../support/wait';

interface OsvQuery {
  package: { name: string; ecosystem: string };
  version?: string;
  page_token?: string;
}

/**
 * A miniature osv.dev over `records`: querybatch matches with our own isAffected, paginating `pageSize`
 * vulns per query when set; GET /v1/vulns/<id> returns the record. `before` may answer a request itself.
 */
/**
 * `holdVulns`: record downloads are held until `atOnce` are in flight (or all that are left of `total`) and every
 * request the client has started (`started()`) has arrived, then answered together. A client that keeps `atOnce`
 * requests going reaches that point whatever the machine's speed; one that keeps fewer never does (the test's hang
 * guard ends it); one that sends more has them all in flight here before any is answered.
 */
function osvApi(
  records: OsvRecord[],
  o: {
    pageSize?: number;
    holdVulns?: { atOnce: number; total: number; started: () => number };
    before?: (req: Recorded, res: http.ServerResponse) => boolean;
  } = {},
) {
  const stats = { inFlight: 0, maxInFlight: 0 };
  const held: (() => void)[] = [];
  let answered = 0;
  let arrived = 0;
  const handler: Handler = (req, res) => {
    arrived++;
    if (o.before?.(req, res)) return;
    if (req.method === 'POST' && req.path === '/v1/querybatch') {
      const { queries } = JSON.parse(req.body) as { queries: OsvQuery[] };
      const results = queries.map((q) => {
        const matches = records.filter((r) => {
          const a = advisoryFromOsv(r, q.package.name, 'osv');
          return a && q.package.ecosystem === 'npm' && (!q.version || isAffected(a.affected, q.version));
        });
        const from = q.page_token ? Number(q.page_token.replace('page-', '')) : 0;
        const to = o.pageSize ? from + o.pageSize : matches.length;
        const vulns = matches.slice(from, to).map((r) => ({ id: r.id, modified: r.modified }));
        return { ...(vulns.length ? { vulns } : {}), ...(to < matches.length ? { next_page_token: `page-${to}` } : {}) };
      });
      return json(res, { results });
    }
    const m = /^\/v1\/vulns\/(.+)$/.exec(req.path);
    const record = m && req.method === 'GET' ? records.find((r) => r.id === decodeURIComponent(m[1])) : undefined;
    if (!record) return json(res, { code: 5, message: 'Bug not found.' }, 404);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    held.push(() => {
      stats.inFlight--;
      answered++;
      json(res, record);
    });
    const hold = o.holdVulns;
    if (!hold || (held.length >= Math.min(hold.atOnce, hold.total - answered) && arrived === hold.started())) for (const answer of held.splice(0)) answer();
  };
  return { handler, stats };
}

const bodies = (reqs: Recorded[]) => reqs.filter((r) => r.path === '/v1/querybatch').map((r) => JSON.parse(r.body) as { queries: OsvQuery[] });
const gets = (reqs: Recorded[]) => reqs.filter((r) => r.method === 'GET').map((r) => decodeURIComponent(r.path.replace('/v1/vulns/', '')));
const synthetic = (id: string, names: string[], events: Record<string, string>[] = [{ introduced: '0' }]): OsvRecord => ({
  id,
  modified: '2025-01-01T00:00:00Z',
  summary: `test record ${id}`,
  affected: names.map((name) => ({ package: { ecosystem: 'npm', name }, ranges: [{ type: 'SEMVER', events }] })),
});

async function rejectsWith(p: Promise<unknown>, code: EngineErrorCode): Promise<EngineError> {
  const err = await p.then(
    () => assert.fail(`expected an EngineError (${code})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof EngineError, `not an EngineError: ${err}`);
  assert.equal(err.code, code, err.message);
  return err;
}

/** The check's HTTP client, through which production sends every OSV request (no retries unless a test is about them). */
const client = (opts: Partial<HttpOptions> = {}) => new RegistryHttp({ config: { values: {}, sources: [] }, retries: 0, ...opts });

describe('OSV advisories', function () {
  let real: OsvRecord[] = [];
  let server: Awaited<ReturnType<typeof serve>> | undefined;

  before(function () {
    const dir = requireSharedFixtures(this, 'advisories/osv');
    real = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('queries each version, fetches each matched record once, converts the real records', async () => {
    server = await serve(osvApi(real).handler);
    const query = new Map([
      ['chalk', ['5.6.0', '5.6.1', '5.6.1']],
      ['@ctrl/tinycolor', ['3.0.0']],
      ['minimist', ['1.2.5', '1.0.0', '1.2.8']],
      ['debug', ['4.4.2']],
      ['left-pad', ['1.3.0']],
    ]);
    const result = await fetchOsvAdvisories(client(), server.url, query);

    const [batch, ...more] = bodies(server.requests);
    assert.equal(more.length, 0);
    assert.deepEqual(
      batch.queries.map((q) => `${q.package.ecosystem}:${q.package.name}@${q.version}`),
      [
        'npm:chalk@5.6.0',
        'npm:chalk@5.6.1',
        'npm:@ctrl/tinycolor@3.0.0',
        'npm:minimist@1.2.5',
        'npm:minimist@1.0.0',
        'npm:minimist@1.2.8',
        'npm:debug@4.4.2',
        'npm:left-pad@1.3.0',
      ],
    );
    // minimist matched twice, fetched once; the scoped id is URL-encoded on the way.
    assert.deepEqual(gets(server.requests).sort(), ['GHSA-xvch-5gv4-984h', 'MAL-2025-46969', 'MAL-2025-46974', 'MAL-2025-47141']);

    assert.deepEqual([...result.keys()], ['chalk', '@ctrl/tinycolor', 'minimist', 'debug', 'left-pad']);
    assert.deepEqual(result.get('left-pad'), []);
    const [chalk] = result.get('chalk')!;
    assert.deepEqual([chalk.id, chalk.source, chalk.malware, chalk.severity], ['MAL-2025-46969', 'osv', true, 'critical']);
    assert.equal(isAffected(chalk.affected, '5.6.1'), true);
    assert.equal(isAffected(chalk.affected, '5.6.0'), false);
    // Every version of tinycolor: the record's extra introduced "0" range.
    assert.equal(result.get('@ctrl/tinycolor')![0].id, 'MAL-2025-47141');
    const [minimist] = result.get('minimist')!;
    assert.deepEqual([minimist.id, minimist.severity, minimist.malware], ['GHSA-xvch-5gv4-984h', 'critical', false]);
  });

  it('batches ≤1000 queries: 2,500 → 3 POSTs; an id matched in every batch is fetched once', async () => {
    const many = synthetic('TEST-MANY', ['pkg-0', 'pkg-1500', 'pkg-2400']);
    server = await serve(osvApi([...real, many]).handler);
    const query = new Map(Array.from({ length: 2499 }, (_, i) => [`pkg-${i}`, ['1.0.0']]));
    query.set('chalk', ['5.6.1']);
    const result = await fetchOsvAdvisories(client(), server.url, query);
    assert.deepEqual(
      bodies(server.requests).map((b) => b.queries.length),
      [1000, 1000, 500],
    );
    assert.deepEqual(gets(server.requests).sort(), ['MAL-2025-46969', 'TEST-MANY']);
    assert.deepEqual(
      ['pkg-0', 'pkg-1500', 'pkg-2400', 'pkg-1'].map((n) => result.get(n)!.length),
      [1, 1, 1, 0],
    );
    assert.equal(result.size, 2500);
  });

  it('names refused by shouldQuery never appear in any request', async () => {
    server = await serve(osvApi(real).handler);
    const query = new Map([
      ['chalk', ['5.6.1']],
      ['@acme-private/secret-sauce', ['1.0.0']],
      ['internal-billing', ['2.0.0']],
      ['debug', ['4.4.2']],
    ]);
    const shouldQuery = (name: string) => {
      if (name === 'internal-billing') throw new Error('policy lookup failed'); // a throwing policy refuses too
      return !name.startsWith('@acme-private/');
    };
    const result = await fetchOsvAdvisories(client(), server.url, query, { shouldQuery });
    for (const req of server.requests) {
      assert.doesNotMatch(req.path + req.body, /acme-private|secret-sauce|internal-billing/);
    }
    assert.deepEqual([...result.keys()], ['chalk', 'debug']);
  });

  it('follows next_page_token per query', async () => {
    server = await serve(osvApi([...real, synthetic('TEST-2', ['chalk']), synthetic('TEST-3', ['chalk'])], { pageSize: 1 }).handler);
    const result = await fetchOsvAdvisories(
      client(),
      server.url,
      new Map([
        ['chalk', ['5.6.1']],
        ['debug', ['4.4.2']],
      ]),
    );
    const batches = bodies(server.requests);
    assert.equal(batches.length, 3);
    assert.deepEqual(batches[1].queries, [{ package: { name: 'chalk', ecosystem: 'npm' }, version: '5.6.1', page_token: 'page-1' }]);
    assert.deepEqual(
      result
        .get('chalk')!
        .map((a) => a.id)
        .sort(),
      ['MAL-2025-46969', 'TEST-2', 'TEST-3'],
    );
    assert.deepEqual(
      result.get('debug')!.map((a) => a.id),
      ['MAL-2025-46974'],
    );
  });

  it('fetches records at most `concurrency` at a time', async () => {
    const records = Array.from({ length: 20 }, (_, i) => synthetic(`TEST-${i}`, [`pkg-${i}`]));
    // Counted at the server: it holds the downloads until 4 are in flight and every request the client has started
    // has arrived, so 4 at once is reached whatever the machine's speed, and a fifth sent beside them would be there.
    const http = client(); // its own limit (48) is not the one tested
    const api = osvApi(records, { holdVulns: { atOnce: 4, total: 20, started: () => http.requestCount } });
    server = await serve(api.handler);
    const fetching = fetchOsvAdvisories(http, server.url, new Map(records.map((_, i) => [`pkg-${i}`, ['1.0.0']])), { concurrency: 4 });
    const result = await withinHangGuard('4 record downloads at once', fetching);
    assert.equal(gets(server.requests).length, 20);
    assert.equal(api.stats.maxInFlight, 4);
    assert.ok([...result.values()].every((list) => list.length === 1));
  });

  it('a record that does not name the queried package still counts, for the versions OSV matched', async () => {
    const record = synthetic('TEST-ALIAS', ['canonical-name']);
    server = await serve(
      osvApi([record], {
        before: (req, res) => {
          if (req.path !== '/v1/querybatch') return false;
          json(res, { results: [{ vulns: [{ id: 'TEST-ALIAS' }] }] });
          return true;
        },
      }).handler,
    );
    const result = await fetchOsvAdvisories(client(), server.url, new Map([['Old-Name', ['1.0.0']]]));
    const [a] = result.get('Old-Name')!;
    assert.equal(a.id, 'TEST-ALIAS');
    assert.equal(isAffected(a.affected, '1.0.0'), true);
    assert.equal(isAffected(a.affected, '1.0.1'), false);
  });

  it('through RegistryHttp: a 500 then a 200 (querybatch and record) is an answer; a 503 that stays is an http-error', async () => {
    const failed = new Set<string>();
    server = await serve(
      osvApi(real, {
        before: (req, res) => {
          if (failed.has(req.path)) return false;
          failed.add(req.path);
          json(res, { message: 'internal' }, 500);
          return true;
        },
      }).handler,
    );
    const result = await fetchOsvAdvisories(client({ retries: 1 }), server.url, new Map([['chalk', ['5.6.1']]]));
    assert.equal(result.get('chalk')![0].id, 'MAL-2025-46969');
    assert.deepEqual(
      server.requests.map((r) => r.method),
      ['POST', 'POST', 'GET', 'GET'],
    );
    await server.close();

    server = await serve((_req, res) => json(res, {}, 503));
    const err = await rejectsWith(fetchOsvAdvisories(client(), server.url.replace('//', '//user:secret@'), new Map([['chalk', ['5.6.1']]])), 'http-error');
    assert.equal(err.status, 503);
    assert.equal(err.message, `${server.url}/v1/querybatch answered HTTP 503`);
  });

  it('answers of the wrong shape are bad-response', async () => {
    server = await serve((req, res) => json(res, req.method === 'POST' ? { results: [] } : {}));
    await rejectsWith(fetchOsvAdvisories(client(), server.url, new Map([['chalk', ['5.6.1']]])), 'bad-response');
    await server.close();

    server = await serve(
      osvApi(real, {
        before: (req, res) => {
          if (req.method !== 'GET') return false;
          json(res, ['not', 'a', 'record']);
          return true;
        },
      }).handler,
    );
    await rejectsWith(fetchOsvAdvisories(client(), server.url, new Map([['chalk', ['5.6.1']]])), 'bad-response');
  });

  it('the caller can abort a query whose answer has started', async () => {
    const controller = new AbortController();
    server = await serve(
      osvApi(real, {
        before: (req, res) => {
          if (req.method !== 'POST') return false;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"results": [');
          controller.abort();
          return true;
        },
      }).handler,
    );
    await rejectsWith(fetchOsvAdvisories(client(), server.url, new Map([['chalk', ['5.6.1']]]), { signal: controller.signal }), 'aborted');
  });

  it('nothing to ask: no request at all', async () => {
    server = await serve(osvApi(real).handler);
    assert.deepEqual(await fetchOsvAdvisories(client(), server.url, new Map()), new Map());
    assert.deepEqual(await fetchOsvAdvisories(client(), server.url, new Map([['@x/y', ['1.0.0']]]), { shouldQuery: () => false }), new Map());
    assert.equal(server.requests.length, 0);
  });
});
