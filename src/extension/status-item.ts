import * as vscode from 'vscode';
import type { DiagnosticsRenderer } from './diagnostics';
import type { Scanner } from './scanner';
import type { ServiceClient } from './service-client';

/** The status bar item: counts by severity, a spinner while scanning, the service's health and Restricted Mode. */
export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('trustlens.status', vscode.StatusBarAlignment.Left, 20);

  constructor(
    private readonly scanner: Scanner,
    private readonly service: ServiceClient,
    private readonly diagnostics: DiagnosticsRenderer,
  ) {
    this.item.name = 'TrustLens';
    this.item.command = 'workbench.actions.view.problems';
  }

  update(): void {
    const restricted = !vscode.workspace.isTrusted;
    const tooltip = new vscode.MarkdownString('', true);
    tooltip.isTrusted = { enabledCommands: ['trustlens.showLog', 'trustlens.scan', 'trustlens.restartService'] };
    if (this.service.state === 'failed') {
      this.item.text = '$(error) TrustLens';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      tooltip.appendMarkdown('The TrustLens service stopped after repeated crashes. [Show log](command:trustlens.showLog) · [Restart](command:trustlens.restartService)');
      this.item.command = 'trustlens.showLog';
    } else {
      this.item.backgroundColor = undefined;
      this.item.command = 'workbench.actions.view.problems';
      const c = this.diagnostics.counts();
      const busy = this.scanner.busy || this.service.state === 'starting' || this.service.state === 'restarting';
      const counts = `$(error) ${c.error} $(warning) ${c.warning}`;
      this.item.text = `${busy ? '$(sync~spin)' : '$(shield)'} TrustLens ${counts}${restricted ? ' $(lock)' : ''}`;
      tooltip.appendMarkdown(`TrustLens: ${c.error} errors, ${c.warning} warnings, ${c.info} notes${busy ? ' — scanning…' : ''}. Click to open the Problems panel.`);
      if (this.service.state === 'restarting') {
        tooltip.appendMarkdown('\n\nThe TrustLens service stopped unexpectedly and is restarting; these results stay until it has scanned again. [Show log](command:trustlens.showLog)');
      }
    }
    if (restricted) {
      tooltip.appendMarkdown("\n\nRestricted Mode: this workspace's .npmrc is ignored (no registry overrides or credentials from the repository).");
    }
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
