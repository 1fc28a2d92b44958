import * as semver from 'semver';
import type { DependencyEdge, EdgeType, Importer, InstalledPackage, Lockfile, PackageSource } from '../model';
import { linkGraph } from '../graph';
import { installedPackage } from './installed-package';
import { LineIndex, stripBom } from '../positions';
import { ProblemSink, plainReason } from '../problems';
import { parseSpec, sourceOfResolved } from '../spec';
import { lazyModule } from '../lazy-module';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const classic = lazyModule(() => require('@yarnpkg/lockfile') as typeof import('@yarnpkg/lockfile'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const berry = lazyModule(() => require('@yarnpkg/parsers') as typeof import('@yarnpkg/parsers'));

/**
 * yarn.lock, classic (v1) and berry (yarn 2+). Both are a list of top-level entries, each keyed by the
 * descriptors (`name@range`, comma-separated) that resolve to it. The file is split into entries by
 * scanning lines, and each entry is parsed on its own by yarn's library: an entry the library rejects
 * becomes a problem and the others are still read. Never throws.
 */

/** True when the text has a top-level `__metadata:` key, which yarn 2+ writes and yarn 1 does not. */
export function isYarnBerry(text: string): boolean {
  return typeof text === 'string' && /^\uFEFF?(__metadata|"__metadata")[ \t]*:/m.test(text);
}

/** yarn.lock v1. `importers` (root and workspaces, edges unresolved) come from package.json files. */
export function parseYarnClassicLockfile(rawText: string, file: string, importers: Importer[]): Lockfile {
  const { entries, index, sink, text } = readEntries(rawText, file, parseClassicBlock);
  const lock: Lockfile = { file, kind: 'yarn-classic', version: '1', importers: [], packages: [], problems: sink.problems };
  const ids = new UniqueIds();
  const byDescriptor = new Map<string, string>();
  for (const entry of entries) {
    const f = entry.fields;
    if (f.version === undefined) {
      sink.error('invalid-lockfile', `yarn.lock entry ${entry.label} has no version; it is left out`, entry.keyStart, entry.keyEnd);
      continue;
    }
    // yarn 1 writes these three as quoted strings; another type (a bare number or boolean, a nested block) is an
    // entry it cannot fetch or verify as written: kept, unjudged.
    const reasons: string[] = [];
    const version = fetchField(text, sink, entry, 'version', reasons) ?? '';
    const resolved = fetchField(text, sink, entry, 'resolved', reasons);
    const integrity = fetchField(text, sink, entry, 'integrity', reasons);
    // `alias@npm:real@^1` names the real package; other descriptors use the real name as their key.
    const aliasRange = entry.descriptors.map((d) => splitDescriptor(d)[1]).find((r) => r.startsWith('npm:'));
    const name = (aliasRange && parseSpec(aliasRange).registryName) || splitDescriptor(entry.descriptors[0])[0];
    const fromSpec = sourceOfSpec(splitDescriptor(entry.descriptors[0])[1]);
    // A git, URL or path spec says more than `resolved` (yarn turns `github:` into a codeload tarball URL).
    const source = (fromSpec !== 'registry' && fromSpec !== 'unknown') || !resolved ? fromSpec : sourceOfResolved(resolved);
    const dependencies = [...edgesOf(f.dependencies, 'prod'), ...edgesOf(f.optionalDependencies, 'optional')];
    const optional = new Set(dependencies.filter((e) => e.type === 'optional').map((e) => e.name));
    const pkg = newPackage(entry, index, file, {
      id: ids.take(`${name}@${version}`),
      name,
      version,
      resolved,
      integrity,
      source,
      dependencies: dependencies.filter((e) => e.type !== 'prod' || !optional.has(e.name)),
    });
    if (reasons.length) pkg.invalid = reasons[0];
    lock.packages.push(pkg);
    for (const d of entry.descriptors) if (!byDescriptor.has(d)) byDescriptor.set(d, pkg.id);
  }
  lock.importers = (importers ?? []).map((i) => ({ ...i, dependencies: i.dependencies.map((e) => ({ ...e })) }));
  resolveEdges(lock, byDescriptor, (e) => [`${e.name}@${e.spec}`]);
  // Without importers nothing is reachable and every package would look dev-only: leave the flags false.
  linkGraph(lock, { computeFlags: lock.importers.length > 0 });
  return lock;
}

/**
 * yarn 2+ (berry) yarn.lock. Workspace entries (`name@workspace:dir`) become the importers; the lockfile merges
 * their devDependencies into `dependencies`, so the caller's `importers` (from package.json), when given,
 * supply each edge's type.
 */
export function parseYarnBerryLockfile(rawText: string, file: string, importers?: Importer[]): Lockfile {
  const { entries, index, sink, text } = readEntries(rawText, file, parseBerryBlock);
  const lock: Lockfile = { file, kind: 'yarn-berry', version: '', importers: [], packages: [], problems: sink.problems };
  const ids = new UniqueIds();
  const byDescriptor = new Map<string, string>();
  for (const entry of entries) {
    const f = entry.fields;
    if (entry.descriptors[0] === '__metadata') {
      lock.version = str(f.version) ?? '';
      continue;
    }
    // Berry writes these as strings; a mapping or a list there cannot be fetched or verified: kept, unjudged.
    const reasons: string[] = [];
    if (f.resolution === undefined) {
      const message = `yarn.lock entry ${entry.label} has no resolution: what yarn installs for it is unknown`;
      sink.warning('invalid-lockfile', message, entry.keyStart, entry.keyEnd);
      reasons.push(message);
    }
    const resolution = fetchField(text, sink, entry, 'resolution', reasons);
    const version = fetchField(text, sink, entry, 'version', reasons) ?? '';
    const checksum = fetchField(text, sink, entry, 'checksum', reasons);
    // Without a readable resolution, the entry's first descriptor names the package.
    const [name, reference] = splitDescriptor(resolution ?? entry.descriptors[0]);
    const dependencies = berryEdgesOf(f);
    let id: string;
    if (resolution !== undefined && reference.startsWith('workspace:')) {
      id = reference.slice('workspace:'.length) || '.';
      lock.importers.push({ id, name, dependencies: withCallerTypes(dependencies, importers, id, name) });
    } else {
      const pkg = newPackage(entry, index, file, {
        id: ids.take(resolution ?? entry.descriptors[0]),
        name,
        version,
        resolved: resolution,
        integrity: checksum,
        source: resolution === undefined ? 'unknown' : sourceOfReference(reference),
        dependencies,
      });
      if (reasons.length) pkg.invalid = reasons[0];
      // Platform-conditional packages (`conditions: os=aix & cpu=ppc64`): yarn records no checksum for them.
      if (typeof f.conditions === 'string' && f.conditions) pkg.conditions = f.conditions;
      lock.packages.push(pkg);
      id = pkg.id;
    }
    for (const d of entry.descriptors) if (!byDescriptor.has(d)) byDescriptor.set(d, id);
  }
  if (lock.version === '' && entries.length) sink.warning('invalid-lockfile', 'yarn.lock has no __metadata entry, so its version is unknown', 0);
  lock.importers.sort((a, b) => (a.id === '.' ? -1 : b.id === '.' ? 1 : 0));
  // Berry writes `npm:`-prefixed ranges; some versions write bare ranges, which mean the same.
  resolveEdges(lock, byDescriptor, (e) => [`${e.name}@${e.spec}`, `${e.name}@npm:${e.spec}`]);
  linkGraph(lock, { computeFlags: lock.importers.length > 0 });
  return lock;
}

// ---- splitting into entries -------------------------------------------------------------------------------

interface Entry {
  /** The descriptors of the key, e.g. [`accepts@npm:~1.3.8`], unquoted. */
  descriptors: string[];
  fields: Record<string, unknown>;
  /** The key as written (quotes included, colon excluded), its offsets, and a short label for messages. */
  keyStart: number;
  keyEnd: number;
  /** End of the entry's text (the next entry's start). */
  end: number;
  label: string;
}

/** What a library makes of one entry's text: the descriptors of its key and the fields under it. */
type BlockParser = (src: string) => { descriptors: string[]; fields: unknown };

/** Splits the text into top-level entries, parses each, and reports the ones that cannot be read. */
function readEntries(rawText: string, file: string, parseBlock: BlockParser): { entries: Entry[]; index: LineIndex; sink: ProblemSink; text: string } {
  // yarn drops a byte-order mark before parsing (both versions); positions count from the character after it.
  const text = typeof rawText === 'string' ? stripBom(rawText) : '';
  const index = new LineIndex(text);
  const sink = new ProblemSink(file, index);
  const entries: Entry[] = [];
  if (text.length > MAX_CHARS) {
    sink.error(
      'invalid-lockfile',
      `yarn.lock is larger than ${MAX_CHARS / 1024 / 1024} MB, far larger than any real one, and was not read`,
      MAX_CHARS,
      MAX_CHARS,
    );
    return { entries, index, sink, text };
  }
  const { blocks, stray } = splitBlocks(text);
  if (stray !== undefined) sink.error('invalid-lockfile', 'Indented text before the first yarn.lock entry is ignored', stray, lineEnd(text, stray));
  for (const b of blocks) {
    const label = JSON.stringify(text.slice(b.start, b.keyEnd).replace(/"/g, '').slice(0, 80));
    // An entry that cannot be read is named by its line and at most its package name, never by its text: that could
    // be anything (a token, were the "lockfile" some other file).
    const line = index.position(b.start).line + 1;
    const name = /^(@?[a-z0-9][\w.~-]{0,100}(?:\/[\w.~-]{1,100})?)@/i.exec(text.slice(b.start, b.keyEnd).replace(/"/g, ''))?.[1];
    const unread = name ? `the yarn.lock entry for ${name} (line ${line})` : `the yarn.lock entry on line ${line}`;
    if (b.deep !== undefined) {
      sink.error(
        'invalid-lockfile',
        `Cannot read ${unread}: it is indented more than ${MAX_INDENT} columns here, deeper than any lockfile; it is left out`,
        b.deep,
        lineEnd(text, b.deep),
      );
      continue;
    }
    try {
      const { descriptors, fields } = parseBlock(text.slice(b.start, b.end));
      if (!descriptors.length || !fields || typeof fields !== 'object') throw new Error('the entry has no fields');
      entries.push({ descriptors, fields: fields as Record<string, unknown>, keyStart: b.start, keyEnd: b.keyEnd, end: b.end, label });
    } catch (err) {
      const at = errorLocation(err);
      let start = b.start;
      let end = b.keyEnd;
      if (at) {
        // The library counts lines within the entry; clamp to the entry and to that line.
        const firstLine = index.position(b.start).line;
        const lastLine = index.position(Math.max(b.start, b.end - 1)).line;
        const line = index.lineRange(Math.min(firstLine + at.line, lastLine));
        start = Math.min(line.startOffset + at.column, line.endOffset);
        end = line.endOffset;
      }
      sink.error('invalid-lockfile', `Cannot read ${unread}: ${errorReason(err)}; it is left out`, start, end);
    }
  }
  return { entries, index, sink, text };
}

/** As for pnpm-lock.yaml: real yarn.lock files are a few megabytes (sentry's 3,999 packages: 1.4 MB). */
const MAX_CHARS = 128 * 1024 * 1024;

interface Block {
  /** Offset of the key line; offset of the key's trailing colon (or of the end of the line); end of the entry. */
  start: number;
  keyEnd: number;
  end: number;
  /** Offset of the first line indented deeper than MAX_INDENT, if any. */
  deep?: number;
}

/**
 * Deepest indentation read in an entry, in columns. yarn writes fields at 2 and their maps at 4 (berry: 6 under
 * dependenciesMeta). Both libraries recurse once per level: @yarnpkg/lockfile overflowed the stack at about 6,000
 * levels (a 36 MB entry), which it throws, but so close to the limit V8 may abort instead. 64 columns is 32 levels.
 */
const MAX_INDENT = 64;

/** An entry starts at a line that is neither indented, blank nor a comment, and runs to the next one. */
function splitBlocks(text: string): { blocks: Block[]; stray?: number } {
  const blocks: Block[] = [];
  let stray: number | undefined;
  let pos = 0;
  while (pos < text.length) {
    const end = lineEnd(text, pos);
    const line = text.slice(pos, end);
    const content = line.trim();
    if (content !== '' && !content.startsWith('#')) {
      if (line[0] !== ' ' && line[0] !== '\t') {
        if (blocks.length) blocks[blocks.length - 1].end = pos;
        const colon = line.trimEnd().endsWith(':') ? line.trimEnd().length - 1 : line.trimEnd().length;
        blocks.push({ start: pos, keyEnd: pos + colon, end: text.length });
      } else if (!blocks.length && stray === undefined) {
        stray = pos;
      } else if (blocks.length && blocks[blocks.length - 1].deep === undefined && line.length - line.trimStart().length > MAX_INDENT) {
        blocks[blocks.length - 1].deep = pos;
      }
    }
    pos = end + 1;
  }
  return { blocks, stray };
}

function lineEnd(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i < 0 ? text.length : i;
}

/**
 * @yarnpkg/lockfile's lexer never stops on a string without a closing quote (it grows the string until memory
 * runs out) nor on a comment without a final newline. This tail ends both: a newline, then a comment holding a
 * quote, which closes a runaway string (a string with a line break is invalid, so that is an error as it should be).
 */
const CLASSIC_TAIL = '\n#"\n';

/**
 * yarn 1.22 also reads `key: value` fields (npm arborist's test lockfiles have such lines); @yarnpkg/lockfile 1.1.0,
 * older, rejects them. Dropping that colon gives the form both read (`key value`), on the same line.
 */
const COLON_FIELD = /^([ \t]+)("(?:[^"\\\n]|\\.)*"|[^\s":,#]+):[ \t]+(?=[^\s#])/gm;

/** A line of blanks only: yarn writes none, but parseLockfile leaves them where a merge conflict was. */
const BLANK_LINE = /^[ \t]+\r?$/m;

/**
 * parseLockfile reads a merge conflict's HEAD side by blanking the markers and the other side (offsets kept). To
 * @yarnpkg/lockfile a line of blanks is indentation (an odd count is "Invalid number of spaces"), and an empty line
 * inside an entry ends the entry's fields: either way the entry, or what follows the conflict in it, was lost. Each
 * such line becomes a comment at the indentation of the next line, which the library skips without ending anything;
 * line numbers, and columns on the other lines, stay the same for error positions.
 */
function commentOutBlankLines(src: string): string {
  const lines = src.split('\n');
  let nextIndent = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    const cr = line.endsWith('\r') ? '\r' : '';
    const content = cr ? line.slice(0, -1) : line;
    if (content.trim() !== '') nextIndent = /^[ \t]*/.exec(content)![0];
    else if (content !== '') lines[i] = (nextIndent ? `${nextIndent}#` : '') + cr;
  }
  return lines.join('\n');
}

function parseClassicBlock(src: string) {
  const text = BLANK_LINE.test(src) ? commentOutBlankLines(src) : src;
  const object = classic().parse(text.replace(COLON_FIELD, '$1$2 ') + CLASSIC_TAIL).object as Record<string, unknown>;
  // The library gives every descriptor of a key its own property, all sharing one object.
  const descriptors = Object.keys(object);
  const fields = object[descriptors[0]];
  flattenStrings(fields, 0);
  return { descriptors, fields };
}

/**
 * The yarn 1 library builds each value a character at a time: every string it returns is a chain of one V8 string
 * piece per character (an 88-character integrity is 82 pieces, 2.6 KB instead of ~100 bytes; sentry's yarn.lock
 * kept 9.8 MB of them alive through a scan). Reading a character of a chained string makes V8 flatten it in place.
 */
function flattenStrings(v: unknown, depth: number): void {
  if (!v || typeof v !== 'object' || depth > 4) return;
  for (const x of Object.values(v)) {
    if (typeof x === 'string') x.charCodeAt(0);
    else flattenStrings(x, depth + 1);
  }
}

function parseBerryBlock(src: string) {
  const object = berry().parseSyml(src);
  const keys = Object.keys(object);
  return { descriptors: keys.flatMap((k) => k.split(/\s*,\s*/)), fields: object[keys[0]] };
}

/** Line (0-based, within the entry) and column of a library error, when it says. */
function errorLocation(err: unknown): { line: number; column: number } | undefined {
  const mark = (err as { mark?: { line?: unknown; column?: unknown } } | undefined)?.mark; // js-yaml (berry)
  if (mark && typeof mark.line === 'number') return { line: mark.line, column: typeof mark.column === 'number' ? mark.column : 0 };
  const m = / (\d+):(\d+) in lockfile$/.exec(firstLine(err)); // @yarnpkg/lockfile: "… 3:9 in lockfile", 1-based line
  return m ? { line: Math.max(0, Number(m[1]) - 1), column: Number(m[2]) } : undefined;
}

function errorReason(err: unknown): string {
  // The parsers' messages may quote what they read (js-yaml: a tag, an alias): plain words only.
  const reason = firstLine(err).replace(/^Unknown token: \{.*\}( \d+:\d+ in lockfile)?$/, 'unexpected character');
  return plainReason(reason, 'invalid syntax');
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}

// ---- packages and edges ------------------------------------------------------------------------------------

type PackageFacts = Pick<InstalledPackage, 'id' | 'name' | 'version' | 'resolved' | 'integrity' | 'source' | 'dependencies'>;

/** A package for one entry; the graph flags start false and linkGraph fills them. */
function newPackage(entry: Entry, index: LineIndex, file: string, facts: PackageFacts): InstalledPackage {
  const pkg = installedPackage({
    id: facts.id,
    name: facts.name,
    version: facts.version,
    resolved: facts.resolved,
    integrity: facts.integrity,
    source: facts.source,
    dependencies: facts.dependencies,
    file,
    range: index.range(entry.keyStart, entry.keyEnd),
  });

  const alias = aliasOf(entry.descriptors, facts.name);
  if (alias !== undefined) pkg.alias = alias;
  return pkg;
}

/** Ids stay unique when two entries resolve to the same name@version: the second gets `#2`. */
class UniqueIds {
  private readonly seen = new Set<string>();
  take(id: string): string {
    let unique = id;
    for (let n = 2; this.seen.has(unique); n++) unique = `${id}#${n}`;
    this.seen.add(unique);
    return unique;
  }
}

/** `@scope/name@range` → [`@scope/name`, `range`]. */
function splitDescriptor(descriptor: string): [string, string] {
  const at = descriptor.indexOf('@', 1);
  return at < 0 ? [descriptor, ''] : [descriptor.slice(0, at), descriptor.slice(at + 1)];
}

/** The name the package is installed under when no descriptor uses its real name (`alias@npm:real@^1`). */
function aliasOf(descriptors: string[], name: string): string | undefined {
  const keyNames = descriptors.map((d) => splitDescriptor(d)[0]);
  return keyNames.includes(name) ? undefined : keyNames[0];
}

/** What a parsed value is, for messages: `a number (5)`, `a mapping`, … */
function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v === 'number' || typeof v === 'boolean' ? `a ${typeof v} (${String(v)})` : `a ${typeof v}`;
}

/**
 * One field the package manager fetches or verifies the package by: its string, or undefined when absent or of
 * another type. Another type is a warning at the field's value (its line within the entry) and a reason in
 * `reasons`, which leaves the package unjudged (InstalledPackage.invalid).
 */
function fetchField(text: string, sink: ProblemSink, entry: Entry, field: string, reasons: string[]): string | undefined {
  const v = entry.fields[field];
  if (v === undefined || typeof v === 'string') return v;
  const found = describeValue(v);
  const [s, e] = fieldValueSpan(text, entry, field) ?? [entry.keyStart, entry.keyEnd];
  sink.warning('unexpected-type', `"${field}" of yarn.lock entry ${entry.label} should be a string, found ${found}; the package is not checked`, s, e);
  reasons.push(`its "${field}" is ${found}, not a string`);
  return undefined;
}

/** Offsets of a field's value in an entry (`  field "x"`, `  field: x`); the field's key when its value is a block. */
function fieldValueSpan(text: string, entry: Entry, field: string): [number, number] | undefined {
  const body = text.slice(entry.keyEnd, entry.end);
  const name = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^([ \\t]+)("?${name}"?)([ \\t]*:?[ \\t]*)(.*?)[ \\t]*\\r?$`, 'm').exec(body);
  if (!m) return undefined;
  const keyStart = entry.keyEnd + m.index + m[1].length;
  const valueStart = keyStart + m[2].length + m[3].length;
  return m[4] === '' ? [keyStart, keyStart + m[2].length] : [valueStart, valueStart + m[4].length];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function edgesOf(section: unknown, type: EdgeType): DependencyEdge[] {
  return Object.entries(record(section)).map(([name, spec]) => ({ name, spec: str(spec) ?? '*', type }));
}

/** Berry marks optional dependencies and optional peers in `dependenciesMeta` / `peerDependenciesMeta`. */
function berryEdgesOf(f: Record<string, unknown>): DependencyEdge[] {
  const isOptional = (meta: unknown, name: string) => str(record(record(meta)[name]).optional) === 'true';
  const edges = [...edgesOf(f.dependencies, 'prod'), ...edgesOf(f.peerDependencies, 'peer')];
  for (const e of edges) {
    if (e.type === 'prod' && isOptional(f.dependenciesMeta, e.name)) e.type = 'optional';
    if (e.type === 'peer' && isOptional(f.peerDependenciesMeta, e.name)) e.type = 'peerOptional';
  }
  return edges;
}

const isPeer = (t: EdgeType) => t === 'peer' || t === 'peerOptional';

/** A workspace's edges with the types its package.json gives them (dev, optional), when the caller knows it. */
function withCallerTypes(edges: DependencyEdge[], importers: Importer[] | undefined, id: string, name: string): DependencyEdge[] {
  const given = importers?.find((i) => i.id === id) ?? importers?.find((i) => i.name !== undefined && i.name === name);
  if (!given) return edges;
  for (const e of edges) {
    const declared = given.dependencies.find((d) => d.name === e.name && isPeer(d.type) === isPeer(e.type));
    if (declared) e.type = declared.type;
  }
  return edges;
}

/**
 * Points every edge of the importers and packages at the entry whose key lists one of `candidates(edge)`.
 * Failing that, an edge may name a workspace (yarn 1 does not lock workspaces), and a peer may be met by any
 * locked version that satisfies its range (peers are resolved by the dependent's tree, not locked per package).
 */
function resolveEdges(lock: Lockfile, byDescriptor: Map<string, string>, candidates: (e: DependencyEdge) => string[]): void {
  const workspaceByName = new Map(lock.importers.filter((i) => i.name).map((i) => [i.name!, i.id]));
  const byName = new Map<string, InstalledPackage[]>();
  for (const p of lock.packages) {
    const list = byName.get(p.name);
    if (list) list.push(p);
    else byName.set(p.name, [p]);
  }
  const resolve = (e: DependencyEdge): string | undefined => {
    for (const d of candidates(e)) {
      const id = byDescriptor.get(d);
      if (id !== undefined) return id;
    }
    const ws = workspaceByName.get(e.name);
    if (ws !== undefined) return ws;
    if (!isPeer(e.type)) return undefined;
    const range = e.spec.replace(/^npm:/, '');
    return byName.get(e.name)?.find((p) => semver.satisfies(p.version, range, { loose: true, includePrerelease: true }))?.id;
  };
  for (const owner of [...lock.importers, ...lock.packages]) {
    for (const e of owner.dependencies) e.to = resolve(e);
  }
}

/** Where a package comes from, judged by the range yarn 1 resolved. */
function sourceOfSpec(range: string): PackageSource {
  // Protocols, URLs, paths and shorthands all hold a `:` or a `/`; the rest are ranges, versions or tags, and
  // skipping parseSpec for them (its semver checks) makes reading a large yarn.lock several times faster.
  if (!/[:/]/.test(range) && !range.endsWith('.git')) return 'registry';
  const type = parseSpec(range).type;
  if (type === 'range' || type === 'version' || type === 'tag' || type === 'alias') return 'registry';
  return type === 'git' || type === 'remote' || type === 'file' || type === 'link' || type === 'workspace' ? type : 'unknown';
}

/** A patch of a patch is possible; yarn writes one level (two for a patched builtin patch at most). */
const MAX_PATCH_NESTING = 8;

/** Where a berry package comes from, by the protocol of its resolution (`npm:1.3.8`, `https://…`, `patch:…`). */
function sourceOfReference(resolutionReference: string): PackageSource {
  let reference = resolutionReference;
  // `patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::…`: the patched package's own resolution. A loop with a
  // bound, not recursion: each level decodes what is left, so a hostile `patch:a@patch:a@…` of a megabyte took
  // gigabytes (V8 ran out of memory) before it could overflow the stack.
  for (let depth = 0; reference.startsWith('patch:'); depth++) {
    if (depth === MAX_PATCH_NESTING) return 'unknown';
    const inner = safeDecode(reference.slice('patch:'.length).split('#', 1)[0]);
    reference = splitDescriptor(inner)[1];
  }
  if (reference.startsWith('npm:')) return 'registry';
  if (reference.startsWith('workspace:')) return 'workspace';
  if (/^(git[+:@]|github:|gitlab:|bitbucket:|ssh:)/.test(reference) || /\.git#|#commit=/.test(reference)) return 'git';
  if (/^https?:/.test(reference)) return 'remote';
  if (reference.startsWith('file:')) return 'file';
  if (reference.startsWith('portal:') || reference.startsWith('link:')) return 'link';
  return 'unknown';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
