/**
 * Small GET requests over HTTP/2, many at once on one connection per registry: what revalidating thousands of cached
 * package histories needs (one dist-tags request each, tens of bytes). Over HTTP/1.1 each request holds a connection
 * for a round trip, and registries limit connections (the one these machines reach stalls past ~25): 2,437 dist-tags
 * requests took 7–8 s on 16 keep-alive connections, and 1.05–1.16 s as HTTP/2 streams, 100 at a time, on one.
 *
 * Only an opportunity, never a requirement: `get` answers undefined whenever HTTP/2 is not to be had or the answer
 * is not a plain one (the server does not negotiate h2, the connection or the stream fails, a redirect, an encoded
 * body, an oversized one), and the caller sends the request the ordinary way, with its retries and error reporting.
 * A registry whose connection fails is not tried again by this client.
 */
import * as http2 from 'node:http2';
import type * as tls from 'node:tls';
import { Limiter } from '../infra/limiter';

export interface H2Tls {
  rejectUnauthorized: boolean;
  /** The CA list (npm's `ca` / `cafile`) as one context, when one is configured; else Node's default roots. */
  secureContext?: tls.SecureContext;
}

export interface H2Answer {
  status: number;
  headers: { get(name: string): string | undefined };
  body: Buffer;
}

/** Streams in flight at once, over all registries (a server announces its own limit, usually 100 or more). */
export const H2_STREAMS = 64;
/** A connection not up after this long is given up (its registry is asked over HTTP/1.1). */
const CONNECT_MS = 10_000;
/** An idle connection is closed after this long. */
const IDLE_MS = 10_000;
/** Headers HTTP/2 forbids (connection-specific in HTTP/1.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

export class H2Client {
  private readonly sessions = new Map<string, Promise<http2.ClientHttp2Session | undefined>>();
  /** Origins whose HTTP/2 connection failed (or never offered h2): asked the ordinary way from then on. */
  private readonly refused = new Set<string>();
  private readonly limiter = new Limiter(H2_STREAMS);
  /** Streams running on each connection. */
  private readonly active = new WeakMap<http2.ClientHttp2Session, number>();

  constructor(private readonly tls: H2Tls) {}

  /** Whether `origin` is worth trying (not refused so far). */
  usable(origin: string): boolean {
    return !this.refused.has(origin);
  }

  /**
   * GET `url` with `headers`; undefined when HTTP/2 could not give a plain answer (see the file's comment). Rejects
   * only when `signal` aborts (waiting for a stream, for the connection, or for the answer).
   */
  async get(url: URL, headers: Record<string, string>, signal: AbortSignal, maxBytes: number): Promise<H2Answer | undefined> {
    if (url.protocol !== 'https:' || this.refused.has(url.origin)) return undefined;
    return this.limiter.run(async () => {
      const session = await untilAborted(this.session(url.origin), signal);
      if (!session || session.closed || session.destroyed) return undefined;
      return this.stream(session, url, headers, signal, maxBytes);
    }, signal);
  }

  private session(origin: string): Promise<http2.ClientHttp2Session | undefined> {
    let s = this.sessions.get(origin);
    if (!s) {
      s = new Promise((resolve) => {
        let session: http2.ClientHttp2Session;
        const refuse = () => {
          clearTimeout(slow);
          this.refused.add(origin);
          this.sessions.delete(origin);
          session?.destroy();
          resolve(undefined);
        };
        // A connection that does not come up in time (a firewall dropping packets) is given up: HTTP/1.1 then.
        const slow = setTimeout(refuse, CONNECT_MS);
        slow.unref();
        try {
          session = http2.connect(origin, {
            rejectUnauthorized: this.tls.rejectUnauthorized,
            ...(this.tls.secureContext ? { secureContext: this.tls.secureContext } : {}),
          });
        } catch {
          return refuse();
        }
        session.once('connect', () => {
          clearTimeout(slow);
          // A server that does not speak h2 leaves ALPN without it: that registry is asked over HTTP/1.1.
          const alpn = session.alpnProtocol;
          if (alpn !== 'h2') return refuse();
          session.unref(); // an idle connection never keeps the process alive (a stream refs it while it runs)
          session.setTimeout(IDLE_MS, () => session.close());
          resolve(session);
        });
        session.on('error', () => refuse());
        session.on('goaway', () => this.forget(origin, session));
        session.on('close', () => this.forget(origin, session));
      });
      this.sessions.set(origin, s);
    }
    return s;
  }

  /** A closed or closing connection is opened afresh by the next request (GOAWAY is how servers recycle them). */
  private forget(origin: string, session: http2.ClientHttp2Session): void {
    void this.sessions.get(origin)?.then((s) => {
      if (s === session) this.sessions.delete(origin);
    });
  }

  private stream(
    session: http2.ClientHttp2Session,
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal,
    maxBytes: number,
  ): Promise<H2Answer | undefined> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const h: http2.OutgoingHttpHeaders = { ':method': 'GET', ':path': `${url.pathname}${url.search}` };
      for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) h[k.toLowerCase()] = v;
      h['accept-encoding'] = 'identity';
      let req: http2.ClientHttp2Stream;
      try {
        req = session.request(h);
      } catch {
        return resolve(undefined);
      }
      // The process waits for a running stream as for any request; an idle connection does not hold it.
      if (this.active.get(session) === undefined || this.active.get(session) === 0) session.ref();
      this.active.set(session, (this.active.get(session) ?? 0) + 1);
      let settled = false;
      const release = () => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        const left = (this.active.get(session) ?? 1) - 1;
        this.active.set(session, left);
        if (left === 0 && !session.destroyed) session.unref();
        return true;
      };
      const onAbort = () => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        if (release()) reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (answer: H2Answer | undefined) => {
        if (release()) resolve(answer);
      };
      let status = 0;
      let head: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('response', (got) => {
        head = got;
        status = Number(got[':status']) || 0;
        const encoding = String(got['content-encoding'] ?? 'identity').toLowerCase();
        // Redirects (their auth rules) and encoded bodies are the ordinary client's business.
        if ((status >= 300 && status < 400) || encoding !== 'identity') {
          req.close(http2.constants.NGHTTP2_CANCEL);
          done(undefined);
        }
      });
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.close(http2.constants.NGHTTP2_CANCEL);
          return done(undefined);
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (!status) return done(undefined);
        const get = (name: string) => {
          const v = head[name.toLowerCase()];
          return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
        };
        done({ status, headers: { get }, body: Buffer.concat(chunks, size) });
      });
      req.on('error', () => done(undefined));
      req.on('close', () => done(undefined)); // a no-op once answered
      req.end();
    });
  }
}

/** `p`, or the rejection of `signal`'s abort if that comes first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
