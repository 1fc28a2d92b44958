import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT, requireSharedFixtures } from '../../support/fixtures';

const BIN = path.join(PROJECT_ROOT, 'bin/trustlens.js');

/** Runs the built CLI as a user would. */
function trustlens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-cli-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('trustlens list', function () {
  before(function () {
    if (!fs.existsSync(path.join(PROJECT_ROOT, 'dist/cli.js'))) {
      throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it)');
    }
  });

  it('lists the real sample project with file, 1-based line, direct and dev', function () {
    const dir = requireSharedFixtures(this, 'lockfiles/generated/small');
    const r = trustlens('list', dir, '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.lockfile, { file: 'package-lock.json', kind: 'npm', version: '3' });
    const lockText = fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
    const lockJson = JSON.parse(lockText);
    assert.equal(out.packages.length, Object.keys(lockJson.packages).length - 1);
    const express = out.packages.find((p: { name: string }) => p.name === 'express');
    const expectedLine = lockText.split('\n').findIndex((l) => l.includes('"node_modules/express": {')) + 1;
    assert.equal(express.file, 'package-lock.json');
    assert.equal(express.line, expectedLine);
    assert.equal(express.direct, true);
    assert.equal(express.dev, false);
    const direct = out.packages
      .filter((p: { direct: boolean }) => p.direct)
      .map((p: { name: string }) => p.name)
      .sort();
    assert.deepEqual(direct, Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies).sort());
    const transitive = out.packages.find((p: { name: string }) => p.name === 'accepts');
    assert.equal(transitive.direct, false);
    assert.equal(transitive.paths[0][0], 'demo-small');
  });

  it('prints a text table', function () {
    const dir = requireSharedFixtures(this, 'lockfiles/generated/small');
    const r = trustlens('list', dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^express@4\.\d+\.\d+\s+package-lock\.json:\d+\s+direct$/m);
  });

  it('reads a yarn-only and a pnpm-only project', function () {
    const src = requireSharedFixtures(this, 'lockfiles/generated/small');
    for (const lock of ['yarn.lock', 'pnpm-lock.yaml']) {
      const dir = tempProject({
        'package.json': fs.readFileSync(path.join(src, 'package.json'), 'utf8'),
        [lock]: fs.readFileSync(path.join(src, lock), 'utf8'),
      });
      const r = trustlens('list', dir, '--format', 'json');
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.lockfile.file, lock);
      assert.ok(out.packages.length > 50);
      assert.ok(out.packages.some((p: { name: string; direct: boolean }) => p.name === 'express' && p.direct));
    }
  });

  it('exits 2 with a one-line reason on unusable input', () => {
    const missing = trustlens('list', path.join(os.tmpdir(), 'no-such-dir-trustlens'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^trustlens: .*is not a directory\n$/);
    const empty = trustlens('list', tempProject({}));
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no package\.json or lockfile/);
    const garbage = trustlens('list', tempProject({ 'package-lock.json': '\u0000\u0001garbage' }));
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr.trim().split('\n').pop()!, /^trustlens: package-lock\.json could not be read \(package-lock\.json:1:1: Invalid JSON/);
    const usage = trustlens('list', '--format', 'xml');
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, 'trustlens: --format must be json or text, not "xml"\n');
  });

  it('exits 2 with a one-line reason, not a stack trace, when its reader goes away (`trustlens list | head`)', async () => {
    const deps = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`dep-${i}`, '^1.0.0']));
    const dir = tempProject({ 'package.json': JSON.stringify({ name: 'p', version: '1.0.0', dependencies: deps }) });
    const child = spawn(process.execPath, [BIN, 'list', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before anything is written
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 2, stderr);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.pop(), 'trustlens: standard output was closed before everything was written (its reader ended)');
    for (const l of lines) assert.match(l, /^trustlens: /, 'no stack trace');
  });

  it('lists what it can from a damaged lockfile and reports the position of the damage', () => {
    const lock = JSON.stringify(
      { lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { version: '1.0.0' }, 'node_modules/b': { version: '2.0.0' } } },
      null,
      2,
    );
    const dir = tempProject({ 'package.json': '{"dependencies":{"a":"1"}}', 'package-lock.json': lock.slice(0, lock.indexOf('"node_modules/b"') + 12) });
    const r = trustlens('list', dir, '--format', 'json');
    assert.equal(r.code, 0);
    assert.deepEqual(
      JSON.parse(r.stdout).packages.map((p: { name: string }) => p.name),
      ['a'],
    );
    assert.match(r.stderr, /^package-lock\.json:8:\d+: error: Invalid JSON/m);
  });

  it('lists declared dependencies when there is no lockfile', () => {
    const r = trustlens('list', tempProject({ 'package.json': '{\n"dependencies":{"a":"^1"},\n"devDependencies":{"b":"2"}}' }), '--format', 'json');
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(out.lockfile, null);
    assert.deepEqual(
      out.packages.map((p: { name: string; version: null; line: number; dev: boolean }) => [p.name, p.version, p.line, p.dev]),
      [
        ['a', null, 2, false],
        ['b', null, 3, true],
      ],
    );
  });

  it('finds workspace manifests on disk', () => {
    const dir = tempProject({
      'package.json': '{"name":"root","workspaces":["packages/*"]}',
      'packages/one/package.json': '{"name":"one","dependencies":{"a":"^1"}}',
      'packages/two/package.json': '{"name":"two","devDependencies":{"b":"^1"}}',
      'packages/two/node_modules/x/package.json': '{"name":"x"}',
    });
    const r = trustlens('list', dir, '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).packages.map((p: { file: string; name: string }) => `${p.file} ${p.name}`),
      ['packages/one/package.json a', 'packages/two/package.json b'],
    );
  });
});
