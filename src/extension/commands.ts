import * as path from 'node:path';
import * as vscode from 'vscode';
import { allowEdits, overrideEdits, pinAllPlan, pinEdit } from '../core/edits';
import { GRAVE, installCommand } from '../core/report/fixes';
import { CODES } from '../core/trust/codes';
import { severityRank } from '../core/trust/severity';
import type { Severity } from '../core/trust/types';
import { parseManifest } from '../core/manifest';
import type { DiagnosticData } from '../core/report/diagnostics';
import { toSarif } from '../core/report/sarif';
import { POLICY_FILE } from '../core/trust/policy';
import { ClearCacheRequest, type EvaluateResult, ReportRequest } from '../protocol/service';
import { openRootManifest, toWorkspaceEdit } from './code-actions';
import type { RuntimeCommand } from './contributions';
import type { DiagnosticsRenderer } from './diagnostics';
import { exportSbom } from './export-sbom-command';
import { showReportPanel } from './report-panel';
import { type FolderScan, reportScans } from './scan-report';
import { showDependencyModel } from './show-model-command';
import type { Scanner } from './scanner';
import type { ServiceClient } from './service-client';
import { serviceSettings } from './settings';

interface Deps {
  context: vscode.ExtensionContext;
  scanner: Scanner;
  service: ServiceClient;
  diagnostics: DiagnosticsRenderer;
  output: vscode.LogOutputChannel;
  scanAll: () => Promise<FolderScan[]>;
}

function activeFolder(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  const u = uri ?? vscode.window.activeTextEditor?.document.uri;
  return (u && vscode.workspace.getWorkspaceFolder(u)) ?? vscode.workspace.workspaceFolders?.[0];
}

