import * as semver from 'semver';
import type { PackageContext, RawFinding, Rule } from '../context';
import { baselineEvidence, baselineOf } from '../baseline';
import { scopeOf } from '../correlate';
import { describeAge } from '../history';
import { POPULAR_NAMES } from '../popular';
import { installScriptsOf } from '../scripts';
import { nonRegistrySpec } from '../specs';

export { nonRegistrySpec };
import type { Severity, VersionSummary } from '../types';

/** A dependency first published less than this before the release that adds it is "hours old". */
const YOUNG_MS = 7 * 86_400_000;

/** Dependencies that install with the package: runtime, optional and peer (npm 7+ installs peers). */
export function installedDependencies(v: VersionSummary): Record<string, string> {
  return { ...v.peerDependencies, ...v.dependencies, ...v.optionalDependencies };
}

export interface AddedDependency {
  /** The name it is installed under. */
  name: string;
  spec: string;
  section: string;
  /** The registry package it installs: `name`, or the target of an `npm:other@range` alias. */
  target: string;
  /** The range (or tag) within `target`. */
  range: string;
}

/** `npm:other@^1` → other, ^1; anything else is the dependency's own name and spec. */
function aliasTarget(name: string, spec: string): { target: string; range: string } {
  const m = /^npm:((?:@[^/@\s]+\/)?[^/@\s]+)(?:@(.*))?$/i.exec(spec.trim());
  return m ? { target: m[1], range: m[2] || 'latest' } : { target: name, range: spec };
}

/** By release, then by its baseline release: what it adds (summaries never change, so neither does the answer). */
const addedMemo = new WeakMap<VersionSummary, WeakMap<VersionSummary, readonly AddedDependency[]>>();

/** The dependencies a release adds over its baseline (any installing section), or none without a baseline. */
export function addedDependencies(ctx: PackageContext): readonly AddedDependency[] {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  const base = baselineOf(ctx);
  const prev = base ? h!.get(base.version) : undefined;
  if (!v || !prev) return [];
  let byBaseline = addedMemo.get(v);
  if (!byBaseline) addedMemo.set(v, (byBaseline = new WeakMap()));
  let added = byBaseline.get(prev);
  if (!added) byBaseline.set(prev, (added = addedOver(v, prev)));
  return added;
}

function addedOver(v: VersionSummary, prev: VersionSummary): AddedDependency[] {
  const before = installedDependencies(prev);
  const out: AddedDependency[] = [];
  for (const [section, list] of [
    ['optionalDependencies', v.optionalDependencies],
    ['peerDependencies', v.peerDependencies],
    ['dependencies', v.dependencies],
  ] as const) {
    for (const [name, spec] of Object.entries(list ?? {})) {
      // A dependency kept under the same name but pointed at another package (`npm:` alias) is a new dependency too.
      const was = Object.prototype.hasOwnProperty.call(before, name) ? aliasTarget(name, before[name]).target : undefined;
      const { target, range } = aliasTarget(name, spec);
      if (was !== target && !out.some((d) => d.name === name)) out.push({ name, spec, section, target, range });
    }
  }
  return out;
}

/** One edit (insert, delete, substitute or swap two neighbours) between a and b. */
function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    const diff = [...a].map((c, i) => (c === b[i] ? -1 : i)).filter((i) => i >= 0);
    return diff.length === 1 || (diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]]);
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  for (let i = 0; i < l.length; i++) if (s === l.slice(0, i) + l.slice(i + 1)) return true;
  return false;
}

