/**
 * Benchmark corpora: a fixture registry that serves the REAL dependency graph of one of the generated projects in
 * ../shared/fixtures/lockfiles/generated. Every name@version of its package-lock.json gets a packument version with
 * the lockfile's dependency edges (so pnpm can resolve the same graph), a few earlier versions (so histories exist),
 * a generated tarball, a registry ECDSA signature, and for ~10% of the names Sigstore attestations on the newest
 * locked version and the release before it (so provenance is verified and compared with a baseline). A few
 * advisories affect locked versions; one affects only older versions (it must NOT be reported).
 *
 * Generating attestations is slow (~50 ms each), so a built corpus is cached on disk under .bench-cache/, keyed by
 * project, by a hash of its lockfile and by the generator's settings.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import {
  type NpmBulkAdvisory,
  type NpmRegistryKey,
  type Packument,
  type RegistryCorpus,
  ScenarioBuilder,
  type VersionInput,
  emptyCorpus,
  generateRegistryKey,
  tarballPath,
} from '../../test/fixtures/registry/corpus';
import { PROJECT_ROOT, SHARED_FIXTURES } from '../../test/support/fixtures';
import { createSigstoreTestEnv } from '../../test/support/sigstore-scenarios';

export const GENERATED = path.join(SHARED_FIXTURES, 'lockfiles/generated');
export const CACHE_ROOT = path.join(PROJECT_ROOT, '.bench-cache');
/** Bump when the generator changes what it makes: older cache files are then ignored. */
const GENERATOR_VERSION = 3;

export interface CorpusSettings {
  /** Earlier versions added below each name's lowest locked version. */
  extras: number;
  /** Share of names whose newest locked version (and the release before it) carry Sigstore attestations. */
  attestShare: number;
}
export const DEFAULT_SETTINGS: CorpusSettings = { extras: 3, attestShare: 0.1 };

export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  hasInstallScript?: boolean;
}
export interface Lockfile {
  name?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
  [k: string]: unknown;
}

export interface BenchAdvisory {
  name: string;
  id: number;
  url: string;
  range: string;
  severity: NpmBulkAdvisory['severity'];
  malware: boolean;
}

export interface CorpusMeta {
  project: string;
  /** Lockfile entries with a version (node_modules paths). */
  packages: number;
  /** Unique registry names and name@version pairs of the lockfile. */
  names: number;
  versions: number;
  /** Versions served in all (locked + earlier). */
  servedVersions: number;
  /** Every name@version that has attestations; `lockedAttested` is the locked part of it. */
  attested: string[];
  lockedAttested: string[];
  advisories: BenchAdvisory[];
  generatedAt: string;
  generationMs: number;
}

export interface ProjectCorpus {
  meta: CorpusMeta;
  corpus: RegistryCorpus;
  /** The mock Sigstore instance's trusted_root.json (verification is offline; the mock servers are gone). */
  trustedRoot: object;
  lockText: string;
  manifestText: string;
  fromCache: boolean;
}

interface CacheFile {
  meta: CorpusMeta;
  trustedRoot: object;
  keys?: NpmRegistryKey[];
  packuments: Record<string, Packument>;
  tarballs: Record<string, string>;
  attestations: Record<string, unknown>;
  advisories: Record<string, NpmBulkAdvisory[]>;
}

