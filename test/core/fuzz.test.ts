import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseManifest } from '../../src/core/manifest';
import type { Lockfile, Manifest, ParseProblem } from '../../src/core/model';
import { parseLockfile, readPnpmWorkspace } from '../../src/core/project';
import { SHARED_FIXTURES } from '../support/fixtures';
import { seededRandom } from '../support/rng';
import { finishesWithinHangGuard } from '../support/wait';

/**
 * Seeded fuzzing of every parser: real files mutated in ways that break structure (byte flips, truncation,
 * deleted and duplicated ranges, stray brackets, quotes, merge markers, huge numbers, deep nesting, NULs,
 * byte-order marks). The inline seeds cover every format and parse path on their own (npm v1/v3, shrinkwrap,
 * yarn classic and berry, pnpm 5.4/6/9, pnpm-workspace.yaml, package.json), so a clone without ../shared
 * exercises them all; with ../shared, real files join them.
 * No throw may escape, every input finishes, and every problem has a position inside the text.
 * The seed is printed; TRUSTLENS_FUZZ_SEED=<n> reproduces a run, TRUSTLENS_FUZZ_RUNS=<n> changes its size.
 */
const SEED = Number(process.env.TRUSTLENS_FUZZ_SEED ?? 20261121);
const RUNS = Number(process.env.TRUSTLENS_FUZZ_RUNS ?? 10_000);

const rng = seededRandom;

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\n',
  '  ',
  '- ',
  '\\',
  '\u0000',
  '<<<<<<< HEAD\n',
  '=======\n',
  '>>>>>>> x\n',
  '1e999999',
  '"__proto__"',
  'null',
  '@',
  '#',
  '\t',
  '\r\n',
  '\uFFFF',
  '\uD800',
];

const NESTING: ((n: number) => string)[] = [
  (n) => '{a: '.repeat(n),
  (n) => '- '.repeat(n),
  (n) => Array.from({ length: Math.min(n, 400) }, (_, i) => `\n${'  '.repeat(i + 1)}k:`).join(''),
  (n) => `"x\n${'['.repeat(n)}`,
  (n) => `// "\n${'{"a":'.repeat(n)}`,
  (n) => `patch:a@`.repeat(n),
];

function mutate(text: string, r: () => number): string {
  let t = text;
  const ops = 1 + Math.floor(r() * 4);
  for (let i = 0; i < ops; i++) {
    const at = Math.floor(r() * (t.length + 1));
    switch (Math.floor(r() * 10)) {
      case 0: // truncate
        t = t.slice(0, at);
        break;
      case 1: {
        // delete a range
        const len = Math.floor(r() * 200);
        t = t.slice(0, at) + t.slice(at + len);
        break;
      }
      case 2: {
        // duplicate a range
        const len = Math.floor(r() * 300);
        t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at);
        break;
      }
      case 3: // insert a structural token
        t = t.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)] + t.slice(at);
        break;
      case 4: // flip a character
        t = t.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x250)) + t.slice(at + 1);
        break;
      case 5: // deep nesting burst
        t = t.slice(0, at) + '['.repeat(1 + Math.floor(r() * 3000)) + t.slice(at);
        break;
      case 6: // swap two halves
        t = t.slice(at) + t.slice(0, at);
        break;
      case 7: // a nesting burst in another syntax: YAML flow and block forms, indentation, a string cut by a line break before brackets
        t = t.slice(0, at) + NESTING[Math.floor(r() * NESTING.length)](1 + Math.floor(r() * 3000)) + t.slice(at);
        break;
      case 8: // byte-order marks in front
        t = '\uFEFF'.repeat(1 + Math.floor(r() * 2)) + t;
        break;
      default: // replace a line with garbage
        t = t.replace(/\n[^\n]*\n/, `\n${'x'.repeat(Math.floor(r() * 100))}: ${TOKENS[Math.floor(r() * TOKENS.length)]}\n`);
    }
  }
  return t;
}

