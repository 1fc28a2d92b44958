import type { RegistryFacts } from '../../core/trust/context';
import type { Gap } from '../../core/trust/coverage';
import { History } from '../../core/trust/history';
import { isAffected } from '../../core/trust/affected';
import { advisoryQuery } from '../../core/trust/scope';
import type { Advisory, PackageSummary, ProvenanceVerdict, SignatureVerdict, VersionSummary } from '../../core/trust/types';
import { gatherAdvisories } from '../advisories/sources';
import type { CheckOptions, PackageError } from './types';
import { EngineError, isAbort } from '../infra/errors';
import { type RegistryMap, isPrivateName, registryFor } from '../registry/npmrc';
import type { EngineParts } from '../session/session';
import { type RegistryKey, verifyRegistrySignature } from '../sigstore/registry-signatures';
import { provenanceBaseline, quietGapMs } from '../../core/trust/baseline';

export interface GatherEnv {
  parts: EngineParts;
  registries: RegistryMap;
  now: Date;
  signal?: AbortSignal;
  errors: PackageError[];
  /** What could not be judged is added here. */
  gaps: Gap[];
  opts: CheckOptions;
  /** The quiet gap a baseline must be published before (see core/trust/baseline.ts). */
  baselineGapMs?: number;
}

/** A locked version's Sigstore evidence: its verdict, and the verified one of the release it is compared with. */
export interface VersionTrust {
  provenance: ProvenanceVerdict;
  baseline?: { version: string; verdict: ProvenanceVerdict };
}

/** Everything the rules need besides the project itself. */
export interface Evidence {
  histories: Map<string, History>;
  facts: Map<string, RegistryFacts>;
  keys: Map<string, RegistryKey[]>;
  advisories: Map<string, Advisory[]>;
  /** name@version → Sigstore evidence, for the versions that have attestations. */
  trust: Map<string, VersionTrust>;
  /** Names the registry answered 404 for: it has no such package at all. */
  missing: Set<string>;
}

/**
 * Every signal, pipelined: keys are asked at once, each version's attestations as soon as its packument is in
 * (while other packuments are still coming), advisories when every history is known (the safe-version candidates
 * come from them).
 */
export async function gatherEvidence(env: GatherEnv, locked: Map<string, string[]>): Promise<Evidence> {
  const { parts, registries, signal } = env;
  const names = [...locked.keys()];
  const registryUrls = [...new Set(names.map((n) => registryFor(registries, n)))];
  const keyJobs = new Map(registryUrls.map((url) => [url, parts.keys(url, signal)]));
  for (const job of keyJobs.values()) job.catch(() => undefined);

  const trustJobs = new Map<string, Promise<VersionTrust>>();
  const missing = new Set<string>();
  const histories = await loadHistories(env, locked, names, missing, (name, history) => {
    // The registry's signatures on the locked versions are checked now, while other packuments are on their way
    // (~0.08 ms each: 130 ms of a 1,800-package scan's tail otherwise); the evaluation finds the verdicts memoised.
    void keyJobs.get(registryFor(registries, name))?.then(
      (keys) => {
        for (const version of locked.get(name) ?? []) signatureOf(parts, name, history.get(version), keys);
      },
      () => undefined,
    );
    for (const version of locked.get(name) ?? []) {
      const job = versionTrust(env, name, version, history);
      if (!job) continue;
      job.catch(() => undefined); // awaited below; this only keeps an early abort from being "unhandled"
      trustJobs.set(`${name}@${version}`, job);
    }
  });

  const keys = new Map<string, RegistryKey[]>();
  const facts = new Map<string, RegistryFacts>();
  for (const url of registryUrls) {
    const read = [...histories.values()].filter((h) => h.summary.registry === url);
    // Decided from what only the registry writes (a package's own package.json may list maintainers).
    const trustData = read.some((h) => h.summary.trustMetadata.publisher || h.summary.trustMetadata.signatures || h.summary.trustMetadata.attestations);
    const carriesSignatures = read.some((h) => h.summary.trustMetadata.signatures);
    if (carriesSignatures) parts.signs.remember(url);
    const signs = carriesSignatures || (await parts.signs.known(url));
    let failure: string | undefined;
    const k = await keyJobs.get(url)!.catch((e: unknown) => {
      if (isAbort(e, signal)) throw e;
      failure = (e as Error).message;
      return undefined;
    });
    if (k?.length) keys.set(url, k);
    else if (signs && read.length) {
      // The registry signs its packages, but its keys could not be had: every signature of it is unknown, not absent.
      const reason = failure ?? `${url}-/npm/v1/keys answered no keys, although the registry signs its packages`;
      env.gaps.push({ package: '*', version: '', signal: 'registry-signature', source: `${url}-/npm/v1/keys`, reason });
    }
    // A registry none of whose packuments could be read is not known to lack trust data: it is simply unknown.
    if (read.length) facts.set(url, { url, trustData, hasKeys: (k?.length ?? 0) > 0 });
  }

  const advisories = await advisoriesFor(env, advisoryQuery(locked, histories, parts.newest));
  const trust = new Map<string, VersionTrust>();
  for (const [key, job] of trustJobs) {
    const t = await job;
    trust.set(key, t);
    if (t.provenance.status === 'unknown') {
      const at = key.lastIndexOf('@');
      env.gaps.push({
        package: key.slice(0, at),
        version: key.slice(at + 1),
        signal: 'provenance',
        reason: t.provenance.reason ?? 'the attestations could not be verified',
      });
    }
  }
  return { histories, facts, keys, advisories, trust, missing };
}

