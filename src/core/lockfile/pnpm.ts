import * as path from 'path';
import type { YAMLMap } from 'yaml';
import type { DependencyEdge, EdgeType, Importer, InstalledPackage, Lockfile, PackageSource } from '../model';
import { linkGraph } from '../graph';
import { installedPackage } from './installed-package';
import { LineIndex, stripBom } from '../positions';
import { ProblemSink } from '../problems';
import { sourceOfResolved } from '../spec';
import { describeYamlNode, isYamlNull, parseYamlBounded, yaml, yamlString } from '../yaml-bounded';

/**
 * pnpm-lock.yaml, lockfileVersion 6.x and 9.x (older and newer versions are read as far as they match one of them).
 *
 * v6: `packages` is keyed `/name@1.2.3(peer@2)` and holds metadata, edges and dev/optional flags in one entry;
 * a single project keeps its importer sections at the top level.
 * v9: `packages` (`name@1.2.3`) holds metadata, `snapshots` (`name@1.2.3(peer@2)`) holds edges; one package per snapshot.
 */

export function parsePnpmLockfile(rawText: string, file: string): Lockfile {
  // pnpm drops a byte-order mark (strip-bom) before parsing; positions count from the character after it.
  const text = stripBom(rawText);
  const index = new LineIndex(text);
  const sink = new ProblemSink(file, index);
  const lock: Lockfile = { file, kind: 'pnpm', version: '', importers: [], packages: [], problems: sink.problems };
  // The failsafe schema keeps every scalar a string: `6.0` stays "6.0", `1.10` stays "1.10".
  const doc = parseYamlBounded(text, sink, { maxNesting: MAX_NESTING, maxChars: MAX_CHARS, what: 'a pnpm lockfile', schema: 'failsafe' });
  const root = doc?.contents;
  if (!root || (yaml().isScalar(root) && root.value === '')) {
    if (!sink.problems.length) sink.error('invalid-lockfile', `${baseName(file)} is empty`, 0);
    return lock;
  }
  if (!yaml().isMap(root)) {
    const [s, e] = root.range ?? [0, 0];
    sink.error('unexpected-type', `${baseName(file)} must contain a YAML mapping (lockfileVersion, importers, packages, …)`, s, e);
    return lock;
  }

  const versionNode = get(root, 'lockfileVersion');
  lock.version = str(versionNode) ?? '';
  const major = parseFloat(lock.version);
  if (!/^[69]\.\d+$/.test(lock.version)) {
    const [s, e] = rangeOf(versionNode, [0, 0]);
    const what = lock.version ? `lockfileVersion ${lock.version} is not supported` : 'pnpm-lock.yaml has no lockfileVersion';
    sink.warning(
      'unsupported-lockfile-version',
      `${what}; TrustLens reads pnpm lockfile versions 6.x and 9.x, and reads this one as far as it matches them`,
      s,
      e,
    );
  }
  const v9 = major >= 9 || (Number.isNaN(major) && get(root, 'snapshots') !== undefined);
  // Consistency problems (unresolved edges, missing snapshots) only when the YAML itself is sound: otherwise they are noise.
  const report = doc!.errors.length === 0;
  const ctx: Ctx = { v9, legacy: major < 6, report, sink, index, file, pending: [], importerIds: new Set() };

  lock.importers = readImporters(root, ctx);
  lock.packages = v9 ? readV9Packages(root, ctx) : readV6Packages(root, ctx);
  resolveEdges(ctx, lock.packages);

  linkGraph(lock, { computeFlags: true });
  if (!v9) {
    // v6 records dev/optional itself (`dev` absent means "used by both"); keep the graph's peer and devOptional.
    for (const p of lock.packages) {
      const flags = ctx.v6Flags?.get(p.id);
      if (!flags) continue;
      p.dev = flags.dev;
      p.optional = flags.optional;
      if (p.dev || p.optional) p.devOptional = false;
    }
  }
  return lock;
}

interface PendingEdge {
  edge: DependencyEdge;
  ref: string;
  /** Importer dir for `link:` refs. */
  from: string;
  /** Offsets of the value, for problems. */
  at: [number, number];
}

