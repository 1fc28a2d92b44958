import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocatedFinding } from '../../../src/core/report/locate';
import { type CheckOptions, type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { type Scenario, buildScenario, scenarioCheck, writeProject } from '../../support/check-scenarios';
import { withinHangGuard } from '../../support/wait';

/**
 * The editor's early result (`onPartial`): what is known before the tarballs are analysed, with every analysis still
 * to run said to be pending — never shown as clean — then the full result. Against the loopback fixture registry.
 */
describe('early result: before content analysis, pending said out loud', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;

  const run = (extra: Partial<CheckOptions> = {}) => runCheck({ ...scenarioCheck(scenario, registry.url, project), ...extra });

  /** A check with an early-result listener: every early report, and the tarballs requested before each arrived. */
  const withEarly = async (extra: Partial<CheckOptions> = {}) => {
    const early: { report: CheckReport; tarballsBefore: number }[] = [];
    registry.resetRequests();
    const final = await run({
      ...extra,
      onPartial: (report) => void early.push({ report, tarballsBefore: registry.requests.filter((r) => r.url.endsWith('.tgz')).length }),
    });
    return { early, final };
  };

  const pendingOf = (r: CheckReport) =>
    r.notChecked
      .filter((u) => u.pending)
      .map((u) => `${u.package}@${u.version}`)
      .sort();
  const pairs = (fs: LocatedFinding[]) => new Set(fs.filter((f) => f.code !== 'check-incomplete').map((f) => `${f.package}@${f.version} ${f.code}`));

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('cold: one early result before any tarball is asked for, every analysis pending and shown, then the full result', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-early-'));
    const { early, final } = await withEarly({ cacheDir });
    assert.equal(early.length, 1, 'called once');
    const [{ report, tarballsBefore }] = early;
    assert.equal(tarballsBefore, 0, 'no tarball requested before the early result');
    // Exactly the versions the full check looked inside are pending in the early one.
    const analysed = final.cards
      .filter((c) => c.changes)
      .map((c) => `${c.name}@${c.version}`)
      .sort();
    assert.ok(analysed.length >= 10, `${analysed.length} analysed`);
    assert.deepEqual(pendingOf(report), analysed);
    // Pending is visible, at info, on the version's own card and as a finding; never a clean card.
    for (const key of analysed) {
      const [name, version] = [key.slice(0, key.lastIndexOf('@')), key.slice(key.lastIndexOf('@') + 1)];
      const f = report.findings.find((x) => x.code === 'check-incomplete' && x.package === name && x.version === version);
      assert.equal(f?.severity, 'info', key);
      assert.match(f!.message, /package contents still being checked — this result is partial/);
      const card = report.cards.find((c) => c.name === name && c.version === version)!;
      assert.deepEqual(
        card.notChecked?.filter((g) => g.pending).map((g) => g.signal),
        ['content'],
      );
      assert.equal(card.changes, undefined, 'nothing is said about contents not yet read');
    }
    // What the early result says stands: the full result only adds (content findings) and settles the pending.
    for (const p of pairs(report.findings)) assert.ok(pairs(final.findings).has(p), `${p} withdrawn by the full result`);
    assert.ok(
      report.findings.some((f) => f.package === 'hijacked' && f.code === 'publisher-changed'),
      'metadata findings are in the early result',
    );
    assert.deepEqual(pendingOf(final), [], 'the full result has nothing pending');
    assert.ok(!final.findings.some((f) => f.code === 'check-incomplete' && f.message.includes('still being checked')));
    const hook = final.findings.find((f) => f.package === 'scripted' && f.code === 'install-script-added')!;
    assert.ok(
      hook.evidence.some((e) => /setup\.js/.test(e.value)),
      'the full result has what the tarball showed',
    );
    assert.ok(report.stats.durationMs <= final.stats.durationMs);
    assert.ok(registry.requests.filter((r) => r.url.endsWith('.tgz')).length > 0, 'the tarballs were read after the early result');
  });

  it('warm (every analysis known): no early result; the check is the same without the listener', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-early-'));
    await run({ cacheDir });
    const { early, final } = await withEarly({ cacheDir });
    assert.equal(early.length, 0);
    assert.equal(registry.requests.filter((r) => r.url.endsWith('.tgz')).length, 0);
    const plain = await run({ cacheDir });
    assert.deepEqual([...pairs(final.findings)].sort(), [...pairs(plain.findings)].sort());
  });

  it('an edit to one version: only its analysis is pending; the others come from the cache in the early result', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-early-'));
    await run({ cacheDir });
    const edited = writeProject(scenario, registry.url, { ...scenario.locked, scripted: '1.0.2' });
    const { early, final } = await withEarly({ cacheDir, projectDir: edited });
    assert.equal(early.length, 1);
    const [{ report }] = early;
    assert.deepEqual(pendingOf(report), ['scripted@1.0.2']);
    assert.ok(report.cards.find((c) => c.name === 'good-lib')!.changes, 'a known analysis is in the early result');
    assert.equal(report.cards.find((c) => c.name === 'scripted')!.changes, undefined);
    assert.ok(final.cards.find((c) => c.name === 'scripted')!.changes);
    assert.deepEqual(pendingOf(final), []);
  });

  it('then, as analyses end, what is settled so far: each result pends a subset of the one before; the last one held pends alone', async () => {
    // One tarball is held by the registry until the test lets it go: the results in between are states, not moments.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = await startFixtureRegistry(scenario.corpus, { faults: [{ match: /\/scripted-1\.0\.1\.tgz$/, action: { until: held } }] });
    try {
      const dir = writeProject(scenario, slow.url);
      const updates: string[][] = [];
      let seenAlone: () => void = () => undefined;
      const alone = new Promise<void>((resolve) => (seenAlone = resolve));
      const check = run({
        ...scenarioCheck(scenario, slow.url, dir),
        cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-early-')),
        partialIntervalMs: 0,
        onPartial: (r) => {
          updates.push(pendingOf(r));
          if (pendingOf(r).join() === 'scripted@1.0.1') seenAlone();
        },
      });
      await withinHangGuard('a result with only the held analysis pending', alone);
      release();
      const final = await check;
      assert.ok(updates.length >= 2, `${updates.length} results before the full one`);
      assert.ok(updates[0].length >= 10, 'the first pends every analysis');
      for (let i = 1; i < updates.length; i++) {
        const before = new Set(updates[i - 1]);
        assert.ok(updates[i].every((k) => before.has(k)) && updates[i].length < updates[i - 1].length, `${updates[i].join()} after ${updates[i - 1].join()}`);
      }
      assert.deepEqual(updates[updates.length - 1], ['scripted@1.0.1']);
      assert.deepEqual(pendingOf(final), []);
      assert.ok(final.cards.find((c) => c.name === 'scripted')!.changes);
    } finally {
      release();
      await slow.close();
    }
  });

  it('no early result without content analysis', async () => {
    const { early, final } = await withEarly({ content: 'off' });
    assert.equal(early.length, 0);
    assert.deepEqual(pendingOf(final), []);
  });
});
