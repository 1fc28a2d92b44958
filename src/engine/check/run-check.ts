import { setMaxListeners } from 'node:events';
import type { InstalledPackage, Lockfile, ProjectModel, SourceRange } from '../../core/model';
import { buildProject } from '../../core/project';
import type { TrustCard } from '../../core/report/card';
import { type LocatedFinding, ProjectIndex, locateFinding, sourceSpans } from '../../core/report/locate';
import type { PackageContext } from '../../core/trust/context';
import { type Gap, entryGap, incompleteFindings, incompleteSeverity, placedAt, uncovered } from '../../core/trust/coverage';
import { ADVISORY_RULES, ALL_RULES, evaluatePackage } from '../../core/trust/evaluate';
import { type OwnPolicy, POLICY_FILE, type Policy, type PolicyDefaults, parsePolicy, policyFrom, quietedBy, untrustedPolicy } from '../../core/trust/policy';
import { fromRegistry, incomingRanges, lockedVersionsByName, rangeFor, trustMetadataUnavailable, uniqueVersions } from '../../core/trust/scope';
import type { Advisory, ProvenanceVerdict, Severity } from '../../core/trust/types';
import { type IdentityRecord, identityRecord } from '../../core/trust/identity-history';
import { atLeast } from '../../core/trust/severity';
import { quietGapMs } from '../../core/trust/baseline';
import { scopePublishers } from '../../core/trust/correlate';
import { burstTargets, correlateContexts } from './correlation-stage';
import { addDependencyHistories } from './new-dependencies';
import { type ContentResult, analyzeContents, pendingContentGap } from './content-stage';
import { Throttle } from '../infra/throttle';
import { cardFor } from '../session/evaluation-memo';
import { type GatherEnv, gatherAdvisoryEvidence, gatherEvidence, historyOf, signatureOf } from './gather-evidence';
import { readProjectFiles } from '../infra/project-files';
import { safeUrl } from '../registry/http';
import { resolveUnlocked } from './unlocked';
import { loadDowngradeBaseline } from './downgrade-baseline';
import { type StaleDependency, staleDependencies } from './stale';
import {
  type NpmConfig,
  PUBLIC_REGISTRY,
  type RegistryMap,
  configuredHosts,
  loadIgnoredRoutes,
  loadNpmConfig,
  registryFor,
  registryMap,
} from '../registry/npmrc';
import { WithheldNames } from './restricted';
import { type EngineParts, SESSION_TTL_MS, createParts } from '../session/session';
import type { CheckOptions, CheckReport, PackageError, PhaseTimes } from './types';