/** What each command of the "TrustLens" category does (extension.ts registers them at activation). */
export function commandHandlers(d: Deps): Record<RuntimeCommand, (...args: never[]) => unknown> {
  const { scanner, service, output } = d;
  return {
    'trustlens.scan': async () => reportScans('Scan', await d.scanAll(), d.diagnostics),
    'trustlens.deepScan': async () => {
      const folder = activeFolder();
      if (!folder) return;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `TrustLens: looking inside every package of ${folder.name}…`, cancellable: false },
        () => scanner.scan(folder, { content: 'deep' }),
      );
      reportScans('Deep scan', [{ folder, result }], d.diagnostics);
    },
    'trustlens.showLog': () => output.show(),
    'trustlens.showDependencyModel': () => showDependencyModel(service, output),
    'trustlens.restartService': async () => {
      // reset() alone only left a 'failed' state: a running service was never restarted. End it, start a new one.
      scanner.cancelAll();
      await service.restart();
      output.info(`service restarted as asked (pid ${service.pid})`);
      reportScans('Scan after the restart', await d.scanAll(), d.diagnostics);
    },
    'trustlens.clearCache': async () => {
      await (await service.get()).sendRequest(ClearCacheRequest);
      void vscode.window.showInformationMessage('TrustLens: cache cleared; scanning again.');
      await d.scanAll();
    },
    'trustlens.showReport': async (name?: string, folderUri?: vscode.Uri) => {
      const folder = activeFolder(folderUri);
      if (!folder) return;
      const result = scanner.results.get(folder.uri.fsPath);
      const pick = name ?? (await pickPackage(result));
      if (!pick) return;
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `TrustLens: ${pick}` }, async () =>
        (await service.get()).sendRequest(ReportRequest, { root: folder.uri.fsPath, name: pick, settings: serviceSettings(folder) }),
      );
      showReportPanel(d.context, report, {
        pin: (pkg, version) => void pinDirect(folder, pkg, version),
        open: (file, line) =>
          void vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, file), { selection: new vscode.Range(line - 1, 0, line - 1, 0) }),
      });
    },
    'trustlens.exportSarif': async () => {
      const folder = activeFolder();
      const result = folder && scanner.results.get(folder.uri.fsPath);
      if (!folder || !result) return void vscode.window.showWarningMessage('TrustLens: no scan result to export yet.');
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(folder.uri, 'trustlens.sarif'),
        filters: { SARIF: ['sarif', 'json'] },
      });
      if (!target) return;
      const version = (d.context.extension.packageJSON as { version: string }).version;
      await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(toSarif(result.findings, { version }), null, 2)));
      void vscode.window.showInformationMessage(`TrustLens: ${result.findings.length} findings written to ${path.basename(target.fsPath)}.`);
    },
    'trustlens.exportSbom': () => exportSbom(activeFolder(), service, (d.context.extension.packageJSON as { version: string }).version),
    'trustlens.pinAllDirect': async () => {
      const folder = activeFolder();
      const result = folder && scanner.results.get(folder.uri.fsPath);
      const doc = folder && (await openRootManifest(folder));
      if (!folder || !result || !doc) return void vscode.window.showWarningMessage('TrustLens: scan the workspace first.');
      // Each direct dependency goes to the version its card calls safe (its locked one when that is trusted), never
      // to a flagged one: without a safe version it is left as it is, and the preview says why.
      const plan = pinAllPlan(parseManifest(doc.getText()).dependencies, (dep) => {
        const card = result.cards.find((c) => c.name === (dep.spec.registryName ?? dep.name) && c.locations.some((l) => l.file === 'package.json'));
        if (!card) return { skip: 'not checked (no result for it)' };
        if (result.notChecked.some((u) => u.package === card.name && u.version === card.version)) return { skip: `${card.version} was not checked` };
        if (!card.safeVersion) return { skip: `no trusted version of it in its range (${card.version} is flagged)` };
        return { version: card.safeVersion };
      });
      if (!plan.edits.length) {
        const why = plan.skipped.length ? ` Left alone: ${plan.skipped.map((x) => `${x.name} (${x.why})`).join('; ')}.` : '';
        return void vscode.window.showInformationMessage(`TrustLens: nothing to pin.${why}`);
      }
      const detail = [
        ...plan.changes.map((c) => `${c.name}: ${c.from} → ${c.to}`),
        ...(plan.skipped.length ? ['', 'Left alone:', ...plan.skipped.map((x) => `${x.name}: ${x.why}`)] : []),
      ].join('\n');
      const go = `Pin ${plan.changes.length}`;
      const choice = await vscode.window.showWarningMessage(
        `TrustLens: pin ${plan.changes.length} direct dependencies to their trusted versions?`,
        { modal: true, detail },
        go,
      );
      if (choice !== go) return;
      await vscode.workspace.applyEdit(toWorkspaceEdit(doc, plan.edits));
      await offerInstall(folder, `pinned ${plan.changes.length} dependencies`);
    },
    'trustlens.allow': async (folderUri: vscode.Uri, data: DiagnosticData) => {
      const folder = activeFolder(folderUri);
      if (!folder || !data) return;
      const codes = [...new Set(data.codes ?? [data.code])];
      const what = codes.map((c) => CODES[c].title.toLowerCase()).join(', ');
      const grave = codes.filter((c) => GRAVE.has(c));
      if (grave.length) {
        // Stopping these for good is rarely right: say what it means, and ask before anything else.
        const sure = 'Allow anyway';
        const choice = await vscode.window.showWarningMessage(
          `${data.package}@${data.version} is flagged: ${grave.map((c) => CODES[c].title.toLowerCase()).join(', ')}. Allowing it makes TrustLens stop reporting this version.`,
          { modal: true, detail: 'Only allow this after reviewing the version yourself: these findings mean the code or its origin cannot be trusted.' },
          sure,
        );
        if (choice !== sure) return;
      }
      const reason = await vscode.window.showInputBox({
        title: `Allow ${data.package}@${data.version} for: ${what}`,
        prompt: 'Why is this acceptable? The reason is recorded in .trustlens.jsonc for review.',
        validateInput: (v) => (v.trim().length < 3 ? 'Give a reason a reviewer can check' : undefined),
      });
      if (!reason) return;
      const days = vscode.workspace.getConfiguration('trustlens').get<number>('allowExpiryDays', 90);
      const expires = await pickExpiry(days);
      if (!expires) return;
      const uri = vscode.Uri.joinPath(folder.uri, POLICY_FILE);
      const existing = await vscode.workspace.openTextDocument(uri).then(
        (doc) => doc,
        () => undefined,
      );
      const entries = codes.map((code) => ({ package: data.package, version: data.version, code, reason: reason.trim(), expires }));
      const edits = allowEdits(existing?.getText(), entries);
      if (!edits.length) {
        return void vscode.window.showErrorMessage(`TrustLens: ${POLICY_FILE} cannot be read as a JSON object; fix it first (nothing was changed).`);
      }
      const we = new vscode.WorkspaceEdit();
      if (!existing) {
        we.createFile(uri, { ignoreIfExists: true });
        we.insert(uri, new vscode.Position(0, 0), edits[0].content);
      } else {
        for (const e of edits) we.replace(uri, new vscode.Range(existing.positionAt(e.offset), existing.positionAt(e.offset + e.length)), e.content);
      }
      await vscode.workspace.applyEdit(we);
      await (await vscode.workspace.openTextDocument(uri)).save();
      void vscode.window.showInformationMessage(`TrustLens: ${data.package}@${data.version} allowed until ${expires} for ${what}.`);
      scanner.schedule(folder, 0);
    },
    'trustlens.offerInstall': (folderUri: vscode.Uri, what: string) => {
      const folder = activeFolder(folderUri);
      return folder && offerInstall(folder, what);
    },
  };

  async function pinDirect(folder: vscode.WorkspaceFolder, pkg: string, version: string): Promise<void> {
    const doc = await openRootManifest(folder);
    if (!doc) return;
    const dep = parseManifest(doc.getText()).dependencies.find(
      (x) => (x.spec.registryName ?? x.name) === pkg && ['dependencies', 'devDependencies', 'optionalDependencies'].includes(x.section),
    );
    const pm = scanner.results.get(folder.uri.fsPath)?.packageManager ?? 'npm';
    // A transitive package cannot be pinned where it is not declared: force it in the package manager's overrides.
    const edits = dep ? [pinEdit(dep, version)] : overrideEdits(doc.getText(), pm, pkg, version);
    await vscode.workspace.applyEdit(toWorkspaceEdit(doc, edits));
    await offerInstall(folder, dep ? `moved ${pkg} to ${version}` : `overrode ${pkg} to ${version}`);
  }

  /**
   * After a fix, offer the package manager's install in a terminal; never run it silently. When the project has
   * packages with install-time findings, the install skips lifecycle scripts, and the offer says why.
   */
  async function offerInstall(folder: vscode.WorkspaceFolder, what: string): Promise<void> {
    const result = scanner.results.get(folder.uri.fsPath);
    const pm = result?.packageManager ?? 'npm';
    const { command, reason } = installCommand(pm, result?.lockfileKind, result?.findings ?? []);
    const run = `Run ${command}`;
    const choice = await vscode.window.showInformationMessage(`TrustLens ${what}. Update the lockfile with ${command}?${reason ? ` (${reason}.)` : ''}`, run);
    if (choice !== run) return;
    const terminal = vscode.window.createTerminal({ name: `TrustLens: ${pm} install`, cwd: folder.uri });
    terminal.show();
    terminal.sendText(command);
  }
}