interface Seed {
  name: string;
  text: string;
}

function seeds(): Seed[] {
  const out: Seed[] = [];
  const add = (name: string, file: string) => {
    if (fs.existsSync(file) && fs.statSync(file).size < 200_000) out.push({ name, text: fs.readFileSync(file, 'utf8') });
  };
  // Small inline seeds so the run means something even without ../shared.
  out.push({
    name: 'package.json',
    text: '{\n  "name": "a",\n  "dependencies": { "b": "^1.0.0", "c": "npm:d@2" },\n  "overrides": { "e": { ".": "1", "f": "2" } },\n  "workspaces": ["p/*"]\n}\n',
  });
  out.push({
    name: 'package-lock.json',
    text: JSON.stringify(
      {
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { b: '^1' } },
          'node_modules/b': { version: '1.0.0', dependencies: { c: '1' } },
          'node_modules/c': { version: '1.0.0' },
        },
      },
      null,
      2,
    ),
  });
  out.push({
    name: 'yarn.lock',
    text: '# yarn lockfile v1\n\n"b@^1.0.0":\n  version "1.0.0"\n  resolved "https://r/b/-/b-1.0.0.tgz"\n  dependencies:\n    c "1"\n\nc@1:\n  version "1.0.0"\n',
  });
  out.push({ name: 'yarn.lock', text: '__metadata:\n  version: 8\n\n"b@npm:^1.0.0":\n  version: 1.0.0\n  resolution: "b@npm:1.0.0"\n  checksum: 10c0/abc\n' });
  out.push({
    name: 'pnpm-lock.yaml',
    text: "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      b:\n        specifier: ^1.0.0\n        version: 1.0.0\npackages:\n  b@1.0.0:\n    resolution: {integrity: sha512-x}\nsnapshots:\n  b@1.0.0: {}\n",
  });
  out.push({
    name: 'pnpm-lock.yaml',
    text: "lockfileVersion: '6.0'\ndependencies:\n  b:\n    specifier: ^1.0.0\n    version: 1.0.0(c@2.0.0)\npackages:\n  /b@1.0.0(c@2.0.0):\n    resolution: {integrity: sha512-b}\n    peerDependencies:\n      c: ^2\n    dependencies:\n      c: 2.0.0\n    dev: false\n  /c@2.0.0:\n    resolution: {tarball: 'https://example.com/c-2.0.0.tgz'}\n  github.com/u/d/0123456789abcdef:\n    name: d\n    version: 1.0.0\n    resolution: {commit: 0123456789abcdef, repo: 'https://github.com/u/d.git', type: git}\n",
  });
  out.push({
    name: 'pnpm-lock.yaml',
    text: 'lockfileVersion: 5.4\nspecifiers:\n  b: ^1.0.0\ndependencies:\n  b: 1.0.0_c@2.0.0\npackages:\n  /b/1.0.0_c@2.0.0:\n    resolution: {integrity: sha1-zCAOqyYT9BZtJ/+a/HylbUnfbrQ=}\n    dependencies:\n      c: 2.0.0\n  /c/2.0.0:\n    resolution: {integrity: sha512-c}\n',
  });
  out.push({
    name: 'pnpm-workspace.yaml',
    text: "packages:\n  - 'packages/*'\n  - apps/**\n  - '!**/test/**'\ncatalog:\n  react: ^18.2.0\nonlyBuiltDependencies:\n  - esbuild\n",
  });
  out.push({
    name: 'package-lock.json',
    text: JSON.stringify(
      {
        name: 'old',
        lockfileVersion: 1,
        requires: true,
        dependencies: {
          a: { version: '1.0.0', resolved: 'https://r/a/-/a-1.0.0.tgz', integrity: 'sha1-a', requires: { b: '^1' }, dependencies: { b: { version: '1.5.0' } } },
          g: { version: 'git+https://github.com/u/g.git#0123456789abcdef0123456789abcdef01234567', from: 'git+https://github.com/u/g.git#v1' },
          h: { version: 'github:u/h#0123456789abcdef0123456789abcdef01234567', from: 'github:u/h' },
          l: { version: 'file:packages/l', requires: { a: '1' } },
          al: { version: 'npm:real@3.0.0' },
        },
      },
      null,
      2,
    ),
  });
  out.push({
    name: 'npm-shrinkwrap.json',
    text: `\uFEFF${JSON.stringify({ lockfileVersion: 2, packages: { '': { dependencies: { b: '^1' } }, 'node_modules/b': { version: '1.0.0', resolved: 'https://r/b/-/b-1.0.0.tgz', integrity: 'sha512-b' } }, dependencies: { b: { version: '1.0.0' } } }, null, 2)}`,
  });
  out.push({
    name: 'yarn.lock',
    text: '__metadata:\n  version: 8\n\n"resolve@patch:resolve@^1#~builtin<compat/resolve>":\n  version: 1.22.8\n  resolution: "resolve@patch:resolve@npm%3A1.22.8#~builtin<compat/resolve>::version=1.22.8&hash=c3c19d"\n  dependencies:\n    is-core-module: "npm:^2.13.0"\n  dependenciesMeta:\n    fsevents:\n      optional: true\n',
  });
  const gen = path.join(SHARED_FIXTURES, 'lockfiles/generated/small');
  for (const f of ['package.json', 'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml']) add(f, path.join(gen, f));
  add('yarn.lock', path.join(gen, 'berry/yarn.lock'));
  for (const dir of ['audit-nyc-mkdirp', 'workspaces-simple-virtual', 'install-types', 'link-dep-nested/root', 'tap-with-yarn-lock']) {
    const d = path.join(SHARED_FIXTURES, 'lockfiles/arborist', dir);
    for (const f of ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock']) add(f, path.join(d, f));
  }
  return out;
}