interface Ctx {
  v9: boolean;
  /** lockfileVersion 5.x: keys `/name/1.2.3_peer@2`. */
  legacy: boolean;
  report: boolean;
  sink: ProblemSink;
  index: LineIndex;
  file: string;
  pending: PendingEdge[];
  importerIds: Set<string>;
  v6Flags?: Map<string, { dev: boolean; optional: boolean }>;
}

type Node = unknown;

const MAX_UNRESOLVED = 20;

/** pnpm lockfiles nest about seven levels deep (document, root, section, entry, field, value); far deeper is not a lockfile. */
const MAX_NESTING = 32;

/** The largest real pnpm lockfiles are tens of megabytes; a text past this is not read (the parse holds it several times over). */
const MAX_CHARS = 128 * 1024 * 1024;

// ---- small YAML helpers (all scalars are strings under the failsafe schema) ----

function get(node: Node, key: string): Node | undefined {
  if (!yaml().isMap(node)) return undefined;
  for (const pair of node.items) {
    if (yaml().isScalar(pair.key) && pair.key.value === key) return pair.value ?? undefined;
  }
  return undefined;
}

function str(node: Node | undefined): string | undefined {
  return yaml().isScalar(node) && typeof node.value === 'string' && node.value !== '' ? node.value : undefined;
}

function isTrue(node: Node | undefined): boolean {
  return str(node) === 'true';
}

interface Entry {
  key: string;
  keyRange: [number, number];
  value: Node | undefined;
}

/** The entries of a mapping with scalar keys; reports a warning when `node` is present but not a mapping. */
function entries(node: Node | undefined, what: string, ctx: Ctx): Entry[] {
  if (node === undefined || node === null || (yaml().isScalar(node) && node.value === '')) return [];
  if (!yaml().isMap(node)) {
    warnType(ctx, `"${what}" should be a mapping`, node);
    return [];
  }
  const out: Entry[] = [];
  for (const pair of node.items) {
    if (!yaml().isScalar(pair.key) || typeof pair.key.value !== 'string') continue;
    const [s, e] = pair.key.range ?? [0, 0];
    out.push({ key: pair.key.value, keyRange: [s, e], value: pair.value ?? undefined });
  }
  return out;
}

function rangeOf(node: Node | undefined, fallback: [number, number]): [number, number] {
  const r = (node as { range?: [number, number, number] } | undefined)?.range;
  return r ? [r[0], r[1]] : fallback;
}

