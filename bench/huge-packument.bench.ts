/**
 * npm run bench:huge — time and peak memory of reading packuments, huge and ordinary, with the engine's own code.
 *
 * A fixture registry on 127.0.0.1 serves:
 *   - `huge`: a ~100 MB packument (4,000 versions with a readme each, dependencies, dist with signatures; the two
 *     newest versions real, with tarballs and registry signatures), streamed by the server, never held whole;
 *   - `steady`: an ordinary package beside it;
 *   - the 1,231 real packuments of ../shared/fixtures/packuments (when present), for the ordinary case.
 * Each job runs in a child process (bench/probes/huge-packument-check.ts) under /usr/bin/time -v; rows give the
 * median time and the highest peak RSS over the runs.
 *
 *   BENCH_RUNS=3        runs per row            BENCH_HUGE_VERSIONS=4000   generated versions of `huge`
 *   BENCH_ONLY=huge,normal                      (row groups; default both)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScenarioBuilder, corpusFromSharedPackuments, mergeCorpora } from '../test/fixtures/registry/corpus';
import { hugePackument } from '../test/fixtures/registry/huge-packument';
import { startFixtureRegistry } from '../test/fixtures/registry/server';
import { PROJECT_ROOT, SHARED_FIXTURES } from '../test/support/fixtures';
import { GNU_TIME, median, run } from './support/measure';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const HUGE_VERSIONS = Number(process.env.BENCH_HUGE_VERSIONS ?? 4000);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'huge,normal').split(',').map((s) => s.trim()));
const PROBE = path.join(PROJECT_ROOT, 'out/bench/probes/huge-packument-check.js');

interface ProbeOut {
  ms: number;
  cpuMs: number;
  maxRssMb: number;
  baseRssMb: number;
  peakHeapMb: number;
  errors: string[];
  [k: string]: unknown;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bench-huge-'));
  const b = new ScenarioBuilder();
  b.package('huge')
    .version('9.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'alice' } })
    .version('9.0.1', { publishedAt: '2024-02-01T00:00:00Z', publisher: { name: 'alice' } });
  b.package('steady').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'bob' } });
  const scenario = await b.build();
  const huge = hugePackument(scenario.packuments.get('huge')!, { olderVersions: HUGE_VERSIONS });
  const shared = fs.existsSync(path.join(SHARED_FIXTURES, 'packuments')) && ONLY.has('normal') ? corpusFromSharedPackuments() : undefined;
  const corpus = shared ? mergeCorpora(shared, scenario) : scenario;
  const registry = await startFixtureRegistry(corpus, { faults: [{ match: /^\/huge$/, action: { stream: { etag: huge.etag, chunks: huge.chunks } } }] });
  let hugeBytes = 0;
  for (const c of huge.chunks(registry.url)) hugeBytes += c.length;

  const rows: string[] = [];
  const row = async (label: string, args: () => string[]) => {
    const results: ProbeOut[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await run(process.execPath, [PROBE, ...args()], { measureRss: true, timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`${label}: probe failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as ProbeOut;
      results.push(out);
      rss.push(r.maxRssKb !== undefined ? r.maxRssKb / 1024 : out.maxRssMb);
      process.stderr.write(
        `  ${label} #${i + 1}: ${out.ms} ms (CPU ${out.cpuMs} ms), peak RSS ${rss[i].toFixed(0)} MB, peak heap ${out.peakHeapMb} MB${out.errors.length ? `, errors: ${out.errors.join('; ')}` : ''}\n`,
      );
    }
    const last = results[results.length - 1];
    const extra = ['versions', 'cards', 'findings']
      .filter((k) => last[k] !== undefined)
      .map((k) => `${k}: ${Array.isArray(last[k]) ? (last[k] as unknown[]).length : last[k]}`);
    rows.push(
      `| ${label} | ${median(results.map((r) => r.ms)).toFixed(0)} ms | ${median(results.map((r) => r.cpuMs)).toFixed(0)} ms | ${Math.max(...rss).toFixed(0)} MB | ${Math.max(...results.map((r) => r.peakHeapMb)).toFixed(0)} MB | ${last.baseRssMb.toFixed(0)} MB | ${last.errors.length ? last.errors.join('; ') : 'none'}; ${extra.join(', ')} |`,
    );
  };

  if (ONLY.has('huge')) {
    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    const deps = { huge: '^9.0.0', steady: '^1.0.0' };
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', dependencies: deps }));
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: deps },
        'node_modules/huge': { version: '9.0.1', resolved: `${registry.url}huge/-/huge-9.0.1.tgz` },
        'node_modules/steady': { version: '1.0.0', resolved: `${registry.url}steady/-/steady-1.0.0.tgz` },
      },
    };
    fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lock));
    let n = 0;
    await row(`huge packument alone (${(hugeBytes / 1048576).toFixed(1)} MB, ${huge.versions.length} versions)`, () => ['summaries', registry.url, 'huge']);
    await row('trustlens check: huge + steady', () => ['check', project, registry.url, path.join(tmp, `cache-${n++}`)]);
  }
  if (shared) {
    const names = [...shared.packuments.keys()];
    const list = path.join(tmp, 'names.txt');
    fs.writeFileSync(list, names.join('\n'));
    const bytes = names.reduce((s, n) => s + JSON.stringify(shared.packuments.get(n)).length, 0);
    await row(
      `${names.length} real packuments (${(bytes / 1048576).toFixed(0)} MB in all, largest ${(Math.max(...names.map((n) => JSON.stringify(shared.packuments.get(n)).length)) / 1048576).toFixed(1)} MB)`,
      () => ['summaries', registry.url, `@${list}`],
    );
  } else if (ONLY.has('normal')) rows.push(`| real packuments | skipped: ${SHARED_FIXTURES}/packuments is absent | | | | | |`);
  await registry.close();
  fs.rmSync(tmp, { recursive: true, force: true });

  const table = [
    `Node ${process.version}, ${os.cpus().length} cores, ${RUNS} runs per row; peak RSS from ${GNU_TIME ? '/usr/bin/time -v' : 'process.resourceUsage()'} (highest run), time and CPU = median`,
    '',
    '| job | time | CPU (user+sys) | peak RSS | peak heap (sampled) | RSS at start | errors; result |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  process.stdout.write(`${table}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
