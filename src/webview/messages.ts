// The page's side of src/protocol/report-page.ts: what it sends to the extension, and the one message it receives.
import type { ReportPageMessage } from '../protocol/report-page';

/** The API VS Code gives a webview (callable once per page load). */
interface VsCodeApi {
  postMessage(message: ReportPageMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode: VsCodeApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage() {} };

/** Sends a message to the extension, which checks it (parseReportMessage) before acting on it. */
export function post(message: ReportPageMessage): void {
  vscode.postMessage(message);
}

/**
 * Calls `handle` with every message posted to the page, as received: the page checks the shape itself
 * (src/webview/model.ts) before it shows anything.
 */
export function onMessage(handle: (data: unknown) => void): void {
  window.addEventListener('message', (e: MessageEvent<unknown>) => handle(e.data));
}
