/**
 * The suite that runs inside VS Code's extension host (with the extension under development loaded): VS Code calls
 * run() and takes a rejection as failure. Started by test/vscode/run.ts (@vscode/test-electron).
 */
import { strict as assert } from 'node:assert';
import Mocha from 'mocha';
import * as vscode from 'vscode';

const EXTENSION_ID = 'trustlens.trustlens';

function defineTests(suite: Mocha.Suite): void {
  const test = (title: string, fn: () => Promise<void>) => suite.addTest(new Mocha.Test(title, fn));

  test('the extension is installed and activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  test('every command it contributes is registered', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await extension.activate();
    const contributed = ((extension.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map((c) => c.command);
    assert.ok(contributed.includes('trustlens.showDependencyModel'), 'package.json no longer contributes trustlens.showDependencyModel');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((id) => !registered.has(id)),
      [],
      'contributed but not registered',
    );
  });

  test('"Show Dependency Model" runs on the open folder', async () => {
    assert.ok(vscode.workspace.workspaceFolders?.length, 'no folder is open');
    await vscode.commands.executeCommand('trustlens.showDependencyModel');
  });
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: true, timeout: 60_000 });
  defineTests(Mocha.Suite.create(mocha.suite, 'TrustLens in VS Code'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} VS Code integration test(s) failed`)) : resolve()));
  });
}