/** Runs every trust check on one project: parse → gather evidence → evaluate → locate. */
export async function runCheck(opts: CheckOptions): Promise<CheckReport> {
  const started = Date.now();
  // With a session, as of the current minute: checks within a minute then share their evaluations.
  const now = opts.now ?? (opts.session ? new Date(Math.floor(Date.now() / 60_000) * 60_000) : new Date());
  const signal = opts.signal;
  // Every request and wait of the check listens to its signal: thousands, legitimately.
  if (signal) setMaxListeners(0, signal);
  const phases: PhaseTimes = { read: 0, parse: 0, evidence: 0, evaluate: 0, content: 0, report: 0 };
  let mark = performance.now();
  const lap = (phase: keyof PhaseTimes) => {
    const t = performance.now();
    phases[phase] += Math.round((t - mark) * 10) / 10;
    mark = t;
  };
  const files = await readProjectFiles(opts.projectDir, opts.overlay);
  lap('read');
  const model = buildProject(opts.projectDir, files, opts.session?.parses);
  lap('parse');
  const { policy, own } = opts.policy
    ? { policy: opts.policy, own: undefined }
    : readPolicy(files.get(POLICY_FILE), model, opts.policyDefaults ?? {}, !!opts.untrustedProject);

  const { parts, registries, npmConfig, withheld } = await checkParts(opts, signal);
  // The lockfile the downgrade policy is anchored to: the command line's over the policy's.
  const anchorSpec = opts.signals === 'advisories' ? undefined : (opts.baseline ?? policy.downgrade?.baseline);
  const anchor = anchorSpec
    ? await loadDowngradeBaseline(anchorSpec, {
        projectDir: opts.projectDir,
        model,
        signal,
        ...(opts.baseline === undefined && policy.downgrade?.baselineAt ? { fromPolicy: policy.downgrade.baselineAt } : {}),
      })
    : undefined;
  const requestsBefore = parts.http.requestCount;
  lap('read');

  // What would be installed: the lockfile's entries, or, without a lockfile npm would use, what the manifests'
  // ranges resolve to now (their own dependencies are then unknown: a gap).
  const gaps: Gap[] = [];
  if (anchor?.gap) gaps.push(anchor.gap);
  const extra: LocatedFinding[] = [];
  const lock = model.lockfile;
  let installed = opts.packages ?? lock?.packages ?? [];
  if (lock?.rejected && !opts.packages) extra.push(lockfileIgnored(lock.file, lock.rejected, model));
  // A lockfile that is there but was not read (a link out of the project, a device, too large): what it locks is
  // unknown. Nothing is judged in its place (fresh resolutions would be other versions than it installs); one gap.
  const unreadLock = !lock && !opts.packages ? model.unreadLockfile : undefined;
  if (unreadLock)
    gaps.push({
      package: '*',
      version: '',
      signal: 'dependency-tree',
      source: unreadLock.file,
      reason: `${unreadLock.file} was not read (${unreadLock.reason}): nothing it locks is checked`,
      at: { file: unreadLock.file, range: ZERO_RANGE },
    });
  // How ranges are resolved as npm would (pacote), with or without a lockfile; the session keeps pacote's documents.
  const unlockedOpts = {
    npmConfig,
    before: opts.now,
    offline: opts.offline,
    cacheDir: opts.cacheDir,
    signal,
    timeoutMs: opts.timeoutMs,
    packuments: parts.pacotePackuments,
    withhold: withheld && ((name: string) => withheld.withhold({ name })),
  };
  if ((!lock || lock.rejected) && !opts.packages && !unreadLock) {
    const unlocked = await resolveUnlocked(model, unlockedOpts);
    installed = unlocked.packages;
    gaps.push(...unlocked.gaps);
    if (installed.length || unlocked.gaps.length) gaps.push(unlockedTreeGap(model));
  }
  // Edits judged as typed: a direct range the locked version does not satisfy, or a dependency the lockfile has no
  // entry for, is judged at the version the range resolves to now, on its package.json entry; the locked one stays
  // judged in the lockfile only.
  const stale = lock && !lock.rejected && !opts.packages ? staleDependencies(model) : [];
  if (stale.length) {
    const fresh = await resolveUnlocked(model, { ...unlockedOpts, only: stale.map((x) => ({ manifest: x.manifest, dependency: x.dependency })) });
    installed = [...detachStale(installed, stale, lock!), ...fresh.packages];
    gaps.push(...fresh.gaps, ...outdatedGaps(withheld ? stale.filter((x) => !withheld.has(x.name)) : stale, fresh.packages, model));
  }
  const unread = lock && !lock.rejected && !opts.packages ? unreadLockfile(model) : { gaps: [] };
  gaps.push(...unread.gaps);
  const packages = installed.filter((p) => {
    if (p === unread.cut) return false;
    // Restricted Mode: what the ignored .npmrc sends to a registry of its own is asked of nobody (one gap below).
    if (withheld && !LOCAL_SOURCES.has(p.source) && withheld.withhold(p)) return false;
    const gap = entryGap(p) ?? versionlessGap(p);
    if (gap) gaps.push(gap);
    return !gap;
  });
  const restrictedGap = withheld?.gap(model);
  if (restrictedGap) gaps.push(restrictedGap);
  const registryPackages = packages.filter(fromRegistry);
  const locked = lockedVersionsByName(registryPackages);
  const errors: PackageError[] = [];
  const env: GatherEnv = { parts, registries, now, signal, errors, gaps, opts, baselineGapMs: quietGapMs(policy.cooldownDays * 86_400_000) };
  const onlyAdvisories = opts.signals === 'advisories';
  const evidence = onlyAdvisories ? await gatherAdvisoryEvidence(env, locked) : await gatherEvidence(env, locked);
  const ruleSet = onlyAdvisories ? ADVISORY_RULES : ALL_RULES;
  lap('evidence');

  const versions = uniqueVersions(registryPackages);
  const hosts = trustedHosts(registries);
  const identities = onlyAdvisories ? NO_IDENTITIES : await rememberedIdentities(parts, registries, evidence.trust);
  const scopes = scopePublishers(evidence.histories);
  const contexts = versions.map((p) => {
    const history = evidence.histories.get(p.name);
    const registryUrl = registryFor(registries, p.name);
    const registry = evidence.facts.get(registryUrl) ?? { url: registryUrl, trustData: false, hasKeys: false };
    const v = history?.get(p.version);
    const trust = evidence.trust.get(`${p.name}@${p.version}`);
    const ctx: PackageContext = {
      name: p.name,
      version: p.version,
      locked: {
        integrity: p.integrity,
        resolved: p.resolved,
        source: p.source,
        ...(p.bundled ? { bundled: true } : {}),
        ...(p.conditions ? { conditional: true } : {}),
        ...(p.dev ? { dev: true } : {}),
      },
      history,
      ...(evidence.missing.has(p.name) ? { notOnRegistry: true } : {}),
      registry,
      configuredHosts: hosts,
      provenance: trust ? trust.provenance : v && registry.trustData ? ABSENT : undefined,
      baselineProvenance: trust?.baseline,
      ...(identities.get(p.name)?.length ? { identityHistory: identities.get(p.name) } : {}),
      signature: onlyAdvisories ? undefined : signatureOf(parts, p.name, v, evidence.keys.get(registry.url)),
      advisories: evidence.advisories.get(p.name) ?? NO_ADVISORIES,
      now,
      cooldownMs: policy.cooldownDays * 86_400_000,
      ...(policy.downgrade ? { downgrade: policy.downgrade } : {}),
      ...(anchor?.baseline ? { downgradeBaseline: { source: anchor.baseline.source, versions: anchor.baseline.versions.get(p.name) ?? NO_VERSIONS } } : {}),
      ...(scopes.get(p.name) ? { scopePublishers: scopes.get(p.name) } : {}),
    };
    return { pkg: p, ctx };
  });

  // The dependencies each version adds over its baseline, judged where they enter (new-dependency).
  if (!onlyAdvisories) {
    const load = async (name: string) => {
      try {
        return historyOf(parts, await parts.summary(name), now);
      } catch (e) {
        if ((e as { code?: string }).code === 'not-found') return undefined;
        throw e;
      }
    };
    await addDependencyHistories(contexts, evidence.histories, load, gaps);
  }

  // Look inside the tarballs of the versions that warrant it, compared with the release before each.
  const index = new ProjectIndex(model, installed);
  const incoming = lock && !lock.rejected && !opts.packages ? incomingOf(parts, model) : NO_INCOMING;
  const rangeOf = (pkg: InstalledPackage) => rangeFor(index, incoming, pkg);
  const policyKey = JSON.stringify(policy);
  const evaluate = (pkg: InstalledPackage, ctx: PackageContext) => parts.evaluations.evaluate(ctx, policy, policyKey, rangeOf(pkg), ruleSet);
  const first = contexts.map(({ pkg, ctx }) => evaluate(pkg, ctx));
  lap('evaluate');
  const mode = onlyAdvisories ? 'off' : (opts.content ?? 'auto');
  // Versions in a burst (by their dates) are looked inside too: correlation across packages needs their contents.
  const bursts = mode === 'auto' ? burstTargets(contexts, now) : NO_BURSTS;
  const targets =
    mode === 'off'
      ? []
      : contexts.filter(({ pkg, ctx }, i) => mode === 'deep' || pkg.direct || first[i].findings.length > 0 || bursts.has(`${ctx.name}@${ctx.version}`));
  const withContents = (found: Map<string, ContentResult>) => {
    for (const { ctx } of targets) ctx.contentFindings = found.get(`${ctx.name}@${ctx.version}`)?.findings;
    correlateContexts(contexts, found);
  };

  /** The report, with the contents analysed so far (`final`: all of them); `timed`: its time counts as the report phase. */
  const report = async (
    contents: ReadonlyMap<string, ContentResult>,
    gaps: Gap[],
    errors: PackageError[],
    final: boolean,
    timed = true,
  ): Promise<CheckReport> => {
    // Evaluate and place each finding in the files.
    const findings: LocatedFinding[] = [...extra];
    const cards: TrustCard[] = [];
    const allowed: CheckReport['allowed'] = [];
    const notChecked = gapsByVersion(gaps);
    const remembering: Promise<void>[] = [];
    for (const [i, { pkg, ctx }] of contexts.entries()) {
      // Only versions whose tarballs (or the correlation across packages) said something need judging again.
      const evaluation = ctx.contentFindings?.length || ctx.correlatedFindings?.length ? evaluate(pkg, ctx) : first[i];
      for (const f of evaluation.findings) findings.push(locateFinding(index, f));
      // Every evaluation here comes from the memo, keyed by its whole context: one card per evaluation.
      const placed = cardFor(parts.evaluations, ctx, evaluation, sourceSpans(index, ctx.name, ctx.version));
      const content = contents.get(`${ctx.name}@${ctx.version}`);
      const withChanges = content
        ? {
            ...placed,
            changes: {
              previous: content.previous,
              findings: content.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
              truncated: content.truncated,
            },
          }
        : placed;
      const missed = notChecked.get(`${ctx.name}@${ctx.version}`);
      cards.push(missed ? { ...withChanges, notChecked: missed } : withChanges);
      for (const a of evaluation.allowed) allowed.push({ finding: a.finding, reason: a.allow.reason, expires: a.allow.expires });
      if (!onlyAdvisories && final) remembering.push(rememberIdentities(parts, ctx, evaluation.findings));
    }
    // Packages from git or remote tarballs have no registry history; only their source is judged.
    if (!onlyAdvisories) {
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
      for (const r of evidence.facts.values()) {
        if (!r.trustData && !r.hasKeys) findings.push(trustMetadataUnavailable(r, model));
      }
    }
    // Everything that could not be judged, said out loud: one finding per version, one per failed source.
    const incomplete = incompleteFindings(gaps, index, { policy, severity: incompleteSeverity(policy, !!opts.allowIncomplete), now });
    findings.push(...incomplete.findings);
    for (const a of incomplete.allowed) allowed.push({ finding: a.finding, reason: a.allow.reason, expires: a.allow.expires });
    const notes: string[] = [];
    const trustNote = evidence.trust.size ? await parts.provenance.note() : undefined;
    if (trustNote) notes.push(trustNote);
    const tagsOnly = [...evidence.histories.values()].filter((h) => parts.confirmedByTagsOnly(h.summary));
    if (tagsOnly.length) {
      // Said, not silent: what such a history cannot show yet (see PackumentSource).
      const registriesOf = [...new Set(tagsOnly.map((h) => h.summary.registry))].map(safeUrl).join(', ');
      notes.push(
        `${tagsOnly.length} package ${tagsOnly.length === 1 ? 'history was' : 'histories were'} confirmed by ${tagsOnly.length === 1 ? 'its' : 'their'} dist-tags only (${registriesOf} sends no ETag and no abbreviated documents): a new version is seen at once, a deprecation or an unpublished untagged version within a day, when each is read in full again`,
      );
    }
    for (const x of npmConfig.sends ?? []) {
      // A repository could name a host of its own to collect a CI secret: said, with names only, never the value.
      notes.push(
        `the project's .npmrc sends the value of \${${x.variable}} to ${x.host} (${x.key}); if this checkout is not trusted, run with --untrusted-project (or --ignore-project-npmrc)`,
      );
    }
    if (own && opts.untrustedProject) {
      const n = quietedBy(own, findings, now);
      if (n)
        notes.push(
          `${n} ${n === 1 ? 'finding' : 'findings'} would be hidden or lowered by this repository's ${POLICY_FILE}, which is not applied until the folder is trusted`,
        );
    }
    if (final) {
      // Cache writes ran in the background; they are on disk before the caller (e.g. the CLI, about to exit) goes on.
      await Promise.all(remembering);
      await parts.cache?.flush();
    }
    if (timed) lap('report');
    return {
      model,
      findings,
      cards,
      allowed,
      errors,
      notChecked: uncovered(gaps),
      resolution: !lock ? (model.unreadLockfile ? 'lockfile-unread' : 'no-lockfile') : lock.rejected ? 'lockfile-ignored' : 'locked',
      notes,
      registries: [...evidence.facts.values()],
      policy,
      stats: {
        packages: packages.length,
        versions: versions.length,
        requests: parts.http.requestCount - requestsBefore,
        durationMs: Date.now() - started,
        phases: final ? phases : { ...phases },
      },
    };
  };

  // The editor's early result: when analyses are still to run, what is known without them, those shown as pending.
  let progress: ((key: string, done: ReadonlyMap<string, ContentResult>) => void) | undefined;
  let updates: Throttle | undefined;
  if (opts.onPartial && targets.length && !signal?.aborted) {
    const early = { gaps: [...gaps], errors: [...errors] };
    const known = await analyzeContents(targets, { analyses: parts.contents, signal, errors: early.errors, gaps: early.gaps, knownOnly: true });
    if (early.gaps.some((g) => g.pending) && !signal?.aborted) {
      withContents(known);
      lap('content');
      await opts.onPartial(await report(known, early.gaps, early.errors, false));
      // Then, while the rest is analysed, what is settled so far: at most every partialIntervalMs, and at most a
      // twentieth of the time on making and sending them (the analyses share this thread). (Every 2 s, compass's
      // content phase took 2-4 s longer for 12 updates.) Settled from the start: what the early result had, and
      // versions with nothing to analyse (no history).
      const settled = new Set([...known.keys(), ...targets.filter(({ ctx }) => !ctx.history?.get(ctx.version)).map(({ ctx }) => `${ctx.name}@${ctx.version}`)]);
      let results: ReadonlyMap<string, ContentResult> = known;
      const onPartial = opts.onPartial;
      const throttle = new Throttle(
        async () => {
          const snapshot = new Map(results);
          const pending = targets.filter(({ ctx }) => !settled.has(`${ctx.name}@${ctx.version}`));
          withContents(snapshot);
          const r = await report(snapshot, [...gaps, ...pending.map(({ ctx }) => pendingContentGap(ctx.name, ctx.version))], [...errors], false, false);
          if (!throttle.stopped && !signal?.aborted) await onPartial(r);
        },
        {
          intervalMs: opts.partialIntervalMs ?? 5000,
          share: 1 / 20,
          // An update that could not be made or sent is not the check's failure: the full result follows.
          onError: (e) => opts.log?.(`an intermediate result was not sent: ${(e as Error).message}`),
        },
      );
      updates = throttle;
      progress = (key, done) => {
        results = done;
        if (settled.has(key)) return; // known already (the early result had it)
        settled.add(key);
        throttle.changed();
      };
    }
  }
  let contents: Map<string, ContentResult>;
  try {
    contents = await analyzeContents(targets, { analyses: parts.contents, signal, errors, gaps, settled: progress });
  } finally {
    // An update being made or sent goes first: results arrive in order, the full one last.
    await updates?.stop();
  }
  withContents(contents);
  lap('content');
  return report(contents, gaps, errors, true);
}

