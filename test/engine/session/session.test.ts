import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocatedFinding } from '../../../src/core/report/locate';
import { type CheckOptions, type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import type { PackageSummary } from '../../../src/core/trust/types';
import { DiskCache } from '../../../src/engine/infra/disk-cache';
import { CheckSession } from '../../../src/engine/session/session';
import { customTrustContext } from '../../../src/engine/sigstore/trust-root';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { startGate } from '../../support/gate';
import { withinHangGuard } from '../../support/wait';
import { NOW, type Scenario, buildScenario, writeProject, scenarioCheck } from '../../support/check-scenarios';
import { isolatedNpmEnv } from '../../support/npm-env';

/** What a user sees of a finding: enough to tell two reports apart. */
const seen = (r: CheckReport) =>
  r.findings.map((f: LocatedFinding) => `${f.package}@${f.version} ${f.code} ${f.severity} → ${f.safeVersion} ${f.file}:${f.line}`).sort();

/**
 * The service keeps a CheckSession between evaluations: a later check reuses summaries, keys, verdicts, advisories
 * and evaluations, and asks the registry only for what an edit really changed. Against the real loopback registry.
 */
describe('check session (what the service remembers between evaluations)', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let trust: ReturnType<typeof customTrustContext>;

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    trust = customTrustContext(scenario.sigstore.trustedRootJSON);
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  const run = (project: string, extra: Partial<CheckOptions> = {}) =>
    runCheck({
      projectDir: project,
      registry: registry.url,
      now: new Date(NOW),
      trust,
      env: isolatedNpmEnv(project),
      advisories: { npm: true, osv: false },
      ...extra,
    });

  it('a second check asks the registry nothing and reports exactly what a fresh check reports', async () => {
    const project = writeProject(scenario, registry.url);
    const session = new CheckSession();
    const fresh = await run(project);
    const first = await run(project, { session });
    registry.resetRequests();
    const second = await run(project, { session });
    assert.equal(registry.requests.length, 0, registry.requests.map((r) => `${r.method} ${r.url}`).join('\n'));
    assert.equal(second.stats.requests, 0);
    assert.deepEqual(seen(first), seen(fresh));
    assert.deepEqual(seen(second), seen(fresh));
    assert.ok(seen(fresh).length >= 10, 'the scenario has findings to compare');
  });

  it('after an edit that moves one dependency, only its tarballs are fetched (its advisories were asked with the candidates)', async () => {
    const project = writeProject(scenario, registry.url);
    const session = new CheckSession();
    await run(project, { session });
    const moved = writeProject(scenario, registry.url, { ...scenario.locked, vulnerable: '1.0.5' });
    const overlay = new Map(['package.json', 'package-lock.json'].map((f) => [f, fs.readFileSync(path.join(moved, f), 'utf8')]));
    registry.resetRequests();
    const edited = await run(project, { session, overlay });
    // A direct dependency at a new version is compared with the release before it: those two tarballs, nothing else.
    assert.deepEqual(registry.requests.map((r) => `${r.method} ${r.url}`).sort(), [
      'GET /vulnerable/-/vulnerable-1.0.0.tgz',
      'GET /vulnerable/-/vulnerable-1.0.5.tgz',
    ]);
    assert.deepEqual(seen(edited), seen(await run(moved)));
    assert.ok(!edited.findings.some((f) => f.package === 'vulnerable'), '1.0.5 is the fixed version');
  });

  it('a name the registry does not have is asked once, not again by every check within the cache lifetime', async () => {
    const project = writeProject(scenario, registry.url, { ...scenario.locked, 'not-on-the-registry': '1.0.0' });
    const session = new CheckSession();
    const first = await run(project, { session });
    assert.ok(
      first.findings.some((f) => f.package === 'not-on-the-registry'),
      'the missing package is a finding',
    );
    registry.resetRequests();
    const second = await run(project, { session });
    assert.deepEqual(
      registry.requests.map((r) => `${r.method} ${r.url}`),
      [],
    );
    assert.deepEqual(seen(second), seen(first));
    // A session that keeps nothing (cache lifetime 0) asks again.
    const uncached = new CheckSession();
    await run(project, { session: uncached, cacheTtlMs: 0 });
    registry.resetRequests();
    await run(project, { session: uncached, cacheTtlMs: 0 });
    assert.ok(
      registry.requests.some((r) => r.url === '/not-on-the-registry'),
      registry.requests.map((r) => r.url).join(),
    );
  });

  it('a check cancelled half-way leaves the session whole: the next one gives the fresh result', async () => {
    // Half-way as a state, not a moment: a gate lets the packuments through and holds the advisory request (sent once
    // the packuments are in, before the tarballs), and the check is aborted when that request has arrived there.
    const gate = await startGate(registry.url);
    try {
      const project = writeProject(scenario, gate.url);
      const session = new CheckSession();
      const controller = new AbortController();
      const advisories = /^\/-\/npm\/v1\/security\/advisories\/bulk$/;
      gate.hold(advisories);
      const cancelled = run(project, { session, registry: gate.url, signal: controller.signal });
      await withinHangGuard('the check to ask for advisories', gate.arrived(advisories));
      controller.abort();
      await withinHangGuard(
        'the aborted check to end while its advisory request is held',
        assert.rejects(cancelled, (e: { code?: string }) => e.code === 'aborted'),
      );
      gate.release();
      const after = await run(project, { session, registry: gate.url });
      assert.deepEqual(seen(after), seen(await run(project, { registry: gate.url })));
    } finally {
      gate.release();
      await gate.close();
    }
  });

  it("a superseded check's requests go on in the session: the check that replaced it joins them", async () => {
    // The service cancels a check when an edit supersedes it, before the next one starts: had the cancelled check's
    // packument request been aborted with it, the next check would ask again. The gate holds that request, so the
    // count does not depend on which check gets there first.
    const gate = await startGate(registry.url);
    try {
      const project = writeProject(scenario, gate.url);
      const session = new CheckSession();
      const held = /^\/good-lib$/;
      gate.hold(held);
      const controller = new AbortController();
      const superseded = run(project, { session, registry: gate.url, signal: controller.signal });
      await withinHangGuard('the first check to ask for the held packument', gate.arrived(held));
      controller.abort();
      await withinHangGuard(
        'the cancelled check to end while its request is held',
        assert.rejects(superseded, (e: { code?: string }) => e.code === 'aborted'),
      );
      const next = run(project, { session, registry: gate.url });
      gate.release();
      const replaced = await next;
      assert.equal(gate.arrivals.filter((u) => held.test(u)).length, 1, gate.arrivals.join('\n'));
      assert.deepEqual(seen(replaced), seen(await run(project, { registry: gate.url })));
    } finally {
      gate.release();
      await gate.close();
    }
  });

  it('a lockfile naming a version the remembered history lacks (published since) revalidates that packument', async () => {
    const full = scenario.corpus.packuments.get('good-lib')!;
    const before = structuredClone(full);
    delete before.versions['1.2.0'];
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-session-cache-'));
    scenario.corpus.packuments.set('good-lib', before);
    try {
      const older = writeProject(scenario, registry.url, { 'good-lib': '1.1.0' });
      await run(older, { cacheDir });
    } finally {
      scenario.corpus.packuments.set('good-lib', full); // 1.2.0 is published now
    }
    // The disk cache still holds the summary without 1.2.0, within its TTL; make it an hour old.
    const cache = new DiskCache(cacheDir);
    const key = `${registry.url}good-lib`;
    const entry = (await cache.get<PackageSummary>('packument-summaries-v2', key))!;
    assert.ok(entry && !('1.2.0' in entry.value.versions));
    cache.put('packument-summaries-v2', { ...entry, value: { ...entry.value, fetchedAt: new Date(Date.now() - 3600_000).toISOString() } });
    await cache.flush();
    const newer = writeProject(scenario, registry.url, { 'good-lib': '1.2.0' });
    registry.resetRequests();
    const r = await run(newer, { cacheDir, content: 'off' });
    assert.deepEqual(
      r.findings.filter((f) => f.package === 'good-lib').map((f) => f.code),
      [],
    );
    assert.ok(
      registry.requests.some((q) => q.method === 'GET' && q.url === '/good-lib'),
      'the packument was asked again',
    );
  });

  it('a failed advisory source is asked again by the next check, not remembered as "no advisories"', async () => {
    const project = writeProject(scenario, registry.url);
    const session = new CheckSession();
    registry.faults.push({ match: /\/advisories\/bulk/, times: 1, action: { status: 400, body: 'bad request' } });
    const failed = await run(project, { session });
    assert.ok(
      failed.errors.some((e) => /advisories/.test(e.message)),
      JSON.stringify(failed.errors),
    );
    assert.ok(!failed.findings.some((f) => f.code === 'vulnerability'));
    registry.resetRequests();
    const again = await run(project, { session });
    assert.ok(registry.requests.some((r) => r.url.includes('/advisories/bulk')));
    assert.ok(again.findings.some((f) => f.package === 'vulnerable' && f.code === 'vulnerability'));
  });

  it('a registry without the bulk advisory endpoint (405) is not asked again within the lifetime, and still said', async () => {
    const project = writeProject(scenario, registry.url);
    const session = new CheckSession();
    const rule = { match: /\/advisories\/bulk/, action: { status: 405, body: '{"error":"method not allowed"}' } };
    registry.faults.push(rule);
    try {
      const bulk = () => registry.requests.filter((r) => r.url.includes('/advisories/bulk')).length;
      const unjudged = (r: CheckReport) => r.notChecked.flatMap((u) => u.gaps.filter((g) => g.signal === 'advisories').map((g) => g.reason));
      registry.resetRequests();
      const first = await run(project, { session });
      assert.equal(bulk(), 1);
      assert.match(unjudged(first).join(), /answered HTTP 405/);
      registry.resetRequests();
      const second = await run(project, { session });
      assert.equal(bulk(), 0, 'not asked again');
      assert.deepEqual(unjudged(second), unjudged(first), 'the same "not checked", every time');
      assert.ok(second.findings.some((f) => f.code === 'check-incomplete'));
      registry.resetRequests();
      await run(project, { session: new CheckSession() });
      assert.equal(bulk(), 1, 'another session asks');
    } finally {
      registry.faults.splice(registry.faults.indexOf(rule), 1);
    }
  });
});

