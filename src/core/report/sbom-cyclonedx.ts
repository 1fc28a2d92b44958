/**
 * A CycloneDX 1.6 JSON BOM from an Sbom (sbom.ts), built with the CycloneDX project's own library: its object model,
 * normaliser and serialiser. Standard fields where CycloneDX has them (purl, hashes, scope, publisher, external
 * references, dependencies, vulnerabilities with ratings, CWE-506 for malware, affects → bom-ref), namespaced
 * `trustlens:…` properties for the rest. Every property is listed in the README ("SBOM properties").
 */
import type * as CdxLib from '@cyclonedx/cyclonedx-library';
import type * as PurlLib from 'packageurl-js';
import { lazyModule } from '../lazy-module';
import { CODES } from '../trust/codes';
import type { ProvenanceIdentity, Severity } from '../trust/types';
import { type Sbom, type SbomComponent, type SbomVulnerability, provenanceStatus, signatureStatus } from './sbom';

// Loaded when a BOM is made (dist/vendor/cyclonedx.js: ~140 ms to require), never at start-up.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdx = lazyModule(() => require('@cyclonedx/cyclonedx-library') as typeof CdxLib);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const purls = lazyModule(() => require('packageurl-js') as typeof PurlLib);

const PUBLIC_REGISTRY = 'https://registry.npmjs.org/';
/** CWE-506: Embedded Malicious Code. */
const CWE_MALWARE = 506;

export interface CycloneDxOptions {
  /** `urn:uuid:…`; a BOM's serial number is unique per BOM (the caller makes it: core is pure). */
  serialNumber?: string;
  /** Indentation of the JSON (default 2). */
  space?: number;
}

/** The BOM as JSON text (CycloneDX 1.6). Lists are sorted, so the same check gives the same text. */
export function toCycloneDxJson(sbom: Sbom, opts: CycloneDxOptions = {}): string {
  const C = cdx();
  const bom = toCycloneDxModel(sbom, opts);
  const normalized = new C.Serialize.JSON.Normalize.Factory(C.Spec.Spec1dot6).makeForBom().normalize(bom, { sortLists: true }) as unknown as Record<
    string,
    unknown
  >;
  // Compositions (is the inventory complete?) are part of CycloneDX 1.6 but not of the library's model yet.
  normalized.compositions = [{ aggregate: sbom.inventory, assemblies: [sbom.root.ref], dependencies: [sbom.root.ref] }];
  return JSON.stringify(normalized, null, opts.space ?? 2);
}