/**
 * `--advisories-only`: what npm audit does. Advisories for the locked versions first; packuments only for the
 * names an advisory hits (their histories give the safe-version candidates, which are then asked about too).
 */
export async function gatherAdvisoryEvidence(env: GatherEnv, locked: Map<string, string[]>): Promise<Evidence> {
  const first = await advisoriesFor(env, locked);
  const hit = [...locked].filter(([name, versions]) => (first.get(name) ?? []).some((a) => versions.some((v) => isAffected(a.affected, v))));
  const missing = new Set<string>();
  const histories = await loadHistories(
    env,
    locked,
    hit.map(([name]) => name),
    missing,
  );
  const advisories = await advisoriesFor(env, advisoryQuery(locked, histories, env.parts.newest));
  return { histories, facts: new Map(), keys: new Map(), advisories, trust: new Map(), missing };
}

/**
 * One packument per name, all at once (the limiter paces them); `onHistory` runs as each arrives. A name the
 * registry has no package for goes to `missing`; one whose packument could not be read leaves its locked versions
 * not judged (gaps).
 */
async function loadHistories(
  env: GatherEnv,
  locked: Map<string, string[]>,
  names: string[],
  missing: Set<string>,
  onHistory?: (name: string, history: History) => void,
): Promise<Map<string, History>> {
  const { parts, signal, errors, now } = env;
  const histories = new Map<string, History>();
  let done = 0;
  let failures = 0;
  await Promise.all(
    names.map(async (name) => {
      let summary: PackageSummary;
      try {
        summary = await parts.summary(name, { signal });
        // A remembered history (memo or disk, up to 5 minutes old) may predate a version the lockfile now names.
        const known = summary.versions;
        const old = Date.now() - Date.parse(summary.fetchedAt) > 60_000;
        if (old && (locked.get(name) ?? []).some((v) => !Object.hasOwn(known, v))) summary = await parts.summary(name, { fresh: true, signal });
      } catch (e) {
        if (isAbort(e, signal)) throw e;
        const err = e as EngineError;
        if (err.code === 'not-found') {
          missing.add(name);
          return;
        }
        errors.push({ package: name, code: err.code ?? 'error', message: err.message });
        for (const version of locked.get(name) ?? []) env.gaps.push({ package: name, version, signal: 'registry-history', reason: err.message });
        if (err.code === 'registry-unreachable' || err.code === 'timeout') failures++;
        return;
      } finally {
        env.opts.onProgress?.(++done, names.length);
      }
      const history = historyOf(parts, summary, now);
      histories.set(name, history);
      onHistory?.(name, history);
    }),
  );
  if (names.length > 0 && failures === names.length) {
    throw new EngineError('registry-unreachable', errors.find((e) => e.code === 'registry-unreachable' || e.code === 'timeout')!.message);
  }
  return histories;
}

