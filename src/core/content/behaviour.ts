/**
 * The scanner's view of behaviour, as links of a chain: where data comes from (sources), how it is disguised
 * (encoders, decoders), and where it goes (sinks). These groups join the scanner's one linear pass (scan.ts);
 * each looks at a bounded window around its anchor, and chains.ts pairs the links by place.
 *
 * - sources: host and user information (`os.hostname()`, `os.userInfo()`, `os.networkInterfaces()`, `whoami`),
 *   the clipboard (pbpaste, xclip -o, Get-Clipboard, clipboardy), keychains and browser stores (`security
 *   find-generic-password`, Chrome `Login Data`, Firefox `logins.json`, `cmdkey`, `secret-tool`); credentials and
 *   the environment are the scanner's own `credential` signals;
 * - encoders: JSON.stringify, base64/hex, query strings, ciphers, compression;
 * - decoders: atob / `Buffer.from(x, 'base64'|'hex')`, hex pairs, XOR loops, ROT/Caesar shifts, char codes,
 *   reversed strings, decryption, decompression, self-decoding `eval(function(p,a,c,k,e,…){…}(…))` wrappers,
 *   runs of invisible Unicode, and reads of images, fonts, audio and binary data files (steganography);
 * - code sinks: eval / Function / vm with a computed argument, indirect eval, `.then(eval)`, `_compile`,
 *   `constructor.constructor`, `require(<computed>)`;
 * - silent launches (`detached: true` with `stdio: 'ignore'`, `unref()` or `windowsHide`; nohup, setsid,
 *   `start /b`, hidden PowerShell windows), pipe-to-shell downloads (`curl … | sh`, `iwr … | iex`), and the loader
 *   hijacks (LD_PRELOAD, DYLD_INSERT_LIBRARIES, /etc/ld.so.preload, DLLs dropped into application folders) and
 *   Windows proxy-execution binaries (rundll32, regsvr32, mshta);
 * - names built at run time: string pieces, char codes, joined arrays, reversed strings and constants that spell a
 *   dangerous module or API (`'chi'+'ld_process'`, `['ev','al'].join('')`) count as that API, and as obfuscation.
 *
 * Every pattern here runs on a slice of at most a few hundred characters, so cost stays linear in the file.
 */
import type { CodeKind } from './files';
import { NETWORK_MODULES, PROCESS_MODULES } from './patterns';
import type { SignalKind } from './types';

export interface AddExtra {
  strong?: boolean;
  detail?: string;
  noCommentCheck?: boolean;
}

/** What a behaviour group may read and record. */
export interface BehaviourState {
  text: string;
  kind: CodeKind;
  add(kind: SignalKind, key: string, offset: number, length: number, extra?: AddExtra): void;
  /** Constants of the file (`const a = 'child'`), folded to strings, for names built from them. */
  consts: Map<string, { value: string; built: boolean }>;
  /** Identifiers bound to `process` and to `process.env`. */
  processAliases: Set<string>;
  envAliases: Set<string>;
}

export interface BehaviourGroup {
  name: string;
  kinds: readonly CodeKind[];
  anchors: readonly string[];
  handle: (bs: BehaviourState, at: number, m: string) => void;
  budget?: number;
}

const ALL: readonly CodeKind[] = ['js', 'shell', 'python'];
const JS: readonly CodeKind[] = ['js'];

const isWordChar = (c: string | undefined): boolean => !!c && /[\w$]/.test(c);
const wordStart = (t: string, at: number): boolean => !isWordChar(t[at - 1]);
const win = (t: string, at: number, before: number, after: number): string => t.slice(Math.max(0, at - before), Math.min(t.length, at + after));

export function snippetAt(t: string, at: number, length: number): string {
  return t
    .slice(Math.max(0, at - 30), Math.min(t.length, at + length + 40))
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------- folding names built at run time

const MAX_FOLD = 240;
const MAX_PIECES = 16;

interface Folded {
  value: string;
  end: number;
  /** Made of more than one piece, or through char codes, a join or a reversal: someone spelled it out of parts. */
  built: boolean;
}

function skipWs(t: string, i: number, limit = 8): number {
  let n = 0;
  while (i < t.length && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r') && n++ < limit) i++;
  return i;
}

/** A string literal at `i` (quotes, simple escapes; template literals whose `${}` parts fold too). */
function readString(t: string, i: number, consts: BehaviourState['consts'], depth: number): Folded | undefined {
  const q = t[i];
  if (q !== "'" && q !== '"' && q !== '`') return undefined;
  let v = '';
  let built = false;
  let j = i + 1;
  while (j < t.length && j - i < MAX_FOLD) {
    const c = t[j];
    if (c === q) return { value: v, end: j + 1, built };
    if (c === '\\') {
      const n = t[j + 1];
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(t.slice(j + 2, j + 4))) {
        v += String.fromCharCode(parseInt(t.slice(j + 2, j + 4), 16));
        j += 4;
        built = true;
      } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(j + 2, j + 6))) {
        v += String.fromCharCode(parseInt(t.slice(j + 2, j + 6), 16));
        j += 6;
        built = true;
      } else {
        v += n === 'n' ? '\n' : n === 't' ? '\t' : (n ?? '');
        j += 2;
      }
      continue;
    }
    if (c === '\n' && q !== '`') return undefined;
    if (q === '`' && c === '$' && t[j + 1] === '{') {
      if (depth > 1) return undefined;
      const inner = fold(t, j + 2, consts, depth + 1);
      if (!inner) return undefined;
      const close = skipWs(t, inner.end);
      if (t[close] !== '}') return undefined;
      v += inner.value;
      built = true;
      j = close + 1;
      continue;
    }
    v += c;
    j++;
  }
  return undefined;
}

