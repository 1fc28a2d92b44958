/**
 * npm run bench:detect — detection quality of the content analyzers, in two parts:
 *
 *  a. False positives on real releases: for each package in bench/detect/packages.txt, the latest release
 *     (dist-tags.latest) against the highest stable version below it (by semver: the mirror these machines reach
 *     scrambles `time`), both tarballs downloaded through the normal npm config and integrity-checked. Counts the
 *     packages with a finding at high or above (target ≤ 1 %) and lists each with its evidence so it can be judged.
 *  b. Replicas (bench/detect/replicas.ts): harmless local packages with the structure of real incidents, served by
 *     the fixture registry. Each must be flagged at high or above; the controls must not be.
 *  c. Behaviour families (bench/detect/corpus.ts): about a hundred short malicious snippets in a dozen families and
 *     two dozen benign look-alikes, each injected as a new release into the latest real tarball of one of a few
 *     real packages (in memory) and compared with that release. Prints recall (high or above) and false
 *     positives per family. Targets: ≥ 80 % of malicious snippets at high or above, ≤ 1 benign in 20 at high.
 *
 * Writes bench/results/detect-<YYYY-MM-DD>.md. Tarballs and packuments are cached under .trustlens-bench-cache/.
 *  c. Metadata signals on the real packuments of ../shared/fixtures, and d. the 2026 attack shapes with their
 *     benign look-alikes through the whole engine: see detect/shapes-bench.ts.
 *
 * Environment: BENCH_LIMIT (first N packages), BENCH_CONCURRENCY (default 8), BENCH_ONLY=real|replicas|corpus|metadata|shapes,
 * BENCH_PACKAGES (another list), BENCH_NO_WRITE=1 (print only), BENCH_CACHE_DIR, BENCH_TAG (appended to the report's name).
 * Nothing from any tarball is ever executed: tarballs are read in memory by readTarball.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as semver from 'semver';
import * as content from '../src/core/content/index';
import type { PackageContents, PackageFile } from '../src/core/content/types';
import type { RawFinding } from '../src/core/trust/context';
import { SEVERITIES, type Severity } from '../src/core/trust/types';
import { summarizePackument } from '../src/core/trust/summarize';
import { type ContentAnalyzerContext, downloadTarball, expectedIntegrity } from '../src/engine/content/fetch-contents';
import { type TarballContents, readTarball } from '../src/engine/content/read-tarball';
import { EngineError } from '../src/engine/infra/errors';
import { RegistryHttp } from '../src/engine/registry/http';
import { type NpmConfig, loadNpmConfig, registryFor, registryMap } from '../src/engine/registry/npmrc';
import { escapeName } from '../src/engine/registry/packuments';
import { startFixtureRegistry } from '../test/fixtures/registry/server';
import { BENIGN, HOSTS, MALICIOUS, type Snippet } from './detect/corpus';
import { CONTROLS, REPLICAS, buildReplicaCorpus } from './detect/replicas';
import { issue16Parts } from './detect/shapes-bench';

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../..' : '..');
const CACHE = path.resolve(ROOT, process.env.BENCH_CACHE_DIR ?? '.trustlens-bench-cache');
const PACKAGES_FILE = path.resolve(ROOT, process.env.BENCH_PACKAGES ?? 'bench/detect/packages.txt');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIMIT = process.env.BENCH_LIMIT ? Number(process.env.BENCH_LIMIT) : Infinity;
const ONLY = process.env.BENCH_ONLY;
const PACKUMENT_TTL_MS = 24 * 3600_000;
const FP_TARGET = 0.01;
const RECALL_TARGET = 0.8;
const BENIGN_TARGET = 1 / 20;

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const atLeast = (s: Severity, min: Severity) => rank(s) >= rank(min);
const maxSeverity = (fs_: RawFinding[]): Severity | undefined =>
  fs_.reduce<Severity | undefined>((m, f) => (!m || rank(f.severity) > rank(m) ? f.severity : m), undefined);

// ---------------------------------------------------------------- the analyzers

interface Analyzer {
  version: string;
  run: (current: PackageContents, previous: PackageContents, context: ContentAnalyzerContext) => Promise<RawFinding[]>;
}

/** The analyzers of src/core/content (their version, when the module exports one, goes into the report). */
function loadAnalyzer(): Analyzer {
  const exported = content as unknown as Record<string, unknown>;
  const version = [exported.ANALYZER_VERSION, exported.CONTENT_ANALYZER_VERSION].find((v) => typeof v === 'string' || typeof v === 'number');
  return {
    version: version === undefined ? 'unversioned' : String(version),
    run: async (current, previous, context) => content.analyzeContentChange({ current, previous, ...context }),
  };
}

