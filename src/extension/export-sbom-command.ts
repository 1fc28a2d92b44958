import * as path from 'node:path';
import * as vscode from 'vscode';
import { SbomRequest } from '../protocol/service';
import type { SbomFormat } from '../core/report/sbom';
import type { ServiceClient } from './service-client';
import { serviceSettings } from './settings';

const FORMATS: { label: string; description: string; format: SbomFormat; file: string }[] = [
  {
    label: 'CycloneDX 1.6 (JSON)',
    description: 'components, dependency tree, vulnerabilities, trust evidence',
    format: 'cyclonedx-json',
    file: 'sbom.cdx.json',
  },
  { label: 'SPDX 2.3 (JSON)', description: 'packages, relationships; trust evidence as annotations', format: 'spdx-json', file: 'sbom.spdx.json' },
];

/**
 * "TrustLens: Export SBOM…": the workspace folder's SBOM, made by the service from its last evaluation (the same one
 * `trustlens sbom` writes), saved where the user says.
 */
export async function exportSbom(folder: vscode.WorkspaceFolder | undefined, service: ServiceClient, toolVersion: string): Promise<void> {
  if (!folder) return void vscode.window.showWarningMessage('TrustLens: open a folder with a package.json first.');
  const pick = await vscode.window.showQuickPick(FORMATS, { placeHolder: 'SBOM format' });
  if (!pick) return;
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder.uri, pick.file), filters: { JSON: ['json'] } });
  if (!target) return;
  const sbom = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `TrustLens: SBOM of ${folder.name}…` }, async () =>
    (await service.get()).sendRequest(SbomRequest, { root: folder.uri.fsPath, format: pick.format, settings: serviceSettings(folder), toolVersion }),
  );
  await vscode.workspace.fs.writeFile(target, Buffer.from(sbom.text));
  const unjudged = sbom.notChecked ? `; ${sbom.notChecked} not checked in full (see trustlens:not-checked)` : '';
  void vscode.window.showInformationMessage(
    `TrustLens: ${sbom.components} components and ${sbom.vulnerabilities} vulnerabilities written to ${path.basename(target.fsPath)}${unjudged}.`,
  );
}