function parse(seed: Seed, text: string): Manifest | Lockfile | { problems: ParseProblem[] } {
  if (seed.name === 'package.json') return parseManifest(text);
  if (seed.name === 'pnpm-workspace.yaml') return readPnpmWorkspace(text);
  return parseLockfile(seed.name, text, []);
}

describe(`fuzzing the parsers (seed ${SEED}, ${RUNS} inputs)`, function () {
  this.timeout(600_000);

  it('never throws, always finishes, and places every problem inside the text', () => {
    const all = seeds();
    const r = rng(SEED);
    let withProblems = 0;
    const byFormat = new Map<string, number>();
    for (let i = 0; i < RUNS; i++) {
      const seed = all[i % all.length];
      const text = mutate(seed.text, r);
      let result: ReturnType<typeof parse>;
      try {
        // Termination is what is asserted: a parse running past the hang guard is a hang, not slowness.
        result = finishesWithinHangGuard(`input ${i} (${seed.name})`, () => parse(seed, text));
      } catch (e) {
        const file = path.join(process.cwd(), 'test-artifacts', `fuzz-${SEED}-${i}-${seed.name}`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        assert.fail(`input ${i} (${seed.name}) threw ${(e as Error).stack}; saved to ${file}`);
      }
      for (const p of result.problems) {
        assert.ok(
          p.range.startOffset >= 0 && p.range.endOffset <= text.length && p.range.startOffset <= p.range.endOffset,
          `input ${i}: problem outside the text`,
        );
        assert.ok(p.message.length > 0);
      }
      if (result.problems.length) withProblems++;
      byFormat.set(seed.name, (byFormat.get(seed.name) ?? 0) + 1);
    }
    console.log(`      ${RUNS} inputs from ${all.length} seeds (${[...byFormat].map(([k, v]) => `${k} ${v}`).join(', ')}): ${withProblems} reported problems`);
    assert.ok(withProblems > RUNS / 4, 'the mutations do break the files');
  });
});
