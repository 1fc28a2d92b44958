/**
 * The standard VS Code integration test run (@vscode/test-electron): downloads VS Code, starts it with the extension
 * under development and runs test/vscode/suite inside it. For machines that can download VS Code; on machines that
 * cannot (no internet), it says so and exits 0: there, the code-server suite (npm run test:e2e) runs the extension
 * in a real VS Code instead.
 *
 *   npm run compile && npm run build && node out/test/vscode/run.js      (on Linux without a display: xvfb-run -a ...)
 *
 * VSCODE_EXECUTABLE_PATH=/path/to/code uses an installed VS Code instead of downloading one;
 * VSCODE_TEST_VERSION=1.90.0 picks the version to download (default: stable).
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const DOWNLOAD_HOST = 'update.code.visualstudio.com';
const INSTEAD = 'run the code-server e2e suite instead: npm run test:e2e';

interface TestElectron {
  runTests(options: {
    extensionDevelopmentPath: string;
    extensionTestsPath: string;
    launchArgs?: string[];
    vscodeExecutablePath?: string;
    version?: string;
    extensionTestsEnv?: Record<string, string | undefined>;
  }): Promise<number>;
}

/** @vscode/test-electron when it is installed (it is an optional devDependency), else undefined. */
function loadTestElectron(): TestElectron | undefined {
  try {
    return createRequire(__filename)('@vscode/test-electron') as TestElectron;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** Whether VS Code's download server answers within `timeoutMs` (any HTTP answer counts). */
function canReachDownloads(timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.request({ host: DOWNLOAD_HOST, path: '/api/releases/stable', method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A VS Code that an earlier run downloaded into .vscode-test/, so no download is needed. */
function hasCachedVSCode(): boolean {
  const cache = path.join(ROOT, '.vscode-test');
  return fs.existsSync(cache) && fs.readdirSync(cache).some((d) => d.startsWith('vscode-'));
}

async function main(): Promise<number> {
  const testElectron = loadTestElectron();
  if (!testElectron) {
    console.log(`skipped: @vscode/test-electron is not installed (npm install --save-dev @vscode/test-electron); ${INSTEAD}`);
    return 0;
  }
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH || undefined;
  if (!vscodeExecutablePath && !hasCachedVSCode() && !(await canReachDownloads(5_000))) {
    console.log(`skipped: @vscode/test-electron cannot download VS Code here (no internet); ${INSTEAD}`);
    return 0;
  }

  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-vscode-test-'));
  fs.cpSync(path.join(ROOT, 'samples/demo'), workspace, { recursive: true });
  try {
    return await testElectron.runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(__dirname, 'suite', 'index'),
      launchArgs: [workspace, '--disable-extensions'],
      vscodeExecutablePath,
      version: process.env.VSCODE_TEST_VERSION || undefined,
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('VS Code integration tests failed to run:', err);
    process.exitCode = 1;
  },
);
