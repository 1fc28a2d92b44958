/**
 * Time and peak memory of `trustlens check` (runCheck, content analysis on) when a dependency's tarball is hostile:
 * gzip bombs, huge entries (compressible and not), entries that declare more than they have, 100,000 entries, very
 * long pax names, a body that never ends. Not a test: the tests (test/engine/content/hostile-tarballs.test.ts) check what
 * the report says; this measures what it costs.
 *
 *   npm run compile && node out/bench/hostile-tarballs.bench.js
 *   BENCH_RUNS=3   runs per row       BENCH_ONLY=bomb-6g,noise-120m   rows by key (default all)
 *
 * Each row: a fixture registry on 127.0.0.1 serving one hostile package (versions 1.0.0–1.0.2 ordinary, 1.1.0
 * hostile, locked) and an ordinary one (`steady`); one check in a child process (bench/probes/hostile-tarball-check.ts)
 * under /usr/bin/time -v with a fresh cache. Peak RSS is GNU time's (the child's own getrusage would include the
 * size of this parent at fork). Prints a Markdown table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScenarioBuilder, createTarball, tarballPath } from '../test/fixtures/registry/corpus';
import * as H from '../test/fixtures/registry/hostile-tarballs';
import { startFixtureRegistry } from '../test/fixtures/registry/server';
import { PROJECT_ROOT } from '../test/support/fixtures';
import { GNU_TIME, median, run } from './support/measure';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const PROBE = path.join(PROJECT_ROOT, 'out/bench/probes/hostile-tarball-check.js');
const MB = 1024 * 1024;
const GB = 1024 * MB;
const V = '1.1.0';

interface Row {
  key: string;
  label: string;
  tarball?: (name: string) => Buffer;
  tarpit?: H.TarpitMode;
}

const ROWS: Row[] = [
  { key: 'baseline', label: 'no hostile package (steady alone)' },
  { key: 'bomb-6g', label: 'gzip bomb: 6 GB of zeros in one entry', tarball: (n) => H.gzipBombTarball(n, V, 6 * GB) },
  { key: 'bomb-100g', label: 'gzip bomb: 100 GB of zeros in one entry', tarball: (n) => H.gzipBombTarball(n, V, 100 * GB) },
  { key: 'huge-150m', label: 'one 150 MB entry (zeros: small download)', tarball: (n) => H.hugeEntryTarball(n, V, 150 * MB) },
  { key: 'noise-120m', label: 'one 120 MB incompressible entry (120 MB download)', tarball: (n) => H.incompressibleTarball(n, V, 120 * MB) },
  {
    key: 'noise-250m',
    label: 'one 250 MB incompressible entry (250 MB download, under the 256 MB body cap)',
    tarball: (n) => H.incompressibleTarball(n, V, 250 * MB),
  },
  { key: 'declared-100g', label: 'an entry declaring 100 GB (pax size), archive ends after 42 bytes', tarball: (n) => H.declaredHugeTarball(n, V, 'pax') },
  { key: 'many-100k', label: '100,000 tiny entries', tarball: (n) => H.manyEntriesTarball(n, V, 100_000) },
  { key: 'long-names', label: '340 pax paths of 900 KB each (306 MB of names), GNU long name, 4 MB pax header', tarball: (n) => H.longNamesTarball(n, V, 340) },
  {
    key: 'endless',
    label: 'a body that never ends (chunked, as fast as read)',
    tarball: (n) => createTarball({ 'package.json': H.manifestOf(n, V) }),
    tarpit: { mode: 'endless' },
  },
];

interface ProbeOut {
  ms: number;
  cpuMs: number;
  baseRssMb: number;
  peakRssMb: number;
  maxRssMb: number;
  peakHeapMb: number;
  findings: string[];
  errors: string[];
  truncated: string[];
}

async function measure(row: Row, tmp: string): Promise<string> {
  const name = `h-${row.key}`;
  const b = new ScenarioBuilder({ registryKey: null });
  if (row.tarball) {
    const p = b.package(name);
    for (const v of ['1.0.0', '1.0.1', '1.0.2', V]) p.version(v, { publisher: { name: 'alice' }, files: { 'index.js': 'module.exports = 1;\n' } });
  }
  b.package('steady')
    .version('1.0.0', { publisher: { name: 'alice' } })
    .version('1.0.1', { publisher: { name: 'alice' } });
  const corpus = await b.build();
  let body = row.tarball?.(name);
  const tarpit = row.tarpit && body ? await H.startTarpit({ [tarballPath(name, V)]: { body, ...row.tarpit } }) : undefined;
  const download = body?.length ?? 0;
  if (body) H.serveTarball(corpus, name, V, body, { url: tarpit ? `${tarpit.url}${tarballPath(name, V).slice(1)}` : undefined });
  body = undefined;
  const registry = await startFixtureRegistry(corpus);
  try {
    const project = path.join(tmp, row.key);
    const locked: Record<string, string> = { steady: '1.0.1', ...(row.tarball ? { [name]: V } : {}) };
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', dependencies: locked }));
    const packages: Record<string, object> = { '': { dependencies: locked } };
    for (const [n, v] of Object.entries(locked))
      packages[`node_modules/${n}`] = {
        version: v,
        resolved: `${registry.url}${tarballPath(n, v).slice(1)}`,
        integrity: corpus.packuments.get(n)!.versions[v].dist.integrity,
      };
    fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
    const results: ProbeOut[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await run(process.execPath, [PROBE, project, registry.url, path.join(tmp, `${row.key}-cache-${i}`)], { measureRss: true, timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`${row.key}: probe failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as ProbeOut;
      results.push(out);
      rss.push(r.maxRssKb !== undefined ? r.maxRssKb / 1024 : out.peakRssMb);
      process.stderr.write(
        `  ${row.key} #${i + 1}: ${out.ms} ms (CPU ${out.cpuMs} ms), peak RSS ${rss[i].toFixed(0)} MB (sampled ${out.peakRssMb} MB), peak heap ${out.peakHeapMb} MB\n`,
      );
    }
    const last = results[results.length - 1];
    const mine = (s: string) => s.startsWith(`${name}@`);
    const said = [
      ...last.findings.filter(mine).map((f) => f.split(' ')[1]),
      ...last.errors.filter(mine).map((e) => `error ${e.split(': ')[1]}`),
      ...(last.truncated.some(mine) ? ['read cut at the budget'] : []),
    ];
    return `| ${row.label} | ${download ? `${(download / MB).toFixed(1)} MB` : '–'} | ${median(results.map((r) => r.ms)).toFixed(0)} ms | ${median(results.map((r) => r.cpuMs)).toFixed(0)} ms | ${Math.max(...rss).toFixed(0)} MB | ${Math.max(...results.map((r) => r.peakHeapMb)).toFixed(0)} MB | ${row.tarball ? said.join(', ') || 'nothing' : '–'} |`;
  } finally {
    await registry.close();
    await tarpit?.close();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(PROBE)) throw new Error(`${PROBE} is missing: npm run compile first`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bench-hostile-'));
  const lines = [
    `Hostile tarballs through runCheck (content analysis on), ${RUNS} run(s) per row, Node ${process.version}, ${os.cpus().length} CPUs${GNU_TIME ? '' : ' (no /usr/bin/time: sampled RSS)'}`,
    '',
    '| tarball | download | time (median) | CPU | peak RSS | peak heap | report says |',
    '|---|---|---|---|---|---|---|',
  ];
  try {
    for (const row of ROWS) if (!ONLY || ONLY.has(row.key)) lines.push(await measure(row, tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
