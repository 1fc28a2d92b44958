import type { DependencyEdge, EdgeType, InstalledPackage, Lockfile, Manifest } from '../model';
import { linkGraph } from '../graph';
import { installedPackage } from './installed-package';
import { readJsonWithKeys, strictJsonError } from '../json-keys';
import { LineIndex, stripBom } from '../positions';
import { ProblemSink } from '../problems';
import { sourceOfResolved } from '../spec';
import { isWorkspaceDir } from '../workspace-glob';

type Obj = Record<string, unknown>;
type Span = [start: number, end: number];

/**
 * package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 and 3.
 * v2/v3 are read from `packages` (keyed by install location); v1 from the nested `dependencies` tree.
 * `rootManifest` supplies the root's edges for v1 lockfiles, which do not record them.
 *
 * The text is read tolerantly (comments, trailing commas, a cut-off end), for positions and for everything it holds;
 * `rejected` says when npm itself would refuse it (see npmRejection). `diskText` is the file as npm reads it, when
 * `rawText` is not (parseLockfile passes the HEAD side of a merge conflict here, and the file with its markers there).
 */
export function parseNpmLockfile(rawText: string, file: string, rootManifest?: Manifest, diskText?: string): Lockfile {
  const lock = readNpmLockfile(rawText, file, rootManifest, diskText);
  // Comments, trailing commas and unmergeable conflicts pass the tolerant read: say what npm makes of them, as a
  // warning (TrustLens did read the file; the consequence is in `rejected`), unless an error says the JSON is broken.
  const said = lock.problems.some((p) => p.severity === 'error' && (p.code === 'invalid-json' || p.code === 'unexpected-type'));
  if (lock.rejected && !said) {
    const message = `npm cannot use ${baseName(file)} (${lock.rejected.message}): ${IGNORED}`;
    lock.problems.unshift({ code: 'invalid-json', severity: 'warning', file, message, range: lock.rejected.range });
  }
  return lock;
}

