import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NOW, type Scenario, buildScenario, writeProject } from '../support/check-scenarios';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { PROJECT_ROOT } from '../support/fixtures';
import { HANG_GUARD_MS, withinHangGuard } from '../support/wait';
import { isolatedNpmEnv } from '../support/npm-env';

const BIN = path.join(PROJECT_ROOT, 'bin/trustlens.js');
const SCRIPT = path.join(PROJECT_ROOT, 'test/lsp/neovim.lua');

/**
 * A real editor: headless Neovim (Debian's package; `.ci/run` installs it) with its built-in LSP client running
 * `trustlens lsp --stdio` on a package.json of the loopback registry world. test/lsp/neovim.lua does what a person
 * would and writes what it saw to files; this test judges them.
 */
describe('trustlens lsp in a real Neovim (headless)', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;
  let out: string;

  before(async function () {
    const probe = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      console.log(`      skipped: nvim is not installed (apt-get install neovim; .ci/run installs it): ${probe.error?.message ?? probe.stderr}`);
      this.skip();
    }
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
    out = fs.mkdtempSync(path.join(project, 'nvim-out-'));
  });

  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('shows the diagnostics, hovers the safe version and applies the pin', async () => {
    const rootFile = path.join(project, 'trusted-root.json');
    fs.writeFileSync(rootFile, JSON.stringify(scenario.sigstore.trustedRootJSON));
    const init = { trustlens: { registry: registry.url, evaluationTime: NOW, sigstoreTrustedRoot: rootFile, advisories: { sources: ['npm'] } } };
    const child = spawn('nvim', ['--headless', '--clean', '-n', '-c', `luafile ${SCRIPT}`], {
      cwd: project,
      env: isolatedNpmEnv(project, {
        XDG_CACHE_HOME: path.join(project, '.cache'),
        XDG_STATE_HOME: path.join(project, '.state'),
        XDG_DATA_HOME: path.join(project, '.data'),
        TL_OUT: out,
        TL_PROJECT: project,
        TL_BIN: BIN,
        TL_INIT: JSON.stringify(init),
        TL_HANG_GUARD_MS: String(HANG_GUARD_MS),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await withinHangGuard('headless Neovim to finish', new Promise<number | null>((resolve) => child.on('exit', resolve)));
    const read = (name: string) => (fs.existsSync(path.join(out, name)) ? JSON.parse(fs.readFileSync(path.join(out, name), 'utf8')) : undefined);
    assert.equal(code, 0, `nvim exited ${code}: ${JSON.stringify(read('error.json'))} ${output}`);
    console.log(`      ${JSON.stringify(read('version.json'))}`);

    const text = fs.readFileSync(path.join(project, 'package.json'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('"downgrade"'));
    const diagnostics: { lnum: number; message: string; source: string; code?: string }[] = read('diagnostics.json');
    const downgrade = diagnostics.find((d) => d.lnum === line && d.code === 'provenance-downgrade');
    assert.ok(downgrade, JSON.stringify(diagnostics));
    assert.equal(downgrade.source, 'TrustLens');
    assert.match(downgrade.message, /downgrade@2\.0\.2/);

    const hover: { contents: { kind: string; value: string } } = read('hover.json');
    assert.equal(hover.contents.kind, 'markdown');
    assert.match(hover.contents.value, /Safe version: \*\*2\\\.0\\\.1\*\*/);

    assert.ok((read('actions.json') as string[]).some((t) => t.startsWith('Pin downgrade to 2.0.1')));
    // The buffer was edited and written: the manifest now pins the last trusted release.
    assert.equal(JSON.parse(text).dependencies.downgrade, '2.0.1');
  });
});
