/**
 * Install hooks as the tarball declares them, and the code they run.
 *
 * Which scripts count: npm, pnpm, yarn and bun run `preinstall`, `install` and `postinstall` of a registry
 * dependency (bun only for trusted ones), and an implicit `install: node-gyp rebuild` when the package has a
 * binding.gyp and neither install script. `prepare` runs only for git and local installs, never for a registry
 * tarball, so it is not an install hook here (a git dependency is the `untrusted-source` rule's business).
 *
 * A hook's command is parsed the way a shell would split it (`&&`, `||`, `;`, `|`, quotes) and each command
 * resolved to the package file it runs: `node x.js`, `node ./x`, `sh x.sh`, `bun x.ts`, `./x.sh`,
 * `npm run other-script`, `python x.py`. The hook's scope is those files plus what they reach: relative
 * requires/imports, and string literals naming package files (`spawn('bun', ['payload.js'])`).
 */
import { dirOf, joinPath, resolveIn } from './files';
import type { PackageContents } from './types';

export const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall'] as const;
export type HookName = (typeof INSTALL_HOOKS)[number];

export interface Hook {
  name: HookName;
  command: string;
  /** `install: node-gyp rebuild` that npm adds for a binding.gyp. */
  implicit?: boolean;
}

/** The install hooks of a tarball's package.json (plus the implicit node-gyp one). */
export function installHooksOf(contents: PackageContents): Hook[] {
  const m = contents.manifest;
  const scripts = m && typeof m.scripts === 'object' && m.scripts !== null ? (m.scripts as Record<string, unknown>) : {};
  const out: Hook[] = [];
  for (const name of INSTALL_HOOKS) {
    const cmd = scripts[name];
    if (typeof cmd === 'string' && cmd.trim()) out.push({ name, command: cmd });
  }
  if (contents.files.has('binding.gyp') && m?.gypfile !== false && !out.some((h) => h.name === 'install' || h.name === 'preinstall')) {
    out.push({ name: 'install', command: 'node-gyp rebuild', implicit: true });
  }
  return out;
}

export interface CommandParts {
  /** Package files the command runs (as written, relative to the package root). */
  files: string[];
  /** Code given inline: `node -e '…'` (js) or `sh -c '…'` (shell). */
  inline: { kind: 'js' | 'shell' | 'python'; code: string }[];
  /** What the command fetches from the network itself: `curl URL`, `npx some-package`, `bun x pkg`. */
  downloads: string[];
  /** Other programs it runs (node-gyp, prebuild-install, …). */
  tools: string[];
}

const SEPARATORS = new Set(['&&', '||', ';', '|', '&', '\n']);

/** Shell words and separators, honouring quotes and backslashes. Linear. */
export function shellWords(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q = '';
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (q) {
      if (c === q) q = '';
      else if (c === '\\' && q === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      has = true;
      continue;
    }
    if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      if (has) out.push(cur);
      cur = '';
      has = false;
      continue;
    }
    const two = cmd.slice(i, i + 2);
    if (two === '&&' || two === '||' || c === ';' || c === '|' || c === '&' || c === '\n') {
      if (has) out.push(cur);
      cur = '';
      has = false;
      out.push(two === '&&' || two === '||' ? two : c);
      if (two === '&&' || two === '||') i++;
      continue;
    }
    cur += c;
    has = true;
  }
  if (has) out.push(cur);
  return out;
}

const WRAPPERS = new Set(['env', 'cross-env', 'exec', 'sudo', 'nohup', 'time', 'command', 'npx-run', 'dotenv', 'cross-env-shell']);
const NODE_LIKE = new Set(['node', 'nodejs', 'tsx', 'ts-node', 'babel-node', 'esno', 'jiti', 'vite-node', 'node.exe']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash']);
const PYTHONS = new Set(['python', 'python3', 'python2', 'py']);
const NODE_FLAGS_WITH_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--input-type',
  '--title',
  '--env-file',
  '--stack-size',
]);
const SCRIPT_FILE = /\.(?:[cm]?[jt]sx?|sh|bash|py|ps1|cmd|bat)$/i;

/**
 * What a command runs. `scripts` lets `npm run x` / `yarn x` / `bun run x` expand to the named script
 * (depth-limited).
 */
