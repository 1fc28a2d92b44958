import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CodeAction,
  CodeActionRequest,
  type Diagnostic,
  DidChangeWatchedFilesNotification,
  DidChangeWorkspaceFoldersNotification,
  FileChangeType,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  type Registration,
  RegistrationRequest,
  ShowDocumentRequest,
  type ShowDocumentParams,
  type TextDocumentEdit,
} from 'vscode-languageserver-protocol/node';
import { NOW, type Scenario, writeProject } from '../support/check-scenarios';
import type { FixtureRegistry } from '../fixtures/registry/server';
import { type LspWorld, openLspWorld } from '../support/lsp-world';
import { until, withinHangGuard } from '../support/wait';
import type { ReportResult, SbomResult } from '../../src/protocol/service';
import type { ScanResult } from '../../src/protocol/lsp';

/**
 * The parts of `trustlens lsp` beyond diagnostics, hover and pin (src/protocol/lsp.ts): the Allow action and its
 * command, the custom requests (scan, deep scan, report data, SBOM) and workspace folders added and removed while the
 * server runs. The built CLI in a child process, against the loopback registry world.
 */
describe('trustlens lsp: allow, custom requests and workspace folders', function () {
  this.timeout(120_000);
  let world: LspWorld;
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;
  let second: string;
  let connection: ProtocolConnection;
  const published = new Map<string, Diagnostic[]>();
  const logs: string[] = [];
  const shown: ShowDocumentParams[] = [];
  const registrations: Registration[] = [];
  const uriOf = (dir: string, file = 'package.json') => pathToFileURL(path.join(dir, file)).href;

  before(async () => {
    world = await openLspWorld((c) => {
      c.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => void published.set(p.uri, p.diagnostics));
      c.onNotification(LogMessageNotification.type, (p) => void logs.push(p.message));
      c.onRequest(ShowDocumentRequest.type, (p) => {
        shown.push(p);
        return { success: true };
      });
      c.onRequest(RegistrationRequest.type, (p) => void registrations.push(...p.registrations));
    });
    ({ scenario, registry, project, connection } = world);
    second = writeProject(scenario, registry.url);
    const rootFile = world.rootFile;
    const init = await withinHangGuard(
      'the initialize answer',
      connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: pathToFileURL(project).href,
        workspaceFolders: [{ uri: pathToFileURL(project).href, name: 'app' }],
        capabilities: {
          window: { showDocument: { support: true } },
          workspace: {
            workspaceFolders: true,
            workspaceEdit: { documentChanges: true, resourceOperations: ['create'] },
            didChangeWatchedFiles: { dynamicRegistration: true },
          },
        },
        initializationOptions: {
          trustlens: { registry: registry.url, evaluationTime: NOW, sigstoreTrustedRoot: rootFile, advisories: { sources: ['npm'] }, allowExpiryDays: 30 },
        },
      }),
    );
    assert.equal(init.capabilities.workspace?.workspaceFolders?.changeNotifications, true);
    assert.deepEqual(init.capabilities.executeCommandProvider?.commands, ['trustlens.showPolicyEntry']);
    await connection.sendNotification(InitializedNotification.type, {});
    const text = fs.readFileSync(path.join(project, 'package.json'), 'utf8');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uriOf(project), languageId: 'json', version: 1, text } });
    await until(`diagnostics for package.json (stderr: ${world.stderr()})`, () => (published.get(uriOf(project)) ?? []).length > 0);
  });

  after(async () => {
    await world?.close();
  });

  it('offers Allow as a workspace edit that creates .trustlens.jsonc with an empty reason, then opens it at that reason', async () => {
    const downgrade = (published.get(uriOf(project)) ?? []).find((d) => d.code === 'provenance-downgrade');
    assert.ok(downgrade);
    const actions = (await connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uriOf(project) },
      range: downgrade.range,
      context: { diagnostics: [downgrade] },
    })) as CodeAction[];
    const allow = actions.find((a) => a.title.startsWith('Allow downgrade@'));
    assert.ok(allow, actions.map((a) => a.title).join(' | '));
    assert.match(allow.title, /until \d{4}-\d{2}-\d{2}; write the reason in \.trustlens\.jsonc$/);
    assert.notEqual(allow.isPreferred, true, 'pinning stays the preferred fix');
    // The file does not exist: created, then filled, in one edit.
    const [create, fill] = allow.edit?.documentChanges ?? [];
    assert.deepEqual(create, { kind: 'create', uri: uriOf(project, '.trustlens.jsonc'), options: { ignoreIfExists: true } });
    const newText = (fill as TextDocumentEdit).edits[0].newText;
    const policy = JSON.parse(newText.replace(/^\s*\/\/.*$/gm, '')) as { allow: { package: string; code: string; reason: string; expires: string }[] };
    // One entry per code of the diagnostic (as the extension's Allow), each waiting for its reason.
    assert.ok(
      policy.allow.some((e) => e.code === 'provenance-downgrade'),
      JSON.stringify(policy.allow),
    );
    assert.ok(policy.allow.every((e) => e.package === 'downgrade' && e.reason === '' && e.expires === policy.allow[0].expires));
    // allowExpiryDays: 30, counted from today (the action's clock, not the evaluation time).
    const days = (Date.parse(policy.allow[0].expires) - Date.now()) / 86_400_000;
    assert.ok(days > 28 && days <= 30, `expires ${policy.allow[0].expires}`);

    // The client applies the edit (here: writes the file), then runs the command, which opens the file at the reason.
    fs.writeFileSync(path.join(project, '.trustlens.jsonc'), newText);
    assert.equal(allow.command?.command, 'trustlens.showPolicyEntry');
    await connection.sendRequest(ExecuteCommandRequest.type, { command: allow.command.command, arguments: allow.command.arguments });
    assert.equal(shown.length, 1);
    assert.equal(shown[0].uri, uriOf(project, '.trustlens.jsonc'));
    const line = newText.split('\n')[shown[0].selection!.start.line];
    assert.match(line.slice(0, shown[0].selection!.start.character), /"reason": "$/);

    // Until the reason is written the entry does nothing, and the policy says so in place.
    await withinHangGuard('the scan after the policy changed', connection.sendRequest('trustlens/scan', { uri: uriOf(project) }));
    const policyProblems = published.get(uriOf(project, '.trustlens.jsonc')) ?? [];
    assert.ok(
      policyProblems.some((d) => /write why downgrade@.* is acceptable for provenance-downgrade/.test(d.message)),
      JSON.stringify(policyProblems),
    );
    assert.ok(
      (published.get(uriOf(project)) ?? []).some((d) => d.code === 'provenance-downgrade'),
      'not allowed without a reason',
    );

    // With a reason, the version is allowed.
    fs.writeFileSync(path.join(project, '.trustlens.jsonc'), newText.replaceAll('"reason": ""', '"reason": "reviewed the 1.1.0 diff"'));
    await connection.sendRequest('trustlens/scan', { uri: uriOf(project) });
    assert.ok(!(published.get(uriOf(project)) ?? []).some((d) => d.code === 'provenance-downgrade'));
    assert.deepEqual(published.get(uriOf(project, '.trustlens.jsonc')) ?? [], []);
    fs.rmSync(path.join(project, '.trustlens.jsonc'));
  });

  it('scans deep on request, and the next ordinary scan is not deep', async () => {
    const deep = (await connection.sendRequest('trustlens/scan', { uri: uriOf(project), deep: true })) as ScanResult;
    assert.deepEqual(
      deep.folders.map((f) => [f.root, f.deep, typeof f.findings]),
      [[project, true, 'number']],
    );
    assert.ok(
      logs.some((l) => l.startsWith(`deep check ${project}`)),
      logs.join('\n'),
    );
    const plain = (await connection.sendRequest('trustlens/scan', { uri: uriOf(project) })) as ScanResult;
    assert.equal(plain.folders[0].deep, undefined);
  });

  it('answers trustlens/report with the package timeline and its findings, and refuses a request without a package', async () => {
    const report = (await connection.sendRequest('trustlens/report', { uri: uriOf(project), name: 'downgrade' })) as ReportResult;
    assert.equal(report.timeline.name, 'downgrade');
    assert.ok(report.timeline.releases.length >= 2, JSON.stringify(report.timeline.releases.map((r) => r.version)));
    assert.ok(report.findings.some((f) => f.code === 'provenance-downgrade' && f.package === 'downgrade'));
    await assert.rejects(connection.sendRequest('trustlens/report', { uri: uriOf(project) }), /needs a file: URI of the project and a package name/);
  });

  it('answers trustlens/sbom with a CycloneDX document of the last scan, and refuses an unknown format', async () => {
    const sbom = (await connection.sendRequest('trustlens/sbom', { uri: uriOf(project), format: 'cyclonedx-json' })) as SbomResult;
    const doc = JSON.parse(sbom.text) as { bomFormat: string; components: { name: string }[] };
    assert.equal(doc.bomFormat, 'CycloneDX');
    assert.equal(doc.components.length, sbom.components);
    assert.ok(doc.components.some((c) => c.name === 'downgrade'));
    await assert.rejects(connection.sendRequest('trustlens/sbom', { uri: uriOf(project), format: 'xml' }), /format \(cyclonedx-json, spdx-json\)/);
  });

  it('puts the findings on pnpm-lock.yaml entries, and pins the direct dependency from there', async () => {
    const dir = fs.mkdtempSync(path.join(path.dirname(project), 'trustlens-lsp-pnpm-'));
    const version = scenario.locked.downgrade;
    const range = `^${version.split('.')[0]}.0.0`;
    const integrity = scenario.corpus.packuments.get('downgrade')!.versions[version].dist.integrity;
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pnpm-app', version: '1.0.0', dependencies: { downgrade: range } }, null, 2));
    fs.writeFileSync(path.join(dir, '.npmrc'), `registry=${registry.url}\n`);
    const lock = [
      "lockfileVersion: '9.0'",
      '',
      'importers:',
      '',
      '  .:',
      '    dependencies:',
      '      downgrade:',
      `        specifier: ${range}`,
      `        version: ${version}`,
      '',
      'packages:',
      '',
      `  downgrade@${version}:`,
      `    resolution: {integrity: ${integrity}}`,
      '',
      'snapshots:',
      '',
      `  downgrade@${version}: {}`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'pnpm-lock.yaml'), lock);
    const lockUri = uriOf(dir, 'pnpm-lock.yaml');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: lockUri, languageId: 'yaml', version: 1, text: lock } });
    await connection.sendRequest('trustlens/scan', { uri: lockUri });
    const onLock = (published.get(lockUri) ?? []).find((d) => d.code === 'provenance-downgrade');
    assert.ok(onLock, JSON.stringify([...published.entries()].filter(([u]) => u.startsWith(pathToFileURL(dir).href))));
    assert.match(lock.split('\n')[onLock.range.start.line], /downgrade/);
    const actions = (await connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: lockUri },
      range: onLock.range,
      context: { diagnostics: [onLock] },
    })) as CodeAction[];
    const pin = actions.find((a) => /^Pin downgrade to /.test(a.title));
    assert.ok(pin, actions.map((a) => a.title).join(' | '));
    assert.deepEqual(Object.keys(pin.edit?.changes ?? {}), [uriOf(dir)], 'the pin edits package.json, not the lockfile');
  });

  it('follows workspace folders added and removed while it runs', async () => {
    const text = fs.readFileSync(path.join(second, 'package.json'), 'utf8');
    await connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, {
      event: { added: [{ uri: pathToFileURL(second).href, name: 'second' }], removed: [] },
    });
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uriOf(second), languageId: 'json', version: 1, text } });
    const scanned = (await connection.sendRequest('trustlens/scan', { uri: uriOf(second) })) as ScanResult;
    assert.equal(scanned.folders[0].root, second, 'checked as its own folder, not as a part of another');
    await until('diagnostics of the added folder', () => (published.get(uriOf(second)) ?? []).some((d) => d.code === 'provenance-downgrade'));

    await connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, {
      event: { added: [], removed: [{ uri: pathToFileURL(second).href, name: 'second' }] },
    });
    await until(
      "the removed folder's diagnostics to be cleared",
      () => (published.get(uriOf(second)) ?? []).length === 0 && (published.get(uriOf(second, 'package-lock.json')) ?? []).length === 0,
    );
    // The first folder keeps its own.
    assert.ok((published.get(uriOf(project)) ?? []).some((d) => d.code === 'provenance-downgrade'));
  });

  it('watches the lockfiles: an install that rewrites package-lock.json on disk re-checks the folder', async () => {
    await until('the file watchers to be registered', () => registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles'));
    const globs = (
      registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles')!.registerOptions as { watchers: { globPattern: string }[] }
    ).watchers.map((w) => w.globPattern);
    for (const f of ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'pnpm-workspace.yaml', '.trustlens.jsonc', '.npmrc'])
      assert.ok(globs.includes(`**/${f}`), globs.join());
    assert.ok((published.get(uriOf(project)) ?? []).some((d) => d.code === 'provenance-downgrade'));
    // What `npm install downgrade@2.0.1` would write: the same ranges, the trusted version locked.
    const installed = writeProject(scenario, registry.url, { ...scenario.locked, downgrade: '2.0.1' });
    fs.copyFileSync(path.join(installed, 'package-lock.json'), path.join(project, 'package-lock.json'));
    await connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uriOf(project, 'package-lock.json'), type: FileChangeType.Changed }],
    });
    await until('package.json diagnostics without the downgrade', () => !(published.get(uriOf(project)) ?? []).some((d) => d.code === 'provenance-downgrade'));
  });
});
