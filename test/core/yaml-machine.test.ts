import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { parsePnpmLockfile } from '../../src/core/lockfile/pnpm';
import { readMachineYaml } from '../../src/core/yaml-machine';
import { requireSharedFixtures } from '../support/fixtures';
import { seededRandom } from '../support/rng';

/** The library's reading, as parseYamlBounded asks for it. */
const library = (text: string) => YAML.parseDocument(text, { schema: 'failsafe', uniqueKeys: false, keepSourceTokens: false });

/** Where two trees differ (kind, value, scalar type, flow, range), or undefined when they are the same. */
function difference(a: unknown, b: unknown, at = '$'): string | undefined {
  const kind = (n: unknown) => (YAML.isMap(n) ? 'map' : YAML.isSeq(n) ? 'seq' : YAML.isScalar(n) ? 'scalar' : YAML.isAlias(n) ? 'alias' : String(n));
  if (kind(a) !== kind(b)) return `${at}: ${kind(a)} vs ${kind(b)}`;
  if (!YAML.isNode(a) || !YAML.isNode(b)) return undefined;
  if (String(a.range) !== String(b.range)) return `${at}: range ${a.range} vs ${b.range}`;
  if (YAML.isScalar(a) && YAML.isScalar(b))
    return a.value === b.value && a.type === b.type ? undefined : `${at}: ${JSON.stringify(a.value)} ${a.type} vs ${JSON.stringify(b.value)} ${b.type}`;
  if (YAML.isCollection(a) && YAML.isCollection(b)) {
    if (Boolean(a.flow) !== Boolean(b.flow)) return `${at}: flow ${a.flow} vs ${b.flow}`;
    if (a.items.length !== b.items.length) return `${at}: ${a.items.length} vs ${b.items.length} items`;
    for (let i = 0; i < a.items.length; i++) {
      const [x, y] = [a.items[i], b.items[i]];
      const d =
        YAML.isPair(x) && YAML.isPair(y)
          ? (difference(x.key, y.key, `${at}.key${i}`) ?? difference(x.value, y.value, `${at}.${String(x.key)}`))
          : difference(x, y, `${at}[${i}]`);
      if (d) return d;
    }
  }
  return undefined;
}

/** The fast reading equals the library's, or the fast reader declined; never a third outcome. */
function agrees(text: string): 'read' | 'declined' {
  const fast = readMachineYaml(text, 32);
  if (!fast) return 'declined';
  const slow = library(text);
  assert.deepEqual(
    slow.errors.map((e) => e.message),
    [],
    `read fast, but the library finds errors in:\n${text}`,
  );
  const d = difference(fast.contents, slow.contents);
  assert.equal(d, undefined, `${d}\nin:\n${text}`);
  return 'read';
}

/** A pnpm 9 lockfile with what pnpm writes: quoted keys, flow mappings and sequences, block sequences, empty entries. */
const SAMPLE = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      '@scope/a':
        specifier: ^1.0.0
        version: 1.0.0(b@2.0.0)
    devDependencies:
      b:
        specifier: ~2.0.0
        version: 2.0.0

  packages/c:
    dependencies:
      a-alias:
        specifier: npm:@scope/a@1
        version: '@scope/a@1.0.0(b@2.0.0)'

