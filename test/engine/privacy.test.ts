import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCheck } from '../../src/engine/check/run-check';
import { ScenarioBuilder } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';

/**
 * A project with public packages and packages of a private scope mapped (in its .npmrc) to a company registry.
 * Both registries are real loopback servers that record every request; the "public" one also serves the OSV API.
 */
describe('privacy: names in private scopes never reach public services', function () {
  this.timeout(60_000);
  let pub: FixtureRegistry;
  let company: FixtureRegistry;
  let dir: string;

  before(async () => {
    const publicCorpus = new ScenarioBuilder({ registryKey: null });
    publicCorpus.package('left-pad').version('1.3.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    publicCorpus.osv({ id: 'GHSA-test-0001', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, versions: ['1.3.0'] }] });
    const privateCorpus = new ScenarioBuilder({ registryKey: null });
    privateCorpus.package('@acme/secret-sauce').version('2.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'acme-ci' } });
    privateCorpus.package('@acme/billing-core').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'acme-ci' } });
    pub = await startFixtureRegistry(await publicCorpus.build());
    company = await startFixtureRegistry(await privateCorpus.build());

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-privacy-'));
    const host = new URL(company.url).host;
    fs.writeFileSync(path.join(dir, '.npmrc'), `@acme:registry=${company.url}\n//${host}/:_authToken=\${ACME_TOKEN}\n`);
    const deps = { 'left-pad': '^1.3.0', '@acme/secret-sauce': '^2.0.0', '@acme/billing-core': '^1.0.0' };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: deps }));
    const entry = (reg: string, name: string, v: string) => ({ version: v, resolved: `${reg}${name}/-/${name.split('/').pop()}-${v}.tgz` });
    fs.writeFileSync(
      path.join(dir, 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { dependencies: deps },
          'node_modules/left-pad': entry(pub.url, 'left-pad', '1.3.0'),
          'node_modules/@acme/secret-sauce': entry(company.url, '@acme/secret-sauce', '2.0.0'),
          'node_modules/@acme/billing-core': entry(company.url, '@acme/billing-core', '1.0.0'),
        },
      }),
    );
  });
  after(async () => {
    await pub?.close();
    await company?.close();
  });

  it('asks the company registry (with its token) for the private packages, and the public services only about public ones', async () => {
    const r = await runCheck({
      projectDir: dir,
      registry: pub.url,
      env: { PATH: process.env.PATH, HOME: dir, ACME_TOKEN: 'npm_secretTOKEN123', npm_config_userconfig: path.join(dir, 'none'), npm_config_globalconfig: path.join(dir, 'none') },
      advisories: { npm: true, osv: true, osvUrl: pub.url.replace(/\/$/, '') },
      now: new Date('2024-06-01T00:00:00Z'),
    });
    assert.deepEqual(r.errors, []);
    // The public side saw left-pad and OSV traffic, and nothing of @acme.
    const publicTraffic = pub.requests.map((q) => `${q.method} ${q.url} ${q.body} ${JSON.stringify(q.headers)}`).join('\n');
    assert.match(publicTraffic, /left-pad/);
    assert.ok(pub.requests.some((q) => q.url === '/v1/querybatch'), 'OSV was asked');
    assert.doesNotMatch(publicTraffic, /acme|secret-sauce|billing-core/i);
    assert.doesNotMatch(publicTraffic, /npm_secretTOKEN123/, 'the company token never goes to the public registry');
    // The company registry got its packuments and its own advisory request, with the token.
    const packumentGets = company.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/@acme') && !q.url.includes('/-/'));
    assert.equal(packumentGets.length, 2);
    assert.ok(packumentGets.every((q) => q.headers.authorization === 'Bearer npm_secretTOKEN123'), JSON.stringify(company.requests.map((q) => [q.url, q.headers.authorization])));
    const bulk = company.requests.find((q) => q.url.includes('/advisories/bulk'))!;
    assert.deepEqual(Object.keys(JSON.parse(bulk.body)).sort(), ['@acme/billing-core', '@acme/secret-sauce']);
    assert.equal(bulk.headers.authorization, 'Bearer npm_secretTOKEN123');
    // The OSV advisory for the public package was found.
    assert.ok(r.findings.some((f) => f.package === 'left-pad' && f.advisory?.id === 'GHSA-test-0001'));
  });

  it('Restricted Mode ignores the project .npmrc: no token is used and the private scope is not redirected', async () => {
    pub.resetRequests();
    company.resetRequests();
    await runCheck({
      projectDir: dir,
      registry: pub.url,
      ignoreProjectNpmrc: true,
      env: { PATH: process.env.PATH, HOME: dir, ACME_TOKEN: 'npm_secretTOKEN123', npm_config_userconfig: path.join(dir, 'none'), npm_config_globalconfig: path.join(dir, 'none') },
      advisories: { npm: false, osv: false },
    });
    assert.equal(company.requests.length, 0, 'the repository cannot point lookups at its own registry');
    assert.ok(pub.requests.every((q) => q.headers.authorization === undefined));
  });
});
