/**
 * A pass-through HTTP server in front of a test registry that can hold requests and let them go later. A test can
 * then keep a scan waiting on the registry for as long as it needs ("mid-scan" as a state, not a moment), and see
 * it complete once released; a request the registry never answers would only end with the client's timeout.
 */
import * as http from 'node:http';

export interface Gate {
  /** The registry URL to configure: requests pass through to the fixture registry. */
  url: string;
  /** Request paths in order of arrival. */
  arrivals: string[];
  /** Resolves once `count` requests whose path matches have arrived (counting those before the call). */
  arrived(path: RegExp, count?: number): Promise<void>;
  /** From now on requests whose path matches are held (not answered, not refused)... */
  hold(path: RegExp): void;
  /** ...until this: the held ones go on to the registry, as do later ones. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a gate in front of `target` (a registry URL with a trailing slash). */
export async function startGate(target: string): Promise<Gate> {
  let held: RegExp | undefined;
  let waiting: (() => void)[] = [];
  const arrivals: string[] = [];
  let watchers: { path: RegExp; count: number; resolve: () => void }[] = [];
  const seen = (w: { path: RegExp; count: number }) => arrivals.filter((u) => w.path.test(u)).length >= w.count;
  const server = http.createServer((req, res) => {
    arrivals.push(req.url ?? '/');
    for (const w of watchers.filter(seen)) w.resolve();
    watchers = watchers.filter((w) => !seen(w));
    const forward = () => {
      if (res.destroyed) return; // the client (a killed service) is gone
      const up = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      res.on('close', () => up.destroy());
      req.pipe(up);
    };
    if (held?.test(req.url ?? '/')) waiting.push(forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    arrivals,
    arrived: (path, count = 1) =>
      new Promise<void>((resolve) => {
        const w = { path, count, resolve };
        if (seen(w)) resolve();
        else watchers.push(w);
      }),
    hold: (p) => void (held = p),
    release: () => {
      held = undefined;
      const go = waiting;
      waiting = [];
      for (const f of go) f();
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
