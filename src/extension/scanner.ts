import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrustCard } from '../core/report/card';
import { applyCards } from '../protocol/cards-delta';
import { EvaluateRequest, type EvaluateResult, type ServiceSettings } from '../protocol/service';
import { isDependencyFile } from './contributions';
import type { ServiceClient } from './service-client';
import { serviceSettings } from './settings';

/**
 * Asks the service to evaluate workspace folders: debounced per folder while typing, unsaved buffers included,
 * a newer scan cancelling the older one, and results for stale buffers dropped. Keeps the last result per folder.
 */
export class Scanner implements vscode.Disposable {
  readonly results = new Map<string, EvaluateResult>();
  /** The cards of each folder's last kept result, under the tag the service gave them. */
  private readonly held = new Map<string, { tag: string; cards: TrustCard[] }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Map<string, vscode.CancellationTokenSource>();
  private readonly resultEmitter = new vscode.EventEmitter<EvaluateResult>();
  private readonly busyEmitter = new vscode.EventEmitter<{ root: string; busy: boolean }>();
  private readonly errorEmitter = new vscode.EventEmitter<{ root: string; message: string }>();
  readonly onResult = this.resultEmitter.event;
  readonly onBusy = this.busyEmitter.event;
  readonly onError = this.errorEmitter.event;

  constructor(
    private readonly service: ServiceClient,
    private readonly output: vscode.LogOutputChannel,
    private readonly debounceMs = 400,
  ) {}

  get busy(): boolean {
    return this.inflight.size > 0;
  }

  /** Scans `folder` after the debounce delay; each call restarts the delay. */
  schedule(folder: vscode.WorkspaceFolder, delay = this.debounceMs): void {
    const root = folder.uri.fsPath;
    clearTimeout(this.timers.get(root));
    this.timers.set(
      root,
      setTimeout(() => {
        this.timers.delete(root);
        void this.scan(folder);
      }, delay),
    );
  }

  async scan(folder: vscode.WorkspaceFolder, extra: Partial<ServiceSettings> = {}): Promise<EvaluateResult | undefined> {
    const root = folder.uri.fsPath;
    this.inflight.get(root)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.inflight.set(root, cts);
    this.busyEmitter.fire({ root, busy: true });
    const docs = vscode.workspace.textDocuments.filter((d) => d.isDirty && isDependencyFile(d.uri) && vscode.workspace.getWorkspaceFolder(d.uri)?.uri.fsPath === root);
    const versions = new Map(docs.map((d) => [d.uri.toString(), d.version]));
    const overlay = docs.map((d) => ({ path: path.relative(root, d.uri.fsPath).split(path.sep).join('/'), text: d.getText() }));
    const started = Date.now();
    try {
      const connection = await this.service.get();
      const settings = { ...serviceSettings(folder), ...extra };
      let result = await connection.sendRequest(EvaluateRequest, { root, overlay, settings, cardsBase: this.held.get(root)?.tag }, cts.token);
      if (cts.token.isCancellationRequested) return undefined;
      let cards = applyCards(this.held.get(root), result);
      if (!cards) {
        // A delta for cards we no longer hold (cannot happen unless results crossed): ask for all of them.
        result = await connection.sendRequest(EvaluateRequest, { root, overlay, settings }, cts.token);
        if (cts.token.isCancellationRequested) return undefined;
        cards = result.cards;
      }
      result = { ...result, cards, cardsDelta: undefined };
      const stale = vscode.workspace.textDocuments.some((d) => versions.has(d.uri.toString()) && versions.get(d.uri.toString()) !== d.version);
      if (stale) {
        this.output.debug(`dropped a result for ${folder.name}: the buffers changed while it was computed`);
        return undefined;
      }
      this.results.set(root, result);
      this.held.set(root, { tag: result.cardsTag, cards });
      this.output.info(`${folder.name}: ${result.stats.packages} packages, ${result.findings.length} findings, ${result.stats.requests} requests, ${Date.now() - started} ms`);
      this.resultEmitter.fire(result);
      return result;
    } catch (e) {
      if (cts.token.isCancellationRequested) return undefined;
      const message = (e as Error).message;
      if (this.service.state === 'restarting') {
        // The service died under this request ("Pending response rejected since connection got disposed"): that is
        // a crash, not a failed scan. It restarts, the runtime scans every folder again once it runs, and meanwhile
        // the last results stay and the status item says it is restarting. (After repeated crashes the state is
        // 'failed', and every scan fails below, saying so.)
        this.output.warn(`scan of ${folder.name} interrupted: the service stopped (${message}); it scans again once the service is back`);
        return undefined;
      }
      this.output.error(`scan of ${folder.name} failed: ${message}`);
      this.errorEmitter.fire({ root, message });
      return undefined;
    } finally {
      if (this.inflight.get(root) === cts) {
        this.inflight.delete(root);
        this.busyEmitter.fire({ root, busy: false });
      }
      cts.dispose();
    }
  }

  /** The last result covering a file, and its folder. */
  resultFor(uri: vscode.Uri): EvaluateResult | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.results.get(folder.uri.fsPath) : undefined;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const c of this.inflight.values()) c.cancel();
    this.resultEmitter.dispose();
    this.busyEmitter.dispose();
    this.errorEmitter.dispose();
  }
}
