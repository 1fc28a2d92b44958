import { strict as assert } from 'node:assert';
import { evaluatePackage } from '../../../src/core/trust/evaluate';
import { DEFAULT_POLICY, parsePolicy } from '../../../src/core/trust/policy';
import { downgradeBaselineOf, parseBaselineSpec, replacedVersion } from '../../../src/core/trust/downgrade-baseline';
import { parseLockfile } from '../../../src/core/project';
import { alice, ctx, daysAgo, summary } from '../../support/trust-context';

describe('provenance-downgrade anchored to a baseline lockfile', () => {
  const tp = { name: 'GitHub Actions', trustedPublisher: { id: 'github' } };
  const staged = { ...tp, approver: { name: 'alice' } };
  const att = { url: 'https://registry.example/-/npm/v1/attestations/x' };
  const s = summary('lib', [
    { version: '7.0.0', publishedAt: daysAgo(300), publisher: staged, attestations: att, integrity: 'sha512-A' },
    { version: '7.1.0', publishedAt: daysAgo(200), publisher: alice, integrity: 'sha512-B' },
    { version: '7.1.1', publishedAt: daysAgo(100), publisher: tp, attestations: att, integrity: 'sha512-C' },
    { version: '7.1.2', publishedAt: daysAgo(50), publisher: alice, attestations: att, integrity: 'sha512-D' },
    { version: '7.1.3', publishedAt: daysAgo(20), publisher: alice, integrity: 'sha512-E' },
    { version: '8.0.0', publishedAt: daysAgo(10), publisher: alice, integrity: 'sha512-F' },
  ]);
  const source = 'package-lock.json at git:origin/main';
  const judge = (version: string, versions?: string[]) =>
    evaluatePackage(ctx(s, version, versions ? { downgradeBaseline: { source, versions } } : {}), DEFAULT_POLICY).findings.filter(
      (f) => f.code === 'provenance-downgrade',
    );

  it('a version the baseline locks is accepted as it is, though its line had stronger evidence before', () => {
    assert.equal(judge('7.1.0').length, 1, 'without the baseline: weaker than 7.0.0 (staged publish)');
    assert.deepEqual(judge('7.1.0', ['7.1.0']), []);
  });

  it('a version replacing a locked one is compared with the version it replaced, and names the baseline', () => {
    const [f] = judge('7.1.3', ['7.1.1']);
    assert.equal(f?.severity, 'high');
    assert.equal(f.baseline, '7.1.1');
    assert.match(
      f.message,
      /lib@7\.1\.3 was published with no provenance, weaker than 7\.1\.1 \(trusted publisher with provenance\), which it replaces in the baseline package-lock\.json at git:origin\/main/,
    );
    assert.ok(f.evidence.some((e) => e.label === 'baseline' && e.value.includes(source)));
  });

  it('negative: replacing a version of no stronger evidence, or trusted publisher → provenance-only, is no downgrade', () => {
    assert.deepEqual(judge('7.1.3', ['7.1.0']), [], 'none → none, though 7.0.0 was a staged publish');
    assert.deepEqual(judge('7.1.2', ['7.1.1']), [], 'trusted publisher with provenance → provenance alone');
    assert.equal(judge('7.1.2', ['7.0.0']).length, 1, 'staged publish → provenance alone is');
  });

  it('a package new since the baseline, or a replaced version the registry no longer lists, is judged by its release line', () => {
    assert.equal(judge('7.1.3', []).length, 1);
    assert.equal(judge('7.1.3', ['7.0.9'])[0]?.baseline, '7.0.0', 'the strongest earlier release of 7.x');
  });

  it('the replaced version: the same line first (highest below, else lowest above), else the highest below', () => {
    assert.equal(replacedVersion(['6.3.0', '7.1.0', '7.2.0', '8.0.0'], '7.1.5'), '7.1.0');
    assert.equal(replacedVersion(['7.2.0', '8.0.0'], '7.1.5'), '7.2.0');
    assert.equal(replacedVersion(['6.3.0', '8.0.0'], '7.1.5'), '6.3.0');
    assert.equal(replacedVersion([], '7.1.5'), undefined);
  });

  it('reads the registry versions a lockfile locks, by name, with the existing parsers', () => {
    const text = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'p' },
        'node_modules/lib': { version: '7.1.1', resolved: 'https://registry.npmjs.org/lib/-/lib-7.1.1.tgz', integrity: 'sha512-C' },
        'node_modules/x/node_modules/lib': { version: '7.0.0', resolved: 'https://registry.npmjs.org/lib/-/lib-7.0.0.tgz', integrity: 'sha512-A' },
        'node_modules/g': { version: '1.0.0', resolved: 'git+https://github.com/o/g.git#abc' },
      },
    });
    const b = downgradeBaselineOf(parseLockfile('package-lock.json', text, []), 'base.json');
    assert.deepEqual([...b.versions], [['lib', ['7.0.0', '7.1.1']]]);
    const pnpm = downgradeBaselineOf(
      parseLockfile('pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n  lib@7.1.1:\n    resolution: {integrity: sha512-C}\n", []),
      'pnpm',
    );
    assert.deepEqual(pnpm.versions.get('lib'), ['7.1.1']);
  });

  it('specs: a path or git:REF; the policy file may only name paths inside the project; options are no revisions', () => {
    assert.deepEqual(parseBaselineSpec('git:origin/main', true), { kind: 'git', ref: 'origin/main' });
    assert.deepEqual(parseBaselineSpec('baseline/package-lock.json', true), { kind: 'file', path: 'baseline/package-lock.json' });
    assert.ok('error' in parseBaselineSpec('git:--output=/tmp/x', false));
    assert.ok('error' in parseBaselineSpec('git:main:other', false));
    assert.ok('error' in parseBaselineSpec('../elsewhere/package-lock.json', true));
    assert.ok('error' in parseBaselineSpec('/etc/package-lock.json', true));
    assert.deepEqual(parseBaselineSpec('/ci/base/package-lock.json', false), { kind: 'file', path: '/ci/base/package-lock.json' });
  });

  it('the policy reads downgrade.baseline with its position, and reports a bad one where it is written', () => {
    const text = '{\n  "downgrade": {\n    "baseline": "git:origin/main"\n  }\n}';
    const { policy, problems } = parsePolicy(text);
    assert.deepEqual(problems, []);
    assert.equal(policy.downgrade?.baseline, 'git:origin/main');
    assert.equal(policy.downgrade?.baselineAt?.range.start.line, 2);
    const bad = parsePolicy('{\n  "downgrade": { "baseline": "../../etc/x" }\n}');
    assert.equal(bad.policy.downgrade, undefined);
    assert.equal(bad.problems.length, 1);
    assert.match(bad.problems[0].message, /"baseline" must be a lockfile path inside the project or git:REF/);
    assert.equal(bad.problems[0].range.start.line, 1);
  });
});
