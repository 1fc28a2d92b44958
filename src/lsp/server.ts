/**
 * `trustlens lsp`: TrustLens as a language server (LSP 3.17 over stdio), for every editor that is not VS Code. A thin
 * adapter, like the background service: the open documents are the check's overlay, the check is the engine's
 * (src/service/check-options.ts maps the settings exactly as the service does), and what it shows comes from the
 * same pure presentation code as the extension: src/core/report/diagnostics.ts, hover-text.ts, fixes.ts and
 * src/core/edits.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CodeAction,
  CodeActionKind,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type Connection,
  type Diagnostic,
  DiagnosticTag,
  DidChangeWatchedFilesNotification,
  type Hover,
  type InitializeResult,
  type Range,
  TextDocumentSyncKind,
  TextDocuments,
  type WorkspaceEdit,
  createConnection,
} from 'vscode-languageserver/node';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEPENDENCY_FILES } from '../core/dependency-files';
import { POLICY_FILE } from '../core/dependency-files';
import { type TextEdit as OffsetEdit, allowEdits, applyEdits, overrideEdits, pinEdit, reresolveEdits } from '../core/edits';
import { parseManifest } from '../core/manifest';
import type { SourceRange } from '../core/model';
import type { TrustCard } from '../core/report/card';
import { type DiagnosticData, diagnosticSpecs } from '../core/report/diagnostics';
import { GRAVE, moveTitle, onlyIntegrity } from '../core/report/fixes';
import { CODES } from '../core/trust/codes';
import { hoverMarkdown, plainIcons } from '../core/report/hover-text';
import { type CheckReport, runCheck } from '../engine/check/run-check';
import { EngineError, isAbort } from '../engine/infra/errors';
import { redactUrls } from '../engine/registry/http';
import { CheckSession } from '../engine/session/session';
import { ExposureCache } from '../engine/history/exposure';
import { SBOM_FORMATS, renderSbom } from '../engine/report/sbom';
import { LSP_COMMANDS, type ReportParams, ReportRequest, type ScanParams, ScanRequest, type ScanResult, type SbomParams, SbomRequest } from '../protocol/lsp';
import type { ReportResult, SbomResult, ServiceSettings } from '../protocol/service';
import { TrustRoots, checkOptions } from '../service/check-options';
import { reportData } from '../service/report-data';
import { allowExpiryDays, diagnosticLevel, mergeSettings, serviceSettingsFrom, trustlensSection } from './settings';

export interface LspOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  cacheDir?: string;
  /** Quiet time after an edit before the folder is checked again. */
  debounceMs?: number;
}

const SOURCE = 'TrustLens';
/** The files a check reads that an edit or an install changes. */
const WATCHED: readonly string[] = [...DEPENDENCY_FILES, '.npmrc'];
const isDependencyFile = (file: string) => WATCHED.includes(path.basename(file));
const MANIFEST_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'overrides', 'resolutions', 'pnpm.overrides'];

/** Where a finding code is explained: the README beside the installed CLI (dist/ or out/src/lsp/ → the package root). */
function docsLink(): (code: string) => string | undefined {
  const readme = [path.join(__dirname, '..', 'README.md'), path.join(__dirname, '..', '..', '..', 'README.md')].find((f) => fs.existsSync(f));
  return (code) => (readme ? `${pathToFileURL(readme).href}#${code}` : undefined);
}

const toRange = (r: SourceRange): Range => ({
  start: { line: r.start.line, character: r.start.character },
  end: { line: r.end.line, character: r.end.character },
});
const overlaps = (a: Range, b: Range) =>
  !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );

interface FolderState {
  root: string;
  timer?: NodeJS.Timeout;
  running?: AbortController;
  report?: CheckReport;
  /** The diagnostics last published per file URI, with what a quick fix needs. */
  published: Map<string, { diagnostic: Diagnostic; data?: DiagnosticData }[]>;
  /** Waiters for the next scan to start (the `trustlens/scan` request)... */
  waiters: ((r: ScanResult['folders'][number]) => void)[];
  /** ...which takes them (and those of a scan it supersedes) and resolves them when it finishes. */
  runningWaiters?: ((r: ScanResult['folders'][number]) => void)[];
  /** The next scan reads every package's contents (asked for by `trustlens/scan` with `deep`). */
  deepNext?: boolean;
  /** The running scan is a deep one: a scan that supersedes it inherits that. */
  runningDeep?: boolean;
  /** The settings of the last scan, for the requests that work on its result. */
  raw?: Record<string, unknown>;
}

