import { strict as assert } from 'node:assert';
import { type ChildProcess, execFile, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type MessageConnection, IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { EvaluateRequest } from '../../src/protocol/service';
import { PROJECT_ROOT, requireSharedFixtures } from '../support/fixtures';
import { isolatedNpmEnv } from '../support/npm-env';

/**
 * The shipped bundles (dist/, as `npm run build` makes them) load the modules they keep in dist/vendor/ when a
 * scan needs them: the yarn and pnpm lockfile parsers, and npm's HTTP client when a proxy is configured. The rest
 * of the suite runs the compiled sources (out/), where these are ordinary requires.
 */
describe('shipped bundles load dist/vendor/ on demand', function () {
  this.timeout(60_000);
  const CLI = path.join(PROJECT_ROOT, 'bin/trustlens.js');
  const SERVICE = path.join(PROJECT_ROOT, 'dist/service.js');
  let projects: Record<'pnpm' | 'yarn-classic' | 'yarn-berry', string>;
  let home: string;

  before(function () {
    if (!fs.existsSync(path.join(PROJECT_ROOT, 'dist/vendor'))) {
      console.log('      skipped: dist/ is not built (npm run build)');
      this.skip();
    }
    const small = requireSharedFixtures(this, 'lockfiles/generated/small');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bundles-'));
    const stage = (name: string, lockSource: string, lockName: string) => {
      const dir = path.join(home, name);
      fs.mkdirSync(dir);
      fs.copyFileSync(path.join(small, 'package.json'), path.join(dir, 'package.json'));
      fs.copyFileSync(lockSource, path.join(dir, lockName));
      return dir;
    };
    projects = {
      pnpm: stage('pnpm', path.join(small, 'pnpm-lock.yaml'), 'pnpm-lock.yaml'),
      'yarn-classic': stage('yarn-classic', path.join(small, 'yarn.lock'), 'yarn.lock'),
      'yarn-berry': stage('yarn-berry', path.join(small, 'berry/yarn.lock'), 'yarn.lock'),
    };
  });

  const env = () => isolatedNpmEnv(home);
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, ...args], { env: { ...env(), ...extra } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  it('the CLI reads pnpm, yarn classic and yarn berry lockfiles', async () => {
    for (const [kind, dir] of Object.entries(projects)) {
      const r = await run(['list', dir, '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { lockfile: { kind: string }; packages: unknown[]; problems: unknown[] };
      assert.equal(out.lockfile.kind, kind);
      assert.equal(out.packages.length, 75);
      assert.deepEqual(out.problems, []);
    }
  });

  it('the service reads them too', async () => {
    const child: ChildProcess = fork(SERVICE, [JSON.stringify({ cacheDir: path.join(home, 'cache') })], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: env(),
    });
    const connection: MessageConnection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.listen();
    try {
      const settings = { online: false, advisories: { npm: false, osv: false }, restricted: false };
      for (const [kind, dir] of Object.entries(projects)) {
        const r = await connection.sendRequest(EvaluateRequest, { root: dir, overlay: [], settings });
        assert.equal(r.packageManager, kind.startsWith('yarn') ? 'yarn' : 'pnpm');
        assert.equal(r.stats.packages, 75, kind);
        assert.deepEqual(r.problems, [], kind);
      }
    } finally {
      connection.dispose();
      child.kill();
    }
  });

  it("with a proxy configured, the CLI sends registry requests through npm's client to the proxy", async () => {
    // A port nothing listens on: "refused" can only come from connecting to the proxy (the registry's own host
    // name does not even resolve).
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await run(
      [
        'check',
        projects.pnpm,
        '--registry',
        'http://registry.invalid/',
        '--no-content',
        '--advisories',
        'off',
        '--timeout',
        '2',
        '--cache-dir',
        path.join(home, 'proxy-cache'),
      ],
      {
        http_proxy: `http://127.0.0.1:${port}`,
      },
    );
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });
});
