/**
 * What an SBOM says about a checked project, in neither format: the components of the installed graph, what TrustLens
 * verified about each, the dependency tree, and what goes into a vulnerability list. Built from a check's report
 * (parse → evidence → judge → here): nothing is gathered again. sbom-cyclonedx.ts and sbom-spdx.ts write it out.
 *
 * Never a false clean: a version that was not judged, or judged in part, says so on its component, and a project-wide
 * gap (no lockfile, a failed advisory source) says so on the BOM's metadata.
 */
import type { InstalledPackage, Lockfile, PackageSource, ProjectModel } from '../model';
import type { RegistryFacts } from '../trust/context';
import { SIGNAL_LABEL, type Signal, type Uncovered } from '../trust/coverage';
import { parseSri } from '../trust/rules/integrity';
import { atLeast, severityRank } from '../trust/severity';
import type { Evidence, Finding, FindingCode, ProvenanceVerdict, Severity, SignatureVerdict } from '../trust/types';
import type { Policy } from '../trust/policy';
import type { TrustCard } from './card';

/** What a check's report holds that an SBOM is made of (engine/check.ts CheckReport has all of it). */
export interface SbomInput {
  model: ProjectModel;
  cards: readonly TrustCard[];
  findings: readonly Finding[];
  allowed: readonly { finding: Finding; reason: string; expires?: string }[];
  notChecked: readonly Uncovered[];
  registries: readonly RegistryFacts[];
  resolution: 'locked' | 'no-lockfile' | 'lockfile-ignored' | 'lockfile-unread';
  notes: readonly string[];
  policy: Policy;
}

export interface SbomOptions {
  /** The evaluation time of the check (release ages are as of it). */
  now: Date;
  tool: { name: string; version: string };
}

/** The lockfile's hash of a tarball, compared with the registry's. */
export interface IntegrityVerdict {
  /**
   * match: the same algorithm on both sides, same digest; mismatch: same algorithm, another digest; not-comparable:
   * no algorithm in common (e.g. yarn berry's zip checksums); not-locked: the lockfile records none; unknown: the
   * registry's hashes were not read.
   */
  status: 'match' | 'mismatch' | 'not-comparable' | 'not-locked' | 'unknown';
  /** The algorithm compared (sha512, …). */
  algorithm?: string;
  /** The registry's own hash, as SRI. */
  registry?: string;
}

export type SbomHashAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** One component: a registry name@version (every installed instance of it), or one non-registry package. */
export interface SbomComponent {
  ref: string;
  name: string;
  version: string;
  source: PackageSource;
  /** npm's scope (`@scope`) and the name without it, as package URLs and CycloneDX's `group` take them. */
  scope?: string;
  localName: string;
  /** Lockfile hashes as hex, by CycloneDX algorithm name (only well-formed digests). */
  hashes: { algorithm: SbomHashAlgorithm; hex: string }[];
  /** The lockfile's integrity string as written (SRI, or another package manager's checksum). */
  lockedIntegrity?: string;
  integrity: IntegrityVerdict;
  resolved?: string;
  registry?: string;
  /** Only dev dependencies need it; only optionally needed. */
  dev: boolean;
  optional: boolean;
  direct: boolean;
  /** Importers (`.`, workspace dirs) whose graph holds it. */
  workspaces: string[];
  /** Lockfile ids of its instances. */
  ids: string[];
  /** Where its lockfile entries are: `file:line`. */
  occurrences: string[];
  /** The hover card of a judged registry version; absent when it was not judged. */
  card?: TrustCard;
  /**
   * judged: every signal; partly-judged / not-judged: see `notChecked`; source-only: from git or a remote tarball,
   * where only the source itself is judged (there is no registry history); local: the project's own folders.
   */
  status: 'judged' | 'partly-judged' | 'not-judged' | 'source-only' | 'local';
  notChecked: { signal: Signal; label: string; reason: string }[];
  findings: Finding[];
  allowed: { code: FindingCode; reason: string; expires?: string }[];
  /** Whole days since publication at the evaluation time. */
  releaseAgeDays?: number;
  /** bom-refs this component depends on. */
  dependsOn: string[];
}

/** A workspace of the project (an importer other than the root). */
export interface SbomWorkspace {
  ref: string;
  dir: string;
  name?: string;
  version?: string;
  dependsOn: string[];
}

