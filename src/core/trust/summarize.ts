import type { PackageSummary, Publisher, TrustMetadataPresence, VersionSummary } from './types';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

/**
 * One copy of each repeated string of a packument: most versions repeat the repository URL, the publisher, the
 * maintainers and the dependency ranges of the version before, and a scan keeps every version of every package it
 * reads (the strings of a parsed document are each their own copy).
 */
type Intern = (s: string) => string;
function interner(): Intern {
  const seen = new Map<string, string>();
  return (s) => {
    const known = seen.get(s);
    if (known !== undefined) return known;
    seen.set(s, s);
    return s;
  };
}

/** `obj[key] = value` as an own property, also for `__proto__` (a hostile version or dependency name), never the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Reduces a full packument to the per-version facts the rules use, so the (possibly huge) document can be
 * dropped at once. Tolerates any shape: fields of the wrong type are left out, never thrown over.
 * The fields it reads are listed in packument-stream.ts (PACKUMENT_SHAPE), which reads huge packuments as they
 * stream in: a field read here must be added there (a test checks).
 */
export function summarizePackument(doc: unknown, registry: string, fetchedAt: string): PackageSummary | undefined {
  if (!isObj(doc) || !isObj(doc.versions)) return undefined;
  const name = str(doc.name) ?? '';
  const time = isObj(doc.time) ? doc.time : {};
  const presence: TrustMetadataPresence = { publisher: false, maintainers: false, signatures: false, attestations: false };
  const versions: Record<string, VersionSummary> = {};
  const intern = interner();
  let before: VersionSummary | undefined;
  for (const [version, raw] of Object.entries(doc.versions)) {
    if (!isObj(raw)) continue;
    const v = summarizeVersion(version, raw, str(time[version]), intern, usualTarball(registry, name, version));
    if (before) shareRepeated(v, before);
    before = v;
    setOwn(versions, version, v);
    presence.publisher ||= v.publisher !== undefined;
    presence.maintainers ||= (v.maintainers?.length ?? 0) > 0;
    presence.signatures ||= (v.signatures?.length ?? 0) > 0;
    presence.attestations ||= v.attestations !== undefined;
  }
  const distTags: Record<string, string> = {};
  if (isObj(doc['dist-tags'])) for (const [tag, v] of Object.entries(doc['dist-tags'])) if (typeof v === 'string') setOwn(distTags, tag, v);
  return { name, registry, distTags, versions, trustMetadata: presence, fetchedAt };
}

/**
 * Makes `v` use `before`'s dependency maps, maintainers, publisher and install scripts where they are equal:
 * consecutive versions mostly repeat them (compass: 72,092 of 136,331 versions repeat their dependencies), and a
 * scan holds every version of every package it reads. Summaries are never changed once made, so sharing is safe.
 */
function shareRepeated(v: VersionSummary, before: VersionSummary): void {
  for (const section of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const) {
    const mine = v[section];
    const theirs = before[section];
    if (mine && theirs && mine !== theirs && sameRecord(mine, theirs)) v[section] = theirs;
  }
  if (v.installScripts && before.installScripts && v.installScripts !== before.installScripts && sameRecord(v.installScripts, before.installScripts))
    v.installScripts = before.installScripts;
  shareWho(v, before);
}

/**
 * Sharing for a summary read back from the disk cache, where every version has its own copy of every string and
 * object: one repository URL string, deprecation message, maintainer list and publisher for the versions that repeat
 * the one before (sentry's 216,821 cached versions: the repository URLs alone were 11 MB of a 124 MB heap). Dependency
 * maps are left as read: sharing them saved another 1 MB for 60–90 ms more. In place; returns `summary`. A malformed
 * entry is left as it is (the rules read summaries defensively).
 */
export function compactSummary(summary: PackageSummary): PackageSummary {
  if (!isObj(summary) || !isObj(summary.versions)) return summary;
  let before: VersionSummary | undefined;
  for (const v of Object.values(summary.versions)) {
    if (!isObj(v)) continue;
    if (before) {
      if (v.repository !== undefined && v.repository === before.repository) v.repository = before.repository;
      if (v.deprecated !== undefined && v.deprecated === before.deprecated) v.deprecated = before.deprecated;
      shareWho(v, before);
    }
    before = v;
  }
  return summary;
}

/** `v` uses `before`'s maintainer list and publisher where they are equal. */
function shareWho(v: VersionSummary, before: VersionSummary): void {
  if (v.maintainers && before.maintainers && v.maintainers !== before.maintainers && sameList(v.maintainers, before.maintainers))
    v.maintainers = before.maintainers;
  if (v.publisher && before.publisher && v.publisher !== before.publisher && samePublisher(v.publisher, before.publisher)) v.publisher = before.publisher;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Every field of Publisher equal (the only fields readers use; summaries are made with no others). */
function samePublisher(a: Publisher, b: Publisher): boolean {
  return (
    isObj(a) &&
    isObj(b) &&
    a.name === b.name &&
    a.email === b.email &&
    a.trustedPublisher?.id === b.trustedPublisher?.id &&
    a.trustedPublisher?.oidcConfigId === b.trustedPublisher?.oidcConfigId &&
    a.approver?.name === b.approver?.name &&
    a.approver?.email === b.approver?.email
  );
}

/** The same keys with the same values, in the same order. */
function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== other[i] || a[keys[i]] !== b[keys[i]]) return false;
  return true;
}