/** Sources whose checks ask no server about the package: its name goes nowhere. */
const LOCAL_SOURCES: ReadonlySet<InstalledPackage['source']> = new Set(['git', 'file', 'link', 'workspace']);
const ABSENT: ProvenanceVerdict = Object.freeze({ status: 'absent' });
const NO_INCOMING: Map<string, string> = new Map();
const NO_BURSTS: ReadonlySet<string> = new Set();
const NO_VERSIONS: readonly string[] = Object.freeze([]);
const NO_IDENTITIES: ReadonlyMap<string, readonly IdentityRecord[]> = new Map();

/** The remembered workflow identities of every package with a verified provenance in this check. */
async function rememberedIdentities(
  parts: EngineParts,
  registries: RegistryMap,
  trust: ReadonlyMap<string, { provenance: ProvenanceVerdict }>,
): Promise<Map<string, readonly IdentityRecord[]>> {
  const names = new Set<string>();
  for (const [key, t] of trust) if (t.provenance.status === 'verified') names.add(key.slice(0, key.lastIndexOf('@')));
  const out = new Map<string, readonly IdentityRecord[]>();
  await Promise.all([...names].map(async (name) => out.set(name, await parts.identities.get(registryFor(registries, name), name))));
  return out;
}

/** Findings that keep a release's identity out of the remembered history (it would excuse the next such release). */
const IDENTITY_CODES: ReadonlySet<string> = new Set(['provenance-workflow-changed', 'provenance-source-changed', 'provenance-invalid']);

