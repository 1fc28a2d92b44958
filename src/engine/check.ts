import * as semver from 'semver';
import type { InstalledPackage, ProjectModel } from '../core/model';
import { type TrustCard, trustCard } from '../core/report/card';
import { type LocatedFinding, ProjectIndex, locateFinding, sourceSpans } from '../core/report/locate';
import type { PackageContext, RegistryFacts } from '../core/trust/context';
import { evaluatePackage } from '../core/trust/evaluate';
import { History } from '../core/trust/history';
import { DEFAULT_POLICY, POLICY_FILE, type Policy, parsePolicy } from '../core/trust/policy';
import type { Advisory, Finding, PackageSummary, ProvenanceVerdict, SignatureVerdict } from '../core/trust/types';
import { type AdvisoryConfig, gatherAdvisories } from './advisory-sources';
import { DiskCache, defaultCacheDir } from './disk-cache';
import { analyzeContents } from './content-stage';
import { EngineError, isAbort } from './errors';
import { readProjectFiles } from './project-files';
import { buildProject } from '../core/project';
import { RegistryHttp } from './registry/http';
import { type RegistryKeysSource, loadRegistryKeys } from './registry/keys';
import { PUBLIC_REGISTRY, configuredHosts, isPrivateName, loadNpmConfig, registryFor, registryMap } from './registry/npmrc';
import { PackumentSource } from './registry/packuments';
import { ProvenanceSource } from './provenance-source';
import type { TrustContext } from './sigstore/trust-root';
import { verifyRegistrySignature } from './sigstore/registry-signatures';

export interface CheckOptions {
  projectDir: string;
  /** Unsaved buffers (path relative to projectDir → text). */
  overlay?: ReadonlyMap<string, string>;
  /** Evaluate as of this instant (default: now). */
  now?: Date;
  /** Default registry override (--registry). */
  registry?: string;
  advisories?: AdvisoryConfig;
  offline?: boolean;
  cacheDir?: string;
  /** Restricted Mode: ignore the project's .npmrc. */
  ignoreProjectNpmrc?: boolean;
  policy?: Policy;
  /**
   * Look inside tarballs: 'auto' (default) for direct dependencies and versions that already have a finding or
   * are new; 'deep' for every registry package; 'off' never.
   */
  content?: 'auto' | 'deep' | 'off';
  /** Sigstore trust material; default: TUF with the embedded fallback. */
  trust?: TrustContext | (() => Promise<TrustContext>);
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  concurrency?: number;
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
}

export interface PackageError {
  package: string;
  code: string;
  message: string;
}

export interface CheckReport {
  model: ProjectModel;
  findings: LocatedFinding[];
  /** One card per checked registry name@version: what a hover shows. */
  cards: TrustCard[];
  allowed: { finding: Finding; reason: string; expires?: string }[];
  errors: PackageError[];
  /** Things the reader should know about how the check ran (e.g. an offline Sigstore trusted root). */
  notes: string[];
  registries: RegistryFacts[];
  policy: Policy;
  stats: { packages: number; versions: number; requests: number; durationMs: number };
}

