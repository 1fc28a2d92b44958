import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';

/** What a proxy was asked: `GET http://host:port/path` (plain HTTP) or `CONNECT host:port` (a tunnel for TLS). */
export interface ProxyRecord {
  method: string;
  target: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A real HTTP proxy on 127.0.0.1: forwards absolute-URL requests and tunnels CONNECT, recording each. For tests
 * that a request really went through a proxy (and with which headers).
 */
export async function startProxy(): Promise<{ url: string; records: ProxyRecord[]; close: () => Promise<void> }> {
  const records: ProxyRecord[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    records.push({ method: req.method!, target: req.url!, headers: req.headers });
    const upstream = http.request(req.url!, { method: req.method, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    records.push({ method: 'CONNECT', target: req.url!, headers: req.headers });
    const [host, port] = [req.url!.slice(0, req.url!.lastIndexOf(':')), Number(req.url!.slice(req.url!.lastIndexOf(':') + 1))];
    const upstream = net.connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, records, close };
}