export function entryName(key: string, entry: LockEntry): string {
  return entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** Lockfile entries that are installed registry packages: [path, name, entry]. */
export function lockedPackages(lock: Lockfile): [string, string, LockEntry][] {
  return Object.entries(lock.packages)
    .filter(([key, e]) => key !== '' && key.includes('node_modules/') && !e.link && e.version)
    .map(([key, e]) => [key, entryName(key, e), e]);
}

const hash = (s: string) => crypto.createHash('sha256').update(s).digest();

/** Up to `n` valid versions below `lowest`, newest first (patch, then minor, then major steps down). */
export function earlierVersions(lowest: string, n: number): string[] {
  const v = semver.parse(lowest);
  if (!v) return [];
  const out = new Set<string>();
  for (let d = 1; d <= n + 2; d++) {
    if (v.patch - d >= 0) out.add(`${v.major}.${v.minor}.${v.patch - d}`);
    if (v.minor - d >= 0) out.add(`${v.major}.${v.minor - d}.0`);
    if (v.major - d >= 0) out.add(`${v.major - d}.0.0`);
  }
  return [...out]
    .filter((x) => semver.lt(x, lowest))
    .sort(semver.rcompare)
    .slice(0, n);
}

function cacheFile(project: string, lockText: string, settings: CorpusSettings): string {
  const key = hash(JSON.stringify([GENERATOR_VERSION, settings, lockText]))
    .toString('hex')
    .slice(0, 12);
  return path.join(CACHE_ROOT, `${project}-${key}.json`);
}

/** The corpus for a generated project: from .bench-cache/ when there, else built (and cached). */
export async function projectCorpus(
  project: string,
  settings: CorpusSettings = DEFAULT_SETTINGS,
  log: (s: string) => void = () => undefined,
): Promise<ProjectCorpus> {
  const dir = path.join(GENERATED, project);
  const lockText = fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  const manifestText = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  const file = cacheFile(project, lockText, settings);
  if (fs.existsSync(file)) {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile;
    return { meta: c.meta, corpus: fromCacheFile(c), trustedRoot: c.trustedRoot, lockText, manifestText, fromCache: true };
  }
  log(`generating the ${project} corpus (cached in ${path.relative(PROJECT_ROOT, file)} afterwards)…`);
  const started = Date.now();
  const built = await generate(project, JSON.parse(lockText) as Lockfile, settings);
  built.meta.generationMs = Date.now() - started;
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  for (const old of fs.readdirSync(CACHE_ROOT).filter((f) => f.startsWith(`${project}-`) && f.endsWith('.json')))
    fs.rmSync(path.join(CACHE_ROOT, old), { force: true });
  const out: CacheFile = {
    meta: built.meta,
    trustedRoot: built.trustedRoot,
    keys: built.corpus.keys,
    packuments: Object.fromEntries(built.corpus.packuments),
    tarballs: Object.fromEntries([...built.corpus.tarballs].map(([k, v]) => [k, v.toString('base64')])),
    attestations: Object.fromEntries(built.corpus.attestations),
    advisories: Object.fromEntries(built.corpus.advisories ?? new Map()),
  };
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(out));
  fs.renameSync(`${file}.tmp`, file);
  return { ...built, lockText, manifestText, fromCache: false };
}

function fromCacheFile(c: CacheFile): RegistryCorpus {
  const corpus = emptyCorpus();
  corpus.keys = c.keys;
  for (const [k, v] of Object.entries(c.packuments)) corpus.packuments.set(k, v);
  for (const [k, v] of Object.entries(c.tarballs)) corpus.tarballs.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(c.attestations)) corpus.attestations.set(k, v);
  for (const [k, v] of Object.entries(c.advisories)) corpus.advisories!.set(k, v);
  return corpus;
}

const GHSA_CHARS = '23456789cfghjmpqrvwx';
function fakeGhsa(seed: string): string {
  const h = hash(seed);
  const part = (o: number) => Array.from({ length: 4 }, (_, i) => GHSA_CHARS[h[o + i] % GHSA_CHARS.length]).join('');
  return `GHSA-${part(0)}-${part(4)}-${part(8)}`;
}

