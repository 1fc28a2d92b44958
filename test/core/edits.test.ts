import { strict as assert } from 'node:assert';
import { allowEdits, applyEdits, formattingOf, overrideEdits, pinAllPlan, pinEdit, reresolveEdits } from '../../src/core/edits';
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

  it('Pin All: each registry dependency to its trusted version, never a flagged one (skipped, with the reason)', () => {
    const trusted: Record<string, string> = { chalk: '5.6.0', colors: '1.1.1', local: '0.0.1' };
    const plan = pinAllPlan(m.dependencies, (d) => (trusted[d.name] ? { version: trusted[d.name] } : { skip: 'no trusted version in its range' }));
    const out = applyEdits(manifest, plan.edits);
    assert.match(out, /"chalk": "5\.6\.0"/);
    assert.match(out, /"colors": "npm:picocolors@1\.1\.1"/);
    assert.match(out, /"mocha": "latest"/, 'mocha has no trusted version: left as it is');
    assert.match(out, /"local": "file:\.\.\/local"/);
    assert.deepEqual(plan.changes, [
      { name: 'chalk', from: '^5.3.0', to: '5.6.0' },
      { name: 'colors', from: 'npm:picocolors@^1.0.0', to: '1.1.1' },
    ]);
    assert.deepEqual(plan.skipped, [{ name: 'mocha', why: 'no trusted version in its range' }]);
  });

  it("adds an override in the section of the package manager, in the file's own indentation", () => {
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
    const third = { package: 'evil', version: '1.0.1', code: 'install-script-added' as const, reason: 'reviewed', expires: '2026-12-01' };
    const fourth = { ...third, code: 'content-network' as const };
    const many = applyEdits(both, allowEdits(both, [third, fourth]));
    assert.deepEqual(parsePolicy(many).policy.allow, [entry, second, third, fourth], 'all findings of a version at once');
  });

  it('leaves a policy file it cannot read as it is, and says so with no edit', () => {
    const entry = { package: 'x', code: 'too-new' as const, reason: 'r' };
    for (const broken of ['{ "allow": [ { "package": ', '[1, 2]', '{ "allow": "everything" }', '{ "allow": [] } trailing']) {
      assert.deepEqual(allowEdits(broken, entry), [], broken);
    }
  });

  it('re-resolves an npm lockfile entry: drops its resolved and integrity, keeps its version', () => {
    const lock = JSON.stringify(
      {
        lockfileVersion: 3,
        packages: { '': {}, 'node_modules/a': { version: '1.1.0', resolved: 'https://r/a/-/a-1.1.0.tgz', integrity: 'sha512-x', dev: true } },
      },
      null,
      2,
    );
    const out = JSON.parse(applyEdits(lock, reresolveEdits(lock, 'node_modules/a')));
    assert.deepEqual(out.packages['node_modules/a'], { version: '1.1.0', dev: true });
    assert.deepEqual(reresolveEdits(lock, 'node_modules/missing'), []);
  });

  it("reads the file's indentation and line ends", () => {
    assert.deepEqual(formattingOf('{\n\t"a": 1\n}'), { insertSpaces: false, tabSize: 1, eol: '\n' });
    assert.deepEqual(formattingOf('{\r\n  "a": 1\r\n}'), { insertSpaces: true, tabSize: 2, eol: '\r\n' });
  });
});
