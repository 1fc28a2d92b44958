/**
 * npm run sample: `trustlens check` on a sample project, as a user runs it, against a local registry on
 * 127.0.0.1 that serves packages replaying 2025-era attack patterns (a hijacked publisher, a provenance
 * downgrade, a build from another repository, a new install script, malware, tampered signatures …) with
 * real cryptography. The registry this machine reaches is a mirror without trust metadata, so this is
 * where every signal can be seen at work.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildScenario, NOW, writeProject } from '../test/support/check-scenarios';
import { startFixtureRegistry } from '../test/fixtures/registry/server';

async function main(): Promise<void> {
  const scenario = await buildScenario();
  const registry = await startFixtureRegistry(scenario.corpus);
  const project = writeProject(scenario, registry.url);
  const root = path.join(project, 'sigstore-trusted-root.json');
  fs.writeFileSync(root, JSON.stringify(scenario.sigstore.trustedRootJSON));
  const args = ['check', project, '--registry', registry.url, '--now', NOW, '--trusted-root', root, ...process.argv.slice(2)];
  console.log(`$ trustlens ${args.join(' ')}\n`);
  const env = { ...process.env, npm_config_userconfig: path.join(project, 'none') };
  const code = await new Promise<number | null>((resolve) => {
    spawn(process.execPath, [path.join(__dirname, '../../bin/trustlens.js'), ...args], { stdio: 'inherit', env }).on('close', resolve);
  });
  console.log(`\n(exit code ${code}: 1 means something reached --fail-on, as a CI step would fail)`);
  await registry.close();
  await scenario.sigstore.close();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
