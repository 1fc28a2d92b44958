import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { RegistryHttp } from '../../../src/engine/registry/http';
import { type TlsFixtures, makeTlsFixtures } from '../../support/tls';

/**
 * A real HTTP/2 server on 127.0.0.1 (TLS with a throw-away CA) that also answers HTTP/1.1 (`allowHTTP1`), as
 * registries behind a CDN do: it records each request with the protocol it came by and the connection it came on.
 */
async function h2Registry(
  tls: TlsFixtures,
  answer: (path: string, version: string) => { status: number; body?: string; headers?: Record<string, string> } | 'reset' | 'hold',
) {
  const seen: { path: string; version: string; authorization?: string; connection: unknown; headers: Record<string, unknown> }[] = [];
  const server = http2.createSecureServer({ cert: tls.server.cert, key: tls.server.key, allowHTTP1: true }, (req, res) => {
    seen.push({
      path: req.url,
      version: req.httpVersion,
      authorization: req.headers.authorization,
      connection: req.httpVersion === '2.0' ? req.stream.session : req.socket,
      headers: { ...req.headers },
    });
    const a = answer(req.url, req.httpVersion);
    if (a === 'hold') return; // never answered
    if (a === 'reset') {
      if (req.httpVersion === '2.0') return req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"latest":"1.0.0"}');
    }
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body ?? '');
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/`,
    host: `127.0.0.1:${port}`,
    seen,
    close: () => {
      for (const s of sessions) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const tags = (p: string) => ({ status: 200, body: JSON.stringify({ latest: p.split('/')[3] === 'b' ? '2.0.0' : '1.0.0' }) });

describe('HTTP/2 for small requests (dist-tags checks), with the ordinary request behind it', function () {
  this.timeout(60_000);
  let tls: TlsFixtures;
  before(async () => {
    tls = await makeTlsFixtures();
  });

  const client = (registry: string, host: string, extra: Record<string, string> = {}) =>
    new RegistryHttp({ config: { values: { registry, ca: tls.ca, [`//${host}/:_authToken`]: 'h2-token', ...extra }, sources: [] }, retries: 1 });

  it('many at once share one connection, carry the registry’s credentials and no HTTP/1.1-only headers', async () => {
    const reg = await h2Registry(tls, tags);
    try {
      const http = client(reg.url, reg.host);
      const names = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'b' : `p${i}`));
      const answers = await Promise.all(names.map((n) => http.request(`${reg.url}-/package/${n}/dist-tags`, { registry: reg.url, multiplex: true })));
      assert.deepEqual(
        answers.map((a) => JSON.parse(a.body.toString()).latest),
        names.map((n) => (n === 'b' ? '2.0.0' : '1.0.0')),
      );
      assert.equal(http.sentVia.h2, 40);
      assert.equal(http.requestCount, 40);
      assert.ok(reg.seen.every((s) => s.version === '2.0'));
      assert.equal(new Set(reg.seen.map((s) => s.connection)).size, 1, 'one connection for all 40');
      assert.ok(reg.seen.every((s) => s.authorization === 'Bearer h2-token'));
      assert.ok(reg.seen.every((s) => s.headers.connection === undefined && s.headers['keep-alive'] === undefined));
      // Requests not marked multiplex go the ordinary way (HTTP/1.1).
      await http.request(`${reg.url}-/package/x/dist-tags`, { registry: reg.url });
      assert.equal(reg.seen.at(-1)!.version, '1.1');
    } finally {
      await reg.close();
    }
  });

  it('whatever HTTP/2 cannot answer plainly is asked the ordinary way: a reset stream, a redirect, a 503', async () => {
    let unavailable = 0;
    const reg = await h2Registry(tls, (p, version) => {
      if (p.includes('/reset/')) return 'reset';
      if (p.includes('/moved/')) return version === '2.0' ? { status: 302, headers: { location: '/-/package/b/dist-tags' } } : tags('/-/package/b/');
      if (p.includes('/busy/') && version === '2.0' && unavailable++ === 0) return { status: 503, body: 'busy' };
      return tags(p);
    });
    try {
      const http = client(reg.url, reg.host);
      for (const name of ['reset', 'moved', 'busy']) {
        const a = await http.request(`${reg.url}-/package/${name}/dist-tags`, { registry: reg.url, multiplex: true });
        assert.equal(a.status, 200, name);
        assert.ok(JSON.parse(a.body.toString()).latest, name);
        assert.equal(reg.seen.at(-1)!.version, '1.1', `${name}: answered over HTTP/1.1`);
      }
    } finally {
      await reg.close();
    }
  });

  it('a stream that gets no answer in time is asked again the ordinary way; the caller’s abort ends it', async () => {
    // HTTP/2 streams under /stuck/ are never answered (until the server closes); HTTP/1.1 answers at once. The
    // streams' 300 ms is what is tested (they never answer, however slow the machine); the ordinary requests keep
    // the default 30 s, a hang guard only: a loaded machine once took more than 300 ms to answer one over TLS.
    let heldX: () => void = () => undefined;
    const xHeld = new Promise<void>((resolve) => (heldX = resolve));
    const reg = await h2Registry(tls, (p, version) => {
      if (p.includes('/stuck/') && version === '2.0') {
        if (p.includes('/stuck/x/')) heldX();
        return 'hold';
      }
      return tags(p);
    });
    try {
      const config = { values: { registry: reg.url, ca: tls.ca }, sources: [] };
      const http = new RegistryHttp({ config, retries: 0, multiplexTimeoutMs: 300 });
      const stuck = Array.from({ length: 70 }, (_, i) => http.request(`${reg.url}-/package/stuck/${i}/dist-tags`, { registry: reg.url, multiplex: true }));
      // More requests than streams run at once (64): each is answered over HTTP/1.1 once its HTTP/2 attempt timed out.
      const answers = await Promise.all(stuck);
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
      assert.equal(http.sentVia.h2, 0);
      assert.equal(reg.seen.filter((s) => s.version === '1.1').length, 70);
      // The caller leaves while its stream waits (the server holds it): aborted, never asked again the ordinary way.
      const patient = new RegistryHttp({ config, retries: 0 });
      const caller = new AbortController();
      const mine = patient.request(`${reg.url}-/package/stuck/x/dist-tags`, { registry: reg.url, multiplex: true, signal: caller.signal });
      await xHeld;
      caller.abort();
      await assert.rejects(mine, (e: { code?: string }) => e.code === 'aborted');
      assert.equal(reg.seen.filter((s) => s.path.includes('/stuck/x/') && s.version === '1.1').length, 0);
    } finally {
      await reg.close();
    }
  });

  it('a registry that does not speak HTTP/2 is asked over HTTP/1.1, and not tried again', async () => {
    const seen: string[] = [];
    const server = https.createServer({ cert: tls.server.cert, key: tls.server.key }, (req, res) => {
      seen.push(req.httpVersion);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"latest":"1.0.0"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const url = `https://127.0.0.1:${port}/`;
    let connections = 0;
    server.on('connection', () => connections++);
    try {
      const http = client(url, `127.0.0.1:${port}`);
      for (let i = 0; i < 3; i++) assert.equal((await http.request(`${url}-/package/a/dist-tags`, { registry: url, multiplex: true })).status, 200);
      assert.deepEqual(seen, ['1.1', '1.1', '1.1']);
      assert.equal(http.sentVia.h2, 0);
      // One connection tried for HTTP/2, then the keep-alive HTTP/1.1 connection for all three.
      assert.equal(connections, 2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a process waits for its HTTP/2 answers and exits once they are in (the idle connection holds nothing)', async () => {
    const reg = await h2Registry(tls, tags);
    try {
      // A separate node process (the registry answers from this one): the promise settles only once it has exited
      // (hang guard: its timeout).
      const script = `
        const { RegistryHttp } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/engine/registry/http.js'))});
        const http = new RegistryHttp({ config: { values: { registry: ${JSON.stringify(reg.url)}, ca: ${JSON.stringify(tls.ca)} }, sources: [] } });
        Promise.all([1, 2, 3].map((i) => http.request(${JSON.stringify(reg.url)} + '-/package/p' + i + '/dist-tags', { multiplex: true })))
          .then((r) => console.log(JSON.stringify({ statuses: r.map((x) => x.status), h2: http.sentVia.h2 })));
      `;
      const { stdout: out } = await promisify(execFile)(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
      assert.deepEqual(JSON.parse(out), { statuses: [200, 200, 200], h2: 3 });
    } finally {
      await reg.close();
    }
  });
});