/** The report quick pick: each checked package with its version and worst severity. */
async function pickPackage(result: EvaluateResult | undefined): Promise<string | undefined> {
  const worst = new Map<string, Severity>();
  for (const f of result?.findings ?? [])
    if (f.package !== '*' && (!worst.has(f.package) || severityRank(f.severity) > severityRank(worst.get(f.package)!))) worst.set(f.package, f.severity);
  const byName = new Map<string, string[]>();
  for (const c of result?.cards ?? []) byName.set(c.name, [...(byName.get(c.name) ?? []), c.version]);
  const items = [...byName].map(([name, versions]) => ({
    label: name,
    description: versions.join(', '),
    detail: worst.has(name) ? `worst finding: ${worst.get(name)}` : undefined,
    rank: worst.has(name) ? severityRank(worst.get(name)!) : -1,
  }));
  items.sort((a, b) => b.rank - a.rank || a.label.localeCompare(b.label));
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Show the trust report of which package? (flagged ones first)', matchOnDescription: true }))
    ?.label;
}

/** The expiry of an allow entry: the setting's default first, a few others, or a date. */
async function pickExpiry(defaultDays: number): Promise<string | undefined> {
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const options = [...new Set([defaultDays, 30, 90, 180])].map((n, i) => ({
    label: `${inDays(n)}`,
    description: `in ${n} days${i === 0 ? ' (default: trustlens.allowExpiryDays)' : ''}`,
    date: inDays(n),
  }));
  const custom = { label: 'Another date…', description: 'YYYY-MM-DD', date: '' };
  const pick = await vscode.window.showQuickPick([...options, custom], { title: 'Allow until', placeHolder: 'After this date the exception stops applying' });
  if (!pick) return undefined;
  if (pick.date) return pick.date;
  const typed = await vscode.window.showInputBox({
    title: 'Allow until (YYYY-MM-DD)',
    value: inDays(defaultDays),
    validateInput: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) && Date.parse(v) > Date.now() ? undefined : 'A date in the future, as YYYY-MM-DD'),
  });
  return typed || undefined;
}