export function parseCommand(cmd: string, scripts: Record<string, unknown> = {}, depth = 0): CommandParts {
  const parts: CommandParts = { files: [], inline: [], downloads: [], tools: [] };
  const words = shellWords(cmd);
  let seg: string[] = [];
  let prevSeg: string[] = [];
  let pipedFrom: string[] | undefined;
  const flush = (sep: string | undefined) => {
    if (seg.length) commandOf(seg, pipedFrom, parts, scripts, depth);
    prevSeg = seg;
    pipedFrom = sep === '|' ? prevSeg : undefined;
    seg = [];
  };
  for (const w of words) {
    if (SEPARATORS.has(w)) flush(w);
    else seg.push(w);
  }
  flush(undefined);
  return parts;
}

const base = (w: string): string => w.slice(Math.max(w.lastIndexOf('/'), w.lastIndexOf('\\')) + 1).toLowerCase();

function commandOf(seg: string[], pipedFrom: string[] | undefined, parts: CommandParts, scripts: Record<string, unknown>, depth: number): void {
  let i = 0;
  while (i < seg.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(seg[i]) || WRAPPERS.has(base(seg[i])))) i++;
  if (i >= seg.length) return;
  const exe = base(seg[i]);
  const args = seg.slice(i + 1);
  const firstOperand = (from = 0, valueFlags: ReadonlySet<string> = new Set()) => {
    for (let k = from; k < args.length; k++) {
      const a = args[k];
      if (valueFlags.has(a)) {
        k++;
        continue;
      }
      if (a.startsWith('-')) continue;
      return a;
    }
    return undefined;
  };
  if (pipedFrom && SHELLS.has(exe) && pipedFrom.length && /^(?:curl|wget)$/.test(base(pipedFrom[0]))) {
    // `curl URL | sh`: one download, run as it arrives.
    if (parts.downloads.length && parts.downloads[parts.downloads.length - 1].startsWith(`${base(pipedFrom[0])} `)) parts.downloads.pop();
    parts.downloads.push(`${pipedFrom.join(' ')} | ${exe}`);
    return;
  }
  if (NODE_LIKE.has(exe)) {
    for (let k = 0; k < args.length; k++) {
      const a = args[k];
      if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') {
        if (args[k + 1] !== undefined) parts.inline.push({ kind: 'js', code: args[k + 1] });
        return;
      }
      if (a === '-r' || a === '--require' || a === '--import') {
        if (args[k + 1]?.startsWith('.')) parts.files.push(args[k + 1]);
        k++;
        continue;
      }
      if (NODE_FLAGS_WITH_VALUE.has(a)) {
        k++;
        continue;
      }
      if (a.startsWith('-')) continue;
      parts.files.push(a);
      return;
    }
    return;
  }
  if (exe === 'bun' || exe === 'deno') {
    const sub = args[0];
    if (exe === 'bun' && (sub === 'x' || sub === 'dlx')) {
      const pkg = firstOperand(1);
      if (pkg) parts.downloads.push(`bun x ${pkg}`);
      return;
    }
    if (sub === 'install' || sub === 'i' || sub === 'add' || sub === 'upgrade') {
      parts.tools.push(`${exe} ${sub}`);
      return;
    }
    if (exe === 'deno' && (sub === 'eval' || sub === '-e')) {
      if (args[1]) parts.inline.push({ kind: 'js', code: args[1] });
      return;
    }
    const target = sub === 'run' ? firstOperand(1) : firstOperand(0);
    if (!target) return;
    if (!SCRIPT_FILE.test(target) && !target.includes('/') && typeof scripts[target] === 'string') return runScript(target, parts, scripts, depth);
    if (/^(?:https?|npm|jsr):/.test(target)) parts.downloads.push(`${exe} ${target}`);
    else parts.files.push(target);
    return;
  }
  if (SHELLS.has(exe) || exe === 'powershell' || exe === 'pwsh' || exe === 'powershell.exe' || exe === 'cmd' || exe === 'cmd.exe') {
    for (let k = 0; k < args.length; k++) {
      const a = args[k];
      if (a === '-c' || /^-(?:command|c)$/i.test(a) || /^\/c$/i.test(a)) {
        const code = args.slice(k + 1).join(' ');
        if (code) parts.inline.push({ kind: 'shell', code });
        return;
      }
      if (/^-file$/i.test(a)) {
        if (args[k + 1]) parts.files.push(args[k + 1]);
        return;
      }
      if (a.startsWith('-')) continue;
      parts.files.push(a);
      return;
    }
    return;
  }
  if (PYTHONS.has(exe)) {
    const c = args.indexOf('-c');
    if (c >= 0 && args[c + 1]) parts.inline.push({ kind: 'python', code: args[c + 1] });
    else {
      const f = firstOperand(0);
      if (f) parts.files.push(f);
    }
    return;
  }
  if (exe === 'npx' || exe === 'bunx' || exe === 'pnpx') {
    const pkg = firstOperand(0, new Set(['-p', '--package', '-c', '--call']));
    if (pkg) parts.downloads.push(`${exe} ${pkg}`);
    return;
  }
  if (exe === 'npm' || exe === 'pnpm' || exe === 'yarn') {
    const sub = args[0];
    if ((exe === 'pnpm' || exe === 'yarn') && sub === 'dlx') {
      const pkg = firstOperand(1);
      if (pkg) parts.downloads.push(`${exe} dlx ${pkg}`);
      return;
    }
    if (exe === 'npm' && (sub === 'exec' || sub === 'x')) {
      const pkg = firstOperand(1, new Set(['-p', '--package', '-c', '--call']));
      if (pkg) parts.downloads.push(`npm exec ${pkg}`);
      return;
    }
    const name = sub === 'run' || sub === 'run-script' ? firstOperand(1) : exe === 'yarn' || (exe === 'pnpm' && sub && !sub.startsWith('-')) ? sub : undefined;
    if (name && typeof scripts[name] === 'string') return runScript(name, parts, scripts, depth);
    parts.tools.push(`${exe}${sub ? ` ${sub}` : ''}`);
    return;
  }
  if (exe === 'curl' || exe === 'wget' || /^(?:invoke-webrequest|iwr|invoke-restmethod|irm)$/.test(exe)) {
    const url = args.find((a) => /^(?:https?|ftp):\/\//i.test(a));
    parts.downloads.push(`${exe} ${url ?? args.join(' ')}`.trim());
    return;
  }
  const w = seg[i];
  if (w.includes('/') || SCRIPT_FILE.test(w)) parts.files.push(w);
  else parts.tools.push(exe);
}

