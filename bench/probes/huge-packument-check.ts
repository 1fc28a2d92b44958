/**
 * Child process of huge-packument.bench: runs one job with the engine's own code and reports its time and memory.
 *
 *   node out/bench/probes/huge-packument-check.js check <projectDir> <registryUrl> <cacheDir>
 *     runCheck over the project (content analysis off), as `trustlens check` would
 *   node out/bench/probes/huge-packument-check.js summaries <registryUrl> <name,name,...|@file>
 *     one PackumentSource summary per name (no disk cache): the packument path alone
 *
 * Prints one JSON line: { ms, cpuMs (user + system), maxRssMb (process.resourceUsage), baseRssMb (before the job), peakHeapMb (sampled),
 * errors, ... }.
 */
import * as fs from 'node:fs';
import { runCheck } from '../../src/engine/check/run-check';
import { RegistryHttp } from '../../src/engine/registry/http';
import { loadNpmConfig, registryMap } from '../../src/engine/registry/npmrc';
import { PackumentSource } from '../../src/engine/registry/packuments';
import { isolatedNpmEnv } from '../../test/support/npm-env';

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  const baseRss = process.memoryUsage().rss;
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 5);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const out: Record<string, unknown> = { mode };
  if (mode === 'check') {
    const [project, registry, cacheDir] = args;
    const env = isolatedNpmEnv(project);
    const report = await runCheck({ projectDir: project, registry, env, cacheDir, content: 'off', advisories: { npm: false, osv: false } });
    out.errors = report.errors.map((e) => `${e.package}: ${e.code}: ${e.message}`);
    out.cards = report.cards.map((c) => `${c.name}@${c.version}`);
    out.findings = report.findings.map((f) => `${f.package}@${f.version} ${f.code}`);
  } else if (mode === 'summaries') {
    const [registry, list] = args;
    const names = list.startsWith('@') ? fs.readFileSync(list.slice(1), 'utf8').split('\n').filter(Boolean) : list.split(',');
    const config = await loadNpmConfig({ projectDir: '/nonexistent', env: { PATH: process.env.PATH }, overrides: { registry } });
    const http = new RegistryHttp({ config });
    const source = new PackumentSource(http, registryMap(config), undefined);
    let versions = 0;
    const errors: string[] = [];
    await Promise.all(
      names.map(async (n) => {
        try {
          const summary = await source.summary(n);
          versions += Object.keys(summary.versions).length;
        } catch (e) {
          errors.push(`${n}: ${(e as { code?: string }).code}: ${(e as Error).message}`);
        }
      }),
    );
    Object.assign(out, { names: names.length, versions, errors, requests: http.requestCount });
  } else throw new Error(`unknown mode ${mode}`);
  out.ms = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  const used = process.cpuUsage(cpu);
  out.cpuMs = Math.round((used.user + used.system) / 1000);
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  Object.assign(out, { baseRssMb: mb(baseRss), maxRssMb: mb(process.resourceUsage().maxRSS * 1024), peakHeapMb: mb(peakHeap) });
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
