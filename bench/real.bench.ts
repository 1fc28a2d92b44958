/**
 * `npm run bench:real`: `trustlens check` (the built CLI, a process per scan, as a user runs it) on the real projects
 * in ../shared/fixtures/lockfiles/real against the registry this machine is configured with (`npm config get
 * registry`; skipped with the reason when it does not answer). Per project: cold with `--no-content` and with the
 * defaults, then warm within the cache lifetime and warm after it (the cache aged past the lifetime, or
 * `--cache-ttl 0` where the CLI has it), each with its wall time, per-phase times (report.stats.phases), registry
 * requests (report.stats.requests) and the peak RSS of the CLI process (/usr/bin/time -v). Where the project is a
 * pnpm one and pnpm can be had, `pnpm install --resolution-only` with a cold store and cache is paired with it.
 *
 *   BENCH_PROJECTS=a,b     projects (default: vuecore,npmcli,compass,sentry,jest; missing ones are skipped)
 * Then, counted on loopback (the registry here ignores the abbreviated Accept header): the real packuments of
 * ../shared/fixtures/packuments served without validators, every history fetched cold, then revalidated past the
 * lifetime (a clock moved, not waited for), with the requests and bytes of each.
 *
 * The service (dist/service.js, forked as the extension forks it) opens each project with an empty cache: its first
 * evaluation and one re-evaluation in the same process, with the process's peak RSS (VmHWM). During the first, a
 * small request (the model of a one-dependency folder) is sent again and again, each 100 ms after the last answer:
 * how long an edit or a command waits while the service scans (the slowest answer, and the 95th percentile).
 *
 *   BENCH_ONLY=cold,warm,service,peer,loopback
 *   BENCH_RUNS=N           runs of each scan (default 1: a cold scan of the large ones takes 10–30 s)
 *   BENCH_CLI=path         the CLI to measure (default bin/trustlens.js): an older build for a before/after
 *   BENCH_SERVICE=path     the service to measure (default dist/service.js), likewise
 *   BENCH_LABEL=text       appended to the results file name (e.g. before)
 *   BENCH_NO_WRITE=1       do not write bench/results/real-<date>[-label].md
 *
 * The registry is a shared remote service and these machines are shared: counts (requests) are the evidence,
 * seconds are indications. Nothing here asserts a target; a last table puts issue #18's targets next to this run's
 * medians and says which are met.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DiskCache } from '../src/engine/infra/disk-cache';
import { RegistryHttp } from '../src/engine/registry/http';
import { loadNpmConfig, registryMap } from '../src/engine/registry/npmrc';
import { ABBREVIATED_ACCEPT, PackumentSource } from '../src/engine/registry/packuments';
import { IPCMessageReader, IPCMessageWriter, type MessageConnection, createMessageConnection } from 'vscode-jsonrpc/node';
import {
  EvaluateRequest,
  type EvaluateResult,
  ModelRequest,
  PartialEvaluateProgress,
  type ServiceSettings,
  SERVICE_EXEC_ARGV,
  serviceEnv,
} from '../src/protocol/service';
import { corpusFromSharedPackuments } from '../test/fixtures/registry/corpus';
import { startFixtureRegistry } from '../test/fixtures/registry/server';
import { PROJECT_ROOT, SHARED_FIXTURES } from '../test/support/fixtures';
import { type RunResult, fmtMs, median, run, tryExec } from './support/measure';
import { isolatedNpmEnv } from '../test/support/npm-env';

const PROJECTS = (process.env.BENCH_PROJECTS ?? 'vuecore,npmcli,compass,sentry,jest')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'cold,warm,service,peer,loopback').split(',').map((s) => s.trim()));
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const CLI = path.resolve(process.env.BENCH_CLI ?? path.join(PROJECT_ROOT, 'bin/trustlens.js'));
const SERVICE = path.resolve(process.env.BENCH_SERVICE ?? path.join(PROJECT_ROOT, 'dist/service.js'));
const LABEL = process.env.BENCH_LABEL ?? '';
const SCAN_TIMEOUT_MS = 600_000;
const PNPM_VERSION = '10.34.9'; // as bench/run.bench.ts: the newest pnpm that runs on Node 20
const TOOLS_DIR = path.join(PROJECT_ROOT, '.bench-tools');
const PNPM_BIN = path.join(TOOLS_DIR, 'node_modules/pnpm/bin/pnpm.cjs');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bench-real-'));
/**
 * Past the 5-minute lifetime, within the day after which a history confirmed only by its dist-tags is read in full
 * again (HISTORY_MAX_AGE_MS): what "after the cache lifetime" means when the cache is aged by hand.
 */
