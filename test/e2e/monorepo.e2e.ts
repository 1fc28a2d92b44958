/**
 * A monorepo as a developer opens it (#13): the first scan of the folder is under way — held at the registry by a
 * gate, a state rather than a moment — while its workspaces' package.json files are opened one after another. None
 * of those opens restarts the scan (before: one restart per file opened, 77 for 74 workspaces); released, the one
 * scan finishes and its findings show. In a real VS Code (code-server) against the local fixture registry.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScenarioBuilder } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type Gate, startGate } from '../support/gate';
import { type CodeServerSession, makeTempDir, requireE2e, startCodeServer, waitFor } from '../support/e2e/harness';
import { screenshotOnFailure } from '../support/e2e/scenario-world';

const WORKSPACES = ['api', 'web', 'cli', 'core', 'docs', 'tools'];
const alice = { name: 'alice', email: 'alice@example.com' };

describe("e2e: a monorepo's first scan is not restarted by opening its files", function () {
  this.timeout(300_000);
  let registry: FixtureRegistry;
  let gate: Gate;
  let session: CodeServerSession | undefined;
  const held = /^\/left-pad$/;
  /** The scans the service was asked for: one "evaluate <folder>" line each in the TrustLens log. */
  const evaluations = (s: CodeServerSession) =>
    s
      .extensionLog('TrustLens')
      .split('\n')
      .filter((l) => /\[info\] evaluate \//.test(l)).length;

  before(async function () {
    requireE2e(this);
    const b = new ScenarioBuilder({ registryKey: null });
    b.package('left-pad').version('1.3.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice });
    b.package('hooky')
      .version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice })
      .version('1.0.1', {
        publishedAt: '2024-03-01T00:00:00Z',
        publisher: alice,
        scripts: { postinstall: 'node setup.js' },
        files: { 'setup.js': 'console.log(1)\n' },
      });
    const corpus = await b.build();
    registry = await startFixtureRegistry(corpus);
    gate = await startGate(registry.url);
    const dist = (name: string, version: string) => corpus.packuments.get(name)!.versions[version].dist;
    const workspace = makeTempDir('monorepo');
    const packages: Record<string, unknown> = { '': { name: 'mono', version: '1.0.0', workspaces: ['packages/*'] } };
    for (const [i, w] of WORKSPACES.entries()) {
      const dependencies = i === 0 ? { 'left-pad': '^1.3.0', hooky: '^1.0.0' } : { 'left-pad': '^1.3.0' };
      fs.mkdirSync(path.join(workspace, 'packages', w), { recursive: true });
      fs.writeFileSync(path.join(workspace, 'packages', w, 'package.json'), JSON.stringify({ name: w, version: '1.0.0', dependencies }, null, 2) + '\n');
      packages[`packages/${w}`] = { name: w, version: '1.0.0', dependencies };
      packages[`node_modules/${w}`] = { resolved: `packages/${w}`, link: true };
    }
    packages['node_modules/left-pad'] = {
      version: '1.3.0',
      resolved: `${gate.url}left-pad/-/left-pad-1.3.0.tgz`,
      integrity: dist('left-pad', '1.3.0').integrity,
    };
    packages['node_modules/hooky'] = {
      version: '1.0.1',
      resolved: `${gate.url}hooky/-/hooky-1.0.1.tgz`,
      integrity: dist('hooky', '1.0.1').integrity,
      hasInstallScript: true,
    };
    fs.writeFileSync(path.join(workspace, 'package.json'), JSON.stringify({ name: 'mono', version: '1.0.0', workspaces: ['packages/*'] }, null, 2) + '\n');
    fs.writeFileSync(
      path.join(workspace, 'package-lock.json'),
      JSON.stringify({ name: 'mono', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2) + '\n',
    );
    // The first scan will wait at the registry for left-pad's history until the test lets it go.
    gate.hold(held);
    session = await startCodeServer({
      workspace,
      test: 'monorepo-first-scan',
      settings: { 'trustlens.registry': gate.url, 'trustlens.advisories.sources': [], 'trustlens.evaluationTime': '2024-06-01T00:00:00Z' },
    });
    await session.waitForExtension('trustlens.trustlens');
  });
  screenshotOnFailure(() => session);
  after(async () => {
    gate?.release();
    await session?.close();
    await gate?.close();
    await registry?.close();
  });

  it('opening every workspace package.json during the first scan restarts nothing; the one scan then finishes', async () => {
    const s = session!;
    await gate.arrived(held);
    assert.equal(evaluations(s), 1, 'the first scan is running');
    for (const w of WORKSPACES) await s.openFile(`packages/${w}/package.json`);
    await s.openFile('package.json');
    await s.screenshot('first-scan-held');
    assert.equal(evaluations(s), 1, `${WORKSPACES.length + 1} files opened while the first scan ran: no other scan was asked for`);
    assert.equal(gate.arrivals.filter((u) => held.test(u)).length, 1, 'the held request was not asked again by a restarted scan');
    gate.release();
    await s.openFile('packages/api/package.json');
    const rows = await s.problems({
      source: 'TrustLens',
      file: 'package.json',
      until: (r) => r.some((x) => /hooky@1\.0\.1 adds a postinstall script/.test(x.text)),
    });
    await s.screenshot('first-scan-done');
    assert.ok(rows.some((x) => /hooky@1\.0\.1/.test(x.text)));
    await waitFor('the first scan to be logged as finished', () => /: \d+ packages, \d+ findings/.test(s.extensionLog('TrustLens')), 60_000);
    assert.equal(evaluations(s), 1, 'one scan from start to results');
  });
});