function runScript(name: string, parts: CommandParts, scripts: Record<string, unknown>, depth: number): void {
  if (depth >= 3) return;
  const sub = parseCommand(scripts[name] as string, scripts, depth + 1);
  parts.files.push(...sub.files);
  parts.inline.push(...sub.inline);
  parts.downloads.push(...sub.downloads);
  parts.tools.push(...sub.tools);
}

/**
 * Well-known tools an install hook may run without any code of the package, from the install scripts of real
 * packages (the packuments in ../shared/fixtures and the registry's 534 most-downloaded packages): package-manager
 * guards, git-hook installers, funding notices, messages. What they do is known and bounded, so a hook that runs
 * only these is low. Native build tools count only for a package that already had native code (`hadNative`).
 */
const BENIGN_TOOLS: ReadonlyMap<string, string> = new Map([
  ['only-allow', 'only-allow (a package-manager guard)'],
  ['husky', 'husky (git hooks for contributors)'],
  ['is-ci', 'is-ci'],
  ['simple-git-hooks', 'simple-git-hooks (git hooks for contributors)'],
  ['lefthook', 'lefthook (git hooks for contributors)'],
  ['opencollective', 'opencollective (a funding message)'],
  ['opencollective-postinstall', 'opencollective-postinstall (a funding message)'],
  ['lightercollective', 'lightercollective (a funding message)'],
  ['echo', 'echo (a message)'],
  ['exit', 'exit'],
  ['true', 'true'],
]);
const NATIVE_TOOLS: ReadonlyMap<string, string> = new Map([
  ['node-gyp', 'node-gyp (builds the native addon)'],
  ['node-gyp-build', 'node-gyp-build (loads or builds the native addon)'],
  ['prebuild-install', 'prebuild-install (fetches the prebuilt native addon)'],
  ['node-pre-gyp', 'node-pre-gyp (fetches or builds the native addon)'],
  ['cmake-js', 'cmake-js (builds the native addon)'],
]);

/**
 * The well-known tools a hook command runs when it runs nothing else — no file or inline code of the package, no
 * download but `npx <well-known tool>` — or undefined.
 */
export function benignHookTools(parts: CommandParts, hadNative: boolean): string[] | undefined {
  if (parts.files.length || parts.inline.length) return undefined;
  const names: string[] = [];
  for (const d of parts.downloads) {
    const m = /^(?:npx|bunx|pnpx|bun x|npm exec|pnpm dlx|yarn dlx) (?:--yes |-y )?(@?[^@\s]+)(?:@[^\s]*)?$/.exec(d);
    const t = m && BENIGN_TOOLS.get(m[1]);
    if (!t) return undefined;
    names.push(`${t}, through ${d.split(' ')[0]}`);
  }
  for (const tool of parts.tools) {
    const name = tool.split(' ')[0];
    const t = BENIGN_TOOLS.get(name) ?? (hadNative ? NATIVE_TOOLS.get(name) : undefined);
    if (!t) return undefined;
    names.push(t);
  }
  return names.length ? [...new Set(names)] : undefined;
}

