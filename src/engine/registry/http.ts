import { redact } from '@npmcli/redact';
import { EngineError, cancelled, isAbort } from '../infra/errors';
import { Limiter, sleep } from '../infra/limiter';
import type { NpmConfig } from './npmrc';
import { H2Client } from './h2';
import { DirectTransport, NpmTransport, type Sent, isDecodeError } from './transport';

export interface HttpOptions {
  config: NpmConfig;
  /** Requests at once, across all hosts (default: npm's `maxsockets` from .npmrc when set, else DEFAULT_CONCURRENCY). */
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  /** Cap on one response body (bytes); larger bodies fail with 'too-large'. */
  maxBodyBytes?: number;
  log?: (line: string) => void;
  /**
   * 'auto' (default): plain requests go straight through node:http(s) (DirectTransport), those a proxy or a client
   * certificate may apply to through npm's client; 'npm': every request through npm's client.
   */
  transport?: 'auto' | 'npm';
  /**
   * Requests marked `multiplex` (small ones, many at once: dist-tags checks) go as HTTP/2 streams on one connection
   * per registry when it speaks h2 and nothing npm's client would do applies (a proxy, a client certificate), else
   * the ordinary way (default true; ./h2.ts).
   */
  http2?: boolean;
  /**
   * How long a `multiplex` request's HTTP/2 stream may go unanswered before the request is sent the ordinary way
   * (default: timeoutMs, which the ordinary request then has again).
   */
  multiplexTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: { get(name: string): string | null | undefined };
  body: Buffer;
}

/** What is known of a response before its body: enough to decide how to read the body. */
export interface HttpHead {
  status: number;
  headers: HttpResponse['headers'];
}

/**
 * Takes a response body piece by piece as it arrives, instead of having it buffered whole. write() may throw (an
 * EngineError, e.g. 'bad-response' for a body that is not what was expected): the download stops there.
 */
export interface BodyConsumer<T> {
  write(chunk: Buffer): void;
  /** The body is complete: the result. */
  end(): T;
  /** A word for the request's log line, e.g. how the body was read. */
  note?(): string | undefined;
}

/** A response whose body went to a BodyConsumer: `value` is what it ended with, and `body` is empty. */
export interface ConsumedResponse<T> extends HttpResponse {
  value?: T;
}

type RequestInit = {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  registry?: string;
  /** Goes ahead of queued ordinary requests (work that can start while packuments are still coming). */
  urgent?: boolean;
  /** A small GET that may share one HTTP/2 connection with many others (HttpOptions.http2). */
  multiplex?: boolean;
};
type ConsumerFactory<T> = (head: HttpHead) => BodyConsumer<T> | undefined;

/**
 * Requests in flight at once (also the socket limit), as pnpm's default network concurrency (npm's `maxsockets`:
 * 15). More sockets is not faster against a real registry: the one these machines reach serves 563 packuments in
 * 0.7–0.9 s over 16–24 keep-alive connections, but 5.1 s over 28 or more (it stalls new connections past a limit),
 * and 2,437 dist-tags requests took 4.5 s at 48, 8.3 s at 96, 23.9 s at 192. A cold 621-package check
 * (`--no-content`) went from 6.0 s at 48 to 3.1–3.5 s at 16. Only a loopback registry with injected latency favours
 * more (it has no such limit); `maxsockets` in .npmrc sets it.
 */
