// `npm run screenshots`: copies the pictures the README shows from the last e2e run (test-artifacts/e2e/readme/,
// written by test/e2e/fixes.e2e.ts against the local fixture registry) into docs/screenshots/, under the same names.
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const from = path.join(root, 'test-artifacts', 'e2e', 'readme');
const to = path.join(root, 'docs', 'screenshots');
const names = ['problems', 'quick-fixes', 'hover', 'report'];
const missing = names.filter((n) => !fs.existsSync(path.join(from, `${n}.png`)));
if (missing.length) {
  console.error(`screenshots: ${missing.map((n) => `${n}.png`).join(', ')} not in ${path.relative(root, from)}: run \`npm run test:e2e\` first`);
  process.exit(1);
}
fs.mkdirSync(to, { recursive: true });
for (const n of names) fs.copyFileSync(path.join(from, `${n}.png`), path.join(to, `${n}.png`));
console.log(`screenshots: ${names.length} pictures copied to ${path.relative(root, to)}/`);
