import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { Transform, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import type npmFetchType from 'npm-registry-fetch';
import { lazyModule } from '../../core/lazy-module';
import { PUBLIC_REGISTRY, type NpmConfig } from './npmrc';

/**
 * The two ways RegistryHttp sends one request.
 *
 * NpmTransport is npm's own client (npm-registry-fetch → make-fetch-happen → minipass-fetch → @npmcli/agent): it
 * handles everything npm does, proxies and client certificates included, at ~0.6 ms of main-thread CPU per request.
 *
 * DirectTransport is node:http/node:https with keep-alive agents, for the plain case: no proxy applies to the URL,
 * no client certificate, no credentials in the URL, http(s) only (route() says which). It sends what npm would send
 * (npm-registry-fetch's own getAuth picks the credentials; the same user-agent, accept, accept-encoding and
 * content-type/-length rules), decodes gzip/deflate/br as minipass-fetch does, and follows redirects as
 * make-fetch-happen does (the Authorization header is dropped when the host name changes; also, stricter than npm,
 * when https goes to http). A redirect to a URL that needs npm's client continues there.
 */

/** Response headers, looked up case-insensitively; repeated headers come joined with ", " (as fetch does). */
export interface Headers {
  get(name: string): string | null | undefined;
}

export interface Sent {
  status: number;
  headers: Headers;
  /** The body as it arrives (decoded), unless `buffered`. */
  body?: AsyncIterable<Buffer> & { destroy?: () => void };
  /** npm's client reads the whole body of a 4xx/5xx answer itself: here it is. */
  buffered?: Buffer;
}

export interface SendInit {
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
  /** The registry the request is for (npm's auth falls back to its credentials on the same host). */
  registry?: string;
}

/** Keys of npm config that npm-registry-fetch takes as they are named (auth per registry, scope registries). */
export function toFetchOptions(config: NpmConfig): Record<string, unknown> {
  const v = config.values;
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) {
    if (k.startsWith('//') || /^@[^:]+:registry$/.test(k)) out[k] = value;
  }
  if (v.registry) out.registry = v.registry;
  if (v.proxy) out.proxy = v.proxy;
  if (v['https-proxy']) out.httpsProxy = v['https-proxy'];
  if (v.noproxy ?? v['no-proxy']) out.noProxy = v.noproxy ?? v['no-proxy'];
  if (v['strict-ssl'] !== undefined) out.strictSSL = v['strict-ssl'] !== 'false';
  if (v.ca) out.ca = v.ca;
  if (v['user-agent']) out.userAgent = v['user-agent'];
  return out;
}

// ------------------------------------------------------------------------------------------ npm-registry-fetch

/** npm's client loads when a request needs it (a proxy, a client certificate, credentials to pick). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const npmFetch = lazyModule(() => require('npm-registry-fetch') as typeof npmFetchType);

/** npm's client, one request (it follows redirects itself). A 4xx/5xx comes back as a Sent with its body read. */
export class NpmTransport {
  private readonly fetchOpts: Record<string, unknown>;

  constructor(config: NpmConfig, maxSockets: number) {
    // npm-registry-fetch keeps 12 sockets per host unless told otherwise, which would cap us below our own limit.
    this.fetchOpts = { ...toFetchOptions(config), maxSockets };
  }

  /**
   * `forceAuth: {}` sends no credentials of npm's choosing: a redirect hop carries the headers it was given. npm's
   * client follows redirects itself (npm-registry-fetch passes no `redirect` option through), with its own rule:
   * credentials go along to another port of the same host name. Only requests that need npm's client (a proxy, a
   * client certificate, credentials in the URL) take this path.
   */
  async send(url: string, init: SendInit, opts: { noConfigAuth?: boolean } = {}): Promise<Sent> {
    return this.once(url, init, !!opts.noConfigAuth);
  }