async function generate(project: string, lock: Lockfile, settings: CorpusSettings): Promise<{ meta: CorpusMeta; corpus: RegistryCorpus; trustedRoot: object }> {
  const entries = lockedPackages(lock);
  // name → version → the lockfile entry that describes it (the first one; duplicates describe the same package)
  const byName = new Map<string, Map<string, LockEntry>>();
  for (const [, name, e] of entries) {
    const versions = byName.get(name) ?? new Map<string, LockEntry>();
    if (!versions.has(e.version!)) versions.set(e.version!, e);
    byName.set(name, versions);
  }
  const names = [...byName.keys()].sort();

  const key = generateRegistryKey();
  const sigstore = await createSigstoreTestEnv({ npmKey: key });
  const b = new ScenarioBuilder({
    registryKey: key,
    attest: (i) =>
      sigstore.attest({
        name: i.name,
        version: i.version,
        integritySha512Hex: i.integritySha512Hex,
        repository: String(i.repository),
        workflowPath: '.github/workflows/release.yml',
        ref: `refs/tags/v${i.version}`,
        sha: hash(`${i.name}@${i.version}`).toString('hex').slice(0, 40),
      }),
  });

  const attested: string[] = [];
  const lockedAttested: string[] = [];
  let servedVersions = 0;
  for (const name of names) {
    const lockedMap = byName.get(name)!;
    const locked = [...lockedMap.keys()].sort(semver.compare);
    const all = [...earlierVersions(locked[0], settings.extras).reverse(), ...locked];
    servedVersions += all.length;
    const h = hash(name);
    const attest = h.readUInt32BE(0) / 2 ** 32 < settings.attestShare ? new Set(all.slice(-2)) : new Set<string>();
    // One history per name, oldest first, one release a month, all long before any evaluation time.
    const start = Date.UTC(2021, 0, 1) + (h.readUInt16BE(4) % 365) * 86_400_000;
    const publisher = { name: `maintainer-${name.replace(/[^a-z0-9]/gi, '-')}`, email: `team@${name.replace(/[^a-z0-9]/gi, '')}.example` };
    const pkg = b.package(name);
    const lowest = lockedMap.get(locked[0])!;
    all.forEach((version, i) => {
      const e = lockedMap.get(version);
      const scripted = (e ?? lowest).hasInstallScript;
      const manifest: Record<string, unknown> = {};
      for (const f of ['optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'os', 'cpu', 'libc'] as const) if (e?.[f]) manifest[f] = e[f];
      const input: VersionInput = {
        publishedAt: new Date(start + i * 30 * 86_400_000).toISOString(),
        publisher,
        dependencies: e?.dependencies,
        manifest,
        ...(scripted ? { scripts: { postinstall: 'node install.js' }, files: { 'install.js': 'console.log("setup")\n' } } : {}),
      };
      if (attest.has(version)) {
        input.attest = 'provenance';
        input.attestClaims = { repository: `bench-org/${name.replace(/^@/, '').replace('/', '-')}` };
        attested.push(`${name}@${version}`);
        if (e) lockedAttested.push(`${name}@${version}`);
      }
      pkg.version(version, input);
    });
  }

  // Advisories: the names with the smallest hashes. Malware on one locked version, four vulnerabilities covering
  // locked versions, one that only covers the earlier (unlocked) versions.
  const chosen = [...names].sort((a, b2) => Buffer.compare(hash(`adv:${a}`), hash(`adv:${b2}`))).slice(0, 6);
  const advisories: BenchAdvisory[] = [];
  const severities: NpmBulkAdvisory['severity'][] = ['critical', 'critical', 'high', 'moderate', 'low', 'high'];
  chosen.forEach((name, i) => {
    const locked = [...byName.get(name)!.keys()].sort(semver.compare);
    const newest = locked[locked.length - 1];
    const range = i === 0 ? newest : i === 5 ? `<${locked[0]}` : `<=${newest}`;
    const malware = i === 0;
    const id = 91001 + i;
    const url = `https://github.com/advisories/${fakeGhsa(`${project}:${name}`)}`;
    b.advisory(name, {
      id,
      url,
      vulnerable_versions: range,
      severity: severities[i],
      title: malware ? `Malicious code in ${name}` : `Prototype pollution in ${name}`,
      cwe: malware ? ['CWE-506'] : ['CWE-1321'],
      cvss: { score: 7.5, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N' },
    });
    advisories.push({ name, id, url, range, severity: severities[i], malware });
  });

  const corpus = await b.build();
  await sigstore.close();
  const meta: CorpusMeta = {
    project,
    packages: entries.length,
    names: names.length,
    versions: [...byName.values()].reduce((n, m) => n + m.size, 0),
    servedVersions,
    attested,
    lockedAttested,
    advisories,
    generatedAt: new Date().toISOString(),
    generationMs: 0,
  };
  return { meta, corpus, trustedRoot: sigstore.trustedRootJSON };
}

/** The project's lockfile with every `resolved` on `registryUrl` and every `integrity` the generated tarball's. */
export function stagedLockfile(pc: ProjectCorpus, registryUrl: string, edit?: (lock: Lockfile) => void): string {
  const lock = JSON.parse(pc.lockText) as Lockfile;
  for (const [key, name, e] of lockedPackages(lock)) {
    const doc = pc.corpus.packuments.get(name)?.versions[e.version!];
    if (!doc) throw new Error(`${pc.meta.project}: ${key} (${name}@${e.version}) is not in the corpus`);
    e.resolved = `${registryUrl}${tarballPath(name, e.version!).slice(1)}`;
    e.integrity = doc.dist.integrity;
  }
  edit?.(lock);
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Writes package.json and the staged package-lock.json into `dir`. */
export function stageNpmProject(pc: ProjectCorpus, registryUrl: string, dir: string, manifestText = pc.manifestText, edit?: (lock: Lockfile) => void): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), manifestText);
  fs.writeFileSync(path.join(dir, 'package-lock.json'), stagedLockfile(pc, registryUrl, edit));
  return dir;
}