const AGE_MS = 60 * 60_000;

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Scan {
  name: string;
  runs: RunResult[];
  reports: { packages: number; versions: number; requests: number; durationMs: number; phases: Record<string, number> }[];
  note?: string;
}

/** The configured registry, and why it cannot be used (undefined when it answered). */
async function reachRegistry(): Promise<{ url: string; problem?: string }> {
  const url = tryExec('npm', ['config', 'get', 'registry']).replace(/\/?$/, '/');
  if (!/^https?:\/\//.test(url)) return { url, problem: `npm config get registry gave ${JSON.stringify(url)}` };
  try {
    const res = await fetch(`${url}semver`, { signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
    return res.ok ? { url } : { url, problem: `${url}semver answered ${res.status}` };
  } catch (e) {
    return { url, problem: `${url} does not answer (${(e as Error).message})` };
  }
}

/** Whether the measured CLI knows `--cache-ttl` (older builds do not). */
function cliHasCacheTtl(): boolean {
  return tryExec(process.execPath, [CLI, '--help']).includes('--cache-ttl');
}

/** Makes every cached package history (and registry key) look stored `AGE_MS` ago: the next scan is past the lifetime. */
function ageCache(dir: string): void {
  const old = new Date(Date.now() - AGE_MS).toISOString();
  for (const ns of fs.readdirSync(dir)) {
    const nsDir = path.join(dir, ns);
    if (!fs.statSync(nsDir).isDirectory() || !/packument|keys/.test(ns)) continue;
    for (const f of fs.readdirSync(nsDir)) {
      const file = path.join(nsDir, f);
      if (!fs.statSync(file).isFile()) continue;
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.replace(/"storedAt":"[^"]*"/g, `"storedAt":"${old}"`));
    }
  }
}

async function scan(name: string, project: string, cacheDir: string, extra: string[], prepare?: () => void): Promise<Scan> {
  const out: Scan = { name, runs: [], reports: [] };
  for (let i = 0; i < RUNS; i++) {
    prepare?.();
    const report = path.join(TMP, `report-${process.pid}-${i}.json`);
    const r = await run(process.execPath, [CLI, 'check', project, '--format', 'json', '--output', report, '--cache-dir', cacheDir, ...extra], {
      measureRss: true,
      timeoutMs: SCAN_TIMEOUT_MS,
      env: { ...process.env },
    });
    if (r.timedOut || (r.code !== 0 && r.code !== 1) || !fs.existsSync(report)) {
      out.note = `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300)}`;
      log(`  ${name}: ${out.note}`);
      break;
    }
    const stats = JSON.parse(fs.readFileSync(report, 'utf8')).summary; // packages, versions, requests, durationMs, phases
    fs.rmSync(report, { force: true });
    out.runs.push(r);
    out.reports.push(stats);
    log(`  ${name}: ${fmtMs(r.ms)}, ${stats.requests} requests, ${r.maxRssKb ? Math.round(r.maxRssKb / 1024) : '?'} MB`);
  }
  return out;
}

/**
 * The service process on `project`: a cold first evaluation (empty cache) with its early result (what the editor
 * shows before the tarballs are analysed), then a re-evaluation, with its VmHWM.
 */
async function serviceScans(project: string, registry: string): Promise<Scan[]> {
  const early: Scan = { name: 'service: open (cold), early result', runs: [], reports: [] };
  const cold: Scan = { name: 'service: open (cold), first evaluation', runs: [], reports: [] };
  const again: Scan = { name: 'service: re-evaluation, same process', runs: [], reports: [] };
  const service = SERVICE;
  // The folder the responsiveness probe asks for: one dependency, nothing to fetch.
  const small = path.join(TMP, 'probe-folder');
  fs.mkdirSync(small, { recursive: true });
  fs.writeFileSync(path.join(small, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', dependencies: { 'left-pad': '^1.3.0' } }));
  const waits: number[][] = [];
  for (let i = 0; i < RUNS; i++) {
    const cacheDir = path.join(TMP, `service-cache-${i}`);
    fs.rmSync(cacheDir, { recursive: true, force: true });
    // Started as the extension starts it (its environment).
    const child = fork(service, [JSON.stringify({ cacheDir })], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: serviceEnv(process.env),
      execArgv: [...SERVICE_EXEC_ARGV],
    });
    child.stdout?.resume();
    child.stderr?.resume();
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.listen();
    const hwm = () => {
      const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) : undefined;
    };
    const record = (scan: Scan, started: number, ms: number, r: Pick<EvaluateResult, 'stats'>) => {
      scan.runs.push({ ms, startedAt: started, endedAt: started + ms, code: 0, signal: null, stdout: '', stderr: '', maxRssKb: hwm(), timedOut: false });
      scan.reports.push({
        packages: r.stats.packages,
        versions: r.stats.versions,
        requests: r.stats.requests,
        durationMs: r.stats.durationMs,
        phases: r.stats.phases ?? {},
      });
      log(`  ${scan.name}: ${fmtMs(ms)}, ${r.stats.requests} requests, ${Math.round((hwm() ?? 0) / 1024)} MB`);
    };
    try {
      const settings: ServiceSettings = { online: true, advisories: { npm: true, osv: false }, registry, restricted: false };
      for (const scan of [cold, again]) {
        const started = Date.now();
        const partialResultToken = `bench-${i}-${scan === cold ? 'cold' : 'again'}`;
        let seen = false;
        const probe = scan === cold ? respondsWhile(connection, small) : undefined;
        const first = connection.onProgress(PartialEvaluateProgress, partialResultToken, (p) => {
          // The first one (later ones say what has been analysed since).
          if (scan === cold && !seen) record(early, started, Date.now() - started, p);
          seen = true;
        });
        const r = await connection.sendRequest(EvaluateRequest, { root: project, overlay: [], settings, partialResultToken });
        const ms = Date.now() - started;
        first.dispose();
        if (probe) waits.push(await probe.stop());
        record(scan, started, ms, r);
      }
    } catch (e) {
      cold.note = `the service failed: ${(e as Error).message.slice(0, 200)}`;
    } finally {
      connection.dispose();
      child.kill();
    }
  }
  early.note = 'diagnostics shown, tarballs still being analysed (pending: info); peak RSS: of the process so far (VmHWM)';
  const all = waits.flat().sort((a, b) => a - b);
  if (all.length)
    cold.note = `${cold.note ? `${cold.note}; ` : ''}a small request sent throughout: ${all.length} answered, slowest ${fmtMs(all[all.length - 1])}, 95th percentile ${fmtMs(all[Math.floor(all.length * 0.95)])}`;
  again.note = 'peak RSS: of the process so far (VmHWM)';
  return [...(early.runs.length ? [early] : []), cold, again];
}

/**
 * Sends a ModelRequest for `folder` again and again (each 100 ms after the answer before) until stop(): the times
 * the answers took, i.e. how long a request waits while the service works on something else.
 */
function respondsWhile(connection: MessageConnection, folder: string): { stop: () => Promise<number[]> } {
  const waits: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const sent = performance.now();
      await connection.sendRequest(ModelRequest, { root: folder, overlay: [] });
      waits.push(performance.now() - sent);
      await new Promise((r) => setTimeout(r, 100));
    }
  })().catch(() => undefined); // the service went away: the evaluation's own error says so
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return waits;
    },
  };
}

