import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrustCard } from '../core/report/card';
import { applyCards } from '../protocol/cards-delta';
import { EvaluateRequest, type EvaluateResult, PartialEvaluateProgress, type ServiceSettings } from '../protocol/service';
import { isDependencyFile } from './contributions';
import { type ScanJob, type ScanOutcome, type ScanReason, ScanScheduler } from './scan-scheduler';
import type { ServiceClient } from './service-client';
import { serviceSettings } from './settings';

/**
 * Asks the service to evaluate workspace folders, unsaved buffers included: when (debounced, and only when what a
 * scan reads changed) is scan-scheduler.ts; a newer scan cancels the older one, and results for stale buffers are
 * dropped. Keeps the last result per folder.
 */
export class Scanner implements vscode.Disposable {
  readonly results = new Map<string, EvaluateResult>();
  /** When each folder's last result arrived (ms since the epoch): the status item shows it. */
  readonly finishedAt = new Map<string, number>();
  /** The cards of each folder's last kept result, under the tag the service gave them. */
  private readonly held = new Map<string, { tag: string; cards: TrustCard[] }>();
  private readonly inflight = new Map<string, vscode.CancellationTokenSource>();
  /** Tokens for early results, one per scan. */
  private partials = 0;
  private readonly folders = new Map<string, vscode.WorkspaceFolder>();
  private readonly scheduler: ScanScheduler<EvaluateResult, Partial<ServiceSettings>>;
  private readonly resultEmitter = new vscode.EventEmitter<EvaluateResult>();
  private readonly busyEmitter = new vscode.EventEmitter<{ root: string; busy: boolean }>();
  private readonly errorEmitter = new vscode.EventEmitter<{ root: string; message: string }>();
  readonly onResult = this.resultEmitter.event;
  readonly onBusy = this.busyEmitter.event;
  readonly onError = this.errorEmitter.event;

  constructor(
    private readonly service: ServiceClient,
    private readonly output: vscode.LogOutputChannel,
    debounceMs = 400,
  ) {
    this.scheduler = new ScanScheduler({
      debounceMs,
      inputs: (root) => this.inputs(root),
      start: (root, reason, extra) => this.start(root, reason, extra),
      log: (line) => output.debug(line),
    });
  }

  get busy(): boolean {
    return this.inflight.size > 0;
  }

  /** Whether a scan of this folder is running. */
  scanning(root: string): boolean {
    return this.inflight.has(root);
  }

  /**
   * Asks for a scan of `folder` because of `reason` (see ScanScheduler): debounced, and started only when what it
   * would read differs from what the running or last scan read.
   */
  request(folder: vscode.WorkspaceFolder, reason: ScanReason): void {
    this.folders.set(folder.uri.fsPath, folder);
    this.scheduler.request(folder.uri.fsPath, reason);
  }

  /** Something may have changed: scan after the debounce (`delay` 0: now), unless nothing the scan reads did. */
  schedule(folder: vscode.WorkspaceFolder, delay?: number): void {
    this.request(folder, delay === 0 ? 'now' : 'edit');
  }

  /** Scans `folder` now, replacing a running scan (commands, new settings, a restarted service). */
  async scan(
    folder: vscode.WorkspaceFolder,
    extra?: Partial<ServiceSettings>,
    reason = extra ? 'asked with other settings' : 'asked for',
  ): Promise<EvaluateResult | undefined> {
    this.folders.set(folder.uri.fsPath, folder);
    return (await this.scheduler.run(folder.uri.fsPath, reason, extra)).result;
  }

  /** Scans started per folder since activation (the log says each one, with its reason). */
  started(root: string): number {
    return this.scheduler.started.get(root) ?? 0;
  }

  /** Cancels every pending and running scan, silently (the service is about to be replaced). */
  cancelAll(): void {
    this.scheduler.cancelAll();
  }

  /** The unsaved dependency files of a folder, as the service gets them. */
  private dirtyDocs(root: string): vscode.TextDocument[] {
    return vscode.workspace.textDocuments.filter(
      (d) => d.isDirty && isDependencyFile(d.uri) && vscode.workspace.getWorkspaceFolder(d.uri)?.uri.fsPath === root,
    );
  }

  /** What a scan of `root` would be started with now: the settings, and each unsaved buffer's version. */
  private inputs(root: string): string {
    const folder = this.folders.get(root);
    const docs = this.dirtyDocs(root)
      .map((d) => `${d.uri.toString()}@${d.version}`)
      .sort();
    return JSON.stringify([folder ? serviceSettings(folder) : null, docs]);
  }

