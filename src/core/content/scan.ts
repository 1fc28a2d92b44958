/**
 * One file → the capabilities its code shows (signals). A single pass of one trigger pattern (literal
 * alternatives only) finds candidate places; a small handler looks at a bounded window around each. Every
 * pattern is linear: alternations of literals, bounded repetitions, and windows of fixed size, so a 5 MB
 * adversarial line costs what any 5 MB line costs. Each trigger group has a match budget per file; once spent,
 * the scan goes on without it (a file with 50,000 `require(` calls has said what it needs to say).
 */
import { type CodeKind, inComment, Lines } from './files';
import { opaqueRuns, type OpaqueSummary } from './opaque';
import {
  CREDENTIAL_FILES,
  CREDENTIAL_NAME,
  METADATA_HOSTS,
  NETWORK_MODULES,
  NOT_SECRET_NAMES,
  PERSISTENCE_LOCATIONS,
  PLATFORM_TOKEN_ALTERNATION,
  PLATFORM_TOKENS,
  PROCESS_MODULES,
  WALLET_MARKERS,
} from './patterns';

export type SignalKind =
  /** Starts programs (key: module or API). */
  | 'process'
  /** Uses a network API (key: module or API). */
  | 'network'
  /** A hard-coded URL (key: host). */
  | 'url'
  /** A hard-coded public IPv4 address (key: the address). */
  | 'ip'
  /** Reads credentials (key: `env:NAME`, `file:.npmrc`, `env-dump`, `metadata`, `wallet:…`). */
  | 'credential'
  /** Obfuscator signature (key: which). */
  | 'obfuscation'
  /** Runs `npm publish` (or uses libnpmpublish). */
  | 'publish'
  /** Handles a registry token (NPM_TOKEN, _authToken, whoami). */
  | 'registry-token'
  /** Creates a tarball. */
  | 'tarball'
  /** Writes a package.json. */
  | 'package-write'
  /** Writes a persistence location (key: location). */
  | 'persistence';

export interface Signal {
  kind: SignalKind;
  key: string;
  /** First occurrence outside comments (or the first at all when every one is in a comment). */
  offset: number;
  length: number;
  count: number;
  /** Some occurrence is code, not a comment. */
  inCode: boolean;
  /** For credentials: the user's or the CI's secrets (strong) rather than an application's own settings (weak). */
  strong?: boolean;
  /** What was seen, for evidence (e.g. `process.env.NPM_TOKEN`, `https://x.example/a`). */
  detail?: string;
}

export interface FileScan {
  path: string;
  kind: CodeKind;
  text: string;
  lines: Lines;
  signals: Map<string, Signal>;
  opaque: OpaqueSummary;
  /** eval / Function / vm with an argument that is not a constant string. */
  dynamicEval: boolean;
  /** Trigger groups whose match budget ran out. */
  capped: string[];
}

export const signalId = (kind: SignalKind, key: string): string => `${kind}\u0000${key}`;

const BUDGET = 50_000;
const COMMENT_CHECKS = 16;

interface State {
  scan: FileScan;
  text: string;
  kind: CodeKind;
  commentChecks: Map<string, number>;
  envDynamic: boolean;
  envEnumerate?: { offset: number; length: number };
  platformNames: { name: string; offset: number }[];
  mentionsPackageJson?: { offset: number };
  writes?: { offset: number; length: number };
  persistence: { key: string; offset: number; length: number }[];
  hex0x: { count: number; names: Set<string>; first: number };
  fromCharCodeChecks: number;
}

type Handler = (st: State, at: number, m: string) => void;

interface Group {
  name: string;
  kinds: readonly CodeKind[];
  source: string;
  handle: Handler;
}

const ALL: readonly CodeKind[] = ['js', 'shell', 'python'];
const JS: readonly CodeKind[] = ['js'];