async function ensurePnpm(): Promise<{ bin?: string; problem?: string }> {
  if (fs.existsSync(PNPM_BIN)) return { bin: PNPM_BIN };
  log(`installing pnpm@${PNPM_VERSION} into ${path.relative(PROJECT_ROOT, TOOLS_DIR)}/ …`);
  const r = await run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', TOOLS_DIR, `pnpm@${PNPM_VERSION}`], {
    cwd: PROJECT_ROOT,
    env: { ...process.env },
    timeoutMs: 300_000,
  });
  if (r.code !== 0 || !fs.existsSync(PNPM_BIN))
    return { problem: `pnpm@${PNPM_VERSION} could not be installed from the registry (${r.stderr.trim().split('\n').pop()?.slice(0, 200)})` };
  return { bin: PNPM_BIN };
}

/** `pnpm install --resolution-only` on a copy of a pnpm project, cold store and metadata cache (every packument asked). */
async function pnpmPeer(project: string, registry: string, bin: string): Promise<Scan> {
  const out: Scan = { name: 'pnpm install --resolution-only (cold)', runs: [], reports: [] };
  for (let i = 0; i < RUNS; i++) {
    const dir = path.join(TMP, `pnpm-${path.basename(project)}-${i}`);
    fs.cpSync(project, dir, { recursive: true });
    fs.chmodSync(dir, 0o755);
    for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), fs.statSync(path.join(dir, f)).isDirectory() ? 0o755 : 0o644);
    const r = await run(
      process.execPath,
      [
        bin,
        'install',
        '--resolution-only',
        '--no-frozen-lockfile',
        '--ignore-scripts',
        `--registry=${registry}`,
        `--store-dir=${path.join(dir, '.store')}`,
        `--cache-dir=${path.join(dir, '.cache')}`,
        '--reporter=append-only',
        '--config.manage-package-manager-versions=false',
      ],
      { cwd: dir, measureRss: true, timeoutMs: SCAN_TIMEOUT_MS, env: { ...process.env, CI: '1' } },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    if (r.code !== 0) {
      out.note = `exit ${r.code}: ${(r.stdout + r.stderr).trim().split('\n').slice(-2).join(' ').slice(0, 300)}`;
      log(`  pnpm: ${out.note}`);
      break;
    }
    out.runs.push(r);
    log(`  pnpm: ${fmtMs(r.ms)}, ${r.maxRssKb ? Math.round(r.maxRssKb / 1024) : '?'} MB`);
  }
  return out;
}

