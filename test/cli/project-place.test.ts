import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../support/fixtures';
import { readPnpmWorkspace } from '../../src/core/project';
import { parseManifest } from '../../src/core/manifest';
import { readProjectFiles } from '../../src/engine/infra/project-files';

/*
 * "Stay in your place" (#15), the project-file half: the opened repository is attacker-controlled, and what TrustLens
 * reads of it stays inside it. Real temp folders, real symlinks, the built CLI.
 */

const BIN = path.join(PROJECT_ROOT, 'bin/trustlens.js');

function trustlens(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A temp folder holding `proj/` (the opened repository) and, beside it, whatever the test puts there. */
function tempParent(): { parent: string; proj: string } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-place-'));
  const proj = path.join(parent, 'proj');
  fs.mkdirSync(proj);
  return { parent, proj };
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const env = (home: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, npm_config_userconfig: path.join(home, 'none'), npm_config_globalconfig: path.join(home, 'none') });

describe('the repository: reads stay inside the project (#15)', function () {
  this.timeout(120_000);

  describe('workspace globs are confined to the project', () => {
    /** A sibling project whose package.json names a private dependency. */
    function withSibling(): { parent: string; proj: string } {
      const t = tempParent();
      write(path.join(t.parent, 'other/package.json'), JSON.stringify({ name: 'other', dependencies: { '@acme/private-thing': '1.0.0' } }));
      return t;
    }

    it('"workspaces": ["../*"] is refused where it is written, and the sibling is neither read nor listed', async () => {
      const { parent, proj } = withSibling();
      const text = '{\n  "name": "app",\n  "workspaces": ["../*", "packages/*"]\n}\n';
      write(path.join(proj, 'package.json'), text);
      write(path.join(proj, 'packages/a/package.json'), JSON.stringify({ name: 'a', dependencies: { 'left-pad': '^1.0.0' } }));
      const files = await readProjectFiles(proj);
      assert.deepEqual([...files.keys()].filter((k) => k.endsWith('package.json')).sort(), ['package.json', 'packages/a/package.json']);

      const r = await trustlens(['list', proj, '--format', 'json'], env(parent));
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /private-thing/);
      const out = JSON.parse(r.stdout);
      assert.ok(out.packages.some((p: { name: string }) => p.name === 'left-pad'), 'the workspace inside the project is still read');
      const problem = out.problems.find((p: { code: string }) => p.code === 'outside-project');
      assert.ok(problem, JSON.stringify(out.problems));
      assert.equal(problem.file, 'package.json');
      // At the glob string itself.
      assert.equal(text.slice(problem.range.startOffset, problem.range.endOffset), '"../*"');
      assert.match(problem.message, /outside the project/);
    });

    it('pnpm-workspace.yaml: packages [../**] and an absolute path are refused at the glob', async () => {
      const { parent, proj } = withSibling();
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app' }));
      const yaml = `packages:\n  - '../**'\n  - '${parent}/*'\n`;
      write(path.join(proj, 'pnpm-workspace.yaml'), yaml);
      const r = await trustlens(['list', proj, '--format', 'json'], env(parent));
      assert.doesNotMatch(r.stdout + r.stderr, /private-thing/);
      const out = JSON.parse(r.stdout);
      const refused = out.problems.filter((p: { code: string }) => p.code === 'outside-project');
      assert.deepEqual(
        refused.map((p: { file: string; range: { startOffset: number; endOffset: number } }) => [p.file, yaml.slice(p.range.startOffset, p.range.endOffset)]),
        [
          ['pnpm-workspace.yaml', "'../**'"],
          ['pnpm-workspace.yaml', `'${parent}/*'`],
        ],
      );
    });

    it('the pure readers refuse ..-segments and absolute paths in every form, and keep the rest', () => {
      const m = parseManifest(JSON.stringify({ workspaces: { packages: ['./packages/*', 'a/../../x', '/etc/*', 'C:/x/*', '\\\\server\\share\\*', '!../y', '..foo/*'] } }));
      assert.deepEqual(m.workspaces, ['./packages/*', '..foo/*']);
      assert.equal(m.problems.filter((p) => p.code === 'outside-project').length, 5);
      assert.deepEqual(readPnpmWorkspace("packages: ['apps/*', '..']\n").globs, ['apps/*']);
    });
  });
});