/** `trustlens check --advisories-only`: what npm audit judges, with the requests npm audit would make at most. */
describe('advisories-only check', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  const run = (extra: Partial<CheckOptions> = {}) => runCheck({ ...scenarioCheck(scenario, registry.url, project), ...extra });

  it('reports the advisory findings of the full check, with the same safe versions, and nothing else', async () => {
    const full = await run();
    registry.resetRequests();
    const only = await run({ signals: 'advisories' });
    const asked = registry.requests.map((r) => `${r.method} ${r.url}`);
    const advisoryFindings = (r: CheckReport) => seen({ ...r, findings: r.findings.filter((f) => f.code === 'vulnerability' || f.code === 'malware') });
    assert.deepEqual(seen(only), advisoryFindings(full));
    assert.deepEqual(
      advisoryFindings(only)
        .map((l) => l.split(' ')[0])
        .sort(),
      ['malicious@4.0.1', 'vulnerable@1.0.0'],
    );
    const strict = await run({ signals: 'advisories', policy: { cooldownDays: 2, threshold: 'medium', severity: {}, allow: [] } });
    assert.equal(strict.findings.find((f) => f.package === 'vulnerable')?.safeVersion, '1.0.5', 'the fixed release, from the history fetched for the hit');
    // Advisories first, then the packuments of the two names they hit, then their candidates' advisories.
    assert.deepEqual(asked.filter((u) => u.startsWith('GET')).sort(), ['GET /malicious', 'GET /vulnerable']);
    assert.ok(asked.filter((u) => u.startsWith('POST')).length <= 2, asked.join('\n'));
    assert.ok(!asked.some((u) => /attestations|keys|\.tgz/.test(u)), asked.join('\n'));
  });

  it('without any hit asks one advisory request and nothing else', async () => {
    const clean = writeProject(scenario, registry.url, { 'good-lib': '1.2.0', native: '3.0.1' });
    registry.resetRequests();
    const r = await runCheck({
      projectDir: clean,
      registry: registry.url,
      now: new Date(NOW),
      env: isolatedNpmEnv(clean),
      advisories: { npm: true, osv: false },
      signals: 'advisories',
    });
    assert.deepEqual(r.findings, []);
    assert.deepEqual(
      registry.requests.map((x) => `${x.method} ${x.url}`),
      ['POST /-/npm/v1/security/advisories/bulk'],
    );
  });
});
