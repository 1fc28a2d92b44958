/**
 * One file → the capabilities its code shows (signals). One linear pass of an AnchorSet finds the literal
 * anchors of every group (`child_process`, `require`, `env`, `://`, `_0x`, …); a small handler looks at a
 * bounded window around each. The few patterns that do not start with a literal (IPv4 addresses, shell `$VARS`)
 * run as passes of their own. Every regular expression here is applied to a bounded window or is free of
 * nested repetition, so a 5 MB adversarial line costs what any 5 MB line costs. Each group has a match budget
 * per file; once spent, its anchors are ignored (a file with 50,000 `require(` calls has said what it needs to
 * say). */
import { AnchorSet } from './anchors';
import {
  aliasUses,
  BEHAVIOUR_GROUPS,
  BEHAVIOUR_PASSES,
  type BehaviourState,
  collectDeclarations,
  ENCODER_OPEN,
  fold,
  fromCharCodeUse,
  invisibleRuns,
  pipeToShell,
  selfDecodingEval,
} from './behaviour';
import { type CodeKind, inComment, JsComments, Lines } from './files';
import { opaqueRuns, type OpaqueSummary } from './opaque';
import {
  CREDENTIAL_FILES,
  CREDENTIAL_NAME,
  METADATA_HOSTS,
  NETWORK_MODULES,
  NOT_SECRET_NAMES,
  PERSISTENCE_LOCATIONS,
  PLATFORM_TOKENS,
  PROCESS_MODULES,
  WALLET_MARKERS,
} from './patterns';

export type { SignalKind } from './types';
import type { SignalKind } from './types';
import type { Steps } from '../steps';

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
  /** Offsets of the first occurrences in code (at most PLACES), for pairing signals by place (chains.ts). */
  places: number[];
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
  /** Relative specifiers this file requires or imports (`./lib/x`), for following them into skipped folders. */
  relative: string[];
}

export const signalId = (kind: SignalKind, key: string): string => `${kind}\u0000${key}`;

const BUDGET = 50_000;
/** Places kept per signal. */
export const PLACES = 24;
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
  bs: BehaviourState;
  /** The text's comments (JavaScript), tokenized as far as questions need. */
  comments: () => JsComments;
}

type Handler = (st: State, at: number, m: string) => void;

interface Group {
  name: string;
  kinds: readonly CodeKind[];
  /** Literal anchors: the trigger finds these; the handler checks the surroundings. */
  anchors: readonly string[];
  handle: Handler;
  /** Matches handled per file (default BUDGET). */
  budget?: number;
}

const ALL: readonly CodeKind[] = ['js', 'shell', 'python'];
const JS: readonly CodeKind[] = ['js'];
const SHELL: readonly CodeKind[] = ['shell'];

/** The match of a sticky pattern at a place, or null. */
function at_(re: RegExp, text: string, offset: number): RegExpExecArray | null {
  re.lastIndex = offset;
  return re.exec(text);
}

const isWordChar = (c: string): boolean => /[\w$]/.test(c);
/** The anchor starts a word (no identifier character before it). */
const wordStart = (t: string, at: number): boolean => !isWordChar(charBefore(t, at));

