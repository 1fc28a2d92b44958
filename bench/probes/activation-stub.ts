/**
 * Child process of run.bench: loads a built extension bundle with a minimal stub of the `vscode` module and times
 * require() (code loading) and activate(), as VS Code's extension host would do them. A STUB measurement: the real
 * API does more work per registration; the real extension host number comes from code-server (activation-e2e.ts).
 *
 *   node out/bench/probes/activation-stub.js <extension.js> <extensionDir>
 * prints { requireMs, activateMs, totalMs, registrations, runtimeRequireMs } as JSON. runtimeRequireMs: after
 * activation, require() of dist/runtime.js, which the extension loads on first use (the first scan in a folder with
 * a package.json); absent when the bundle has no such sibling.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const registrations: string[] = [];

/** Anything: callable, constructible, every property is itself; awaiting it gives nothing; iterating it gives nothing. */
const anything: unknown = new Proxy(function () {}, {
  get: (_t, p) => (p === 'then' ? undefined : (special(p) ?? anything)),
  set: () => true,
  apply: () => thing(),
  construct: () => thing(),
});

function special(p: string | symbol): unknown {
  if (p === 'then') return null;
  if (p === Symbol.toPrimitive) return () => '';
  if (p === Symbol.iterator) return function* () {};
  if (p === 'dispose') return () => undefined;
  return undefined;
}

/** An object that keeps what is assigned to it and is `anything` elsewhere (status bar items, output channels, ...). */
function thing(): object {
  return new Proxy({} as Record<string | symbol, unknown>, {
    get: (t, p) => (p in t ? t[p] : p === 'then' ? undefined : (special(p) ?? anything)),
  });
}

class Disposable {
  constructor(private readonly f?: () => void) {}
  static from(...ds: { dispose?: () => void }[]): Disposable {
    return new Disposable(() => ds.forEach((d) => d?.dispose?.()));
  }
  dispose(): void {
    this.f?.();
  }
}

class EventEmitter<T> {
  private readonly listeners: ((e: T) => void)[] = [];
  readonly event = (l: (e: T) => void) => {
    this.listeners.push(l);
    return new Disposable(() => this.listeners.splice(this.listeners.indexOf(l), 1));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.length = 0;
  }
}

class Uri {
  constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  get path(): string {
    return this.fsPath;
  }
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static parse(s: string): Uri {
    return new Uri(s.split(':')[0], s.replace(/^[a-z]+:\/\//, ''));
  }
  static joinPath(u: Uri, ...parts: string[]): Uri {
    return new Uri(u.scheme, path.join(u.fsPath, ...parts));
  }
  with(): Uri {
    return this;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

/** A namespace whose register*() calls are recorded, on*() events subscribe to nothing, the rest is `anything`. */
function namespace(name: string, fixed: Record<string, unknown> = {}): unknown {
  return new Proxy(fixed, {
    get: (t, p) => {
      if (typeof p !== 'string') return undefined;
      if (p in t) return t[p];
      if (p.startsWith('register')) {
        return (id: unknown) => {
          registrations.push(`${name}.${p}${typeof id === 'string' ? `(${id})` : ''}`);
          return new Disposable();
        };
      }
      if (p.startsWith('create')) {
        return () => {
          registrations.push(`${name}.${p}`);
          return thing();
        };
      }
      if (/^on(Did|Will)/.test(p)) return () => new Disposable();
      return anything;
    },
  });
}

const enumOf = (...names: string[]) => Object.fromEntries(names.map((n, i) => [n, i]));

const vscode = {
  Disposable,
  EventEmitter,
  Uri,
  DiagnosticSeverity: enumOf('Error', 'Warning', 'Information', 'Hint'),
  DiagnosticTag: { Unnecessary: 1, Deprecated: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  window: namespace('window', { activeTextEditor: undefined }),
  workspace: namespace('workspace', {
    workspaceFolders: [],
    textDocuments: [],
    isTrusted: true,
    getConfiguration: () => ({ get: (_k: string, d?: unknown) => d, has: () => false, inspect: () => undefined, update: async () => undefined }),
    fs: { stat: async () => Promise.reject(new Error('stub')) },
  }),
  languages: namespace('languages'),
  commands: namespace('commands'),
  extensions: namespace('extensions'),
  env: namespace('env'),
  CodeActionKind: { QuickFix: { value: 'quickfix' }, Empty: { value: '' } },
};
// The rest of the API the bundle names (classes and values): `anything`. esbuild's __toESM copies the module's own
// keys, so every name the bundle reads must be an own property here.
for (const name of [
  'CancellationTokenSource',
  'CodeAction',
  'Diagnostic',
  'DiagnosticRelatedInformation',
  'Hover',
  'Location',
  'MarkdownString',
  'Position',
  'Range',
  'ThemeColor',
  'ThemeIcon',
  'WorkspaceEdit',
  'Selection',
  'TextEdit',
  'RelativePattern',
  'l10n',
  'env',
  'extensions',
]) {
  if (!(name in vscode)) (vscode as Record<string, unknown>)[name] = anything;
}

function main(): void {
  const [bundle, extensionDir] = process.argv.slice(2);
  const moduleApi = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = moduleApi._load;
  moduleApi._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return vscode;
    return load.call(this, request, parent, isMain);
  };
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bench-activation-'));
  const context = {
    subscriptions: [] as { dispose(): void }[],
    extensionUri: Uri.file(extensionDir ?? path.dirname(path.dirname(bundle))),
    extensionPath: extensionDir,
    globalStorageUri: Uri.file(storage),
    storageUri: Uri.file(storage),
    logUri: Uri.file(storage),
    workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
    globalState: { get: () => undefined, update: async () => undefined, keys: () => [], setKeysForSync: () => undefined },
    secrets: anything,
    extensionMode: 1,
    environmentVariableCollection: anything,
  };
  const t0 = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(path.resolve(bundle)) as { activate(ctx: unknown): unknown };
  const t1 = process.hrtime.bigint();
  ext.activate(context);
  const t2 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  const runtime = path.join(path.dirname(path.resolve(bundle)), 'runtime.js');
  let runtimeRequireMs: number | undefined;
  if (fs.existsSync(runtime)) {
    const t3 = process.hrtime.bigint();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(runtime);
    runtimeRequireMs = ms(t3, process.hrtime.bigint());
  }
  process.stdout.write(
    JSON.stringify({
      requireMs: ms(t0, t1),
      activateMs: ms(t1, t2),
      totalMs: ms(t0, t2),
      registrations,
      subscriptions: context.subscriptions.length,
      runtimeRequireMs,
    }) + '\n',
  );
  for (const d of context.subscriptions) d.dispose?.();
  fs.rmSync(storage, { recursive: true, force: true });
  process.exit(0);
}

main();