function warnType(ctx: Ctx, message: string, node: Node | undefined, fallback: [number, number] = [0, 0]): void {
  const [s, e] = rangeOf(node, fallback);
  ctx.sink.warning('unexpected-type', message, s, e);
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

// ---- keys and refs ----

/** `a@1.0.0(b@2.0.0)(c@3)` → `a@1.0.0`. */
function withoutPeers(key: string): string {
  const i = key.indexOf('(');
  return i > 0 ? key.slice(0, i) : key;
}

/** Splits `@scope/name@1.2.3(peer@1)` (v6: after the leading `/`) into name and version. */
function splitKey(key: string, legacy: boolean): { name: string; version: string } | undefined {
  const body = key.startsWith('/') ? key.slice(1) : key;
  if (legacy) {
    // 5.x: `name/1.2.3_peer@2`, `@scope/name/1.2.3`
    const m = /^((?:@[^/]+\/)?[^/@]+)\/([^/_]+)/.exec(body);
    if (m) return { name: m[1], version: m[2] };
  }
  const head = withoutPeers(body);
  let at = head.indexOf('@', 1);
  while (at > 0 && head[at - 1] === '/') at = head.indexOf('@', at + 1); // skip a scope after a registry host
  if (at < 0) return undefined;
  let name = head.slice(0, at);
  // v6 keys of packages from a non-default registry start with its host: `registry.example.com/foo@1.0.0`.
  if (!name.startsWith('@') && name.includes('/')) name = name.slice(name.indexOf('/') + 1);
  return { name, version: head.slice(at + 1) };
}

/** True when a ref is itself a package key (`real@1.2.3`, `@s/real@1.2.3`) rather than a version (`1.2.3(b@2)`). */
function isKeyRef(ref: string): boolean {
  if (ref.startsWith('@')) return true;
  const at = ref.indexOf('@');
  if (at < 0) return false;
  const colon = ref.indexOf(':');
  const paren = ref.indexOf('(');
  return (colon < 0 || at < colon) && (paren < 0 || at < paren);
}

/** The package keys an edge `name: ref` may point at, best first. */
function keyCandidates(name: string, ref: string, ctx: Ctx): string[] {
  const r = ref.startsWith('npm:') ? ref.slice(4) : ref;
  let key: string;
  if (ctx.v9) key = isKeyRef(r) ? r : `${name}@${r}`;
  else if (r.startsWith('/') || r.startsWith('file:')) key = r;
  else if (!r.startsWith('@') && withoutPeers(r).includes('/'))
    key = r; // github.com/user/repo/sha, registry.example.com/foo@1.0.0
  else if (isKeyRef(r))
    key = `/${r}`; // alias: real@1.2.3
  else key = `/${name}@${r}`;
  const out = ctx.legacy ? [`/${name}/${r}`, key] : [key];
  if (withoutPeers(key) !== key) out.push(withoutPeers(key));
  return out;
}

/** `link:../b` from importer `packages/a` → `packages/b`; `.` for the root. */
function linkTarget(fromDir: string, rel: string): string {
  const joined = path.posix.normalize(path.posix.join(fromDir, rel)).replace(/\/+$/, '');
  return joined === '' ? '.' : joined;
}

// ---- importers ----

const IMPORTER_SECTIONS: [string, EdgeType][] = [
  ['dependencies', 'prod'],
  ['devDependencies', 'dev'],
  ['optionalDependencies', 'optional'],
];

function readImporters(root: YAMLMap, ctx: Ctx): Importer[] {
  const importersNode = get(root, 'importers');
  // A v6 single project (and 5.x) keeps the root importer's sections at the top level.
  const list: [string, Node | undefined][] =
    importersNode !== undefined ? entries(importersNode, 'importers', ctx).map((e) => [linkTarget('.', e.key), e.value]) : [['.', root]];
  for (const [id] of list) ctx.importerIds.add(id);
  return list.map(([id, node]) => readImporter(id, node, ctx));
}

function readImporter(id: string, node: Node | undefined, ctx: Ctx): Importer {
  const importer: Importer = { id, dependencies: [] };
  if (node !== undefined && !yaml().isMap(node) && !(yaml().isScalar(node) && node.value === '')) {
    warnType(ctx, `Importer "${id}" should be a mapping`, node);
    return importer;
  }
  const specifiers = get(node, 'specifiers'); // 5.x keeps specifiers apart from versions
  for (const [section, type] of IMPORTER_SECTIONS) {
    for (const { key, keyRange, value } of entries(get(node, section), section, ctx)) {
      const ref = yaml().isMap(value) ? str(get(value, 'version')) : str(value);
      if (ref === undefined) {
        warnType(ctx, `"${key}" in ${section} of importer "${id}" should have a version`, value, keyRange);
        continue;
      }
      const spec = (yaml().isMap(value) ? str(get(value, 'specifier')) : str(get(specifiers, key))) ?? ref;
      const edge: DependencyEdge = { name: key, spec, type };
      importer.dependencies.push(edge);
      ctx.pending.push({ edge, ref, from: id, at: rangeOf(yaml().isMap(value) ? get(value, 'version') : value, keyRange) });
    }
  }
  return importer;
}

// ---- packages ----

function readV6Packages(root: YAMLMap, ctx: Ctx): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  const seen = new Set<string>();
  ctx.v6Flags = new Map();
  for (const { key, keyRange, value } of entries(get(root, 'packages'), 'packages', ctx)) {
    if (!yaml().isMap(value)) {
      warnType(ctx, `Package "${key}" should be a mapping`, value, keyRange);
      continue;
    }
    if (seen.has(key)) {
      ctx.sink.warning('invalid-lockfile', `Package "${key}" is listed twice; using the first entry`, keyRange[0], keyRange[1]);
      continue;
    }
    seen.add(key);
    out.push(makePackage(key, keyRange, value, value, ctx));
    ctx.v6Flags.set(key, { dev: isTrue(get(value, 'dev')), optional: isTrue(get(value, 'optional')) });
  }
  return out;
}