/**
 * The history of a summary as of `now`, reused while no version of it was published between the instant it was
 * cut at and `now` (the same history object then also keeps the evaluations made with it).
 */
export function historyOf(parts: EngineParts, summary: PackageSummary, now: Date): History {
  const t = now.getTime();
  const known = parts.histories.get(summary);
  if (known && t >= known.history.now.getTime() && t < known.until) return known.history;
  const history = new History(summary, now);
  parts.histories.set(summary, { history, until: history.nextPublishMs });
  return history;
}

/**
 * Verifies a version's attestations and those of its provenance baseline (the first release with attestations in
 * baseline order: same line, before the quiet gap, not flagged; see core/trust/baseline.ts), the one it is
 * compared with when its own verify. Both are fetched and verified at once (the baseline is known from the history):
 * one after the other, a scan's tail was two request round trips and two verifications long. The baseline's
 * verdict (and its errors) count only when the version's own verify; otherwise it cost one request.
 */
function versionTrust(env: GatherEnv, name: string, version: string, history: History): Promise<VersionTrust> | undefined {
  const v = history.get(version);
  if (!v?.attestations || !v.integrity) return undefined;
  const { parts, errors, signal } = env;
  const base = provenanceBaseline(history, version, env.baselineGapMs ?? quietGapMs(0));
  const baseErrors: PackageError[] = [];
  const baseJob = base && parts.provenance.verify(name, base, baseErrors, signal);
  baseJob?.catch(() => undefined); // awaited below, or not needed
  return (async () => {
    const provenance = await parts.provenance.verify(name, v, errors, signal);
    if (provenance.status !== 'verified' || !base || !baseJob) return { provenance };
    const verdict = await baseJob;
    errors.push(...baseErrors);
    return { provenance, baseline: { version: base.version, verdict } };
  })();
}

/**
 * Advisories for `query` from every configured source, asking only what this session has not asked yet. Names in
 * private scopes never leave for public services (gatherAdvisories enforces it).
 */
async function advisoriesFor(env: GatherEnv, query: Map<string, string[]>): Promise<Map<string, Advisory[]>> {
  const { parts, errors } = env;
  const missing = parts.advisories.missing(query);
  if (missing.size === 0) return parts.advisories.lookup(query.keys());
  const before = errors.length;
  const answer = await gatherAdvisories(missing, {
    config: env.opts.advisories ?? { npm: true, osv: false },
    registries: env.registries,
    isPrivate: (n) => isPrivateName(env.registries, n),
    signal: env.signal,
    offline: env.opts.offline,
    errors,
    gaps: env.gaps,
    http: parts.http,
    endpoints: parts.advisories,
  });
  // Remember only complete answers: after a failed source, the next check asks again.
  if (errors.length === before) {
    parts.advisories.record(missing, answer);
    return parts.advisories.lookup(query.keys());
  }
  const out = parts.advisories.lookup(query.keys());
  for (const [name, list] of answer) out.set(name, [...(out.get(name) ?? []), ...list]);
  return out;
}

/** The registry signature verdict of one version under `keys`, memoised per version summary and key set. */
export function signatureOf(parts: EngineParts, name: string, v: VersionSummary | undefined, keys: RegistryKey[] | undefined): SignatureVerdict | undefined {
  if (!v?.integrity || !keys?.length) return undefined;
  const known = parts.signatures.get(v);
  if (known?.keys === keys) return known.verdict;
  const verdict = verifyRegistrySignature({ name, version: v.version, integrity: v.integrity, signatures: v.signatures }, keys, v.publishedAt);
  parts.signatures.set(v, { keys, verdict });
  return verdict;
}