/**
 * Remembers the identities this check verified: the provenance baseline's (chosen as not flagged), and the judged
 * release's unless it is flagged (an identity finding at medium or above, or any finding at high or above).
 */
function rememberIdentities(parts: EngineParts, ctx: PackageContext, findings: readonly { code: string; severity: Severity }[]): Promise<void> {
  const records: IdentityRecord[] = [];
  const base = ctx.baselineProvenance;
  if (base?.verdict.status === 'verified') {
    const r = identityRecord(base.version, base.verdict.provenance, ctx.history?.get(base.version)?.publisher?.approver?.name);
    if (r) records.push(r);
  }
  const flagged = findings.some((f) => atLeast(f.severity, 'high') || (IDENTITY_CODES.has(f.code) && atLeast(f.severity, 'medium')));
  if (ctx.provenance?.status === 'verified' && !flagged) {
    const r = identityRecord(ctx.version, ctx.provenance.provenance, ctx.history?.get(ctx.version)?.publisher?.approver?.name);
    if (r) records.push(r);
  }
  return parts.identities.remember(ctx.registry.url, ctx.name, records);
}

/** `lockfile-ignored`: npm would refuse the lockfile's text, ignore it and resolve fresh versions. */
function lockfileIgnored(file: string, rejected: { message: string; range: SourceRange }, model: ProjectModel): LocatedFinding {
  return placedAt(
    {
      code: 'lockfile-ignored',
      severity: 'high',
      package: '*',
      version: '',
      message: `npm refuses ${file} (${rejected.message}), so it ignores the lockfile and installs the newest versions your ranges allow: TrustLens judged those, not the ones the file lists`,
      evidence: [
        { label: 'npm reads it with', value: 'JSON.parse (no comments, no trailing commas)' },
        { label: 'where it fails', value: `${file}:${rejected.range.start.line + 1}:${rejected.range.start.character + 1}` },
      ],
      safeVersion: null,
    },
    model,
    { file, range: rejected.range },
  );
}

