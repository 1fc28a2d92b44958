/**
 * `npm run bench:exposure`: `trustlens exposure` on a long history. A real repository made with `git fast-import`:
 * 1,000 commits, each changing package-lock.json (the generated medium lockfile of ../shared, 600 packages: one
 * version bumped per commit, as dependency bots do), plus 1,000 commits that touch other files. The history part
 * (git log, blobs, parses, windows) is what grows with history; judging is one check of every version the history
 * held, like a check of one lockfile with a few more versions. Reference: reading the same blobs the simple way,
 * one `git show <commit>:package-lock.json` per commit (no parse).
 *
 *   BENCH_COMMITS=N        lockfile commits (default 1000)
 *   BENCH_NO_WRITE=1       do not write bench/results/exposure-<date>.md
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExposure } from '../src/engine/history/exposure';
import { PROJECT_ROOT, SHARED_FIXTURES } from '../test/support/fixtures';
import { fmtMs, median } from './support/measure';

const COMMITS = Number(process.env.BENCH_COMMITS ?? 1000);
const RUNS = 3;

function makeRepository(): { dir: string; lockBytes: number; packages: number } {
  const source = path.join(SHARED_FIXTURES, 'lockfiles/generated/medium');
  const lock = JSON.parse(fs.readFileSync(path.join(source, 'package-lock.json'), 'utf8'));
  const manifest = fs.readFileSync(path.join(source, 'package.json'), 'utf8');
  const keys = Object.keys(lock.packages).filter((k) => k.startsWith('node_modules/'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bench-exposure-'));
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  // One fast-import stream: commit i bumps one package's patch version (a new blob each time), every other
  // commit touches a file that is not a lockfile (log must skip them).
  const chunks: string[] = [];
  const blob = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let mark = 0;
  let t = Date.parse('2022-01-01T00:00:00Z') / 1000;
  for (let i = 0; i < COMMITS * 2; i++) {
    t += 3600 * 7;
    const lockfileCommit = i % 2 === 0;
    let files = '';
    if (lockfileCommit) {
      const k = keys[(i / 2) % keys.length];
      const v = String(lock.packages[k].version).split('.');
      if (v.length === 3 && /^\d+$/.test(v[2])) lock.packages[k].version = `${v[0]}.${v[1]}.${Number(v[2]) + 1}`;
      files = `M 100644 inline package-lock.json\n${blob(JSON.stringify(lock, null, 2) + '\n')}`;
      if (i === 0) files += `M 100644 inline package.json\n${blob(manifest)}`;
    } else {
      files = `M 100644 inline notes.txt\n${blob(`note ${i}\n`)}`;
    }
    const msg = lockfileCommit ? `bump ${i / 2}` : `docs ${i}`;
    chunks.push(
      `commit refs/heads/main\nmark :${++mark}\nauthor Bot <bot@example.com> ${t} +0000\ncommitter Bot <bot@example.com> ${t} +0000\n${blob(msg)}${mark > 1 ? `from :${mark - 1}\n` : ''}${files}\n`,
    );
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, input: chunks.join(''), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`git fast-import: ${r.stderr}`);
  execFileSync('git', ['checkout', '-q', 'main'], { cwd: dir });
  return { dir, lockBytes: fs.statSync(path.join(dir, 'package-lock.json')).size, packages: keys.length };
}

async function main(): Promise<void> {
  if (!fs.existsSync(SHARED_FIXTURES)) {
    console.log(`skipped: ${SHARED_FIXTURES} is absent`);
    return;
  }
  const made = Date.now();
  const { dir, lockBytes, packages } = makeRepository();
  console.log(
    `repository: ${COMMITS * 2} commits (${COMMITS} change package-lock.json, ${packages} packages, ${(lockBytes / 1024).toFixed(0)} KB) made in ${fmtMs(Date.now() - made)}`,
  );

  // Offline with an empty cache: the judging step reports every version as not checked, quickly; the history part
  // is what is measured here (a warm check of ~1,000 versions is measured by `npm run bench`).
  const runs: Awaited<ReturnType<typeof runExposure>>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-bench-exposure-cache-'));
    runs.push(
      await runExposure({ check: { projectDir: dir, now: new Date(), offline: true, cacheDir, advisories: { npm: false, osv: false }, content: 'off' } }),
    );
  }
  const s = runs.map((r) => r.stats);
  const history = s.map((x) => x.phases.git + x.phases.parse + x.phases.windows);
  const row = {
    total: median(s.map((x) => x.durationMs)),
    git: median(s.map((x) => x.phases.git)),
    parse: median(s.map((x) => x.phases.parse)),
    windows: median(s.map((x) => x.phases.windows)),
    judge: median(s.map((x) => x.phases.judge)),
    history: median(history),
  };
  // Reference: one `git show` per lockfile commit.
  const hashes = execFileSync('git', ['log', '--format=%H', '--', 'package-lock.json'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
  const showStart = performance.now();
  for (const h of hashes) execFileSync('git', ['show', `${h}:package-lock.json`], { cwd: dir, maxBuffer: 1 << 28 });
  const show = performance.now() - showStart;

  const r0 = runs[0];
  const rss = process.memoryUsage().rss;
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `# TrustLens exposure benchmark, ${date}`,
    '',
    `- ${os.cpus()[0]?.model ?? 'CPU'}, ${os.cpus().length} cores; node ${process.version}; ${execFileSync('git', ['--version'], { encoding: 'utf8' }).trim()}; load average ${load} (other work on this machine makes timings noisy)`,
    `- repository: ${COMMITS * 2} commits on one branch, ${COMMITS} of them change package-lock.json (npm v3, ${packages} packages, ${(lockBytes / 1024).toFixed(0)} KB; one version bumped per commit), made with git fast-import`,
    `- runExposure in-process, offline with an empty cache (judging is not what grows with history); median of ${RUNS} runs`,
    '',
    '| measure | ours | reference | ratio | notes |',
    '|---|---:|---:|---:|---|',
    `| Exposure, ${COMMITS} lockfile commits: history (git log + blobs + parses + windows) | ${fmtMs(row.history)} | ${fmtMs(show)} one \`git show\` per commit, no parse | ${(row.history / show).toFixed(2)} | git ${fmtMs(row.git)} (log, cat-file waits), parse ${fmtMs(row.parse)} (${r0.stats.parsed} distinct blobs, ${(row.parse / r0.stats.parsed).toFixed(1)} ms each), windows ${fmtMs(row.windows)}; ${r0.stats.versions} versions ever locked |`,
    `| Exposure, whole run (incl. one offline check of ${r0.stats.versions} versions) | ${fmtMs(row.total)} | — | — | judge ${fmtMs(row.judge)}; runs ${s.map((x) => fmtMs(x.durationMs)).join(', ')}; process RSS after ${RUNS} runs ${(rss / 1048576).toFixed(0)} MB |`,
    '',
  ];
  const text = lines.join('\n');
  console.log(text);
  if (!process.env.BENCH_NO_WRITE) {
    const out = path.join(PROJECT_ROOT, 'bench/results', `exposure-${date}.md`);
    fs.writeFileSync(out, text);
    console.log(`written to ${path.relative(PROJECT_ROOT, out)}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