/** The library's object model of the BOM (for callers that serialise or validate it themselves). */
export function toCycloneDxModel(sbom: Sbom, opts: CycloneDxOptions = {}): CdxLib.Models.Bom {
  const C = cdx();
  const M = C.Models;
  const bom = new M.Bom();
  if (opts.serialNumber) bom.serialNumber = opts.serialNumber;

  const root = new M.Component(C.Enums.ComponentType.Application, sbom.root.name, {
    bomRef: sbom.root.ref,
    ...(sbom.root.version ? { version: sbom.root.version } : {}),
  });
  bom.metadata.timestamp = sbom.now;
  bom.metadata.component = root;
  bom.metadata.tools.components.add(new M.Component(C.Enums.ComponentType.Application, sbom.tool.name, { version: sbom.tool.version, group: undefined }));
  const meta = (name: string, value: string | number | boolean | undefined) =>
    value !== undefined && value !== '' && bom.metadata.properties.add(new M.Property(`trustlens:${name}`, String(value)));
  meta('evaluated-at', sbom.now.toISOString());
  meta('threshold', sbom.threshold);
  meta('complete', sbom.complete);
  meta('inventory', sbom.inventory);
  meta('resolution', sbom.resolution);
  meta('lockfile', sbom.lockfile?.file);
  meta('lockfile:kind', sbom.lockfile ? `${sbom.lockfile.kind} ${sbom.lockfile.version}`.trim() : undefined);
  for (const r of sbom.registries)
    meta('registry', `${r.url} (${r.trustData ? 'serves trust metadata' : 'serves no trust metadata'}${r.hasKeys ? ', signing keys' : ''})`);
  for (const g of sbom.projectGaps) meta('not-checked', `${g.label}${g.source ? ` (${g.source})` : ''}: ${g.reason}`);
  for (const f of sbom.projectFindings) meta('finding', `${f.code} (${f.severity}): ${f.message}`);
  for (const n of sbom.notes) meta('note', n);

  const byRef = new Map<string, CdxLib.Models.Component>();
  for (const w of sbom.workspaces) {
    const c = new M.Component(C.Enums.ComponentType.Application, w.name ?? w.dir, { bomRef: w.ref, ...(w.version ? { version: w.version } : {}) });
    c.properties.add(new M.Property('trustlens:workspace-dir', w.dir));
    bom.components.add(c);
    byRef.set(w.ref, c);
  }
  for (const s of sbom.components) {
    const c = component(s);
    bom.components.add(c);
    byRef.set(s.ref, c);
  }
  // The dependency tree, as bom-refs.
  const refOf = (ref: string) => (ref === sbom.root.ref ? root.bomRef : byRef.get(ref)?.bomRef);
  const link = (from: CdxLib.Models.Component, to: readonly string[]) => {
    for (const t of to) {
      const r = refOf(t);
      if (r) from.dependencies.add(r);
    }
  };
  link(root, sbom.root.dependsOn);
  for (const w of sbom.workspaces) link(byRef.get(w.ref)!, w.dependsOn);
  for (const s of sbom.components) link(byRef.get(s.ref)!, s.dependsOn);

  for (const v of sbom.vulnerabilities) bom.vulnerabilities.add(vulnerability(v, refOf));
  return bom;

  function component(s: SbomComponent): CdxLib.Models.Component {
    const c = new M.Component(C.Enums.ComponentType.Library, s.localName, {
      bomRef: s.ref,
      ...(s.scope ? { group: s.scope } : {}),
      ...(s.version ? { version: s.version } : {}),
      scope: s.dev ? C.Enums.ComponentScope.Excluded : s.optional ? C.Enums.ComponentScope.Optional : C.Enums.ComponentScope.Required,
    });
    const purl = purlOf(s);
    if (purl) c.purl = purl;
    for (const h of s.hashes) c.hashes.set(C.Enums.HashAlgorithm[h.algorithm], h.hex);
    const card = s.card;
    if (card?.publisher?.name) c.publisher = card.publisher.name;
    const ext = (url: string | undefined, type: CdxLib.Enums.ExternalReferenceType, comment?: string) => {
      if (url && isUrl(url)) c.externalReferences.add(new M.ExternalReference(url, type, comment ? { comment } : {}));
    };
    ext(s.resolved ?? card?.tarball, C.Enums.ExternalReferenceType.Distribution, 'tarball');
    const id = card?.provenance?.status === 'verified' ? card.provenance.provenance : undefined;
    if (id) {
      ext(
        id.sourceRepository,
        C.Enums.ExternalReferenceType.VCS,
        `verified provenance: built from ${[id.sourceRef, id.sourceCommit].filter(Boolean).join(' at ')}`,
      );
      ext(id.buildSignerUri, C.Enums.ExternalReferenceType.BuildSystem, `verified provenance: build signer${id.workflowPath ? ` (${id.workflowPath})` : ''}`);
      ext(id.tlog?.url, C.Enums.ExternalReferenceType.Attestation, `Sigstore transparency-log entry ${id.tlog?.logIndex ?? ''}`.trim());
    }
    for (const [name, value] of componentProperties(s)) c.properties.add(new M.Property(name, value));
    return c;
  }

  function vulnerability(v: SbomVulnerability, refOf: (ref: string) => CdxLib.Models.BomRef | undefined): CdxLib.Models.Vulnerability.Vulnerability {
    const V = M.Vulnerability;
    const source = new V.Source({ name: v.source, ...(v.url && isUrl(v.url) ? { url: v.url } : {}) });
    const out = new V.Vulnerability({
      bomRef: v.ref,
      id: v.id,
      source,
      description: v.title,
      ...(v.detail ? { detail: v.detail } : {}),
      ...(v.recommendation ? { recommendation: v.recommendation } : {}),
      ...(v.published && !Number.isNaN(Date.parse(v.published)) ? { published: new Date(v.published) } : {}),
    });
    out.ratings.add(new V.Rating({ source, severity: SEVERITY[v.severity], method: C.Enums.Vulnerability.RatingMethod.Other }));
    if (v.url && isUrl(v.url)) out.advisories.add(new V.Advisory(v.url, { title: v.title }));
    if (v.malware) {
      out.cwes.add(CWE_MALWARE);
      out.properties.add(new M.Property('trustlens:malware', 'true'));
    }
    if (v.code) {
      out.properties.add(new M.Property('trustlens:code', v.code));
      out.properties.add(new M.Property('trustlens:title', CODES[v.code].title));
      for (const e of v.evidence) out.properties.add(new M.Property('trustlens:evidence', `${e.label}: ${e.value}`));
    }
    for (const a of v.affects) {
      const ref = refOf(a.ref);
      if (!ref) continue;
      out.affects.add(
        new V.Affect(
          ref,
          a.version
            ? { versions: new V.AffectedVersionRepository([new V.AffectedSingleVersion(a.version, { status: C.Enums.Vulnerability.AffectStatus.Affected })]) }
            : {},
        ),
      );
    }
    return out;
  }

  function purlOf(s: SbomComponent): string | undefined {
    try {
      const registry = s.registry && s.registry !== PUBLIC_REGISTRY ? { repository_url: s.registry } : undefined;
      if (s.source === 'git' || s.source === 'remote') {
        if (!s.resolved) return undefined;
        return new (purls().PackageURL)('npm', s.scope, s.localName, s.version || undefined, {
          [s.source === 'git' ? 'vcs_url' : 'download_url']: s.resolved,
        }).toString();
      }
      if (s.source === 'file' || s.source === 'link' || s.source === 'workspace') return undefined;
      return new (purls().PackageURL)('npm', s.scope, s.localName, s.version || undefined, registry).toString();
    } catch {
      // A name or version a package URL cannot hold (hostile lockfile text): the component goes without one.
      return undefined;
    }
  }
}

