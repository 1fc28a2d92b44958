import { strict as assert } from 'node:assert';
import { installCommand, moveTitle, onlyIntegrity } from '../../../src/core/report/fixes';

describe('fixes: what the quick fixes offer, in words', () => {
  it('an upgrade is called an upgrade, a move back a pin; an override names its section', () => {
    const data = { package: 'lib', version: '2.0.2', direct: true };
    assert.equal(moveTitle({ ...data, safeVersion: '2.0.1' }), 'Pin lib to 2.0.1 (the last trusted release)');
    assert.equal(moveTitle({ ...data, safeVersion: '3.0.1' }), 'Upgrade lib to 3.0.1 (a trusted release in your range)');
    assert.equal(moveTitle({ ...data, safeVersion: '2.0.1' }, 'overrides'), 'Override lib to 2.0.1 in overrides (the last trusted release)');
    assert.equal(moveTitle({ ...data, safeVersion: null }), undefined, 'no safe version: nothing to move to');
    assert.equal(moveTitle({ ...data, safeVersion: '2.0.2' }), undefined, 'already safe');
  });

  it('an integrity mismatch alone is cured by fetching the same version, not by moving to another', () => {
    const mismatch = { code: 'integrity-mismatch' as const, severity: 'critical' as const };
    assert.equal(onlyIntegrity({ codes: ['integrity-mismatch', 'deprecated'] }, [mismatch, { code: 'deprecated', severity: 'low' }]), true);
    assert.equal(onlyIntegrity({ codes: ['integrity-mismatch', 'malware'] }, [mismatch, { code: 'malware', severity: 'critical' }]), false);
    assert.equal(onlyIntegrity({ codes: ['malware'] }, [{ code: 'malware', severity: 'critical' }]), false);
  });

  it('the install after a fix skips lifecycle scripts whenever the project has install-time findings, and says why', () => {
    const hook = { code: 'install-script-added' as const, package: 'evil', version: '1.0.1' };
    assert.deepEqual(installCommand('npm', 'npm', []), { command: 'npm install' });
    assert.deepEqual(installCommand('npm', 'npm', [{ code: 'deprecated', package: 'a', version: '1.0.0' }]), { command: 'npm install' });
    const npm = installCommand('npm', 'npm', [hook]);
    assert.equal(npm.command, 'npm install --ignore-scripts');
    assert.equal(npm.reason, 'evil@1.0.1 has install-time findings: their scripts must not run');
    assert.equal(installCommand('pnpm', 'pnpm', [hook]).command, 'pnpm install --ignore-scripts');
    assert.equal(installCommand('yarn', 'yarn-classic', [hook]).command, 'yarn install --ignore-scripts');
    assert.equal(installCommand('yarn', 'yarn-berry', [hook]).command, 'yarn install --mode=skip-build', 'yarn berry has no --ignore-scripts');
    const many = installCommand(
      'npm',
      'npm',
      ['a', 'b', 'c', 'd', 'e'].map((p) => ({ code: 'malware' as const, package: p, version: '1.0.0' })),
    );
    assert.equal(many.reason, 'a@1.0.0, b@1.0.0, c@1.0.0 and 2 more have install-time findings: their scripts must not run');
  });
});