/** Whether a package version had native code: a binding.gyp, a .node addon, or an install hook running a native build tool. */
export function hasNativeCode(contents: PackageContents, hooks: Hook[]): boolean {
  if (contents.files.has('binding.gyp')) return true;
  for (const f of contents.files.keys()) if (f.endsWith('.node')) return true;
  return hooks.some((h) => parseCommand(h.command).tools.some((t) => NATIVE_TOOLS.has(t.split(' ')[0])));
}

/** A hook command with the package's own version in it replaced, so that a release that only bumps it is unchanged. */
export function withoutVersion(command: string, version: string | undefined): string {
  return version && version.length >= 3 ? command.split(version).join('<version>') : command;
}

export interface HookRun {
  hook: Hook;
  parts: CommandParts;
  /** The package files the command runs, resolved. */
  entries: string[];
  /** Files the command names that the tarball does not have. */
  missing: string[];
}

export interface HookScope {
  runs: HookRun[];
  /** Every package file install-time code reaches (entries and what they require or name). */
  files: Set<string>;
  /** Files in scope that were not read (too large, over budget): their code is unknown. */
  unread: string[];
}

const REL_IMPORT =
  /(?:\brequire\s{0,3}\(\s{0,3}|\bimport\s{0,3}\(\s{0,3}|\bfrom\s{0,3}|\bimport\s{1,3}|\bsource\s{1,3}|\.\s{1,3})(['"`]?)(\.{1,2}\/[^'"`\s)]{1,300})\1/g;
const NAMED_FILE = /(['"`])([\w@./-]{1,200}\.(?:[cm]?js|sh|py|[cm]?ts))\1/g;
const MAX_SCOPE = 300;

/** The hooks' entry files and everything they reach. */
export function hookScope(contents: PackageContents, hooks: Hook[]): HookScope {
  const scripts =
    contents.manifest && typeof contents.manifest.scripts === 'object' && contents.manifest.scripts !== null
      ? (contents.manifest.scripts as Record<string, unknown>)
      : {};
  const files = contents.files;
  const runs: HookRun[] = [];
  const scope = new Set<string>();
  const queue: string[] = [];
  const visit = (p: string) => {
    if (!scope.has(p) && scope.size < MAX_SCOPE) {
      scope.add(p);
      queue.push(p);
    }
  };
  for (const hook of hooks) {
    if (hook.implicit) {
      runs.push({ hook, parts: { files: [], inline: [], downloads: [], tools: ['node-gyp'] }, entries: ['binding.gyp'], missing: [] });
      visit('binding.gyp');
      continue;
    }
    const parts = parseCommand(hook.command, scripts);
    const entries: string[] = [];
    const missing: string[] = [];
    for (const f of parts.files) {
      const r = resolveIn(files, '', f.replace(/^\$(?:\{?(?:PWD|INIT_CWD)\}?|npm_package_[a-z_]+)\//, '').replace(/^%~dp0[\\/]?/, ''));
      if (r) {
        entries.push(r);
        visit(r);
      } else missing.push(f);
    }
    runs.push({ hook, parts, entries, missing });
  }
  while (queue.length) {
    const p = queue.shift()!;
    const f = files.get(p);
    if (!f?.data || p === 'binding.gyp') continue;
    const text = f.data.toString('latin1');
    const dir = dirOf(p);
    if (/\.(?:sh|bash|ps1|cmd|bat)$/i.test(p)) {
      for (const line of text.split('\n').slice(0, 2000)) {
        for (const ref of parseCommand(line, scripts, 2).files) {
          const r = resolveIn(files, dir, ref) ?? resolveIn(files, '', ref);
          if (r) visit(r);
        }
      }
    }
    for (const m of text.matchAll(REL_IMPORT)) {
      const r = resolveIn(files, dir, m[2]);
      if (r) visit(r);
    }
    for (const m of text.matchAll(NAMED_FILE)) {
      const ref = m[2];
      const r = resolveIn(files, dir, ref) ?? (joinPath('', ref) !== undefined && files.has(joinPath('', ref)!) ? joinPath('', ref) : undefined);
      if (r) visit(r);
    }
  }
  const unread = [...scope].filter((p) => files.get(p) && !files.get(p)!.data);
  return { runs, files: scope, unread };
}