// ---------------------------------------------------------------- one package: packument → two tarballs → findings

interface PackageResult {
  name: string;
  previous?: string;
  latest?: string;
  findings: RawFinding[];
  skipped?: string;
  error?: string;
  ms: number;
  analyzeMs?: number;
  bytes?: number;
  truncated?: string;
}

interface Packument {
  name?: string;
  'dist-tags'?: Record<string, string>;
  versions?: Record<string, { dist?: { tarball?: string; integrity?: string; shasum?: string }; [k: string]: unknown }>;
}

interface Source {
  http: RegistryHttp;
  registryOf: (name: string) => string;
  /** Cache folder, or undefined to cache nothing (the local fixture registry). */
  cacheDir?: string;
  stats: { tarballsDownloaded: number; tarballsCached: number; bytesDownloaded: number };
}

async function packument(src: Source, name: string): Promise<Packument | undefined> {
  const file = src.cacheDir ? path.join(src.cacheDir, 'packuments', `${encodeURIComponent(name)}.json`) : undefined;
  if (file && fs.existsSync(file) && Date.now() - fs.statSync(file).mtimeMs < PACKUMENT_TTL_MS) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Packument;
    } catch {
      // refetch
    }
  }
  const registry = src.registryOf(name);
  const res = await src.http.request(`${registry}${escapeName(name)}`, { registry, headers: { accept: 'application/json' } });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new EngineError('http-error', `packument of ${name}: HTTP ${res.status}`, res.status);
  const full = JSON.parse(res.body.toString('utf8')) as Packument & { name?: string };
  // Only what the bench needs: dist-tags and the version documents. `time` is left out on purpose: the mirror scrambles it.
  const doc: Packument = { name: full.name, 'dist-tags': full['dist-tags'], versions: full.versions };
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(doc));
  }
  return doc;
}

/** latest = dist-tags.latest; previous = the highest stable version below it (semver, since `time` is not trustworthy here). */
export function pickVersions(doc: Packument): { latest: string; previous: string } | { skip: string } {
  const latest = doc['dist-tags']?.latest;
  const versions = Object.keys(doc.versions ?? {});
  if (!latest || !semver.valid(latest) || !doc.versions?.[latest]) return { skip: 'no valid dist-tags.latest' };
  const below = versions.filter((v) => semver.valid(v) && !semver.prerelease(v) && semver.lt(v, latest)).sort(semver.rcompare);
  if (!below.length) return { skip: 'no stable release below latest' };
  return { latest, previous: below[0] };
}

async function tarball(src: Source, name: string, version: string, doc: Packument): Promise<TarballContents> {
  const dist = doc.versions![version].dist ?? {};
  if (!dist.tarball) throw new EngineError('bad-response', `${name}@${version} has no dist.tarball`);
  const integrity = expectedIntegrity(dist);
  const file = src.cacheDir ? path.join(src.cacheDir, 'tarballs', `${encodeURIComponent(name)}@${version}.tgz`) : undefined;
  let tgz: Buffer | undefined;
  if (file && fs.existsSync(file)) {
    tgz = fs.readFileSync(file);
    src.stats.tarballsCached++;
  }
  if (tgz) {
    try {
      return await readTarball(tgz, { name, version, integrity });
    } catch (e) {
      if ((e as EngineError).code !== 'integrity') throw e;
      fs.rmSync(file!, { force: true }); // a stale or damaged cache entry: download again
    }
  }
  tgz = await downloadTarball(src.http, dist.tarball, { name, version, integrity, registry: src.registryOf(name) });
  src.stats.tarballsDownloaded++;
  src.stats.bytesDownloaded += tgz.length;
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, tgz);
    fs.renameSync(`${file}.tmp`, file);
  }
  return readTarball(tgz, { name, version, integrity });
}

/**
 * What the analyzers get besides the tarballs, as the engine would give it: the registry's summary of the latest
 * version, and the sizes of the (at most 20) stable releases before it, by semver.
 */
function contextFor(doc: Packument, latest: string, registry: string): ContentAnalyzerContext {
  const summary = summarizePackument(doc, registry, new Date().toISOString());
  const earlier = Object.keys(doc.versions ?? {})
    .filter((v) => semver.valid(v) && !semver.prerelease(v) && semver.lt(v, latest))
    .sort(semver.rcompare)
    .slice(0, 20);
  const history = earlier
    .map((v) => summary?.versions[v])
    .filter((v) => v !== undefined)
    .map((v) => ({ unpackedSize: v.unpackedSize, fileCount: v.fileCount }));
  return { registry: summary?.versions[latest], history };
}

