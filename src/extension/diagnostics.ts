import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DiagnosticData, diagnosticSpecs } from '../core/report/diagnostics';
import { CODES } from '../core/trust/codes';
import type { EvaluateResult } from '../protocol/service';
import { diagnosticSeverity } from './settings';

export const SOURCE = 'TrustLens';

/** Quick fixes read the finding back from here. */
export const findingOf = new WeakMap<vscode.Diagnostic, DiagnosticData>();

/** The "could not check" diagnostics, replaced by the next failure or result. */
const failed = new WeakSet<vscode.Diagnostic>();

/** Renders a folder's findings into the Problems panel; the previous result stays until a new one replaces it. */
export class DiagnosticsRenderer implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('trustlens');
  private readonly filesByRoot = new Map<string, vscode.Uri[]>();

  /** `docs(code)`: where a finding code is explained (the README section of the installed extension). */
  constructor(private readonly docs: (code: string) => vscode.Uri) {}

  render(result: EvaluateResult): void {
    this.failures.delete(result.root);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    // What could not be read as expected (a syntax error, a wrong-typed field, a truncated file), where it is; not
    // twice where a finding already says it (npm refusing the lockfile: lockfile-ignored at the same place).
    const said = new Set(result.findings.filter((f) => f.code === 'lockfile-ignored').map((f) => `${f.file}:${f.locations[0]?.range.startOffset}`));
    for (const p of result.problems) {
      if (p.severity === 'warning' && said.has(`${p.file}:${p.range.startOffset}`)) continue;
      const uri = vscode.Uri.file(path.join(result.root, p.file));
      const range = new vscode.Range(p.range.start.line, p.range.start.character, p.range.end.line, p.range.end.character);
      const d = new vscode.Diagnostic(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = SOURCE;
      d.code = p.code;
      const key = uri.toString();
      byFile.set(key, [...(byFile.get(key) ?? []), d]);
    }
    // Codes the user chose to hide (trustlens.diagnosticSeverity: none) are left out before findings are grouped.
    const shown = result.findings.filter((f) => diagnosticSeverity(f.code, f.severity) !== undefined);
    for (const spec of diagnosticSpecs(shown)) {
      // VS Code's severities count down (Error is 0): the entry takes its most severe finding's.
      const severity = Math.min(...spec.findings.map((f) => diagnosticSeverity(f.code, f.severity)!)) as vscode.DiagnosticSeverity;
      const uri = vscode.Uri.file(path.join(result.root, spec.file));
      const range = new vscode.Range(spec.range.start.line, spec.range.start.character, spec.range.end.line, spec.range.end.character);
      const d = new vscode.Diagnostic(range, spec.message, severity);
      d.source = SOURCE;
      d.code = { value: spec.code, target: this.docs(spec.code) };
      d.relatedInformation = spec.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, range), r));
      // An incident links every other member where it is (Problems shows them under this one).
      for (const m of spec.relatedLocations ?? []) {
        const at = new vscode.Range(m.range.start.line, m.range.start.character, m.range.end.line, m.range.end.character);
        d.relatedInformation.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(path.join(result.root, m.file)), at), m.message));
      }
      if (spec.findings.every((f) => f.code === 'deprecated')) d.tags = [vscode.DiagnosticTag.Deprecated];
      findingOf.set(d, spec.data);
      const key = uri.toString();
      byFile.set(key, [...(byFile.get(key) ?? []), d]);
    }
    this.replace(result.root, byFile);
  }

  /**
   * A scan of `root` failed: whatever was shown before stays (it is still the best knowledge), and the folder's
   * package.json says at its top that the latest scan did not run — never a quiet Problems panel after a failure.
   */
  fail(root: string, message: string): void {
    this.failures.set(root, message);
    const uri = vscode.Uri.file(path.join(root, 'package.json'));
    const d = new vscode.Diagnostic(
      new vscode.Range(0, 0, 0, 0),
      `TrustLens could not check this folder: ${message}. Nothing in it is known to be clean; the findings shown are from the last scan that ran.`,
      vscode.DiagnosticSeverity.Error,
    );
    d.source = SOURCE;
    d.code = 'check-incomplete';
    const key = uri.toString();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const old of this.filesByRoot.get(root) ?? [])
      byFile.set(
        old.toString(),
        [...(this.collection.get(old) ?? [])].filter((x) => !failed.has(x)),
      );
    failed.add(d);
    byFile.set(key, [...(byFile.get(key) ?? []), d]);
    this.replace(root, byFile);
  }

  /** Why the last scan of each folder failed, until one succeeds. */
  readonly failures = new Map<string, string>();

  private replace(root: string, byFile: Map<string, vscode.Diagnostic[]>): void {
    for (const old of this.filesByRoot.get(root) ?? []) if (!byFile.has(old.toString())) this.collection.delete(old);
    for (const [key, list] of byFile) this.collection.set(vscode.Uri.parse(key), list);
    this.filesByRoot.set(
      root,
      [...byFile.keys()].map((k) => vscode.Uri.parse(k)),
    );
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