packages:

  '@scope/a@1.0.0':
    resolution: {integrity: sha512-AAAA+/BBBB==}
    engines: {node: '>=18'}
    cpu: [x64, arm64]
    peerDependencies:
      b: '*'

  b@2.0.0:
    resolution: {tarball: https://registry.example.com/b/-/b-2.0.0.tgz, integrity: sha512-CCCC}
    deprecated: see https://example.com/b#notes
    hasBin: true

  it''s@1.0.0:
    resolution: {integrity: sha512-DDDD}

snapshots:

  '@scope/a@1.0.0(b@2.0.0)':
    dependencies:
      b: 2.0.0
    transitivePeerDependencies:
      - supports-color
      - 'c'

  b@2.0.0: {}

  it''s@1.0.0:
`;

describe('readMachineYaml: the YAML package managers write, read fast, as the yaml library reads it', () => {
  it('reads a pnpm 9 lockfile exactly as the library does', () => {
    assert.equal(agrees(SAMPLE), 'read');
  });

  it('reads every real pnpm lockfile and workspace file in the fixtures as the library does', function () {
    const root = requireSharedFixtures(this, 'lockfiles');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (e.name === 'pnpm-lock.yaml' || e.name === 'pnpm-workspace.yaml') files.push(path.join(dir, e.name));
      }
    };
    walk(root);
    const outcomes = files.map((f) => [path.relative(root, f), agrees(fs.readFileSync(f, 'utf8'))]);
    const locks = outcomes.filter(([f]) => f.endsWith('pnpm-lock.yaml'));
    assert.ok(locks.length >= 6, `${locks.length} lockfiles`);
    // Every real lockfile is of the simple kind (what pnpm writes); workspace files with comments are not.
    assert.deepEqual(
      locks.filter(([, o]) => o !== 'read'),
      [],
    );
  });

  it('declines what it does not read, and the library reads it (comments, tabs, anchors, multi-line, …)', () => {
    const declined = [
      'a: b # comment\n',
      '# comment\na: b\n',
      'a:\n\tb: c\n',
      'a: &x b\nc: *x\n',
      'a: !!str b\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: b\n  c\n', // a plain scalar over two lines
      "a: 'b\n  c'\n",
      'a: "b\\n"\n',
      'a: b: c\n',
      'a: {b: c,}\n',
      'a: {b: [c]}\n',
      'a: {b: c\n  , d: e}\n',
      'a: b\r\nc: d\r\n',
      'a : b\n',
      'a:\n- b\n', // a sequence at the key's own indentation
      '---\na: b\n',
      '? a\n: b\n',
      'a:\n    b: c\n  d: e\n', // odd indentation
      '- a\n- b\n',
      'plain text\n',
      '',
      'a:  \n  b: c\n',
      'a: -1\n',
      'a: @b\n',
      '\uFEFFa: b\n',
    ];
    for (const text of declined) {
      assert.equal(readMachineYaml(text, 32), undefined, JSON.stringify(text));
      assert.ok(library(text), 'the library gives its reading (or its errors)');
    }
  });

  it('reads the simple kinds as the library does (quotes, empties, flow, URLs, colons inside plain scalars)', () => {
    const read = [
      "a: 'it''s'\n",
      'a: "double"\n',
      'a:\nb: c\n',
      'a:\n',
      'a: {}\nb: []\n',
      'a: { b: c ,d: e }\n',
      'a: [ x ,y ]\n',
      'a: https://x.example/a#b\n',
      'a:b: c\n',
      'a: {t: https://x.example/p.tgz}\n',
      'a: b  \n',
      'a:\n  - x\n  - "y"\n  - {k: v}\n',
      "'@s/a@1.0.0(b@2)':\n  x: y\n",
      'a:\n  b:\n    c:\n      d: e\nf: g',
    ];
    for (const text of read) assert.equal(agrees(text), 'read', JSON.stringify(text));
  });

  // TRUSTLENS_FUZZ_SEED=<n> and TRUSTLENS_FUZZ_RUNS=<n> (as test/core/fuzz.test.ts) change the run.
  const seed = Number(process.env.TRUSTLENS_FUZZ_SEED ?? 20261207);
  const runs = Math.max(3000, Number(process.env.TRUSTLENS_FUZZ_RUNS ?? 0));
  it(`on ${runs} mutations of a lockfile (seed ${seed}): the same reading as the library, or none`, () => {
    const rnd = seededRandom(seed);
    const pieces = [
      ':',
      ' ',
      '  ',
      '#',
      "'",
      '"',
      '-',
      '- ',
      '{',
      '}',
      '[',
      ']',
      ',',
      '\n',
      '\t',
      '&',
      '*',
      '!',
      '|',
      '>',
      '?',
      '%',
      '@',
      '\\',
      'x',
      ': ',
      '\r\n',
      '\uFEFF',
      '\u0001',
      '\u2028',
      '\u0085',
      'é',
    ];
    const lines = SAMPLE.split('\n');
    let read = 0;
    for (let n = 0; n < runs; n++) {
      let text = SAMPLE;
      for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) {
        const at = Math.floor(rnd() * text.length);
        const op = rnd();
        if (op < 0.5) text = text.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + text.slice(at);
        else if (op < 0.8) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 3));
        else {
          // a line indented differently, or repeated
          const i = Math.floor(rnd() * lines.length);
          const copy = [...text.split('\n')];
          copy.splice(i, 0, (rnd() < 0.5 ? ' ' : '') + (copy[i] ?? ''));
          text = copy.join('\n');
        }
      }
      if (agrees(text) === 'read') read++;
    }
    // Many mutants are still simple YAML (a changed letter, a space at a line's end): the fast path is exercised.
    assert.ok(read > runs / 10, `${read} of ${runs} mutants read fast`);
  });

  /** A comment at the end sends the same content to the library: both readings of the lockfile must be equal. */
  const sameLockfile = (text: string) => {
    assert.ok(readMachineYaml(text, 32), 'read fast');
    const viaLibrary = text + '# the library reads this one\n';
    assert.equal(readMachineYaml(viaLibrary, 32), undefined);
    const fast = parsePnpmLockfile(text, 'pnpm-lock.yaml');
    assert.ok(fast.packages.length > 0);
    assert.deepEqual(fast, parsePnpmLockfile(viaLibrary, 'pnpm-lock.yaml'));
  };

  it('parsePnpmLockfile gives the same lockfile read fast or by the library', () => {
    sameLockfile(SAMPLE);
  });

  it('…also for a real one (vuecore, 621 packages)', function () {
    sameLockfile(fs.readFileSync(path.join(requireSharedFixtures(this, 'lockfiles/real'), 'vuecore/pnpm-lock.yaml'), 'utf8'));
  });
});