export const DEFAULT_CONCURRENCY = 16;
const RETRYABLE = new Set([408, 420, 429, 500, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * HTTP to registries, the way npm does it (.npmrc auth per registry, proxies, CA, strict-ssl: see transport.ts for
 * the two ways a request goes), plus what a background scanner needs: a concurrency limit, per-request timeouts,
 * retries with backoff on 429/5xx honouring Retry-After, AbortSignal, request counting, and logs with credentials
 * redacted.
 */
export class RegistryHttp {
  readonly limiter: Limiter;
  requestCount = 0;
  /** Attempts sent by each transport (for logs and tests). */
  readonly sentVia = { direct: 0, npm: 0, h2: 0 };
  private readonly opts: Required<Omit<HttpOptions, 'log'>> & Pick<HttpOptions, 'log'>;
  private readonly npm: NpmTransport;
  private readonly direct: DirectTransport | undefined;
  private readonly h2: H2Client | undefined;

  constructor(opts: HttpOptions) {
    this.opts = {
      ...opts,
      concurrency: opts.concurrency ?? maxSockets(opts.config) ?? DEFAULT_CONCURRENCY,
      timeoutMs: opts.timeoutMs ?? 30_000,
      retries: opts.retries ?? 3,
      maxBodyBytes: opts.maxBodyBytes ?? 256 * 1024 * 1024,
      transport: opts.transport ?? 'auto',
      http2: opts.http2 ?? true,
      multiplexTimeoutMs: opts.multiplexTimeoutMs ?? opts.timeoutMs ?? 30_000,
    };
    this.limiter = new Limiter(this.opts.concurrency);
    this.npm = new NpmTransport(opts.config, this.opts.concurrency);
    this.direct = this.opts.transport === 'npm' ? undefined : new DirectTransport(opts.config, this.opts.concurrency, this.npm);
    this.h2 = this.direct && this.opts.http2 ? new H2Client(this.direct.tlsOptions()) : undefined;
  }

  /**
   * One request, retried on 429/5xx and network errors. Redirects are followed; the Authorization header is dropped
   * when the host name changes: a redirect to another host never carries the token.
   */
  async request(url: string, init: RequestInit): Promise<HttpResponse> {
    return this.requestConsumed(url, init, () => undefined);
  }

  /**
   * request(), with the body of a successful (2xx/304) response handed to the consumer `consume(head)` returns as it
   * arrives, instead of buffered whole: memory is then the consumer's business. Everything else is request()'s:
   * limits, timeouts (the body included), retries (each attempt gets a fresh consumer), abort, the body cap
   * ('too-large'), request counting and logs. When `consume` returns undefined, the body is buffered as usual.
   */
  async requestConsumed<T>(url: string, init: RequestInit, consume: ConsumerFactory<T>): Promise<ConsumedResponse<T>> {
    if (init.multiplex) {
      const answered = await this.multiplexed(url, init, consume);
      if (answered) return answered;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.limiter.run(() => this.once(url, init, consume), init.signal, init.urgent);
        if (RETRYABLE.has(res.status) && attempt < this.opts.retries) {
          await sleep(retryDelay(attempt, res.headers.get('retry-after') ?? null), init.signal);
          continue;
        }
        return res;
      } catch (e) {
        if (isAbort(e, init.signal)) throw cancelled('the request');
        const err = e as EngineError;
        const retryable = err.code === 'registry-unreachable' || err.code === 'timeout';
        if (!retryable || attempt >= this.opts.retries) throw e;
        await sleep(retryDelay(attempt, null), init.signal);
      }
    }
  }

  /**
   * The request as an HTTP/2 stream (./h2.ts), outside the connection limit: undefined when that cannot answer it
   * plainly (no h2, a route npm's client must take, a failure, a status worth retrying), and the caller then sends
   * it the ordinary way. Counted and logged like any request once it has an answer.
   */
  private async multiplexed<T>(url: string, init: RequestInit, consume: ConsumerFactory<T>): Promise<ConsumedResponse<T> | undefined> {
    if (!this.h2 || !this.direct || (init.method ?? 'GET').toUpperCase() !== 'GET' || init.body !== undefined) return undefined;
    const route = this.direct.route(url, init.registry);
    if (route === 'npm' || route.url.protocol !== 'https:' || !this.h2.usable(route.url.origin)) return undefined;
    const started = Date.now();
    const timeout = AbortSignal.timeout(this.opts.multiplexTimeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let a: Awaited<ReturnType<H2Client['get']>>;
    try {
      a = await this.h2.get(route.url, this.direct.headersFor(init, route.authorization), signal, this.opts.maxBodyBytes);
    } catch {
      // Only the caller's own abort ends the request; anything else here (this attempt's timeout, in a stream or
      // in the queue for one) leaves it to the ordinary request, which reports it with its retries.
      if (init.signal?.aborted) throw cancelled('the request');
      return undefined;
    }
    if (!a || RETRYABLE.has(a.status)) return undefined;
    this.requestCount++;
    this.sentVia.h2++;
    this.opts.log?.(`GET ${safeUrl(url)} ${a.status} ${Date.now() - started} ms ${a.body.length} B (HTTP/2)`);
    const head = { status: a.status, headers: a.headers };
    const consumer = a.status >= 400 ? undefined : consume(head);
    if (!consumer) return { ...head, body: a.body };
    try {
      if (a.body.length) consumer.write(a.body);
      return { ...head, body: EMPTY, value: consumer.end() };
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('bad-response', `the answer from ${safeUrl(url)} could not be read: ${safeMessage(e)}`);
    }
  }

  private send(url: string, init: RequestInit, signal: AbortSignal): Promise<Sent> {
    const req = { method: init.method ?? 'GET', headers: init.headers, body: init.body, signal, registry: init.registry };
    const route = this.direct ? this.direct.route(url, init.registry) : 'npm';
    if (route === 'npm') {
      this.sentVia.npm++;
      return this.npm.send(url, req);
    }
    this.sentVia.direct++;
    return this.direct!.send(route, req);
  }

  private async once<T>(url: string, init: RequestInit, consume: ConsumerFactory<T>): Promise<ConsumedResponse<T>> {
    this.requestCount++;
    const started = Date.now();
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Sent;
    try {
      res = await this.send(url, init, signal);
    } catch (e) {
      if (init.signal?.aborted) throw e;
      if (timeout.aborted) throw new EngineError('timeout', `no answer from ${safeUrl(url)} within ${this.opts.timeoutMs} ms`);
      throw new EngineError('registry-unreachable', `cannot reach ${safeUrl(url)}: ${safeMessage(e)}`);
    }
    const { status, headers } = res;
    if (res.buffered) {
      this.opts.log?.(`${safeUrl(url)} ${status} ${Date.now() - started} ms`);
      return { status, headers, body: res.buffered };
    }
    // 4xx/5xx bodies are read whole (npm's client does so too), never handed to a consumer.
    const consumer = status >= 400 ? undefined : consume({ status, headers });
    const stream = res.body!;
    const read = consumer
      ? consumeBody(stream, this.opts.maxBodyBytes, url, consumer)
      : readBody(stream, this.opts.maxBodyBytes, url).then((b) => ({ size: b.length, body: b, value: undefined }));
    const got = await read.catch((e: unknown) => {
      // Stop the download (too large, not what the consumer expected, broken): leaving the iteration only pauses the
      // body, which would keep the connection busy until the timeout.
      stream.destroy?.();
      if (init.signal?.aborted || e instanceof EngineError) throw e;
      if (timeout.aborted) throw new EngineError('timeout', `the answer from ${safeUrl(url)} did not finish within ${this.opts.timeoutMs} ms`);
      // Not the gzip/deflate/br it claims to be: the registry's answer is broken, not the connection.
      if (isDecodeError(e)) throw new EngineError('bad-response', `the answer from ${safeUrl(url)} could not be decoded: ${(e as Error).message}`);
      throw new EngineError('registry-unreachable', `the answer from ${safeUrl(url)} broke off: ${safeMessage(e)}`);
    });
    if (status >= 400) {
      this.opts.log?.(`${safeUrl(url)} ${status} ${Date.now() - started} ms`);
      return { status, headers, body: got.body };
    }
    const note = consumer?.note?.();
    this.opts.log?.(`${init.method ?? 'GET'} ${safeUrl(url)} ${status} ${Date.now() - started} ms ${got.size} B${note ? ` (${note})` : ''}`);
    return consumer ? { status, headers, body: EMPTY, value: got.value } : { status, headers, body: got.body };
  }
}

/** Reads a streamed body up to `max` bytes. */
async function readBody(stream: AsyncIterable<Buffer>, max: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > max) throw new EngineError('too-large', `the answer from ${safeUrl(url)} is larger than ${Math.round(max / 1048576)} MB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const EMPTY = Buffer.alloc(0);

/** Streams a body into `consumer` up to `max` bytes; nothing of it is kept here. */
async function consumeBody<T>(
  stream: AsyncIterable<Buffer>,
  max: number,
  url: string,
  consumer: BodyConsumer<T>,
): Promise<{ size: number; body: Buffer; value: T }> {
  let size = 0;
  // A consumer's own failure is 'bad-response' (typed), never mistaken for a broken connection and retried.
  const guarded = <R>(f: () => R): R => {
    try {
      return f();
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('bad-response', `the answer from ${safeUrl(url)} could not be read: ${safeMessage(e)}`);
    }
  };
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > max) throw new EngineError('too-large', `the answer from ${safeUrl(url)} is larger than ${Math.round(max / 1048576)} MB`);
    guarded(() => consumer.write(chunk));
  }
  return { size, body: EMPTY, value: guarded(() => consumer.end()) };
}

function retryDelay(attempt: number, retryAfter: string | null): number {
  if (retryAfter) {
    const secs = Number(retryAfter);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  }
  return Math.min(200 * 2 ** attempt + Math.floor(Math.random() * 100), 5000);
}

/**
 * npm's `maxsockets` from .npmrc, when set to a positive whole number: an organisation whose mirror takes only so
 * many connections at once says so there, and TrustLens keeps to it as npm does.
 */
function maxSockets(config: NpmConfig): number | undefined {
  const n = Number(config.values.maxsockets ?? config.values['max-sockets']);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A URL fit for logs and messages: no credentials, no query string. */
/** Every URL in `text` as safeUrl() writes it (the log, whatever put the URL there). */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>()]+/gi, (u) => safeUrl(u));
}

export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return redact(u.toString());
  } catch {
    return redact(url);
  }
}

/**
 * The first line of an error's message, fit for messages and logs: every URL in it as safeUrl() shows it (npm's client
 * names the URL it was given, credentials and all), npm tokens redacted.
 */
export function safeMessage(e: unknown): string {
  const line = String((e as Error | null)?.message ?? e).split('\n')[0];
  return redact(line.replace(/\b[a-z][a-z\d+.-]*:\/\/[^\s"'<>]+/gi, (url) => safeUrl(url)));
}
