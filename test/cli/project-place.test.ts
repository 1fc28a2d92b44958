import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyCorpus } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { buildProject, parseLockfile, readPnpmWorkspace } from '../../src/core/project';
import { parseManifest } from '../../src/core/manifest';
import { MAX_PROJECT_FILE_BYTES, readProjectFiles } from '../../src/engine/infra/project-files';
import { trustlens } from '../support/cli';
import { isolatedNpmEnv } from '../support/npm-env';

/*
 * "Stay in your place" (#15), the project-file half: the opened repository is attacker-controlled, and what TrustLens
 * reads of it stays inside it. Real temp folders, real symlinks, the built CLI.
 */

const TOKEN = 'npm_SECRET123';
const NPMRC_LINE = `//registry.npmjs.org/:_authToken=${TOKEN}`;

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

      const r = await trustlens(['list', proj, '--format', 'json'], isolatedNpmEnv(parent));
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /private-thing/);
      const out = JSON.parse(r.stdout);
      assert.ok(
        out.packages.some((p: { name: string }) => p.name === 'left-pad'),
        'the workspace inside the project is still read',
      );
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
      const r = await trustlens(['list', proj, '--format', 'json'], isolatedNpmEnv(parent));
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

    it('a workspace folder that links out of the project is not listed, nor its package.json read', async () => {
      const { parent, proj } = withSibling();
      write(path.join(parent, 'elsewhere/x/package.json'), JSON.stringify({ name: 'x', dependencies: { '@acme/private-thing': '1.0.0' } }));
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app', workspaces: ['packages/*', 'linked'] }));
      fs.symlinkSync(path.join(parent, 'elsewhere'), path.join(proj, 'packages'));
      fs.symlinkSync(path.join(parent, 'other'), path.join(proj, 'linked'));
      const files = await readProjectFiles(proj);
      assert.deepEqual([...files.keys()], ['package.json']);
      assert.deepEqual(
        files.refused.map((r) => [r.path, r.code]),
        [['linked/package.json', 'outside-project']],
      );
      const r = await trustlens(['list', proj, '--format', 'json'], isolatedNpmEnv(parent));
      assert.doesNotMatch(r.stdout + r.stderr, /private-thing/);
    });

    it('the pure readers refuse ..-segments and absolute paths in every form, and keep the rest', () => {
      const m = parseManifest(
        JSON.stringify({ workspaces: { packages: ['./packages/*', 'a/../../x', '/etc/*', 'C:/x/*', '\\\\server\\share\\*', '!../y', '..foo/*'] } }),
      );
      assert.deepEqual(m.workspaces, ['./packages/*', '..foo/*']);
      assert.equal(m.problems.filter((p) => p.code === 'outside-project').length, 5);
      assert.deepEqual(readPnpmWorkspace("packages: ['apps/*', '..']\n").globs, ['apps/*']);
    });
  });

  describe('project files are regular files under the root, of bounded size', () => {
    let registry: FixtureRegistry;
    before(async () => {
      registry = await startFixtureRegistry(emptyCorpus());
    });
    after(async () => {
      await registry?.close();
    });

    it('a yarn.lock linked to ~/.npmrc is not read: a problem, "not checked", and the token nowhere (text, JSON, SARIF)', async () => {
      const { parent, proj } = tempParent();
      const home = path.join(parent, 'home');
      write(path.join(home, '.npmrc'), `${NPMRC_LINE}\n`);
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'left-pad': '^1.0.0' } }));
      fs.symlinkSync(path.join(home, '.npmrc'), path.join(proj, 'yarn.lock'));

      const model = buildProject(proj, await readProjectFiles(proj));
      assert.equal(model.lockfile, undefined);
      assert.deepEqual(model.unreadLockfile?.file, 'yarn.lock');
      const problem = model.problems.find((p) => p.file === 'yarn.lock')!;
      assert.equal(problem.code, 'outside-project');
      assert.equal(problem.severity, 'error');
      assert.equal(problem.range.startOffset, 0);

      const base = ['check', proj, '--registry', registry.url, '--advisories', 'npm'];
      const json = await trustlens([...base, '--format', 'json'], isolatedNpmEnv(home));
      assert.doesNotMatch(json.stdout + json.stderr, new RegExp(TOKEN));
      assert.equal(json.code, 1, json.stderr);
      const out = JSON.parse(json.stdout);
      assert.equal(out.summary.complete, false);
      assert.equal(out.summary.resolution, 'lockfile-unread');
      assert.ok(
        out.summary.notChecked.some(
          (u: { package: string; signals: { source?: string; reason: string }[] }) =>
            u.package === '*' && u.signals.some((s) => s.source === 'yarn.lock' && /not read/.test(s.reason)),
        ),
      );
      assert.ok(out.findings.some((f: { code: string }) => f.code === 'check-incomplete'));
      assert.match(json.stderr, /yarn\.lock:1:1: error: yarn\.lock was not read: it is a link to a file outside the project/);

      const text = await trustlens(base, isolatedNpmEnv(home));
      assert.doesNotMatch(text.stdout + text.stderr, new RegExp(TOKEN));
      assert.match(text.stdout, /yarn\.lock was not read: no locked version was checked/);
      assert.match(text.stdout, /not checked/);
      const sarif = await trustlens([...base, '--format', 'sarif'], isolatedNpmEnv(home));
      assert.doesNotMatch(sarif.stdout + sarif.stderr, new RegExp(TOKEN));
      assert.ok(JSON.parse(sarif.stdout).runs[0].results.length > 0);
    });

    it('package-lock.json -> /dev/zero is refused without reading it', async function () {
      if (!fs.existsSync('/dev/zero')) this.skip();
      const { parent, proj } = tempParent();
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app' }));
      fs.symlinkSync('/dev/zero', path.join(proj, 'package-lock.json'));
      const files = await readProjectFiles(proj);
      assert.equal(files.has('package-lock.json'), false);
      assert.deepEqual(
        files.refused.map((r) => [r.path, r.code]),
        [['package-lock.json', 'outside-project']],
      );
      const r = await trustlens(['check', proj, '--registry', registry.url, '--advisories', 'npm', '--format', 'json'], isolatedNpmEnv(parent));
      assert.equal(r.code, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).summary.resolution, 'lockfile-unread');
    });

    it('a pipe or a device inside the project is not a project file', async function () {
      const { proj } = tempParent();
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app' }));
      try {
        execFileSync('mkfifo', [path.join(proj, 'package-lock.json')]);
      } catch {
        this.skip(); // no mkfifo here
      }
      // Before, reading it waited for a writer forever.
      const files = await readProjectFiles(proj);
      assert.deepEqual(
        files.refused.map((r) => [r.path, r.code]),
        [['package-lock.json', 'unreadable-file']],
      );
      assert.match(files.refused[0].reason, /not a regular file/);
    });

    it('links that stay inside the project are followed as before', async () => {
      const { proj } = tempParent();
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'left-pad': '^1.0.0' } }));
      const lock = {
        name: 'app',
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { 'left-pad': '^1.0.0' } },
          'node_modules/left-pad': { version: '1.3.0', resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz', integrity: 'sha512-AAAA' },
        },
      };
      write(path.join(proj, 'locks/real.json'), JSON.stringify(lock));
      fs.symlinkSync(path.join('locks', 'real.json'), path.join(proj, 'package-lock.json'));
      const model = buildProject(proj, await readProjectFiles(proj));
      assert.deepEqual(
        model.lockfile?.packages.map((p) => `${p.name}@${p.version}`),
        ['left-pad@1.3.0'],
      );
      assert.deepEqual(model.problems, []);
    });

    it(`a lockfile over the cap (${MAX_PROJECT_FILE_BYTES / 1024 / 1024} MB) is refused by its size, before any of it is read`, async () => {
      const { proj } = tempParent();
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app' }));
      // Sparse: gigabytes on paper, nothing on disk.
      const fd = fs.openSync(path.join(proj, 'package-lock.json'), 'w');
      fs.ftruncateSync(fd, 4 * 1024 * 1024 * 1024);
      fs.closeSync(fd);
      const model = buildProject(proj, await readProjectFiles(proj));
      assert.equal(model.unreadLockfile?.file, 'package-lock.json');
      const problem = model.problems.find((p) => p.file === 'package-lock.json')!;
      assert.equal(problem.code, 'unreadable-file');
      assert.match(problem.message, /larger than 128 MB \(4096 MB\)/);
    });

    it('the cap holds for every project file, the manifests too', async () => {
      const { proj } = tempParent();
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app', workspaces: ['packages/*'], padding: 'x'.repeat(2000) }));
      write(path.join(proj, 'packages/a/package.json'), JSON.stringify({ name: 'a' }));
      const files = await readProjectFiles(proj, undefined, 1000);
      assert.deepEqual(
        files.refused.map((r) => [r.path, r.code]),
        [['package.json', 'unreadable-file']],
      );
      assert.deepEqual([...files.keys()], []);
    });
  });

  describe('problem messages never quote the file', () => {
    it('a yarn.lock whose first line is a token: the token in no output of the CLI', async () => {
      const { parent, proj } = tempParent();
      write(path.join(proj, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'left-pad': '^1.0.0' } }));
      write(path.join(proj, 'yarn.lock'), `${NPMRC_LINE}\n`);
      const model = buildProject(proj, await readProjectFiles(proj));
      assert.ok(model.problems.length > 0);
      for (const p of model.problems) assert.doesNotMatch(p.message, new RegExp(TOKEN), p.message);
      assert.match(model.problems[0].message, /line 1/);

      const registry = await startFixtureRegistry(emptyCorpus());
      try {
        const base = ['check', proj, '--registry', registry.url, '--advisories', 'npm'];
        for (const format of ['text', 'json', 'sarif']) {
          const r = await trustlens([...base, '--format', format], isolatedNpmEnv(parent));
          assert.doesNotMatch(r.stdout + r.stderr, new RegExp(TOKEN), `${format}: ${r.stdout}${r.stderr}`);
          assert.notEqual(r.code, 0, `${format}: a lockfile that cannot be read is not clean`);
        }
        const list = await trustlens(['list', proj, '--format', 'json'], isolatedNpmEnv(parent));
        assert.doesNotMatch(list.stdout + list.stderr, new RegExp(TOKEN));
      } finally {
        await registry.close();
      }
    });

    it('YAML errors that would quote the text name its kind instead (block header, escape, tag)', () => {
      const texts = [
        `lockfileVersion: '9.0'\nx: |${TOKEN}\n  y\n`,
        `lockfileVersion: '9.0'\nx: "\\q${TOKEN}"\n`,
        `lockfileVersion: '9.0'\nx: !<tag:${TOKEN}> [\n`,
        `__metadata:\n  version: 6\n\n"a@npm:1":\n  version: !<${TOKEN}> 1\n  x: [\n`,
      ];
      for (const [i, text] of texts.entries()) {
        const lock = parseLockfile(i === 3 ? 'yarn.lock' : 'pnpm-lock.yaml', text, []);
        assert.ok(lock.problems.length, text);
        for (const p of lock.problems) assert.doesNotMatch(p.message, new RegExp(TOKEN), p.message);
      }
      const ws = readPnpmWorkspace(`packages:\n  - |${TOKEN}\n    x\n`);
      for (const p of ws.problems) assert.doesNotMatch(p.message, new RegExp(TOKEN), p.message);
    });
  });
});