function row(project: string, s: Scan): string {
  if (!s.runs.length) return `| ${project} | ${s.name} | — | — | — | — | — | ${s.note ?? ''} |`;
  const wall = median(s.runs.map((r) => r.ms));
  const rss = median(s.runs.map((r) => r.maxRssKb ?? NaN)) / 1024;
  const spread = s.runs.length > 1 ? ` (${s.runs.map((r) => fmtMs(r.ms)).join(', ')})` : '';
  if (!s.reports.length) return `| ${project} | ${s.name} | — | ${fmtMs(wall)}${spread} | ${Math.round(rss)} MB | — | — | ${s.note ?? ''} |`;
  const phase = (k: string) => fmtMs(median(s.reports.map((x) => x.phases[k] ?? NaN)));
  const phases = ['read', 'parse', 'evidence', 'evaluate', 'content', 'report'].map((k) => `${k} ${phase(k)}`).join(', ');
  const requests = median(s.reports.map((x) => x.requests));
  return `| ${project} | ${s.name} | ${s.reports[0].packages} | ${fmtMs(wall)}${spread} | ${Math.round(rss)} MB | ${requests} | ${phases} | ${s.note ?? ''} |`;
}

/** The real shared packuments without validators: cold, then past the lifetime; requests and bytes of each. */
async function loopbackRevalidation(): Promise<string[]> {
  const corpus = corpusFromSharedPackuments();
  const names = [...corpus.packuments.keys()];
  const lines = [
    '',
    `Loopback, counted: the ${names.length} real packuments of ../shared/fixtures/packuments served without ETag / Last-Modified (fixture registry, \`validators: false\`), PackumentSource in-process with a moved clock; "the mirror" also ignores the abbreviated Accept header (\`abbreviated: false\`), as the registry these machines reach:`,
    '',
    '| registry | pass | requests | of them abbreviated | of them dist-tags | bytes received | wall (in-process, noisy) | failed |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
  for (const [label, options] of [
    ['serves abbreviated documents', { validators: false }],
    ['the mirror', { validators: false, abbreviated: false }],
  ] as const) {
    const registry = await startFixtureRegistry(corpus, options);
    try {
      const home = path.join(TMP, `loopback-${options.abbreviated === false ? 'mirror' : 'corgi'}`);
      fs.mkdirSync(home, { recursive: true });
      const env = isolatedNpmEnv(home);
      const config = await loadNpmConfig({ projectDir: home, env, overrides: { registry: registry.url } });
      const clock = { now: Date.now() };
      const source = new PackumentSource(new RegistryHttp({ config }), registryMap(config), new DiskCache(path.join(home, 'cache')), {
        clock: () => clock.now,
      });
      const pass = async (name: string) => {
        registry.resetRequests();
        const started = process.hrtime.bigint();
        const settled = await Promise.allSettled(names.map((n) => source.summary(n)));
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const asked = registry.requests;
        const abbreviated = asked.filter((r) => r.headers.accept?.startsWith(ABBREVIATED_ACCEPT)).length;
        const tags = asked.filter((r) => r.url.endsWith('/dist-tags')).length;
        const bytes = asked.reduce((n, r) => n + (r.responseBytes ?? 0), 0);
        const failed = settled.filter((x) => x.status === 'rejected').length;
        return `| ${label} | ${name} | ${asked.length} | ${abbreviated} | ${tags} | ${mb(bytes)} | ${fmtMs(ms)} | ${failed} |`;
      };
      lines.push(await pass('cold'));
      clock.now += 5 * 60_000 + 1;
      lines.push(await pass('after the lifetime (5 min + 1 ms)'));
      clock.now += 5 * 60_000 + 1;
      lines.push(await pass('after the lifetime again'));
    } finally {
      await registry.close();
    }
  }
  return lines;
}

/** Issue #18's targets, from this run's medians: what was measured, and whether it is met ('—' when not measured). */
function targetRows(measured: ReadonlyMap<string, Scan[]>): string[] {
  const find = (project: string, name: string) => measured.get(project)?.find((s) => s.name === name && s.runs.length);
  const wall = (s: Scan | undefined) => (s ? median(s.runs.map((r) => r.ms)) : NaN);
  const mb = (s: Scan) => median(s.runs.map((r) => r.maxRssKb ?? NaN)) / 1024;
  const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '✅' : '❌');
  const rows: string[] = [];
  const ratio = (scan: string, limit: number) => {
    const ours = wall(find('vuecore', scan));
    const peer = wall(find('vuecore', 'pnpm install --resolution-only (cold)'));
    const r = ours / peer;
    const seen = Number.isFinite(r) ? `${fmtMs(ours)} / ${fmtMs(peer)} = ${r.toFixed(2)}` : 'not measured';
    rows.push(
      `| vuecore \`${scan}\` against pnpm \`install --resolution-only\` | ≤ ${limit} | ${seen} | ${verdict(Number.isFinite(r) ? r <= limit : undefined)} |`,
    );
  };
  ratio('cold --no-content', 0.5);
  ratio('cold', 0.7);
  const within = (project: string, scan: string, limitMs: number) => {
    const ms = wall(find(project, scan));
    rows.push(
      `| ${project} ${scan} | ≤ ${fmtMs(limitMs)} | ${Number.isFinite(ms) ? fmtMs(ms) : 'not measured'} | ${verdict(Number.isFinite(ms) ? ms <= limitMs : undefined)} |`,
    );
  };
  within('compass', 'warm, after the lifetime', 1500);
  within('sentry', 'cold', 10_000);
  for (const [project, scans] of measured) {
    const sized = scans.filter((s) => s.runs.length && !s.name.startsWith('pnpm') && Number.isFinite(mb(s)));
    if (!sized.length) continue;
    const worst = sized.reduce((a, b) => (mb(b) > mb(a) ? b : a));
    rows.push(
      `| ${project}: peak RSS of every scan, CLI and service | ≤ 300 MB | ${Math.round(mb(worst))} MB (${worst.name}) | ${verdict(mb(worst) <= 300)} |`,
    );
  }
  return ['', "Issue #18's targets, from the medians above:", '', '| target | limit | measured | met |', '|---|---|---|:-:|', ...rows];
}

