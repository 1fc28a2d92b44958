/**
 * The check-scenarios world (test/support/check-scenarios.ts: a fixture registry with real signatures and Sigstore
 * attestations) opened in a real VS Code, with the user settings that point TrustLens at it — what the e2e suites
 * that judge that world share.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NOW, type Scenario, buildScenario, writeProject } from '../check-scenarios';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { type CodeServerSession, makeTempDir, startCodeServer } from './harness';

export interface ScenarioWorld {
  scenario: Scenario;
  registry: FixtureRegistry;
  workspace: string;
  session: CodeServerSession;
  close(): Promise<void>;
}

/**
 * Builds the world, writes its project (then `prepare` adds files of its own), and opens it in code-server (in
 * Restricted Mode with `trust: false`), TrustLens activated.
 */
export async function openScenarioWorld(opts: { test: string; trust?: boolean; prepare?: (workspace: string) => void }): Promise<ScenarioWorld> {
  const scenario = await buildScenario();
  const registry = await startFixtureRegistry(scenario.corpus);
  const workspace = writeProject(scenario, registry.url);
  opts.prepare?.(workspace);
  const rootFile = path.join(makeTempDir('trustlens-root-'), 'trusted-root.json');
  fs.writeFileSync(rootFile, JSON.stringify(scenario.sigstore.trustedRootJSON));
  const session = await startCodeServer({
    workspace,
    test: opts.test,
    trust: opts.trust,
    settings: {
      'trustlens.registry': registry.url,
      'trustlens.sigstoreTrustedRoot': rootFile,
      'trustlens.evaluationTime': NOW,
      'trustlens.advisories.sources': ['npm'],
    },
  });
  await session.waitForExtension('trustlens.trustlens');
  return {
    scenario,
    registry,
    workspace,
    session,
    close: async () => {
      await session.close();
      await registry.close();
      await scenario.sigstore.close();
    },
  };
}

/** A screenshot of every failed test of the calling suite, named after it. */
export function screenshotOnFailure(session: () => CodeServerSession | undefined): void {
  afterEach(async function () {
    const s = session();
    if (this.currentTest?.state === 'failed' && s) await s.screenshot(`failed-${this.currentTest.title}`).catch(() => undefined);
  });
}
