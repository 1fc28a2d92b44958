import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { terminalLine, terminalSafeJson } from '../../src/core/report/terminal';
import { ScenarioBuilder, generateRegistryKey, tarballPath } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { trustlens } from '../support/cli';
import { isolatedNpmEnv } from '../support/npm-env';

const NOW = '2025-06-01T12:00:00.000Z';
const day = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();

/** Erase the line above, retitle the window, a C1 CSI, a right-to-left override, a forged newline. */
const HOSTILE = 'use x\u001b[1A\u001b[2K\u001b]0;owned\u0007 \u009b2J \u202eevil\u202c\nINFO     0 packages checked: no findings';
/** Anything a terminal would act on: C0 (other than the newlines between our own lines), DEL, C1, bidi controls. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("registry and repository text cannot speak in TrustLens's voice on a terminal", function () {
  this.timeout(60_000);
  let registry: FixtureRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    const b = new ScenarioBuilder({ registryKey: generateRegistryKey() });
    b.package('spoof').version('1.0.0', { publishedAt: day(90), publisher: { name: 'alice' }, deprecated: HOSTILE });
    b.package('hijack')
      .version('1.0.0', { publishedAt: day(90), publisher: { name: 'alice' } })
      .version('1.0.1', { publishedAt: day(30), publisher: { name: `mal\u202elory\u001b[0m` } });
    b.advisory('spoof', { vulnerable_versions: '1.0.0', severity: 'high', title: `ReDoS\u001b[2J${HOSTILE}` });
    const corpus = await b.build();
    registry = await startFixtureRegistry(corpus);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-spoof-'));
    const packages: Record<string, unknown> = { '': { dependencies: { spoof: '^1.0.0', hijack: '^1.0.0' } } };
    for (const [name, version] of [
      ['spoof', '1.0.0'],
      ['hijack', '1.0.1'],
    ]) {
      packages[`node_modules/${name}`] = {
        version,
        resolved: `${registry.url}${tarballPath(name, version).slice(1)}`,
        integrity: corpus.packuments.get(name)!.versions[version].dist.integrity,
      };
    }
    // A lockfile entry whose name carries an escape sequence (a git dependency: no registry history needed).
    packages['node_modules/\u001b]0;pwned\u0007x'] = { version: '1.0.0', resolved: 'git+https://example.com/x.git#abc' };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { spoof: '^1.0.0', hijack: '^1.0.0' } }));
    fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, packages }, null, 2));
    env = isolatedNpmEnv(dir);
  });
  after(() => registry?.close());

  it('text output and stderr carry no control or bidi character; each shows as a visible escape', async () => {
    const r = await trustlens(['check', dir, '--registry', registry.url, '--now', NOW, '--no-content', '--cache-dir', path.join(dir, 'cache')], env);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, ACTIVE);
    assert.doesNotMatch(r.stderr.replace(/\r/g, ''), ACTIVE);
    assert.match(r.stdout, /deprecated: use x\\x1b\[1A\\x1b\[2K\\x1b\]0;owned\\x07 \\x9b2J \\u202eevil\\u202c\\x0aINFO/);
    assert.match(r.stdout, /mal\\u202elory\\x1b\[0m/);
    assert.match(r.stdout, /\\x1b\]0;pwned\\x07x/);
    // The forged summary stays inside the finding's line: the one real summary line is the last one.
    const summaries = r.stdout.split('\n').filter((l) => /^\d+ packages \(/.test(l));
    assert.equal(summaries.length, 1);
  });

  it('JSON and SARIF keep the text (parsed back, it is the original) but print no C1 or bidi character raw', async () => {
    for (const format of ['json', 'sarif']) {
      const r = await trustlens(
        ['check', dir, '--registry', registry.url, '--now', NOW, '--no-content', '--format', format, '--cache-dir', path.join(dir, 'cache')],
        env,
      );
      assert.doesNotMatch(r.stdout, /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, format);
      assert.ok(r.stdout.includes(format === 'json' ? HOSTILE.slice(0, 3) : 'spoof'));
      if (format === 'json') {
        const deprecated = JSON.parse(r.stdout).findings.find((f: { code: string }) => f.code === 'deprecated');
        assert.ok(deprecated.message.includes(HOSTILE), 'the report still says exactly what the registry said');
      }
    }
  });

  it('terminalLine and terminalSafeJson: every unsafe character, and nothing else, is escaped', () => {
    for (let c = 0; c <= 0x2070; c++) {
      const ch = String.fromCharCode(c);
      const unsafe = ACTIVE.test(ch) || ch === '\n' || ch === '\ufeff';
      assert.equal(terminalLine(`a${ch}b`) !== `a${ch}b`, unsafe, `U+${c.toString(16)}`);
    }
    assert.equal(terminalLine('naïve 名前 — ok'), 'naïve 名前 — ok');
    assert.deepEqual(JSON.parse(terminalSafeJson({ s: HOSTILE })), { s: HOSTILE });
  });
});
