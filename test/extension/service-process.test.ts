/**
 * The extension's supervision of the background service (src/extension/service-process.ts, what ServiceClient
 * wraps), against the real service process (dist/service.js, as the extension ships it): killed with SIGKILL in
 * the middle of a scan, it comes back as one new process and the scan runs again; repeated crashes end in
 * 'failed' until reset(); a process that cannot even start is a crash too, never a request left hanging.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { EvaluateRequest, type EvaluateResult, SERVICE_EXEC_ARGV, type ServiceSettings } from '../../src/protocol/service';
import { ServiceProcess, type ServiceProcessOptions, type ServiceState, ServiceUnavailableError } from '../../src/extension/service-process';
import { ScenarioBuilder } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type Gate, startGate } from '../support/gate';
import { isolatedNpmEnv } from '../support/npm-env';
import { until } from '../support/wait';

const SERVICE = path.resolve(__dirname, '../../../dist/service.js');
const alice = { name: 'alice', email: 'alice@example.com' };
const mallory = { name: 'mallory', email: 'mallory@evil.example' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('service process supervision (the real dist/service.js, killed with SIGKILL)', function () {
  this.timeout(120_000);
  let registry: FixtureRegistry;
  let gate: Gate;
  let project: string;
  let cacheDir: string;
  let settings: ServiceSettings;
  const versions = new Map<string, string>();
  const supervisors: ServiceProcess[] = [];

  const writeProject = (locked: Record<string, string>) => {
    const dependencies = Object.fromEntries(Object.entries(locked).map(([n, v]) => [n, `^${v}`]));
    const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies } };
    for (const [name, version] of Object.entries(locked)) {
      packages[`node_modules/${name}`] = { version, resolved: `${gate.url}${name}/-/${name}-${version}.tgz`, integrity: versions.get(`${name}@${version}`) };
    }
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2));
    fs.writeFileSync(
      path.join(project, 'package-lock.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
    );
  };

  /** A supervisor of the real service with its log lines collected; disposed after each test. */
  const supervise = (options: Partial<ServiceProcessOptions> = {}) => {
    const lines: string[] = [];
    const line = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
    const sp = new ServiceProcess({
      module: SERVICE,
      args: [JSON.stringify({ cacheDir })],
      env: isolatedNpmEnv(project),
      // As the extension starts it (ServiceClient).
      execArgv: SERVICE_EXEC_ARGV,
      log: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
      ...options,
    });
    supervisors.push(sp);
    const states: ServiceState[] = [];
    sp.onState((s) => void states.push(s));
    return { sp, lines, states };
  };
  const evaluate = (c: MessageConnection) => c.sendRequest(EvaluateRequest, { root: project, overlay: [], settings });
  const started = (lines: string[]) => lines.filter((l) => /^info service (re)?started \(pid \d+\)/.test(l)).map((l) => Number(/pid (\d+)/.exec(l)![1]));

  before(async function () {
    if (!fs.existsSync(SERVICE)) throw new Error(`${SERVICE} is missing: run npm run build first (npm test does)`);
    const b = new ScenarioBuilder({ registryKey: null });
    b.package('hijacked')
      .version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice })
      .version('1.0.1', { publishedAt: '2024-03-01T00:00:00Z', publisher: mallory });
    b.package('late-lib')
      .version('2.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice })
      .version('2.0.1', { publishedAt: '2024-03-01T00:00:00Z', publisher: mallory });
    const corpus = await b.build();
    for (const [name, doc] of corpus.packuments) for (const [v, d] of Object.entries(doc.versions)) versions.set(`${name}@${v}`, d.dist.integrity!);
    registry = await startFixtureRegistry(corpus);
    gate = await startGate(registry.url);
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-crash-'));
    settings = { online: true, advisories: { npm: false, osv: false }, registry: gate.url, restricted: false, now: '2024-06-01T00:00:00Z' };
  });

  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-crash-cache-'));
    writeProject({ hijacked: '1.0.1' });
  });

  afterEach(() => {
    gate.release();
    for (const sp of supervisors.splice(0)) sp.dispose();
  });

  after(async () => {
    await gate?.close();
    await registry?.close();
  });

  it('killed mid-scan: the scan fails at once, one new process starts, and the scan runs again on it', async () => {
    const { sp, lines, states } = supervise();
    // What the extension does (runtime.ts): scan again when the service is back. It asks for the connection from
    // inside the state event; that used to fork another process, whose start asked again, without end.
    let resumed: Promise<EvaluateResult> | undefined;
    let duringRestart: Promise<MessageConnection> | undefined;
    sp.onState((s) => {
      if (s === 'restarting') duringRestart = sp.get();
      if (s !== 'running' || !states.includes('restarting')) return;
      if (started(lines).length > 2) throw new Error('more than one new process'); // ends the regression's loop at once
      resumed = sp.get().then(evaluate);
    });

    const before = await evaluate(await sp.get());
    assert.ok(before.findings.some((f) => f.package === 'hijacked' && f.code === 'publisher-changed'));
    const pid = sp.pid!;

    // A dependency is added; the registry holds its history back, so the scan stays in the middle.
    gate.hold(/^\/late-lib$/);
    writeProject({ hijacked: '1.0.1', 'late-lib': '2.0.1' });
    const interrupted = evaluate(await sp.get());
    await until("gate.arrivals.includes('/late-lib')", () => gate.arrivals.includes('/late-lib'));
    process.kill(pid, 'SIGKILL');
    await assert.rejects(interrupted, /disposed/, 'the interrupted request fails as soon as the process is gone');

    // A request made while it restarts waits for the new process; the resumed scan asks for late-lib again.
    await until('resumed !== undefined', () => resumed !== undefined);
    const connection = await duringRestart!;
    assert.equal(connection, await sp.get(), 'the request made during the restart got the new connection');
    await until("gate.arrivals.filter((u) => u === '/late-lib').length === 2", () => gate.arrivals.filter((u) => u === '/late-lib').length === 2);
    assert.deepEqual(states, ['starting', 'running', 'restarting', 'running']);
    const pids = started(lines);
    assert.equal(pids.length, 2, `one new process, not more: ${lines.join('\n')}`);
    assert.equal(pids[1], sp.pid);
    assert.notEqual(sp.pid, pid);
    assert.ok(lines.some((l) => /^error service exited \(code null, signal SIGKILL\); crash 1 of 5/.test(l)));

    gate.release();
    const after = await resumed!;
    assert.ok(
      after.findings.some((f) => f.package === 'late-lib' && f.code === 'publisher-changed'),
      'the resumed scan completes, late-lib included',
    );
    assert.ok(after.findings.some((f) => f.package === 'hijacked'));
    assert.equal(started(lines).length, 2);
  });

  it('gives up after repeated crashes, says so to callers, and starts again after reset()', async () => {
    const { sp, lines, states } = supervise({ maxCrashes: 2, backoffMs: () => 0 });
    await evaluate(await sp.get());
    process.kill(sp.pid!, 'SIGKILL');
    await until("states.at(-1) === 'running' && states.includes('restarting')", () => states.at(-1) === 'running' && states.includes('restarting'));
    await evaluate(await sp.get());
    process.kill(sp.pid!, 'SIGKILL');
    await until("sp.state === 'failed'", () => sp.state === 'failed');
    await assert.rejects(sp.get(), ServiceUnavailableError);
    assert.equal(sp.pid, undefined);
    assert.ok(lines.some((l) => /crash 2 of 2/.test(l)));

    sp.reset();
    assert.equal(sp.state, 'stopped');
    const r = await evaluate(await sp.get());
    assert.ok(r.findings.some((f) => f.package === 'hijacked'));
    assert.deepEqual(states, ['starting', 'running', 'restarting', 'running', 'failed', 'stopped', 'starting', 'running']);
  });

  it('a process that cannot start is a crash: the request fails, it is retried, then given up', async () => {
    const { sp, lines, states } = supervise({ execPath: path.join(project, 'no-such-node'), maxCrashes: 2, backoffMs: () => 0 });
    await assert.rejects(sp.get().then(evaluate));
    await until("sp.state === 'failed'", () => sp.state === 'failed');
    assert.deepEqual(states, ['starting', 'running', 'restarting', 'running', 'failed']);
    assert.equal(lines.filter((l) => /could not be started: spawn .*no-such-node ENOENT/.test(l)).length, 2);
  });

  it('dispose() ends the process; later requests, and those waiting for a restart, are refused', async () => {
    const { sp, states } = supervise({ backoffMs: () => 60_000 });
    await evaluate(await sp.get());
    process.kill(sp.pid!, 'SIGKILL');
    await until("sp.state === 'restarting'", () => sp.state === 'restarting');
    const waiting = sp.get();
    sp.dispose();
    await assert.rejects(waiting, ServiceUnavailableError);
    await assert.rejects(sp.get(), ServiceUnavailableError);
    assert.deepEqual(states, ['starting', 'running', 'restarting']);

    const second = supervise().sp;
    await evaluate(await second.get());
    const pid = second.pid!;
    second.dispose();
    await until('!alive(pid)', () => !alive(pid));
    await assert.rejects(second.get(), ServiceUnavailableError);
  });

  it('restart() ends the running process and starts a new one at once: no crash, and the next scan runs on it', async () => {
    const { sp, lines, states } = supervise();
    await evaluate(await sp.get());
    const pid = sp.pid!;
    // A scan in the middle (the registry holds late-lib): the restart ends it with the old process.
    gate.hold(/^\/late-lib$/);
    writeProject({ hijacked: '1.0.1', 'late-lib': '2.0.1' });
    const interrupted = evaluate(await sp.get());
    await until("gate.arrivals.includes('/late-lib')", () => gate.arrivals.includes('/late-lib'));
    const connection = await sp.restart();
    await assert.rejects(interrupted, /disposed/);
    assert.notEqual(sp.pid, pid, 'a new process');
    assert.equal(connection, await sp.get());
    await until('!alive(pid)', () => !alive(pid));
    gate.release();
    const r = await evaluate(connection);
    assert.ok(r.findings.some((f) => f.package === 'late-lib'));
    assert.deepEqual(states, ['starting', 'running', 'stopped', 'starting', 'running'], 'never "restarting": this was asked for, not a crash');
    assert.ok(!lines.some((l) => /crash/.test(l)), lines.join('\n'));
    assert.deepEqual(started(lines), [pid, sp.pid]);
  });

  it('restart() after "failed" starts again; during a backoff it starts now and serves those waiting', async () => {
    const { sp, states } = supervise({ maxCrashes: 1, backoffMs: () => 0 });
    await evaluate(await sp.get());
    process.kill(sp.pid!, 'SIGKILL');
    await until("sp.state === 'failed'", () => sp.state === 'failed');
    await evaluate(await sp.restart());
    assert.deepEqual(states, ['starting', 'running', 'failed', 'stopped', 'starting', 'running']);

    const slow = supervise({ backoffMs: () => 600_000 }).sp; // a backoff no test would wait out
    await evaluate(await slow.get());
    process.kill(slow.pid!, 'SIGKILL');
    await until("slow.state === 'restarting'", () => slow.state === 'restarting');
    const waiting = slow.get();
    const now = await slow.restart();
    assert.equal(await waiting, now, 'the request waiting for the restart got the process started now');
    await evaluate(now);
  });
});