/** One vulnerability entry: an advisory (with every component it affects), or a TrustLens finding on one component. */
export interface SbomVulnerability {
  ref: string;
  id: string;
  kind: 'advisory' | 'finding';
  /** npm, osv, osv-offline, or TrustLens for findings. */
  source: string;
  url?: string;
  severity: Severity;
  title: string;
  detail?: string;
  malware: boolean;
  published?: string;
  recommendation?: string;
  code?: FindingCode;
  evidence: Evidence[];
  affects: { ref: string; version: string }[];
}

export interface Sbom {
  root: { ref: string; name: string; version?: string; dependsOn: string[] };
  workspaces: SbomWorkspace[];
  components: SbomComponent[];
  vulnerabilities: SbomVulnerability[];
  /** The inventory is the whole installed graph (a lockfile read to its end), or not. */
  inventory: 'complete' | 'incomplete';
  /** Everything judged, every signal. */
  complete: boolean;
  /** Project-wide gaps (`*`): a failed source, no lockfile, an unreadable lockfile. */
  projectGaps: { signal: Signal; label: string; reason: string; source?: string }[];
  /** Project-wide findings (`*`), e.g. lockfile-ignored, trust-metadata-unavailable. */
  projectFindings: Finding[];
  lockfile?: { file: string; kind: Lockfile['kind']; version: string };
  resolution: SbomInput['resolution'];
  registries: readonly RegistryFacts[];
  notes: readonly string[];
  threshold: Severity;
  now: Date;
  tool: SbomOptions['tool'];
}

const ROOT_REF = 'root';

/** The SBOM of a checked project. Pure; never throws on hostile names, versions or hashes (they are data). */
export function buildSbom(input: SbomInput, opts: SbomOptions): Sbom {
  const { model } = input;
  const lock = model.lockfile;
  const locked = input.resolution === 'locked' && lock ? lock.packages : [];
  const cards = new Map(input.cards.map((c) => [key(c.name, c.version), c]));
  const findings = groupBy(
    input.findings.filter((f) => f.package !== '*'),
    (f) => key(f.package, f.version),
  );
  const allowed = groupBy(
    input.allowed.map((a) => (a.finding.package !== '*' ? a : undefined)).filter((a) => !!a),
    (a) => key(a.finding.package, a.finding.version),
  );
  const gaps = new Map(input.notChecked.filter((u) => u.package !== '*').map((u) => [key(u.package, u.version), u]));

  const refs = new RefMaker();
  const components: SbomComponent[] = [];
  const byKey = new Map<string, SbomComponent>();
  const byId = new Map<string, SbomComponent>();
  const add = (pkg: Partial<InstalledPackage> & Pick<InstalledPackage, 'name' | 'version' | 'source'>, k: string) => {
    let c = byKey.get(k);
    if (!c) {
      c = newComponent(pkg, refs, cards.get(key(pkg.name, pkg.version)), opts.now);
      byKey.set(k, c);
      components.push(c);
    }
    if (pkg.id !== undefined) {
      byId.set(pkg.id, c);
      c.ids.push(pkg.id);
      if (pkg.file && pkg.range) c.occurrences.push(`${pkg.file}:${pkg.range.start.line + 1}`);
      c.dev &&= pkg.dev ?? false;
      c.optional &&= pkg.optional ?? false;
      c.direct ||= pkg.direct ?? false;
      for (const w of pkg.workspaces ?? []) if (!c.workspaces.includes(w)) c.workspaces.push(w);
      if (!c.lockedIntegrity && pkg.integrity) c.lockedIntegrity = pkg.integrity;
      if (!c.resolved && pkg.resolved) c.resolved = pkg.resolved;
    }
    return c;
  };
  for (const p of locked) add(p, isRegistryLike(p) ? key(p.name, p.version) : `${p.source}\0${p.id}`);
  // Without a lockfile npm uses, the judged versions are what package.json's ranges resolve to: their cards.
  for (const card of input.cards)
    if (!byKey.has(key(card.name, card.version)))
      add(
        { name: card.name, version: card.version, source: 'registry', dev: false, optional: false, direct: locked.length === 0 },
        key(card.name, card.version),
      );
  for (const c of components) finishComponent(c, findings, allowed, gaps);

  // The tree: importers → their edges, each package → its edges (every instance of a name@version together).
  const edgesOf = (from: SbomComponent | undefined, edges: InstalledPackage['dependencies']) => {
    const out = new Set<string>();
    for (const e of edges) {
      const to = e.to !== undefined ? byId.get(e.to) : undefined;
      if (to && to !== from) out.add(to.ref);
    }
    return out;
  };
  const deps = new Map<SbomComponent, Set<string>>();
  for (const p of locked) {
    const c = byId.get(p.id)!;
    const set = deps.get(c) ?? new Set<string>();
    for (const r of edgesOf(c, p.dependencies)) set.add(r);
    deps.set(c, set);
  }
  for (const [c, set] of deps) c.dependsOn = [...set].sort();

  const rootManifest = model.manifests.find((m) => m.dir === '.');
  const importers = input.resolution === 'locked' ? (lock?.importers ?? []) : [];
  const rootImporter = importers.find((i) => i.id === '.');
  const workspaces: SbomWorkspace[] = importers
    .filter((i) => i.id !== '.')
    .map((i) => ({
      ref: refs.make(`workspace:${i.id}`),
      dir: i.id,
      name: i.name,
      version: i.version,
      dependsOn: [...edgesOf(undefined, i.dependencies)].sort(),
    }))
    .sort((a, b) => a.dir.localeCompare(b.dir));
  const rootDeps = rootImporter
    ? [...edgesOf(undefined, rootImporter.dependencies)]
    : locked.length === 0
      ? components.map((c) => c.ref)
      : components.filter((c) => c.direct && c.workspaces.includes('.')).map((c) => c.ref);
  const root = {
    ref: ROOT_REF,
    name: rootManifest?.name ?? rootImporter?.name ?? 'project',
    version: rootManifest?.version ?? rootImporter?.version,
    dependsOn: [...new Set([...rootDeps, ...workspaces.map((w) => w.ref)])].sort(),
  };

  const projectGaps = input.notChecked
    .filter((u) => u.package === '*')
    .flatMap((u) => u.gaps.map((g) => ({ signal: g.signal, label: SIGNAL_LABEL[g.signal], reason: g.reason, ...(g.source ? { source: g.source } : {}) })));
  const projectFindings = input.findings.filter((f) => f.package === '*');
  const inventory = input.resolution === 'locked' && lock && !projectGaps.some((g) => g.signal === 'dependency-tree') ? 'complete' : 'incomplete';
  const sbom: Sbom = {
    root,
    workspaces,
    components: components.sort((a, b) => a.ref.localeCompare(b.ref)),
    vulnerabilities: [],
    inventory,
    complete: input.notChecked.length === 0,
    projectGaps,
    projectFindings,
    lockfile: lock ? { file: lock.file, kind: lock.kind, version: lock.version } : undefined,
    resolution: input.resolution,
    registries: input.registries,
    notes: input.notes,
    threshold: input.policy.threshold,
    now: opts.now,
    tool: opts.tool,
  };
  sbom.vulnerabilities = vulnerabilitiesOf(sbom, refs);
  return sbom;
}

