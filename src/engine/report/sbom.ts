import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { SBOM_FORMATS, type SbomFormat, buildSbom } from '../../core/report/sbom';
import { toCycloneDxJson } from '../../core/report/sbom-cyclonedx';
import { toSpdxJson } from '../../core/report/sbom-spdx';
import type { CheckReport } from '../check/types';

export { SBOM_FORMATS, type SbomFormat };

export interface RenderedSbom {
  text: string;
  components: number;
  vulnerabilities: number;
  /** Versions (and project-wide sources) not judged in full. */
  notChecked: number;
}

/**
 * A check's report as an SBOM in `format` (the CLI's `trustlens sbom` and the service's export for the editor).
 * `now` is the check's evaluation time; each document gets a fresh serial number / namespace.
 */
export function renderSbom(report: CheckReport, format: SbomFormat, opts: { now: Date; toolVersion: string }): RenderedSbom {
  const sbom = buildSbom(report, { now: opts.now, tool: { name: 'TrustLens', version: opts.toolVersion } });
  // A project without a name in package.json is named after its folder.
  if (!report.model.manifests.find((m) => m.dir === '.')?.name && !report.model.lockfile?.importers.find((i) => i.id === '.')?.name)
    sbom.root.name = path.basename(report.model.root) || 'project';
  const uuid = randomUUID();
  const text =
    format === 'spdx-json' ? toSpdxJson(sbom, { documentNamespace: `urn:uuid:${uuid}` }) : toCycloneDxJson(sbom, { serialNumber: `urn:uuid:${uuid}` });
  return { text: `${text}\n`, components: sbom.components.length, vulnerabilities: sbom.vulnerabilities.length, notChecked: report.notChecked.length };
}
