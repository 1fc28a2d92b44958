import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCheck } from '../../../src/engine/check/run-check';
import { DiskCache } from '../../../src/engine/infra/disk-cache';
import { ScenarioBuilder } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { PROJECT_ROOT } from '../../support/fixtures';
import { isolatedNpmEnv } from '../../support/npm-env';

const TOKEN = 'npm_TrustLensSecret0123456789abcdefXYZ';
const PASSWORD = 'hunter2-TrustLens-pw';

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/trustlens.js'), ...args], { env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * Registry credentials never appear in any output: text, JSON and SARIF reports, error messages, logs or cache
 * files — including when the registry fails and the failing URL is reported.
 */
describe('secrets: registry tokens never leak', function () {
  this.timeout(120_000);
  let registry: FixtureRegistry;
  let project: string;
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    const b = new ScenarioBuilder({ registryKey: null });
    b.package('fine').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    b.package('flaky').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    registry = await startFixtureRegistry(await b.build(), {
      faults: [
        { match: /^\/flaky/, action: { status: 500, body: 'internal error' } },
        { match: /^\/gone/, action: { destroy: true } },
      ],
    });
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-secrets-'));
    cacheDir = path.join(project, 'cache');
    const host = new URL(registry.url).host;
    fs.writeFileSync(path.join(project, '.npmrc'), `//${host}/:_authToken=${TOKEN}\n@basic:registry=http://user:${PASSWORD}@${host}/\n`);
    const deps = { fine: '^1.0.0', flaky: '^1.0.0', gone: '^1.0.0', '@basic/thing': '^1.0.0' };
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ dependencies: deps }));
    const entry = (n: string) => ({ version: '1.0.0', resolved: `${registry.url}${n}/-/${n.split('/').pop()}-1.0.0.tgz` });
    fs.writeFileSync(
      path.join(project, 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: { '': { dependencies: deps }, ...Object.fromEntries(Object.keys(deps).map((n) => [`node_modules/${n}`, entry(n)])) },
      }),
    );
    env = isolatedNpmEnv(project);
  });
  after(async () => {
    await registry?.close();
  });

  it('the token is sent to its registry, and appears in no report, message, log or cache file', async () => {
    const logs: string[] = [];
    const report = await runCheck({
      projectDir: project,
      registry: registry.url,
      env,
      cacheDir,
      log: (l) => logs.push(l),
      advisories: { npm: true, osv: false },
    });
    assert.ok(
      registry.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`),
      'the token is used where it belongs',
    );
    assert.ok(report.errors.length >= 1, 'the failing packages are reported');
    const outputs = [JSON.stringify(report), logs.join('\n')];
    for (const format of ['text', 'json', 'sarif'])
      outputs.push((await run(['check', project, '--registry', registry.url, '--format', format, '--cache-dir', cacheDir], env)).out);
    outputs.push(...listFiles(cacheDir).map((f) => fs.readFileSync(f, 'utf8')));
    assert.ok(listFiles(cacheDir).length > 0, 'the cache was written');
    for (const text of outputs) {
      assert.ok(!text.includes(TOKEN), `token leaked: ${text.slice(Math.max(0, text.indexOf(TOKEN) - 200), text.indexOf(TOKEN) + 50)}`);
      assert.ok(!text.includes(PASSWORD), `password leaked: ${text.slice(Math.max(0, text.indexOf(PASSWORD) - 200), text.indexOf(PASSWORD) + 50)}`);
    }
  });

  it('truncated or garbage cache segments are discarded and their entries fetched again', async () => {
    const cache = new DiskCache(cacheDir);
    await runCheck({ projectDir: project, registry: registry.url, env, cacheDir, advisories: { npm: false, osv: false } });
    const files = listFiles(cacheDir).filter((f) => f.endsWith('.seg'));
    assert.ok(files.length > 0);
    for (const [i, f] of files.entries()) fs.writeFileSync(f, i % 2 ? fs.readFileSync(f, 'utf8').slice(0, 20) : '\u0000garbage');
    registry.resetRequests();
    const again = await runCheck({ projectDir: project, registry: registry.url, env, cacheDir, advisories: { npm: false, osv: false }, offline: false });
    assert.ok(
      registry.requests.some((r) => r.url === '/fine'),
      'the broken entry was refetched',
    );
    assert.ok(again.findings.every((f) => f.code !== 'version-missing' || f.package !== 'fine'));
    const entry = await cache.get('packument-summaries-v2', `${registry.url}fine`);
    assert.equal((entry?.value as { name?: string } | undefined)?.name, 'fine', 'and stored whole again');
  });
});