function add(st: State, kind: SignalKind, key: string, offset: number, length: number, extra: { strong?: boolean; detail?: string; noCommentCheck?: boolean } = {}): void {
  const id = signalId(kind, key);
  const s = st.scan.signals.get(id);
  if (s?.inCode) {
    s.count++;
    if (extra.strong && !s.strong) s.strong = true;
    return;
  }
  let code = true;
  if (!extra.noCommentCheck) {
    const checks = st.commentChecks.get(id) ?? 0;
    if (checks < COMMENT_CHECKS) {
      st.commentChecks.set(id, checks + 1);
      code = !inComment(st.text, offset, st.kind);
    }
  }
  if (!s) {
    st.scan.signals.set(id, { kind, key, offset, length, count: 1, inCode: code, strong: extra.strong, detail: extra.detail });
  } else {
    s.count++;
    if (code) Object.assign(s, { offset, length, inCode: true, detail: extra.detail ?? s.detail });
    if (extra.strong) s.strong = true;
  }
}

const charBefore = (text: string, at: number): string => (at > 0 ? text[at - 1] : '');
const QUOTE_OR_PATH = /['"`/\\~]/;

/** `node:https` → `https`, `axios/lib/x` → `axios`, `@scope/a/b` → `@scope/a`. */
export function packageOfSpecifier(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/')) return undefined;
  const s = spec.startsWith('node:') ? spec.slice(5) : spec;
  const parts = s.split('/');
  return s.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function classifyEnvName(st: State, name: string, offset: number, length: number, detail: string): void {
  const upper = name.toUpperCase();
  if (PLATFORM_TOKENS.has(upper)) add(st, 'credential', `env:${upper}`, offset, length, { strong: true, detail });
  else if (CREDENTIAL_NAME.test(upper) && !NOT_SECRET_NAMES.has(upper)) add(st, 'credential', `env:${upper}`, offset, length, { strong: false, detail });
  if (upper === 'NPM_TOKEN' || upper === 'NODE_AUTH_TOKEN' || upper === 'NPM_CONFIG__AUTHTOKEN') add(st, 'registry-token', upper, offset, length, { detail });
}

const MODULE_SPEC = /\s{0,8}(['"`])([^'"`\s]{1,214})\1/y;
const ENV_MEMBER = /\s{0,3}(?:\.\s{0,3}([A-Za-z_][A-Za-z0-9_]{0,80})\b(?!\s{0,3}\()|\[\s{0,3}(['"`])([A-Za-z_][A-Za-z0-9_]{0,80})\2\s{0,3}\]|\.get\(\s{0,3}(['"`])([A-Za-z_][A-Za-z0-9_]{0,80})\4)/y;
const ENV_DYNAMIC = /\s{0,3}\[\s{0,3}[^'"`\s\]]/y;
const PY_ENV = /(?:\.get\(\s{0,3}|\[\s{0,3}|\(\s{0,3})(['"])([A-Za-z_]\w{0,80})\1/y;

const GROUPS: Group[] = [
  {
    name: 'process',
    kinds: JS,
    source: String.raw`child_process|\bBun\.(?:spawnSync|spawn|\$)|\bDeno\.(?:run|Command)\b|\b(?:execSync|execFileSync|spawnSync)\s{0,3}\(`,
    handle(st, at, m) {
      if (m === 'child_process') return add(st, 'process', 'child_process', at, m.length);
      if (m.startsWith('Bun.') || m.startsWith('Deno.')) return add(st, 'process', m, at, m.length);
      if (charBefore(st.text, at) === '.') return; // someone else's execSync method
      if (/function\s{1,3}$/.test(st.text.slice(Math.max(0, at - 12), at))) return;
      add(st, 'process', m.replace(/\s*\($/, ''), at, m.length);
    },
  },
  {
    name: 'module',
    kinds: JS,
    source: String.raw`\brequire\s{0,3}\(|\bimport\s{0,3}\(|\bfrom\s{0,3}['"]|\bimport\s{0,3}['"]`,
    handle(st, at, m) {
      const quoted = m.endsWith('"') || m.endsWith("'");
      MODULE_SPEC.lastIndex = quoted ? at + m.length - 1 : at + m.length;
      const r = MODULE_SPEC.exec(st.text);
      if (!r) {
        if (!quoted) {
          // require(atob('…')) / require(Buffer.from('…','base64').toString()): a module name hidden from readers.
          const arg = st.text.slice(at + m.length, at + m.length + 80);
          if (/^\s{0,3}(?:atob\s{0,3}\(|Buffer\.from\s{0,3}\(|String\.fromCharCode|[\w$]{1,40}\s{0,3}\(\s{0,3}['"`][A-Za-z0-9+/=]{8,}['"`]\s{0,3}\)\s{0,3}\))/.test(arg)) {
            add(st, 'obfuscation', 'decoded-require', at, m.length + 40, { noCommentCheck: true, detail: `${m}${arg.slice(0, 40)}` });
          }
        }
        return;
      }
      const pkg = packageOfSpecifier(r[2]);
      if (!pkg) return;
      if (PROCESS_MODULES.has(pkg)) add(st, 'process', pkg, at, MODULE_SPEC.lastIndex - at, { detail: `${m}${r[0].trim()}` });
      else if (NETWORK_MODULES.has(pkg)) add(st, 'network', pkg, at, MODULE_SPEC.lastIndex - at, { detail: `${m}${r[0].trim()}` });
    },
  },
  {
    name: 'network-api',
    kinds: JS,
    source: String.raw`\bfetch\s{0,3}\(|\bXMLHttpRequest\b|\bWebSocket\b|\bsendBeacon\b|\bEventSource\b`,
    handle(st, at, m) {
      const before = st.text.slice(Math.max(0, at - 24), at);
      if (m.startsWith('fetch')) {
        if (before.endsWith('.') && !/\b(?:window|globalThis|self|global)\s{0,3}\.$/.test(before)) return;
        if (/(?:function|async|get|set|static)\s{1,3}$/.test(before) || /[:#]\s{0,3}$/.test(before)) return;
        return add(st, 'network', 'fetch', at, m.length);
      }
      if (m === 'WebSocket' || m === 'EventSource') {
        const after = st.text.slice(at + m.length, at + m.length + 4);
        if (!/new\s{1,3}(?:[\w$]{1,20}\.)?$/.test(before) && !/^\s{0,3}\(/.test(after)) return;
      }
      add(st, 'network', m, at, m.length);
    },
  },
  {
    name: 'url',
    kinds: ALL,
    source: String.raw`\b(?:https?|wss?|ftp)://`,
    handle(st, at, m) {
      const rest = st.text.slice(at + m.length, at + m.length + 300);
      const hm = /^[^\s'"`<>()\\/?#]{1,255}/.exec(rest);
      if (!hm) return;
      let host = hm[0];
      const atSign = host.lastIndexOf('@');
      if (atSign >= 0) host = host.slice(atSign + 1);
      host = host.replace(/:\d{1,5}$/, '').replace(/\.$/, '').toLowerCase();
      if (!isHost(host)) return;
      const urlText = st.text.slice(at, at + Math.min(m.length + 200, m.length + (/^[^\s'"`<>()\\]{1,200}/.exec(rest)?.[0].length ?? hm[0].length)));
      if (METADATA_HOSTS.has(host)) return add(st, 'credential', 'metadata', at, urlText.length, { strong: true, detail: urlText });
      add(st, 'url', host, at, urlText.length, { detail: urlText });
    },
  },
  {
    name: 'ip',
    kinds: ALL,
    source: String.raw`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`,
    handle(st, at, m) {
      const after = st.text[at + m.length] ?? '';
      if (after === '.' || /\d/.test(after)) return;
      if (METADATA_HOSTS.has(m)) return add(st, 'credential', 'metadata', at, m.length, { strong: true, detail: m });
      const b = charBefore(st.text, at);
      if (!/['"`/@]/.test(b) || !/['"`:/]/.test(after)) return;
      if (!isPublicIPv4(m)) return;
      add(st, 'ip', m, at, m.length, { detail: m });
    },
  },
  {
    name: 'env',
    kinds: ALL,
    source: String.raw`\benv\b|\benviron\b|\bgetenv\b`,
    handle(st, at, m) {
      const t = st.text;
      const end = at + m.length;
      if (m === 'env') {
        const before = t.slice(Math.max(0, at - 48), at);
        if (/JSON\.stringify\(\s{0,3}(?:\{\s{0,3}\.\.\.\s{0,3})?process\.$/.test(before)) {
          return add(st, 'credential', 'env-dump', at - 8, 12, { strong: true, detail: 'JSON.stringify(process.env)' });
        }
        if (/(?:Object\.(?:keys|entries|values)\(\s{0,3}|\bin\s{1,3})process\.$/.test(before)) {
          st.envEnumerate ??= { offset: Math.max(0, at - 20), length: 28 };
          return;
        }
        if (/\}\s{0,3}=\s{0,3}process\.$/.test(before)) {
          const win = t.slice(Math.max(0, at - 400), at);
          const open = win.lastIndexOf('{');
          if (open >= 0) {
            for (const name of win.slice(open).match(/[A-Za-z_][A-Za-z0-9_]{0,80}/g) ?? []) {
              if (name !== 'process') classifyEnvName(st, name, at, m.length, `{ ${name} } = process.env`);
            }
          }
          return;
        }
        ENV_MEMBER.lastIndex = end;
        const r = ENV_MEMBER.exec(t);
        if (r) {
          const name = r[1] ?? r[3] ?? r[5];
          const owner = /(?:process|Bun|Deno|meta)\.$/.exec(before)?.[0] ?? '';
          classifyEnvName(st, name, at - owner.length, ENV_MEMBER.lastIndex - at + owner.length, `${owner}env${r[0].trim()}`);
          return;
        }
        ENV_DYNAMIC.lastIndex = end;
        if (/process\.$/.test(before) && ENV_DYNAMIC.test(t)) st.envDynamic = true;
        return;
      }
      // Python: os.environ['X'], os.environ.get('X'), os.getenv('X'); json.dumps(dict(os.environ)).
      if (st.kind === 'python') {
        if (/dumps\(\s{0,3}(?:dict\(\s{0,3})?os\.$/.test(t.slice(Math.max(0, at - 24), at))) {
          return add(st, 'credential', 'env-dump', at, m.length, { strong: true, detail: 'json.dumps(os.environ)' });
        }
        PY_ENV.lastIndex = end;
        const r = PY_ENV.exec(t);
        if (r) classifyEnvName(st, r[2], at, PY_ENV.lastIndex - at, `${m}${r[0]}`);
      }
    },
  },
  {
    name: 'shell-env',
    kinds: ['shell'],
    source: String.raw`\$\{?[A-Za-z_][A-Za-z0-9_]{2,80}|%[A-Za-z_][A-Za-z0-9_]{2,80}%|\$env:[A-Za-z_][A-Za-z0-9_]{2,80}`,
    handle(st, at, m) {
      const name = m.replace(/^\$env:|^\$\{?|^%|%$/g, '');
      classifyEnvName(st, name, at, m.length, m);
    },
  },
  {
    name: 'platform-token',
    kinds: ALL,
    source: String.raw`\b(?:${PLATFORM_TOKEN_ALTERNATION})\b|_authToken|/-/whoami|\bnpm\s{1,3}whoami\b`,
    handle(st, at, m) {
      if (PLATFORM_TOKENS.has(m)) {
        st.platformNames.push({ name: m, offset: at });
        if (m === 'NPM_TOKEN' || m === 'NODE_AUTH_TOKEN' || m === 'NPM_CONFIG__AUTHTOKEN') add(st, 'registry-token', m, at, m.length);
        return;
      }
      add(st, 'registry-token', m.replace(/\s+/g, ' '), at, m.length);
    },
  },
  {
    name: 'credential-file',
    kinds: ALL,
    source: String.raw`\.npmrc\b|\.netrc\b|\.pypirc\b|\.git-credentials\b|\.ssh\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.aws\b|\.azure\b|gcloud[\\/]|\.docker\b|\.kube\b|\bgh[\\/]{1,2}hosts\.yml|metadata\.google\.internal|\.env\b`,
    handle(st, at, m) {
      const t = st.text;
      if (m === 'metadata.google.internal') return add(st, 'credential', 'metadata', at, m.length, { strong: true, detail: m });
      for (const f of CREDENTIAL_FILES) {
        if (!f.re.test(m)) continue;
        if (m.startsWith('.')) {
          // A path, not a member: `'.npmrc'`, `~/.ssh`, `path.join(home, '.aws')`; not `process.env` or `www.docker.com`.
          if (!QUOTE_OR_PATH.test(charBefore(t, at))) return;
          if (f.key === '.env') {
            const after = /^(?:\.[a-z]{1,12})?['"`/\\]/.exec(t.slice(at + m.length, at + m.length + 16));
            if (!after) return;
          }
        }
        return add(st, 'credential', `file:${f.key}`, at, m.length, { strong: f.strong, detail: snippetOf(t, at, m.length) });
      }
    },
  },
  {
    name: 'wallet',
    kinds: ALL,
    source: WALLET_MARKERS.map((w) => escapeRe(w.text)).join('|') + String.raw`|\bethereum\.request\b`,
    handle(st, at, m) {
      const w = WALLET_MARKERS.find((x) => x.text === m);
      add(st, 'credential', `wallet:${w ? w.key : 'window.ethereum'}`, at, m.length, { strong: true, detail: m });
    },
  },
  {
    name: '_0x',
    kinds: JS,
    source: String.raw`\b_0x[0-9a-f]{4}`,
    handle(st, at) {
      const h = st.hex0x;
      if (h.count === 0) h.first = at;
      h.count++;
      if (h.names.size < 1000) {
        const name = /^_0x[0-9a-f]{4,12}/.exec(st.text.slice(at, at + 16));
        if (name) h.names.add(name[0]);
      }
    },
  },
  {
    name: 'obfuscator',
    kinds: JS,
    source: String.raw`['"]push['"]\s{0,3}\]|\bwhile\s{0,3}\(\s{0,3}!!\[\]\s{0,3}\)|\bfromCharCode\b`,
    handle(st, at, m) {
      const t = st.text;
      if (m.includes('push')) {
        if (/['"]shift['"]\s{0,3}\]/.test(t.slice(at, at + 200))) add(st, 'obfuscation', 'string-array-rotation', at, m.length, { noCommentCheck: true, detail: t.slice(at, at + 60) });
        return;
      }
      if (m.startsWith('while')) return add(st, 'obfuscation', 'obfuscator-loop', at, m.length, { noCommentCheck: true, detail: m });
      if (st.fromCharCodeChecks++ > 200) return;
      const list = longestIntList(t, Math.max(0, at - 3000), Math.min(t.length, at + 3000));
      if (list.count >= 64 && list.printable >= 0.9) {
        add(st, 'obfuscation', 'char-codes', list.start, list.end - list.start, { noCommentCheck: true, detail: `${list.count} character codes near String.fromCharCode` });
      } else {
        // String.fromCharCode(104, 116, 116, 112, …) with the text spelled out as arguments.
        const direct = longestIntList(t, at + m.length, Math.min(t.length, at + m.length + 600));
        if (direct.count >= 16 && direct.printable >= 0.9 && direct.start - (at + m.length) < 24) {
          add(st, 'obfuscation', 'char-codes', at, direct.end - at, { noCommentCheck: true, detail: `String.fromCharCode with ${direct.count} literal codes` });
        }
      }
    },
  },
  {
    name: 'eval',
    kinds: JS,
    source: String.raw`\beval\s{0,3}\(|\bFunction\s{0,3}\(|\brunIn(?:This|New)?Context\b|\bcompileFunction\b|\bnew\s{1,3}(?:vm\.)?Script\s{0,3}\(`,
    handle(st, at, m) {
      const t = st.text;
      const before = t.slice(Math.max(0, at - 16), at);
      if (before.endsWith('.') && !/\b(?:window|globalThis|global|self|vm)\s{0,3}\.$/.test(before) && !m.startsWith('runIn') && !m.startsWith('compile')) {
        // obj.eval( / obj.Function( are someone else's methods; window.eval( and vm.runIn… are what we look for.
        return;
      }
      if (/function\s{1,3}$/.test(t.slice(Math.max(0, at - 12), at))) return;
      const argStart = m.endsWith('(') ? at + m.length : t.indexOf('(', at + m.length);
      if (argStart < 0 || argStart - at > 40) return;
      const arg = t.slice(argStart, argStart + 300);
      if (/^\s{0,3}\)/.test(arg)) return;
      if (!CONSTANT_ARGS.test(arg)) st.scan.dynamicEval = true;
      if (/^[^;]{0,240}?(?:\batob\s{0,3}\(|Buffer\.from\s{0,3}\(|fromCharCode|['"`](?:base64|hex)['"`]|\bunescape\s{0,3}\(|decodeURIComponent\s{0,3}\(\s{0,3}escape|\.reverse\(\)\s{0,3}\.join)/.test(arg)) {
        add(st, 'obfuscation', 'decode-eval', at, Math.min(arg.length, 120) + (argStart - at), { noCommentCheck: true, detail: `${m}${arg.slice(0, 60)}` });
      }
    },
  },
  {
    name: 'publish',
    kinds: ALL,
    source: String.raw`\b(?:npm|pnpm|yarn|bun)(?:\s{1,3}|['"]\s{0,3},\s{0,3}\[?\s{0,3}['"])publish\b|\blibnpmpublish\b|\bnpm\s{1,3}pack\b|\btar\.c(?:reate)?\s{0,3}\(|\.tgz\b|\btar\s{1,3}-?c[a-z]{0,4}z|\bpackage\.json\b`,
    handle(st, at, m) {
      if (m === 'package.json') {
        st.mentionsPackageJson ??= { offset: at };
        return;
      }
      if (/publish/.test(m)) return add(st, 'publish', m.startsWith('lib') ? 'libnpmpublish' : 'npm publish', at, m.length, { detail: snippetOf(st.text, at, m.length) });
      if (m === '.tgz' && !QUOTE_OR_PATH.test(charBefore(st.text, at)) && !/[\w$-]/.test(charBefore(st.text, at))) return;
      add(st, 'tarball', m === '.tgz' ? '.tgz' : m.replace(/\s+/g, ' ').replace(/\s*\($/, ''), at, m.length, { detail: snippetOf(st.text, at, m.length) });
    },
  },
  {
    name: 'persistence',
    kinds: ALL,
    source: String.raw`\.bashrc\b|\.bash_profile\b|\.zshrc\b|\.zprofile\b|\.profile\b|config\.fish\b|\btasks\.json\b|\.claude\b|\bcrontab\b|/etc/cron|\bsystemd\b|systemctl\s{1,3}--user|Launch(?:Agents|Daemons)\b|CurrentVersion\\{1,2}Run|\bStartup\b|shell:startup|\.config[\\/]{1,2}autostart`,
    handle(st, at, m) {
      const win = st.text.slice(Math.max(0, at - 40), at + m.length + 40);
      for (const loc of PERSISTENCE_LOCATIONS) {
        if (!loc.re.test(win)) continue;
        if (loc.key === '.vscode/tasks.json' && !/\.vscode/.test(win)) continue;
        if (loc.key === '.claude/settings.json' && !/settings|hooks/.test(st.text.slice(at, at + 80))) continue;
        if (inComment(st.text, at, st.kind)) return;
        st.persistence.push({ key: loc.key, offset: at, length: m.length });
        return;
      }
    },
  },
  {
    name: 'write',
    kinds: ALL,
    source: String.raw`\b(?:write|append)File(?:Sync)?\b|\bcreateWriteStream\b|\bcopyFile(?:Sync)?\b|\boutputFile(?:Sync)?\b|\bwriteJson(?:Sync)?\b|\breg(?:\.exe)?\s{1,3}add\b|\bNew-ItemProperty\b|\bSet-ItemProperty\b|\bAdd-Content\b|\bcrontab\s{1,3}-|\blaunchctl\s{1,3}load\b|\bsystemctl\s{1,3}--user\s{1,3}enable\b|>>\s{0,3}["']?(?:~/|\$HOME|\$\{HOME\}|%USERPROFILE%)`,
    handle(st, at, m) {
      st.writes ??= { offset: at, length: m.length };
    },
  },
  {
    name: 'shell-write',
    kinds: ['shell'],
    source: String.raw`>>|\btee\b|\bcat\s{1,3}>|\becho\b[^\n>]{0,200}>`,
    handle(st, at, m) {
      st.writes ??= { offset: at, length: m.length };
    },
  },
  {
    name: 'shell-network',
    kinds: ['shell', 'python'],
    source: String.raw`\bcurl\b|\bwget\b|\bInvoke-WebRequest\b|\bInvoke-RestMethod\b|\biwr\b|\birm\b|Net\.WebClient|/dev/tcp/|\burllib\b|\brequests\.(?:get|post|put)\b|\bhttp\.client\b|\bsocket\.socket\b`,
    handle(st, at, m) {
      add(st, 'network', m.replace(/\.(?:get|post|put)$/, ''), at, m.length, { detail: snippetOf(st.text, at, m.length) });
    },
  },
  {
    name: 'python-process',
    kinds: ['python'],
    source: String.raw`\bsubprocess\b|\bos\.system\b|\bos\.popen\b|\bos\.exec[lv]p?e?\b`,
    handle(st, at, m) {
      add(st, 'process', m, at, m.length);
    },
  },
];

/** Only string literals (and commas) up to the closing parenthesis: `Function("return this")`. */
const CONSTANT_ARGS = /^\s{0,3}(?:(['"`])(?:(?!\1)[^\\\n]|\\.){0,200}\1\s{0,3},?\s{0,3}){1,6}\)/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function isHost(h: string): boolean {
  if (!h || h.length > 253 || h.includes('${') || /[{}%*]/.test(h)) return false;
  if (h === 'localhost') return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(h)) return true;
  return /^(?:[a-z0-9-]{1,63}\.){1,20}[a-z]{2,24}$/.test(h);
}

/** Public unicast IPv4: not private, loopback, link-local, CGNAT, documentation, multicast or reserved. */
export function isPublicIPv4(ip: string): boolean {
  const parts = ip.split('.');
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return false;
  const o = parts.map(Number);
  if (o.length !== 4 || o.some((x) => !(x >= 0 && x <= 255))) return false;
  const [a, b, c, d] = o;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  if (a === 198 && b === 51 && c === 100) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  if (d === 0 || d === 255) return false;
  return true;
}

/** The longest comma-separated list of small integers within [from, to): count, printable-ASCII share, place. */
function longestIntList(t: string, from: number, to: number): { count: number; printable: number; start: number; end: number } {
  let best = { count: 0, printable: 0, start: from, end: from };
  let count = 0;
  let printable = 0;
  let start = -1;
  let i = from;
  while (i < to) {
    let c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      const numStart = i;
      let v = 0;
      if (c === 48 && (t[i + 1] === 'x' || t[i + 1] === 'X')) {
        i += 2;
        while (i < to && /[0-9a-fA-F]/.test(t[i]) && i - numStart < 8) v = v * 16 + parseInt(t[i++], 16);
      } else {
        while (i < to && (c = t.charCodeAt(i)) >= 48 && c <= 57 && i - numStart < 7) {
          v = v * 10 + (c - 48);
          i++;
        }
      }
      if (start < 0) start = numStart;
      count++;
      if ((v >= 32 && v <= 126) || v === 9 || v === 10 || v === 13) printable++;
      // separator: optional spaces, a comma, optional spaces
      let j = i;
      while (j < to && (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 10)) j++;
      if (t.charCodeAt(j) === 44) {
        j++;
        while (j < to && (t.charCodeAt(j) === 32 || t.charCodeAt(j) === 10)) j++;
        const n = t.charCodeAt(j);
        if (n >= 48 && n <= 57) {
          i = j;
          continue;
        }
      }
      if (count > best.count) best = { count, printable: printable / count, start, end: i };
      count = 0;
      printable = 0;
      start = -1;
      continue;
    }
    i++;
  }
  return best;
}

function snippetOf(t: string, at: number, length: number): string {
  return t
    .slice(Math.max(0, at - 30), Math.min(t.length, at + length + 40))
    .replace(/\s+/g, ' ')
    .trim();
}

interface Compiled {
  re: RegExp;
  groups: Group[];
}
const compiled = new Map<string, Compiled>();

function triggerFor(kind: CodeKind, skip: ReadonlySet<string>): Compiled {
  const key = `${kind}:${[...skip].sort().join(',')}`;
  let c = compiled.get(key);
  if (!c) {
    const groups = GROUPS.filter((g) => g.kinds.includes(kind) && !skip.has(g.name));
    c = { re: new RegExp(groups.map((g) => `(${g.source})`).join('|'), 'g'), groups };
    // Nested capture groups inside a source would shift indexes: sources use (?:…) only, and \1-style
    // backreferences nowhere.
    compiled.set(key, c);
  }
  return c;
}

/** Scans one file's text. */
export function scanFile(path: string, kind: CodeKind, data: Uint8Array, text: string): FileScan {
  const scan: FileScan = { path, kind, text, lines: new Lines(text), signals: new Map(), opaque: { opaqueBytes: 0, runs: [] }, dynamicEval: false, capped: [] };
  const st: State = {
    scan,
    text,
    kind,
    commentChecks: new Map(),
    envDynamic: false,
    platformNames: [],
    persistence: [],
    hex0x: { count: 0, names: new Set(), first: 0 },
    fromCharCodeChecks: 0,
  };
  const spent = new Map<string, number>();
  const skip = new Set<string>();
  let trig = triggerFor(kind, skip);
  let pos = 0;
  for (;;) {
    trig.re.lastIndex = pos;
    const m = trig.re.exec(text);
    if (!m) break;
    let gi = 1;
    while (m[gi] === undefined) gi++;
    const g = trig.groups[gi - 1];
    g.handle(st, m.index, m[0]);
    pos = m.index + Math.max(1, m[0].length);
    const n = (spent.get(g.name) ?? 0) + 1;
    spent.set(g.name, n);
    if (n >= BUDGET) {
      skip.add(g.name);
      scan.capped.push(g.name);
      trig = triggerFor(kind, skip);
    }
  }
  finish(st, data);
  return scan;
}

function finish(st: State, data: Uint8Array): void {
  const { scan } = st;
  const h = st.hex0x;
  if (h.count >= 20 && h.names.size >= 4) {
    scan.signals.set(signalId('obfuscation', '_0x-identifiers'), {
      kind: 'obfuscation',
      key: '_0x-identifiers',
      offset: h.first,
      length: 8,
      count: h.count,
      inCode: true,
      detail: `${h.count} uses of ${h.names.size}${h.names.size >= 1000 ? '+' : ''} _0x… identifiers (${[...h.names].slice(0, 3).join(', ')}, …)`,
    });
  }
  const hasNetwork = [...scan.signals.values()].some((s) => s.kind === 'network' && s.inCode);
  if (st.envEnumerate) {
    // Listing every variable is how a dump starts; with network code in the same file it is one.
    add(st, 'credential', 'env-enumerate', st.envEnumerate.offset, st.envEnumerate.length, {
      strong: hasNetwork,
      detail: snippetOf(st.text, st.envEnumerate.offset, st.envEnumerate.length),
    });
  }
  if (st.envDynamic || st.envEnumerate) {
    // Token names listed as strings and read through process.env[name].
    for (const p of st.platformNames.slice(0, 100)) add(st, 'credential', `env:${p.name}`, p.offset, p.name.length, { strong: true, detail: `${p.name} (read through process.env[…])` });
  }
  if (st.writes && st.mentionsPackageJson) {
    add(st, 'package-write', 'package.json', st.writes.offset, st.writes.length, { noCommentCheck: true, detail: snippetOf(st.text, st.writes.offset, st.writes.length) });
  }
  if (st.writes) {
    for (const p of st.persistence) add(st, 'persistence', p.key, p.offset, p.length, { noCommentCheck: true, detail: snippetOf(st.text, p.offset, p.length) });
  }
  if (scan.kind === 'js') {
    scan.opaque = opaqueRuns(data, st.text);
    for (const r of scan.opaque.runs) {
      if (r.evaluated) add(st, 'obfuscation', 'decode-eval', r.start, r.length, { noCommentCheck: true, detail: `eval of a ${r.length}-character encoded string` });
      else if (r.decoded && scan.dynamicEval) {
        add(st, 'obfuscation', 'encoded-payload', r.start, r.length, { noCommentCheck: true, detail: `${r.length}-character encoded string, decoded, in a file that evaluates code` });
      }
    }
  }
}