/**
 * The lockfile's entries for stale manifest entries, no longer placed on those entries: not direct for those
 * importers any more (direct only if another importer's lockfile edge still points at them), and the dependency paths
 * that start at them dropped, so neither the old version nor what it brings in shows on the package.json entry.
 * They stay judged on their lockfile lines. Copies: the parsed lockfile is shared between checks.
 */
function detachStale(installed: InstalledPackage[], stale: StaleDependency[], lock: Lockfile): InstalledPackage[] {
  const cut = new Map<string, Set<string>>();
  for (const s of stale) if (s.locked) cut.set(s.locked.id, (cut.get(s.locked.id) ?? new Set()).add(s.manifest.dir));
  if (!cut.size) return installed;
  return installed.map((p) => {
    const paths = p.paths.filter((path) => !(path.length > 1 && cut.get(path[1])?.has(path[0])));
    const dirs = cut.get(p.id);
    if (!dirs) return paths.length === p.paths.length ? p : { ...p, paths };
    const direct = lock.importers.some((i) => !dirs.has(i.id) && i.dependencies.some((e) => e.to === p.id));
    return { ...p, paths, direct, workspaces: p.workspaces.filter((w) => !dirs.has(w)) };
  });
}

/** One "lockfile out of date" gap per stale entry, on its package.json entry, naming what was judged instead. */
function outdatedGaps(stale: StaleDependency[], fresh: InstalledPackage[], model: ProjectModel): Gap[] {
  const lockfile = model.lockfile?.file ?? 'the lockfile';
  const install = `${model.packageManager ?? 'npm'} install`;
  return stale.map((s) => {
    const d = s.dependency;
    const judged = fresh.find((p) => p.file === s.manifest.file && p.range.startOffset === d.keyRange.startOffset);
    const why = s.locked
      ? `${lockfile} locks ${s.name}@${s.locked.version}, which ${JSON.stringify(d.spec.raw)} does not allow`
      : `${lockfile} has no entry for ${d.name}@${d.spec.raw}`;
    const instead = judged
      ? `: judged ${judged.name}@${judged.version}, what the range resolves to now; what it depends on is not checked until ${install} updates the lockfile`
      : `; until ${install} updates it, nothing is known about what will be installed`;
    return {
      package: s.name,
      version: judged?.version ?? '',
      signal: 'lockfile-outdated',
      reason: `${why}${instead}`,
      at: { file: s.manifest.file, range: d.keyRange },
    };
  });
}