function readV9Packages(root: YAMLMap, ctx: Ctx): InstalledPackage[] {
  const meta = new Map<string, Entry>();
  for (const e of entries(get(root, 'packages'), 'packages', ctx)) {
    if (!yaml().isMap(e.value)) warnType(ctx, `Package "${e.key}" should be a mapping`, e.value, e.keyRange);
    else if (!meta.has(e.key)) meta.set(e.key, e);
  }
  const out: InstalledPackage[] = [];
  const seen = new Set<string>();
  const withSnapshot = new Set<string>();
  for (const { key, keyRange, value } of entries(get(root, 'snapshots'), 'snapshots', ctx)) {
    if (value !== undefined && !yaml().isMap(value) && !(yaml().isScalar(value) && value.value === '')) {
      warnType(ctx, `Snapshot "${key}" should be a mapping`, value);
      continue;
    }
    if (seen.has(key)) {
      ctx.sink.warning('invalid-lockfile', `Snapshot "${key}" is listed twice; using the first entry`, keyRange[0], keyRange[1]);
      continue;
    }
    seen.add(key);
    const m = meta.get(withoutPeers(key));
    withSnapshot.add(withoutPeers(key));
    out.push(makePackage(key, m?.keyRange ?? keyRange, m?.value, value, ctx));
  }
  // pnpm writes a snapshot for every package; one without (e.g. the file was cut short) still counts, without edges.
  const orphans = [...meta.values()].filter((m) => !withSnapshot.has(m.key));
  for (const m of orphans) out.push(makePackage(m.key, m.keyRange, m.value, undefined, ctx));
  if (orphans.length && ctx.report) {
    const [s, e] = orphans[0].keyRange;
    const count = orphans.length === 1 ? 'has' : `and ${orphans.length - 1} more have`;
    ctx.sink.warning('invalid-lockfile', `Package "${orphans[0].key}" ${count} no entry in "snapshots", so their dependencies are unknown`, s, e);
  }
  return out;
}

/** `meta` holds resolution and peer declarations; `edges` holds the dependency sections (the same node in v6). */
function makePackage(id: string, keyRange: [number, number], meta: Node | undefined, edges: Node | undefined, ctx: Ctx): InstalledPackage {
  const split = splitKey(id, ctx.legacy);
  const resolution = get(meta, 'resolution');
  const invalid = checkResolution(resolution, id, ctx);
  const { resolved, source } = readResolution(resolution);
  const pkg: InstalledPackage = installedPackage({
    id,
    name: str(get(meta, 'name')) ?? split?.name ?? id,
    version: str(get(meta, 'version')) ?? split?.version ?? '',
    resolved,
    integrity: stringField(resolution, 'integrity'),
    source,
    dependencies: [],
    file: ctx.file,
    range: ctx.index.range(keyRange[0], keyRange[1]),
  });
  if (invalid) pkg.invalid = invalid;
  if (isTrue(get(meta, 'requiresBuild'))) pkg.hasInstallScript = true;

  const peers = get(meta, 'peerDependencies');
  const peersMeta = get(meta, 'peerDependenciesMeta');
  for (const [section, sectionType] of [
    ['dependencies', 'prod'],
    ['optionalDependencies', 'optional'],
  ] as const) {
    for (const { key, keyRange: kr, value } of entries(get(edges, section), `${section} of ${id}`, ctx)) {
      const ref = str(value);
      if (ref === undefined) {
        warnType(ctx, `"${key}" in ${section} of "${id}" should be a version`, value, kr);
        continue;
      }
      // pnpm lists resolved peers among the (optional, for optional peers) dependencies; peerDependencies say which.
      let type: EdgeType = sectionType;
      if (get(peers, key) !== undefined) type = isTrue(get(get(peersMeta, key), 'optional')) ? 'peerOptional' : 'peer';
      const edge: DependencyEdge = { name: key, spec: ref, type };
      pkg.dependencies.push(edge);
      ctx.pending.push({ edge, ref, from: '.', at: rangeOf(value, kr) });
    }
  }
  return pkg;
}

