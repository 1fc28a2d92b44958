import { strict as assert } from 'node:assert';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { PackageError } from '../../../src/engine/check/run-check';
import { gatherAdvisories } from '../../../src/engine/advisories/sources';
import { NPM_BULK_ADVISORY_PATH } from '../../../src/engine/advisories/npm-bulk';
import { RegistryHttp } from '../../../src/engine/registry/http';
import { registryMap } from '../../../src/engine/registry/npmrc';
import { makeTlsFixtures, type TlsFixtures } from '../../support/tls';

/**
 * Advisory requests go through the check's RegistryHttp: npm's CA / strict-ssl / proxy settings apply to them as
 * to every other registry request (they used fetch, which knows none of them), and they are counted.
 */
describe('advisory sources through RegistryHttp', function () {
  this.timeout(30_000);
  let tls: TlsFixtures;
  let server: https.Server;
  let url: string;
  const seen: { method: string; path: string; headers: Record<string, unknown>; body: unknown }[] = [];

  before(async () => {
    tls = await makeTlsFixtures();
    server = https.createServer({ cert: tls.server.cert, key: tls.server.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as Record<string, string[]>;
        seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            body['left-pad']
              ? {
                  'left-pad': [
                    {
                      id: 1001,
                      url: 'https://github.com/advisories/GHSA-2222-3333-4444',
                      title: 'Prototype pollution',
                      severity: 'high',
                      vulnerable_versions: '<1.3.1',
                    },
                  ],
                }
              : {},
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function ask(values: Record<string, string>) {
    const npmConfig = { values: { registry: url, ...values }, sources: [] };
    const http = new RegistryHttp({ config: npmConfig, retries: 0 });
    const errors: PackageError[] = [];
    const done = gatherAdvisories(
      new Map([
        ['left-pad', ['1.3.0']],
        ['other', ['2.0.0']],
      ]),
      {
        config: { npm: true, osv: false },
        registries: registryMap(npmConfig),
        isPrivate: () => false,
        errors,
        http,
      },
    );
    return done.then((advisories) => ({ advisories, errors, requests: http.requestCount }));
  }

  it('trusts the CA npm config names (as npm audit does), posts gzipped JSON with the token, and counts the request', async () => {
    seen.length = 0;
    const host = new URL(url).host;
    const { advisories, errors, requests } = await ask({ ca: tls.ca, [`//${host}/:_authToken`]: 'adv-token' });
    assert.deepEqual(errors, []);
    assert.deepEqual(
      advisories.get('left-pad')?.map((a) => [a.id, a.severity]),
      [['GHSA-2222-3333-4444', 'high']],
    );
    assert.deepEqual(advisories.get('other'), []);
    assert.equal(requests, 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, 'POST');
    assert.equal(seen[0].path, `/${NPM_BULK_ADVISORY_PATH}`);
    assert.equal(seen[0].headers['content-encoding'], 'gzip');
    assert.equal(seen[0].headers.authorization, 'Bearer adv-token');
    assert.deepEqual(seen[0].body, { 'left-pad': ['1.3.0'], other: ['2.0.0'] });
  });

  it('without the CA the certificate is refused: an advisory error, not an empty answer', async () => {
    const { advisories, errors } = await ask({});
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /bulk advisories: .*(certificate|self.signed|unable to verify)/i);
    assert.equal(advisories.size, 0);
  });

  it('strict-ssl=false is honoured too', async () => {
    const { advisories, errors } = await ask({ 'strict-ssl': 'false' });
    assert.deepEqual(errors, []);
    assert.equal(advisories.get('left-pad')?.length, 1);
  });
});
