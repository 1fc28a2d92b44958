/**
 * One finding per cause (issue #17): the registry metadata's install-script-added and content analysis's
 * content-install-hook for the same hook are one finding, with the content judgement; and a hook whose only
 * change is the package's own version is unchanged in the metadata rule too.
 */
import { strict as assert } from 'node:assert';
import { analyzeContentChange } from '../../../src/core/content';
import type { PackageContents, PackageFile } from '../../../src/core/content/types';
import { evaluatePackage } from '../../../src/core/trust/evaluate';
import { DEFAULT_POLICY, parsePolicy } from '../../../src/core/trust/policy';
import { alice, ctx, daysAgo, summary } from '../../support/trust-context';

function contents(version: string, scripts: Record<string, string> | undefined, files: Record<string, string> = {}): PackageContents {
  const manifest: Record<string, unknown> = { name: 'lib', version, main: 'index.js', ...(scripts ? { scripts } : {}) };
  const map = new Map<string, PackageFile>();
  for (const [p, text] of Object.entries({ 'package.json': JSON.stringify(manifest), 'index.js': 'module.exports = 1;\n', ...files })) {
    const data = Buffer.from(text);
    map.set(p, { path: p, size: data.length, mode: 0o644, data });
  }
  return { name: 'lib', version, files: map, manifest, bytesRead: 0, unpackedSize: 0, fileCount: map.size };
}

const history = (scripts: Record<string, string> | undefined) =>
  summary('lib', [
    { version: '1.0.0', publishedAt: daysAgo(100), publisher: alice, integrity: 'sha512-A' },
    { version: '1.0.1', publishedAt: daysAgo(50), publisher: alice, integrity: 'sha512-B', ...(scripts ? { installScripts: scripts } : {}) },
  ]);

describe('install hooks: one finding per cause', () => {
  it('a new postinstall running new code: one install-script-added at high, with the content evidence first', () => {
    const scripts = { postinstall: 'node setup.js' };
    const content = analyzeContentChange({ current: contents('1.0.1', scripts, { 'setup.js': 'console.log(1)\n' }), previous: contents('1.0.0', undefined) });
    assert.ok(content.some((f) => f.code === 'content-install-hook'));
    const e = evaluatePackage(ctx(history(scripts), '1.0.1', { contentFindings: content }), DEFAULT_POLICY);
    const hooks = e.findings.filter((f) => f.code === 'install-script-added' || f.code === 'content-install-hook');
    assert.equal(hooks.length, 1, JSON.stringify(hooks));
    assert.equal(hooks[0].code, 'install-script-added');
    assert.equal(hooks[0].severity, 'high');
    assert.match(hooks[0].message, /adds a postinstall script, compared with 1\.0\.0/);
    assert.deepEqual(hooks[0].evidence[1], { label: 'runs setup.js', value: 'new, 15 B' });
    assert.ok(
      hooks[0].evidence.some((x) => x.label === 'postinstall in 1.0.1'),
      'the metadata evidence follows',
    );
  });

  it('a new `npx only-allow pnpm`: one install-script-added at low, naming the tool; the version is its own safe version', () => {
    const scripts = { preinstall: 'npx only-allow pnpm' };
    const content = analyzeContentChange({ current: contents('1.0.1', scripts), previous: contents('1.0.0', undefined) });
    const e = evaluatePackage(ctx(history(scripts), '1.0.1', { contentFindings: content }), DEFAULT_POLICY);
    assert.deepEqual(
      e.findings.map((f) => `${f.code} ${f.severity}`),
      ['install-script-added low'],
    );
    assert.match(e.findings[0].message, /runs only only-allow \(a package-manager guard\), through npx, no code of the package/);
    assert.equal(e.findings[0].safeVersion, '1.0.1');
  });

  it('without content analysis the metadata finding stands alone (high), and a policy override applies to the merged code', () => {
    const scripts = { preinstall: 'npx only-allow pnpm' };
    assert.equal(evaluatePackage(ctx(history(scripts), '1.0.1'), DEFAULT_POLICY).findings.find((f) => f.code === 'install-script-added')!.severity, 'high');
    const content = analyzeContentChange({
      current: contents('1.0.1', { postinstall: 'node x.js' }, { 'x.js': '1\n' }),
      previous: contents('1.0.0', undefined),
    });
    const { policy } = parsePolicy(JSON.stringify({ severity: { 'install-script-added': 'medium' } }));
    const e = evaluatePackage(ctx(history({ postinstall: 'node x.js' }), '1.0.1', { contentFindings: content }), policy);
    assert.deepEqual(
      e.findings.map((f) => `${f.code} ${f.severity}`),
      ['install-script-added medium'],
    );
  });

  it("the metadata rule takes the package's own version out of the command (unrs-resolver@1.11.1)", () => {
    const s = summary('unrs-resolver', [
      {
        version: '1.11.0',
        publishedAt: daysAgo(10),
        publisher: alice,
        integrity: 'sha512-A',
        installScripts: { postinstall: 'napi-postinstall unrs-resolver 1.11.0 check' },
      },
      {
        version: '1.11.1',
        publishedAt: daysAgo(5),
        publisher: alice,
        integrity: 'sha512-B',
        installScripts: { postinstall: 'napi-postinstall unrs-resolver 1.11.1 check' },
      },
      {
        version: '1.11.2',
        publishedAt: daysAgo(2),
        publisher: alice,
        integrity: 'sha512-C',
        installScripts: { postinstall: 'napi-postinstall unrs-resolver 1.11.2 check --verbose' },
      },
    ]);
    assert.deepEqual(
      evaluatePackage(ctx(s, '1.11.1'), DEFAULT_POLICY).findings.map((f) => `${f.code} ${f.severity}`),
      ['install-script info'],
    );
    const changed = evaluatePackage(ctx(s, '1.11.2'), DEFAULT_POLICY).findings.find((f) => f.code === 'install-script-added')!;
    // Compared with its baseline: 1.11.1 came within the quiet gap before it, so the release before that gap.
    assert.equal(changed.message, 'unrs-resolver@1.11.2 changes its postinstall script, compared with 1.11.0');
  });
});
