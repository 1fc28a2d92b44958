/** Timing, statistics, child processes and the machine description for the benchmarks. */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export async function time<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await f();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, value };
}

export interface RunResult {
  ms: number;
  /** Epoch ms at spawn and at exit (to place registry requests on the command's timeline). */
  startedAt: number;
  endedAt: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak RSS of the command (kB) from /usr/bin/time -v, when available. */
  maxRssKb?: number;
  timedOut: boolean;
}

export const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs a command to completion and times it from spawn to exit (process start-up included, as a user sees it).
 * Under /usr/bin/time -v (when present) to read the peak RSS; its report goes to a file, not to stderr.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; measureRss?: boolean } = {},
): Promise<RunResult> {
  const rssFile =
    opts.measureRss && GNU_TIME ? path.join(os.tmpdir(), `trustlens-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`) : undefined;
  const [file, argv] = rssFile ? [GNU_TIME!, ['-v', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (timer) clearTimeout(timer);
      let maxRssKb: number | undefined;
      if (rssFile) {
        const report = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8') : '';
        const m = report.match(/Maximum resident set size \(kbytes\): (\d+)/);
        if (m) maxRssKb = Number(m[1]);
        fs.rmSync(rssFile, { force: true });
      }
      resolve({
        ms,
        startedAt,
        endedAt: Date.now(),
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        maxRssKb,
        timedOut,
      });
    });
  });
}

export function tryExec(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return 'n/a';
  }
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  npm: string;
  pnpm: string;
}

export function describeMachine(env: NodeJS.ProcessEnv, pnpmBin: string | undefined): Machine {
  const cpus = os.cpus();
  let cpu = cpus[0]?.model?.trim() || 'unknown';
  // Some VMs report a bare family name; lscpu sometimes knows more.
  const lscpu = tryExec('lscpu', []);
  const model = lscpu.match(/^Model name:\s*(.+)$/m)?.[1]?.trim();
  if (model && model.length > cpu.length) cpu = model;
  const mhz = cpus[0]?.speed ? ` @ ${cpus[0].speed} MHz` : '';
  return {
    cpu: `${cpu}${mhz}`,
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    npm: tryExec('npm', ['-v'], env),
    pnpm: pnpmBin ? tryExec(process.execPath, [pnpmBin, '--version'], env) : 'not installed',
  };
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}
