/**
 * Activation time in a REAL extension host: code-server (the e2e harness in test/support/e2e, installed under .vscode-e2e/)
 * opens an empty folder with the built extension installed, and a test-only extension reads VS Code's own
 * performance marks in the same extension host: `code/extHost/willLoadExtensionCode/<id>` → `didLoadExtensionCode`
 * (require of dist/extension.js) and `willActivateExtension` → `didActivateExtension` (activate()). TrustLens is
 * activated at startup by `onLanguage:json` even in an empty folder (code-server opens JSON models of its own); if it
 * is not active yet, the probe activates it with `ext.activate()` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { e2eAvailable, makeTempDir, stageExtension, stageSuiteRunner, startCodeServer, waitForSuiteResult } from '../../test/support/e2e/harness';

export interface RealActivation {
  /** willLoadExtensionCode → didActivateExtension, from the extension host's performance marks. */
  ms: number;
  /** require() of the bundle. */
  loadMs: number;
  /** activate() until its result settled. */
  activateMs: number;
  /** The probe had to call ext.activate() (TrustLens was not activated by an event). */
  activatedByProbe: boolean;
  /** The extension host's own log line for the activation (its reason). */
  logLine?: string;
}

export function realActivationAvailable(): { ok: boolean; reason?: string } {
  return e2eAvailable();
}

/** One code-server session: stage `extensionRoot` (a folder with package.json and dist/), activate it once, time it. */
export async function measureRealActivation(extensionRoot: string): Promise<RealActivation> {
  const extensionsDir = makeTempDir('bench-exts');
  stageExtension(extensionsDir, extensionRoot);
  const probeDir = makeTempDir('bench-probe');
  const resultFile = path.join(probeDir, 'activation.json');
  // Inside the runner's own folder, so that its require('vscode') is attributed to that extension.
  const probe = path.join(extensionsDir, 'trustlens-test.suite-runner-0.0.0', 'probe.js');
  const { resultFile: suiteResult } = stageSuiteRunner(extensionsDir, probe);
  fs.writeFileSync(
    probe,
    `'use strict';
const fs = require('fs');
exports.run = async function () {
  const vscode = require('vscode');
  const id = 'trustlens.trustlens';
  const ext = vscode.extensions.getExtension(id);
  if (!ext) throw new Error(id + ' is not installed in this extension host');
  const activatedByProbe = !ext.isActive;
  if (activatedByProbe) await ext.activate();
  const perf = globalThis.MonacoPerformanceMarks;
  if (!perf || typeof perf.getMarks !== 'function') throw new Error('no MonacoPerformanceMarks in this extension host');
  const at = (name) => {
    const m = perf.getMarks().find((x) => x.name === 'code/extHost/' + name + '/' + id);
    if (!m) throw new Error('no performance mark ' + name);
    return m.startTime;
  };
  const willLoad = at('willLoadExtensionCode');
  const didLoad = at('didLoadExtensionCode');
  const willActivate = at('willActivateExtension');
  const didActivate = at('didActivateExtension');
  fs.writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify({ ms: didActivate - willLoad, loadMs: didLoad - willLoad, activateMs: didActivate - willActivate, activatedByProbe }));
};
`,
  );
  const workspace = makeTempDir('bench-empty-ws'); // no package.json, no JSON file: TrustLens stays inactive
  const session = await startCodeServer({ workspace, extensionDir: extensionsDir, test: 'bench-activation' });
  try {
    const suite = await waitForSuiteResult(suiteResult);
    if (!suite.passed) throw new Error(`activation probe failed: ${suite.error}`);
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as RealActivation;
    result.logLine = session
      .extensionHostLog()
      .split('\n')
      .find((l) => l.includes('_doActivateExtension trustlens.trustlens'))
      ?.replace(/^.*ExtensionService#/, '');
    return result;
  } finally {
    await session.close();
  }
}
