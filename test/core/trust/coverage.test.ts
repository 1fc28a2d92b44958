import { strict as assert } from 'node:assert';
import { buildProject } from '../../../src/core/project';
import { ProjectIndex } from '../../../src/core/report/locate';
import { type Gap, describeUncovered, incompleteFindings, uncovered } from '../../../src/core/trust/coverage';
import { policyFrom } from '../../../src/core/trust/policy';

/** Pending gaps (an early result's analyses still running) against real gaps: shown either way, rated apart. */
describe('coverage: pending is unknown, shown at info; a real gap keeps its severity', () => {
  const files = new Map([
    ['package.json', JSON.stringify({ name: 'app', dependencies: { a: '^1.0.0', b: '^1.0.0' } })],
    [
      'package-lock.json',
      JSON.stringify({
        name: 'app',
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { a: '^1.0.0', b: '^1.0.0' } },
          'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: 'sha512-AA==' },
          'node_modules/b': { version: '1.0.0', resolved: 'https://registry.npmjs.org/b/-/b-1.0.0.tgz', integrity: 'sha512-BB==' },
        },
      }),
    ],
  ]);
  const model = buildProject('/p', files);
  const index = new ProjectIndex(model, model.lockfile!.packages);
  const policy = policyFrom({});
  const pending: Gap = { package: 'a', version: '1.0.0', signal: 'content', reason: 'still analysing', pending: true };
  const failed: Gap = { package: 'b', version: '1.0.0', signal: 'content', reason: 'download failed: 500' };

  it('a version with only pending gaps is pending: info, "still being checked"; a failed one is not', () => {
    const [a, b] = uncovered([pending, failed]);
    assert.equal(a.pending, true);
    assert.equal(b.pending, undefined);
    assert.equal(describeUncovered(a), 'a@1.0.0: package contents still being checked — this result is partial until then');
    assert.match(describeUncovered(b), /^b@1\.0\.0 was checked only in part — not checked: package contents: download failed: 500$/);
    const { findings } = incompleteFindings([pending, failed], index, { policy, severity: 'high', now: new Date() });
    assert.deepEqual(
      findings.map((f) => [f.package, f.code, f.severity]),
      [
        ['a', 'check-incomplete', 'info'],
        ['b', 'check-incomplete', 'high'],
      ],
    );
    assert.equal(findings[0].evidence[0].label, 'package contents still being checked');
    assert.equal(findings[0].pending, true);
    assert.equal(findings[1].pending, undefined);
  });

  it('a pending gap next to a real one for the same version: the real one sets the severity', () => {
    const mixed: Gap = { package: 'a', version: '1.0.0', signal: 'provenance', reason: 'attestations answered 503' };
    const [u] = uncovered([pending, mixed]);
    assert.equal(u.pending, undefined);
    const { findings } = incompleteFindings([pending, mixed], index, { policy, severity: 'high', now: new Date() });
    assert.equal(findings[0].severity, 'high');
  });
});
