import { strict as assert } from 'node:assert';
import { type ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type MessageConnection, ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import { IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import {
  ClearCacheRequest,
  EvaluateRequest,
  LogNotification,
  ModelRequest,
  PartialEvaluateProgress,
  ProgressNotification,
  ReportRequest,
  type EvaluateResult,
  type ServiceSettings,
} from '../../src/protocol/service';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { applyCards } from '../../src/protocol/cards-delta';
import { startGate } from '../support/gate';
import { withinHangGuard } from '../support/wait';
import { NOW, type Scenario, buildScenario, writeProject } from '../support/check-scenarios';
import { isolatedNpmEnv } from '../support/npm-env';

/** The real service process (the compiled server module), driven over IPC exactly as the extension does. */
describe('background trust service (separate process, JSON-RPC over IPC)', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;
  let settings: ServiceSettings;
  let child: ChildProcess;
  let connection: MessageConnection;
  const logs: string[] = [];
  const progress: number[] = [];

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
    const root = path.join(project, 'root.json');
    fs.writeFileSync(root, JSON.stringify(scenario.sigstore.trustedRootJSON));
    settings = { online: true, advisories: { npm: true, osv: false }, registry: registry.url, restricted: false, trustedRoot: root, now: NOW };
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-service-cache-'));
    child = fork(path.join(__dirname, '../../src/service/server.js'), [JSON.stringify({ cacheDir })], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: isolatedNpmEnv(project),
    });
    connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.onNotification(LogNotification, (p) => logs.push(p.message));
    connection.onNotification(ProgressNotification, (p) => progress.push(p.done));
    connection.listen();
  });
  after(async () => {
    connection?.dispose();
    child?.kill();
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('evaluates a project: findings, hover cards with source spans, package manager, stats', async () => {
    const r = await connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings });
    assert.equal(r.packageManager, 'npm');
    assert.ok(r.findings.some((f) => f.code === 'provenance-downgrade' && f.safeVersion === '2.0.1'));
    const card = r.cards.find((c) => c.name === 'good-lib')!;
    assert.equal(card.provenance?.status, 'verified');
    assert.equal(card.provenance?.provenance?.sourceRepository, 'https://github.com/o/good-lib');
    assert.deepEqual(card.locations.map((l) => l.file).sort(), ['package-lock.json', 'package.json']);
    assert.ok(progress.length > 0, 'progress notifications arrive');
    assert.ok(
      logs.some((l) => /packages, \d+ findings, \d+ requests/.test(l)),
      'timings and request counts are logged',
    );
  });

  it('evaluates unsaved buffers: the overlay replaces the file on disk', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    pkg.dependencies = { 'good-lib': '^1.0.0' };
    const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
    lock.packages = { '': { dependencies: pkg.dependencies }, 'node_modules/good-lib': lock.packages['node_modules/good-lib'] };
    const r = await connection.sendRequest(EvaluateRequest, {
      root: project,
      overlay: [
        { path: 'package.json', text: JSON.stringify(pkg) },
        { path: 'package-lock.json', text: JSON.stringify(lock) },
      ],
      settings,
    });
    assert.deepEqual(
      r.cards.map((c) => c.name),
      ['good-lib'],
    );
    assert.deepEqual(r.findings, []);
  });

  it('a later evaluation sends only the hover cards that changed since the ones the extension holds', async () => {
    const full = await connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings });
    assert.ok(full.cards.length >= 10 && full.cardsDelta === undefined);
    const again = await connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings, cardsBase: full.cardsTag });
    assert.deepEqual(again.cards, []);
    assert.deepEqual(again.cardsDelta, { base: full.cardsTag, changed: [], removed: [] });
    const stale = await connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings, cardsBase: full.cardsTag });
    assert.equal(stale.cardsDelta, undefined, 'the tag the extension sent is not the last one sent: everything again');
    assert.equal(stale.cards.length, full.cards.length);
  });

  it('sends an early result, pending analyses at info, before the result; the cards add up to a full evaluation', async () => {
    // A version whose tarballs this service has not analysed yet.
    const edited = writeProject(scenario, registry.url, { ...scenario.locked, scripted: '1.0.2' });
    const early: EvaluateResult[] = [];
    let afterResponse = 0;
    let response = false;
    const listening = connection.onProgress(PartialEvaluateProgress, 'early-1', (p) => {
      if (response) afterResponse++;
      early.push(p);
    });
    const r = await connection.sendRequest(EvaluateRequest, { root: edited, overlay: [], settings, partialResultToken: 'early-1' });
    response = true;
    listening.dispose();
    assert.equal(afterResponse, 0, 'the early result comes before the result');
    assert.equal(early.length, 1);
    const [e] = early;
    assert.equal(e.partial, true);
    assert.deepEqual(
      e.notChecked.filter((u) => u.pending).map((u) => `${u.package}@${u.version}`),
      ['scripted@1.0.2'],
    );
    const pending = e.findings.find((f) => f.code === 'check-incomplete' && f.package === 'scripted');
    assert.equal(pending?.severity, 'info');
    assert.equal(r.partial, undefined);
    assert.ok(!r.notChecked.some((u) => u.pending));
    // The extension keeps the early cards, then applies the result's delta to them: the same as asking afresh.
    const held = { tag: e.cardsTag, cards: applyCards(undefined, e)! };
    assert.equal(r.cardsDelta?.base, e.cardsTag, "the result's cards are a delta from the early result's");
    const cards = applyCards(held, r)!;
    const fresh = await connection.sendRequest(EvaluateRequest, { root: edited, overlay: [], settings });
    const byKey = (list: typeof cards) => JSON.stringify([...list].sort((a, b) => `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`)));
    assert.equal(byKey(cards), byKey(fresh.cards));
    assert.ok(cards.find((c) => c.name === 'scripted')!.changes, 'the analysed card replaced the pending one');
  });

  it('a newer request for the same folder supersedes the older one, which is cancelled', async () => {
    // The first asks a registry behind a gate that holds every request: it cannot finish before the second arrives.
    const gate = await startGate(registry.url);
    try {
      gate.hold(/./);
      const first = connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings: { ...settings, registry: gate.url } });
      await withinHangGuard('the first evaluation to ask the registry', gate.arrived(/./)); // it is running: waiting on the registry
      const second = connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings });
      // Both end while the gate still holds the first one's requests: it is cancelled, not waited for.
      const [a, b] = await withinHangGuard("both evaluations to end while the gate holds the first one's requests", Promise.allSettled([first, second]));
      assert.equal(a.status, 'rejected');
      const reason = (a as PromiseRejectedResult).reason as ResponseError<{ code?: string }>;
      assert.ok(reason instanceof ResponseError, String(reason));
      assert.equal(reason.data?.code, 'cancelled', reason.message);
      assert.equal(b.status, 'fulfilled', String((b as PromiseRejectedResult).reason));
    } finally {
      gate.release();
      await gate.close();
    }
  });

  it('serves the trust report timeline of a package, with the break visible', async () => {
    await connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings });
    registry.resetRequests();
    const r = await connection.sendRequest(ReportRequest, { root: project, name: 'downgrade', settings });
    // The evaluation's session already holds the package's history: only its advisories are asked.
    assert.deepEqual(
      registry.requests.map((q) => q.url),
      ['/-/npm/v1/security/advisories/bulk'],
    );
    assert.deepEqual(
      r.timeline.releases.map((x) => [x.version, x.evidence, x.locked]),
      [
        ['2.0.0', 'trusted publisher with provenance', false],
        ['2.0.1', 'trusted publisher with provenance', false],
        ['2.0.2', 'no provenance', true],
      ],
    );
    assert.deepEqual(r.timeline.releases[2].changes, ['new publisher alice', 'no provenance after trusted publisher with provenance']);
    assert.ok(r.findings.some((f) => f.code === 'provenance-downgrade'));
  });

  it('says what it could not judge: notChecked, and a check-incomplete finding (info with allowIncomplete)', async () => {
    // A registry of its own: the session remembers what the first one answered.
    const flaky = await startFixtureRegistry(scenario.corpus, { faults: [{ match: /^\/scripted$/, action: { status: 500 } }] });
    try {
      const dir = writeProject(scenario, flaky.url, { 'good-lib': '1.2.0', scripted: '1.0.1' });
      const r = await connection.sendRequest(EvaluateRequest, { root: dir, overlay: [], settings: { ...settings, registry: flaky.url } });
      assert.equal(r.resolution, 'locked');
      assert.deepEqual(
        r.notChecked.map((u) => [u.package, u.version, u.status]),
        [['scripted', '1.0.1', 'not-judged']],
      );
      const f = r.findings.find((x) => x.code === 'check-incomplete')!;
      assert.equal(f.severity, 'high');
      assert.equal(f.locations[0].kind, 'lockfile');
      const relaxed = await connection.sendRequest(EvaluateRequest, {
        root: dir,
        overlay: [],
        settings: { ...settings, registry: flaky.url, allowIncomplete: true },
      });
      assert.equal(relaxed.findings.find((x) => x.code === 'check-incomplete')!.severity, 'info');
      // Parse problems travel with the result (the editor shows them where they are).
      const broken = await connection.sendRequest(EvaluateRequest, {
        root: dir,
        overlay: [{ path: 'package-lock.json', text: '{"lockfileVersion": 3, "packages": {"": {}, "node_modules/x": {"version": "1.0.0",' }],
        settings: { ...settings, registry: flaky.url },
      });
      assert.ok(broken.problems.some((p) => p.file === 'package-lock.json' && p.severity === 'error'));
    } finally {
      await flaky.close();
    }
  });

  it('trustlens.cacheTtlMinutes: 0 asks the registry again on every evaluation (revalidation); the default does not', async () => {
    const own = await startFixtureRegistry(scenario.corpus);
    try {
      const dir = writeProject(scenario, own.url, { 'good-lib': '1.2.0' });
      const packuments = () => own.requests.filter((q) => q.url === '/good-lib').length;
      const at = (extra: Partial<ServiceSettings>) =>
        connection.sendRequest(EvaluateRequest, { root: dir, overlay: [], settings: { ...settings, registry: own.url, ...extra } });
      await at({});
      await at({});
      assert.equal(packuments(), 1, 'within the default lifetime, the session keeps the history');
      await at({ cacheTtlMinutes: 0 });
      await at({ cacheTtlMinutes: 0 });
      assert.equal(packuments(), 3, 'with a lifetime of 0, each evaluation revalidates');
      assert.ok(
        own.requests
          .filter((q) => q.url === '/good-lib')
          .slice(1)
          .every((q) => q.headers['if-none-match']),
        'conditionally',
      );
    } finally {
      await own.close();
    }
  });

  it('problems of the policy file travel with the result; what it does not set comes from the settings', async () => {
    const dir = writeProject(scenario, registry.url, { 'good-lib': '1.2.0', hijacked: '1.1.1' });
    const policy = '{\n  "severity": { "publisher-changed": "critical", "no-such-code": "low" }\n}\n';
    const r = await connection.sendRequest(EvaluateRequest, {
      root: dir,
      overlay: [{ path: '.trustlens.jsonc', text: policy }],
      settings: { ...settings, threshold: 'medium', severity: { 'maintainer-added': 'high' } },
    });
    assert.deepEqual(
      r.problems.map((p) => [p.file, p.range.start.line, p.message]),
      [['.trustlens.jsonc', 1, 'unknown finding code "no-such-code"']],
    );
    assert.equal(r.findings.find((f) => f.code === 'publisher-changed')?.severity, 'critical', 'the file');
    assert.equal(r.findings.find((f) => f.code === 'maintainer-added')?.severity, 'high', 'the setting, where the file says nothing');
  });

  it('"Show Dependency Model": the parsed model of a folder, unsaved buffers included, as trustlens list reads it', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    const r = await connection.sendRequest(ModelRequest, {
      root: project,
      overlay: [{ path: 'package.json', text: JSON.stringify({ ...pkg, name: 'renamed' }) }],
    });
    assert.deepEqual(r.lockfile, { file: 'package-lock.json', kind: 'npm', version: '3' });
    assert.deepEqual(r.packages.map((p) => p.name).sort(), Object.keys(scenario.locked).sort());
    assert.ok(r.packages.every((p) => p.direct && p.file === 'package-lock.json'));
    assert.deepEqual(r.problems, []);
  });

  it('logs no credentials: a trustlens.registry with a password appears without it', async () => {
    const withPassword = registry.url.replace('http://', 'http://tl-user:s3cret-pw@');
    const before = logs.length;
    await connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings: { ...settings, registry: withPassword } });
    const lines = logs.slice(before);
    assert.ok(
      lines.some((l) => l.includes(`registry ${registry.url}`)),
      JSON.stringify(lines.slice(0, 3)),
    );
    for (const l of lines) assert.ok(!l.includes('s3cret-pw') && !l.includes('tl-user'), l);
  });

  it('clears its cache on request', async () => {
    await connection.sendRequest(ClearCacheRequest);
    assert.ok(logs.includes('cache cleared'));
  });
});