/** Without a lockfile (or with one npm ignores), what the direct dependencies depend on is not known. */
function unlockedTreeGap(model: ProjectModel): Gap {
  const reason = model.lockfile
    ? `${model.lockfile.file} is ignored by npm: only the direct dependencies were judged, as their ranges resolve now; what they depend on was not`
    : 'there is no lockfile: only the direct dependencies were judged, as their ranges resolve now; what they depend on was not (commit a lockfile to judge every installed version)';
  return {
    package: '*',
    version: '',
    signal: 'dependency-tree',
    source: model.lockfile?.file ?? 'lockfile',
    reason,
    at: model.manifests[0] ? { file: model.manifests[0].file, range: ZERO_RANGE } : undefined,
  };
}

const ZERO_RANGE: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };

/**
 * A lockfile that could not be read to its end (a syntax error, a truncated file): the entries beyond what was read
 * are unknown, and so is the entry the file breaks off in (its last field may be cut short: a half integrity hash
 * would read as a tampered tarball). That entry is not judged.
 */
function unreadLockfile(model: ProjectModel): { gaps: Gap[]; cut?: InstalledPackage } {
  const lock = model.lockfile;
  const bad = lock?.problems.find((p) => p.severity === 'error' && p.code !== 'merge-conflict' && p.file === lock.file);
  // Only a syntax error cuts an entry short; a problem the parser reported about an entry says so itself.
  const syntax = bad && (bad.code === 'invalid-json' || bad.code === 'invalid-yaml');
  if (!lock || !bad) return { gaps: [] };
  const gaps: Gap[] = [
    {
      package: '*',
      version: '',
      signal: 'dependency-tree',
      source: lock.file,
      reason: `${lock.file} could not be read in full (line ${bad.range.start.line + 1}: ${bad.message}): entries it holds beyond what was read are not checked`,
      at: { file: lock.file, range: bad.range },
    },
  ];
  let cut: InstalledPackage | undefined;
  for (const p of syntax ? lock.packages : [])
    if (p.file === lock.file && p.range.startOffset <= bad.range.startOffset && (!cut || p.range.startOffset > cut.range.startOffset)) cut = p;
  if (cut)
    gaps.push({
      package: cut.name,
      version: cut.version,
      signal: 'lockfile-entry',
      reason: `${lock.file} breaks off in or after this entry (line ${bad.range.start.line + 1}), so its fields may be cut short`,
      at: { file: cut.file, range: cut.range },
    });
  return { gaps, cut };
}