function key(name: string, version: string): string {
  return `${name}\0${version}`;
}

function groupBy<T>(list: readonly T[], k: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) {
    const id = k(t);
    const group = out.get(id);
    if (group) group.push(t);
    else out.set(id, [t]);
  }
  return out;
}

/** Registry packages, and entries with a plain version and no URL (pnpm, yarn): one component per name@version. */
function isRegistryLike(p: InstalledPackage): boolean {
  return p.source === 'registry' || (p.source === 'unknown' && !p.resolved && /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.test(p.version));
}

/** Unique bom-refs: the wanted one, else with `#2`, `#3`… */
class RefMaker {
  private readonly used = new Set<string>();
  make(wanted: string): string {
    let ref = wanted;
    for (let i = 2; this.used.has(ref) || ref === ROOT_REF; i++) ref = `${wanted}#${i}`;
    this.used.add(ref);
    return ref;
  }
}

/** `pkg:npm/%40scope/name@1.2.3` (percent-encoded as the purl spec asks). */
export function npmPurl(name: string, version: string): string {
  const { scope, localName } = splitName(name);
  const enc = (s: string) => encodeURIComponent(s);
  return `pkg:npm/${scope ? `${enc(scope)}/` : ''}${enc(localName)}${version ? `@${enc(version)}` : ''}`;
}

function splitName(name: string): { scope?: string; localName: string } {
  const m = /^(@[^/]+)\/(.+)$/.exec(name);
  return m ? { scope: m[1], localName: m[2] } : { localName: name };
}

