import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageTimeline } from '../../../src/engine/check/package-timeline';
import { runCheck } from '../../../src/engine/check/run-check';
import { ScenarioBuilder } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { isolatedNpmEnv } from '../../support/npm-env';

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
    publicCorpus.osv({
      id: 'GHSA-test-0001',
      modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, versions: ['1.3.0'] }],
    });
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
      env: isolatedNpmEnv(dir, { ACME_TOKEN: 'npm_secretTOKEN123' }),
      advisories: { npm: true, osv: true, osvUrl: pub.url.replace(/\/$/, '') },
      now: new Date('2024-06-01T00:00:00Z'),
    });
    assert.deepEqual(r.errors, []);
    // The public side saw left-pad and OSV traffic, and nothing of @acme.
    const publicTraffic = pub.requests.map((q) => `${q.method} ${q.url} ${q.body} ${JSON.stringify(q.headers)}`).join('\n');
    assert.match(publicTraffic, /left-pad/);
    assert.ok(
      pub.requests.some((q) => q.url === '/v1/querybatch'),
      'OSV was asked',
    );
    assert.doesNotMatch(publicTraffic, /acme|secret-sauce|billing-core/i);
    assert.doesNotMatch(publicTraffic, /npm_secretTOKEN123/, 'the company token never goes to the public registry');
    // The company registry got its packuments and its own advisory request, with the token.
    const packumentGets = company.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/@acme') && !q.url.includes('/-/'));
    assert.equal(packumentGets.length, 2);
    assert.ok(
      packumentGets.every((q) => q.headers.authorization === 'Bearer npm_secretTOKEN123'),
      JSON.stringify(company.requests.map((q) => [q.url, q.headers.authorization])),
    );
    const bulk = company.requests.find((q) => q.url.includes('/advisories/bulk'))!;
    assert.deepEqual(Object.keys(JSON.parse(bulk.body)).sort(), ['@acme/billing-core', '@acme/secret-sauce']);
    assert.equal(bulk.headers.authorization, 'Bearer npm_secretTOKEN123');
    // The OSV advisory for the public package was found.
    assert.ok(r.findings.some((f) => f.package === 'left-pad' && f.advisory?.id === 'GHSA-test-0001'));
  });
});

/**
 * Restricted Mode (an untrusted folder): the repository's .npmrc is ignored, so its registries and tokens are not
 * used. It is read for one thing only: which names it routes to a registry of its own. Those names are asked of
 * nobody (the default registry would learn them), and they are one "not checked in Restricted Mode" gap, not an
 * error per package. Two recording loopback registries: the configured ("public") one, which also serves OSV, and
 * the repository's company registry.
 */