function add(
  st: State,
  kind: SignalKind,
  key: string,
  offset: number,
  length: number,
  extra: { strong?: boolean; detail?: string; noCommentCheck?: boolean } = {},
): void {
  const id = signalId(kind, key);
  const s = st.scan.signals.get(id);
  if (s?.inCode) {
    s.count++;
    if (s.places.length < PLACES && s.places[s.places.length - 1] !== offset) s.places.push(offset);
    if (extra.strong && !s.strong) s.strong = true;
    return;
  }
  let code = true;
  if (!extra.noCommentCheck) {
    const checks = st.commentChecks.get(id) ?? 0;
    if (checks < COMMENT_CHECKS) {
      st.commentChecks.set(id, checks + 1);
      code = !inComment(st.text, offset, st.kind, st.comments);
    }
  }
  if (!s) {
    st.scan.signals.set(id, { kind, key, offset, length, count: 1, inCode: code, strong: extra.strong, detail: extra.detail, places: code ? [offset] : [] });
  } else {
    s.count++;
    if (code) Object.assign(s, { offset, length, inCode: true, detail: extra.detail ?? s.detail, places: [offset] });
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
  if (upper === 'COMPUTERNAME' || upper === 'USERDOMAIN' || upper === 'HOSTNAME') add(st, 'source', `host:${upper}`, offset, length, { detail });
  if (PLATFORM_TOKENS.has(upper)) add(st, 'credential', `env:${upper}`, offset, length, { strong: true, detail });
  else if (CREDENTIAL_NAME.test(upper) && !NOT_SECRET_NAMES.has(upper) && !upper.includes('PUBLIC'))
    add(st, 'credential', `env:${upper}`, offset, length, { strong: false, detail });
  if (upper === 'NPM_TOKEN' || upper === 'NODE_AUTH_TOKEN' || upper === 'NPM_CONFIG__AUTHTOKEN') add(st, 'registry-token', upper, offset, length, { detail });
}

const MODULE_CALL = /(?:require|import)\s{0,3}\(/y;
const MODULE_FROM = /(?:from|import)\s{0,3}(?=['"])/y;
const MODULE_SPEC = /\s{0,8}(['"`])([^'"`\s]{1,214})\1/y;
const ENV_MEMBER =
  /\s{0,3}(?:\.\s{0,3}([A-Za-z_][A-Za-z0-9_]{0,80})\b(?!\s{0,3}\()|\[\s{0,3}(['"`])([A-Za-z_][A-Za-z0-9_]{0,80})\2\s{0,3}\]|\.get\(\s{0,3}(['"`])([A-Za-z_][A-Za-z0-9_]{0,80})\4)/y;
const ENV_DYNAMIC = /\s{0,3}\[\s{0,3}[^'"`\s\]]/y;
const PY_ENV = /(?:\.get\(\s{0,3}|\[\s{0,3}|\(\s{0,3})(['"])([A-Za-z_]\w{0,80})\1/y;
const CALL_PAREN = /\s{0,3}\(/y;
const SCHEME_BEFORE = /(?:^|[^\w+.-])(https?|wss?|ftp)$/i;
const TAR_CMD = /tar(?:\.c(?:reate)?\s{0,3}\(|\s{1,3}-?c[a-z]{0,4}z)/y;
const HOME_CONTEXT = /homedir|\bHOME\b|USERPROFILE|~[\\/]|getHomeDir|\bhome\s{0,3}[,+)]|\/root\/|\/home\//;
const HOST_OPTION = /host(?:name)?['"]?\s{0,3}:\s{0,3}['"`]([A-Za-z0-9.-]{4,253})['"`]/y;
/** Request catchers and tunnels, found also where code names them without a scheme (`hostname: 'webhook.site'`). */
const EXFIL_NAMES = [
  'webhook.site',
  'pipedream.net',
  'oastify.com',
  'burpcollaborator.net',
  'interact.sh',
  'requestbin',
  'ngrok.io',
  'ngrok-free.app',
  'trycloudflare.com',
  'pastebin.com',
  'transfer.sh',
  'api.telegram.org',
  'discord.com/api/webhooks',
  'discordapp.com/api/webhooks',
];
const PERSIST_WRITE = /(?:crontab\s{1,3}-|systemctl\s{1,3}--user\s{1,3}enable|launchctl\s{1,3}load)/y;

function moduleUse(st: State, at: number, anchor: string): void {
  const t = st.text;
  if (!wordStart(t, at)) return;
  const call = at_(MODULE_CALL, t, at);
  const from = call ? null : at_(MODULE_FROM, t, at);
  if (!call && !from) return;
  const specAt = call ? MODULE_CALL.lastIndex : MODULE_FROM.lastIndex;
  const r = at_(MODULE_SPEC, t, specAt);
  // A specifier with escapes (`'\\u0063hild_process'`) is folded like any built name.
  if (!r || (r[1] === '`' && r[2].includes('${')) || r[2].includes('\\')) {
    if (call) {
      // require(atob('…')) / require(Buffer.from('…','base64').toString()): a module name hidden from readers.
      const arg = t.slice(specAt, specAt + 80);
      if (
        /^\s{0,3}(?:atob\s{0,3}\(|Buffer\.from\s{0,3}\(|String\.fromCharCode|[\w$]{1,40}\s{0,3}\(\s{0,3}['"`][A-Za-z0-9+/=]{8,}['"`]\s{0,3}\)\s{0,3}\))/.test(
          arg,
        )
      ) {
        add(st, 'obfuscation', 'decoded-require', at, specAt - at + 40, { noCommentCheck: true, detail: `${anchor}(${arg.slice(0, 40)}` });
      }
      // require('chi' + 'ld_process') / require(name) with a known constant: the module it names.
      const f = fold(t, specAt, st.bs.consts);
      const pkg = f ? packageOfSpecifier(f.value) : undefined;
      const close = f ? t[f.end + (/^\s{0,3}/.exec(t.slice(f.end, f.end + 3))?.[0].length ?? 0)] : undefined;
      if (f && pkg && close === ')') {
        const detail = `${anchor}(${JSON.stringify(f.value)}) — ${t.slice(specAt, Math.min(f.end, specAt + 60)).trim()}`;
        if (PROCESS_MODULES.has(pkg)) add(st, 'process', pkg, at, f.end - at, { detail });
        else if (NETWORK_MODULES.has(pkg)) add(st, 'network', pkg, at, f.end - at, { detail });
        if (f.built && (PROCESS_MODULES.has(pkg) || NETWORK_MODULES.has(pkg)))
          add(st, 'obfuscation', 'built-api-name', at, f.end - at, { noCommentCheck: true, detail });
      } else if (!f && /^\s{0,3}[^\s)'"]/.test(arg)) {
        // require(p) of a path computed at run time: where decoded code is loaded from.
        add(st, 'eval', `${anchor}(computed)`, at, anchor.length);
      }
    }
    return;
  }
  const pkg = packageOfSpecifier(r[2]);
  if (!pkg) {
    if (r[2].startsWith('.') && st.scan.relative.length < 2000) st.scan.relative.push(r[2]);
    return;
  }
  const detail = t.slice(at, MODULE_SPEC.lastIndex);
  if (PROCESS_MODULES.has(pkg)) add(st, 'process', pkg, at, MODULE_SPEC.lastIndex - at, { detail });
  else if (NETWORK_MODULES.has(pkg)) add(st, 'network', pkg, at, MODULE_SPEC.lastIndex - at, { detail });
}

const PROCESS_OWNER = /(?:globalThis\s{0,3}\.\s{0,3}|global\s{0,3}\.\s{0,3})?([A-Za-z_$][\w$]{0,39})\s{0,3}$/;

/** `process['env']` / `p["env"]` (p bound to process): the same as `process.env`. */
function envBracket(st: State, at: number): void {
  const t = st.text;
  const q = charBefore(t, at);
  if (t[at + 3] !== q) return;
  const open = /\[\s{0,3}$/.exec(t.slice(Math.max(0, at - 5), at - 1));
  const close = /^\s{0,3}\]/.exec(t.slice(at + 4, at + 8));
  if (!open || !close) return;
  const ownerEnd = at - 1 - open[0].length;
  const o = PROCESS_OWNER.exec(t.slice(Math.max(0, ownerEnd - 60), ownerEnd));
  if (!o || !(o[1] === 'process' || st.bs.processAliases.has(o[1]))) return;
  const start = ownerEnd - o[0].length;
  const end = at + 4 + close[0].length;
  const r = at_(ENV_MEMBER, t, end);
  if (r) {
    const name = r[1] ?? r[3] ?? r[5];
    return classifyEnvName(st, name, start, ENV_MEMBER.lastIndex - start, t.slice(start, ENV_MEMBER.lastIndex).replace(/\s+/g, ''));
  }
  if (at_(ENV_DYNAMIC, t, end)) {
    st.envDynamic = true;
    return;
  }
  if (ENCODER_OPEN.test(t.slice(Math.max(0, start - 80), start)))
    return add(st, 'credential', 'env-dump', start, end - start, { strong: true, detail: snippetOf(t, start, end - start) });
  add(st, 'source', 'env', start, end - start, { detail: snippetOf(t, start, end - start) });
}

function envUse(st: State, at: number): void {
  const t = st.text;
  const b = charBefore(t, at);
  if (b === "'" || b === '"' || b === '`') return envBracket(st, at);
  // `.env` as a file name: '.env', "/app/.env.local"
  if (b === '.') {
    if (QUOTE_OR_PATH.test(charBefore(t, at - 1)) && /^env(?:\.[a-z]{1,12})?['"`/\\]/.test(t.slice(at, at + 18))) {
      add(st, 'credential', 'file:.env', at - 1, 4, { strong: false, detail: snippetOf(t, at - 1, 4) });
    }
    if (!/process\.$|Bun\.$|Deno\.$|meta\.$|\w\.$/.test(t.slice(Math.max(0, at - 8), at))) return;
  }
  const word = /^(?:getenv|environ|env)\b/.exec(t.slice(b === 't' && t.slice(at - 3, at) === 'get' ? at - 3 : at, at + 8));
  if (!word) return;
  const m = word[0];
  const start = m === 'getenv' ? at - 3 : at;
  if (m !== 'getenv' && isWordChar(b)) return;
  if (m === 'getenv' && isWordChar(charBefore(t, start))) return;
  const end = start + m.length;
  if (m === 'env') {
    // `p.env` with `const p = process` reads as `process.env`.
    const owner = /([A-Za-z_$][\w$]{0,39})\s{0,3}\.$/.exec(t.slice(Math.max(0, start - 44), start));
    const alias = owner && owner[1] !== 'process' && st.bs.processAliases.has(owner[1]) ? owner[0].length : 0;
    const before = `${t.slice(Math.max(0, start - 48), start - alias)}${alias ? 'process.' : ''}`;
    const ownerStart = start - (alias || (/(?:(?:globalThis|global)\s{0,3}\.\s{0,3})?process\s{0,3}\.$/.exec(before)?.[0].length ?? 0));
    const member = /^\s{0,3}(?:\?\.|[.[])/.test(t.slice(end, end + 6));
    if (
      !member &&
      /process\.$/.test(before) &&
      (/JSON\.stringify\(\s{0,3}(?:\{(?:[^(){}]{0,160}?[:,])?\s{0,3}(?:\.\.\.)?\s{0,3})?process\.$/.test(
        `${t.slice(Math.max(0, start - 200), start - alias)}${alias ? 'process.' : ''}`,
      ) ||
        ENCODER_OPEN.test(t.slice(Math.max(0, ownerStart - 80), ownerStart)))
    ) {
      return add(st, 'credential', 'env-dump', Math.max(0, start - 8), 11, { strong: true, detail: snippetOf(t, Math.max(0, start - 24), 27) });
    }
    if (
      !member &&
      /(?:Object\.(?:keys|entries|values)\(\s{0,3}|\bfor\s{0,3}\(\s{0,3}(?:const|let|var)?\s{0,3}[\w$]{1,30}\s{1,3}in\s{1,3})process\.$/.test(before)
    ) {
      // Object.keys(process.env).filter(k => /^debug_/i.test(k)) picks its own settings; an unfiltered walk collects all.
      if (!/^env\s{0,3}\)\s{0,3}\.\s{0,3}filter\b/.test(t.slice(start, start + 24))) st.envEnumerate ??= { offset: Math.max(0, start - 20), length: 28 };
      return;
    }
    if (/\}\s{0,3}=\s{0,3}process\.$/.test(before)) {
      const win = t.slice(Math.max(0, start - 400), start);
      const open = win.lastIndexOf('{');
      if (open >= 0) {
        for (const name of win.slice(open).match(/[A-Za-z_][A-Za-z0-9_]{0,80}/g) ?? []) {
          if (name !== 'process') classifyEnvName(st, name, start, 3, `{ ${name} } = process.env`);
        }
      }
      return;
    }
    const r = at_(ENV_MEMBER, t, end);
    if (r) {
      const name = r[1] ?? r[3] ?? r[5];
      const owner = /(?:process|Bun|Deno|meta)\.$/.exec(before)?.[0] ?? '';
      classifyEnvName(st, name, start - owner.length, ENV_MEMBER.lastIndex - start + owner.length, `${owner}env${r[0].trim()}`);
      return;
    }
    if (/process\.$/.test(before) && at_(ENV_DYNAMIC, t, end)) st.envDynamic = true;
    else if (
      /process\.$/.test(before) &&
      !member &&
      /^\s{0,3}[,;)}\]]/.test(t.slice(end, end + 4)) &&
      !/[=!]==?\s{0,3}$|typeof\s{1,3}$/.test(t.slice(Math.max(0, ownerStart - 12), ownerStart))
    ) {
      // The whole environment handed on (`send(process.env)`, `{ e: process.env }`): a source for chains.
      add(st, 'source', 'env', ownerStart, end - ownerStart, { detail: snippetOf(t, ownerStart, end - ownerStart) });
    }
    return;
  }
  // Python: os.environ['X'], os.environ.get('X'), os.getenv('X'); json.dumps(dict(os.environ)).
  if (st.kind === 'python') {
    if (/dumps\(\s{0,3}(?:dict\(\s{0,3})?os\.$/.test(t.slice(Math.max(0, start - 24), start))) {
      return add(st, 'credential', 'env-dump', start, m.length, { strong: true, detail: 'json.dumps(os.environ)' });
    }
    const r = at_(PY_ENV, t, end);
    if (r) classifyEnvName(st, r[2], start, PY_ENV.lastIndex - start, `${m}${r[0]}`);
  }
}

const GROUPS: Group[] = [
  {
    name: 'process',
    kinds: JS,
    anchors: ['child_process', 'Bun.spawn', 'Bun.$', 'Deno.run', 'Deno.Command', 'execSync', 'execFileSync', 'spawnSync'],
    handle(st, at, m) {
      const t = st.text;
      if (m === 'child_process') return add(st, 'process', 'child_process', at, m.length);
      if (!wordStart(t, at)) return;
      if (m.startsWith('Bun.') || m.startsWith('Deno.')) {
        if (isWordChar(t[at + m.length] ?? '') && m !== 'Bun.spawn') return;
        return add(st, 'process', m, at, m.length);
      }
      if (charBefore(t, at) === '.') return; // someone else's execSync method
      if (!at_(CALL_PAREN, t, at + m.length)) return;
      if (/function\s{1,3}$/.test(t.slice(Math.max(0, at - 12), at))) return;
      add(st, 'process', m, at, m.length);
    },
  },
  { name: 'module', kinds: JS, anchors: ['require', 'import', 'from'], handle: moduleUse },
  {
    // Node's internal bindings start processes and open sockets without child_process or net:
    // `process.binding('spawn_sync')`, `process._linkedBinding(…)`, `internalBinding('process_wrap')`.
    name: 'binding',
    kinds: JS,
    anchors: ['.binding', '_linkedBinding', 'internalBinding'],
    budget: 5000,
    handle(st, at, m) {
      const t = st.text;
      const api =
        m === '.binding'
          ? 'process.binding'
          : m === '_linkedBinding'
            ? charBefore(t, at) === '.'
              ? 'process._linkedBinding'
              : undefined
            : wordStart(t, at)
              ? 'internalBinding'
              : undefined;
      if (!api || isWordChar(t[at + m.length] ?? '')) return;
      if (!at_(CALL_PAREN, t, at + m.length)) return;
      const start = at;
      const f = fold(t, CALL_PAREN.lastIndex, st.bs.consts);
      const name = f?.value ?? '';
      const detail = snippetOf(t, start, (f ? f.end : at + m.length) - start);
      if (/^(?:spawn_sync|process_wrap|process_methods)$/.test(name)) add(st, 'process', `${api}('${name}')`, start, m.length, { detail });
      else if (/^(?:tcp_wrap|udp_wrap|pipe_wrap|cares_wrap|tls_wrap|js_stream)$/.test(name))
        add(st, 'network', `${api}('${name}')`, start, m.length, { detail });
      else if (!f && api !== 'process.binding') add(st, 'eval', `${api}(computed)`, start, m.length, { detail });
      else if (!f && /(?:^|[^\w$.])process\s{0,3}$/.test(t.slice(Math.max(0, at - 12), at))) add(st, 'eval', `${api}(computed)`, start, m.length, { detail });
      if (f?.built && name) add(st, 'obfuscation', 'built-api-name', start, m.length, { noCommentCheck: true, detail });
    },
  },
  {
    name: 'network-api',
    kinds: JS,
    anchors: ['fetch', 'XMLHttpRequest', 'WebSocket', 'sendBeacon', 'EventSource'],
    handle(st, at, m) {
      const t = st.text;
      if (!wordStart(t, at) || isWordChar(t[at + m.length] ?? '')) return;
      const before = t.slice(Math.max(0, at - 24), at);
      if (m === 'fetch') {
        if (!at_(CALL_PAREN, t, at + m.length)) return;
        if (before.endsWith('.') && !/\b(?:window|globalThis|self|global)\s{0,3}\.$/.test(before)) return;
        if (/(?:function|async|get|set|static)\s{1,3}$/.test(before) || /[:#]\s{0,3}$/.test(before)) return;
        return add(st, 'network', 'fetch', at, m.length);
      }
      if (m === 'WebSocket' || m === 'EventSource') {
        if (!/new\s{1,3}(?:[\w$]{1,20}\.)?$/.test(before) && !at_(CALL_PAREN, t, at + m.length)) return;
      }
      add(st, 'network', m, at, m.length);
    },
  },
  {
    name: 'url',
    kinds: ALL,
    anchors: ['://'],
    handle(st, at) {
      const t = st.text;
      const scheme = SCHEME_BEFORE.exec(t.slice(Math.max(0, at - 6), at));
      if (!scheme) return;
      const start = at - scheme[1].length;
      const rest = t.slice(at + 3, at + 303);
      const hm = /^[^\s'"`<>()\\/?#]{1,255}/.exec(rest);
      if (!hm) return;
      let host = hm[0];
      const atSign = host.lastIndexOf('@');
      if (atSign >= 0) host = host.slice(atSign + 1);
      host = host
        .replace(/:\d{1,5}$/, '')
        .replace(/\.$/, '')
        .toLowerCase();
      if (!isHost(host)) return;
      const tail = /^[^\s'"`<>()\\]{1,200}/.exec(rest)?.[0] ?? hm[0];
      const urlText = t.slice(start, at + 3 + tail.length);
      if (METADATA_HOSTS.has(host)) return add(st, 'credential', 'metadata', start, urlText.length, { strong: true, detail: urlText });
      const key = /^discord(?:app)?\.com$/.test(host) && /^[^/]*\/api\/webhooks\//.test(tail) ? `${host}/api/webhooks` : host;
      add(st, 'url', key, start, urlText.length, { detail: urlText });
    },
  },
  {
    name: 'host',
    kinds: ALL,
    anchors: ['hostname', 'host:', "host':", 'host":', ...EXFIL_NAMES],
    budget: 5000,
    handle(st, at, m) {
      const t = st.text;
      if (m.startsWith('host')) {
        if (!wordStart(t, at)) return;
        const r = at_(HOST_OPTION, t, at);
        if (!r) return;
        const host = r[1].toLowerCase();
        if (!isHost(host) || /^\d/.test(host)) return;
        return add(st, 'url', host, at, HOST_OPTION.lastIndex - at, { detail: r[0] });
      }
      // A request catcher named without a scheme: the whole host around it.
      let s0 = at;
      while (s0 > 0 && /[A-Za-z0-9.-]/.test(t[s0 - 1]) && at - s0 < 100) s0--;
      let e = at + m.length;
      while (e < t.length && /[A-Za-z0-9.-]/.test(t[e]) && e - at < 100) e++;
      const host = t
        .slice(s0, e)
        .replace(/^[.-]+|[.-]+$/g, '')
        .toLowerCase();
      if (!isHost(host)) return;
      const key = m.includes('/api/webhooks') ? `${host}/api/webhooks` : host;
      add(st, 'url', key, s0, Math.max(e - s0, m.length), { detail: snippetOf(t, s0, Math.max(e - s0, m.length)) });
    },
  },
  { name: 'env', kinds: ALL, anchors: ['env'], handle: envUse },
  {
    name: 'platform-token',
    kinds: ALL,
    anchors: [...PLATFORM_TOKENS, '_authToken', 'whoami'],
    handle(st, at, m) {
      const t = st.text;
      if (PLATFORM_TOKENS.has(m)) {
        if (!wordStart(t, at) || isWordChar(t[at + m.length] ?? '')) return;
        st.platformNames.push({ name: m, offset: at });
        if (m === 'NPM_TOKEN' || m === 'NODE_AUTH_TOKEN' || m === 'NPM_CONFIG__AUTHTOKEN') add(st, 'registry-token', m, at, m.length);
        return;
      }
      if (m === 'whoami') {
        const before = t.slice(Math.max(0, at - 8), at);
        if (/\/-\/$/.test(before)) return add(st, 'registry-token', '/-/whoami', at - 3, 9);
        if (/\bnpm\s{1,3}$/.test(before)) return add(st, 'registry-token', 'npm whoami', at, m.length);
        // `execSync('whoami')`, `$(whoami)`: the user's name, a recon source.
        if (wordStart(t, at) && !isWordChar(t[at + 6] ?? '') && (st.kind !== 'js' || /['"`]\s{0,3}$|\$\(\s{0,3}$/.test(t.slice(Math.max(0, at - 4), at))))
          add(st, 'source', 'host:whoami', at, m.length, { detail: snippetOf(t, at, m.length) });
        return;
      }
      add(st, 'registry-token', m, at, m.length);
    },
  },
  {
    name: 'credential-file',
    kinds: ALL,
    anchors: [
      '.npmrc',
      '.netrc',
      '.pypirc',
      '.git-credentials',
      '.ssh',
      'id_rsa',
      'id_ed25519',
      'id_ecdsa',
      'id_dsa',
      '.aws',
      '.azure',
      'gcloud',
      '.docker',
      '.kube',
      'hosts.yml',
      'metadata.google.internal',
    ],
    handle(st, at, m) {
      const t = st.text;
      if (m === 'metadata.google.internal') return add(st, 'credential', 'metadata', at, m.length, { strong: true, detail: m });
      const after = t[at + m.length] ?? '';
      if (isWordChar(after) && !(m === 'gcloud' || m === 'hosts.yml')) return;
      const win = t.slice(Math.max(0, at - 8), at + m.length + 60);
      for (const f of CREDENTIAL_FILES) {
        if (!f.re.test(win)) continue;
        if (m.startsWith('.')) {
          // A path, not a member: `'.npmrc'`, `~/.ssh`, `path.join(home, '.aws')`; not `www.docker.com`.
          if (!QUOTE_OR_PATH.test(charBefore(t, at))) return;
        } else if (!wordStart(t, at)) return;
        // The user's file (in the home directory) rather than a project's or a name in a list of patterns.
        const home = HOME_CONTEXT.test(t.slice(Math.max(0, at - 150), at + m.length + 40));
        return add(st, 'credential', `file:${f.key}`, at, m.length, { strong: f.strong && home, detail: snippetOf(t, at, m.length) });
      }
    },
  },
  {
    name: 'wallet',
    kinds: ALL,
    anchors: [...WALLET_MARKERS.map((w) => w.text).filter((x) => x !== 'window.ethereum'), 'ethereum'],
    handle(st, at, m) {
      if (m === 'ethereum') {
        const t = st.text;
        if (!/window\.$/.test(t.slice(Math.max(0, at - 7), at)) && !/^ethereum\.request\b/.test(t.slice(at, at + 20))) return;
        // Web3 libraries talk to the injected provider for a living: weak on its own.
        return add(st, 'credential', 'wallet:window.ethereum', at, m.length, { strong: false, detail: snippetOf(t, at, m.length) });
      }
      const w = WALLET_MARKERS.find((x) => x.text === m);
      add(st, 'credential', `wallet:${w ? w.key : m}`, at, m.length, { strong: true, detail: m });
    },
  },
  {
    name: '_0x',
    kinds: JS,
    anchors: ['_0x'],
    handle(st, at) {
      const name = /^_0x[0-9a-f]{4,12}/.exec(st.text.slice(at, at + 16));
      if (!name || isWordChar(charBefore(st.text, at))) return;
      const h = st.hex0x;
      if (h.count === 0) h.first = at;
      h.count++;
      if (h.names.size < 1000) h.names.add(name[0]);
    },
  },
  {
    name: 'obfuscator',
    kinds: JS,
    anchors: ["'push'", '"push"', '!![]', 'fromCharCode'],
    handle(st, at, m) {
      const t = st.text;
      if (m.includes('push')) {
        if (/^\s{0,3}\]/.test(t.slice(at + 6, at + 10)) && /['"]shift['"]\s{0,3}\]/.test(t.slice(at, at + 200))) {
          add(st, 'obfuscation', 'string-array-rotation', at, m.length, { noCommentCheck: true, detail: t.slice(at, at + 60) });
        }
        return;
      }
      if (m === '!![]') {
        if (/while\s{0,3}\(\s{0,3}$/.test(t.slice(Math.max(0, at - 12), at)))
          add(st, 'obfuscation', 'obfuscator-loop', at, m.length, { noCommentCheck: true, detail: 'while(!![])' });
        return;
      }
      fromCharCodeUse(st.bs, at, m);
      if (st.fromCharCodeChecks++ > 200) return;
      const list = longestIntList(t, Math.max(0, at - 3000), Math.min(t.length, at + 3000));
      if (list.count >= 64 && list.printable >= 0.9) {
        add(st, 'obfuscation', 'char-codes', list.start, list.end - list.start, {
          noCommentCheck: true,
          detail: `${list.count} character codes near String.fromCharCode`,
        });
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
    anchors: ['eval', 'Function', 'runInThisContext', 'runInNewContext', 'runInContext', 'compileFunction', 'Script'],
    handle(st, at, m) {
      const t = st.text;
      if (!wordStart(t, at) || isWordChar(t[at + m.length] ?? '')) return;
      const before = t.slice(Math.max(0, at - 16), at);
      if (m === 'Script' && !/new\s{1,3}(?:vm\.)?$/.test(before)) return;
      if (before.endsWith('.') && !/\b(?:window|globalThis|global|self|vm)\s{0,3}\.$/.test(before) && !m.startsWith('runIn') && m !== 'compileFunction') {
        // obj.eval( / obj.Function( are someone else's methods; window.eval( and vm.runIn… are what we look for.
        return;
      }
      if (/function\s{1,3}$/.test(before)) return;
      if (m === 'eval' && /\(\s{0,3}[01]\s{0,3},\s{0,3}$/.test(before) && /^\s{0,3}\)\s{0,3}\(/.test(t.slice(at + 4, at + 12))) {
        // (0, eval)(code): indirect eval, global scope.
        st.scan.dynamicEval = true;
        return add(st, 'eval', 'eval', at, m.length, { detail: snippetOf(t, at, m.length) });
      }
      if (!at_(CALL_PAREN, t, at + m.length)) return;
      const argStart = CALL_PAREN.lastIndex;
      const arg = t.slice(argStart, argStart + 300);
      if (/^\s{0,3}\)/.test(arg)) return;
      if (!CONSTANT_ARGS.test(arg)) {
        st.scan.dynamicEval = true;
        add(st, 'eval', m, at, m.length, { detail: snippetOf(t, at, m.length) });
        if (m === 'eval') selfDecodingEval(st.bs, at, arg, m);
      }
      if (
        /^[^;]{0,240}?(?:\batob\s{0,3}\(|Buffer\.from\s{0,3}\(|fromCharCode|['"`](?:base64|hex)['"`]|\bunescape\s{0,3}\(|decodeURIComponent\s{0,3}\(\s{0,3}escape|\.reverse\(\)\s{0,3}\.join)/.test(
          arg,
        )
      ) {
        add(st, 'obfuscation', 'decode-eval', at, Math.min(arg.length, 120) + (argStart - at), { noCommentCheck: true, detail: `${m}(${arg.slice(0, 60)}` });
      }
    },
  },
  {
    name: 'publish',
    kinds: ALL,
    anchors: ['publish', 'npm pack', 'tar.c', 'tar ', '.tgz', 'package.json'],
    handle(st, at, m) {
      const t = st.text;
      if (m === 'package.json') {
        st.mentionsPackageJson ??= { offset: at };
        return;
      }
      if (m === 'publish') {
        if (isWordChar(t[at + 7] ?? '')) return;
        const before = t.slice(Math.max(0, at - 24), at);
        if (/libnpm$/.test(before)) return add(st, 'publish', 'libnpmpublish', at - 6, 13, { detail: 'libnpmpublish' });
        if (/\b(?:npm|pnpm|yarn|bun)(?:\s{1,3}|\s{1,3}npm\s{1,3}|['"]\s{0,3},\s{0,3}\[?\s{0,3}['"])$/.test(before)) {
          return add(st, 'publish', 'npm publish', at, m.length, { detail: snippetOf(t, at, m.length) });
        }
        return;
      }
      if (m === 'npm pack') {
        if (isWordChar(t[at + m.length] ?? '')) return;
        return add(st, 'tarball', 'npm pack', at, m.length, { detail: snippetOf(t, at, m.length) });
      }
      if (m === '.tgz') {
        if (isWordChar(t[at + 4] ?? '')) return;
        return add(st, 'tarball', '.tgz', at, m.length, { detail: snippetOf(t, at, m.length) });
      }
      if (!wordStart(t, at)) return;
      const r = at_(TAR_CMD, t, at);
      if (r) add(st, 'tarball', r[0].startsWith('tar.') ? 'tar.create' : 'tar -cz', at, r[0].length, { detail: snippetOf(t, at, r[0].length) });
    },
  },
  {
    name: 'persistence',
    kinds: ALL,
    anchors: [
      '.bashrc',
      '.bash_profile',
      '.zshrc',
      '.zprofile',
      '.profile',
      'config.fish',
      'tasks.json',
      '.claude',
      'crontab',
      '/etc/cron',
      'systemd',
      'systemctl',
      'LaunchAgents',
      'LaunchDaemons',
      'CurrentVersion',
      'Startup',
      'startup',
      'autostart',
    ],
    handle(st, at, m) {
      const t = st.text;
      if (at_(PERSIST_WRITE, t, at)) st.writes ??= { offset: at, length: PERSIST_WRITE.lastIndex - at };
      const win = t.slice(Math.max(0, at - 40), at + m.length + 40);
      for (const loc of PERSISTENCE_LOCATIONS) {
        if (!loc.re.test(win)) continue;
        if (loc.key === '.vscode/tasks.json' && !/\.vscode/.test(win)) continue;
        if (loc.key === '.claude/settings.json' && !/settings|hooks/.test(t.slice(at, at + 80))) continue;
        if (inComment(t, at, st.kind, st.comments)) return;
        st.persistence.push({ key: loc.key, offset: at, length: m.length });
        return;
      }
    },
  },
  {
    name: 'write',
    kinds: ALL,
    anchors: [
      'writeFile',
      'appendFile',
      'createWriteStream',
      'copyFile',
      'outputFile',
      'writeJson',
      'reg add',
      'reg.exe add',
      'ItemProperty',
      'Add-Content',
      'launchctl',
      '~/.',
      '$HOME',
      '${HOME}',
      '%USERPROFILE%',
    ],
    handle(st, at, m) {
      const t = st.text;
      if (st.writes || inComment(t, at, st.kind, st.comments)) return;
      if (m === '~/.' || m === '$HOME' || m === '${HOME}' || m === '%USERPROFILE%') {
        // A redirect into the home directory: `>> ~/.bashrc`.
        if (/>>\s{0,3}["']?$/.test(t.slice(Math.max(0, at - 6), at))) st.writes ??= { offset: at, length: m.length };
        return;
      }
      if (m === 'launchctl') {
        if (at_(PERSIST_WRITE, t, at)) st.writes ??= { offset: at, length: PERSIST_WRITE.lastIndex - at };
        return;
      }
      if (/^[a-z]/i.test(m) && !wordStart(t, at)) return;
      st.writes ??= { offset: at, length: m.length };
    },
  },
  {
    name: 'shell-network',
    kinds: ['shell', 'python'],
    anchors: [
      'curl',
      'wget',
      'Invoke-WebRequest',
      'Invoke-RestMethod',
      'iwr ',
      'irm ',
      'Net.WebClient',
      '/dev/tcp/',
      'urllib',
      'requests.',
      'http.client',
      'socket.socket',
    ],
    handle(st, at, m) {
      const t = st.text;
      if (/^[a-z]/i.test(m) && !wordStart(t, at)) return;
      if (m === 'requests.' && !/^requests\.(?:get|post|put)\b/.test(t.slice(at, at + 14))) return;
      add(st, 'network', m.trim().replace(/\.$/, ''), at, m.length, { detail: snippetOf(t, at, m.length) });
      pipeToShell(st.bs, at, m);
    },
  },
  {
    name: 'python-process',
    kinds: ['python'],
    anchors: ['subprocess', 'os.system', 'os.popen', 'os.exec'],
    handle(st, at, m) {
      if (!wordStart(st.text, at)) return;
      add(st, 'process', m, at, m.length);
    },
  },
];

// The behaviour groups (sources, encoders, decoders, code sinks, launches, hijacks, names built at run time) join the same pass.
for (const g of BEHAVIOUR_GROUPS)
  GROUPS.push({ name: g.name, kinds: g.kinds, anchors: g.anchors, budget: g.budget, handle: (st, at, m) => g.handle(st.bs, at, m) });

/** Patterns that do not start with a literal, run as passes of their own (each is fast alone). */
interface Pass {
  name: string;
  kinds: readonly CodeKind[];
  re: RegExp;
  handle: Handler;
}

const PASSES: Pass[] = [
  {
    name: 'ip',
    kinds: ALL,
    re: /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g,
    handle(st, at, m) {
      const t = st.text;
      const b = charBefore(t, at);
      const after = t[at + m.length] ?? '';
      if (/[\w.]/.test(b) || after === '.' || /\w/.test(after)) return;
      if (METADATA_HOSTS.has(m)) return add(st, 'credential', 'metadata', at, m.length, { strong: true, detail: m });
      if (!/['"`/@]/.test(b) || !/['"`:/]/.test(after)) return;
      if (!isPublicIPv4(m)) return;
      add(st, 'ip', m, at, m.length, { detail: m });
    },
  },
  {
    name: 'shell-write',
    kinds: SHELL,
    re: />>|\btee\b|\bcat\s{1,3}>|\becho\b[^\n>]{0,200}>/g,
    handle(st, at, m) {
      st.writes ??= { offset: at, length: m.length };
    },
  },
  {
    name: 'shell-env',
    kinds: SHELL,
    re: /\$\{?[A-Za-z_][A-Za-z0-9_]{2,80}|%[A-Za-z_][A-Za-z0-9_]{2,80}%|\$env:[A-Za-z_][A-Za-z0-9_]{2,80}/g,
    handle(st, at, m) {
      classifyEnvName(st, m.replace(/^\$env:|^\$\{?|^%|%$/g, ''), at, m.length, m);
    },
  },
];

for (const p of BEHAVIOUR_PASSES) PASSES.push({ name: p.name, kinds: p.kinds, re: p.re, handle: (st, at, m) => p.handle(st.bs, at, m) });

/** Only string literals (and commas) up to the closing parenthesis: `Function("return this")`. */
const CONSTANT_ARGS = /^\s{0,3}(?:(['"`])(?:(?!\1)[^\\\n]|\\.){0,200}\1\s{0,3},?\s{0,3}){1,6}\)/;

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

const anchorSets = new Map<CodeKind, AnchorSet<Group>>();

function anchorsFor(kind: CodeKind): AnchorSet<Group> {
  let set = anchorSets.get(kind);
  if (!set) {
    set = new AnchorSet(GROUPS.filter((g) => g.kinds.includes(kind)).flatMap((g) => g.anchors.map((text) => ({ text, value: g }))));
    anchorSets.set(kind, set);
  }
  return set;
}

/** The literal anchors scanned for in a kind of file (for tests that feed them back adversarially). */
export function anchorsOf(kind: CodeKind): string[] {
  return GROUPS.filter((g) => g.kinds.includes(kind)).flatMap((g) => g.anchors);
}

/** A file's scan before anything is found in it. */
function emptyScan(path: string, kind: CodeKind, text: string): FileScan {
  return { path, kind, text, lines: new Lines(text), signals: new Map(), opaque: { opaqueBytes: 0, runs: [] }, dynamicEval: false, capped: [], relative: [] };
}

/** Scans one file's text (`text` is `data` decoded as latin1: one character per byte). */
export function scanFile(path: string, kind: CodeKind, data: Uint8Array, text: string): FileScan {
  const scan = emptyScan(path, kind, text);
  const bs: BehaviourState = {
    text,
    kind,
    add: (k, key, offset, length, extra) => add(st, k, key, offset, length, extra),
    consts: new Map(),
    processAliases: new Set(),
    envAliases: new Set(),
  };
  let comments: JsComments | undefined;
  const st: State = {
    bs,
    scan,
    text,
    kind,
    commentChecks: new Map(),
    envDynamic: false,
    platformNames: [],
    persistence: [],
    hex0x: { count: 0, names: new Set(), first: 0 },
    fromCharCodeChecks: 0,
    comments: () => (comments ??= new JsComments(text)),
  };
  collectDeclarations(bs);
  const spent = new Map<Group, number>();
  anchorsFor(kind).scan(data, (at, anchor, g) => {
    const n = spent.get(g) ?? 0;
    const budget = g.budget ?? BUDGET;
    if (n >= budget) return;
    spent.set(g, n + 1);
    if (n + 1 === budget) scan.capped.push(g.name);
    g.handle(st, at, anchor);
  });
  for (const p of PASSES) {
    if (!p.kinds.includes(kind)) continue;
    p.re.lastIndex = 0;
    let n = 0;
    for (let m = p.re.exec(text); m; m = p.re.exec(text)) {
      p.handle(st, m.index, m[0]);
      if (++n >= BUDGET) {
        scan.capped.push(p.name);
        break;
      }
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
      places: [h.first],
      detail: `${h.count} uses of ${h.names.size}${h.names.size >= 1000 ? '+' : ''} _0x… identifiers (${[...h.names].slice(0, 3).join(', ')}, …)`,
    });
  }
  if (st.envEnumerate) {
    // Listing every variable is how a dump starts, and how config loaders find their prefixes: weak.
    add(st, 'credential', 'env-enumerate', st.envEnumerate.offset, st.envEnumerate.length, {
      strong: false,
      detail: snippetOf(st.text, st.envEnumerate.offset, st.envEnumerate.length),
    });
  }
  if (st.envDynamic || st.envEnumerate) {
    // Token names listed as strings and read through process.env[name].
    for (const p of st.platformNames.slice(0, 100))
      add(st, 'credential', `env:${p.name}`, p.offset, p.name.length, { strong: true, detail: `${p.name} (read through process.env[…])` });
  }
  if (st.writes && st.mentionsPackageJson) {
    add(st, 'package-write', 'package.json', st.writes.offset, st.writes.length, {
      noCommentCheck: true,
      detail: snippetOf(st.text, st.writes.offset, st.writes.length),
    });
  }
  if (st.writes) {
    for (const p of st.persistence) add(st, 'persistence', p.key, p.offset, p.length, { noCommentCheck: true, detail: snippetOf(st.text, p.offset, p.length) });
  }
  if (scan.kind === 'js') {
    aliasUses(st.bs);
    invisibleRuns(st.bs, data);
    scan.opaque = opaqueRuns(data, st.text);
    for (const r of scan.opaque.runs) {
      if (r.evaluated)
        add(st, 'obfuscation', 'decode-eval', r.start, r.length, { noCommentCheck: true, detail: `eval of a ${r.length}-character encoded string` });
      else if (r.decoded && scan.dynamicEval) {
        add(st, 'obfuscation', 'encoded-payload', r.start, r.length, {
          noCommentCheck: true,
          detail: `${r.length}-character encoded string, decoded, in a file that evaluates code`,
        });
      }
    }
  }
}

/** Files larger than this are scanned in chunks (each a bounded pass of its own). */
export const CHUNK_SCAN_BYTES = 4 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/** Each chunk starts this far before the end of the one before: a match across the seam is seen whole. */
const OVERLAP = 16 * 1024;

/**
 * Scans a file, a large one in bounded chunks of CHUNK bytes (overlapping by OVERLAP), and merges what they found into
 * one FileScan over the whole text, offsets shifted to the file's. Declarations are per chunk: names bound in one
 * chunk and used in another are not followed (the chunk still shows the API and module names themselves). In steps:
 * it yields after each chunk (once for a file scanned whole).
 */
export function* scanFileSteps(path: string, kind: CodeKind, data: Uint8Array, text: string): Steps<FileScan> {
  if (data.length <= CHUNK_SCAN_BYTES) {
    const scan = scanFile(path, kind, data, text);
    yield;
    return scan;
  }
  const whole = emptyScan(path, kind, text);
  for (let start = 0; start < data.length; start += CHUNK - OVERLAP) {
    const end = Math.min(data.length, start + CHUNK);
    const part = scanFile(path, kind, data.subarray(start, end), text.slice(start, end));
    yield;
    for (const [id, s] of part.signals) {
      const shifted = { ...s, offset: s.offset + start, places: s.places.map((p) => p + start) };
      const had = whole.signals.get(id);
      if (!had) whole.signals.set(id, shifted);
      else {
        had.count += s.count;
        if (s.strong) had.strong = true;
        if (!had.inCode && s.inCode)
          Object.assign(had, { offset: shifted.offset, length: s.length, inCode: true, detail: s.detail ?? had.detail, places: shifted.places });
        else if (s.inCode) for (const p of shifted.places) if (had.places.length < PLACES && !had.places.includes(p)) had.places.push(p);
      }
    }
    whole.opaque.opaqueBytes += part.opaque.opaqueBytes;
    for (const r of part.opaque.runs) if (!whole.opaque.runs.some((x) => x.start === r.start + start)) whole.opaque.runs.push({ ...r, start: r.start + start });
    whole.dynamicEval ||= part.dynamicEval;
    for (const c of part.capped) if (!whole.capped.includes(c)) whole.capped.push(c);
    for (const r of part.relative) if (whole.relative.length < 2000 && !whole.relative.includes(r)) whole.relative.push(r);
    if (end === data.length) break;
  }
  return whole;
}