function newComponent(
  pkg: Partial<InstalledPackage> & Pick<InstalledPackage, 'name' | 'version' | 'source'>,
  refs: RefMaker,
  card: TrustCard | undefined,
  now: Date,
): SbomComponent {
  const registryLike = pkg.source === 'registry' || (pkg.source === 'unknown' && !pkg.resolved);
  const { scope, localName } = splitName(pkg.name);
  const published = card?.publishedAt ? Date.parse(card.publishedAt) : NaN;
  return {
    ref: refs.make(registryLike ? npmPurl(pkg.name, pkg.version) : `${pkg.source}:${pkg.id ?? pkg.name}`),
    name: pkg.name,
    version: pkg.version,
    source: pkg.source,
    ...(scope ? { scope } : {}),
    localName,
    hashes: [],
    integrity: { status: 'unknown' },
    registry: card?.registry,
    dev: pkg.dev ?? true,
    optional: pkg.optional ?? true,
    direct: false,
    workspaces: [],
    ids: [],
    occurrences: [],
    card,
    status: 'judged',
    notChecked: [],
    findings: [],
    allowed: [],
    ...(Number.isFinite(published) ? { releaseAgeDays: Math.max(0, Math.floor((now.getTime() - published) / 86_400_000)) } : {}),
    dependsOn: [],
  };
}

function finishComponent(
  c: SbomComponent,
  findings: Map<string, Finding[]>,
  allowed: Map<string, { finding: Finding; reason: string; expires?: string }[]>,
  gaps: Map<string, Uncovered>,
): void {
  const k = key(c.name, c.version);
  c.hashes = hexHashes(c.lockedIntegrity);
  c.findings = [...(findings.get(k) ?? [])].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.code.localeCompare(b.code));
  c.allowed = (allowed.get(k) ?? []).map((a) => ({ code: a.finding.code, reason: a.reason, ...(a.expires ? { expires: a.expires } : {}) }));
  const u = gaps.get(k);
  if (u) {
    c.status = u.status;
    c.notChecked = u.gaps.map((g) => ({ signal: g.signal, label: SIGNAL_LABEL[g.signal], reason: g.reason }));
  } else if (c.source === 'git' || c.source === 'remote') {
    c.status = 'source-only';
  } else if (c.source === 'file' || c.source === 'link' || c.source === 'workspace') {
    c.status = 'local';
  } else if (!c.card) {
    // A registry version without a card and without a recorded gap was not judged.
    c.status = 'not-judged';
  }
  const readHistory = !!c.card && !c.notChecked.some((g) => g.signal === 'registry-history' || g.signal === 'lockfile-entry');
  c.integrity =
    c.source === 'registry' || c.source === 'unknown'
      ? integrityVerdict(c.lockedIntegrity, readHistory ? c.card?.registryIntegrity : undefined, readHistory)
      : { status: c.lockedIntegrity ? 'not-comparable' : 'not-locked' };
}

const SRI_TO_CDX: Record<string, { name: SbomHashAlgorithm; bytes: number }> = {
  sha1: { name: 'SHA-1', bytes: 20 },
  sha256: { name: 'SHA-256', bytes: 32 },
  sha384: { name: 'SHA-384', bytes: 48 },
  sha512: { name: 'SHA-512', bytes: 64 },
};

/** The well-formed SRI digests of a lockfile integrity string, as hex (the form SBOM formats take). */
export function hexHashes(sri: string | undefined): { algorithm: SbomHashAlgorithm; hex: string }[] {
  const out: { algorithm: SbomHashAlgorithm; hex: string }[] = [];
  for (const [algo, digests] of parseSri(sri)) {
    const spec = SRI_TO_CDX[algo];
    for (const d of digests) {
      const bytes = Buffer.from(d, 'base64');
      if (bytes.length !== spec.bytes) continue;
      const hex = bytes.toString('hex');
      if (!out.some((h) => h.algorithm === spec.name && h.hex === hex)) out.push({ algorithm: spec.name, hex });
    }
  }
  return out.sort((a, b) => b.algorithm.localeCompare(a.algorithm));
}

/**
 * The lockfile's hash against the registry's, as the integrity rule compares them: the strongest algorithm both
 * sides have decides. `read`: the registry's history of the version was read (else unknown, never "match").
 */
