/**
 * npm run bench:parse — our parser vs @npmcli/arborist loadVirtual on the same lockfile, same run.
 * Each project's package.json and one lockfile are copied to a temp folder so both tools read exactly that.
 * Prints medians over interleaved runs and the ratio (ours / arborist). Target: ≤ 0.33 on the 1,800-package lockfile.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Arborist from '@npmcli/arborist';
import { loadProject } from '../src/engine/infra/project-files';

const GENERATED = path.resolve(__dirname, '../../../shared/fixtures/lockfiles/generated');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUP = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function stage(project: string, lockfile: string, sub = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bench-'));
  fs.copyFileSync(path.join(project, sub, 'package.json'), path.join(dir, 'package.json'));
  fs.copyFileSync(path.join(project, sub, lockfile), path.join(dir, lockfile));
  return dir;
}

async function main(): Promise<void> {
  if (!fs.existsSync(GENERATED)) {
    console.log(`skipped: ${GENERATED} is absent`);
    return;
  }
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${RUNS} runs after ${WARMUP} warm-up runs, medians\n`);
  console.log('| lockfile | packages | ours (ms) | arborist loadVirtual (ms) | ratio |');
  console.log('|---|---:|---:|---:|---:|');
  for (const size of ['small', 'medium', 'large']) {
    const project = path.join(GENERATED, size);
    const candidates: [string, string][] = [
      ['package-lock.json', ''],
      ['yarn.lock', ''],
      ['pnpm-lock.yaml', ''],
      ['yarn.lock', 'berry'],
    ];
    for (const [lockfile, sub] of candidates) {
      if (!fs.existsSync(path.join(project, sub, lockfile))) continue;
      const dir = stage(project, lockfile, sub);
      const withArborist = lockfile === 'package-lock.json';
      const ours: number[] = [];
      const theirs: number[] = [];
      let count = 0;
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const o = await time(async () => {
          count = (await loadProject(dir)).lockfile?.packages.length ?? 0;
        });
        const a = withArborist ? await time(() => new Arborist({ path: dir }).loadVirtual()) : 0;
        if (i >= WARMUP) {
          ours.push(o);
          theirs.push(a);
        }
      }
      const name = `${size}/${sub ? sub + '/' : ''}${lockfile}`;
      const mo = median(ours);
      const ma = median(theirs);
      console.log(
        `| ${name} | ${count} | ${mo.toFixed(1)} | ${withArborist ? ma.toFixed(1) : 'n/a (npm only)'} | ${withArborist ? (mo / ma).toFixed(3) : ''} |`,
      );
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