/** Runs every trust check on one project: parse → gather evidence → evaluate → locate. */
export async function runCheck(opts: CheckOptions): Promise<CheckReport> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const files = await readProjectFiles(opts.projectDir, opts.overlay);
  const model = buildProject(opts.projectDir, files);
  const policy = opts.policy ?? readPolicy(files.get(POLICY_FILE), model);

  const npmConfig = await loadNpmConfig({
    projectDir: opts.projectDir,
    env: opts.env,
    ignoreProject: opts.ignoreProjectNpmrc,
    overrides: opts.registry ? { registry: opts.registry } : undefined,
  });
  const registries = registryMap(npmConfig);
  const http = new RegistryHttp({ config: npmConfig, concurrency: opts.concurrency, timeoutMs: opts.timeoutMs, log: opts.log });
  const cache = opts.offline || opts.cacheDir ? new DiskCache(opts.cacheDir ?? defaultCacheDir()) : undefined;
  const packuments = new PackumentSource(http, registries, cache, { offline: opts.offline });

  const packages = (model.lockfile?.packages ?? []).filter((p) => p.version !== '');
  const registryPackages = packages.filter(fromRegistry);
  const names = [...new Set(registryPackages.map((p) => p.name))];
  const errors: PackageError[] = [];
  let done = 0;
  const total = names.length;

  // 1. Histories: one packument per name.
  const summaries = new Map<string, PackageSummary>();
  await Promise.all(
    names.map(async (name) => {
      try {
        summaries.set(name, await packuments.summary(name, opts.signal));
      } catch (e) {
        if (isAbort(e, opts.signal)) throw e;
        const err = e as EngineError;
        if (err.code !== 'not-found') errors.push({ package: name, code: err.code ?? 'error', message: err.message });
      } finally {
        opts.onProgress?.(++done, total);
      }
    }),
  );
  if (names.length > 0 && summaries.size === 0 && errors.length === names.length && errors.every((e) => e.code === 'registry-unreachable' || e.code === 'timeout')) {
    throw new EngineError('registry-unreachable', errors[0].message);
  }

  // 2. What each registry can tell at all: keys, and whether any packument carries trust metadata.
  const registryUrls = [...new Set(names.map((n) => registryFor(registries, n)))];
  const keys: RegistryKeysSource = await loadRegistryKeys(http, cache, registryUrls, { offline: opts.offline, signal: opts.signal });
  const facts = new Map<string, RegistryFacts>();
  for (const url of registryUrls) {
    const mine = [...summaries.values()].filter((s) => s.registry === url);
    const trustData = mine.some((s) => s.trustMetadata.publisher || s.trustMetadata.signatures || s.trustMetadata.attestations || s.trustMetadata.maintainers);
    facts.set(url, { url, trustData, hasKeys: (keys.get(url)?.length ?? 0) > 0 });
  }

  // 3. Advisories (names in private scopes never leave for public services).
  const queryVersions = advisoryQuery(registryPackages, summaries, now);
  const advisories = await gatherAdvisories(queryVersions, {
    config: opts.advisories ?? { npm: true, osv: false },
    registries,
    npmConfig,
    isPrivate: (n) => isPrivateName(registries, n),
    signal: opts.signal,
    offline: opts.offline,
    errors,
  });

  // 4. Provenance and registry signatures of the locked versions.
  const provenance = new ProvenanceSource(http, cache, opts.trust, { offline: opts.offline, signal: opts.signal, registries, keys });
  const versions = uniqueVersions(registryPackages);
  const contexts = await Promise.all(
    versions.map(async (p) => {
      const summary = summaries.get(p.name);
      const history = summary ? new History(summary, now) : undefined;
      const registry = facts.get(registryFor(registries, p.name)) ?? { url: registryFor(registries, p.name), trustData: false, hasKeys: false };
      const v = history?.get(p.version);
      let verdict: ProvenanceVerdict | undefined;
      let baseline: PackageContext['baselineProvenance'];
      if (v?.attestations && v.integrity) {
        verdict = await provenance.verify(p.name, v, errors);
        if (verdict?.status === 'verified') {
          const base = [...(history?.earlier(p.version) ?? [])].reverse().find((e) => e.attestations && e.integrity);
          const bv = base ? await provenance.verify(p.name, base, errors) : undefined;
          if (base && bv) baseline = { version: base.version, verdict: bv };
        }
      } else if (v && registry.trustData) {
        verdict = { status: 'absent' };
      }
      let signature: SignatureVerdict | undefined;
      const regKeys = keys.get(registry.url) ?? [];
      if (v?.integrity && regKeys.length) {
        signature = verifyRegistrySignature({ name: p.name, version: p.version, integrity: v.integrity, signatures: v.signatures }, regKeys, v.publishedAt);
      }
      const ctx: PackageContext = {
        name: p.name,
        version: p.version,
        locked: { integrity: p.integrity, resolved: p.resolved, source: p.source },
        history,
        registry,
        configuredHosts: trustedHosts(registries),
        provenance: verdict,
        baselineProvenance: baseline,
        signature,
        advisories: advisories.get(p.name) ?? [],
        now,
        cooldownMs: policy.cooldownDays * 86_400_000,
      };
      return { pkg: p, ctx };
    }),
  );

  // 5. Look inside the tarballs of the versions that warrant it, compared with the release before each.
  const index = new ProjectIndex(model);
  const incoming = incomingRanges(model);
  const rangeOf = (pkg: InstalledPackage) => rangeFor(index, incoming, pkg);
  const first = contexts.map(({ pkg, ctx }) => evaluatePackage(ctx, policy, rangeOf(pkg)));
  const mode = opts.content ?? 'auto';
  const targets = mode === 'off' ? [] : contexts.filter(({ pkg }, i) => mode === 'deep' || pkg.direct || first[i].findings.length > 0);
  const contents = await analyzeContents(targets, { http, cache, offline: opts.offline, signal: opts.signal, errors });
  for (const { ctx } of targets) ctx.contentFindings = contents.get(`${ctx.name}@${ctx.version}`)?.findings;

  // 6. Evaluate and place each finding in the files.
  const findings: LocatedFinding[] = [];
  const cards: TrustCard[] = [];
  const allowed: CheckReport['allowed'] = [];
  for (const [i, { pkg, ctx }] of contexts.entries()) {
    // Only versions whose tarballs said something need judging again.
    const evaluation = ctx.contentFindings?.length ? evaluatePackage(ctx, policy, rangeOf(pkg)) : first[i];
    for (const f of evaluation.findings) findings.push(locateFinding(index, f));
    const card = trustCard(ctx, evaluation.findings, evaluation.findings[0]?.safeVersion ?? ctx.version, sourceSpans(index, ctx.name, ctx.version));
    const content = contents.get(`${ctx.name}@${ctx.version}`);
    if (content) card.changes = { previous: content.previous, findings: content.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })), truncated: content.truncated };
    cards.push(card);
    for (const a of evaluation.allowed) allowed.push({ finding: a.finding, reason: a.allow.reason, expires: a.allow.expires });
  }
  // Packages from git or remote tarballs have no registry history; only their source is judged.
  for (const p of uniqueVersions(packages.filter((p) => p.source === 'git' || p.source === 'remote'))) {
    const ctx: PackageContext = {
      name: p.name,
      version: p.version,
      locked: { integrity: p.integrity, resolved: p.resolved, source: p.source },
      registry: { url: registries.defaultRegistry, trustData: false, hasKeys: false },
      configuredHosts: trustedHosts(registries),
      advisories: [],
      now,
      cooldownMs: policy.cooldownDays * 86_400_000,
    };
    for (const f of evaluatePackage(ctx, policy).findings) findings.push(locateFinding(index, { ...f, safeVersion: null }));
  }
  for (const r of facts.values()) {
    if (!r.trustData && !r.hasKeys) findings.push(trustMetadataUnavailable(r, model));
  }
  const notes: string[] = [];
  const trustNote = await provenance.note();
  if (trustNote) notes.push(trustNote);
  return {
    model,
    findings,
    cards,
    allowed,
    errors,
    notes,
    registries: [...facts.values()],
    policy,
    stats: { packages: packages.length, versions: versions.length, requests: http.requestCount, durationMs: Date.now() - started },
  };
}

