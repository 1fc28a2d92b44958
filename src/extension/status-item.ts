import * as vscode from 'vscode';
import { describeUncovered } from '../core/trust/coverage';
import type { DiagnosticsRenderer } from './diagnostics';
import type { Scanner } from './scanner';
import type { ServiceClient } from './service-client';

/**
 * The status bar item: counts by severity (errors, warnings, notes), a spinner while scanning — with the packages
 * read so far, never a `0 0` that would read as clean before the first result —, the last scan's time, the service's
 * health, what could not be checked, and Restricted Mode.
 */
export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('trustlens.status', vscode.StatusBarAlignment.Left, 20);
  /** Packages read so far by the running scan of each folder (the service's progress). */
  private readonly progress = new Map<string, { done: number; total: number }>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly scanner: Scanner,
    private readonly service: ServiceClient,
    private readonly diagnostics: DiagnosticsRenderer,
  ) {
    this.item.name = 'TrustLens';
    this.item.command = 'workbench.actions.view.problems';
    this.subscriptions = [
      service.onProgress((p) => {
        if (!scanner.scanning(p.root)) return; // a late notification of a scan that ended
        this.progress.set(p.root, { done: p.done, total: p.total });
        this.update();
      }),
      scanner.onBusy((b) => {
        this.progress.delete(b.root);
        this.update();
      }),
    ];
  }

  /** "120/1800" over every folder being scanned, or undefined before the service says how many. */
  private progressText(): string | undefined {
    const running = [...this.progress.values()];
    if (!running.length) return undefined;
    return `${running.reduce((n, p) => n + p.done, 0)}/${running.reduce((n, p) => n + p.total, 0)}`;
  }

  update(): void {
    const restricted = !vscode.workspace.isTrusted;
    const tooltip = new vscode.MarkdownString('', true);
    tooltip.isTrusted = { enabledCommands: ['trustlens.showLog', 'trustlens.scan', 'trustlens.restartService'] };
    if (this.service.state === 'failed') {
      this.item.text = '$(error) TrustLens';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      tooltip.appendMarkdown(
        'The TrustLens service stopped after repeated crashes. [Show log](command:trustlens.showLog) · [Restart](command:trustlens.restartService)',
      );
      this.item.command = 'trustlens.showLog';
    } else {
      this.item.backgroundColor = undefined;
      this.item.command = 'workbench.actions.view.problems';
      const c = this.diagnostics.counts();
      const busy = this.scanner.busy || this.service.state === 'starting' || this.service.state === 'restarting';
      const progress = busy ? this.progressText() : undefined;
      // Before any result (or failure) there is nothing to count: "scanning 120/1800", not a "0 0" that reads as clean.
      const nothingYet = this.scanner.results.size === 0 && this.diagnostics.failures.size === 0;
      const counts =
        busy && nothingYet ? `scanning ${progress ?? '…'}` : `$(error) ${c.error} $(warning) ${c.warning} $(info) ${c.info}${progress ? ` · ${progress}` : ''}`;
      // Never a clean shield for what was not judged: a failed scan, or a result that could not judge everything.
      const failures = [...this.diagnostics.failures.values()];
      const uncovered = [...this.scanner.results.values()].flatMap((r) => r.notChecked ?? []);
      // An early result's pending analyses are not gaps while the scan runs: still unknown, and said so, without the
      // warning colour. Left pending by a scan that failed, they are what they then are: not checked.
      const pending = busy ? uncovered.filter((u) => u.pending) : [];
      const notChecked = busy ? uncovered.filter((u) => !u.pending) : uncovered;
      const icon = busy ? '$(sync~spin)' : failures.length ? '$(error)' : notChecked.length ? '$(warning)' : '$(shield)';
      // Set apart from the counts: "$(warning) 0 scan failed" would read as "0 scans failed", "0 1 not checked" as a count of 01.
      const state =
        (failures.length ? ' · scan failed' : notChecked.length ? ` · ${notChecked.length} not checked` : '') +
        (pending.length ? ` · ${pending.length} being analysed` : '');
      this.item.text = `${icon} TrustLens ${counts}${state}${restricted ? ' $(lock)' : ''}`;
      if (failures.length) this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      else if (notChecked.length) this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      const scanning = busy ? ` — scanning${progress ? `: ${progress} packages read` : '…'}` : '';
      tooltip.appendMarkdown(
        nothingYet
          ? `TrustLens${scanning || ': no scan yet'}.`
          : `TrustLens: ${c.error} errors, ${c.warning} warnings, ${c.info} notes${scanning}. Click to open the Problems panel.`,
      );
      const last = Math.max(0, ...this.scanner.finishedAt.values());
      if (last) {
        const packages = [...this.scanner.results.values()].reduce((n, r) => n + r.stats.packages, 0);
        tooltip.appendMarkdown(`\n\nLast scan: ${new Date(last).toLocaleTimeString()} (${packages} packages).`);
      }
      if (failures.length) {
        tooltip.appendMarkdown('\n\n**The last scan failed:** ');
        tooltip.appendText(failures[0]);
        tooltip.appendMarkdown('. Nothing is known to be clean. [Scan again](command:trustlens.scan) · [Show log](command:trustlens.showLog)');
      }
      if (pending.length) {
        tooltip.appendMarkdown(
          `\n\n**Partial result:** the contents of ${pending.length} package version${pending.length === 1 ? ' is' : 's are'} still being analysed; their findings follow.`,
        );
      }
      if (notChecked.length) {
        tooltip.appendMarkdown(`\n\n**Not checked (${notChecked.length}):** unknown is not clean.`);
        for (const u of notChecked.slice(0, 5)) {
          tooltip.appendMarkdown('\n\n- ');
          tooltip.appendText(describeUncovered(u));
        }
        if (notChecked.length > 5) tooltip.appendMarkdown(`\n\n…and ${notChecked.length - 5} more in the Problems panel.`);
      }
      // How the check ran, where the reader should know it (e.g. provenance verified against the offline trusted root).
      const notes = [...new Set([...this.scanner.results.values()].flatMap((r) => r.notes ?? []))];
      for (const n of notes.slice(0, 3)) {
        tooltip.appendMarkdown('\n\nNote: ');
        tooltip.appendText(n);
      }
      if (this.service.state === 'restarting') {
        tooltip.appendMarkdown(
          '\n\nThe TrustLens service stopped unexpectedly and is restarting; these results stay until it has scanned again. [Show log](command:trustlens.showLog)',
        );
      }
    }
    if (restricted) {
      tooltip.appendMarkdown("\n\nRestricted Mode: this workspace's .npmrc is ignored (no registry overrides or credentials from the repository).");
    }
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}
