import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import * as zlib from 'node:zlib';
import { EngineError } from '../../../src/engine/infra/errors';
import { type BodyConsumer, DEFAULT_CONCURRENCY, type HttpOptions, RegistryHttp } from '../../../src/engine/registry/http';
import { agentsFor, isNoProxy, mayUseProxy, NPM_DEFAULT_USER_AGENT, proxySettings } from '../../../src/engine/registry/transport';
import { ScenarioBuilder } from '../../fixtures/registry/corpus';
import { startFixtureRegistry } from '../../fixtures/registry/server';
import { PROJECT_ROOT } from '../../support/fixtures';
import { startProxy } from '../../support/proxy-server';
import { makeTlsFixtures, type TlsFixtures } from '../../support/tls';
import { until, withinHangGuard } from '../../support/wait';
import { isolatedNpmEnv } from '../../support/npm-env';

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client certificate's CN, over TLS. */
  clientCN?: string;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

/** A real server on 127.0.0.1 (HTTPS when given a certificate) that records every request it answers. */
async function listen(
  handler: Handler,
  tls?: https.ServerOptions,
): Promise<{ url: string; host: string; port: number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      const cn = peer?.subject?.CN;
      const s: Seen = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        clientCN: Array.isArray(cn) ? cn[0] : cn,
      };
      seen.push(s);
      handler(req, res, s);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    host: `127.0.0.1:${port}`,
    port,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const config = (values: Record<string, string>) => ({ values, sources: [] });