function readPolicy(text: string | undefined, model: ProjectModel): Policy {
  if (text === undefined) return DEFAULT_POLICY;
  const { policy, problems } = parsePolicy(text);
  model.problems.push(...problems);
  return policy;
}

/** Registry packages: from a registry tarball, or a pnpm/yarn entry that records no URL but a semver version. */
function fromRegistry(p: InstalledPackage): boolean {
  if (p.source === 'registry') return true;
  return p.source === 'unknown' && !p.resolved && semver.valid(p.version) !== null;
}

function uniqueVersions(list: InstalledPackage[]): InstalledPackage[] {
  const seen = new Map<string, InstalledPackage>();
  for (const p of list) if (!seen.has(`${p.name}@${p.version}`)) seen.set(`${p.name}@${p.version}`, p);
  return [...seen.values()];
}

/** Hosts a lockfile may resolve registry packages from: the configured registries, and the public registry's own names. */
function trustedHosts(map: ReturnType<typeof registryMap>): string[] {
  return [...new Set([...configuredHosts(map), new URL(PUBLIC_REGISTRY).host, 'registry.yarnpkg.com'])];
}

/** For each package id, the semver range of the first lockfile edge that points at it. */
function incomingRanges(model: ProjectModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const other of model.lockfile?.packages ?? []) {
    for (const e of other.dependencies) if (e.to !== undefined && !out.has(e.to) && semver.validRange(e.spec)) out.set(e.to, e.spec);
  }
  return out;
}

/** The range the user's manifest (or the dependent's edge) allows for a package: where a safe version may come from. */
function rangeFor(index: ProjectIndex, incoming: Map<string, string>, pkg: InstalledPackage): string | undefined {
  const declared = index.manifestEntries(pkg).find((d) => d.spec.range && pkg.direct);
  return declared?.spec.range ?? incoming.get(pkg.id);
}

/** name → versions to ask advisories about: the locked ones and the newest few the history offers. */
function advisoryQuery(packages: InstalledPackage[], summaries: Map<string, PackageSummary>, now: Date): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const p of packages) {
    const set = out.get(p.name) ?? new Set<string>();
    set.add(p.version);
    out.set(p.name, set);
  }
  for (const [name, set] of out) {
    const s = summaries.get(name);
    if (!s) continue;
    const h = new History(s, now);
    const majors = new Set([...set].filter((v) => semver.valid(v)).map((v) => semver.major(v)));
    const newest = h.releases
      .map((r) => r.version)
      .filter((v) => majors.has(semver.major(v)) && !semver.prerelease(v))
      .sort(semver.rcompare)
      .slice(0, 5);
    for (const v of newest) set.add(v);
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}

function trustMetadataUnavailable(r: RegistryFacts, model: ProjectModel): LocatedFinding {
  const file = model.lockfile?.file ?? model.manifests[0]?.file ?? 'package.json';
  const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };
  return {
    code: 'trust-metadata-unavailable',
    severity: 'info',
    package: '*',
    version: '',
    message: `${r.url} serves no trust metadata (no publishers, signatures, attestations or keys): provenance and publisher checks are unknown for its packages, not failed`,
    evidence: [{ label: 'registry', value: r.url }],
    safeVersion: null,
    file,
    line: 1,
    locations: [{ kind: 'lockfile', file, line: 1, range: zero }],
    packageIds: [],
    direct: false,
    via: [],
  };
}

export type { Advisory };