const bareName = (n: string) => n.replace(/^@[^/]+\//, '').replace(/[-_.]/g, '');

/** The popular names by length (one edit changes the length by at most one) and by bare name, made once. */
let popularIndex: { byLength: Map<number, string[]>; byBare: Map<string, string[]> } | undefined;
function popular(): NonNullable<typeof popularIndex> {
  if (popularIndex) return popularIndex;
  const byLength = new Map<number, string[]>();
  const byBare = new Map<string, string[]>();
  for (const p of POPULAR_NAMES) {
    byLength.set(p.length, [...(byLength.get(p.length) ?? []), p]);
    byBare.set(bareName(p), [...(byBare.get(bareName(p)) ?? []), p]);
  }
  return (popularIndex = { byLength, byBare });
}

/** Answers by name: a check asks for the same dependencies again and again (bounded; cleared when full). */
const imitated = new Map<string, string | undefined>();

/** The popular package a name imitates: one edit away, or the same once separators and scope are dropped. */
export function imitates(name: string): string | undefined {
  if (imitated.has(name)) return imitated.get(name);
  const found = imitatesUncached(name);
  if (imitated.size >= 20_000) imitated.clear();
  imitated.set(name, found);
  return found;
}

function imitatesUncached(name: string): string | undefined {
  if (POPULAR_NAMES.has(name)) return undefined;
  const { byLength, byBare } = popular();
  // In the order of POPULAR_NAMES, as a scan of the whole list would find them.
  const order = (list: string[]) => list.sort((a, b) => rank(a) - rank(b));
  if (name.length >= 4) {
    const near = order([name.length - 1, name.length, name.length + 1].flatMap((n) => byLength.get(n) ?? []));
    const edit = near.find((p) => oneEditApart(name, p));
    const same = sameBare(name, byBare);
    if (edit !== undefined && (same === undefined || rank(edit) < rank(same))) return edit;
    return same;
  }
  return sameBare(name, byBare);
}

function sameBare(name: string, byBare: Map<string, string[]>): string | undefined {
  const scoped = name.startsWith('@');
  return (byBare.get(bareName(name)) ?? [])
    .filter((p) => (scoped || !p.startsWith('@')) && p !== name && scopeOf(name) !== scopeOf(p))
    .sort((a, b) => rank(a) - rank(b))[0];
}

let ranks: Map<string, number> | undefined;
const rank = (p: string) => (ranks ??= new Map([...POPULAR_NAMES].map((n, i) => [n, i]))).get(p) ?? Infinity;

/** The popular project a repository URL names, when the dependency is not that project. */
function claimedProject(depName: string, repository: string | undefined): string | undefined {
  const m = repository && /github\.com[/:]([\w.-]+)\/([\w.-]+?)(\.git)?(#.*)?$/i.exec(repository);
  if (!m) return undefined;
  const repo = m[2].toLowerCase();
  if (
    !POPULAR_NAMES.has(repo) ||
    depName === repo ||
    depName.startsWith(`${repo}.`) ||
    depName.startsWith(`${repo}-`) ||
    scopeOf(depName)?.slice(1) === m[1].toLowerCase()
  )
    return undefined;
  return `${m[1]}/${m[2]}`;
}

/**
 * `new-dependency`: a release adds a dependency (runtime, optional or peer) that is suspect in itself, judged where it
 * enters, so the quick fix pins the release that added it back:
 * - from outside the registry (`github:` commits, git, tarball URLs, http): high;
 * - first published less than a week before the release that adds it, by an account unrelated to the package (not
 *   its publisher or maintainers, another scope) that had published nothing else the check knows of for a year: high;
 *   critical with install scripts, a name one edit from a popular package or a repository that claims another
 *   project. A young sibling from the same publisher or scope (a monorepo splitting out a package), or a new package
 *   of an established author (readline2@1.0.1 took up two of sindresorhus's nine hours after they appeared), is said
 *   only with install scripts or such a name (medium);
 * - old, but named like a popular package and claiming its repository: medium.
 * A dependency whose history could not be read is a gap (check-incomplete), said by the engine.
 */
export const newDependencyRule: Rule = (ctx) => {
  const h = ctx.history;
  const v = h?.get(ctx.version);
  if (!v || !ctx.dependencyHistories) return [];
  const added = addedDependencies(ctx);
  if (!added.length) return [];
  const base = baselineOf(ctx)!;
  const out: RawFinding[] = [];
  const own = new Set([v.publisher?.name, ...(v.maintainers ?? [])].filter((n): n is string => !!n));
  for (const d of added) {
    const where = d.section === 'dependencies' ? '' : ` (${d.section})`;
    const foreign = nonRegistrySpec(d.spec);
    if (foreign) {
      out.push(
        finding('high', `${ctx.name}@${ctx.version} adds ${d.name}${where} from ${foreign}: ${d.spec}`, [
          { label: `${d.section} of ${ctx.version}`, value: `${d.name}: ${d.spec}` },
        ]),
      );
      continue;
    }
    const dh = ctx.dependencyHistories.get(d.target);
    if (!dh) continue;
    // A range picks the newest release it allows; a tag (`latest`, or anything else) stands for the whole history.
    const range = semver.validRange(d.range) ? d.range : '*';
    const matches = (version: string) => semver.satisfies(version, range, { includePrerelease: range === '*' });
    const first = dh.releases.find((r) => r.publishedAt);
    const installed = dh.releases.filter((r) => matches(r.version)).pop() ?? dh.releases[dh.releases.length - 1];
    if (!first || !installed) continue;
    const age = v.publishedAt ? Date.parse(v.publishedAt) - Date.parse(first.publishedAt!) : NaN;
    const young = age < YOUNG_MS;
    const theirs = new Set([...dh.releases.map((r) => r.publisher?.name), ...(installed.maintainers ?? [])].filter((n): n is string => !!n));
    const related = [...theirs].some((n) => own.has(n)) || (!!scopeOf(d.target) && scopeOf(d.target) === scopeOf(ctx.name));
    // An account that published other packages for over a year (a prolific author's new utility) is not a throwaway.
    const established = !!installed.publisher && !!ctx.establishedPublishers?.has(installed.publisher.name);
    const scripts = Object.keys(installScriptsOf(installed));
    const laterScripts = dh.releases.filter((r) => Object.keys(installScriptsOf(r)).length && matches(r.version)).map((r) => r.version);
    const like = imitates(d.target);
    const claims = claimedProject(d.target, installed.repository);
    const alias = d.target !== d.name ? ` (an alias of ${d.target})` : '';
    const why: string[] = [];
    // A dependency first published after the release that names it: npm does not check at publish time, but the
    // dates then say nothing reassuring either (wrong, hostile, or a name claimed afterwards).
    if (young && age >= 0) why.push(`first published ${describeAge(first.publishedAt!, new Date(Date.parse(v.publishedAt!)))} before ${ctx.version}`);
    else if (young) why.push(`first published ${describeAge(v.publishedAt!, new Date(Date.parse(first.publishedAt!)))} after ${ctx.version} named it`);
    if (scripts.length || laterScripts.length)
      why.push(
        `runs install scripts (${[...new Set([...scripts, ...laterScripts.flatMap((r) => Object.keys(installScriptsOf(dh.get(r)!)))])].join(', ')}${laterScripts.length ? ` in ${laterScripts.slice(0, 5).join(', ')}${laterScripts.length > 5 ? ` and ${laterScripts.length - 5} more` : ''}` : ''})`,
      );
    if (like) why.push(`named one edit away from ${like}`);
    if (claims) why.push(`claims the repository of ${claims}`);
    if (!related)
      why.push(
        `published by ${[...theirs].join(', ') || 'an unknown account'}, who does not maintain ${ctx.name}${established ? ' (an account that has published other packages for over a year)' : ''}`,
      );
    const risky = scripts.length > 0 || laterScripts.length > 0 || !!like || !!claims;
    let severity: Severity | undefined;
    if (young && !related && !established) severity = risky ? 'critical' : 'high';
    else if (young && (scripts.length || laterScripts.length || (established && risky))) severity = 'medium';
    else if (like && claims) severity = 'medium';
    if (!severity) continue;
    out.push(
      finding(severity, `${ctx.name}@${ctx.version} adds ${d.name}${where}${alias}, which is ${why.join(', ')}`, [
        { label: `${d.section} of ${ctx.version}`, value: `${d.name}: ${d.spec}` },
        { label: `${d.target} first published`, value: first.publishedAt! },
        ...(v.publishedAt ? [{ label: `${ctx.name}@${ctx.version} published`, value: v.publishedAt }] : []),
        { label: `${d.target}@${installed.version} published by`, value: installed.publisher?.name ?? 'unknown' },
      ]),
    );
  }
  return out;

  function finding(severity: Severity, message: string, evidence: RawFinding['evidence']): RawFinding {
    return { code: 'new-dependency', severity, message, evidence: [...evidence, baselineEvidence(base)], baseline: base.version };
  }
};
