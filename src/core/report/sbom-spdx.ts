/**
 * SPDX 2.3 (JSON) from an Sbom (sbom.ts). SPDX 2.3 has packages, checksums, external references and relationships,
 * but no vulnerability section and no free-form properties: advisories become SECURITY external references of the
 * packages they affect, and what TrustLens verified becomes annotations whose comment is `trustlens:<name>=<value>`,
 * with the same names as the CycloneDX properties (README, "SBOM properties"). Findings at or above the threshold are
 * annotations too. CycloneDX carries the same facts in typed fields; this is for tools that only read SPDX.
 */
import { componentProperties } from './sbom-cyclonedx';
import type { Sbom, SbomComponent } from './sbom';

export interface SpdxOptions {
  /** A URI unique to this document (the caller makes it: core is pure). */
  documentNamespace: string;
  space?: number;
}

const ALGORITHM = { 'SHA-1': 'SHA1', 'SHA-256': 'SHA256', 'SHA-384': 'SHA384', 'SHA-512': 'SHA512' } as const;

export function toSpdxJson(sbom: Sbom, opts: SpdxOptions): string {
  return JSON.stringify(toSpdx(sbom, opts), null, opts.space ?? 2);
}

export function toSpdx(sbom: Sbom, opts: SpdxOptions): Record<string, unknown> {
  const created = sbom.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const tool = `Tool: ${sbom.tool.name}-${sbom.tool.version}`;
  const annotation = (comment: string) => ({ annotationDate: created, annotationType: 'REVIEW', annotator: tool, comment });
  const ids = new Map<string, string>();
  const idFor = (ref: string, label: string) => {
    let id = ids.get(ref);
    if (!id) ids.set(ref, (id = `SPDXRef-${ids.size + 1}-${label.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 80)}`));
    return id;
  };
  const rootId = idFor(sbom.root.ref, `root-${sbom.root.name}`);

  const metaAnnotations = [
    `trustlens:evaluated-at=${sbom.now.toISOString()}`,
    `trustlens:threshold=${sbom.threshold}`,
    `trustlens:complete=${sbom.complete}`,
    `trustlens:inventory=${sbom.inventory}`,
    `trustlens:resolution=${sbom.resolution}`,
    ...(sbom.lockfile ? [`trustlens:lockfile=${sbom.lockfile.file}`] : []),
    ...sbom.projectGaps.map((g) => `trustlens:not-checked=${g.label}${g.source ? ` (${g.source})` : ''}: ${g.reason}`),
    ...sbom.projectFindings.map((f) => `trustlens:finding=${f.code} (${f.severity}): ${f.message}`),
  ].map(annotation);

  const packages: Record<string, unknown>[] = [
    {
      SPDXID: rootId,
      name: sbom.root.name,
      ...(sbom.root.version ? { versionInfo: sbom.root.version } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'APPLICATION',
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      annotations: metaAnnotations,
    },
  ];
  const relationships: Record<string, string>[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId }];
  for (const w of sbom.workspaces) {
    packages.push({
      SPDXID: idFor(w.ref, `workspace-${w.dir}`),
      name: w.name ?? w.dir,
      ...(w.version ? { versionInfo: w.version } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'APPLICATION',
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      annotations: [annotation(`trustlens:workspace-dir=${w.dir}`)],
    });
  }
  const advisories = new Map<string, { url: string; id: string; malware: boolean }[]>();
  for (const v of sbom.vulnerabilities) {
    for (const a of v.affects) {
      if (v.kind !== 'advisory' || !v.url) continue;
      advisories.set(a.ref, [...(advisories.get(a.ref) ?? []), { url: v.url, id: v.id, malware: v.malware }]);
    }
  }
  const findings = new Map<string, string[]>();
  for (const v of sbom.vulnerabilities) {
    if (v.kind !== 'finding') continue;
    for (const a of v.affects) findings.set(a.ref, [...(findings.get(a.ref) ?? []), `trustlens:vulnerability=${v.id} (${v.severity}): ${v.title}`]);
  }
  for (const c of sbom.components)
    packages.push(spdxPackage(c, idFor(c.ref, `${c.name}-${c.version}`), advisories.get(c.ref) ?? [], findings.get(c.ref) ?? [], annotation));
  for (const f of findings.get(sbom.root.ref) ?? []) (packages[0].annotations as unknown[]).push(annotation(f));

  const edge = (from: string, to: readonly string[], dev = (_ref: string) => false) => {
    for (const t of to) {
      const target = ids.get(t);
      if (!target) continue;
      relationships.push(
        dev(t)
          ? { spdxElementId: target, relationshipType: 'DEV_DEPENDENCY_OF', relatedSpdxElement: ids.get(from)! }
          : { spdxElementId: ids.get(from)!, relationshipType: 'DEPENDS_ON', relatedSpdxElement: target },
      );
    }
  };
  const isDev = new Map(sbom.components.map((c) => [c.ref, c.dev]));
  edge(sbom.root.ref, sbom.root.dependsOn, (r) => isDev.get(r) === true);
  for (const w of sbom.workspaces) edge(w.ref, w.dependsOn, (r) => isDev.get(r) === true);
  for (const c of sbom.components) edge(c.ref, c.dependsOn);

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${sbom.root.name}${sbom.root.version ? `@${sbom.root.version}` : ''}`,
    documentNamespace: opts.documentNamespace,
    creationInfo: {
      created,
      creators: [tool],
      comment:
        'Trust evidence per package is in annotations (trustlens:<name>=<value>); the CycloneDX output carries the same in typed fields and a vulnerabilities list.',
    },
    packages,
    relationships,
  };
}

function spdxPackage(
  c: SbomComponent,
  id: string,
  advisories: { url: string; id: string; malware: boolean }[],
  findings: string[],
  annotation: (comment: string) => object,
): Record<string, unknown> {
  const externalRefs: Record<string, string>[] = [];
  if (c.source === 'registry' || c.source === 'unknown')
    externalRefs.push({
      referenceCategory: 'PACKAGE-MANAGER',
      referenceType: 'purl',
      referenceLocator: c.ref.startsWith('pkg:') ? c.ref.replace(/#\d+$/, '') : `pkg:npm/${encodeURIComponent(c.name)}@${encodeURIComponent(c.version)}`,
    });
  for (const a of advisories)
    externalRefs.push({
      referenceCategory: 'SECURITY',
      referenceType: 'advisory',
      referenceLocator: a.url,
      comment: `${a.id}${a.malware ? ' (malware)' : ''}`,
    });
  const card = c.card;
  const download = c.resolved && /^(https?|git\+[a-z]+|git):\/\/\S+$/.test(c.resolved) ? c.resolved : 'NOASSERTION';
  return {
    SPDXID: id,
    name: c.name,
    ...(c.version ? { versionInfo: c.version } : {}),
    downloadLocation: download,
    filesAnalyzed: false,
    primaryPackagePurpose: 'LIBRARY',
    ...(c.hashes.length ? { checksums: c.hashes.map((h) => ({ algorithm: ALGORITHM[h.algorithm], checksumValue: h.hex })) } : {}),
    ...(card?.publishedAt ? { releaseDate: card.publishedAt.replace(/\.\d{3}Z$/, 'Z') } : {}),
    ...(externalRefs.length ? { externalRefs } : {}),
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    annotations: [...componentProperties(c).map(([k, v]) => `${k}=${v}`), ...findings].map(annotation),
  };
}
