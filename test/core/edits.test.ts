import { strict as assert } from 'node:assert';
import { allowEdits, applyEdits, formattingOf, overrideEdits, pinAllEdits, pinEdit } from '../../src/core/edits';
import { parseManifest } from '../../src/core/manifest';
import { parsePolicy } from '../../src/core/trust/policy';

const manifest = `{
    "name": "app",
    "dependencies": {
        "chalk": "^5.3.0",
        "colors": "npm:picocolors@^1.0.0",
        "local": "file:../local"
    },
    "devDependencies": { "mocha": "latest" }
}
`;

describe('edit construction', () => {
  const m = parseManifest(manifest);
  const dep = (name: string) => m.dependencies.find((d) => d.name === name)!;

  it('pins a range to the exact version, touching only the value', () => {
    const out = applyEdits(manifest, [pinEdit(dep('chalk'), '5.6.0')]);
    assert.equal(out, manifest.replace('"^5.3.0"', '"5.6.0"'));
  });

  it('keeps an npm: alias when pinning', () => {
    assert.equal(applyEdits(manifest, [pinEdit(dep('colors'), '1.1.1')]), manifest.replace('"npm:picocolors@^1.0.0"', '"npm:picocolors@1.1.1"'));
  });

  it('pins every registry dependency to its locked version and leaves local ones alone', () => {
    const locked: Record<string, string> = { chalk: '5.6.0', colors: '1.1.1', mocha: '10.2.0', local: '0.0.1' };
    const out = applyEdits(manifest, pinAllEdits(m.dependencies, (d) => locked[d.name]));
    assert.match(out, /"chalk": "5\.6\.0"/);
    assert.match(out, /"colors": "npm:picocolors@1\.1\.1"/);
    assert.match(out, /"mocha": "10\.2\.0"/);
    assert.match(out, /"local": "file:\.\.\/local"/);
  });

  it('adds an override in the section of the package manager, in the file\'s own indentation', () => {
    const npm = applyEdits(manifest, overrideEdits(manifest, 'npm', 'debug', '4.4.1'));
    assert.deepEqual(JSON.parse(npm).overrides, { debug: '4.4.1' });
    assert.match(npm, /\n {4}"overrides": \{\n {8}"debug": "4\.4\.1"\n {4}\}/);
    assert.deepEqual(JSON.parse(applyEdits(manifest, overrideEdits(manifest, 'yarn', 'debug', '4.4.1'))).resolutions, { debug: '4.4.1' });
    assert.deepEqual(JSON.parse(applyEdits(manifest, overrideEdits(manifest, 'pnpm', 'debug', '4.4.1'))).pnpm, { overrides: { debug: '4.4.1' } });
    const again = applyEdits(npm, overrideEdits(npm, 'npm', 'debug', '4.4.0'));
    assert.deepEqual(JSON.parse(again).overrides, { debug: '4.4.0' }, 'an existing override is replaced, not duplicated');
  });

  it('writes allow entries: creates the policy file, then appends', () => {
    const entry = { package: 'esbuild', code: 'install-script' as const, reason: 'downloads its binary', expires: '2027-01-01' };
    const created = applyEdits('', allowEdits(undefined, entry));
    assert.deepEqual(parsePolicy(created).policy.allow, [entry]);
    assert.match(created, /^\/\/ TrustLens policy/);
    const second = { package: 'chalk', version: '5.6.0', code: 'too-new' as const, reason: 'reviewed', expires: '2026-12-01' };
    const both = applyEdits(created, allowEdits(created, second));
    assert.deepEqual(parsePolicy(both).policy.allow, [entry, second]);
    assert.ok(both.startsWith('// TrustLens policy'), 'comments survive');
    const noList = applyEdits('{ "cooldownDays": 3 }', allowEdits('{ "cooldownDays": 3 }', entry));
    assert.deepEqual(parsePolicy(noList).policy.allow, [entry]);
  });

  it('reads the file\'s indentation and line ends', () => {
    assert.deepEqual(formattingOf('{\n\t"a": 1\n}'), { insertSpaces: false, tabSize: 1, eol: '\n' });
    assert.deepEqual(formattingOf('{\r\n  "a": 1\r\n}'), { insertSpaces: true, tabSize: 2, eol: '\r\n' });
  });
});