function summarizeVersion(version: string, raw: Obj, publishedAt: string | undefined, intern: Intern, usual: string): VersionSummary {
  const v: VersionSummary = { version };
  if (publishedAt && !Number.isNaN(Date.parse(publishedAt))) v.publishedAt = new Date(publishedAt).toISOString();
  const publisher = readPublisher(raw._npmUser, intern);
  if (publisher) v.publisher = publisher;
  if (Array.isArray(raw.maintainers)) {
    const names = raw.maintainers
      .map((m) => (isObj(m) ? str(m.name) : str(m)))
      .filter((n): n is string => !!n)
      .map(intern);
    if (names.length) v.maintainers = names;
  }
  if (isObj(raw.scripts)) {
    const scripts: NonNullable<VersionSummary['installScripts']> = {};
    for (const s of INSTALL_SCRIPTS) {
      const cmd = str(raw.scripts[s]);
      if (cmd) scripts[s] = intern(cmd);
    }
    if (Object.keys(scripts).length) v.installScripts = scripts;
  }
  if (raw.hasInstallScript === true) v.hasInstallScript = true;
  for (const section of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const) {
    const list = raw[section];
    if (!isObj(list)) continue;
    const deps: Record<string, string> = {};
    for (const [k, d] of Object.entries(list)) if (typeof d === 'string') setOwn(deps, k, intern(d));
    if (section === 'dependencies' || Object.keys(deps).length) v[section] = deps;
  }
  const repository = typeof raw.repository === 'string' ? raw.repository : isObj(raw.repository) ? str(raw.repository.url) : undefined;
  if (repository) v.repository = intern(repository);
  if (typeof raw.deprecated === 'string' && raw.deprecated) v.deprecated = intern(raw.deprecated);
  const dist = isObj(raw.dist) ? raw.dist : {};
  // Only fields with a value are set, never set and deleted: a deleted property turns the object into a hash table
  // (about three times the memory), and a scan holds every version of every package it reads (compass: 140,000).
  const integrity = str(dist.integrity);
  if (integrity !== undefined) v.integrity = integrity;
  const shasum = str(dist.shasum);
  if (shasum !== undefined) v.shasum = shasum;
  const tarball = str(dist.tarball);
  if (tarball !== undefined && tarball !== usual) v.tarball = tarball;
  const fileCount = num(dist.fileCount);
  if (fileCount !== undefined) v.fileCount = fileCount;
  const unpackedSize = num(dist.unpackedSize);
  if (unpackedSize !== undefined) v.unpackedSize = unpackedSize;
  if (Array.isArray(dist.signatures)) {
    const sigs = dist.signatures
      .filter(isObj)
      .map((s) => ({ keyid: str(s.keyid) ?? '', sig: str(s.sig) ?? '' }))
      .filter((s) => s.keyid && s.sig);
    if (sigs.length) v.signatures = sigs;
  }
  if (isObj(dist.attestations) && str(dist.attestations.url)) {
    const provenance = isObj(dist.attestations.provenance) ? str(dist.attestations.provenance.predicateType) : undefined;
    v.attestations = { url: str(dist.attestations.url)!, ...(provenance ? { provenancePredicateType: provenance } : {}) };
  }
  return v;
}

function readPublisher(raw: unknown, intern: Intern): Publisher | undefined {
  if (!isObj(raw) || !str(raw.name)) return undefined;
  const p: Publisher = { name: intern(str(raw.name)!) };
  if (str(raw.email)) p.email = intern(str(raw.email)!);
  if (isObj(raw.trustedPublisher) && str(raw.trustedPublisher.id)) {
    p.trustedPublisher = { id: str(raw.trustedPublisher.id)! };
    if (str(raw.trustedPublisher.oidcConfigId)) p.trustedPublisher.oidcConfigId = str(raw.trustedPublisher.oidcConfigId);
  }
  if (isObj(raw.approver) && str(raw.approver.name)) {
    p.approver = { name: str(raw.approver.name)! };
    if (str(raw.approver.email)) p.approver.email = str(raw.approver.email);
  }
  return p;
}

/** The URL npm's registry (and every mirror of it seen) gives a version's tarball. */
export function usualTarball(registry: string, name: string, version: string): string {
  return `${registry}${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;
}

/** Where a version's tarball is: the URL its registry named, or (none named, or the usual one) the usual URL. */
export function tarballOf(summary: Pick<PackageSummary, 'registry' | 'name'>, v: VersionSummary): string {
  return v.tarball ?? usualTarball(summary.registry, summary.name, v.version);
}

/** The version fields an abbreviated ("corgi") packument carries as the full one does: what a revalidation compares. */
const ABBREVIATED_FIELDS = [
  'deprecated',
  'hasInstallScript',
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'integrity',
  'shasum',
  'tarball',
  'signatures',
  'attestations',
  'fileCount',
  'unpackedSize',
] as const satisfies readonly (keyof VersionSummary)[];

/**
 * Whether a summary of the abbreviated packument (`Accept: application/vnd.npm.install-v1+json`) says nothing that
 * `known` (the summary of a full packument) does not: the same versions, the same dist-tags, and for every version
 * the same deprecation, dependencies, dist and signatures. Published versions never change otherwise, so a match
 * means the full history is still the registry's; anything else (a new or removed version, a moved tag, a
 * deprecation) means it must be fetched again. Lists are compared in order: a reordering counts as a change.
 */
export function abbreviatedMatches(abbreviated: PackageSummary, known: PackageSummary): boolean {
  if (!sameJson(abbreviated.distTags, known.distTags)) return false;
  const names = Object.keys(abbreviated.versions);
  if (names.length !== Object.keys(known.versions).length) return false;
  for (const version of names) {
    if (!Object.hasOwn(known.versions, version)) return false;
    const a = abbreviated.versions[version];
    const k = known.versions[version];
    for (const f of ABBREVIATED_FIELDS) if (!sameJson(a[f], k[f])) return false;
  }
  return true;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
