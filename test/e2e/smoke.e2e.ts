/**
 * Smoke test of the e2e harness: the built extension in a real VS Code (code-server), driven like a person would.
 * Run: npm run compile && npm run build && npx mocha --no-config --timeout 300000 'out/test/e2e/**\/*.e2e.js'
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  copyWorkspace,
  makeTempDir,
  PROJECT_ROOT,
  requireE2e,
  stageExtension,
  stageSuiteRunner,
  startCodeServer,
  waitForSuiteResult,
  type CodeServerSession,
} from '../support/e2e/harness';

describe('e2e smoke: TrustLens in code-server', function () {
  this.timeout(300_000);
  let session: CodeServerSession | undefined;

  before(async function () {
    requireE2e(this);
    const workspace = copyWorkspace(path.join(PROJECT_ROOT, 'samples/demo'));
    // A small script for the harness self-check below: the built-in TypeScript extension reports on it.
    fs.mkdirSync(path.join(workspace, 'src'));
    fs.writeFileSync(
      path.join(workspace, 'src', 'check.js'),
      [
        '// @ts-check',
        '/** Adds one to a number. */',
        'function addOne(n) {',
        '  return n + 1;',
        '}',
        'const total = addOne(41) + missingName;',
        'module.exports = { total };',
        '',
      ].join('\n'),
    );
    session = await startCodeServer({ workspace, test: 'smoke' });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) await session.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
  });

  after(async () => {
    await session?.close();
  });

  it('"TrustLens: Show Dependency Model" writes the dependency model to the TrustLens output channel', async () => {
    const s = session!;
    await s.screenshot('workbench');
    await s.waitForExtension('trustlens.trustlens');

    await s.openFile('package.json');
    await s.screenshot('package-json');

    await s.runCommand('TrustLens: Show Dependency Model');
    const text = await s.outputChannel('TrustLens', { contains: 'package-lock.json:' });
    await s.screenshot('output-channel');

    assert.match(text, /express@4\./);
    assert.match(text, /package-lock\.json:\d+/);
  });

  it('harness self-check: problems, hover, quick fix and editor text on a built-in language', async () => {
    const s = session!;
    await s.openFile('src/check.js');
    await s.screenshot('check-js');

    const problems = await s.problems({ source: 'ts', until: (rows) => rows.some((p) => p.text.includes('missingName')) });
    await s.screenshot('problems');
    const missing = problems.find((p) => p.text.includes('missingName'))!;
    assert.deepEqual(missing, {
      text: "Cannot find name 'missingName'.",
      source: 'ts',
      code: '2304',
      line: 6,
      column: 28,
      severity: 'error',
      file: 'check.js',
    });

    const hover = await s.hoverOn('addOne(41)', { contains: 'Adds one to a number.' });
    await s.screenshot('hover');
    assert.match(hover, /function addOne\(n: any\): any/);

    await s.quickFix('missingName', 'Ignore this error message');
    await s.screenshot('quick-fix-applied');
    assert.match(await s.editorText(), /\/\/ @ts-ignore\nconst total = addOne\(41\) \+ missingName;/);
  });
});

describe('e2e smoke: the harness opens untrusted folders in Restricted Mode', function () {
  this.timeout(300_000);
  let session: CodeServerSession | undefined;

  before(async function () {
    requireE2e(this);
    session = await startCodeServer({ workspace: copyWorkspace(path.join(PROJECT_ROOT, 'samples/demo')), trust: false, test: 'smoke-restricted-mode' });
  });

  after(async () => {
    await session?.close();
  });

  it('opens the folder in Restricted Mode', async () => {
    const s = session!;
    await s.screenshot('restricted');
    const indicator = s.page.locator('#status\\.workspaceTrust');
    assert.match(await indicator.innerText(), /Restricted Mode/);
  });
});

describe("e2e smoke: the VS Code integration suite (test/vscode/suite) in code-server's extension host", function () {
  this.timeout(300_000);
  let session: CodeServerSession | undefined;
  let resultFile = '';

  before(async function () {
    requireE2e(this);
    const extensionDir = makeTempDir('exts');
    stageExtension(extensionDir);
    ({ resultFile } = stageSuiteRunner(extensionDir, path.join(PROJECT_ROOT, 'out/test/vscode/suite/index.js')));
    session = await startCodeServer({ workspace: copyWorkspace(path.join(PROJECT_ROOT, 'samples/demo')), extensionDir, test: 'smoke-vscode-suite' });
  });

  after(async () => {
    await session?.close();
  });

  it('passes', async () => {
    await session!.waitForExtension('trustlens-test.suite-runner'); // fails fast if the runner itself broke
    const result = await waitForSuiteResult(resultFile);
    await session!.screenshot('suite-done');
    console.log(result.output.replace(/^/gm, '      | '));
    assert.ok(result.passed, `${result.error}\n${result.output}`);
    assert.match(result.output, /3 passing/);
  });
});
