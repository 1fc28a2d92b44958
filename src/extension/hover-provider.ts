import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrustCard } from '../core/report/card';
import { hoverMarkdown } from '../core/report/hover-text';
import { parseManifest } from '../core/manifest';
import type { Scanner } from './scanner';

/**
 * The hover trust card on a dependency in package.json or a lockfile entry. Answered from the last scan; when
 * there is none yet, says "checking…" and asks for one, so the next hover has the card.
 */
export class TrustHoverProvider implements vscode.HoverProvider {
  constructor(private readonly scanner: Scanner) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return undefined;
    const rel = path.relative(folder.uri.fsPath, doc.uri.fsPath).split(path.sep).join('/');
    const offset = doc.offsetAt(pos);
    const result = this.scanner.results.get(folder.uri.fsPath);
    let range: vscode.Range | undefined;
    let card: TrustCard | undefined;
    if (path.basename(rel) === 'package.json') {
      // The buffer may have changed since the scan: find the entry in it now, then the card by name.
      const dep = parseManifest(doc.getText(), rel).dependencies.find((d) => d.keyRange.startOffset <= offset && offset <= d.valueRange.endOffset);
      if (
        !dep ||
        !['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'overrides', 'resolutions', 'pnpm.overrides'].includes(dep.section)
      )
        return undefined;
      range = new vscode.Range(doc.positionAt(dep.keyRange.startOffset), doc.positionAt(dep.valueRange.endOffset));
      const name = dep.spec.registryName ?? dep.name;
      const cards = result?.cards.filter((c) => c.name === name) ?? [];
      card = cards.find((c) => c.locations.some((l) => l.file === rel)) ?? cards[0];
      if (!card && !result) return this.checking(folder, range, name);
    } else {
      card = result?.cards.find((c) => c.locations.some((l) => l.file === rel && l.startOffset <= offset && offset <= l.endOffset));
      const loc = card?.locations.find((l) => l.file === rel && l.startOffset <= offset && offset <= l.endOffset);
      if (loc) range = new vscode.Range(doc.positionAt(loc.startOffset), doc.positionAt(loc.endOffset));
      if (!result) return this.checking(folder, doc.getWordRangeAtPosition(pos), undefined);
    }
    if (!card) return undefined;
    const md = new vscode.MarkdownString(hoverMarkdown(card, new Date()), true);
    md.isTrusted = { enabledCommands: [] };
    return new vscode.Hover(md, range);
  }

  private checking(folder: vscode.WorkspaceFolder, range: vscode.Range | undefined, name: string | undefined): vscode.Hover {
    this.scanner.schedule(folder, 0);
    return new vscode.Hover(new vscode.MarkdownString(`$(sync~spin) TrustLens: checking${name ? ` ${name}` : ''}…`, true), range);
  }
}
