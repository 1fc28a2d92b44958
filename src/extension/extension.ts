import * as vscode from 'vscode';
import { registerShowModelCommand } from './show-model-command';

/** Activation only registers; nothing here reads files or touches the network. */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('TrustLens', { log: true });
  context.subscriptions.push(output, registerShowModelCommand(output));
}

export function deactivate(): void {}