/**
 * pnpm writes `resolution` as a mapping in every lockfile version (5.4, 6, 9): `{integrity}` for the configured
 * registry (its shorthand: the tarball URL is derived), `{tarball, integrity?}`, `{type: git, repo, commit}`,
 * `{type: directory, directory}`, or another `{type: …}` of a newer pnpm. pnpm reads the file with js-yaml, so an
 * unquoted `5` or `true` there is a number or a boolean. A resolution that is not a mapping, or one of its fields
 * that is not a string, cannot be fetched or verified as written: a warning at the value, and the reason it leaves
 * the package unjudged (InstalledPackage.invalid). An empty or `null` field is left to the checks of missing values.
 */
function checkResolution(resolution: Node | undefined, id: string, ctx: Ctx): string | undefined {
  if (resolution === undefined || isYamlNull(resolution)) return undefined;
  if (!yaml().isMap(resolution)) {
    const found = describeYamlNode(resolution);
    warnUncheckable(ctx, `"resolution" of "${id}" should be a mapping ({integrity: …}, {tarball: …}, {type: git, …}), found ${found}`, resolution);
    return `its "resolution" is ${found}, not a mapping`;
  }
  let invalid: string | undefined;
  for (const field of ['integrity', 'tarball', 'type', 'repo', 'commit', 'directory']) {
    const node = get(resolution, field);
    if (node === undefined || isYamlNull(node) || yamlString(node) !== undefined) continue;
    const found = describeYamlNode(node);
    warnUncheckable(ctx, `"resolution.${field}" of "${id}" should be a string, found ${found}`, node);
    invalid ??= `its "resolution.${field}" is ${found}, not a string`;
  }
  return invalid;
}

function warnUncheckable(ctx: Ctx, message: string, node: Node): void {
  const [s, e] = rangeOf(node, [0, 0]);
  ctx.sink.warning('unexpected-type', `${message}; the package is not checked`, s, e);
}

const GIT_HOST_TARBALL = /^https?:\/\/(codeload\.github\.com|gitlab\.com\/.+\/repository\/archive|bitbucket\.org\/.+\/get\/)/i;

/** A non-empty field that pnpm reads as a string; undefined otherwise (checkResolution reports the other types). */
function stringField(map: Node | undefined, name: string): string | undefined {
  const node = get(map, name);
  return (node !== undefined && yamlString(node)) || undefined;
}

function readResolution(resolution: Node | undefined): { resolved?: string; source: PackageSource } {
  const field = (name: string) => stringField(resolution, name);
  const tarball = field('tarball');
  const type = field('type');
  if (type === 'git') {
    const repo = field('repo');
    const commit = field('commit');
    return { resolved: repo && (commit ? `${repo}#${commit}` : repo), source: 'git' };
  }
  if (type === 'directory') {
    const dir = field('directory');
    return { resolved: dir && `file:${dir}`, source: 'file' };
  }
  if (tarball) {
    if (GIT_HOST_TARBALL.test(tarball)) return { resolved: tarball, source: 'git' };
    return { resolved: tarball, source: sourceOfResolved(tarball) };
  }
  return { source: field('integrity') ? 'registry' : 'unknown' };
}

// ---- edges ----

function resolveEdges(ctx: Ctx, packages: InstalledPackage[]): void {
  const ids = new Set(packages.map((p) => p.id));
  let unresolved = 0;
  for (const { edge, ref, from, at } of ctx.pending) {
    if (ref.startsWith('link:')) {
      const target = linkTarget(from, ref.slice('link:'.length));
      // A link outside the workspace is not in the lockfile: leave `to` unset but do not call it unresolved.
      if (ctx.importerIds.has(target)) edge.to = target;
      continue;
    }
    edge.to = keyCandidates(edge.name, ref, ctx).find((k) => ids.has(k));
    if (edge.to === undefined && ctx.report && unresolved++ < MAX_UNRESOLVED) {
      ctx.sink.warning('unresolved-dependency', `"${edge.name}: ${ref}" does not match any package in the lockfile`, at[0], at[1]);
    }
  }
  if (ctx.report && unresolved > MAX_UNRESOLVED) {
    ctx.sink.warning('unresolved-dependency', `…and ${unresolved - MAX_UNRESOLVED} more unresolved dependencies`, 0);
  }
}