async function analyzePackage(src: Source, analyzer: Analyzer, name: string, pin?: { previous: string; latest: string }): Promise<PackageResult> {
  const started = Date.now();
  const result: PackageResult = { name, findings: [], ms: 0 };
  try {
    const doc = await packument(src, name);
    if (!doc) return { ...result, skipped: 'not on the registry (404)', ms: Date.now() - started };
    const picked = pin ?? pickVersions(doc);
    if ('skip' in picked) return { ...result, skipped: picked.skip, ms: Date.now() - started };
    result.previous = picked.previous;
    result.latest = picked.latest;
    const [prev, cur] = await Promise.all([tarball(src, name, picked.previous, doc), tarball(src, name, picked.latest, doc)]);
    result.bytes = cur.bytesRead + prev.bytesRead;
    if (cur.truncated || prev.truncated)
      result.truncated = [cur.truncated && `latest: ${cur.truncated}`, prev.truncated && `previous: ${prev.truncated}`].filter(Boolean).join(', ');
    const t = Date.now();
    try {
      result.findings = await analyzer.run(cur, prev, contextFor(doc, picked.latest, src.registryOf(name)));
    } catch (e) {
      result.error = `analyzer threw: ${(e as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(e)}`;
    }
    result.analyzeMs = Date.now() - t;
  } catch (e) {
    const code = e instanceof EngineError ? e.code : 'error';
    result.skipped = `${code}: ${String((e as Error).message ?? e).split('\n')[0]}`;
  }
  result.ms = Date.now() - started;
  return result;
}

async function pool<T, R>(items: T[], n: number, f: (item: T, i: number) => Promise<R>, onDone?: (r: R, done: number) => void): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i], i);
        onDone?.(out[i], ++done);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------- report

const md = (s: string) =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'");
const clip = (s: string, n = 240) => (s.length > n ? `${s.slice(0, n)}…` : s);

function findingCell(f: RawFinding): string {
  const ev = f.evidence.map((e) => `${md(clip(e.label, 80))}: \`${md(clip(e.value))}\``).join('<br>');
  return `**${f.code}** (${f.severity}): ${md(clip(f.message, 300))}${ev ? `<br>${ev}` : ''}`;
}

function machine(): string {
  const cpus = os.cpus();
  return `${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, node ${process.version}`;
}

interface ReplicaRow {
  id: string;
  package: string;
  kind: 'replica' | 'control';
  mirrors: string;
  expected: string;
  max?: Severity;
  codes: string;
  pass: boolean;
  result: PackageResult;
}

async function runReplicas(analyzer: Analyzer): Promise<ReplicaRow[]> {
  const corpus = await buildReplicaCorpus();
  const registry = await startFixtureRegistry(corpus);
  try {
    const config: NpmConfig = { values: { registry: registry.url }, sources: [] };
    const src: Source = {
      http: new RegistryHttp({ config, retries: 0 }),
      registryOf: () => registry.url,
      stats: { tarballsDownloaded: 0, tarballsCached: 0, bytesDownloaded: 0 },
    };
    const rows: ReplicaRow[] = [];
    for (const r of REPLICAS) {
      const result = await analyzePackage(src, analyzer, r.package, { previous: r.previous.version, latest: r.current.version });
      const max = maxSeverity(result.findings);
      rows.push({
        id: r.id,
        package: r.package,
        kind: 'replica',
        mirrors: r.mirrors,
        expected: `≥ ${r.minSeverity}`,
        max,
        codes: codesOf(result.findings, 'medium'),
        pass: !result.skipped && !result.error && !!max && atLeast(max, r.minSeverity),
        result,
      });
    }
    for (const c of CONTROLS) {
      const result = await analyzePackage(src, analyzer, c.package, { previous: c.previous.version, latest: c.current.version });
      const max = maxSeverity(result.findings);
      rows.push({
        id: c.id,
        package: c.package,
        kind: 'control',
        mirrors: c.why,
        expected: `< ${c.maxSeverityBelow}`,
        max,
        codes: codesOf(result.findings, 'low'),
        pass: !result.skipped && !result.error && (!max || !atLeast(max, c.maxSeverityBelow)),
        result,
      });
    }
    return rows;
  } finally {
    await registry.close();
  }
}

// ---------------------------------------------------------------- part c: behaviour families injected into real tarballs