/** A registry entry that names no version cannot be judged (git, tarball URLs and local folders need none). */
function versionlessGap(p: InstalledPackage): Gap | undefined {
  if (p.version !== '' || p.source === 'git' || p.source === 'remote' || p.source === 'link' || p.source === 'file' || p.source === 'workspace')
    return undefined;
  return {
    package: p.name,
    version: '',
    signal: 'lockfile-entry',
    reason: `the lockfile entry ${p.id} names no version`,
    at: { file: p.file, range: p.range },
  };
}

/** name@version → what was not checked about it, for its hover card. */
function gapsByVersion(gaps: Gap[]): Map<string, NonNullable<TrustCard['notChecked']>> {
  const out = new Map<string, NonNullable<TrustCard['notChecked']>>();
  for (const g of gaps) {
    if (g.package === '*') continue;
    const key = `${g.package}@${g.version}`;
    out.set(key, [...(out.get(key) ?? []), { signal: g.signal, reason: g.reason, ...(g.pending ? { pending: g.pending } : {}) }]);
  }
  return out;
}
const NO_ADVISORIES: Advisory[] = Object.freeze([]) as unknown as Advisory[];

/**
 * The project's `.trustlens.jsonc` over `defaults`; its problems join the model's (the editor shows them in place).
 * In an untrusted folder the file may only make TrustLens stricter: what it asked for beyond that is one problem at
 * the top of the file.
 */