  private async once(url: string, init: SendInit, noConfigAuth: boolean): Promise<Sent> {
    let res: Awaited<ReturnType<typeof npmFetchType>>;
    try {
      res = await npmFetch()(url, {
        ...this.fetchOpts,
        ...(init.registry ? { registry: init.registry } : {}),
        ...(noConfigAuth ? { forceAuth: {} } : {}),
        method: init.method,
        headers: init.headers,
        body: init.body,
        signal: init.signal,
        retry: { retries: 0 },
      } as npmFetchType.Options);
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === undefined) throw e;
      return errorSent(e as { statusCode: number; headers?: unknown; body?: unknown });
    }
    return { status: res.status, headers: res.headers as unknown as Headers, body: res.body as unknown as Sent['body'] };
  }
}

/** npm-registry-fetch throws on 4xx/5xx with the raw header map ({ name: [values] }) and the body read (JSON parsed). */
function errorSent(e: { statusCode: number; headers?: unknown; body?: unknown }): Sent {
  const raw = (e.headers ?? {}) as Record<string, string[] | string | undefined>;
  const headers = {
    get: (n: string) => {
      const v = raw[n.toLowerCase()];
      return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
    },
  };
  const b = e.body;
  const buffered = Buffer.isBuffer(b)
    ? b
    : typeof b === 'string'
      ? Buffer.from(b)
      : b != null && typeof b === 'object'
        ? Buffer.from(JSON.stringify(b))
        : Buffer.alloc(0);
  return { status: e.statusCode, headers, buffered };
}

// ------------------------------------------------------------------------------------------ proxies as npm sees them

/**
 * Whether npm's client could send a request for `url` through a proxy: a proxy is configured (`https-proxy` or
 * `proxy` in npm config, or the https_proxy / http_proxy / proxy environment variables @npmcli/agent reads, in any
 * case) and the host is not exempted by the no-proxy list npm would use. Deliberately broader than @npmcli/agent
 * (which takes only https_proxy from the environment for https URLs): when in doubt, npm's client decides.
 */
export function mayUseProxy(url: URL, proxy: ProxySettings): boolean {
  if (!proxy.proxy) return false;
  return !isNoProxy(url.hostname, proxy.noProxy);
}

export interface ProxySettings {
  /** Any configured proxy (the value is not used; npm's client connects through it). */
  proxy: string | undefined;
  noProxy: string | undefined;
}

/**
 * The proxy settings npm-registry-fetch and @npmcli/agent would use: `https-proxy` || `proxy` from npm config, else
 * the environment (lower-cased names, the last spelling wins, as @npmcli/agent reads it); no-proxy from npm config
 * (`noproxy`), else $NOPROXY (npm-registry-fetch's default), else $no_proxy / $NO_PROXY.
 */
export function proxySettings(config: NpmConfig, env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const o = toFetchOptions(config) as { proxy?: string; httpsProxy?: string; noProxy?: string };
  const fromEnv: Record<string, string | undefined> = {};
  for (const [k, value] of Object.entries(env)) {
    const key = k.toLowerCase();
    if (key === 'https_proxy' || key === 'http_proxy' || key === 'proxy' || key === 'no_proxy') fromEnv[key] = value;
  }
  return {
    proxy: o.httpsProxy || o.proxy || fromEnv.https_proxy || fromEnv.http_proxy || fromEnv.proxy || undefined,
    noProxy: o.noProxy || env.NOPROXY || fromEnv.no_proxy || undefined,
  };
}

/** @npmcli/agent's no-proxy test: an entry matches a host name that ends with the entry's dot-separated labels. */
export function isNoProxy(hostname: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const entries = noProxy
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const host = hostname.split('.').reverse();
  return entries.some((entry) => {
    const labels = entry.split('.').filter(Boolean).reverse();
    return labels.length > 0 && labels.every((label, i) => host[i] === label);
  });
}

// ------------------------------------------------------------------------------------------ node:http(s)