const SEVERITY: Record<Severity, CdxLib.Enums.Vulnerability.Severity> = {
  critical: 'critical' as CdxLib.Enums.Vulnerability.Severity,
  high: 'high' as CdxLib.Enums.Vulnerability.Severity,
  medium: 'medium' as CdxLib.Enums.Vulnerability.Severity,
  low: 'low' as CdxLib.Enums.Vulnerability.Severity,
  info: 'info' as CdxLib.Enums.Vulnerability.Severity,
};

function isUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (
      u.protocol === 'https:' ||
      u.protocol === 'http:' ||
      u.protocol === 'git+https:' ||
      u.protocol === 'git+ssh:' ||
      u.protocol === 'git:' ||
      u.protocol === 'ssh:'
    );
  } catch {
    return false;
  }
}

/**
 * The `trustlens:…` properties of a component, in a fixed order. Names are documented in the README; a property
 * that does not apply is left out (never an empty value).
 */
export function componentProperties(s: SbomComponent): [string, string][] {
  const out: [string, string][] = [];
  const put = (name: string, value: string | number | boolean | undefined) => {
    if (value !== undefined && value !== '') out.push([`trustlens:${name}`, String(value)]);
  };
  const card = s.card;
  put('status', s.status);
  for (const g of s.notChecked) put('not-checked', `${g.label}: ${g.reason}`);
  put('source', s.source);
  put('registry', s.registry);
  put('direct', s.direct);
  put('dev', s.dev);
  for (const w of s.workspaces) put('workspace', w);
  for (const o of s.occurrences.slice(0, 20)) put('lockfile:location', o);
  put('lockfile:integrity', s.lockedIntegrity);
  put('integrity', s.integrity.status);
  put('integrity:algorithm', s.integrity.algorithm);
  put('integrity:registry', s.integrity.registry);

  const signature = signatureStatus(s);
  put('signature', signature);
  if (signature !== 'not-checked') {
    put('signature:keyid', card?.signature?.keyid);
    put('signature:reason', card?.signature?.reason);
  }

  const provenance = provenanceStatus(s);
  put('provenance', provenance);
  if (provenance !== 'not-checked') {
    const p = card?.provenance;
    put('provenance:reason', p?.reason);
    put('provenance:trusted-root', p?.trustedRoot);
    if (p?.publishAttestation !== undefined) put('provenance:publish-attestation', p.publishAttestation);
    if (p?.status === 'verified' && p.provenance) for (const [k, v] of identityProperties(p.provenance)) put(`provenance:${k}`, v);
  }

  if (card?.publisher) {
    put('publisher', card.publisher.email ? `${card.publisher.name} <${card.publisher.email}>` : card.publisher.name);
    put('publisher:trusted-publisher', card.publisher.trustedPublisher?.id);
    put('publisher:approver', card.publisher.approver?.name);
    if (card.publisherIsNew !== undefined) put('publisher:new', card.publisherIsNew);
  } else if (card) {
    put('publisher', card.trustData ? 'unknown' : 'unknown (the registry serves no publishers)');
  }
  put('published-at', card?.publishedAt);
  put('release-age-days', s.releaseAgeDays);
  for (const [hook, cmd] of Object.entries(card?.installScripts ?? {})) put(`install-script:${hook}`, cmd);
  if (card && card.safeVersion !== undefined) put('safe-version', card.safeVersion ?? 'none');

  s.findings.forEach((f, i) => {
    const n = i + 1;
    put(`finding:${n}:code`, f.code);
    put(`finding:${n}:severity`, f.severity);
    put(`finding:${n}:message`, f.message);
    if (f.advisory) put(`finding:${n}:advisory`, f.advisory.id);
    for (const e of f.evidence) put(`finding:${n}:evidence`, `${e.label}: ${e.value}`);
  });
  for (const a of s.allowed) put('allowed', `${a.code}: ${a.reason}${a.expires ? ` (until ${a.expires})` : ''}`);
  return out;
}

function identityProperties(id: ProvenanceIdentity): [string, string | undefined][] {
  return [
    ['predicate-type', id.predicateType],
    ['source-repository', id.sourceRepository],
    ['source-commit', id.sourceCommit],
    ['source-ref', id.sourceRef],
    ['workflow', id.workflowPath],
    ['trigger', id.trigger],
    ['build-signer', id.buildSignerUri],
    ['issuer', id.issuer],
    ['runner', id.runnerEnvironment],
    ['tlog:index', id.tlog?.logIndex],
    ['tlog:integrated-time', id.tlog?.integratedTime],
    ['tlog:url', id.tlog?.url],
  ];
}