/** A client per transport: npm's own (npm-registry-fetch) and the default (node:http where it may). */
function clients(values: Record<string, string>, opts: Partial<HttpOptions> = {}): { npm: RegistryHttp; auto: RegistryHttp } {
  const base = { config: config(values), retries: 0, ...opts };
  return { npm: new RegistryHttp({ ...base, transport: 'npm' }), auto: new RegistryHttp(base) };
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EngineError, `an EngineError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected the request to fail');
}

class Collect implements BodyConsumer<Buffer> {
  chunks: Buffer[] = [];
  write(chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  end(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const BIG = Buffer.from(
  JSON.stringify({
    name: 'big',
    versions: Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`1.0.${i}`, { version: `1.0.${i}`, dist: { tarball: `x/${i}` } }])),
  }),
);

/** Responses of every shape RegistryHttp handles; both transports must read them alike. */
const answers: Handler = (req, res) => {
  const url = new URL(req.url!, 'http://x');
  const json = JSON.stringify({ name: 'pkg', path: url.pathname });
  switch (url.pathname) {
    case '/json':
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-multi', ['one', 'two']);
      res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' });
      return res.end(json);
    case '/gzip':
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      return res.end(zlib.gzipSync(BIG));
    case '/x-gzip':
      res.writeHead(200, { 'content-encoding': 'x-gzip' });
      return res.end(zlib.gzipSync(json));
    case '/deflate':
      res.writeHead(200, { 'content-encoding': 'deflate' });
      return res.end(zlib.deflateSync(BIG));
    case '/deflate-raw':
      res.writeHead(200, { 'content-encoding': 'deflate' });
      return res.end(zlib.deflateRawSync(json));
    case '/br':
      res.writeHead(200, { 'content-encoding': 'br' });
      return res.end(zlib.brotliCompressSync(BIG));
    case '/identity':
      res.writeHead(200, { 'content-encoding': 'identity' });
      return res.end(json);
    case '/chunked':
      // Many small writes: the body arrives in pieces.
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < BIG.length; i += 7000) res.write(BIG.subarray(i, i + 7000));
      return res.end();
    case '/etag':
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        return res.end();
      }
      res.writeHead(200, { etag: '"v1"' });
      return res.end(json);
    case '/no-content':
      res.writeHead(204);
      return res.end();
    case '/missing':
      res.writeHead(404, { 'content-type': 'text/plain', 'x-why': 'gone' });
      return res.end('not here');
    case '/busy':
      res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' });
      return res.end('busy');
    case '/unauthorized':
      res.writeHead(401, { 'content-type': 'text/plain' });
      return res.end('who are you');
    case '/bad-gzip':
      res.writeHead(200, { 'content-encoding': 'gzip' });
      return res.end('this is not gzip');
    default:
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(json);
  }
};

describe('RegistryHttp: node:http for plain requests, npm-registry-fetch for the rest', function () {
  this.timeout(60_000);
  let a: Awaited<ReturnType<typeof listen>>;
  let b: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    a = await listen(answers);
    b = await listen(answers);
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });
  beforeEach(() => {
    a.seen.length = 0;
    b.seen.length = 0;
  });

  it("keeps to npm's maxsockets: no more requests at once than .npmrc allows", async () => {
    // The server holds requests until `limit` of them are open (or all that are left), then answers them together:
    // a client that keeps `limit` going reaches that point whatever the machine's speed, one that keeps fewer never
    // does (the hang guard ends it), and the limiter (limiter.test.ts) keeps it from more.
    const TOTAL = 12;
    let limit = 0;
    let answered = 0;
    let most = 0;
    const held: http.ServerResponse[] = [];
    const slow = await listen((_req, res) => {
      held.push(res);
      most = Math.max(most, held.length);
      if (held.length < Math.min(limit, TOTAL - answered)) return;
      for (const r of held.splice(0)) {
        answered++;
        r.end('{}');
      }
    });
    try {
      for (const [values, expected] of [
        [{ maxsockets: '3' }, 3],
        [{ maxsockets: 'lots' }, 12],
      ] as const) {
        [limit, answered, most] = [expected, 0, 0];
        const client = new RegistryHttp({ config: config({ registry: slow.url, ...values }), retries: 0 });
        assert.equal(client.limiter.max, values.maxsockets === '3' ? 3 : DEFAULT_CONCURRENCY);
        await withinHangGuard(`${expected} requests at once`, Promise.all(Array.from({ length: TOTAL }, (_, i) => client.request(`${slow.url}p${i}`, {}))));
        assert.equal(most, expected, `${JSON.stringify(values)}: ${most} at once`);
      }
    } finally {
      await slow.close();
    }
  });

  describe('requests: what the registry sees is what npm sends', () => {
    /** Sends one request per client and returns what the server saw of each. */
    async function compare(values: Record<string, string>, url: string, init: Parameters<RegistryHttp['request']>[1] = {}): Promise<Seen> {
      const { npm, auto } = clients(values);
      const server = url.includes(b.host) ? b : a;
      await npm.request(url, init);
      await auto.request(url, init);
      assert.equal(npm.sentVia.npm, 1);
      assert.equal(auto.sentVia.direct, 1, 'a plain request goes through node:http');
      const [viaNpm, viaDirect] = server.seen.slice(-2);
      assert.deepEqual({ ...viaDirect, headers: sorted(viaDirect.headers) }, { ...viaNpm, headers: sorted(viaNpm.headers) });
      return viaDirect;
    }
    const sorted = (h: http.IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).sort(([x], [y]) => x.localeCompare(y)));

    it('sends the same headers: user-agent, accept, accept-encoding, connection, the caller’s', async () => {
      const seen = await compare({ registry: a.url }, `${a.url}pkg`, { headers: { accept: 'application/json', 'if-none-match': '"v0"' } });
      assert.equal(seen.headers['user-agent'], NPM_DEFAULT_USER_AGENT);
      assert.equal(seen.headers.accept, 'application/json');
      assert.equal(seen.headers['accept-encoding'], 'gzip,deflate');
      assert.equal(seen.headers.authorization, undefined);
      const custom = await compare({ registry: a.url, 'user-agent': 'corp-scanner/1.0' }, `${a.url}pkg`);
      assert.equal(custom.headers['user-agent'], 'corp-scanner/1.0');
      assert.equal(custom.headers.accept, '*/*');
    });

    it('sends the token of the registry (nerf dart: host, then the longest path)', async () => {
      const values = {
        registry: `${a.url}npm/`,
        [`//${a.host}/:_authToken`]: 'host-token',
        [`//${a.host}/npm/:_authToken`]: 'npm-token',
        '//registry.example.com/:_authToken': 'elsewhere',
      };
      assert.equal((await compare(values, `${a.url}npm/pkg`)).headers.authorization, 'Bearer npm-token');
      assert.equal((await compare(values, `${a.url}other/pkg`)).headers.authorization, 'Bearer host-token');
      // "/npmx" is not under "/npm/": the host's token, not the path's.
      assert.equal((await compare(values, `${a.url}npmx/pkg`)).headers.authorization, 'Bearer host-token');
    });

    it('sends _auth and username/_password as Basic; a username without a password does not count', async () => {
      assert.equal((await compare({ registry: a.url, [`//${a.host}/:_auth`]: 'dXNlcjpwYXNz' }, `${a.url}pkg`)).headers.authorization, 'Basic dXNlcjpwYXNz');
      const basic = { registry: a.url, [`//${a.host}/:username`]: 'ann', [`//${a.host}/:_password`]: Buffer.from('s3cret').toString('base64') };
      assert.equal((await compare(basic, `${a.url}pkg`)).headers.authorization, `Basic ${Buffer.from('ann:s3cret').toString('base64')}`);
      const half = { registry: a.url, [`//${a.host}/deep/:username`]: 'ann', [`//${a.host}/:_authToken`]: 'host-token' };
      assert.equal((await compare(half, `${a.url}deep/pkg`)).headers.authorization, 'Bearer host-token');
    });

    it('sends a scope’s registry its own token, and the registry’s token to other paths on its host (as npm)', async () => {
      const values = {
        registry: b.url,
        '@corp:registry': `${a.url}corp/`,
        [`//${a.host}/corp/:_authToken`]: 'corp-token',
        [`//${b.host}/:_authToken`]: 'public-token',
      };
      const scoped = await compare(values, `${a.url}corp/@corp%2fthing`, { registry: `${a.url}corp/` });
      assert.equal(scoped.headers.authorization, 'Bearer corp-token');
      // A tarball on the scope registry's host but outside its path: npm falls back to the registry's credentials.
      const tarball = await compare(values, `${a.url}files/thing-1.0.0.tgz`, { registry: `${a.url}corp/` });
      assert.equal(tarball.headers.authorization, 'Bearer corp-token');
      // The same URL asked for the default registry (another host): no token.
      assert.equal((await compare(values, `${a.url}files/thing-1.0.0.tgz`)).headers.authorization, undefined);
      assert.equal((await compare(values, `${b.url}pkg`)).headers.authorization, 'Bearer public-token');
    });

    it('POSTs a body with content-type and content-length as npm does, and an empty POST with length 0', async () => {
      const seen = await compare({ registry: a.url, [`//${a.host}/:_authToken`]: 't' }, `${a.url}-/npm/v1/security/advisories/bulk`, {
        method: 'POST',
        body: '{"x":["1.0.0"]}',
      });
      assert.equal(seen.body, '{"x":["1.0.0"]}');
      assert.equal(seen.headers['content-type'], 'application/octet-stream');
      assert.equal(seen.headers['content-length'], '15');
      const json = await compare({ registry: a.url }, `${a.url}post`, {
        method: 'POST',
        body: Buffer.from('{}'),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(json.headers['content-type'], 'application/json');
      assert.equal((await compare({ registry: a.url }, `${a.url}post`, { method: 'POST' })).headers['content-length'], '0');
    });
  });

  describe('responses: both transports read them alike', () => {
    const HEADERS = ['content-type', 'etag', 'last-modified', 'x-multi', 'set-cookie', 'retry-after', 'x-why', 'content-encoding'];

    async function both(pathname: string, init: Parameters<RegistryHttp['request']>[1] = {}) {
      const { npm, auto } = clients({ registry: a.url });
      const viaNpm = await npm.request(`${a.url}${pathname}`, init);
      const viaDirect = await auto.request(`${a.url}${pathname}`, init);
      assert.equal(auto.sentVia.direct, 1);
      const view = (r: typeof viaNpm) => ({
        status: r.status,
        body: r.body.toString('utf8'),
        headers: Object.fromEntries(HEADERS.map((h) => [h, r.headers.get(h) ?? null])),
      });
      return { npm: view(viaNpm), direct: view(viaDirect) };
    }

    for (const pathname of ['json', 'gzip', 'x-gzip', 'deflate', 'deflate-raw', 'br', 'identity', 'chunked', 'no-content']) {
      it(`${pathname}: same status, headers and body`, async () => {
        const r = await both(pathname);
        assert.deepEqual(r.direct, r.npm);
        assert.ok(r.direct.status === 204 || r.direct.body.startsWith('{'), 'the body is decoded');
      });
    }

    it('304 with no body when the ETag matches', async () => {
      const r = await both('etag', { headers: { 'if-none-match': '"v1"' } });
      assert.deepEqual(r.direct, r.npm);
      assert.equal(r.direct.status, 304);
      assert.equal(r.direct.body, '');
    });

    for (const pathname of ['missing', 'busy', 'unauthorized']) {
      it(`${pathname}: a 4xx/5xx is an answer with its status, headers and body, not an error`, async () => {
        const r = await both(pathname);
        assert.deepEqual(r.direct, r.npm);
        assert.ok(r.direct.status >= 400 && r.direct.body.length > 0);
      });
    }

    it('streams a body into a consumer in pieces (plain and gzip), and skips it for a 4xx', async () => {
      for (const pathname of ['chunked', 'gzip']) {
        const { npm, auto } = clients({ registry: a.url });
        for (const client of [npm, auto]) {
          const consumers: Collect[] = [];
          const res = await client.requestConsumed(`${a.url}${pathname}`, {}, () => {
            consumers.push(new Collect());
            return consumers.at(-1);
          });
          assert.equal(res.status, 200);
          assert.equal(res.body.length, 0, 'nothing buffered');
          assert.ok(res.value!.equals(BIG));
          if (pathname === 'chunked') assert.ok(consumers[0].chunks.length > 1, 'more than one piece');
        }
      }
      const { auto } = clients({ registry: a.url });
      let asked = 0;
      const res = await auto.requestConsumed(`${a.url}missing`, {}, () => (asked++, new Collect()));
      assert.equal(res.status, 404);
      assert.equal(asked, 0);
      assert.equal(res.body.toString(), 'not here');
    });
  });

  describe('redirects', () => {
    let hop: Awaited<ReturnType<typeof listen>>;
    before(async () => {
      hop = await listen((req, res) => {
        const to = new URL(req.url!, 'http://x').searchParams.get('to');
        if (req.url!.startsWith('/loop')) res.writeHead(302, { location: '/loop' });
        else if (req.url!.startsWith('/nowhere')) res.writeHead(302);
        else res.writeHead(req.url!.startsWith('/see-other') ? 303 : req.url!.startsWith('/temp') ? 307 : 302, { location: to! });
        res.end('moved');
      });
    });
    after(() => hop?.close());
    beforeEach(() => (hop.seen.length = 0));

    it("keeps the token on the same origin, drops it for another port (npm's client aside) and another host name (even one with a token of its own)", async () => {
      const localhostB = `http://localhost:${b.port}/`;
      const values = {
        registry: hop.url,
        [`//${hop.host}/:_authToken`]: 'hop-token',
        [`//${a.host}/:_authToken`]: 'a-token',
        [`//localhost:${b.port}/:_authToken`]: 'b-token',
      };
      for (const transport of ['npm', 'auto'] as const) {
        const client = new RegistryHttp({ config: config(values), retries: 0, transport });
        // The same origin: the token goes along.
        let res = await client.request(`${hop.url}r?to=${encodeURIComponent(`${hop.url}temp?to=${encodeURIComponent(`${a.url}json`)}`)}`, {});
        assert.equal(res.status, 200);
        const sameOrigin = hop.seen.filter((r) => r.path.startsWith('/temp'));
        assert.equal(sameOrigin.at(-1)!.headers.authorization, 'Bearer hop-token', transport);
        // 127.0.0.1 → 127.0.0.1 on another port: another service on the machine. npm's client keeps the token (the
        // host name is the same: its rule, for the requests only it can carry); TrustLens's own client does not.
        assert.equal(a.seen.at(-1)!.path, '/json');
        assert.equal(a.seen.at(-1)!.headers.authorization, transport === 'npm' ? 'Bearer hop-token' : undefined, transport);
        // 127.0.0.1 → localhost: another host name, no token at all.
        res = await client.request(`${hop.url}r?to=${encodeURIComponent(`${localhostB}json`)}`, {});
        assert.equal(res.status, 200);
        assert.equal(JSON.parse(res.body.toString()).path, '/json');
        assert.equal(b.seen.at(-1)!.headers.authorization, undefined, transport);
        assert.equal(hop.seen.at(-1)!.headers.authorization, 'Bearer hop-token');
      }
    });

    it('303 turns a POST into a GET without body; 307 keeps the POST and its body', async () => {
      const { npm, auto } = clients({ registry: hop.url });
      for (const client of [npm, auto]) {
        await client.request(`${hop.url}see-other?to=${encodeURIComponent(`${a.url}after-303`)}`, { method: 'POST', body: 'payload' });
        assert.deepEqual([a.seen.at(-1)!.method, a.seen.at(-1)!.path, a.seen.at(-1)!.body], ['GET', '/after-303', '']);
        await client.request(`${hop.url}temp?to=${encodeURIComponent(`${a.url}after-307`)}`, { method: 'POST', body: 'payload' });
        assert.deepEqual([a.seen.at(-1)!.method, a.seen.at(-1)!.path, a.seen.at(-1)!.body], ['POST', '/after-307', 'payload']);
      }
    });

    it('an endless redirect or one without a location fails as unreachable, in both', async () => {
      const { npm, auto } = clients({ registry: hop.url });
      for (const client of [npm, auto]) {
        assert.equal((await failure(client.request(`${hop.url}loop`, {}))).code, 'registry-unreachable');
        assert.equal((await failure(client.request(`${hop.url}nowhere`, {}))).code, 'registry-unreachable');
      }
      assert.equal(hop.seen.filter((s) => s.path === '/loop').length, 2 * 21, 'the first request and 20 redirects, each');
    });
  });

  describe('failures keep their codes', () => {
    let slow: Awaited<ReturnType<typeof listen>>;
    const closed: string[] = [];
    before(async () => {
      slow = await listen((req, res) => {
        req.socket.once('close', () => closed.push(req.url!));
        if (req.url === '/silent') return; // never answers
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"first":"piece",'); // and never the rest
      });
    });
    after(() => slow?.close());

    it('timeout: no answer, or a body that stops, within timeoutMs', async () => {
      const { npm, auto } = clients({ registry: slow.url }, { timeoutMs: 300 });
      for (const client of [npm, auto]) {
        assert.equal((await failure(client.request(`${slow.url}silent`, {}))).code, 'timeout');
        assert.equal((await failure(client.request(`${slow.url}stalled`, {}))).code, 'timeout');
      }
    });

    it('aborted: before sending, while waiting, and mid-body (from the consumer)', async () => {
      const { npm, auto } = clients({ registry: slow.url });
      for (const client of [npm, auto]) {
        assert.equal((await failure(client.request(`${slow.url}x`, { signal: AbortSignal.abort() }))).code, 'aborted');
        const waiting = new AbortController();
        const p = client.request(`${slow.url}silent`, { signal: waiting.signal });
        setImmediate(() => waiting.abort());
        assert.equal((await failure(p)).code, 'aborted');
        const mid = new AbortController();
        const consumer: BodyConsumer<void> = { write: () => mid.abort(), end: () => undefined };
        assert.equal((await failure(client.requestConsumed(`${slow.url}stalled`, { signal: mid.signal }, () => consumer))).code, 'aborted');
      }
    });

    it('too-large: a body over the cap, compressed or not; the download stops there', async () => {
      const { npm, auto } = clients({ registry: a.url }, { maxBodyBytes: 64 * 1024 });
      for (const client of [npm, auto]) {
        for (const pathname of ['chunked', 'gzip', 'br']) assert.equal((await failure(client.request(`${a.url}${pathname}`, {}))).code, 'too-large', pathname);
        const consumer = new Collect();
        assert.equal((await failure(client.requestConsumed(`${a.url}chunked`, {}, () => consumer))).code, 'too-large');
        assert.ok(consumer.chunks.reduce((n, c) => n + c.length, 0) <= 64 * 1024);
      }
    });

    it('bad-response: a consumer that cannot read the body ends the connection', async () => {
      // An hour's request timeout: a connection left open would stay open, and the hang guard would say so.
      const { auto } = clients({ registry: slow.url }, { timeoutMs: 3_600_000 });
      closed.length = 0;
      const consumer: BodyConsumer<void> = {
        write: () => {
          throw new SyntaxError('not what was expected');
        },
        end: () => undefined,
      };
      const e = await failure(auto.requestConsumed(`${slow.url}stalled-too`, {}, () => consumer));
      assert.equal(e.code, 'bad-response');
      await until('the server to see the connection closed', () => closed.includes('/stalled-too'));
    });

    it('registry-unreachable: connection refused', async () => {
      const gone = await listen(answers);
      await gone.close();
      const { npm, auto } = clients({ registry: a.url });
      for (const client of [npm, auto]) {
        const e = await failure(client.request(`${gone.url}pkg`, {}));
        assert.equal(e.code, 'registry-unreachable');
        assert.match(e.message, /ECONNREFUSED/);
      }
    });

    it('bad-response: a body that is not the gzip it claims (npm’s client answers it as an empty 200)', async () => {
      const { auto } = clients({ registry: a.url });
      const e = await failure(auto.request(`${a.url}bad-gzip`, {}));
      assert.equal(e.code, 'bad-response');
      assert.match(e.message, /could not be decoded: incorrect header check/);
    });

    it('error messages and logs carry no credentials', async () => {
      const gone = await listen(answers);
      await gone.close();
      const logs: string[] = [];
      const auto = new RegistryHttp({
        config: config({ registry: a.url, [`//${gone.host}/:_authToken`]: 'npm_SecretToken0123456789abcdefghij' }),
        retries: 0,
        log: (l) => logs.push(l),
      });
      const e = await failure(auto.request(`${gone.url}pkg`, {}));
      // Credentials in a URL (an OSV mirror's, say) go through npm's client, whose error names the URL it was given.
      const inUrl = await failure(auto.request(gone.url.replace('//', '//user:UrlSecret@'), {}));
      await auto.request(`${a.url}missing`, {});
      assert.equal(logs.length, 1);
      for (const text of [e.message, inUrl.message, ...logs]) assert.ok(!/SecretToken|UrlSecret/.test(text), text);
    });
  });

  describe('proxies: npm’s client takes every request a proxy may apply to', () => {
    let proxy: Awaited<ReturnType<typeof startProxy>>;
    before(async () => (proxy = await startProxy()));
    after(() => proxy?.close());
    beforeEach(() => (proxy.records.length = 0));

    for (const key of ['proxy', 'https-proxy']) {
      it(`\`${key}\` in npm config: the request goes through the proxy, with the token`, async () => {
        const client = new RegistryHttp({ config: config({ registry: a.url, [key]: proxy.url, [`//${a.host}/:_authToken`]: 'a-token' }), retries: 0 });
        const res = await client.request(`${a.url}json`, {});
        assert.equal(res.status, 200);
        assert.deepEqual(client.sentVia, { direct: 0, npm: 1, h2: 0 });
        assert.deepEqual(
          proxy.records.map((r) => [r.method, r.target, r.headers.authorization]),
          [['GET', `${a.url}json`, 'Bearer a-token']],
        );
      });
    }

    it('a host in `noproxy` is asked directly; a redirect from it to a proxied host goes through the proxy, without the token', async () => {
      const hop = await listen((req, res) => {
        res.writeHead(302, { location: `http://localhost:${b.port}/json` });
        res.end();
      });
      try {
        const client = new RegistryHttp({
          config: config({ registry: hop.url, proxy: proxy.url, noproxy: 'example.com, 127.0.0.1', [`//${hop.host}/:_authToken`]: 'hop-token' }),
          retries: 0,
        });
        const res = await client.request(`${hop.url}pkg`, {});
        assert.equal(res.status, 200);
        assert.deepEqual(client.sentVia, { direct: 1, npm: 0, h2: 0 });
        assert.equal(hop.seen[0].headers.authorization, 'Bearer hop-token');
        assert.deepEqual(
          proxy.records.map((r) => [r.method, r.target, r.headers.authorization]),
          [['GET', `http://localhost:${b.port}/json`, undefined]],
        );
      } finally {
        await hop.close();
      }
    });

    it('decides as @npmcli/agent does which hosts `noproxy` exempts', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { getProxy } = require('@npmcli/agent/lib/proxy.js') as { getProxy: (url: URL, o: { proxy?: string; noProxy?: string }) => URL | null };
      const hosts = ['registry.npmjs.org', 'npm.corp.example', 'corp.example', 'xcorp.example', 'a.b.corp.example', '127.0.0.1', 'localhost', '[::1]'];
      const lists = [
        '',
        'corp.example',
        '.corp.example',
        'corp.example.',
        ' npmjs.org , other',
        'example',
        '*',
        '127.0.0.1',
        '0.0.1',
        'localhost,registry.npmjs.org',
        ',,',
      ];
      for (const host of hosts) {
        for (const noProxy of lists) {
          for (const scheme of ['http', 'https']) {
            const url = new URL(`${scheme}://${host}/pkg`);
            const npm = getProxy(url, { proxy: 'http://proxy.corp:3128', noProxy: noProxy || undefined }) !== null;
            assert.equal(mayUseProxy(url, { proxy: 'http://proxy.corp:3128', noProxy: noProxy || undefined }), npm, `${url} noproxy=${noProxy}`);
            assert.equal(isNoProxy(url.hostname, noProxy), !npm);
          }
        }
      }
    });

    it('reads the proxy environment as npm’s client does (any spelling; when in doubt, a proxy)', () => {
      const none = config({});
      assert.deepEqual(proxySettings(none, {}), { proxy: undefined, noProxy: undefined });
      assert.equal(proxySettings(none, { HTTPS_PROXY: 'http://p:1' }).proxy, 'http://p:1');
      // @npmcli/agent uses HTTP_PROXY for http URLs only; routing counts it for all (npm's client then decides).
      assert.equal(proxySettings(none, { http_proxy: 'http://p:2' }).proxy, 'http://p:2');
      assert.equal(proxySettings(none, { Proxy: 'http://p:3' }).proxy, 'http://p:3');
      assert.equal(proxySettings(none, { NO_PROXY: '.corp' }).noProxy, '.corp');
      assert.equal(proxySettings(none, { NOPROXY: 'a', no_proxy: 'b' }).noProxy, 'a', "npm-registry-fetch's $NOPROXY first");
      assert.equal(proxySettings(config({ noproxy: 'cfg' }), { NO_PROXY: 'env' }).noProxy, 'cfg');
      // npm-registry-fetch takes `noproxy` when set, even empty; only then `no-proxy`.
      assert.equal(proxySettings(config({ noproxy: '', 'no-proxy': 'x' }), {}).noProxy, undefined);
      assert.equal(proxySettings(config({ 'https-proxy': 'http://s', proxy: 'http://p' }), { HTTPS_PROXY: 'http://e' }).proxy, 'http://s');
    });

    it('the CLI with $http_proxy set sends its registry requests through the proxy', async () => {
      const cli = path.join(PROJECT_ROOT, 'dist/cli.js');
      if (!fs.existsSync(cli)) assert.fail('dist/cli.js is missing: run `npm run build` (npm test does it)');
      const sb = new ScenarioBuilder({ registryKey: null });
      sb.package('fine').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
      const registry = await startFixtureRegistry(await sb.build());
      const project = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-proxy-'));
      try {
        fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ dependencies: { fine: '^1.0.0' } }));
        const lock = {
          lockfileVersion: 3,
          packages: { '': { dependencies: { fine: '^1.0.0' } }, 'node_modules/fine': { version: '1.0.0', resolved: `${registry.url}fine/-/fine-1.0.0.tgz` } },
        };
        fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lock));
        const env = isolatedNpmEnv(project, { http_proxy: proxy.url });
        const args = [
          path.join(PROJECT_ROOT, 'bin/trustlens.js'),
          'check',
          project,
          '--registry',
          registry.url,
          '--cache-dir',
          path.join(project, 'cache'),
          '--advisories',
          'off',
          '--no-content',
          '--format',
          'json',
        ];
        const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { env, stdio: 'ignore' }).on('close', resolve));
        assert.ok(code === 0 || code === 1, `exit ${code}`);
        assert.ok(
          proxy.records.some((r) => r.method === 'GET' && r.target === `${registry.url}fine`),
          `the packument through the proxy: ${JSON.stringify(proxy.records.map((r) => r.target))}`,
        );
        assert.ok(registry.requests.length > 0);
      } finally {
        await registry.close();
        fs.rmSync(project, { recursive: true, force: true });
      }
    });
  });

  describe('TLS: ca, strict-ssl, client certificates', () => {
    let tls: TlsFixtures;
    let secure: Awaited<ReturnType<typeof listen>>;
    let dir: string;
    before(async () => {
      tls = await makeTlsFixtures();
      secure = await listen(
        (req, res) => {
          if (req.url!.startsWith('/to-http')) {
            res.writeHead(302, { location: `${a.url}json` });
            return res.end();
          }
          answers(req, res, undefined as never);
        },
        { cert: tls.server.cert, key: tls.server.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false },
      );
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-tls-'));
      fs.writeFileSync(path.join(dir, 'client.crt'), tls.client.cert);
      fs.writeFileSync(path.join(dir, 'client.key'), tls.client.key);
    });
    after(async () => {
      await secure?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => (secure.seen.length = 0));

    it('with the CA in `ca`: HTTPS through node:https, answered as through npm’s client', async () => {
      const { npm, auto } = clients({ registry: secure.url, ca: tls.ca, [`//${secure.host}/:_authToken`]: 'tls-token' });
      for (const pathname of ['json', 'gzip']) {
        const [x, y] = [await npm.request(`${secure.url}${pathname}`, {}), await auto.request(`${secure.url}${pathname}`, {})];
        assert.deepEqual([y.status, y.body.toString()], [x.status, x.body.toString()]);
      }
      assert.equal(auto.sentVia.direct, 2);
      assert.ok(secure.seen.every((s) => s.headers.authorization === 'Bearer tls-token' && s.clientCN === undefined));
    });

    it('a `ca` is one TLS context shared by every connection (not parsed again per connection), and trusted alone', async () => {
      const { https: agent } = agentsFor(4, true, tls.ca);
      const context = (agent as unknown as { options: { secureContext?: unknown; ca?: unknown } }).options;
      assert.ok(context.secureContext, 'one secure context in the agent');
      assert.equal(context.ca, undefined, 'no CA list for each connection to parse');
      // Four requests at once: four connections, all verified against that context.
      const { auto } = clients({ registry: secure.url, ca: tls.ca }, { concurrency: 4 });
      const answers = await Promise.all([1, 2, 3, 4].map(() => auto.request(`${secure.url}json`, {})));
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200, 200, 200],
      );
      // A CA list without the server's issuer: refused (the shared context replaces the default roots, as `ca` does).
      const other = await makeTlsFixtures();
      const { auto: wrong } = clients({ registry: secure.url, ca: other.ca });
      assert.equal((await failure(wrong.request(`${secure.url}json`, {}))).code, 'registry-unreachable');
    });

    it('an unknown CA fails unless strict-ssl=false', async () => {
      const strict = clients({ registry: secure.url });
      for (const client of [strict.npm, strict.auto]) assert.equal((await failure(client.request(`${secure.url}json`, {}))).code, 'registry-unreachable');
      const lax = clients({ registry: secure.url, 'strict-ssl': 'false' });
      for (const client of [lax.npm, lax.auto]) assert.equal((await client.request(`${secure.url}json`, {})).status, 200);
    });

    it('a client certificate (`certfile`/`keyfile` of the registry) goes through npm’s client, which presents it', async () => {
      const values = {
        registry: secure.url,
        ca: tls.ca,
        [`//${secure.host}/:_authToken`]: 'tls-token',
        [`//${secure.host}/:certfile`]: path.join(dir, 'client.crt'),
        [`//${secure.host}/:keyfile`]: path.join(dir, 'client.key'),
      };
      const client = new RegistryHttp({ config: config(values), retries: 0 });
      assert.equal((await client.request(`${secure.url}json`, {})).status, 200);
      assert.deepEqual(client.sentVia, { direct: 0, npm: 1, h2: 0 });
      assert.equal(secure.seen[0].clientCN, 'trustlens-client');
      assert.equal(secure.seen[0].headers.authorization, 'Bearer tls-token');
      // Another registry of the same config has no certificate: node:https.
      assert.equal((await client.request(`${a.url}json`, {})).status, 200);
      assert.deepEqual(client.sentVia, { direct: 1, npm: 1, h2: 0 });
    });

    it('an HTTPS registry redirecting to plain HTTP on the same host does not get the token sent in clear', async () => {
      const client = new RegistryHttp({ config: config({ registry: secure.url, ca: tls.ca, [`//${secure.host}/:_authToken`]: 'tls-token' }), retries: 0 });
      const res = await client.request(`${secure.url}to-http`, {});
      assert.equal(res.status, 200);
      assert.equal(secure.seen[0].headers.authorization, 'Bearer tls-token');
      assert.equal(a.seen.at(-1)!.headers.authorization, undefined);
    });

    it('HTTPS through a proxy: a CONNECT tunnel, by npm’s client', async () => {
      const proxy = await startProxy();
      try {
        const client = new RegistryHttp({ config: config({ registry: secure.url, ca: tls.ca, 'https-proxy': proxy.url }), retries: 0 });
        assert.equal((await client.request(`${secure.url}json`, {})).status, 200);
        assert.deepEqual(client.sentVia, { direct: 0, npm: 1, h2: 0 });
        assert.deepEqual(
          proxy.records.map((r) => [r.method, r.target]),
          [['CONNECT', secure.host]],
        );
      } finally {
        await proxy.close();
      }
    });
  });
});