type NpmAuth = { token: string | null; auth: string | null; cert: string | null };
/**
 * npm-registry-fetch's credential lookup (what its index exports as `getAuth`), from its own small module: a
 * configured token must not load npm's whole HTTP client (and Sigstore's TUF client beside it in dist/vendor/).
 * Loaded when a credential key is configured at all.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const getAuth = lazyModule(() => require('npm-registry-fetch/lib/auth.js') as (uri: string, opts: Record<string, unknown>) => NpmAuth);

/** What npm-registry-fetch sends when npm config has no `user-agent`. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NPM_FETCH_VERSION = (require('npm-registry-fetch/package.json') as { version: string }).version;
export const NPM_DEFAULT_USER_AGENT = `npm-registry-fetch@${NPM_FETCH_VERSION}/node@${process.version}+${process.arch} (${process.platform})`;

/**
 * Keep-alive agents shared by every DirectTransport with the same settings (as @npmcli/agent shares its own), so a
 * service that rebuilds its parts keeps its connections. Idle sockets do not keep the process alive.
 */
const agentCache = new Map<string, { http: http.Agent; https: https.Agent }>();
export function agentsFor(maxSockets: number, rejectUnauthorized: boolean, ca: string | undefined): { http: http.Agent; https: https.Agent } {
  const key = JSON.stringify([maxSockets, rejectUnauthorized, ca ?? null]);
  let agents = agentCache.get(key);
  if (!agents) {
    // As @npmcli/agent under npm-registry-fetch: TCP keep-alive probes on idle sockets, and an idle socket closed
    // after 5 minutes (npm-registry-fetch's default timeout). Requests themselves are timed by RegistryHttp.
    const keepAlive = { keepAlive: true, keepAliveMsecs: 1000, timeout: 5 * 60_000, maxSockets, scheduling: 'lifo' as const };
    // A `ca` (npm's `ca`, or the bundle `cafile` names) becomes one TLS context for every connection: given as `ca`,
    // each new connection parses the whole list again (a system bundle of ~150 certificates: ~34 ms of CPU per
    // connection, 1.6 s of a cold 621-package scan's 6 s on 48 sockets). Trust is the same: only these CAs.
    const trust = ca ? { secureContext: tls.createSecureContext({ ca }) } : {};
    agents = { http: new http.Agent(keepAlive), https: new https.Agent({ ...keepAlive, rejectUnauthorized, ...trust }) };
    // A few settings at most in practice; forgetting the oldest leaves its sockets to close on their own.
    if (agentCache.size >= 8) agentCache.delete(agentCache.keys().next().value!);
    agentCache.set(key, agents);
  }
  return agents;
}

/** make-fetch-happen / minipass-fetch follow at most this many redirects. */
const MAX_REDIRECTS = 20;