describe('privacy: Restricted Mode sends the names the ignored .npmrc routes elsewhere nowhere', function () {
  this.timeout(60_000);
  let pub: FixtureRegistry;
  let company: FixtureRegistry;
  const ACME = /acme|secret-sauce|billing-core|internal-tool/i;
  const deps = { 'left-pad': '^1.3.0', '@acme/secret-sauce': '^2.0.0', '@acme/billing-core': '^1.0.0' };

  before(async () => {
    const publicCorpus = new ScenarioBuilder({ registryKey: null });
    publicCorpus.package('left-pad').version('1.3.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    const privateCorpus = new ScenarioBuilder({ registryKey: null });
    privateCorpus.package('@acme/secret-sauce').version('2.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'acme-ci' } });
    privateCorpus.package('@acme/billing-core').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'acme-ci' } });
    privateCorpus.package('internal-tool').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'acme-ci' } });
    pub = await startFixtureRegistry(await publicCorpus.build());
    company = await startFixtureRegistry(await privateCorpus.build());
  });
  after(async () => {
    await pub?.close();
    await company?.close();
  });
  beforeEach(() => {
    pub.resetRequests();
    company.resetRequests();
  });

  const entry = (reg: string, name: string, v: string) => ({ version: v, resolved: `${reg}${name}/-/${name.split('/').pop()}-${v}.tgz` });
  /** A project with `npmrc` as its .npmrc, `dependencies` and (unless null) a lockfile of `entries`. */
  const project = (npmrc: string | undefined, dependencies: Record<string, string>, entries: Record<string, { version: string; resolved: string }> | null) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-restricted-'));
    if (npmrc !== undefined) fs.writeFileSync(path.join(dir, '.npmrc'), npmrc);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies }, null, 2));
    if (entries) {
      const packages = { '': { dependencies }, ...Object.fromEntries(Object.entries(entries).map(([n, e]) => [`node_modules/${n}`, e])) };
      fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }, null, 2));
    }
    return dir;
  };
  const lockOf = () => ({
    'left-pad': entry(pub.url, 'left-pad', '1.3.0'),
    '@acme/secret-sauce': entry(company.url, '@acme/secret-sauce', '2.0.0'),
    '@acme/billing-core': entry(company.url, '@acme/billing-core', '1.0.0'),
  });
  /** Restricted Mode, every advisory source on (npm bulk and OSV, both on the "public" side). */
  const restricted = (dir: string, extra: Partial<Parameters<typeof runCheck>[0]> = {}) =>
    runCheck({
      projectDir: dir,
      registry: pub.url,
      ignoreProjectNpmrc: true,
      env: isolatedNpmEnv(dir, { ACME_TOKEN: 'npm_secretTOKEN123', ACME_HOST: new URL(company.url).host }),
      advisories: { npm: true, osv: true, osvUrl: pub.url.replace(/\/$/, '') },
      now: new Date('2024-06-01T00:00:00Z'),
      ...extra,
    });
  const traffic = (r: FixtureRegistry) => r.requests.map((q) => `${q.method} ${q.url} ${q.body} ${JSON.stringify(q.headers)}`).join('\n');

  it('a scope the .npmrc maps to its registry: no request names it anywhere, one gap says "not checked in Restricted Mode"', async () => {
    const dir = project(`@acme:registry=${company.url}\n//${new URL(company.url).host}/:_authToken=\${ACME_TOKEN}\n`, deps, lockOf());
    const r = await restricted(dir);
    assert.match(traffic(pub), /left-pad/, 'the public package was checked');
    assert.ok(
      pub.requests.some((q) => q.url === '/v1/querybatch'),
      'OSV was asked (about left-pad)',
    );
    assert.doesNotMatch(traffic(pub), ACME, 'no @acme name reached the configured registry or OSV');
    assert.equal(company.requests.length, 0, "the repository's registry was not used either");
    assert.ok(
      pub.requests.every((q) => q.headers.authorization === undefined),
      'no token from the repository',
    );
    // One project-wide gap naming the scope and the host, not an error per package.
    const incomplete = r.findings.filter((f) => f.code === 'check-incomplete');
    assert.equal(incomplete.length, 1, JSON.stringify(incomplete.map((f) => f.message)));
    assert.equal(incomplete[0].package, '*');
    assert.equal(
      incomplete[0].message,
      `2 packages not checked in Restricted Mode — trust the folder to check them: the workspace .npmrc (ignored until then) routes @acme/* to ${new URL(company.url).host}, and TrustLens sends their names nowhere else`,
    );
    assert.equal(incomplete[0].file, 'package.json', 'at the top of package.json');
    assert.equal(incomplete[0].line, 1);
    assert.deepEqual(
      r.notChecked.map((u) => [u.package, u.status, u.gaps.map((g) => g.signal)]),
      [['*', 'not-judged', ['restricted-mode']]],
    );
    // Nothing is said about the withheld packages themselves: no "not a configured registry", no card that looks clean.
    assert.ok(!r.findings.some((f) => f.code === 'untrusted-source'), JSON.stringify(r.findings.map((f) => f.message)));
    assert.ok(!r.findings.some((f) => f.package !== '*' && ACME.test(f.package)));
    assert.deepEqual(
      r.cards.map((c) => c.name),
      ['left-pad'],
    );
    assert.deepEqual(r.errors, []);
  });

  it('registry= a private registry: every unscoped name is withheld, scoped public ones are not', async () => {
    const dir = project(
      `registry=${company.url}\n`,
      { 'internal-tool': '^1.0.0', 'left-pad': '^1.3.0' },
      { 'internal-tool': entry(company.url, 'internal-tool', '1.0.0'), 'left-pad': entry(company.url, 'left-pad', '1.3.0') },
    );
    const r = await restricted(dir);
    assert.equal(pub.requests.length, 0, `nothing was asked: ${traffic(pub)}`);
    assert.equal(company.requests.length, 0);
    const incomplete = r.findings.filter((f) => f.code === 'check-incomplete');
    assert.equal(incomplete.length, 1);
    assert.match(
      incomplete[0].message,
      /^2 packages not checked in Restricted Mode — trust the folder to check them: the workspace \.npmrc \(ignored until then\) routes unscoped packages to 127\.0\.0\.1:\d+/,
    );
    assert.ok(!r.findings.some((f) => f.code === 'untrusted-source'));
  });

  it('a registry URL built from ${ENV}: the scope is withheld and the variable is never expanded', async () => {
    const dir = project(`@acme:registry=http://\${ACME_HOST}/\n`, deps, lockOf());
    const r = await restricted(dir);
    assert.equal(company.requests.length, 0, 'the expanded URL (ACME_HOST is set) was not used');
    assert.doesNotMatch(traffic(pub), ACME);
    const gap = r.findings.find((f) => f.code === 'check-incomplete')!;
    assert.match(gap.message, /routes @acme\/\* to .*a registry named by an environment variable/);
  });

  it('an entry resolved from a host the ignored .npmrc only has credentials for: withheld, not "untrusted-source"', async () => {
    const host = new URL(company.url).host;
    const dir = project(
      `//${host}/:_authToken=\${ACME_TOKEN}\n`,
      { 'internal-tool': '^1.0.0', 'left-pad': '^1.3.0' },
      { 'internal-tool': entry(company.url, 'internal-tool', '1.0.0'), 'left-pad': entry(pub.url, 'left-pad', '1.3.0') },
    );
    const r = await restricted(dir);
    assert.doesNotMatch(traffic(pub), /internal-tool/);
    assert.match(traffic(pub), /left-pad/);
    assert.equal(company.requests.length, 0);
    assert.ok(!r.findings.some((f) => f.code === 'untrusted-source'));
    assert.match(
      r.findings.find((f) => f.code === 'check-incomplete')!.message,
      new RegExp(`^1 package not checked in Restricted Mode .* resolves them from ${host.replace(/\./g, '\\.')}`),
    );
  });

  it('what the .npmrc sends to the public registry, and a repository without one, are checked as before', async () => {
    // A scope mapped to the public registry is no private route.
    const open = project(`@acme:registry=https://registry.npmjs.org/\n`, { 'left-pad': '^1.3.0' }, { 'left-pad': entry(pub.url, 'left-pad', '1.3.0') });
    const r1 = await restricted(open);
    assert.ok(!r1.findings.some((f) => f.code === 'check-incomplete'), JSON.stringify(r1.findings.map((f) => f.message)));
    // Without an .npmrc, a lockfile entry from a foreign host is what it always was: untrusted-source.
    const hostile = project(undefined, deps, lockOf());
    const r2 = await restricted(hostile);
    assert.ok(r2.findings.some((f) => f.code === 'untrusted-source' && f.package === '@acme/secret-sauce'));
    assert.ok(!r2.findings.some((f) => f.code === 'check-incomplete' && /Restricted Mode/.test(f.message)));
  });

  it('without a lockfile, the ranges of withheld names are not resolved anywhere either', async () => {
    const dir = project(`@acme:registry=${company.url}\n`, deps, null);
    const r = await restricted(dir, { cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-restricted-cache-')) });
    assert.match(traffic(pub), /left-pad/, 'left-pad was resolved and checked');
    assert.doesNotMatch(traffic(pub), ACME);
    assert.equal(company.requests.length, 0);
    assert.ok(r.findings.some((f) => f.code === 'check-incomplete' && /^2 packages not checked in Restricted Mode/.test(f.message)));
  });

  it('an edited package.json (lockfile out of date) resolves no withheld name, and they stay in the one gap', async () => {
    const dir = project(`@acme:registry=${company.url}\n`, deps, lockOf());
    // The buffer, unsaved: a withheld range moved past its locked version, a withheld name added, a public one too.
    const edited = { ...deps, '@acme/secret-sauce': '^3.0.0', '@acme/new-thing': '^1.0.0', 'left-pad': '1.3.0' };
    const overlay = new Map([['package.json', JSON.stringify({ name: 'app', dependencies: edited }, null, 2)]]);
    const r = await restricted(dir, { overlay, cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-restricted-cache-')) });
    assert.doesNotMatch(traffic(pub), ACME);
    assert.doesNotMatch(traffic(pub), /new-thing/);
    assert.equal(company.requests.length, 0);
    const incomplete = r.findings.filter((f) => f.code === 'check-incomplete');
    assert.deepEqual(
      incomplete.map((f) => f.message.replace(/ — .*/, '')),
      ['3 packages not checked in Restricted Mode'],
      'one gap for secret-sauce, billing-core and new-thing; none "lockfile out of date" for a name sent nowhere',
    );
    assert.deepEqual(
      r.cards.map((c) => c.name),
      ['left-pad'],
    );
  });

  it('the trust report of a withheld package is refused, with no request', async () => {
    const dir = project(`@acme:registry=${company.url}\n`, deps, lockOf());
    const check = { projectDir: dir, registry: pub.url, ignoreProjectNpmrc: true, env: isolatedNpmEnv(dir), advisories: { npm: true, osv: false } };
    await assert.rejects(packageTimeline({ check, name: '@acme/secret-sauce', locked: ['2.0.0'] }), /not checked in Restricted Mode/);
    await assert.rejects(
      packageTimeline({
        check: { ...check, projectDir: project(`//${new URL(company.url).host}/:_authToken=x\n`, deps, lockOf()) },
        name: 'internal-tool',
        locked: ['1.0.0'],
        resolved: [entry(company.url, 'internal-tool', '1.0.0').resolved],
      }),
      /not checked in Restricted Mode/,
    );
    assert.equal(pub.requests.length + company.requests.length, 0);
  });
});
