import * as fs from 'node:fs';
import * as path from 'node:path';

/** The project root, from out/test/... or test/... alike. */
export const PROJECT_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../..' : '../..');

/**
 * `../shared/fixtures` beside the project: real data, read in place, never copied.
 * TRUSTLENS_SHARED_FIXTURES=<dir> points elsewhere (a missing folder runs the suite as a clone without it would).
 */
export const SHARED_FIXTURES = process.env.TRUSTLENS_SHARED_FIXTURES ?? path.resolve(PROJECT_ROOT, '../shared/fixtures');

/** Skips the calling suite or test, saying why, when the shared fixtures are absent. */
export function requireSharedFixtures(ctx: Mocha.Context, sub = ''): string {
  const dir = path.join(SHARED_FIXTURES, sub);
  if (!fs.existsSync(dir)) {
    console.log(`      skipped: ${dir} is absent (the shared real-data fixtures are not on this machine)`);
    ctx.skip();
  }
  return dir;
}

/** Every directory under `root` (node_modules included) that holds one of `names`. */
export function dirsWith(root: string, names: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && names.includes(e.name))) out.push(dir);
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  walk(root);
  return out.sort();
}
