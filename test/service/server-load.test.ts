import { strict as assert } from 'node:assert';
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type MessageConnection, ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import { IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { EvaluateRequest, type EvaluateResult, type ServiceSettings } from '../../src/protocol/service';
import { ScenarioBuilder } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type Gate, startGate } from '../support/gate';
import { withinHangGuard } from '../support/wait';
import { isolatedNpmEnv } from '../support/npm-env';

const ROUNDS = 10;
const EDITS_PER_ROUND = 100;
const NAMES = Array.from({ length: 20 }, (_, i) => `pkg-${i}`);
/** One package per round whose packument the gate holds: every evaluation of the round needs it. */
const HELD = Array.from({ length: ROUNDS }, (_, r) => `held-${r}`);

function rssKb(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}

type Outcome = { result: EvaluateResult } | { error: unknown } | 'pending';

/**
 * A fast typist against the service: 1,000 edits in bursts of 100, each an evaluate of the edited buffers, sent
 * without waiting for an answer. Decided by events, not by timing: in each burst every edit needs a packument the
 * gate holds, so no evaluation can finish before the next edit arrives; the 99 superseded ones must end cancelled
 * while the registry still holds that packument (a queued one would wait for it: the hang guard ends that), and
 * the last one finishes once the gate lets the packument through.
 */
describe('load: 1,000 edits in bursts of 100 against the service', function () {
  this.timeout(120_000);
  let registry: FixtureRegistry;
  let gate: Gate;
  let child: ChildProcess;
  let connection: MessageConnection;
  let project: string;
  let settings: ServiceSettings;

  before(async () => {
    const b = new ScenarioBuilder({ registryKey: null });
    for (const n of [...NAMES, ...HELD]) b.package(n).version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    registry = await startFixtureRegistry(await b.build());
    gate = await startGate(registry.url);
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-load-'));
    fs.writeFileSync(path.join(project, 'package.json'), '{}');
    settings = { online: true, advisories: { npm: false, osv: false }, registry: gate.url, restricted: false };
    child = fork(path.join(__dirname, '../../src/service/server.js'), [JSON.stringify({ cacheDir: path.join(project, 'cache') })], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: isolatedNpmEnv(project),
    });
    connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.listen();
  });
  after(async () => {
    gate?.release();
    connection?.dispose();
    child?.kill();
    await gate?.close();
    await registry?.close();
    fs.rmSync(project, { recursive: true, force: true });
  });

  /** The buffers after edit `i` of round `round`: a different subset of the packages each time, and the round's held one. */
  function buffers(round: number, i: number) {
    const names = [...NAMES.filter((_, k) => (k + i) % 3 !== 0), ...(round < 0 ? [] : [HELD[round]])];
    const deps = Object.fromEntries(names.map((n) => [n, '^1.0.0']));
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: deps },
        ...Object.fromEntries(names.map((n) => [`node_modules/${n}`, { version: '1.0.0', resolved: `${gate.url}${n}/-/${n}-1.0.0.tgz` }])),
      },
    };
    return {
      names,
      overlay: [
        { path: 'package.json', text: JSON.stringify({ dependencies: deps }, null, 2) },
        { path: 'package-lock.json', text: JSON.stringify(lock, null, 2) },
      ],
    };
  }

  const isCancelled = (e: unknown) => e instanceof ResponseError && (e.data as { code?: string } | undefined)?.code === 'cancelled';

  it('cancels every superseded evaluation at once (latest wins), keeps memory flat, and ends with the final text', async () => {
    await connection.sendRequest(EvaluateRequest, { root: project, overlay: buffers(-1, 0).overlay, settings }); // warm up
    const samples: number[] = [rssKb(child.pid!)];
    for (let round = 0; round < ROUNDS; round++) {
      gate.hold(new RegExp(`^/${HELD[round]}$`));
      const outcomes: Outcome[] = [];
      const settled: Promise<void>[] = [];
      for (let i = 0; i < EDITS_PER_ROUND; i++) {
        const k = outcomes.push('pending') - 1;
        const sent = connection.sendRequest(EvaluateRequest, { root: project, overlay: buffers(round, i).overlay, settings });
        settled.push(
          sent.then(
            (result) => void (outcomes[k] = { result }),
            (error: unknown) => void (outcomes[k] = { error }),
          ),
        );
      }
      // The packument every edit of this round needs is still held: the superseded evaluations end without it.
      await withinHangGuard(
        `round ${round}: the ${EDITS_PER_ROUND - 1} superseded evaluations to end (queued behind the held packument?)`,
        Promise.all(settled.slice(0, -1)),
      );
      const superseded = outcomes.slice(0, -1);
      const wrong = superseded.filter((o) => o === 'pending' || !('error' in o) || !isCancelled(o.error));
      assert.deepEqual(wrong, [], `round ${round}: every superseded evaluation is cancelled`);
      assert.equal(outcomes[EDITS_PER_ROUND - 1], 'pending', `round ${round}: the latest waits for the held packument`);
      await withinHangGuard(`round ${round}: the held packument to be asked for`, gate.arrived(new RegExp(`^/${HELD[round]}$`)));
      gate.release();
      await withinHangGuard(`round ${round}: the latest evaluation`, settled[EDITS_PER_ROUND - 1]);
      const last = outcomes[EDITS_PER_ROUND - 1];
      assert.ok(last !== 'pending' && 'result' in last, `round ${round}: the latest edit is evaluated: ${JSON.stringify(last)}`);
      // The first result of a round sends every card (the previous round's tag was never sent back as cardsBase).
      assert.deepEqual(
        last.result.cards.map((c) => c.name).sort(),
        buffers(round, EDITS_PER_ROUND - 1).names.sort(),
        `round ${round}: the result matches the final text`,
      );
      samples.push(rssKb(child.pid!));
    }
    const total = ROUNDS * EDITS_PER_ROUND;
    // Memory: a generous margin on what stays after each burst (sampled between bursts, not at moments in time).
    const growthMb = (Math.max(...samples.slice(2)) - samples[1]) / 1024;
    console.log(
      `      ${total} edits: ${ROUNDS} evaluated, ${total - ROUNDS} cancelled; service RSS ${(samples[1] / 1024).toFixed(0)} → ${(samples[samples.length - 1] / 1024).toFixed(0)} MB (max growth ${growthMb.toFixed(0)} MB)`,
    );
    assert.ok(growthMb < 100, `memory grew by ${growthMb.toFixed(0)} MB`);
  });
});
