import type { RawFinding } from './context';
import type { History } from './history';
import type { Evidence, Severity } from './types';

/** The scope of a package name (`@acme` of `@acme/x`), or undefined for an unscoped one. */
export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')) : undefined;
}

/**
 * For each scoped package whose scope has other packages among `histories`: everyone who published a release of
 * one of those other packages. A publisher new to the whole scope corroborates `publisher-changed`.
 */
export function scopePublishers(histories: ReadonlyMap<string, History>): Map<string, ReadonlySet<string>> {
  const byScope = new Map<string, Map<string, ReadonlySet<string>>>();
  for (const [name, h] of histories) {
    const scope = scopeOf(name);
    if (!scope) continue;
    if (!byScope.has(scope)) byScope.set(scope, new Map());
    byScope.get(scope)!.set(name, publishersOf(h));
  }
  const out = new Map<string, ReadonlySet<string>>();
  for (const packages of byScope.values()) {
    if (packages.size < 2) continue;
    for (const name of packages.keys()) {
      const others = new Set<string>();
      for (const [other, names] of packages) if (other !== name) for (const n of names) others.add(n);
      if (others.size) out.set(name, others);
    }
  }
  return out;
}

/** Everyone who published a release of a history, once per history (an edit in the editor asks again for every package). */
const publishers = new WeakMap<History, ReadonlySet<string>>();
function publishersOf(h: History): ReadonlySet<string> {
  let names = publishers.get(h);
  if (!names) {
    const found = new Set<string>();
    for (const r of h.releases) if (r.publisher?.name) found.add(r.publisher.name);
    publishers.set(h, (names = found));
  }
  return names;
}

// ---------------------------------------------------------------- the correlation stage (pure part)

/** One judged version as the correlation stage sees it, after per-package evidence and content analysis. */
export interface CorrelationMember {
  name: string;
  version: string;
  publishedAt?: string;
  publisher?: string;
  /** Its content findings (compared with its baseline), when its tarball was analysed. */
  findings: RawFinding[];
  /** Code files it added or changed since its baseline, by content hash. */
  changed: { path: string; sha256: string }[];
  history?: History;
}

export interface Incident {
  id: string;
  kind: 'shared-file' | 'burst' | 'multi-line';
  severity: Severity;
  /** One line, e.g. "6 packages of @acme gained the same lib/metrics.js within 9 minutes". */
  title: string;
  /** name@version of every member, in publish order. */
  members: string[];
  evidence: Evidence[];
}

/** Windows: the same new file within hours; a burst of one scope or publisher, or of one package's lines, within minutes. */
export const SHARED_FILE_WINDOW_MS = 24 * 3_600_000;
export const BURST_WINDOW_MS = 60 * 60_000;

const key = (m: { name: string; version: string }) => `${m.name}@${m.version}`;
const time = (m: CorrelationMember) => (m.publishedAt ? Date.parse(m.publishedAt) : NaN);
const atLeastMedium = (f: RawFinding) => f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical';
const strong = (f: RawFinding) => f.severity === 'high' || f.severity === 'critical';