export class DirectTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly userAgent: string;
  private readonly proxy: ProxySettings;
  /** npm config as npm-registry-fetch's getAuth reads it, per registry; undefined when no key could carry auth. */
  private readonly authOpts: Record<string, unknown> | undefined;
  private readonly authOptsFor = new Map<string, Record<string, unknown>>();
  private readonly defaultRegistry: string;

  constructor(
    config: NpmConfig,
    maxSockets: number,
    private readonly npm: NpmTransport,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const v = config.values;
    // make-fetch-happen: strictSSL false → no verification; npm-registry-fetch defaults it to true.
    ({ http: this.httpAgent, https: this.httpsAgent } = agentsFor(maxSockets, v['strict-ssl'] !== 'false', v.ca || undefined));
    this.userAgent = v['user-agent'] || NPM_DEFAULT_USER_AGENT;
    this.proxy = proxySettings(config, env);
    this.defaultRegistry = v.registry || PUBLIC_REGISTRY;
    const fetchOpts = toFetchOptions(config);
    this.authOpts = Object.keys(fetchOpts).some((k) => k.startsWith('//')) ? { ...fetchOpts, registry: this.defaultRegistry } : undefined;
  }

  /**
   * The credentials npm would send to `url` (npm-registry-fetch's getAuth: the longest `//host/path/:…` key, else
   * the registry's own when on the same host), or 'npm' when the request is for npm's client: a proxy may apply,
   * a client certificate is configured for it, credentials are in the URL, or it is not http(s).
   */
  route(url: string, registry: string | undefined): { url: URL; authorization: string | undefined } | 'npm' {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'npm';
    }
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) return 'npm';
    if (mayUseProxy(u, this.proxy)) return 'npm';
    if (!this.authOpts) return { url: u, authorization: undefined };
    const auth = getAuth()(url, this.authOptionsFor(registry));
    if (auth.cert) return 'npm';
    return { url: u, authorization: auth.token ? `Bearer ${auth.token}` : auth.auth ? `Basic ${auth.auth}` : undefined };
  }

  /** One request for a URL route() gave: redirects followed, hops that need npm's client sent with it. */
  async send(first: { url: URL; authorization: string | undefined }, init: SendInit): Promise<Sent> {
    const headers = this.requestHeaders(init, first.authorization);
    let method = init.method.toUpperCase();
    let body = init.body;
    let url = first.url;
    for (let redirects = 0; ; redirects++) {
      const res = await this.hop(url, method, headers, body, init.signal);
      const status = res.statusCode ?? 0;
      if (!isRedirect(status)) return this.answer(res, method, init.signal);
      res.destroy();
      const href = url.toString();
      const location = res.headers.location;
      if (!location) throw new Error(`redirect location header missing for: ${href}`);
      if (redirects >= MAX_REDIRECTS) throw new Error(`maximum redirect reached at: ${href}`);
      const next = new URL(location, url);
      // Any change of origin drops credentials: another host name, another port (another service on the same
      // machine), or https to http (the token in clear on the wire).
      if (next.origin !== url.origin) {
        delete headers.authorization;
        delete headers.cookie;
      }
      if (status === 303 || (method === 'POST' && (status === 301 || status === 302))) {
        method = 'GET';
        body = undefined;
      }
      url = next;
      const hop = this.hopRoute(next);
      if (hop === 'npm') {
        // e.g. the registry sends tarballs to a CDN reached through the proxy: npm's client takes over, with the
        // headers this request has now (its own choice of credentials turned off).
        return this.npm.send(next.toString(), { method, headers, body, signal: init.signal }, { noConfigAuth: true });
      }
    }
  }

  private hopRoute(u: URL): 'direct' | 'npm' {
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || mayUseProxy(u, this.proxy)) return 'npm';
    return 'direct';
  }

  private authOptionsFor(registry: string | undefined): Record<string, unknown> {
    const base = this.authOpts!;
    if (!registry || registry === this.defaultRegistry) return base;
    let opts = this.authOptsFor.get(registry);
    if (!opts) {
      opts = { ...base, registry };
      if (this.authOptsFor.size < 100) this.authOptsFor.set(registry, opts);
    }
    return opts;
  }

  /** The headers a request of `init` to a route() answer carries (requestHeaders). */
  headersFor(init: { headers?: Record<string, string>; body?: string | Buffer }, authorization: string | undefined): Record<string, string> {
    return this.requestHeaders(init, authorization);
  }

  /** The TLS trust of this transport's HTTPS connections (strict-ssl, the `ca` context), for ./h2.ts. */
  tlsOptions(): { rejectUnauthorized: boolean; secureContext?: tls.SecureContext } {
    const o = (this.httpsAgent as unknown as { options: { rejectUnauthorized?: boolean; secureContext?: tls.SecureContext } }).options;
    return { rejectUnauthorized: o.rejectUnauthorized !== false, ...(o.secureContext ? { secureContext: o.secureContext } : {}) };
  }

  /** npm-registry-fetch's headers (user-agent, the caller's, authorization) plus minipass-fetch's defaults. */
  private requestHeaders(init: { headers?: Record<string, string>; body?: string | Buffer }, authorization: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (init.headers) for (const [k, v] of Object.entries(init.headers)) headers[k.toLowerCase()] = v;
    if (authorization) headers.authorization = authorization;
    if (init.body && !headers['content-type']) headers['content-type'] = 'application/octet-stream';
    headers.accept ??= '*/*';
    headers['accept-encoding'] ??= 'gzip,deflate';
    headers.connection ??= 'keep-alive';
    return headers;
  }

  private hop(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal,
  ): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortError());
      const secure = url.protocol === 'https:';
      const h = { ...headers };
      if (body !== undefined && body !== null) h['content-length'] = String(Buffer.byteLength(body));
      else if (method === 'POST' || method === 'PUT') h['content-length'] = '0';
      const req = (secure ? https : http).request({
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method,
        headers: h,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      const onAbort = () => req.destroy(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('response', (res) => {
        // Abort from here on ends the body (RegistryHttp reads it); the listener goes once it is read or broken.
        signal.removeEventListener('abort', onAbort);
        const end = () => signal.removeEventListener('abort', onBodyAbort);
        const onBodyAbort = () => res.destroy(abortError());
        signal.addEventListener('abort', onBodyAbort, { once: true });
        res.once('end', end);
        res.once('close', end);
        resolve(res);
      });
      req.on('error', (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e.name === 'AbortError' ? e : new Error(`request to ${url.toString()} failed, reason: ${e.message}`));
      });
      req.end(body);
    });
  }

  /** The response, its body decoded as minipass-fetch does (gzip, deflate raw or zlib, br; never for HEAD/204/304). */
  private answer(res: http.IncomingMessage, method: string, signal: AbortSignal): Sent {
    const status = res.statusCode ?? 0;
    const headers = new NodeHeaders(res.headers);
    const coding = headers.get('content-encoding');
    if (coding === null || method === 'HEAD' || status === 204 || status === 304) return { status, headers, body: res };
    const flush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
    let decoder: Transform;
    if (coding === 'gzip' || coding === 'x-gzip') decoder = zlib.createGunzip(flush);
    else if (coding === 'br') decoder = zlib.createBrotliDecompress();
    else if (coding === 'deflate' || coding === 'x-deflate') decoder = new DeflateAuto();
    else return { status, headers, body: res };
    // An abort or a broken connection destroys the response: pipeline passes that on to the decoder's reader.
    pipeline(res, decoder, () => undefined);
    if (signal.aborted) decoder.destroy(abortError());
    return { status, headers, body: decoder };
  }
}

/** Raw deflate or zlib-wrapped, told by the first byte (old servers send raw deflate), as minipass-fetch does. */
class DeflateAuto extends Transform {
  private inflate: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (!this.inflate) {
      const inflate = (chunk[0] & 0x0f) === 0x08 ? zlib.createInflate() : zlib.createInflateRaw();
      inflate.on('data', (c: Buffer) => this.push(c));
      inflate.on('error', (e) => this.destroy(e));
      this.inflate = inflate;
    }
    this.inflate.write(chunk, () => done());
  }

  override _flush(done: (err?: Error | null) => void): void {
    if (!this.inflate) return done();
    this.inflate.once('end', () => done());
    this.inflate.end();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.inflate?.destroy();
    done(err);
  }
}

/** A body that is not the gzip/deflate/br its content-encoding says (zlib's Z_* codes, brotli's ERR__ERROR_*). */
export function isDecodeError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code);
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function abortError(): Error {
  const e = new Error('The user aborted a request.');
  e.name = 'AbortError';
  return e;
}

/** Node's header object (names lower-cased, repeats already joined with ", " except set-cookie). */
class NodeHeaders implements Headers {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
}
