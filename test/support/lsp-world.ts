import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ProtocolConnection, StreamMessageReader, StreamMessageWriter, createProtocolConnection } from 'vscode-languageserver-protocol/node';
import { type Scenario, buildScenario, writeProject } from './check-scenarios';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { PROJECT_ROOT } from './fixtures';
import { isolatedNpmEnv } from './npm-env';
import { withinHangGuard } from './wait';

const BIN = path.join(PROJECT_ROOT, 'bin/trustlens.js');

/** `trustlens lsp --stdio` (the built CLI) in a child process, a client connection to it, and the loopback registry world it checks. */
export interface LspWorld {
  scenario: Scenario;
  registry: FixtureRegistry;
  /** A project of the scenario (package.json and package-lock.json), with the Sigstore trusted root beside it. */
  project: string;
  rootFile: string;
  child: ChildProcessWithoutNullStreams;
  connection: ProtocolConnection;
  /** What the server wrote to stderr so far (for failure messages). */
  stderr(): string;
  close(): Promise<void>;
}

/**
 * Starts the world; `beforeListen` registers the client's handlers (requests the server sends, notifications) before
 * the connection listens, so that nothing the server sends first is missed.
 */
export async function openLspWorld(beforeListen: (connection: ProtocolConnection) => void = () => undefined): Promise<LspWorld> {
  const scenario = await buildScenario();
  const registry = await startFixtureRegistry(scenario.corpus);
  const project = writeProject(scenario, registry.url);
  const rootFile = path.join(project, 'trusted-root.json');
  fs.writeFileSync(rootFile, JSON.stringify(scenario.sigstore.trustedRootJSON));
  const child = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { env: isolatedNpmEnv(project, { XDG_CACHE_HOME: path.join(project, '.cache') }) });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  beforeListen(connection);
  connection.listen();
  return {
    scenario,
    registry,
    project,
    rootFile,
    child,
    connection,
    stderr: () => stderr,
    close: async () => {
      connection.dispose();
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.on('exit', resolve));
        child.kill();
        await withinHangGuard('the killed server to exit', gone);
      }
      await registry.close();
      await scenario.sigstore.close();
    },
  };
}
