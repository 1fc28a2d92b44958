import { strict as assert } from 'node:assert';
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type MessageConnection, createMessageConnection } from 'vscode-jsonrpc/node';
import { IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { EvaluateRequest, type EvaluateResult, type ServiceSettings } from '../../src/engine/service/protocol';
import { ScenarioBuilder } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';

const RATE_PER_S = 100;
const SECONDS = 10;
const NAMES = Array.from({ length: 20 }, (_, i) => `pkg-${i}`);

function rssKb(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}

/** 100 edits a second for 10 seconds, each an evaluate of the edited buffers, as a fast typist in the editor. */
describe('load: 100 edits per second for 10 seconds against the service', function () {
  this.timeout(120_000);
  let registry: FixtureRegistry;
  let child: ChildProcess;
  let connection: MessageConnection;
  let project: string;
  let settings: ServiceSettings;

  before(async () => {
    const b = new ScenarioBuilder({ registryKey: null });
    for (const n of NAMES) b.package(n).version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    registry = await startFixtureRegistry(await b.build());
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-load-'));
    fs.writeFileSync(path.join(project, 'package.json'), '{}');
    settings = { online: true, advisories: { npm: false, osv: false }, registry: registry.url, restricted: false };
    child = fork(path.join(__dirname, '../../src/engine/service/server.js'), [JSON.stringify({ cacheDir: path.join(project, 'cache') })], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { PATH: process.env.PATH, HOME: project, npm_config_userconfig: path.join(project, 'none'), npm_config_globalconfig: path.join(project, 'none') },
    });
    connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.listen();
  });
  after(async () => {
    connection?.dispose();
    child?.kill();
    await registry?.close();
  });

  /** The buffers after edit `i`: a manifest and lockfile with a different subset of the packages each time. */
  function buffers(i: number) {
    const names = NAMES.filter((_, k) => (k + i) % 3 !== 0);
    const deps = Object.fromEntries(names.map((n) => [n, '^1.0.0']));
    const lock = { lockfileVersion: 3, packages: { '': { dependencies: deps }, ...Object.fromEntries(names.map((n) => [`node_modules/${n}`, { version: '1.0.0', resolved: `${registry.url}${n}/-/${n}-1.0.0.tgz` }])) } };
    return { names, overlay: [{ path: 'package.json', text: JSON.stringify({ dependencies: deps }, null, 2) }, { path: 'package-lock.json', text: JSON.stringify(lock, null, 2) }] };
  }

  it('keeps the queue bounded (latest wins), memory flat, and ends with the final text', async () => {
    await connection.sendRequest(EvaluateRequest, { root: project, overlay: buffers(0).overlay, settings }); // warm up
    const pending: Promise<EvaluateResult | 'cancelled'>[] = [];
    const samples: number[] = [];
    const total = RATE_PER_S * SECONDS;
    let last = 0;
    const started = Date.now();
    for (let i = 1; i <= total; i++) {
      last = i;
      pending.push(connection.sendRequest(EvaluateRequest, { root: project, overlay: buffers(i).overlay, settings }).catch(() => 'cancelled' as const));
      if (i % RATE_PER_S === 0) samples.push(rssKb(child.pid!));
      const due = started + (i * 1000) / RATE_PER_S;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    const results = await Promise.all(pending);
    const final = results[results.length - 1];
    assert.notEqual(final, 'cancelled', 'the last edit is evaluated');
    assert.deepEqual((final as EvaluateResult).cards.map((c) => c.name).sort(), buffers(last).names.sort(), 'the final result matches the final text');
    const completed = results.filter((r) => r !== 'cancelled').length;
    assert.ok(completed < total, 'superseded evaluations are cancelled, not queued');
    const growthMb = (Math.max(...samples.slice(2)) - samples[1]) / 1024;
    console.log(`      ${total} edits in ${((Date.now() - started) / 1000).toFixed(1)} s: ${completed} completed, ${total - completed} superseded; service RSS ${(samples[1] / 1024).toFixed(0)} → ${(samples[samples.length - 1] / 1024).toFixed(0)} MB (max growth ${growthMb.toFixed(0)} MB)`);
    assert.ok(growthMb < 100, `memory grew by ${growthMb.toFixed(0)} MB`);
  });
});
