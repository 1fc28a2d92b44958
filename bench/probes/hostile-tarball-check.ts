/**
 * Child process of hostile-tarballs.bench: one `runCheck` over a project, as `trustlens check` would run it, and
 * its time and memory.
 *
 *   node out/bench/probes/hostile-tarball-check.js <projectDir> <registryUrl> <cacheDir>
 *
 * Prints one JSON line: { ms, cpuMs, maxRssMb (process.resourceUsage: inflated by the parent's size at fork, see
 * the bench), peakRssMb and peakHeapMb (sampled every 5 ms), baseRssMb (before the check), findings, errors }.
 */
import { runCheck } from '../../src/engine/check/run-check';
import { isolatedNpmEnv } from '../../test/support/npm-env';

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

async function main(): Promise<void> {
  const [project, registry, cacheDir] = process.argv.slice(2);
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const env = isolatedNpmEnv(project);
  const report = await runCheck({
    projectDir: project,
    registry,
    env,
    cacheDir,
    now: new Date('2025-01-01T00:00:00Z'),
    advisories: { npm: false, osv: false },
  });
  const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  clearInterval(sampler);
  const used = process.cpuUsage(cpu);
  const out = {
    ms,
    cpuMs: Math.round((used.user + used.system) / 1000),
    baseRssMb: mb(baseRss),
    peakRssMb: mb(Math.max(peakRss, process.memoryUsage().rss)),
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    peakHeapMb: mb(Math.max(peakHeap, process.memoryUsage().heapUsed)),
    findings: report.findings.map((f) => `${f.package}@${f.version} ${f.code}`),
    errors: report.errors.map((e) => `${e.package}: ${e.code}: ${e.message}`),
    truncated: report.cards.filter((c) => c.changes?.truncated).map((c) => `${c.name}@${c.version}`),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