/** The main file of a package, as node resolves `require(name)` (or index.js). */
function mainOf(c: PackageContents): string | undefined {
  const m = c.manifest?.main;
  const cands = typeof m === 'string' ? [m, `${m}.js`, `${m}/index.js`] : [];
  cands.push('index.js');
  for (const x of cands) {
    const p = x.replace(/^\.\//, '');
    if (c.files.get(p)?.data) return p;
  }
  return undefined;
}

function withFile(files: Map<string, PackageFile>, p: string, data: Buffer): void {
  files.set(p, { path: p, size: data.length, mode: 0o644, data });
}

function relativeFrom(from: string, to: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), to);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/**
 * The snippet injected into a copy of `base` as its next patch release, the way the incidents did it: appended
 * to the main file, as new files the main file requires, or as new files a new install hook runs. Nothing is
 * written anywhere: the copy lives in memory.
 */
export function inject(base: PackageContents, s: Snippet): PackageContents {
  const files = new Map(base.files);
  const version = semver.inc(base.version, 'patch') ?? `${base.version}-1`;
  const manifest: Record<string, unknown> = { ...(base.manifest ?? {}), version };
  const main = mainOf(base) ?? 'index.js';
  const entries = Object.entries(s.files ?? {});
  for (const [p, d] of entries) withFile(files, p, Buffer.isBuffer(d) ? d : Buffer.from(d, 'utf8'));
  const mainText = files.get(main)?.data?.toString('utf8') ?? '';
  if (s.delivery === 'append-main') withFile(files, main, Buffer.from(`${mainText}${s.code ?? ''}`, 'utf8'));
  else if (s.delivery === 'require-from-main')
    withFile(files, main, Buffer.from(`${mainText}\nrequire(${JSON.stringify(relativeFrom(main, entries[0][0]))});\n`, 'utf8'));
  else {
    const scripts = { ...((manifest.scripts as Record<string, string> | undefined) ?? {}) };
    scripts[s.delivery] = s.hook ?? `node ${entries[0][0]}`;
    manifest.scripts = scripts;
  }
  withFile(files, 'package.json', Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'));
  let unpackedSize = 0;
  for (const f of files.values()) unpackedSize += f.size;
  return { ...base, version, files, manifest, unpackedSize, fileCount: files.size, bytesRead: base.bytesRead };
}

/** A package that already had native code: binding.gyp in both releases. */
function withNativeCode(c: PackageContents): PackageContents {
  const files = new Map(c.files);
  withFile(files, 'binding.gyp', Buffer.from('{ "targets": [ { "target_name": "addon", "sources": [ "src/addon.cc" ] } ] }\n'));
  withFile(files, 'src/addon.cc', Buffer.from('#include <node_api.h>\n'));
  return { ...c, files, fileCount: files.size };
}

interface CorpusRow {
  snippet: Snippet;
  kind: 'malicious' | 'benign';
  host: string;
  findings: RawFinding[];
  max?: Severity;
  error?: string;
}

async function runCorpus(analyzer: Analyzer, src: Source): Promise<{ rows: CorpusRow[]; hosts: string[] }> {
  const bases = new Map<string, { contents: PackageContents; context: ContentAnalyzerContext; label: string }>();
  for (const name of HOSTS) {
    const doc = await packument(src, name);
    const latest = doc?.['dist-tags']?.latest;
    if (!doc || !latest) continue;
    const contents = await tarball(src, name, latest, doc);
    bases.set(name, { contents, context: { history: contextFor(doc, latest, src.registryOf(name)).history }, label: `${name}@${latest}` });
  }
  const hosts = [...bases.keys()];
  if (!hosts.length) throw new Error('part c: none of the host packages could be read');
  const rows: CorpusRow[] = [];
  const all: { s: Snippet; kind: 'malicious' | 'benign' }[] = [
    ...MALICIOUS.map((s) => ({ s, kind: 'malicious' as const })),
    ...BENIGN.map((s) => ({ s, kind: 'benign' as const })),
  ];
  for (const [i, { s, kind }] of all.entries()) {
    const host = hosts[i % hosts.length];
    const base = bases.get(host)!;
    const previous = s.nativeBefore ? withNativeCode(base.contents) : base.contents;
    const row: CorpusRow = { snippet: s, kind, host: base.label, findings: [] };
    try {
      row.findings = await analyzer.run(inject(previous, s), previous, base.context);
      row.max = maxSeverity(row.findings);
    } catch (e) {
      row.error = (e as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(e);
    }
    rows.push(row);
  }
  return { rows, hosts: hosts.map((h) => bases.get(h)!.label) };
}

interface FamilyStat {
  family: string;
  malicious: number;
  caught: number;
  /** Caught at high or above by a finding other than the install hook's (what the code itself gives away). */
  byCode: number;
  benign: number;
  benignHigh: number;
}

/** Findings about the install hook itself (metadata and content): a new hook is high whatever it runs. */
const HOOK_CODES: ReadonlySet<string> = new Set(['content-install-hook', 'install-script-added']);

function familyStats(rows: CorpusRow[]): FamilyStat[] {
  const by = new Map<string, FamilyStat>();
  for (const r of rows) {
    const f = by.get(r.snippet.family) ?? { family: r.snippet.family, malicious: 0, caught: 0, byCode: 0, benign: 0, benignHigh: 0 };
    const high = !!r.max && atLeast(r.max, 'high');
    if (r.kind === 'malicious') {
      f.malicious++;
      if (high) f.caught++;
      if (r.findings.some((x) => !HOOK_CODES.has(x.code) && atLeast(x.severity, 'high'))) f.byCode++;
    } else {
      f.benign++;
      if (high) f.benignHigh++;
    }
    by.set(f.family, f);
  }
  return [...by.values()];
}

function corpusTable(stats: FamilyStat[]): string[] {
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(0)} %` : '—');
  const out = ['| family | malicious | at high or above | recall | high by the code itself | benign | benign at high |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const f of stats)
    out.push(
      `| ${f.family} | ${f.malicious} | ${f.caught} | ${pct(f.caught, f.malicious)} | ${f.byCode} (${pct(f.byCode, f.malicious)}) | ${f.benign} | ${f.benignHigh} |`,
    );
  const m = stats.reduce((n, f) => n + f.malicious, 0);
  const c = stats.reduce((n, f) => n + f.caught, 0);
  const b = stats.reduce((n, f) => n + f.benign, 0);
  const bh = stats.reduce((n, f) => n + f.benignHigh, 0);
  const bc = stats.reduce((n, f) => n + f.byCode, 0);
  out.push(
    `| **all** | **${m}** | **${c}** | **${pct(c, m)}** (target ≥ ${RECALL_TARGET * 100} %: ${m && c / m >= RECALL_TARGET ? 'met' : 'NOT met'}) | **${bc} (${pct(bc, m)})** | **${b}** | **${bh}** (target ≤ 1 in 20: ${b && bh / b <= BENIGN_TARGET ? 'met' : 'NOT met'}) |`,
  );
  return out;
}

function codesOf(findings: RawFinding[], min: Severity): string {
  const list = findings.filter((f) => atLeast(f.severity, min)).map((f) => `${f.code} (${f.severity})`);
  return [...new Set(list)].join(', ') || '—';
}

async function main(): Promise<void> {
  const started = Date.now();
  const analyzer = loadAnalyzer();
  const date = new Date().toISOString().slice(0, 10);
  console.log(`detect bench — ${machine()}`);
  console.log(`analyzers: src/core/content analyzeContentChange (version ${analyzer.version})\n`);
  if (ONLY === 'metadata' || ONLY === 'shapes') return onlyIssue16Part(ONLY, date);

  // ---- part b first: it is quick and says whether the analyzers catch anything at all
  let replicaRows: ReplicaRow[] = [];
  if (!ONLY || ONLY === 'replicas') {
    replicaRows = await runReplicas(analyzer);
    console.log('| replica | package | expected | max severity | findings (≥ medium; controls ≥ low) | result |');
    console.log('|---|---|---|---|---|---|');
    for (const r of replicaRows)
      console.log(
        `| ${r.kind === 'control' ? `(control) ${r.id}` : r.id} | ${r.package} | ${r.expected} | ${r.max ?? 'none'} | ${r.codes} | ${r.pass ? 'PASS' : `FAIL${r.result.skipped ? `: ${r.result.skipped}` : r.result.error ? `: ${r.result.error}` : ''}`} |`,
      );
    console.log('');
  }

  // ---- part a: real releases
  let results: PackageResult[] = [];
  const stats = { tarballsDownloaded: 0, tarballsCached: 0, bytesDownloaded: 0 };
  let registryUrl = '';
  let realStarted = Date.now();
  let realSrc: Source | undefined;
  if (ONLY !== 'replicas') {
    const config = await loadNpmConfig({ projectDir: ROOT });
    const map = registryMap(config);
    registryUrl = map.defaultRegistry;
    realSrc = {
      http: new RegistryHttp({ config, concurrency: CONCURRENCY, timeoutMs: 60_000, retries: 3, maxBodyBytes: 512 * 1024 * 1024 }),
      registryOf: (n) => registryFor(map, n),
      cacheDir: CACHE,
      stats,
    };
  }

  // ---- part c: behaviour families injected into real tarballs
  let corpus: { rows: CorpusRow[]; hosts: string[] } | undefined;
  if (realSrc && (!ONLY || ONLY === 'corpus')) {
    corpus = await runCorpus(analyzer, realSrc);
    console.log(`behaviour families: ${MALICIOUS.length} malicious and ${BENIGN.length} benign snippets injected into ${corpus.hosts.join(', ')}`);
    for (const l of corpusTable(familyStats(corpus.rows))) console.log(l);
    const misses = corpus.rows.filter((r) => (r.kind === 'malicious' ? !r.max || !atLeast(r.max, 'high') : !!r.max && atLeast(r.max, 'high')));
    for (const r of misses)
      console.log(
        `  ${r.kind === 'malicious' ? 'missed' : 'FALSE POSITIVE'} ${r.snippet.family}/${r.snippet.id} in ${r.host}: ${r.error ?? (codesOf(r.findings, 'low') || 'no findings')}`,
      );
    console.log('');
  }

  if (realSrc && (!ONLY || ONLY === 'real')) {
    const src = realSrc;
    realStarted = Date.now();
    const names = [
      ...new Set(
        fs
          .readFileSync(PACKAGES_FILE, 'utf8')
          .split('\n')
          .map((l) => l.replace(/#.*/, '').trim())
          .filter(Boolean),
      ),
    ].slice(0, LIMIT);
    console.log(
      `${names.length} packages from ${path.relative(ROOT, PACKAGES_FILE)}, registry ${registryUrl}, concurrency ${CONCURRENCY}, cache ${path.relative(ROOT, CACHE)}/`,
    );
    results = await pool(
      names,
      CONCURRENCY,
      (n) => analyzePackage(src, analyzer, n),
      (r, done) => {
        const max = maxSeverity(r.findings);
        if (r.skipped || r.error || (max && atLeast(max, 'high')) || done % 50 === 0) {
          console.log(
            `  [${done}/${names.length}] ${r.name}${r.latest ? `@${r.previous}→${r.latest}` : ''}: ${r.skipped ? `skipped (${r.skipped})` : r.error ? r.error : max && atLeast(max, 'high') ? `FLAGGED ${codesOf(r.findings, 'high')}` : 'ok'}`,
          );
        }
      },
    );
  }
  const realMs = Date.now() - realStarted;

  const analysed = results.filter((r) => !r.skipped && !r.error);
  const skipped = results.filter((r) => r.skipped);
  const errors = results.filter((r) => r.error);
  const flagged = analysed.filter((r) => r.findings.some((f) => atLeast(f.severity, 'high')));
  const medium = analysed.filter((r) => !flagged.includes(r) && r.findings.some((f) => atLeast(f.severity, 'medium')));
  const rate = analysed.length ? flagged.length / analysed.length : 0;
  const totalMs = Date.now() - started;
  const analyzeTimes = analysed.map((r) => r.analyzeMs ?? 0).sort((a, b) => a - b);
  const pct = (p: number) => analyzeTimes[Math.min(analyzeTimes.length - 1, Math.floor(p * analyzeTimes.length))] ?? 0;
  const byCode = new Map<string, number>();
  for (const r of analysed)
    for (const code of new Set(r.findings.filter((f) => atLeast(f.severity, 'high')).map((f) => f.code))) byCode.set(code, (byCode.get(code) ?? 0) + 1);
  const skipReasons = new Map<string, string[]>();
  for (const r of skipped) {
    const reason = /^[a-z-]+: /.test(r.skipped!) ? r.skipped!.slice(0, r.skipped!.indexOf(':')) : r.skipped!;
    skipReasons.set(reason, [...(skipReasons.get(reason) ?? []), r.name]);
  }

  const lines: string[] = [];
  lines.push(`# Detection benchmark — ${date}`, '');
  lines.push(`- Machine: ${machine()}`);
  lines.push(`- Date: ${new Date().toISOString()}`);
  lines.push(`- Analyzers: \`analyzeContentChange\` from src/core/content (version ${analyzer.version})`);
  if (!ONLY || ONLY === 'real') {
    lines.push(
      `- Registry: ${registryUrl} (through the normal npm config; a mirror with real tarballs, scrambled \`time\` and no trust metadata, so versions are ordered by semver)`,
    );
    lines.push(
      `- Comparison: \`dist-tags.latest\` against the highest stable version below it; both tarballs integrity-checked and read in memory (default limits: 20 MB read, 5 MB per file, 30 s)`,
    );
    lines.push(
      `- Runtime: ${(totalMs / 1000).toFixed(1)} s total, ${(realMs / 1000).toFixed(1)} s for the real packages at concurrency ${CONCURRENCY}; ${stats.tarballsDownloaded} tarballs downloaded (${(stats.bytesDownloaded / 2 ** 20).toFixed(1)} MB), ${stats.tarballsCached} from the cache`,
    );
    lines.push(`- Analyzer time per package (both tarballs): median ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${analyzeTimes[analyzeTimes.length - 1] ?? 0} ms`);
    lines.push('');
    lines.push('## a. Real releases: false positives', '');
    lines.push('| | count |', '|---|---:|');
    lines.push(`| packages listed | ${results.length} |`);
    lines.push(`| analysed | ${analysed.length} |`);
    lines.push(`| skipped | ${skipped.length} |`);
    lines.push(`| analyzer errors | ${errors.length} |`);
    lines.push(
      `| **flagged at high or above** | **${flagged.length} (${(rate * 100).toFixed(2)} %; target ≤ ${FP_TARGET * 100} %: ${rate <= FP_TARGET ? 'met' : 'NOT met'})** |`,
    );
    lines.push(`| with a medium finding only | ${medium.length} |`);
    lines.push(`| reads truncated (budget/time) | ${analysed.filter((r) => r.truncated).length} |`);
    lines.push('');
    if (byCode.size) {
      lines.push(
        'High-or-above findings by code (packages): ' +
          [...byCode]
            .sort((a, b) => b[1] - a[1])
            .map(([c, n]) => `${c} ${n}`)
            .join(', '),
        '',
      );
    }
    if (skipped.length) {
      lines.push('### Skipped', '', '| reason | packages |', '|---|---|');
      for (const [reason, names] of skipReasons) lines.push(`| ${md(reason)} | ${names.join(', ')} |`);
      lines.push('');
      const detail = skipped.filter((r) => !r.skipped!.startsWith('no ') && !r.skipped!.startsWith('not on'));
      if (detail.length) {
        lines.push('| package | why |', '|---|---|');
        for (const r of detail) lines.push(`| ${r.name} | ${md(clip(r.skipped!, 300))} |`);
        lines.push('');
      }
    }
    if (errors.length) {
      lines.push('### Analyzer errors', '', '| package | error |', '|---|---|');
      for (const r of errors) lines.push(`| ${r.name}@${r.latest} | ${md(clip(r.error!, 400))} |`);
      lines.push('');
    }
    lines.push('### Flagged packages (high or above), with evidence', '');
    if (!flagged.length) lines.push('None.', '');
    else {
      lines.push('| package | previous → latest | findings (all severities ≥ medium) |', '|---|---|---|');
      for (const r of flagged.sort((a, b) => a.name.localeCompare(b.name))) {
        const fs_ = r.findings.filter((f) => atLeast(f.severity, 'medium')).sort((a, b) => rank(b.severity) - rank(a.severity));
        lines.push(`| ${r.name} | ${r.previous} → ${r.latest}${r.truncated ? ` (${r.truncated})` : ''} | ${fs_.map(findingCell).join('<br><br>')} |`);
      }
      lines.push('');
    }
    if (medium.length) {
      lines.push('### Medium only (not counted as false positives)', '', '| package | previous → latest | findings |', '|---|---|---|');
      for (const r of medium.sort((a, b) => a.name.localeCompare(b.name))) {
        lines.push(
          `| ${r.name} | ${r.previous} → ${r.latest} | ${r.findings
            .filter((f) => atLeast(f.severity, 'medium'))
            .map((f) => `${f.code}: ${md(clip(f.message, 160))}`)
            .join('<br>')} |`,
        );
      }
      lines.push('');
    }
  }
  if (corpus) {
    const stats = familyStats(corpus.rows);
    lines.push('## c. Behaviour families: snippets injected into real tarballs', '');
    lines.push(
      `${MALICIOUS.length} malicious and ${BENIGN.length} benign snippets (bench/detect/corpus.ts), each injected as the next patch release of one of ${corpus.hosts.join(', ')} (in turn) and compared with that real release. "At high or above" counts a snippet when any finding reaches high; "high by the code itself" leaves out the install hook's own finding (a new hook is high whatever it runs, so hook-delivered snippets would count without it).`,
      '',
    );
    lines.push(...corpusTable(stats), '');
    lines.push('<details><summary>Every snippet: the most severe finding and the codes at medium or above</summary>', '');
    lines.push('| family | snippet | kind | host | max severity | findings (≥ medium) |', '|---|---|---|---|---|---|');
    for (const r of corpus.rows)
      lines.push(
        `| ${r.snippet.family} | ${r.snippet.id} | ${r.kind} | ${r.host} | ${r.error ? 'error' : (r.max ?? 'none')} | ${md(r.error ?? codesOf(r.findings, 'medium'))} |`,
      );
    lines.push('', '</details>', '');
  }
  if (replicaRows.length) {
    lines.push(
      '## b. Replicas of real incidents (local, inert)',
      '',
      'Definitions: bench/detect/replicas.ts; what each mirrors: bench/detect/REPLICAS.md.',
      '',
    );
    lines.push('| replica | package | mirrors | expected | max severity | findings | result |', '|---|---|---|---|---|---|---|');
    for (const r of replicaRows)
      lines.push(
        `| ${r.kind === 'control' ? `(control) ${r.id}` : r.id} | ${r.package} | ${md(clip(r.mirrors, 160))} | ${r.expected} | ${r.max ?? 'none'} | ${r.codes} | ${r.pass ? 'PASS' : 'FAIL'} |`,
      );
    lines.push('');
    lines.push('<details><summary>Replica findings with evidence</summary>', '');
    for (const r of replicaRows) {
      lines.push(`**${r.id}** (${r.package} ${r.result.previous} → ${r.result.latest})`, '');
      for (const f of r.result.findings) lines.push(`- ${findingCell(f).replace(/<br>/g, '; ')}`);
      if (!r.result.findings.length) lines.push('- no findings');
      lines.push('');
    }
    lines.push('</details>', '');
  }

  const more = ONLY ? undefined : await issue16Parts(undefined, (l) => console.log(l));
  if (more) lines.push(...more.lines);
  const text = lines.join('\n');
  if (!process.env.BENCH_NO_WRITE) {
    const out = path.join(ROOT, 'bench', 'results', `detect-${date}${ONLY ? `-${ONLY}` : ''}${process.env.BENCH_TAG ? `-${process.env.BENCH_TAG}` : ''}.md`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
    console.log(`\nwrote ${path.relative(ROOT, out)}`);
  }
  if (!ONLY || ONLY === 'real') {
    console.log(
      `\nanalysed ${analysed.length}, skipped ${skipped.length}, analyzer errors ${errors.length}, flagged ≥ high ${flagged.length} (${(rate * 100).toFixed(2)} %, target ≤ ${FP_TARGET * 100} %), ${(totalMs / 1000).toFixed(1)} s`,
    );
    for (const r of flagged) console.log(`  ${r.name}@${r.latest}: ${codesOf(r.findings, 'high')}`);
  }
  const replicaFail = replicaRows.filter((r) => !r.pass);
  if (replicaFail.length) console.log(`replicas/controls failing: ${replicaFail.map((r) => r.id).join(', ')}`);
  let corpusFail = false;
  if (corpus) {
    const st = familyStats(corpus.rows);
    const m = st.reduce((n, f) => n + f.malicious, 0);
    const c = st.reduce((n, f) => n + f.caught, 0);
    const b = st.reduce((n, f) => n + f.benign, 0);
    const bh = st.reduce((n, f) => n + f.benignHigh, 0);
    console.log(
      `behaviour families: ${c}/${m} malicious at high or above (${((100 * c) / m).toFixed(0)} %, target ≥ ${RECALL_TARGET * 100} %), ${bh}/${b} benign at high (target ≤ 1 in 20)`,
    );
    corpusFail = c / m < RECALL_TARGET || bh / b > BENIGN_TARGET || corpus.rows.some((r) => r.error);
  }
  if (more?.failed.length) console.log(`targets not met: ${more.failed.join(', ')}`);
  if (replicaFail.length || rate > FP_TARGET || errors.length || corpusFail || more?.failed.length) process.exitCode = 1;
}

/** BENCH_ONLY=metadata or shapes: that part alone, written to bench/results/detect-<part>-<date>.md. */
async function onlyIssue16Part(only: 'metadata' | 'shapes', date: string): Promise<void> {
  const { lines, failed } = await issue16Parts(only, (l) => console.log(l));
  const text = [`# Detection benchmark (${only}) — ${date}`, '', `- Machine: ${machine()}`, `- Date: ${new Date().toISOString()}`, '', ...lines].join('\n');
  if (!process.env.BENCH_NO_WRITE) {
    const out = path.join(ROOT, 'bench', 'results', `detect-${only}-${date}.md`);
    fs.writeFileSync(out, text);
    console.log(`\nwrote ${path.relative(ROOT, out)}`);
  }
  if (failed.length) {
    console.log(`targets not met: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