function describeSpan(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${Math.round(minutes / 60)} hours`;
}

/** "6 packages of @acme", "4 release lines of x", "3 packages". */
function whoLabel(members: CorrelationMember[]): string {
  const names = new Set(members.map((m) => m.name));
  if (names.size === 1) return `${members.length} release lines of ${members[0].name}`;
  const scopes = new Set(members.map((m) => scopeOf(m.name)));
  const scope = scopes.size === 1 ? [...scopes][0] : undefined;
  return `${names.size} packages${scope ? ` of ${scope}` : ''}`;
}

/** The largest group of members whose publish times fit in `windowMs` (members without a date never do). */
function largestCluster(members: CorrelationMember[], windowMs: number): CorrelationMember[] {
  const dated = members.filter((m) => !Number.isNaN(time(m))).sort((a, b) => time(a) - time(b));
  let best: CorrelationMember[] = [];
  for (let i = 0, j = 0; j < dated.length; j++) {
    while (time(dated[j]) - time(dated[i]) > windowMs) i++;
    if (j - i + 1 > best.length) best = dated.slice(i, j + 1);
  }
  return best;
}

const spanOf = (ms: CorrelationMember[]) => time(ms[ms.length - 1]) - time(ms[0]);

function incidentSeverity(members: CorrelationMember[]): Severity {
  return members.length >= 5 || members.some((m) => m.findings.some(strong)) ? 'critical' : 'high';
}

function idOf(kind: string, seed: string): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return `${kind}-${(h >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Correlated weak signals across the judged versions of one project:
 *
 * - **shared-file**: the same new or changed code file (by content hash) in several packages (or several release
 *   lines of one) published within 24 hours, where at least two of them have a content finding about that file. A
 *   monorepo's generated file, identical everywhere but saying nothing suspicious, is not one.
 * - **burst**: three or more packages of one scope or one publisher released within an hour, each with a content
 *   finding of medium or above of the same kind, and not a lockstep release (one version everywhere is how monorepos
 *   release; a worm bumps each package's own line).
 * - **multi-line**: a version with a content finding of medium or above, published within an hour of releases on
 *   two or more other lines of the same package (a republish of every maintained major). Security backports over an
 *   afternoon are hours apart and add nothing suspicious.
 *
 * Each incident is high, critical with five members or more or when a member's own finding is high.
 */
export function correlate(members: CorrelationMember[]): Incident[] {
  const incidents: Incident[] = [];
  const covered = new Set<string>();

  // shared-file
  const bySha = new Map<string, { m: CorrelationMember; path: string }[]>();
  for (const m of members) for (const f of m.changed) bySha.set(f.sha256, [...(bySha.get(f.sha256) ?? []), { m, path: f.path }]);
  for (const [sha, hits] of bySha) {
    const distinct = new Map(hits.map((h) => [key(h.m), h]));
    if (distinct.size < 2) continue;
    const cluster = largestCluster(
      [...distinct.values()].map((h) => h.m),
      SHARED_FILE_WINDOW_MS,
    );
    if (cluster.length < 2) continue;
    const pathOf = (m: CorrelationMember) => distinct.get(key(m))!.path;
    const speaking = cluster.filter((m) => m.findings.some((f) => mentions(f, pathOf(m))));
    if (speaking.length < 2) continue;
    const paths = [...new Set(cluster.map(pathOf))];
    const what = paths.length === 1 ? paths[0] : `file (${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''})`;
    const title = `${whoLabel(cluster)} gained the same ${what} within ${describeSpan(spanOf(cluster))}`;
    incidents.push({
      id: idOf('shared-file', sha + cluster.map(key).join()),
      kind: 'shared-file',
      severity: incidentSeverity(cluster),
      title,
      members: cluster.map(key),
      evidence: [
        { label: 'the same file', value: `${paths.join(', ')} (sha256 ${sha.slice(0, 16)}…)` },
        { label: 'published within', value: `${describeSpan(spanOf(cluster))}: ${cluster.map((m) => `${key(m)} ${m.publishedAt}`).join(', ')}` },
        ...speaking.slice(0, 4).map((m) => ({
          label: `what ${key(m)} shows`,
          value: m.findings
            .filter((f) => mentions(f, pathOf(m)))
            .map((f) => `${f.code} (${f.severity})`)
            .join(', '),
        })),
      ],
    });
    for (const m of cluster) covered.add(key(m));
  }

  // burst, per scope and per publisher
  const groups = new Map<string, CorrelationMember[]>();
  for (const m of members) {
    if (!m.findings.some(atLeastMedium)) continue;
    const scope = scopeOf(m.name);
    if (scope) groups.set(`scope ${scope}`, [...(groups.get(`scope ${scope}`) ?? []), m]);
    if (m.publisher) groups.set(`publisher ${m.publisher}`, [...(groups.get(`publisher ${m.publisher}`) ?? []), m]);
  }
  for (const [group, list] of groups) {
    const byName = new Map(list.map((m) => [m.name, m]));
    if (byName.size < 3) continue;
    const cluster = largestCluster([...byName.values()], BURST_WINDOW_MS);
    if (cluster.length < 3 || cluster.every((m) => covered.has(key(m)))) continue;
    if (new Set(cluster.map((m) => m.version)).size === 1) continue; // lockstep: a monorepo release
    const common = [...new Set(cluster[0].findings.filter(atLeastMedium).map((f) => f.code))].filter((code) =>
      cluster.every((m) => m.findings.some((f) => f.code === code && atLeastMedium(f))),
    );
    if (!common.length) continue;
    const by = group.startsWith('scope ') ? `of ${group.slice(6)}` : `published by ${group.slice(10)}`;
    incidents.push({
      id: idOf('burst', group + cluster.map(key).join()),
      kind: 'burst',
      severity: incidentSeverity(cluster),
      title: `${cluster.length} packages ${by} released within ${describeSpan(spanOf(cluster))}, each adding code with ${common.join(', ')}`,
      members: cluster.map(key),
      evidence: [
        { label: 'released within', value: `${describeSpan(spanOf(cluster))}: ${cluster.map((m) => `${key(m)} ${m.publishedAt}`).join(', ')}` },
        { label: 'each adds', value: common.join(', ') },
      ],
    });
    for (const m of cluster) covered.add(key(m));
  }

  // multi-line republish of one package
  const byPackage = new Map<string, CorrelationMember[]>();
  for (const m of members)
    if (m.history && !covered.has(key(m)) && m.findings.some(atLeastMedium)) byPackage.set(m.name, [...(byPackage.get(m.name) ?? []), m]);
  for (const [name, list] of byPackage) {
    const m = list[0];
    const t = time(m);
    if (Number.isNaN(t)) continue;
    const line = lineOfVersion(m.version);
    const near = m.history!.releases.filter(
      (r) => r.publishedAt && Math.abs(Date.parse(r.publishedAt) - t) <= BURST_WINDOW_MS && lineOfVersion(r.version) !== line && !isPre(r.version),
    );
    const lines = new Set(near.map((r) => lineOfVersion(r.version)));
    if (lines.size < 2) continue;
    const all = [...near.map((r) => ({ version: r.version, at: Date.parse(r.publishedAt!) })), { version: m.version, at: t }].sort((a, b) => a.at - b.at);
    const span = all[all.length - 1].at - all[0].at;
    const locked = list.filter((x) => all.some((a) => a.version === x.version));
    incidents.push({
      id: idOf('multi-line', name + all.map((a) => a.version).join()),
      kind: 'multi-line',
      severity: incidentSeverity(locked),
      title: `${lines.size + 1} release lines of ${name} were republished within ${describeSpan(span)}, and ${locked.map((x) => x.version).join(', ')} adds ${[...new Set(locked.flatMap((x) => x.findings.filter(atLeastMedium).map((f) => f.code)))].join(', ')}`,
      members: locked.map(key),
      evidence: [
        { label: 'republished within', value: `${describeSpan(span)}: ${all.map((a) => `${name}@${a.version} ${new Date(a.at).toISOString()}`).join(', ')}` },
      ],
    });
  }
  return incidents;
}

function mentions(f: RawFinding, path: string): boolean {
  return f.message.includes(path) || f.evidence.some((e) => e.label.includes(path) || e.value.includes(path));
}

const lineOfVersion = (v: string) => {
  const [major, minor] = v.split('.');
  return major === '0' ? `0.${minor}` : major;
};
const isPre = (v: string) => v.includes('-');

/** The findings an incident puts on each member (code `coordinated-release`), by name@version. */
export function incidentFindings(incidents: Incident[]): Map<string, RawFinding[]> {
  const out = new Map<string, RawFinding[]>();
  for (const i of incidents) {
    for (const member of i.members) {
      const others = i.members.filter((x) => x !== member);
      const f: RawFinding = {
        code: 'coordinated-release',
        severity: i.severity,
        message: `${member} is part of an incident: ${i.title}`,
        evidence: [...i.evidence, ...(others.length ? [{ label: 'the other members', value: others.join(', ') }] : [])],
        incident: { id: i.id, title: i.title, members: i.members },
      };
      out.set(member, [...(out.get(member) ?? []), f]);
    }
  }
  return out;
}
