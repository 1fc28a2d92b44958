import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { reportHtml } from '../core/report/report-html';
import { CODES } from '../core/trust/codes';
import { parseReportMessage, type ReportHostMessage } from '../protocol/report-page';
import type { ReportResult } from '../protocol/service';

/** What the trust report page can ask the extension to do. */
export interface ReportHandlers {
  /** Move the project to `name@version` (a safe version the report offered). */
  pin(name: string, version: string): void;
  /** Reveal a finding's location: `file` as the finding gives it, 1-based `line`. */
  open(file: string, line: number): void;
}

interface OpenReport {
  panel: vscode.WebviewPanel;
  result: ReportResult;
  handlers: ReportHandlers;
}

/** One panel per package name. */
const reports = new Map<string, OpenReport>();

/**
 * Shows the trust report of one package in a webview beside the editor, or refreshes and reveals the one already
 * open for that package. The page (src/webview/) asks for the data with `{ type: 'ready' }`, also after VS Code
 * reloads a hidden panel, and gets the latest result each time.
 */
export function showReportPanel(context: vscode.ExtensionContext, result: ReportResult, handlers: ReportHandlers): vscode.WebviewPanel {
  const name = result.timeline.name;
  const existing = reports.get(name);
  if (existing) {
    existing.result = result;
    existing.handlers = handlers;
    post(existing);
    existing.panel.reveal(undefined, false);
    return existing.panel;
  }

  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  // The page's script, bundled from src/webview/ by scripts/build.mjs; the webview may read nothing else of dist/.
  const script = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
  const panel = vscode.window.createWebviewPanel(
    'trustlens.report',
    `Trust: ${name}`,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
    { enableScripts: true, enableCommandUris: false, enableFindWidget: true, localResourceRoots: [media, script] },
  );
  const report: OpenReport = { panel, result, handlers };
  reports.set(name, report);

  const webview = panel.webview;
  webview.html = reportHtml({
    cspSource: webview.cspSource,
    nonce: randomBytes(18).toString('base64'),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(script, 'report.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'report.css')).toString(),
    title: `Trust report: ${name}`,
  });

  const listener = webview.onDidReceiveMessage((raw: unknown) => {
    const msg = parseReportMessage(raw, report.result);
    if (!msg) return;
    try {
      if (msg.type === 'ready') post(report);
      else if (msg.type === 'pin') report.handlers.pin(msg.name, msg.version);
      else report.handlers.open(msg.file, msg.line);
    } catch (e) {
      void vscode.window.showErrorMessage(`TrustLens: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  panel.onDidDispose(() => {
    listener.dispose();
    if (reports.get(name)?.panel === panel) reports.delete(name);
  });
  return panel;
}

function post(report: OpenReport): void {
  // A hidden panel drops the message; it reloads when shown and asks again with `ready`.
  const message: ReportHostMessage = { type: 'report', result: report.result, codes: CODES };
  void report.panel.webview.postMessage(message);
}