function readPolicy(text: string | undefined, model: ProjectModel, defaults: PolicyDefaults, untrusted: boolean): { policy: Policy; own?: OwnPolicy } {
  if (text === undefined) return { policy: policyFrom(defaults) };
  const { policy, own, problems } = parsePolicy(text, POLICY_FILE, defaults);
  model.problems.push(...problems);
  if (!untrusted) return { policy, own };
  const restricted = untrustedPolicy(own, policyFrom(defaults));
  if (restricted.ignored.length) {
    model.problems.push({
      code: 'policy-ignored',
      severity: 'warning',
      file: POLICY_FILE,
      range: ZERO_RANGE,
      message: `Restricted Mode: this repository's policy may only make TrustLens stricter until you trust the folder; not applied: ${restricted.ignored.join(', ')}`,
    });
  }
  return { policy: restricted.policy, own };
}

/** Hosts a lockfile may resolve registry packages from: the configured registries, and the public registry's own names. */
function trustedHosts(map: ReturnType<typeof registryMap>): string[] {
  return [...new Set([...configuredHosts(map), new URL(PUBLIC_REGISTRY).host, 'registry.yarnpkg.com'])];
}

/** The first edge range into each package, once per lockfile parse. */
function incomingOf(parts: EngineParts, model: ProjectModel): Map<string, string> {
  const lock = model.lockfile;
  if (!lock) return incomingRanges(model);
  let known = parts.incoming.get(lock);
  if (!known) parts.incoming.set(lock, (known = incomingRanges(model)));
  return known;
}

/** The registry signature verdict, remembered per version summary and key set (both stable within a session). */

/**
 * The I/O parts a check with these options uses: the session's for this configuration (HTTP sockets, memoised
 * summaries, keys, verdicts, advisories), else new ones ended by `signal`.
 */
export async function checkParts(
  opts: CheckOptions,
  signal: AbortSignal | undefined,
): Promise<{ parts: EngineParts; registries: RegistryMap; npmConfig: NpmConfig; withheld?: WithheldNames }> {
  const npmConfig = await loadNpmConfig({
    projectDir: opts.projectDir,
    env: opts.env,
    ignoreProject: opts.ignoreProjectNpmrc,
    overrides: opts.registry ? { registry: opts.registry } : undefined,
  });
  const registries = registryMap(npmConfig);
  const partsConfig = {
    npmConfig,
    registries,
    offline: opts.offline,
    cacheDir: opts.cacheDir,
    trust: opts.trust,
    advisories: opts.advisories,
    concurrency: opts.concurrency,
    timeoutMs: opts.timeoutMs,
    ttlMs: opts.cacheTtlMs,
    contentLimits: opts.contentLimits,
    log: opts.log,
  };
  // Restricted Mode: the ignored .npmrc is read for one thing only, which names it routes elsewhere (sent nowhere).
  const routes = opts.ignoreProjectNpmrc ? await loadIgnoredRoutes(opts.projectDir) : undefined;
  const withheld = routes && new WithheldNames(routes, registries);
  return { parts: opts.session ? opts.session.parts(partsConfig) : createParts(partsConfig, signal, SESSION_TTL_MS), registries, npmConfig, withheld };
}

export type { Advisory, CheckOptions, CheckReport, PackageError, PhaseTimes };