/** `String.fromCharCode(104, 0x69, …)` with literal codes (the text after the name). */
function readCharCodes(t: string, i: number): Folded | undefined {
  const m = /^\s{0,3}\(\s{0,3}((?:(?:0x[0-9a-fA-F]{1,4}|\d{1,5})\s{0,3},\s{0,3}){0,63}(?:0x[0-9a-fA-F]{1,4}|\d{1,5}))\s{0,3}\)/.exec(t.slice(i, i + 600));
  if (!m) return undefined;
  const value = m[1]
    .split(',')
    .map((x) => String.fromCharCode(Number(x.trim())))
    .join('');
  return { value, end: i + m[0].length, built: true };
}

/** `['a', 'b'].join('x')` of literals. */
function readJoinedArray(t: string, i: number, consts: BehaviourState['consts'], depth: number): Folded | undefined {
  if (t[i] !== '[') return undefined;
  const parts: string[] = [];
  let j = skipWs(t, i + 1);
  while (parts.length < MAX_PIECES) {
    const s = fold(t, j, consts, depth + 1);
    if (!s) return undefined;
    parts.push(s.value);
    j = skipWs(t, s.end);
    if (t[j] === ',') {
      j = skipWs(t, j + 1);
      continue;
    }
    break;
  }
  if (t[j] !== ']') return undefined;
  const m = /^\]\s{0,3}\.\s{0,3}join\s{0,3}\(\s{0,3}(?:(['"`])([^'"`\n]{0,8})\1)?\s{0,3}\)/.exec(t.slice(j, j + 40));
  if (!m) return undefined;
  return { value: parts.join(m[1] ? m[2] : ','), end: j + m[0].length, built: true };
}

const REVERSE =
  /^\s{0,3}\.\s{0,3}split\s{0,3}\(\s{0,3}(['"`])\1\s{0,3}\)\s{0,3}\.\s{0,3}reverse\s{0,3}\(\s{0,3}\)\s{0,3}\.\s{0,3}join\s{0,3}\(\s{0,3}(['"`])\2\s{0,3}\)/;

/** One term: a literal (maybe reversed), char codes, a joined array, or a known constant. */
function term(t: string, i: number, consts: BehaviourState['consts'], depth: number): Folded | undefined {
  const c = t[i];
  let r: Folded | undefined;
  if (c === "'" || c === '"' || c === '`') r = readString(t, i, consts, depth);
  else if (c === '[') r = readJoinedArray(t, i, consts, depth);
  else if (t.startsWith('String.fromCharCode', i)) r = readCharCodes(t, i + 19);
  else if (/[A-Za-z_$]/.test(c ?? '')) {
    const id = /^[A-Za-z_$][\w$]{0,39}/.exec(t.slice(i, i + 40))![0];
    if (isWordChar(t[i + id.length]) || t[i + id.length] === '(' || t[i + id.length] === '.') return undefined;
    const k = consts.get(id);
    if (!k) return undefined;
    r = { value: k.value, end: i + id.length, built: k.built };
  }
  if (!r) return undefined;
  const rev = REVERSE.exec(t.slice(r.end, r.end + 80));
  if (rev) r = { value: [...r.value].reverse().join(''), end: r.end + rev[0].length, built: true };
  return r;
}

/** Folds `a + 'b' + String.fromCharCode(…)` starting at `i` to a string, or undefined when a part is unknown. */
export function fold(t: string, i: number, consts: BehaviourState['consts'], depth = 0): Folded | undefined {
  if (depth > 3) return undefined;
  let j = skipWs(t, i);
  let value = '';
  let pieces = 0;
  let built = false;
  for (;;) {
    const r = term(t, j, consts, depth);
    if (!r) return pieces ? undefined : undefined;
    value += r.value;
    built ||= r.built;
    pieces++;
    if (value.length > MAX_FOLD || pieces > MAX_PIECES) return undefined;
    const k = skipWs(t, r.end);
    if (t[k] === '+' && t[k + 1] !== '+' && t[k + 1] !== '=') {
      j = skipWs(t, k + 1);
      continue;
    }
    return { value, end: r.end, built: built || pieces > 1 };
  }
}

/** What a name built at run time stands for. */
function effectOf(name: string): { kind: SignalKind; key: string } | undefined {
  const n = name.trim();
  const spec = n.startsWith('node:') ? n.slice(5) : n;
  if (PROCESS_MODULES.has(spec)) return { kind: 'process', key: spec };
  // `global['pro'+'cess']`: the process object reached by a name built at run time.
  if (n === 'process') return { kind: 'process', key: 'process (built name)' };
  if (NETWORK_MODULES.has(spec) && spec.length > 2) return { kind: 'network', key: spec };
  if (/^(?:exec|execSync|execFile|execFileSync|spawn|spawnSync|fork|binding|_linkedBinding)$/.test(n)) return { kind: 'process', key: n };
  if (/^(?:fetch|XMLHttpRequest|WebSocket)$/.test(n)) return { kind: 'network', key: n };
  if (
    /^(?:eval|Function|require|_load|_compile|mainModule|runInThisContext|runInNewContext|compileFunction|dlopen|return\s+process|return\s+this\.process)$/.test(
      n,
    )
  )
    return { kind: 'eval', key: n.replace(/\s+/, ' ') };
  if (n === 'env') return { kind: 'source', key: 'env' };
  if (/^(?:hostname|userInfo|networkInterfaces)$/.test(n)) return { kind: 'source', key: `host:${n}` };
  return undefined;
}

/** Records a name built at run time that spells a dangerous module or API: the API itself, and obfuscation. */
function builtName(bs: BehaviourState, at: number, f: Folded, how: string): void {
  if (!f.built) return;
  const e = effectOf(f.value);
  if (!e) return;
  const detail = `${how}: ${JSON.stringify(f.value)} (${snippetAt(bs.text, at, Math.min(f.end - at, 60))})`;
  bs.add(e.kind, e.key, at, f.end - at, { detail, noCommentCheck: true });
  bs.add('obfuscation', 'built-api-name', at, f.end - at, { noCommentCheck: true, detail });
}

const DECL = /\b(?:const|let|var)\s{1,3}/g;
const DESTRUCTURE_ENV =
  /^\{\s{0,3}env\s{0,3}(?::\s{0,3}([A-Za-z_$][\w$]{0,39}))?\s{0,3}\}\s{0,3}=\s{0,3}(?:globalThis\s{0,3}\.\s{0,3}|global\s{0,3}\.\s{0,3})?process\b/;
const ALIAS_PROCESS = /^\s{0,3}(?:globalThis\s{0,3}\.\s{0,3}|global\s{0,3}\.\s{0,3})?process\s{0,3}(?=[;,)\n}]|$)/;
const ALIAS_ENV =
  /^\s{0,3}(?:(?:globalThis\s{0,3}\.\s{0,3}|global\s{0,3}\.\s{0,3})?process\s{0,3}(?:\.\s{0,3}env|\[\s{0,3}(['"`])env\1\s{0,3}\])|Reflect\s{0,3}\.\s{0,3}get\s{0,3}\(\s{0,3}process\s{0,3},\s{0,3}(['"`])env\2\s{0,3}\))\s{0,3}(?=[;,)\n}]|$)/;
const MAX_DECLS = 5000;
const MAX_CONSTS = 2000;

/**
 * Constants and aliases declared in the file, before the main pass: `const a = 'child'`, `const n =
 * String.fromCharCode(…)`, `const p = process`, `const e = process['env']`, `const { env } = process`.
 */
export function collectDeclarations(bs: BehaviourState): void {
  if (bs.kind !== 'js') return;
  const t = bs.text;
  DECL.lastIndex = 0;
  let n = 0;
  for (let m = DECL.exec(t); m && n < MAX_DECLS; m = DECL.exec(t)) {
    n++;
    let i = DECL.lastIndex;
    if (t[i] === '{') {
      const d = DESTRUCTURE_ENV.exec(t.slice(i, i + 160));
      if (d) bs.envAliases.add(d[1] ?? 'env');
      continue;
    }
    for (let k = 0; k < 8; k++) {
      const id = /^([A-Za-z_$][\w$]{0,39})\s{0,3}=(?!=)\s{0,3}/.exec(t.slice(i, i + 60));
      if (!id) break;
      const v = i + id[0].length;
      const rest = t.slice(v, v + 120);
      if (ALIAS_ENV.test(rest)) bs.envAliases.add(id[1]);
      else if (ALIAS_PROCESS.test(rest)) bs.processAliases.add(id[1]);
      const f = fold(t, v, bs.consts);
      let end = v;
      if (f) {
        end = f.end;
        if (bs.consts.size < MAX_CONSTS && f.value.length <= 80) bs.consts.set(id[1], { value: f.value, built: f.built });
        builtName(bs, v, f, 'a name built at run time');
      }
      // Another declarator of the same statement: `const a = 'x', b = 'y'`.
      const next = /^\s{0,3},\s{0,3}/.exec(t.slice(end, end + 8));
      if (!f || !next) break;
      i = end + next[0].length;
    }
  }
}

// ---------------------------------------------------------------- groups

/** Walks back from the closing quote of a literal over `'a' + 'b' + ` pieces to where the expression starts. */
function concatStart(t: string, closeQuote: number): number {
  let start = closeQuote;
  for (let pieces = 0; pieces < MAX_PIECES; pieces++) {
    const q = t[start];
    let j = start - 1;
    while (j >= 0 && start - j < 120 && !(t[j] === q && t[j - 1] !== '\\')) j--;
    if (j < 0 || t[j] !== q) return start;
    const before = /\+\s{0,3}$/.exec(t.slice(Math.max(0, j - 6), j));
    if (!before) return j;
    const prevClose = j - before[0].length - 1;
    if (prevClose < 0 || !/['"`]/.test(t[prevClose])) return j;
    start = prevClose;
  }
  return start;
}

export const ENCODER_OPEN =
  /(?:JSON\s{0,3}\.\s{0,3}stringify|\bstringify|URLSearchParams|\binspect|\bbtoa|\bencodeURIComponent)\s{0,3}\(\s{0,3}(?:\{\s{0,3}\.\.\.\s{0,3}|Object\s{0,3}\.\s{0,3}assign\s{0,3}\(\s{0,3}\{\s{0,3}\}\s{0,3},\s{0,3})?$/;

const INVISIBLE_MIN = 24;

/**
 * `String.fromCharCode` (called from the scanner's obfuscator group, which owns the anchor): a literal list spells
 * a name (folded); a computed argument decodes — XOR, a shift (ROT/Caesar), hex pairs or plain char codes.
 */
export function fromCharCodeUse(bs: BehaviourState, at: number, m: string): void {
  const t = bs.text;
  const f = readCharCodes(t, at + m.length);
  if (f) return builtName(bs, Math.max(0, at - 7), f, 'char codes');
  const around = win(t, at, 160, 200);
  if (/\^\s{0,3}(?:0x[0-9a-fA-F]{1,4}\b|\d{1,3}\b|[\w$]{1,30}\s{0,3}(?:\.\s{0,3}charCodeAt|\[))/.test(around)) return bs.add('decode', 'xor', at, m.length);
  if (/%\s{0,3}26\b|[-+]\s{0,3}13\b|(?:charCodeAt\s{0,3}\([^)]{0,20}\)|\bch?\b)\s{0,3}[-+]\s{0,3}\d{1,2}\b/.test(around))
    return bs.add('decode', 'shift', at, m.length);
  if (/parseInt\s{0,3}\([^)]{0,40},\s{0,3}16\s{0,3}\)/.test(around)) return bs.add('decode', 'hex', at, m.length);
  bs.add('decode', 'char-codes', at, m.length);
}

/** `eval(function(p,a,c,k,e,d){…}(…))` and its renamed variants: a self-decoding packer (called by the eval group). */
export function selfDecodingEval(bs: BehaviourState, at: number, arg: string, api: string): void {
  const params = /^\s{0,3}function\s{0,3}\(\s{0,3}((?:[\w$]{1,3}\s{0,3},\s{0,3}){4,7}[\w$]{1,3})\s{0,3}\)\s{0,3}\{/.exec(arg);
  if (params)
    bs.add('obfuscation', 'self-decoding-eval', at, api.length, { noCommentCheck: true, detail: `${api}(function(${params[1].replace(/\s+/g, '')}){…})` });
}

/** `curl … | sh`, `iwr … | iex`, `wget … && chmod +x`: downloads run as they arrive (called for shell files by the scanner's own group). */
export function pipeToShell(bs: BehaviourState, at: number, m: string): void {
  const t = bs.text;
  const rest = t.slice(at, at + 300);
  if (
    /\|\s{0,3}(?:sudo\s{1,3})?(?:ba|z|da|k)?sh\b|\|\s{0,3}iex\b|\|\s{0,3}Invoke-Expression|&&\s{0,3}chmod\s{1,3}\+x|-O\s{0,3}-\s{0,3}\|/i.test(rest) ||
    (m === 'DownloadString' && /\biex\b|Invoke-Expression/i.test(win(t, at, 80, 80))) ||
    ((m === 'urllib' || m.startsWith('urlopen')) && /\bexec\s{0,3}\(/.test(win(t, at, 40, 160)))
  ) {
    bs.add('fetch-run', m.trim().replace(/\($/, ''), at, m.length, { detail: snippetAt(t, at, Math.min(rest.length, 80)) });
  }
}

/** UTF-8 byte length of an invisible code point starting at `i` (as latin1 text), or 0. */
function invisibleAt(t: string, i: number): number {
  const a = t.charCodeAt(i);
  const b = t.charCodeAt(i + 1);
  const c = t.charCodeAt(i + 2);
  if (a === 0xef && b === 0xb8 && c >= 0x80 && c <= 0x8f) return 3; // U+FE00–FE0F variation selectors
  if (a === 0xe2 && b === 0x80 && c >= 0x8b && c <= 0x8d) return 3; // zero-width space / (non-)joiner
  if (a === 0xf3 && b === 0xa0 && c >= 0x80 && c <= 0x87) return 4; // U+E0000–E01FF tags and supplementary selectors
  if (a === 0xee || (a === 0xef && b < 0xa4)) return 3; // U+E000–F8FF private use
  return 0;
}

export const BEHAVIOUR_GROUPS: BehaviourGroup[] = [
  {
    name: 'host-info',
    kinds: ALL,
    anchors: ['hostname(', 'userInfo(', 'networkInterfaces(', 'COMPUTERNAME', 'USERDOMAIN', '$(hostname)', '`hostname`'],
    budget: 5000,
    handle(bs, at, m) {
      const t = bs.text;
      if (m === 'COMPUTERNAME' || m === 'USERDOMAIN') {
        if (!wordStart(t, at) || isWordChar(t[at + m.length])) return;
        return bs.add('source', `host:${m}`, at, m.length, { detail: snippetAt(t, at, m.length) });
      }
      if (m.startsWith('$(') || m.startsWith('`')) return bs.add('source', 'host:hostname', at, m.length, { detail: snippetAt(t, at, m.length) });
      const name = m.slice(0, -1);
      if (!wordStart(t, at)) return;
      // os.hostname() / require('os').userInfo() / a destructured hostname(); not `url.hostname` or a method definition.
      const before = t.slice(Math.max(0, at - 24), at);
      if (before.endsWith('.') && !/\bos\s{0,3}\.$|\)\s{0,3}\.$/.test(before)) return;
      if (/(?:function|async|get|static)\s{1,3}$/.test(before)) return;
      bs.add('source', `host:${name}`, at, m.length, { detail: snippetAt(t, at, m.length) });
    },
  },
  {
    name: 'clipboard',
    kinds: ALL,
    anchors: ['pbpaste', 'xclip', 'xsel', 'Get-Clipboard', 'clipboardy', 'clipboard.read', 'GetClipboardData'],
    budget: 2000,
    handle(bs, at, m) {
      const t = bs.text;
      if (!wordStart(t, at)) return;
      if (m === 'xclip' || m === 'xsel') {
        if (!/^\w{4,5}[^\n'"`]{0,60}\s(?:-o\b|-out\b|--output\b)/.test(t.slice(at, at + 80))) return;
      } else if (m === 'clipboardy') {
        if (!/\.\s{0,3}read(?:Sync)?\s{0,3}\(/.test(win(t, at, 0, 400))) return;
      }
      bs.add('source', 'clipboard', at, m.length, { detail: snippetAt(t, at, m.length) });
    },
  },
  {
    name: 'stores',
    kinds: ALL,
    anchors: [
      'find-generic-password',
      'find-internet-password',
      'dump-keychain',
      'login.keychain',
      'Login Data',
      'Local State',
      'Cookies',
      'logins.json',
      'key4.db',
      'key3.db',
      'cmdkey',
      'secret-tool',
      'Web Data',
      'Safe Storage',
    ],
    budget: 2000,
    handle(bs, at, m) {
      const t = bs.text;
      const around = win(t, at, 200, 200);
      let key: string | undefined;
      if (m === 'find-generic-password' || m === 'find-internet-password' || m === 'dump-keychain' || m === 'login.keychain' || m === 'Safe Storage')
        key = 'keychain';
      else if (m === 'cmdkey') key = /cmdkey(?:\.exe)?\s{1,3}\/list/i.test(t.slice(at, at + 24)) ? 'Windows Credential Manager' : undefined;
      else if (m === 'secret-tool') key = /secret-tool\s{1,3}(?:lookup|search)/.test(t.slice(at, at + 24)) ? 'libsecret' : undefined;
      else if (m === 'logins.json' || m === 'key4.db' || m === 'key3.db') key = /firefox|mozilla|profile/i.test(around) ? 'Firefox logins' : undefined;
      else if (/Chrome|Chromium|Edge|Brave|Opera|User Data|Default|Profile \d/.test(around)) key = `browser ${m}`;
      if (!key) return;
      bs.add('credential', `store:${key}`, at, m.length, { strong: true, detail: snippetAt(t, at, m.length) });
    },
  },
  {
    name: 'encode',
    kinds: JS,
    anchors: [
      'stringify',
      'URLSearchParams',
      'btoa',
      'encodeURIComponent',
      "'base64'",
      '"base64"',
      "'hex'",
      '"hex"',
      "'base64url'",
      'createCipher',
      'publicEncrypt',
      'gzipSync',
      'deflateSync',
      'brotliCompress',
      'gzip(',
      'createGzip',
      'atob',
      'createDecipher',
      'gunzipSync',
      'inflateSync',
      'brotliDecompress',
      'unescape(',
      'privateDecrypt',
    ],
    budget: 20000,
    handle(bs, at, m) {
      const t = bs.text;
      if (/^[a-z]/i.test(m) && !wordStart(t, at)) return;
      if (m === 'stringify') {
        if (/JSON\s{0,3}\.\s{0,3}$/.test(t.slice(Math.max(0, at - 8), at))) return bs.add('encode', 'json', at, m.length);
        if (/\b(?:qs|querystring)\s{0,3}\.\s{0,3}$/.test(t.slice(Math.max(0, at - 16), at))) return bs.add('encode', 'query', at, m.length);
        return;
      }
      if (m === 'URLSearchParams') return bs.add('encode', 'query', at, m.length);
      if (m === 'btoa') return isWordChar(t[at + 4]) ? undefined : bs.add('encode', 'base64', at, m.length);
      if (m === 'atob') return isWordChar(t[at + 4]) ? undefined : bs.add('decode', 'base64', at, m.length);
      if (m === 'encodeURIComponent') return bs.add('encode', 'uri', at, m.length);
      if (m.startsWith("'") || m.startsWith('"')) {
        const enc = m.slice(1, -1).startsWith('base64') ? 'base64' : 'hex';
        const before = t.slice(Math.max(0, at - 300), at);
        if (/digest\s{0,3}\(\s{0,3}$/.test(before)) return; // a hash, not an encoding of the data
        if (/toString\s{0,3}\(\s{0,3}$/.test(before)) return bs.add('encode', enc, at, m.length);
        if (/,\s{0,3}$/.test(before) && /(?:Buffer\s{0,3}\.\s{0,3}from|new\s{1,3}Buffer)\s{0,3}\([^;]{0,280}$/.test(before))
          return bs.add('decode', enc, at, m.length);
        return;
      }
      if (m === 'createCipher' || m === 'publicEncrypt') return bs.add('encode', 'cipher', at, m.length);
      if (m === 'createDecipher' || m === 'privateDecrypt') return bs.add('decode', 'decrypt', at, m.length);
      if (m === 'unescape(') return bs.add('decode', 'unescape', at, m.length);
      if (/^(?:gunzip|inflate|brotliDecompress)/.test(m)) return bs.add('decode', 'decompress', at, m.length);
      bs.add('encode', 'compress', at, m.length);
    },
  },
  {
    name: 'decoders',
    kinds: JS,
    anchors: ['charCodeAt', '.reverse()', 'parseInt(', '.match(/.{1,2}/g)', '.match(/../g)'],
    budget: 20000,
    handle(bs, at, m) {
      const t = bs.text;
      const around = win(t, at, 160, 200);
      if (m === 'charCodeAt') {
        if (
          /\^\s{0,3}(?:0x[0-9a-fA-F]{1,4}\b|\d{1,3}\b|[\w$]{1,30}\s{0,3}(?:\.\s{0,3}charCodeAt|\[))|\^=/.test(around) &&
          /fromCharCode|Buffer|\.map\(|push\(/.test(around)
        )
          bs.add('decode', 'xor', at, m.length);
        return;
      }
      if (m === '.reverse()') {
        if (
          /^\.reverse\(\)\s{0,3}\.\s{0,3}join\s{0,3}\(/.test(t.slice(at, at + 24)) &&
          /split\s{0,3}\(\s{0,3}(['"`])\1\s{0,3}\)\s{0,3}$/.test(t.slice(Math.max(0, at - 24), at))
        )
          bs.add('decode', 'reverse', at, m.length);
        return;
      }
      if (m === 'parseInt(') {
        if (
          /^parseInt\(\s{0,3}[\w$.]{1,30}\s{0,3}\.\s{0,3}(?:substr|substring|slice)\s{0,3}\([^)]{0,30}\)\s{0,3},\s{0,3}16\s{0,3}\)/.test(
            t.slice(at, at + 90),
          ) &&
          /fromCharCode|push\(|Buffer/.test(around)
        )
          bs.add('decode', 'hex', at, m.length);
        return;
      }
      bs.add('decode', 'hex', at, m.length);
    },
  },
  {
    name: 'xor-assign',
    kinds: JS,
    anchors: [']^=', '] ^='],
    budget: 5000,
    handle(bs, at) {
      // `b[i] ^= k` over a buffer in a loop: a byte-wise XOR decoder.
      const t = bs.text;
      if (/[\w$]\s{0,3}\[[\w$ +%.-]{1,30}$/.test(t.slice(Math.max(0, at - 40), at)) && /\bfor\s{0,3}\(|\.length/.test(win(t, at, 160, 0)))
        bs.add('decode', 'xor', at, 2);
    },
  },
  {
    name: 'binary-data',
    kinds: JS,
    anchors: ['.png', '.jpg', '.jpeg', '.gif', '.ico', '.bmp', '.webp', '.svg', '.wav', '.mp3', '.ogg', '.woff', '.ttf', '.otf', '.bin', '.dat'],
    budget: 5000,
    handle(bs, at, m) {
      const t = bs.text;
      const after = t[at + m.length];
      if (isWordChar(after) && !(m === '.woff' && t[at + 5] === '2')) return;
      const end = m === '.woff' && t[at + 5] === '2' ? at + 6 : at + m.length;
      if (!/['"`]/.test(t[end] ?? '')) return;
      // A package file read by path (the file is data; what the code does with it is the question).
      const before = t.slice(Math.max(0, at - 200), at);
      if (!/(?:readFileSync|readFile|createReadStream|require\s{0,3}\.\s{0,3}resolve|openSync)\s{0,3}\([^;]{0,190}$/.test(before)) return;
      const name = /[\w@.-]{0,60}$/.exec(t.slice(Math.max(0, at - 60), at))?.[0] ?? '';
      bs.add('decode', `binary-file:${name}${t.slice(at, end)}`, at, end - at, { detail: snippetAt(t, at, end - at) });
    },
  },
  {
    name: 'code-sinks',
    kinds: JS,
    anchors: [
      'then(eval)',
      '_compile(',
      'constructor.constructor',
      "constructor['constructor']",
      'constructor["constructor"]',
      'mainModule',
      'Reflect.get',
      'Reflect.apply',
    ],
    budget: 5000,
    handle(bs, at, m) {
      const t = bs.text;
      if (m === 'then(eval)') return bs.add('eval', '.then(eval)', at, m.length);
      if (m === '_compile(') return bs.add('eval', 'Module._compile', at, m.length);
      if (m.startsWith('constructor')) return bs.add('eval', 'constructor.constructor', at, m.length, { detail: snippetAt(t, at, m.length) });
      if (m === 'mainModule') {
        if (
          /^mainModule\s{0,3}(?:\.\s{0,3}(?:require|constructor)|\[\s{0,3}['"`](?:require|constructor))|^mainModule['"`]\s{0,3}\]\s{0,3}(?:\.\s{0,3}(?:require|constructor)|\[)/.test(
            t.slice(at, at + 40),
          )
        )
          bs.add('eval', 'process.mainModule', at, m.length, { detail: snippetAt(t, at, m.length) });
        return;
      }
      // Reflect.get(target, name) / Reflect.apply(fn, …): the name folded as any other.
      const args = t.slice(at + m.length, at + m.length + 200);
      const r = /^\s{0,3}\(\s{0,3}([\w$.]{1,40})\s{0,3},\s{0,3}/.exec(args);
      if (!r) return;
      const target = r[1];
      const f = fold(t, at + m.length + r[0].length, bs.consts);
      if (m === 'Reflect.get' && f) {
        if (f.value === 'env' && (target === 'process' || bs.processAliases.has(target)))
          return bs.add('source', 'env', at, f.end - at, { detail: snippetAt(t, at, f.end - at) });
        builtName(bs, at, { ...f, built: f.built || /^(?:globalThis|global|window|self)$/.test(target) }, 'reached through Reflect.get');
      }
    },
  },
  {
    name: 'global-computed',
    kinds: JS,
    anchors: ['globalThis[', 'global[', 'window[', 'self['],
    budget: 5000,
    handle(bs, at, m) {
      const t = bs.text;
      if (!wordStart(t, at)) return;
      const f = fold(t, at + m.length, bs.consts);
      if (f && t[skipWs(t, f.end)] === ']') builtName(bs, at, { ...f, built: true }, 'a computed global');
    },
  },
  {
    name: 'array-join',
    kinds: JS,
    anchors: ['].join('],
    budget: 5000,
    handle(bs, at) {
      const t = bs.text;
      let j = at - 1;
      while (j >= 0 && at - j < 200 && t[j] !== '[' && t[j] !== ']' && t[j] !== ';') j--;
      if (t[j] !== '[') return;
      const f = readJoinedArray(t, j, bs.consts, 0);
      if (f) builtName(bs, j, f, 'a name joined from parts');
    },
  },
  {
    name: 'silent-launch',
    kinds: ALL,
    anchors: [
      'detached',
      'nohup ',
      'setsid ',
      'disown',
      'start /b',
      'start /B',
      'WindowStyle Hidden',
      'windowstyle hidden',
      '-w hidden',
      '-W Hidden',
      '-WindowStyle hidden',
    ],
    budget: 2000,
    handle(bs, at, m) {
      const t = bs.text;
      if (m === 'detached') {
        if (!/^detached['"]?\s{0,3}:\s{0,3}(?:true|!0|1)\b/.test(t.slice(at, at + 20))) return;
        const around = win(t, at, 400, 400);
        const silent =
          /stdio['"]?\s{0,3}:\s{0,3}(?:['"]ignore['"]|\[\s{0,3}['"]ignore['"])|\.unref\s{0,3}\(\s{0,3}\)|windowsHide['"]?\s{0,3}:\s{0,3}(?:true|!0)|silent['"]?\s{0,3}:\s{0,3}(?:true|!0)/.test(
            around,
          );
        if (!silent) return;
        // What it starts: node, this package's files, a temp or home path, a shell or an executable is code of its
        // own; a browser or an opener is not.
        const target = t.slice(Math.max(0, at - 400), at);
        const own =
          /process\.execPath|__dirname|__filename|tmpdir|homedir|['"`](?:node|bun|sh|bash)['"`]|\.(?:js|cjs|mjs|exe|sh)['"`]|['"`]-e['"`]|\/tmp\/|\bfork\s{0,3}\(/.test(
            target,
          );
        return bs.add('launch', own ? 'detached-code' : 'detached', at, m.length, { detail: snippetAt(t, at, m.length) });
      }
      if (!/^[a-z]/i.test(m) || wordStart(t, at)) {
        if (m === 'disown' && isWordChar(t[at + 6])) return;
        bs.add(
          'launch',
          m
            .trim()
            .toLowerCase()
            .replace(/^-w(?:indowstyle)? hidden$/, 'hidden window')
            .replace('windowstyle hidden', 'hidden window'),
          at,
          m.length,
          { detail: snippetAt(t, at, m.length) },
        );
      }
    },
  },
  {
    name: 'pipe-to-shell',
    kinds: JS,
    anchors: ['curl ', 'wget ', 'DownloadString', 'iwr ', 'irm ', 'Invoke-WebRequest', 'Invoke-RestMethod', 'urlopen('],
    budget: 5000,
    handle(bs, at, m) {
      const t = bs.text;
      if (/^[a-z]/i.test(m) && !wordStart(t, at)) return;
      pipeToShell(bs, at, m);
      // `execSync('curl -d … https://…')`: a network tool started from code uses the network.
      if (
        (m === 'curl ' || m === 'wget ') &&
        /['"`]\s{0,3}$/.test(t.slice(Math.max(0, at - 4), at)) &&
        /^\w{4}\s[^'"`\n]{0,200}(?:https?|ftp):\/\//.test(t.slice(at, at + 240))
      )
        bs.add('network', m.trim(), at, m.length, { detail: snippetAt(t, at, m.length) });
    },
  },
  {
    name: 'hijack',
    kinds: ALL,
    anchors: ['LD_PRELOAD', 'DYLD_INSERT_LIBRARIES', 'ld.so.preload', 'rundll32', 'regsvr32', 'mshta', '.dll'],
    budget: 2000,
    handle(bs, at, m) {
      const t = bs.text;
      if (m === '.dll') {
        // A DLL copied or written into an application's folder, where it loads in place of a system one.
        if (!/['"`]/.test(t[at + 4] ?? '')) return;
        const around = win(t, at, 300, 200);
        if (
          /\b(?:copyFile|copyFileSync|writeFile|writeFileSync|rename|renameSync|createWriteStream|cpSync)\b/.test(around) &&
          /LOCALAPPDATA|APPDATA|Program Files|System32|SysWOW64|Microsoft[\\/]|AppData/i.test(around)
        ) {
          bs.add('hijack', 'DLL placed in an application folder', at, 4, { detail: snippetAt(t, at, 4) });
        }
        return;
      }
      if (!wordStart(t, at) && m !== 'ld.so.preload') return;
      if (m === 'LD_PRELOAD' || m === 'DYLD_INSERT_LIBRARIES') {
        // Set, not mentioned: `LD_PRELOAD=`, `LD_PRELOAD: x`, `env.LD_PRELOAD = x`, `export LD_PRELOAD`.
        const after = t.slice(at + m.length, at + m.length + 8);
        if (!/^['"`]?\s{0,3}[:=]|^['"`]\s{0,3}\]\s{0,3}=/.test(after) && !/export\s{1,3}$/.test(t.slice(Math.max(0, at - 8), at))) return;
        return bs.add('hijack', m, at, m.length, { detail: snippetAt(t, at, m.length) });
      }
      if (m === 'ld.so.preload') return bs.add('hijack', '/etc/ld.so.preload', at, m.length, { detail: snippetAt(t, at, m.length) });
      // Windows proxy execution: rundll32 / regsvr32 / mshta starting code; opening a URL through url.dll is not.
      const rest = t.slice(at, at + 120);
      if (!/^\w{4,8}(?:\.exe)?['"`]?\s{0,3}[\s,]/.test(rest)) return;
      if (m === 'rundll32' && /(?:url|shell32|ieframe)\.dll\s{0,3},\s{0,3}(?:FileProtocolHandler|OpenURL|Control_RunDLL|OpenAs_RunDLL)/i.test(rest)) return;
      bs.add('hijack', m, at, m.length, { detail: snippetAt(t, at, m.length) });
    },
  },
  {
    name: 'worm-parts',
    kinds: JS,
    anchors: [
      '__filename',
      "'postinstall'",
      '"postinstall"',
      '.postinstall',
      "'preinstall'",
      '"preinstall"',
      '.preinstall',
      'postinstall:',
      'preinstall:',
      'access list packages',
      'access ls-packages',
    ],
    budget: 2000,
    handle(bs, at, m) {
      const t = bs.text;
      if (m === '__filename') {
        // Copying or reading its own file to plant it elsewhere.
        if (/(?:copyFile|copyFileSync|cpSync|createReadStream|readFileSync)\s{0,3}\(\s{0,3}$/.test(t.slice(Math.max(0, at - 24), at)))
          bs.add('worm', 'copies itself', at, m.length, { detail: snippetAt(t, at, m.length) });
        return;
      }
      if (m.startsWith('access')) return bs.add('worm', 'lists the packages it can publish', at, m.length, { detail: snippetAt(t, at, m.length) });
      // A lifecycle script written into a manifest: `m.scripts.postinstall = …`, `{ postinstall: 'node x.js' }`.
      const after = t.slice(at + m.length, at + m.length + 40);
      if (/^['"`]?\s{0,3}[:=]\s{0,3}['"`](?:node|sh|bash|bun|npx)\b/.test(after) || /^\s{0,3}['"`](?:node|sh|bash|bun)\b/.test(after))
        bs.add('worm', 'writes an install hook into a manifest', at, m.length, { detail: snippetAt(t, at, m.length) });
    },
  },
  {
    name: 'shell-names',
    kinds: JS,
    anchors: ["'/bin/sh'", '"/bin/sh"', "'/bin/bash'", '"/bin/bash"', "'cmd.exe'", '"cmd.exe"', "'sh'", '"sh"', "'bash'", '"bash"'],
    budget: 2000,
    handle(bs, at, m) {
      const t = bs.text;
      if (/(?:spawn|exec|execFile|fork|spawnSync)\s{0,3}\(\s{0,3}$/.test(t.slice(Math.max(0, at - 16), at)))
        bs.add('shell', m.slice(1, -1), at, m.length, { detail: snippetAt(t, at, m.length) });
    },
  },
];

/** Patterns that do not start with a literal: string pieces joined with `+` (`'chi' + 'ld_process'`). */
export const BEHAVIOUR_PASSES: { name: string; kinds: readonly CodeKind[]; re: RegExp; handle: (bs: BehaviourState, at: number, m: string) => void }[] = [
  {
    name: 'string-concat',
    kinds: JS,
    re: /['"`] {0,3}\+ {0,3}(?=['"`]|String\.fromCharCode)/g,
    handle(bs, at) {
      const t = bs.text;
      const start = concatStart(t, at);
      const f = fold(t, start, bs.consts);
      if (f) builtName(bs, start, f, 'a name built from pieces');
    },
  },
];

/** Whole `process.env` objects through aliases (`const e = process.env; JSON.stringify(e)`): serialised or not. */
export function aliasUses(bs: BehaviourState): void {
  const t = bs.text;
  for (const name of [...bs.envAliases].slice(0, 8)) {
    let from = 0;
    for (let n = 0; n < 200; n++) {
      const i = t.indexOf(name, from);
      if (i < 0) break;
      from = i + name.length;
      if (isWordChar(t[i - 1]) || isWordChar(t[i + name.length]) || t[i - 1] === '.') continue;
      if (/^\s{0,3}(?:\.|\[|\?\.|=[^=]|:)/.test(t.slice(i + name.length, i + name.length + 6))) continue;
      if (ENCODER_OPEN.test(t.slice(Math.max(0, i - 80), i))) {
        bs.add('credential', 'env-dump', i, name.length, { strong: true, detail: snippetAt(t, i, name.length) });
        break;
      }
    }
  }
}

/** The first bytes of the code points invisibleAt reads (as latin1 text, a character per byte). */
const INVISIBLE_LEADS = [0xe2, 0xee, 0xef, 0xf3];

/**
 * Runs of invisible characters long enough to carry code (variation selectors, tags, zero-width, private use).
 * `data` is the text's bytes (`text` is their latin1 reading, so offsets agree): the places where such a character
 * can start are found with the byte search of Buffer#indexOf, about ten times faster than a character loop or a
 * regular expression over the text; each place is then read from the text as before.
 */
export function invisibleRuns(bs: BehaviourState, data: Uint8Array): void {
  const t = bs.text;
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const next = INVISIBLE_LEADS.map((b) => bytes.indexOf(b));
  let i = 0;
  while (i < t.length) {
    let at = -1;
    for (let k = 0; k < next.length; k++) {
      if (next[k] >= 0 && next[k] < i) next[k] = bytes.indexOf(INVISIBLE_LEADS[k], i);
      if (next[k] >= 0 && (at < 0 || next[k] < at)) at = next[k];
    }
    if (at < 0 || at >= t.length) break;
    i = at;
    const start = i;
    let count = 0;
    for (let w = invisibleAt(t, i); w; w = invisibleAt(t, i)) {
      i += w;
      count++;
    }
    if (count >= INVISIBLE_MIN) {
      bs.add('obfuscation', 'invisible-code', start, i - start, { noCommentCheck: true, detail: `${count} invisible characters in a row` });
      bs.add('decode', 'invisible', start, i - start, { noCommentCheck: true, detail: `${count} invisible characters in a row` });
    }
    if (i === start) i++;
  }
}
