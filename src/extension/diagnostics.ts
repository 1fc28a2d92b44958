import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DiagnosticData, diagnosticSpecs } from '../core/report/diagnostics';
import { CODES } from '../core/trust/codes';
import type { EvaluateResult } from '../engine/service/protocol';
import { diagnosticSeverity } from './settings';

export const SOURCE = 'TrustLens';

/** Quick fixes read the finding back from here. */
export const findingOf = new WeakMap<vscode.Diagnostic, DiagnosticData>();

/** Renders a folder's findings into the Problems panel; the previous result stays until a new one replaces it. */
export class DiagnosticsRenderer implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('trustlens');
  private readonly filesByRoot = new Map<string, vscode.Uri[]>();

  constructor(private readonly readme: vscode.Uri) {}

  render(result: EvaluateResult): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const spec of diagnosticSpecs(result.findings)) {
      const severity = diagnosticSeverity(spec.code, spec.severity);
      if (severity === undefined) continue;
      const uri = vscode.Uri.file(path.join(result.root, spec.file));
      const range = new vscode.Range(spec.range.start.line, spec.range.start.character, spec.range.end.line, spec.range.end.character);
      const d = new vscode.Diagnostic(range, spec.message, severity);
      d.source = SOURCE;
      d.code = { value: spec.code, target: this.readme.with({ fragment: spec.code }) };
      d.relatedInformation = spec.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, range), r));
      if (spec.code === 'deprecated') d.tags = [vscode.DiagnosticTag.Deprecated];
      findingOf.set(d, spec.data);
      const key = uri.toString();
      byFile.set(key, [...(byFile.get(key) ?? []), d]);
    }
    for (const old of this.filesByRoot.get(result.root) ?? []) if (!byFile.has(old.toString())) this.collection.delete(old);
    for (const [key, list] of byFile) this.collection.set(vscode.Uri.parse(key), list);
    this.filesByRoot.set(result.root, [...byFile.keys()].map((k) => vscode.Uri.parse(k)));
  }

  counts(): Record<'error' | 'warning' | 'info', number> {
    const c = { error: 0, warning: 0, info: 0 };
    this.collection.forEach((_, list) => {
      for (const d of list) {
        if (d.severity === vscode.DiagnosticSeverity.Error) c.error++;
        else if (d.severity === vscode.DiagnosticSeverity.Warning) c.warning++;
        else c.info++;
      }
    });
    return c;
  }

  clear(): void {
    this.collection.clear();
    this.filesByRoot.clear();
  }

  dispose(): void {
    this.collection.dispose();
  }
}

export function codeTitle(code: keyof typeof CODES): string {
  return CODES[code].title;
}