  private start(root: string, reason: string, extra: Partial<ServiceSettings> | undefined): ScanJob<EvaluateResult> {
    const folder = this.folders.get(root)!;
    this.inflight.get(root)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.inflight.set(root, cts);
    this.busyEmitter.fire({ root, busy: true });
    this.output.info(`scan of ${folder.name} started (${reason})`);
    return { cancel: () => cts.cancel(), done: this.evaluate(folder, cts, extra ?? {}) };
  }

  private async evaluate(
    folder: vscode.WorkspaceFolder,
    cts: vscode.CancellationTokenSource,
    extra: Partial<ServiceSettings>,
  ): Promise<{ outcome: ScanOutcome; result?: EvaluateResult }> {
    const root = folder.uri.fsPath;
    const docs = this.dirtyDocs(root);
    const versions = new Map(docs.map((d) => [d.uri.toString(), d.version]));
    const overlay = docs.map((d) => ({ path: path.relative(root, d.uri.fsPath).split(path.sep).join('/'), text: d.getText() }));
    const started = Date.now();
    const stale = () => vscode.workspace.textDocuments.some((d) => versions.has(d.uri.toString()) && versions.get(d.uri.toString()) !== d.version);
    let early: vscode.Disposable | undefined;
    try {
      const connection = await this.service.get();
      const settings = { ...serviceSettings(folder), ...extra };
      // Results before the tarballs are analysed (those still running shown as such) are kept like a result, until the result.
      const partialResultToken = `evaluate-${process.pid}-${++this.partials}`;
      early = connection.onProgress(PartialEvaluateProgress, partialResultToken, (partial) => {
        if (cts.token.isCancellationRequested || stale()) return;
        const cards = applyCards(this.held.get(root), partial);
        if (!cards) return; // the result then carries every card (see below)
        this.keep(root, { ...partial, cards, cardsDelta: undefined, partial: true });
        this.output.info(
          `${folder.name}: result so far, ${partial.notChecked.filter((u) => u.pending).length} content analyses still running, ${Date.now() - started} ms`,
        );
      });
      let result = await connection.sendRequest(
        EvaluateRequest,
        { root, overlay, settings, cardsBase: this.held.get(root)?.tag, partialResultToken },
        cts.token,
      );
      if (cts.token.isCancellationRequested) return CANCELLED;
      let cards = applyCards(this.held.get(root), result);
      if (!cards) {
        // A delta for cards we no longer hold (an early result that was dropped, or results that crossed): ask for all of them.
        result = await connection.sendRequest(EvaluateRequest, { root, overlay, settings }, cts.token);
        if (cts.token.isCancellationRequested) return CANCELLED;
        cards = result.cards;
      }
      result = { ...result, cards, cardsDelta: undefined };
      if (stale()) {
        this.output.debug(`dropped a result for ${folder.name}: the buffers changed while it was computed`);
        return { outcome: 'dropped' };
      }
      this.finishedAt.set(root, Date.now());
      this.keep(root, result);
      this.output.info(
        `${folder.name}: ${result.stats.packages} packages, ${result.findings.length} findings, ${result.stats.requests} requests, ${Date.now() - started} ms`,
      );
      return { outcome: 'kept', result };
    } catch (e) {
      if (cts.token.isCancellationRequested) return CANCELLED;
      const message = (e as Error).message;
      if (this.service.state === 'restarting') {
        // The service died under this request ("Pending response rejected since connection got disposed"): that is
        // a crash, not a failed scan. It restarts, the runtime scans every folder again once it runs, and meanwhile
        // the last results stay and the status item says it is restarting. (After repeated crashes the state is
        // 'failed', and every scan fails below, saying so.)
        this.output.warn(`scan of ${folder.name} interrupted: the service stopped (${message}); it scans again once the service is back`);
        return CANCELLED;
      }
      this.output.error(`scan of ${folder.name} failed: ${message}`);
      this.errorEmitter.fire({ root, message });
      return { outcome: 'failed' };
    } finally {
      early?.dispose();
      if (this.inflight.get(root) === cts) {
        this.inflight.delete(root);
        this.busyEmitter.fire({ root, busy: false });
      }
      cts.dispose();
    }
  }

  /** Shows `result` (its cards whole): the folder's result until the next one. */
  private keep(root: string, result: EvaluateResult): void {
    this.results.set(root, result);
    this.held.set(root, { tag: result.cardsTag, cards: result.cards });
    this.resultEmitter.fire(result);
  }

  /** The last result covering a file, and its folder. */
  resultFor(uri: vscode.Uri): EvaluateResult | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? this.results.get(folder.uri.fsPath) : undefined;
  }

  dispose(): void {
    this.scheduler.dispose();
    this.resultEmitter.dispose();
    this.busyEmitter.dispose();
    this.errorEmitter.dispose();
  }
}

const CANCELLED: { outcome: ScanOutcome } = Object.freeze({ outcome: 'cancelled' });