export function startLspServer(options: LspOptions): Connection {
  const connection = createConnection(new StreamMessageReader(options.input), new StreamMessageWriter(options.output));
  const documents = new TextDocuments(TextDocument);
  const session = new CheckSession();
  const trustRoots = new TrustRoots();
  const docs = docsLink();
  const debounceMs = options.debounceMs ?? 300;
  const folders = new Map<string, FolderState>();
  let roots: string[] = [];
  let initSettings: Record<string, unknown> = {};
  let changedSettings: Record<string, unknown> | undefined;
  let canConfigure = false;
  let canProgress = false;
  let canShowDocument = false;
  let canCreateFiles = false;
  const exposureCache = new ExposureCache(2000);
  const version = typeof TRUSTLENS_VERSION === 'string' ? TRUSTLENS_VERSION : 'dev';
  const log = (line: string) => connection.console.log(redactUrls(line));

  const folderOf = (file: string): FolderState => {
    const root =
      roots.filter((r) => file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep)).sort((a, b) => b.length - a.length)[0] ?? path.dirname(file);
    let f = folders.get(root);
    if (!f) folders.set(root, (f = { root, published: new Map(), waiters: [] }));
    return f;
  };
  const fileOf = (uri: string): string | undefined => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined);

  async function settingsFor(folder: FolderState): Promise<Record<string, unknown>> {
    let raw = changedSettings ? mergeSettings(initSettings, changedSettings) : initSettings;
    if (canConfigure) {
      const [answer] = await connection.workspace
        .getConfiguration([{ scopeUri: pathToFileURL(folder.root).href, section: 'trustlens' }])
        .catch(() => [undefined]);
      if (answer && typeof answer === 'object' && !Array.isArray(answer) && Object.keys(answer).length) raw = mergeSettings(raw, trustlensSection(answer));
    }
    return raw;
  }

  function schedule(folder: FolderState, delayMs: number): void {
    clearTimeout(folder.timer);
    folder.timer = setTimeout(() => void scan(folder), delayMs);
  }

  async function scan(folder: FolderState): Promise<void> {
    folder.timer = undefined;
    // A newer scan supersedes the running one: its result would be stale (and what it was asked to read, it inherits).
    if (folder.running) {
      folder.running.abort();
      if (folder.runningDeep) folder.deepNext = true;
    }
    const controller = new AbortController();
    folder.running = controller;
    // A scan asked for is one that starts after the asking: a scan already running (whose early result may be on
    // screen) read the files before, and is superseded here with its waiters.
    const waiters = [...(folder.runningWaiters ?? []), ...folder.waiters.splice(0)];
    folder.runningWaiters = waiters;
    const deep = folder.deepNext === true;
    folder.deepNext = undefined;
    folder.runningDeep = deep;
    const overlay = new Map<string, string>();
    for (const d of documents.all()) {
      const file = fileOf(d.uri);
      if (file && folderOf(file) === folder) overlay.set(path.relative(folder.root, file).split(path.sep).join('/'), d.getText());
    }
    let outcome: ScanResult['folders'][number];
    // Work done progress ($/progress) where the client shows it; asked for alongside the check, never before it.
    const progress = canProgress ? connection.window.createWorkDoneProgress().catch(() => undefined) : Promise.resolve(undefined);
    void progress.then((p) => p?.begin('TrustLens', 0, `checking ${path.basename(folder.root)}`, false));
    try {
      const raw = await settingsFor(folder);
      const settings: ServiceSettings = { ...serviceSettingsFrom(raw), ...(deep ? { content: 'deep' as const } : {}) };
      const opts = await checkOptions(folder.root, overlay, settings, controller.signal, { session, trustRoots, cacheDir: options.cacheDir, log });
      // At most every 100 ms, and the last one (as the service does).
      let lastProgress = 0;
      opts.onProgress = (done, total) => {
        const now = Date.now();
        if (done < total && now - lastProgress < 100) return;
        lastProgress = now;
        void progress.then((p) => p?.report(total ? Math.floor((done / total) * 100) : 0, `${done}/${total} packages`));
      };
      log(`${deep ? 'deep check' : 'check'} ${folder.root} (registry ${settings.registry ?? 'from .npmrc'}, ${overlay.size} open files)`);
      // What is known before the tarballs are analysed, published at once; those still running said so (info).
      opts.onPartial = (early) => {
        if (folder.running !== controller) return;
        folder.report = early;
        folder.raw = raw;
        publish(folder, early, raw);
        log(`${folder.root}: result so far after ${early.stats.durationMs} ms, ${early.notChecked.filter((u) => u.pending).length} content analyses pending`);
      };
      const report = await runCheck(opts);
      if (folder.running !== controller) return;
      folder.report = report;
      folder.raw = raw;
      publish(folder, report, raw);
      log(`${folder.root}: ${report.stats.packages} packages, ${report.findings.length} findings, ${report.stats.durationMs} ms`);
      outcome = { root: folder.root, findings: report.findings.length, ...(deep ? { deep } : {}) };
    } catch (e) {
      if (isAbort(e, controller.signal) || folder.running !== controller) return;
      const message = e instanceof EngineError ? e.message : `internal error: ${(e as Error).message}`;
      log(`${folder.root}: ${message}`);
      fail(folder, message);
      outcome = { root: folder.root, error: message };
    } finally {
      if (folder.running === controller) {
        folder.running = undefined;
        folder.runningDeep = undefined;
      }
      void progress.then((p) => p?.done());
    }
    if (folder.runningWaiters === waiters) folder.runningWaiters = undefined;
    for (const w of waiters) w(outcome);
  }

  function publish(folder: FolderState, report: CheckReport, raw: Record<string, unknown>): void {
    const byFile = new Map<string, { diagnostic: Diagnostic; data?: DiagnosticData }[]>();
    const add = (file: string, diagnostic: Diagnostic, data?: DiagnosticData) => {
      const uri = pathToFileURL(path.join(folder.root, file)).href;
      byFile.set(uri, [...(byFile.get(uri) ?? []), { diagnostic, data }]);
    };
    // What could not be read as expected, where it is; not twice where a finding already says it (as the extension).
    const said = new Set(report.findings.filter((f) => f.code === 'lockfile-ignored').map((f) => `${f.file}:${f.locations[0]?.range.startOffset}`));
    for (const p of report.model.problems) {
      if (p.severity === 'warning' && said.has(`${p.file}:${p.range.startOffset}`)) continue;
      add(p.file, { range: toRange(p.range), message: p.message, severity: p.severity === 'error' ? 1 : 2, source: SOURCE, code: p.code });
    }
    const shown = report.findings.filter((f) => diagnosticLevel(raw, f.code, f.severity) !== undefined);
    for (const spec of diagnosticSpecs(shown)) {
      const uri = pathToFileURL(path.join(folder.root, spec.file)).href;
      const range = toRange(spec.range);
      const href = docs(spec.code);
      const diagnostic: Diagnostic = {
        range,
        severity: Math.min(...spec.findings.map((f) => diagnosticLevel(raw, f.code, f.severity)!)) as Diagnostic['severity'],
        source: SOURCE,
        code: spec.code,
        ...(href ? { codeDescription: { href } } : {}),
        message: spec.message,
        relatedInformation: [
          ...spec.related.map((message) => ({ location: { uri, range }, message })),
          ...(spec.relatedLocations ?? []).map((m) => ({
            location: { uri: pathToFileURL(path.join(folder.root, m.file)).href, range: toRange(m.range) },
            message: m.message,
          })),
        ],
        ...(spec.findings.every((f) => f.code === 'deprecated') ? { tags: [DiagnosticTag.Deprecated] } : {}),
        data: spec.data,
      };
      add(spec.file, diagnostic, spec.data);
    }
    replace(folder, byFile);
  }

  /** The scan failed: what was shown stays, and package.json says at its top that the latest scan did not run. */
  function fail(folder: FolderState, message: string): void {
    const uri = pathToFileURL(path.join(folder.root, 'package.json')).href;
    const byFile = new Map([...folder.published].map(([k, list]) => [k, list.filter((d) => d.diagnostic.code !== 'check-failed')]));
    const diagnostic: Diagnostic = {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: 1,
      source: SOURCE,
      code: 'check-failed',
      message: `TrustLens could not check this folder: ${message}. Nothing in it is known to be clean; the findings shown are from the last scan that ran.`,
    };
    byFile.set(uri, [...(byFile.get(uri) ?? []), { diagnostic }]);
    replace(folder, byFile);
  }

  function replace(folder: FolderState, byFile: Map<string, { diagnostic: Diagnostic; data?: DiagnosticData }[]>): void {
    for (const uri of folder.published.keys()) if (!byFile.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    for (const [uri, list] of byFile) void connection.sendDiagnostics({ uri, diagnostics: list.map((d) => d.diagnostic) });
    folder.published = byFile;
  }

  /** A document's text: the open buffer, else the file on disk (undefined when neither is there). */
  function textOf(file: string): TextDocument | undefined {
    const uri = pathToFileURL(file).href;
    const open = documents.get(uri);
    if (open) return open;
    try {
      return TextDocument.create(uri, 'json', 0, fs.readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  const edit = (doc: TextDocument, edits: OffsetEdit[]): WorkspaceEdit => ({
    changes: { [doc.uri]: edits.map((e) => ({ range: { start: doc.positionAt(e.offset), end: doc.positionAt(e.offset + e.length) }, newText: e.content })) },
  });

  function pinAction(folder: FolderState, file: string, data: DiagnosticData): CodeAction | undefined {
    const title = moveTitle(data);
    if (!title) return undefined;
    const manifest = textOf(path.basename(file) === 'package.json' ? file : path.join(folder.root, 'package.json'));
    if (!manifest) return undefined;
    const dep = parseManifest(manifest.getText()).dependencies.find(
      (d) => ['dependencies', 'devDependencies', 'optionalDependencies'].includes(d.section) && (d.spec.registryName ?? d.name) === data.package,
    );
    if (!dep || !['range', 'version', 'tag', 'alias'].includes(dep.spec.type)) return undefined;
    return { title, kind: CodeActionKind.QuickFix, isPreferred: true, edit: edit(manifest, [pinEdit(dep, data.safeVersion!)]) };
  }

  function overrideAction(folder: FolderState, data: DiagnosticData): CodeAction | undefined {
    const pm = folder.report?.model.packageManager ?? 'npm';
    const section = pm === 'yarn' ? 'resolutions' : pm === 'pnpm' ? 'pnpm.overrides' : 'overrides';
    const title = moveTitle(data, section);
    if (!title) return undefined;
    const root = textOf(path.join(folder.root, 'package.json'));
    const edits = root ? overrideEdits(root.getText(), pm, data.package, data.safeVersion!) : [];
    if (!root || !edits.length) return undefined;
    return { title, kind: CodeActionKind.QuickFix, isPreferred: true, edit: edit(root, edits) };
  }

  function reresolveAction(folder: FolderState, data: DiagnosticData): CodeAction | undefined {
    const lockfile = folder.report?.model.lockfile;
    if (lockfile?.kind !== 'npm') return undefined;
    const lock = textOf(path.join(folder.root, lockfile.file));
    const edits = lock ? (data.ids ?? []).flatMap((id) => reresolveEdits(lock.getText(), id)).slice(0, 1) : [];
    if (!lock || !edits.length) return undefined;
    return {
      title: `Re-resolve ${data.package}@${data.version} (fetch the same version again; its hash is wrong)`,
      kind: CodeActionKind.QuickFix,
      isPreferred: true,
      edit: edit(lock, edits),
    };
  }

  /**
   * Allow this version (every code of the diagnostic) in .trustlens.jsonc, expiring after `allowExpiryDays`. LSP has
   * no way to ask for text, so the entry is written with an empty reason: the policy reports it in place, and the
   * entry has no effect, until the person writes why the version is acceptable. Where the client can, the command
   * then opens the file at that reason.
   */
  function allowAction(folder: FolderState, data: DiagnosticData): CodeAction | undefined {
    if (data.package === '*' || !data.version) return undefined;
    const codes = [...new Set(data.codes?.length ? data.codes : [data.code])];
    const file = path.join(folder.root, POLICY_FILE);
    const existing = textOf(file);
    const expires = new Date(Date.now() + allowExpiryDays(folder.raw ?? {}) * 86_400_000).toISOString().slice(0, 10);
    const edits = allowEdits(
      existing?.getText(),
      codes.map((code) => ({ package: data.package, version: data.version, code, reason: '', expires })),
    );
    if (!edits.length) return undefined;
    const grave = codes.filter((c) => GRAVE.has(c));
    const what = codes.map((c) => CODES[c].title.toLowerCase()).join(', ');
    const title = grave.length
      ? `Allow ${data.package}@${data.version} anyway (${what}): only after reviewing it yourself; write the reason in ${POLICY_FILE}`
      : `Allow ${data.package}@${data.version} (${what}) until ${expires}; write the reason in ${POLICY_FILE}`;
    const uri = pathToFileURL(file).href;
    let workspaceEdit: WorkspaceEdit;
    if (existing) workspaceEdit = edit(existing, edits);
    else if (canCreateFiles) {
      workspaceEdit = {
        documentChanges: [
          { kind: 'create', uri, options: { ignoreIfExists: true } },
          {
            textDocument: { uri, version: null },
            edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: edits[0].content }],
          },
        ],
      };
    } else workspaceEdit = { changes: { [uri]: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: edits[0].content }] } };
    // Where the reason to write is once the edit is applied: the last empty reason of the new text.
    const after = TextDocument.create(uri, 'jsonc', 0, applyEdits(existing?.getText() ?? '', edits));
    const at = after.getText().lastIndexOf('"reason": ""');
    const command =
      canShowDocument && at >= 0
        ? { title: 'Write the reason', command: LSP_COMMANDS.showPolicyEntry, arguments: [uri, after.positionAt(at + '"reason": "'.length)] }
        : undefined;
    return { title, kind: CodeActionKind.QuickFix, edit: workspaceEdit, ...(command ? { command } : {}) };
  }

  /** The options of a check of `folder` as its last scan ran it (for the requests that work on that scan). */
  async function folderCheck(folder: FolderState, signal: AbortSignal) {
    const raw = folder.raw ?? (await settingsFor(folder));
    return checkOptions(folder.root, new Map(), serviceSettingsFrom(raw), signal, { session, trustRoots, cacheDir: options.cacheDir, log });
  }

  const folderOfUri = (uri: string): FolderState | undefined => {
    const file = fileOf(uri);
    return file ? folderOf(fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, 'package.json') : file) : undefined;
  };

  connection.onInitialize((params): InitializeResult => {
    initSettings = trustlensSection(params.initializationOptions);
    canConfigure = params.capabilities.workspace?.configuration === true;
    canProgress = params.capabilities.window?.workDoneProgress === true;
    canShowDocument = params.capabilities.window?.showDocument?.support === true;
    const workspaceEdit = params.capabilities.workspace?.workspaceEdit;
    canCreateFiles = workspaceEdit?.documentChanges === true && (workspaceEdit.resourceOperations ?? []).includes('create');
    const fromFolders = (params.workspaceFolders ?? []).map((f) => fileOf(f.uri)).filter((f): f is string => !!f);
    const single = params.rootUri ? fileOf(params.rootUri) : (params.rootPath ?? undefined);
    roots = fromFolders.length ? fromFolders : single ? [single] : [];
    const watch = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const folderEvents = params.capabilities.workspace?.workspaceFolders === true;
    connection.onInitialized(() => {
      if (watch) {
        void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: WATCHED.map((g) => ({ globPattern: `**/${g}` })) });
      }
      if (folderEvents)
        connection.workspace.onDidChangeWorkspaceFolders((e) =>
          changeFolders(
            e.added.map((f) => f.uri),
            e.removed.map((f) => f.uri),
          ),
        );
    });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: Object.values(LSP_COMMANDS) },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'trustlens', version },
    };
  });

  /**
   * Workspace folders added or removed: a removed folder's scan stops and its diagnostics go; open documents of an
   * added folder are checked as part of it from now on.
   */
  function changeFolders(added: string[], removed: string[]): void {
    const gone = removed.map(fileOf).filter((f): f is string => !!f);
    roots = [...roots.filter((r) => !gone.includes(r)), ...added.map(fileOf).filter((f): f is string => !!f && !roots.includes(f))];
    for (const [root, f] of [...folders]) {
      // Gone, or a folder of loose files that an added workspace folder now holds.
      const held = !roots.includes(root) && roots.some((r) => root.startsWith(r + path.sep));
      if (!gone.includes(root) && !held) continue;
      clearTimeout(f.timer);
      f.running?.abort();
      for (const uri of f.published.keys()) void connection.sendDiagnostics({ uri, diagnostics: [] });
      folders.delete(root);
      for (const w of [...(f.runningWaiters ?? []), ...f.waiters.splice(0)]) w({ root, error: 'the workspace folder was removed' });
    }
    const fresh = added.map(fileOf).filter((f): f is string => !!f);
    const touched = new Set<FolderState>();
    for (const d of documents.all()) {
      const file = fileOf(d.uri);
      const folder = file && isDependencyFile(file) ? folderOf(file) : undefined;
      if (folder && fresh.includes(folder.root)) touched.add(folder);
    }
    for (const f of touched) if (!f.report && !f.running && !f.timer) schedule(f, 0);
  }

  const onDocument = (uri: string, delayMs: number) => {
    const file = fileOf(uri);
    if (file && isDependencyFile(file)) schedule(folderOf(file), delayMs);
  };
  // Opening asks at once; typing waits for a pause.
  documents.onDidOpen((e) => onDocument(e.document.uri, 0));
  documents.onDidChangeContent((e) => onDocument(e.document.uri, debounceMs));
  // Closed: the file on disk counts again.
  documents.onDidClose((e) => onDocument(e.document.uri, debounceMs));
  connection.onDidChangeWatchedFiles((p) => {
    for (const c of p.changes) onDocument(c.uri, debounceMs);
  });
  connection.onDidChangeConfiguration((p) => {
    const section = trustlensSection(p.settings);
    changedSettings = Object.keys(section).length ? section : changedSettings;
    for (const f of folders.values()) schedule(f, 0);
  });
  // By method name: vscode-languageserver carries its own copy of vscode-jsonrpc, whose RequestType is another class.
  connection.onRequest(ScanRequest.method, async (params: ScanParams): Promise<ScanResult> => {
    const file = params.uri ? fileOf(params.uri) : undefined;
    const targets = file ? [folderOfUri(params.uri!)!] : folders.size ? [...folders.values()] : roots.map((r) => folderOf(path.join(r, 'package.json')));
    const results = targets.map((f) => new Promise<ScanResult['folders'][number]>((resolve) => f.waiters.push(resolve)));
    for (const f of targets) {
      if (params.deep === true) f.deepNext = true;
      schedule(f, 0);
    }
    return { folders: await Promise.all(results) };
  });

  connection.onRequest(ReportRequest.method, async (params: ReportParams, token): Promise<ReportResult> => {
    const folder = typeof params?.uri === 'string' ? folderOfUri(params.uri) : undefined;
    if (!folder || typeof params.name !== 'string' || !params.name)
      throw new ResponseError(ErrorCodes.InvalidParams, 'trustlens/report needs a file: URI of the project and a package name');
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    try {
      return await reportData(await folderCheck(folder, controller.signal), folder.report, params.name, exposureCache);
    } catch (e) {
      if (isAbort(e, controller.signal)) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
      throw new ResponseError(ErrorCodes.InternalError, redactUrls((e as Error).message));
    }
  });

  connection.onRequest(SbomRequest.method, async (params: SbomParams, token): Promise<SbomResult> => {
    const folder = typeof params?.uri === 'string' ? folderOfUri(params.uri) : undefined;
    if (!folder || !(SBOM_FORMATS as readonly string[]).includes(params.format)) {
      throw new ResponseError(ErrorCodes.InvalidParams, `trustlens/sbom needs a file: URI of the project and a format (${SBOM_FORMATS.join(', ')})`);
    }
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    try {
      const check = await folderCheck(folder, controller.signal);
      // The last scan's report (what the editor shows), else a check now (also when it is an early result: an SBOM
      // says what was judged, not what was still running).
      const now = check.now ?? new Date();
      const shown = folder.report?.notChecked.some((u) => u.pending) ? undefined : folder.report;
      const report = shown ?? (await runCheck({ ...check, now }));
      return renderSbom(report, params.format, { now, toolVersion: version });
    } catch (e) {
      if (isAbort(e, controller.signal)) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
      throw new ResponseError(ErrorCodes.InternalError, redactUrls((e as Error).message));
    }
  });

  connection.onExecuteCommand(async (params) => {
    if (params.command !== LSP_COMMANDS.showPolicyEntry) throw new ResponseError(ErrorCodes.InvalidParams, `unknown command ${params.command}`);
    const [uri, position] = params.arguments ?? [];
    if (typeof uri !== 'string' || typeof position?.line !== 'number' || typeof position?.character !== 'number') return;
    await connection.window.showDocument({ uri, takeFocus: true, selection: { start: position, end: position } }).catch(() => undefined);
  });

  connection.onHover((params): Hover | undefined => {
    const file = fileOf(params.textDocument.uri);
    const doc = documents.get(params.textDocument.uri);
    if (!file || !doc) return undefined;
    const folder = folderOf(file);
    const rel = path.relative(folder.root, file).split(path.sep).join('/');
    const offset = doc.offsetAt(params.position);
    const report = folder.report;
    let card: TrustCard | undefined;
    let range: Range | undefined;
    if (path.basename(rel) === 'package.json') {
      // The buffer may have changed since the scan: find the entry in it now, then the card by name.
      const dep = parseManifest(doc.getText(), rel).dependencies.find((d) => d.keyRange.startOffset <= offset && offset <= d.valueRange.endOffset);
      if (!dep || !MANIFEST_SECTIONS.includes(dep.section)) return undefined;
      range = { start: doc.positionAt(dep.keyRange.startOffset), end: doc.positionAt(dep.valueRange.endOffset) };
      const name = dep.spec.registryName ?? dep.name;
      if (!report) {
        schedule(folder, 0);
        return { contents: { kind: 'markdown', value: `TrustLens: checking ${name}…` }, range };
      }
      const cards = report.cards.filter((c) => c.name === name);
      card = cards.find((c) => c.locations.some((l) => l.file === rel)) ?? cards[0];
    } else {
      const covers = (l: TrustCard['locations'][number]) => l.file === rel && l.startOffset <= offset && offset <= l.endOffset;
      card = report?.cards.find((c) => c.locations.some(covers));
      const loc = card?.locations.find(covers);
      if (loc) range = { start: doc.positionAt(loc.startOffset), end: doc.positionAt(loc.endOffset) };
    }
    if (!card) return undefined;
    // hoverMarkdown escapes every registry-supplied text (the card is hostile input); codicons are VS Code's alone.
    return { contents: { kind: 'markdown', value: plainIcons(hoverMarkdown(card, new Date())) }, ...(range ? { range } : {}) };
  });

  connection.onCodeAction((params): CodeAction[] => {
    const file = fileOf(params.textDocument.uri);
    if (!file) return [];
    const folder = folderOf(file);
    const actions = new Map<string, CodeAction>();
    // The diagnostics the request carries are matched by place with what this server published for the file (a
    // client need not send a diagnostic's `data` back).
    const published = folder.published.get(params.textDocument.uri) ?? [];
    for (const { diagnostic, data } of published) {
      if (!data || !overlaps(diagnostic.range, params.range)) continue;
      const found: (CodeAction | undefined)[] = [];
      if (data.kind === 'via') {
        for (const b of data.brings ?? [])
          found.push(overrideAction(folder, { ...data, package: b.package, version: b.version, safeVersion: b.safeVersion, direct: false }));
      } else {
        const severities = (folder.report?.findings ?? []).filter((f) => f.package === data.package && f.version === data.version);
        if (onlyIntegrity(data, severities)) found.push(reresolveAction(folder, data));
        else if (data.direct) found.push(pinAction(folder, file, data));
        else found.push(overrideAction(folder, data));
      }
      if (data.kind !== 'via') found.push(allowAction(folder, data));
      for (const a of found) {
        if (!a) continue;
        const known = actions.get(a.title);
        if (known) known.diagnostics = [...(known.diagnostics ?? []), diagnostic];
        else actions.set(a.title, { ...a, diagnostics: [diagnostic] });
      }
    }
    return [...actions.values()];
  });

  connection.onShutdown(() => {
    for (const f of folders.values()) {
      clearTimeout(f.timer);
      f.running?.abort();
    }
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

declare const TRUSTLENS_VERSION: string | undefined;