function readNpmLockfile(rawText: string, file: string, rootManifest: Manifest | undefined, diskText: string | undefined): Lockfile {
  // npm drops a byte-order mark before JSON.parse; positions count from the character after it (see stripBom).
  // It drops a second one too (parse-conflict-json, then json-parse-even-better-errors): read as a space here, so
  // that positions stay those of VS Code, which shows it.
  let text = stripBom(rawText);
  if (text.charCodeAt(0) === 0xfeff) text = ` ${text.slice(1)}`;
  const index = new LineIndex(text);
  const sink = new ProblemSink(file, index);
  const lock: Lockfile = { file, kind: 'npm', version: '', importers: [], packages: [], problems: sink.problems };

  // Key offsets of `packages` entries (v2+) and of nested `dependencies` entries (v1), by install location.
  const v2Keys = new Map<string, Span>();
  const v1Keys = new Map<string, Span>();
  // Keys of the fields npm fetches and verifies a package by, per entry (`location\0field`), to place type problems.
  const fieldKeys = new Map<string, Span>();
  const topKeys = new Map<string, Span>();
  const {
    value: root,
    errors,
    strict,
  } = readJsonWithKeys(text, (parents, key, start, end) => {
    if (parents.length === 0) topKeys.set(key, [start, end]);
    else if (parents.length === 1 && parents[0] === 'packages') v2Keys.set(key, [start, end]);
    else if (parents.length % 2 === 1 && parents[0] === 'dependencies' && parents[parents.length - 1] === 'dependencies') {
      v1Keys.set(v1Location(parents, key), [start, end]);
    } else if (FETCH_FIELDS.has(key)) {
      if (parents.length === 2 && parents[0] === 'packages') fieldKeys.set(`${parents[1]}\0${key}`, [start, end]);
      else if (parents.length % 2 === 0 && parents[0] === 'dependencies' && parents[parents.length - 2] === 'dependencies') {
        fieldKeys.set(`v1:${v1Location(parents.slice(0, -1), parents[parents.length - 1])}\0${key}`, [start, end]);
      }
    }
  });
  if (errors.length) {
    const e = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors after it)` : '';
    sink.error('invalid-json', `Invalid JSON: ${e.message}${more}`, e.offset, e.offset + e.length);
  }
  // JSON.parse has accepted the text already, unless it holds conflict markers (which parse-conflict-json sees even
  // inside strings). The HEAD side of a conflict has the offsets of the file it comes from (takeOurSide blanks lines).
  const rejection = strict && diskText === undefined && !hasConflictMarkers(text) ? rejectionOfValue(root) : npmRejection(diskText ?? rawText);
  if (rejection) {
    const [s, e] = [rejection.offset, rejection.offset + rejection.length];
    lock.rejected = { message: rejection.reason, range: index.range(s, e) };
  }

  if (root === undefined) {
    if (!errors.length) sink.error('invalid-json', 'Invalid JSON: the file is empty', 0);
    return lock;
  }
  if (!isObj(root)) {
    sink.error('unexpected-type', `${baseName(file)} must contain a JSON object`, 0, text.length);
    return lock;
  }
  const version = typeof root.lockfileVersion === 'number' ? root.lockfileVersion : 1;
  lock.version = String(version);
  if (version > 3) {
    const at = topKeys.get('lockfileVersion') ?? [0, 0];
    sink.warning('unsupported-lockfile-version', `lockfileVersion ${version} is newer than the newest TrustLens knows (3); reading it as 3`, ...at);
  }
  const ctx: Ctx = { lock, index, sink, text, fieldKeys };
  if (version >= 2 && isObj(root.packages)) readPackages(ctx, root.packages, v2Keys);
  else readV1(ctx, root, v1Keys, rootManifest);
  linkGraph(lock, { computeFlags: false });
  return lock;
}

interface Ctx {
  lock: Lockfile;
  index: LineIndex;
  sink: ProblemSink;
  text: string;
  fieldKeys: Map<string, Span>;
}

/** The fields npm fetches and verifies a package by: one of another type leaves the entry unjudged. */
const FETCH_FIELDS = new Set(['name', 'version', 'resolved', 'integrity']);

/** `a number (7.6)`, `an object`, …: what a JSON value is, for messages. */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `a ${typeof v} (${String(v)})`;
  return `a ${typeof v}`;
}

/**
 * Checks that each fetch field present in `entry` is a string. For each that is not: a warning at its value (the
 * file was read; the consequence is on the package), and the package is marked invalid, since npm cannot use the
 * entry as written (arborist's loadVirtual throws "Invalid version. Must be a string" on a numeric version; it
 * keeps a numeric `resolved` or an object `integrity` as they are, which nothing can fetch or verify).
 * `where` keys the field positions (`loc`, or `v1:loc` for the nested v1 tree); a field not found is placed on the
 * entry's key. `label` names the entry in the message.
 */
function checkFetchFields(ctx: Ctx, pkg: InstalledPackage, entry: Obj, where: string, label: string): void {
  for (const field of FETCH_FIELDS) {
    if (!(field in entry) || typeof entry[field] === 'string') continue;
    const found = describeValue(entry[field]);
    const key = ctx.fieldKeys.get(`${where}\0${field}`);
    const [s, e] = key ? valueSpan(ctx.text, key[1]) : [pkg.range.startOffset, pkg.range.endOffset];
    ctx.sink.warning(
      'unexpected-type',
      `"${field}" of "${label}" should be a string, found ${found}: npm cannot use this entry as written, and it is not checked`,
      s,
      e,
    );
    pkg.invalid ??= `its "${field}" is ${found}, not a string`;
  }
}

/** Offsets of the value after a key that ends at `keyEnd` (its colon and blanks skipped), brackets matched. */
function valueSpan(text: string, keyEnd: number): Span {
  let i = keyEnd;
  while (i < text.length && /[\s:]/.test(text[i])) i++;
  const start = i;
  const first = text[i];
  if (first === '"') {
    for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    return [start, Math.min(i + 1, text.length)];
  }
  if (first === '{' || first === '[') {
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (--depth === 0) return [start, i + 1];
      }
    }
    return [start, text.length];
  }
  while (i < text.length && !/[\s,}\]]/.test(text[i])) i++;
  return [start, i];
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** `['dependencies','a','dependencies']` + `b` → `node_modules/a/node_modules/b`. */
function v1Location(parents: readonly string[], key: string): string {
  let loc = '';
  for (let i = 1; i < parents.length; i += 2) loc += `node_modules/${parents[i]}/`;
  return `${loc}node_modules/${key}`;
}

/** The package name a node_modules location installs: `node_modules/@s/a/node_modules/b` → `b`. */
export function nameFromLocation(location: string): string {
  const i = location.lastIndexOf('node_modules/');
  const rest = i < 0 ? location : location.slice(i + 'node_modules/'.length);
  const parts = rest.split('/');
  return parts.length === 2 && parts[0].startsWith('@') ? rest : parts[parts.length - 1];
}

/** The location npm's resolution looks in next: the enclosing package, or the enclosing folder. */
function parentLocation(loc: string): string | undefined {
  if (loc === '') return undefined;
  const i = loc.lastIndexOf('/node_modules/');
  if (i >= 0) return loc.slice(0, i);
  if (loc.startsWith('node_modules/')) return '';
  const j = loc.lastIndexOf('/');
  return j >= 0 ? loc.slice(0, j) : '';
}

/** Node's module resolution over lockfile locations: the nearest `node_modules/<name>` walking up. */
function resolveFrom(locations: Map<string, unknown>, from: string, name: string): string | undefined {
  let loc: string | undefined = from;
  while (loc !== undefined) {
    const candidate = loc === '' ? `node_modules/${name}` : `${loc}/node_modules/${name}`;
    if (locations.has(candidate)) return candidate;
    loc = parentLocation(loc);
  }
  return undefined;
}

function edgesOf(entry: Obj, withDev: boolean): DependencyEdge[] {
  const edges: DependencyEdge[] = [];
  const peerMeta = isObj(entry.peerDependenciesMeta) ? entry.peerDependenciesMeta : {};
  const add = (section: unknown, type: EdgeType) => {
    if (!isObj(section)) return;
    for (const [name, spec] of Object.entries(section)) {
      const meta = peerMeta[name];
      const t = type === 'peer' && isObj(meta) && meta.optional === true ? 'peerOptional' : type;
      edges.push({ name, spec: strOf(spec) ?? '*', type: t });
    }
  };
  add(entry.dependencies, 'prod');
  add(entry.optionalDependencies, 'optional');
  add(entry.peerDependencies, 'peer');
  if (withDev) add(entry.devDependencies, 'dev');
  // npm lists an optional dependency under dependencies too; keep only the optional edge.
  const optional = new Set(edges.filter((e) => e.type === 'optional').map((e) => e.name));
  return optional.size ? edges.filter((e) => e.type !== 'prod' || !optional.has(e.name)) : edges;
}

function newPackage(ctx: Ctx, id: string, name: string, span: Span | undefined): InstalledPackage {
  const [s, e] = span ?? [0, 0];
  return installedPackage({ id, name, version: '', source: 'unknown', dependencies: [], file: ctx.lock.file, range: ctx.index.range(s, e) });
}

function readPackages(ctx: Ctx, packages: Obj, keys: Map<string, Span>): void {
  const { lock, sink } = ctx;
  const nodes = new Map<string, Obj>();
  const invalidEntries: InstalledPackage[] = [];
  for (const [loc, value] of Object.entries(packages)) {
    if (isObj(value)) {
      nodes.set(loc, value);
      continue;
    }
    const key = keys.get(loc) ?? [0, 0];
    const found = describeValue(value);
    if (!loc.includes('node_modules/')) {
      sink.warning('unexpected-type', `"packages" entry "${loc}" should be an object, found ${found}`, ...key);
      continue;
    }
    // An installed package npm cannot read: kept, unjudged, so that the check says so.
    sink.warning('unexpected-type', `"packages" entry "${loc}" should be an object, found ${found}; it is not checked`, ...valueSpan(ctx.text, key[1]));
    const pkg = newPackage(ctx, loc, nameFromLocation(loc), key);
    pkg.invalid = `the entry is ${found}, not an object`;
    invalidEntries.push(pkg);
  }
  const rootEntry = nodes.get('');
  const ws = rootEntry?.workspaces;
  const wsList = isObj(ws) ? ws.packages : ws;
  const workspaceGlobs = Array.isArray(wsList) ? wsList.filter((g): g is string => typeof g === 'string') : [];
  // A link entry stands for its target folder: resolving to a link ends at the target.
  const linkTarget = new Map<string, string>();
  for (const [loc, entry] of nodes) if (entry.link === true) linkTarget.set(loc, strOf(entry.resolved) ?? '');
  const linkedFrom = new Map([...linkTarget].map(([from, to]) => [to, from]));
  const isImporter = (loc: string) => loc === '' || (!loc.includes('node_modules/') && linkedFrom.has(loc) && isWorkspaceDir(loc, workspaceGlobs));
  const importerId = (loc: string) => (loc === '' ? '.' : loc);

  // Edges reach unreadable entries too: they are installed somewhere, just not judged.
  const locations = new Map<string, unknown>([...nodes, ...invalidEntries.map((p): [string, unknown] => [p.id, p])]);
  const resolve = (from: string, name: string): string | undefined => {
    const found = resolveFrom(locations, from, name);
    if (found === undefined) return undefined;
    const target = linkTarget.get(found) ?? found;
    return isImporter(target) ? importerId(target) : target;
  };

  for (const [loc, entry] of nodes) {
    if (linkTarget.has(loc)) continue;
    const local = !loc.includes('node_modules/');
    const edges = edgesOf(entry, local);
    for (const e of edges) e.to = resolve(loc, e.name);
    if (isImporter(loc)) {
      // A workspace entry may omit its name: the link that points at it is named after the package.
      const name = strOf(entry.name) ?? (linkedFrom.has(loc) ? nameFromLocation(linkedFrom.get(loc)!) : undefined);
      lock.importers.push({ id: importerId(loc), name, version: strOf(entry.version), dependencies: edges });
      continue;
    }
    const folderName = nameFromLocation(loc);
    const pkg = newPackage(ctx, loc, strOf(entry.name) ?? folderName, keys.get(loc));
    pkg.version = strOf(entry.version) ?? '';
    pkg.resolved = strOf(entry.resolved);
    pkg.integrity = strOf(entry.integrity);
    pkg.source = local ? 'link' : sourceOfResolved(pkg.resolved);
    pkg.dev = entry.dev === true;
    pkg.optional = entry.optional === true;
    pkg.devOptional = entry.devOptional === true;
    pkg.peer = entry.peer === true;
    pkg.dependencies = edges;
    if (pkg.name !== folderName && !local) pkg.alias = folderName;
    if (entry.hasInstallScript === true) pkg.hasInstallScript = true;
    if (entry.inBundle === true) pkg.bundled = true;
    checkFetchFields(ctx, pkg, entry, loc, loc);
    lock.packages.push(pkg);
  }
  lock.packages.push(...invalidEntries);
}

/**
 * lockfileVersion 1: a nested tree under `dependencies`, with `requires` for each package's edges.
 * Its `version` field holds the spec for anything not from the registry: `file:` folders are links (their
 * nested dependencies live under the link target), tarballs carry the version in their file name, git has none.
 */
function readV1(ctx: Ctx, root: Obj, keys: Map<string, Span>, rootManifest: Manifest | undefined): void {
  const { lock } = ctx;
  const invalidEntries: InstalledPackage[] = [];
  const nodes = new Map<string, Obj>();
  const links = new Map<string, string>();
  // Folders that exist only as link targets (a real entry at the same location wins).
  const linkOnly = new Set<string>();
  const keyOf = new Map<string, Span | undefined>();
  // Where each node's entry is written (a link target's is its link's): positions of its fields.
  const keyLocOf = new Map<string, string>();
  const walk = (deps: unknown, parent: string, keyParent: string) => {
    if (!isObj(deps)) return;
    for (const [name, value] of Object.entries(deps)) {
      const loc = `${parent === '' ? '' : parent + '/'}node_modules/${name}`;
      const keyLoc = `${keyParent === '' ? '' : keyParent + '/'}node_modules/${name}`;
      if (!isObj(value)) {
        const key = keys.get(keyLoc) ?? [0, 0];
        const found = describeValue(value);
        ctx.sink.warning(
          'unexpected-type',
          `"dependencies" entry "${name}" should be an object, found ${found}; it is not checked`,
          ...valueSpan(ctx.text, key[1]),
        );
        const pkg = newPackage(ctx, loc, name, key);
        pkg.invalid = `the entry is ${found}, not an object`;
        invalidEntries.push(pkg);
        continue;
      }
      const version = strOf(value.version) ?? '';
      const target = linkTargetOf(version);
      if (target !== undefined) {
        links.set(loc, target);
        if (!nodes.has(target)) {
          nodes.set(target, value);
          linkOnly.add(target);
          keyOf.set(target, keys.get(keyLoc));
          keyLocOf.set(target, keyLoc);
        }
        walk(value.dependencies, target, keyLoc);
      } else {
        nodes.set(loc, value);
        linkOnly.delete(loc);
        keyOf.set(loc, keys.get(keyLoc));
        keyLocOf.set(loc, keyLoc);
        walk(value.dependencies, loc, keyLoc);
      }
    }
  };
  walk(root.dependencies, '', '');
  const locations = new Map<string, unknown>([...nodes, ...invalidEntries.map((p): [string, unknown] => [p.id, p])]);
  const resolve = (from: string, name: string) => {
    const found = resolveFrom(locations, from, name) ?? resolveFrom(links, from, name);
    return found === undefined ? undefined : (links.get(found) ?? found);
  };

  for (const [loc, entry] of nodes) {
    const isLink = linkOnly.has(loc);
    const folderName = nameFromLocation(loc);
    const meta = isLink ? { name: folderName, version: '', resolved: `file:${loc}` } : v1Meta(folderName, strOf(entry.version) ?? '', strOf(entry.resolved));
    const pkg = newPackage(ctx, loc, meta.name, keyOf.get(loc));
    pkg.version = meta.version;
    pkg.resolved = meta.resolved;
    pkg.integrity = strOf(entry.integrity);
    pkg.source = isLink ? 'link' : sourceOfResolved(pkg.resolved);
    pkg.dev = entry.dev === true;
    pkg.optional = entry.optional === true;
    if (isObj(entry.requires)) {
      for (const [dep, spec] of Object.entries(entry.requires)) {
        pkg.dependencies.push({ name: dep, spec: strOf(spec) ?? '*', type: 'prod', to: resolve(loc, dep) });
      }
    }
    if (meta.name !== folderName) pkg.alias = folderName;
    if (entry.bundled === true) pkg.bundled = true;
    if (!isLink) checkFetchFields(ctx, pkg, entry, `v1:${keyLocOf.get(loc) ?? loc}`, keyLocOf.get(loc) ?? loc);
    lock.packages.push(pkg);
  }
  lock.packages.push(...invalidEntries);

  // v1 does not record the root's edges: take them from package.json, or failing that, the top level.
  const dependencies: DependencyEdge[] = [];
  if (rootManifest) {
    const typeOf: Record<string, EdgeType | undefined> = {
      dependencies: 'prod',
      devDependencies: 'dev',
      optionalDependencies: 'optional',
      peerDependencies: 'peer',
    };
    for (const d of rootManifest.dependencies) {
      const type = typeOf[d.section];
      if (type) dependencies.push({ name: d.name, spec: d.spec.raw, type, to: resolve('', d.name) });
    }
  } else {
    for (const name of Object.keys(isObj(root.dependencies) ? root.dependencies : {})) {
      const to = resolve('', name);
      const p = lock.packages.find((x) => x.id === to);
      dependencies.push({ name, spec: p?.version ?? '*', type: p?.dev ? 'dev' : p?.optional ? 'optional' : 'prod', to });
    }
  }
  lock.importers.push({ id: '.', name: strOf(root.name), version: strOf(root.version), dependencies });
}

/** A v1 `file:` spec of a folder (not a tarball) is a link; returns its target relative to the lockfile. */
function linkTargetOf(version: string): string | undefined {
  if (!version.startsWith('file:') || /\.(tgz|tar\.gz|tar)$/i.test(version)) return undefined;
  return normalisePath(version.slice('file:'.length));
}

/** `a/./b/../c` → `a/c`; keeps leading `..`; `` for the root. */
function normalisePath(p: string): string {
  const out: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** Name, version and resolved URL of a v1 entry whose `version` may be an alias, a git spec or a tarball. */
function v1Meta(folderName: string, version: string, resolved: string | undefined): { name: string; version: string; resolved?: string } {
  const alias = /^npm:((?:@[^/]+\/)?[^@]+)@(.+)$/.exec(version);
  if (alias) return { name: alias[1], version: alias[2], resolved };
  if (/^\d/.test(version) && !version.includes('/')) return { name: folderName, version, resolved };
  // Not a version: the spec of a git repository, a remote tarball or a file tarball.
  const fromTarball = versionFromTarball(folderName, version);
  return { name: fromTarball?.name ?? folderName, version: fromTarball?.version ?? '', resolved: resolved ?? version };
}

/** `…/@s/name/-/name-1.2.3.tgz` or `name-1.2.3.tgz` → name and version; undefined when the file name says neither. */
function versionFromTarball(folderName: string, url: string): { name: string; version: string } | undefined {
  const m = /(?:^|\/)((?:@[^/]+(?:\/|%2f))?[^/]+)\/-\/([^/]+)\.tgz$/i.exec(url);
  const name = m ? decodeURIComponent(m[1]) : folderName;
  const base = m ? m[2] : /([^/:]+)\.tgz$/i.exec(url)?.[1];
  const bare = name.slice(name.lastIndexOf('/') + 1);
  if (!base?.startsWith(bare + '-')) return undefined;
  const version = base.slice(bare.length + 1);
  return /^\d+\.\d+\.\d+/.test(version) ? { name, version } : undefined;
}

// ---- what npm itself reads ---------------------------------------------------------------------------------------

/**
 * Why npm would not use a lockfile's text, and where it stops on it (offset after a dropped byte-order mark).
 * `reason` is short, to quote: `unexpected '/' where a key should be`, `the file is empty`.
 */
export interface NpmRejection {
  reason: string;
  offset: number;
  length: number;
}

const IGNORED = 'npm install ignores the lockfile and installs freshly resolved versions';

/**
 * Whether npm would refuse this package-lock.json / npm-shrinkwrap.json text, as @npmcli/arborist's Shrinkwrap.load
 * reads it: `sw || lock || '{}'` (an empty file counts as none), then parse-conflict-json, which drops a
 * byte-order mark (and json-parse-even-better-errors under it another) and, when the text holds all three kinds of conflict markers, parses the common, ours and theirs
 * texts apart and merges them; otherwise JSON.parse. Any failure there (and a root that is null) makes arborist log
 * "failed to load" and go on with an empty lockfile: every version is resolved afresh. A root that is an array, a
 * string or a number loads, but holds no package either. Undefined when npm reads the text.
 */
export function npmRejection(rawText: string): NpmRejection | undefined {
  const text = stripBom(rawText);
  // Outside a conflict the text goes to json-parse-even-better-errors, which drops a second mark (a space here, to
  // keep offsets: JSON.parse skips it as whitespace).
  const body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  if (body.trim() === '') return { reason: 'the file is empty', offset: 0, length: 0 };
  if (hasConflictMarkers(text)) return conflictRejection(text);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    const at = strictJsonError(body) ?? { message: 'not valid JSON', offset: 0 };
    return { reason: at.message, offset: at.offset, length: at.offset < body.length ? 1 : 0 };
  }
  return rejectionOfValue(value);
}

/** parse-conflict-json's isDiff: all three markers somewhere in the text. */
function hasConflictMarkers(text: string): boolean {
  return text.includes('<<<<<<<') && text.includes('=======') && text.includes('>>>>>>>');
}

function rejectionOfValue(value: unknown): NpmRejection | undefined {
  if (isObj(value)) return undefined;
  const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return { reason: `it holds ${what}, not an object, so npm reads no locked version from it`, offset: 0, length: 0 };
}

/**
 * parse-conflict-json: the text is split into lines at every run of CR/LF; a line holding `|||||||` starts the
 * common part, `<<<<<<<` ours, `=======` theirs, `>>>>>>>` ends the conflict (tested in that order, anywhere in the
 * line, markers included in nothing). Lines outside a conflict go to all three texts, joined without line breaks.
 * Each text is parsed (common, then ours, then theirs) and ours' changes from the common text are applied to
 * theirs, which needs objects on both sides of that diff.
 */
function conflictRejection(text: string): NpmRejection | undefined {
  type Piece = { text: string; starts: [pieceOffset: number, textOffset: number][] };
  const pieces: Record<'parent' | 'ours' | 'theirs', Piece> = {
    parent: { text: '', starts: [] },
    ours: { text: '', starts: [] },
    theirs: { text: '', starts: [] },
  };
  let state: 'top' | 'parent' | 'ours' | 'theirs' = 'top';
  const breaks = /[\n\r]+/g;
  let lineStart = 0;
  for (;;) {
    const m = breaks.exec(text);
    const lineEnd = m ? m.index : text.length;
    const line = text.slice(lineStart, lineEnd);
    if (line.includes('|||||||')) state = 'parent';
    else if (line.includes('<<<<<<<')) state = 'ours';
    else if (line.includes('=======')) state = 'theirs';
    else if (line.includes('>>>>>>>')) state = 'top';
    else {
      for (const side of ['ours', 'theirs', 'parent'] as const) {
        if (state === 'top' || state === side) {
          pieces[side].starts.push([pieces[side].text.length, lineStart]);
          pieces[side].text += line;
        }
      }
    }
    if (!m) break;
    lineStart = m.index + m[0].length;
  }
  const values: Partial<Record<'parent' | 'ours' | 'theirs', unknown>> = {};
  const names = {
    parent: 'the text the conflict sides share (the lines outside the markers, and any ||||||| section)',
    ours: 'the HEAD ("ours") side',
    theirs: 'the other ("theirs") side',
  };
  for (const side of ['parent', 'ours', 'theirs'] as const) {
    const piece = pieces[side];
    try {
      values[side] = JSON.parse(stripBom(piece.text));
    } catch {
      const at = strictJsonError(stripBom(piece.text)) ?? { message: 'not valid JSON', offset: 0 };
      const offset = textOffset(piece, at.offset + (piece.text.charCodeAt(0) === 0xfeff ? 1 : 0), text.length);
      return { reason: `its merge conflict cannot be merged: ${names[side]} is not valid JSON (${at.message})`, offset, length: offset < text.length ? 1 : 0 };
    }
  }
  if (!isObjOrArray(values.parent) || !isObjOrArray(values.ours)) {
    return { reason: 'its merge conflict cannot be merged: its sides are not JSON objects', offset: 0, length: 0 };
  }
  return rejectionOfValue(values.theirs);

  function textOffset(piece: Piece, offset: number, end: number): number {
    let found: [number, number] | undefined;
    for (const s of piece.starts) {
      if (s[0] <= offset) found = s;
      else break;
    }
    return found ? Math.min(found[1] + (offset - found[0]), end) : 0;
  }
}

function isObjOrArray(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}