export function integrityVerdict(locked: string | undefined, registry: TrustCard['registryIntegrity'], read: boolean): IntegrityVerdict {
  if (!locked) return { status: 'not-locked' };
  if (!read) return { status: 'unknown' };
  const mine = parseSri(locked);
  const theirs = parseSri(registry?.integrity);
  if (registry?.shasum && /^[0-9a-f]{40}$/i.test(registry.shasum))
    theirs.set('sha1', [...(theirs.get('sha1') ?? []), Buffer.from(registry.shasum, 'hex').toString('base64')]);
  for (const algo of ['sha512', 'sha384', 'sha256', 'sha1']) {
    const a = mine.get(algo);
    const b = theirs.get(algo);
    if (!a || !b) continue;
    return { status: a.some((h) => b.includes(h)) ? 'match' : 'mismatch', algorithm: algo, registry: `${algo}-${b[0]}` };
  }
  return { status: 'not-comparable', ...(registry?.integrity ? { registry: registry.integrity } : {}) };
}

/** A provenance verdict in one word: verified, invalid, none (the registry says there is none), unknown, not-checked. */
export function provenanceStatus(c: SbomComponent): 'verified' | 'invalid' | 'none' | 'unknown' | 'not-checked' {
  const missed = new Set(c.notChecked.map((g) => g.signal));
  if (!c.card || missed.has('registry-history') || missed.has('lockfile-entry')) return 'not-checked';
  const p: ProvenanceVerdict | undefined = c.card.provenance;
  if (missed.has('provenance') && (!p || p.status === 'absent' || p.status === 'unknown')) return 'not-checked';
  if (!p) return c.card.trustData ? 'none' : 'unknown';
  return p.status === 'absent' ? 'none' : p.status;
}

/** A registry signature verdict in one word: valid, invalid, missing, unknown, not-checked. */
export function signatureStatus(c: SbomComponent): SignatureVerdict['status'] | 'not-checked' {
  const missed = new Set(c.notChecked.map((g) => g.signal));
  if (!c.card || missed.has('registry-history') || missed.has('lockfile-entry')) return 'not-checked';
  const s = c.card.signature;
  if (missed.has('registry-signature') && (!s || s.status === 'unknown')) return 'not-checked';
  return s?.status ?? 'unknown';
}

/**
 * Advisories (one entry per advisory, affecting every component it hits) and TrustLens findings at or above the
 * threshold (one per finding; advisory findings are the advisories themselves).
 */
function vulnerabilitiesOf(sbom: Sbom, refs: RefMaker): SbomVulnerability[] {
  const out: SbomVulnerability[] = [];
  const advisories = new Map<string, SbomVulnerability>();
  for (const c of sbom.components) {
    for (const a of c.card?.advisories ?? []) {
      let v = advisories.get(a.id);
      if (!v) {
        v = {
          ref: refs.make(`advisory:${a.id}`),
          id: a.id,
          kind: 'advisory',
          source: a.url && /^https:\/\/osv\.dev\//.test(a.url) ? 'OSV' : 'npm',
          ...(a.url ? { url: a.url } : {}),
          severity: a.severity,
          title: a.title,
          malware: a.malware,
          ...(a.published ? { published: a.published } : {}),
          evidence: [],
          affects: [],
        };
        advisories.set(a.id, v);
        out.push(v);
      }
      if (!v.affects.some((x) => x.ref === c.ref)) v.affects.push({ ref: c.ref, version: c.version });
      const finding = c.findings.find((f) => f.advisory?.id === a.id);
      if (finding?.safeVersion && finding.safeVersion !== c.version) v.recommendation = `Move ${c.name} to ${finding.safeVersion}`;
    }
  }
  const place = (f: Finding, c: SbomComponent | undefined) => {
    if (!atLeast(f.severity, sbom.threshold) || f.advisory || f.code === 'malware' || f.code === 'vulnerability') return;
    out.push({
      ref: refs.make(`trustlens:${f.code}:${c?.ref ?? ROOT_REF}`),
      id: `TRUSTLENS-${f.code}`,
      kind: 'finding',
      source: 'TrustLens',
      severity: f.severity,
      title: f.message,
      detail: f.evidence.map((e) => `${e.label}: ${e.value}`).join('\n') || undefined,
      malware: false,
      code: f.code,
      evidence: f.evidence,
      ...(f.safeVersion && c && f.safeVersion !== c.version ? { recommendation: `Move ${c.name} to ${f.safeVersion}` } : {}),
      affects: [{ ref: c?.ref ?? ROOT_REF, version: c?.version ?? sbom.root.version ?? '' }],
    });
  };
  for (const c of sbom.components) for (const f of c.findings) place(f, c);
  for (const f of sbom.projectFindings) place(f, undefined);
  return out;
}

/** The SBOM formats TrustLens writes. */
export const SBOM_FORMATS = ['cyclonedx-json', 'spdx-json'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];