async function main(): Promise<void> {
  const root = path.join(SHARED_FIXTURES, 'lockfiles/real');
  if (!fs.existsSync(root)) return void log(`skipped: ${root} is absent`);
  if (!fs.existsSync(CLI)) return void log(`skipped: ${CLI} is not built (npm run build)`);
  const registry = await reachRegistry();
  if (registry.problem) return void log(`skipped: the configured registry cannot be used: ${registry.problem}`);
  const ttlFlag = cliHasCacheTtl();
  const pnpm = ONLY.has('peer') ? await ensurePnpm() : { problem: 'not asked (BENCH_ONLY)' };
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' / ');
  const lines = [
    `# TrustLens on real projects, ${new Date().toISOString().slice(0, 10)}${LABEL ? ` (${LABEL})` : ''}`,
    '',
    `- ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB; node ${process.version}; load average at start ${load} (shared machine: seconds are noisy, requests are the evidence)`,
    `- CLI: ${path.relative(PROJECT_ROOT, CLI) || CLI}${LABEL ? ` (${LABEL})` : ''}; registry ${registry.url}; ${RUNS} run(s) per scan, median shown`,
    `- warm after the lifetime: ${ttlFlag ? '`--cache-ttl 0`' : 'the cache aged by a day (this CLI has no --cache-ttl)'}`,
    `- peer: ${pnpm.bin ? `pnpm ${PNPM_VERSION} \`install --resolution-only\`, cold store and cache, on pnpm projects only` : pnpm.problem}`,
    '',
    '| project | scan | packages | wall | peak RSS | requests | phases | notes |',
    '|---|---|---:|---:|---:|---:|---|---|',
  ];
  const measured = new Map<string, Scan[]>();
  for (const project of PROJECTS) {
    const dir = path.join(root, project);
    if (!fs.existsSync(dir)) {
      log(`${project}: not in ${root}, skipped`);
      continue;
    }
    log(`${project}:`);
    const scans: Scan[] = [];
    const cold = path.join(TMP, `${project}-cache`);
    if (ONLY.has('cold') || ONLY.has('warm')) {
      scans.push(
        await scan('cold --no-content', dir, path.join(TMP, `${project}-cache-nc`), ['--no-content'], () =>
          fs.rmSync(path.join(TMP, `${project}-cache-nc`), { recursive: true, force: true }),
        ),
      );
      scans.push(await scan('cold', dir, cold, [], () => fs.rmSync(cold, { recursive: true, force: true })));
    }
    if (ONLY.has('warm')) {
      scans.push(await scan('warm, within the lifetime', dir, cold, []));
      const aged = path.join(TMP, `${project}-cache-aged`);
      const prepare = () => {
        fs.rmSync(aged, { recursive: true, force: true });
        fs.cpSync(cold, aged, { recursive: true });
        if (!ttlFlag) ageCache(aged);
      };
      const after = ttlFlag ? ['--cache-ttl', '0'] : [];
      scans.push(await scan('warm, after the lifetime', dir, aged, after, prepare));
      scans.push(await scan('warm, after the lifetime, --no-content', dir, aged, [...after, '--no-content'], prepare));
    }
    if (ONLY.has('service')) scans.push(...(await serviceScans(dir, registry.url)));
    if (ONLY.has('peer')) {
      if (!fs.existsSync(path.join(dir, 'pnpm-lock.yaml')))
        scans.push({ name: 'peer', runs: [], reports: [], note: 'not a pnpm project: no pnpm peer (pnpm would resolve another graph)' });
      else if (!pnpm.bin) scans.push({ name: 'peer', runs: [], reports: [], note: pnpm.problem });
      else scans.push(await pnpmPeer(dir, registry.url, pnpm.bin));
    }
    for (const s of scans) lines.push(row(project, s));
    measured.set(project, scans);
  }
  lines.push(...targetRows(measured));
  if (ONLY.has('loopback') && fs.existsSync(path.join(SHARED_FIXTURES, 'packuments'))) lines.push(...(await loopbackRevalidation()));
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  if (process.env.BENCH_NO_WRITE !== '1') {
    const file = path.join(PROJECT_ROOT, 'bench/results', `real-${new Date().toISOString().slice(0, 10)}${LABEL ? `-${LABEL}` : ''}.md`);
    fs.writeFileSync(file, text);
    log(`written: ${path.relative(PROJECT_ROOT, file)}`);
  }
  fs.rmSync(TMP, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
