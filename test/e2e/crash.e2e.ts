/**
 * Hardening (#7), crashes: the background service is killed with SIGKILL in the middle of a scan. The Problems
 * panel must keep the last results while it is down, the extension must start a new service process, the
 * interrupted scan must run again on it, and later edits must be scanned as usual.
 *
 * The scan is held in the middle by a gate in front of the fixture registry: requests for `late-lib` (added to the
 * project after the first results) wait until the test releases them, so "mid-scan" is a state, not a moment.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScenarioBuilder } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type Gate, startGate } from '../support/gate';
import { type CodeServerSession, type Problem, makeTempDir, requireE2e, startCodeServer, waitFor } from '../support/e2e/harness';

const alice = { name: 'alice', email: 'alice@example.com' };
const mallory = { name: 'mallory', email: 'mallory@evil.example' };

/** The service processes the extension host started, in order, from the TrustLens log ("TrustLens service <pid> started"). */
function servicePids(s: CodeServerSession): number[] {
  return [...s.extensionLog('TrustLens').matchAll(/TrustLens service (\d+) started/g)].map((m) => Number(m[1]));
}

/** The command line of a live process, or undefined once it is gone (zombies included). */
function commandLine(pid: number): string | undefined {
  try {
    if (/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) return undefined;
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

const texts = (rows: Problem[]) => rows.map((r) => `${r.file}:${r.line} ${r.text}`).sort();

/**
 * The TrustLens problems once `until` holds for two reads in a row. The panel is read page by page, and a row can
 * be missed while the tree re-renders (the JSON language server revalidates a file that changed on disk).
 */
async function stableProblems(s: CodeServerSession, until: (rows: Problem[]) => boolean): Promise<Problem[]> {
  let previous: string | undefined;
  return s.problems({
    source: 'TrustLens',
    until: (rows) => {
      const key = texts(rows).join('\n');
      const stable = until(rows) && key === previous;
      previous = key;
      return stable;
    },
  });
}

/** The status item's accessible label: its icons, counts and tooltip. */
async function statusLabel(s: CodeServerSession): Promise<string> {
  return (await s.page.locator('[id="trustlens.trustlens.trustlens.status"]').getAttribute('aria-label')) ?? '';
}

const counts = (label: string) => /error\s+(\d+)\s+warning\s+(\d+)/.exec(label)?.slice(1);

describe('e2e: the service is killed mid-scan', function () {
  this.timeout(300_000);
  let registry: FixtureRegistry;
  let gate: Gate;
  let session: CodeServerSession | undefined;
  let workspace: string;
  const lateLib = /^\/late-lib$/;
  const corpusVersions = new Map<string, { integrity: string; hasInstallScript: boolean }>();

  /** Writes package.json and package-lock.json for `locked` (name → version), as `npm install` would. */
  const writeProject = (locked: Record<string, string>) => {
    const dependencies = Object.fromEntries(Object.entries(locked).map(([n, v]) => [n, `^${v}`]));
    const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies } };
    for (const [name, version] of Object.entries(locked)) {
      const doc = corpusVersions.get(`${name}@${version}`)!;
      packages[`node_modules/${name}`] = {
        version,
        resolved: `${gate.url}${name}/-/${name}-${version}.tgz`,
        integrity: doc.integrity,
        ...(doc.hasInstallScript ? { hasInstallScript: true } : {}),
      };
    }
    fs.writeFileSync(path.join(workspace, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2) + '\n');
    fs.writeFileSync(
      path.join(workspace, 'package-lock.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2) + '\n',
    );
  };

  before(async function () {
    requireE2e(this);
    const b = new ScenarioBuilder({ registryKey: null });
    // A new account publishes a patch release (publisher-changed); a release adds a postinstall (install-script-added).
    b.package('hijacked')
      .version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice })
      .version('1.0.1', { publishedAt: '2024-03-01T00:00:00Z', publisher: mallory });
    b.package('scripted')
      .version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice })
      .version('1.0.1', {
        publishedAt: '2024-03-01T00:00:00Z',
        publisher: alice,
        scripts: { postinstall: 'node setup.js' },
        files: { 'setup.js': 'console.log(1)\n' },
      });
    b.package('late-lib')
      .version('2.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: alice })
      .version('2.0.1', { publishedAt: '2024-03-01T00:00:00Z', publisher: mallory });
    const corpus = await b.build();
    for (const [name, doc] of corpus.packuments)
      for (const [v, d] of Object.entries(doc.versions))
        corpusVersions.set(`${name}@${v}`, { integrity: d.dist.integrity!, hasInstallScript: !!d.hasInstallScript });
    registry = await startFixtureRegistry(corpus);
    gate = await startGate(registry.url);
    workspace = makeTempDir('crash');
    writeProject({ hijacked: '1.0.1', scripted: '1.0.1' });
    session = await startCodeServer({
      workspace,
      test: 'service-crash',
      settings: { 'trustlens.registry': gate.url, 'trustlens.advisories.sources': [], 'trustlens.evaluationTime': '2024-06-01T00:00:00Z' },
    });
    await session.waitForExtension('trustlens.trustlens');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) await session.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await session?.close();
    await gate?.close();
    await registry?.close();
  });

  it('keeps the problems while the service is down, restarts it, and the scan resumes', async () => {
    const s = session!;
    await s.openFile('package.json');
    const first = await stableProblems(s, (r) => r.some((x) => /hijacked@1\.0\.1/.test(x.text)) && r.some((x) => /scripted@1\.0\.1/.test(x.text)));
    await s.screenshot('first-results');
    const countsBefore = counts(await statusLabel(s));
    assert.ok(countsBefore, 'the status item shows counts');

    const [pid] = await waitFor('the TrustLens log to name the service process', () => servicePids(s).length > 0 && servicePids(s));
    const ours = (p: number) => {
      const cmd = commandLine(p);
      return !!cmd?.includes(s.extensionsDir) && cmd.includes(path.join('dist', 'service.js'));
    };
    assert.ok(ours(pid), `pid ${pid} is this session's service (${commandLine(pid)})`);

    // npm adds late-lib; the registry holds its history back, so the scan that follows stays in the middle.
    gate.hold(lateLib);
    writeProject({ hijacked: '1.0.1', scripted: '1.0.1', 'late-lib': '2.0.1' });
    await waitFor('the scan to ask the registry for late-lib', () => gate.arrivals.some((u) => lateLib.test(u)), 60_000);

    process.kill(pid, 'SIGKILL');
    await waitFor(`service ${pid} to be gone`, () => commandLine(pid) === undefined);

    // A new service process, and the interrupted scan starts again on it (it asks for late-lib again, and waits).
    const restarted = await waitFor('a new service process', () => servicePids(s).find((p) => p !== pid && ours(p)), 60_000);
    await waitFor('the scan to run again on the new service', () => gate.arrivals.filter((u) => lateLib.test(u)).length >= 2, 60_000);

    // Meanwhile the editor kept the last results (nothing can replace them: every scan now waits on late-lib).
    const during = await stableProblems(s, (r) => texts(r).join('\n') === texts(first).join('\n')).catch(async () => s.problems({ source: 'TrustLens' }));
    await s.screenshot('after-kill');
    assert.deepEqual(texts(during), texts(first), 'the problems from before the crash are still shown');
    const status = await statusLabel(s);
    assert.deepEqual(counts(status), countsBefore, `the status item still counts them: ${status}`);
    assert.doesNotMatch(status, /scan failed/, 'a crash is not a failed scan: the service restarts and scans again');
    assert.match(s.extensionLog('TrustLens'), /service exited \(code null, signal SIGKILL\); crash 1 of 5/);

    // The registry answers: the resumed scan completes on the new service, late-lib included.
    gate.release();
    const resumed = await stableProblems(s, (r) => r.some((x) => /late-lib@2\.0\.1/.test(x.text)));
    await s.screenshot('scan-resumed');
    assert.ok(resumed.some((r) => /scripted@1\.0\.1/.test(r.text)) && resumed.some((r) => /hijacked@1\.0\.1/.test(r.text)));

    // And later edits are scanned as before: npm moves scripted back to 1.0.0.
    writeProject({ hijacked: '1.0.1', scripted: '1.0.0', 'late-lib': '2.0.1' });
    const edited = await stableProblems(s, (r) => !r.some((x) => /scripted@1\.0\.1/.test(x.text)));
    await s.screenshot('after-edit');
    assert.ok(edited.some((r) => /late-lib@2\.0\.1/.test(r.text)) && edited.some((r) => /hijacked@1\.0\.1/.test(r.text)));
    assert.deepEqual(servicePids(s), [pid, restarted], 'one restart, and the new service is the one that scanned');
    assert.ok(ours(restarted), 'the new service is still running');
  });
});
