import { strict as assert } from 'node:assert';
import { DEFAULT_POLICY, parsePolicy, policyFrom, quietedBy, severityUnder, untrustedPolicy } from '../../../src/core/trust/policy';

describe('the policy file in trusted and untrusted folders', () => {
  it('records what the file itself sets, apart from the defaults it is merged with', () => {
    const { policy, own } = parsePolicy('{ "threshold": "medium", "severity": { "too-new": "high" } }', '.trustlens.jsonc', {
      cooldownDays: 5,
      threshold: 'critical',
    });
    assert.equal(policy.cooldownDays, 5);
    assert.equal(policy.threshold, 'medium');
    assert.deepEqual(own, { threshold: 'medium', severity: { 'too-new': 'high' }, allow: [] });
  });

  it('lowering malware, integrity-mismatch or provenance-invalid is a warning where it is written; raising them is not', () => {
    const text = '{ "severity": { "malware": "medium", "integrity-mismatch": "critical", "provenance-invalid": "info", "too-new": "info" } }';
    const { problems } = parsePolicy(text);
    assert.deepEqual(
      problems.map((p) => [p.code, p.severity, text.slice(p.range.startOffset, p.range.endOffset)]),
      [
        ['policy-lowers', 'warning', '"malware": "medium"'],
        ['policy-lowers', 'warning', '"provenance-invalid": "info"'],
      ],
    );
  });

  it('untrusted: only stricter settings apply, and each ignored one is named', () => {
    const base = policyFrom({ cooldownDays: 3, threshold: 'high', severity: { deprecated: 'info' } });
    const { own } = parsePolicy(
      '{ "cooldownDays": 1, "threshold": "critical", "severity": { "malware": "low", "too-new": "critical" }, "allow": [{ "package": "x", "code": "malware", "reason": "r" }] }',
    );
    const { policy, ignored } = untrustedPolicy(own, base);
    assert.equal(policy.cooldownDays, 3);
    assert.equal(policy.threshold, 'high');
    assert.deepEqual(policy.allow, []);
    assert.deepEqual(ignored, ['a cooldown of 1 days (instead of 3)', 'threshold critical (instead of high)', 'malware → low', '1 allow entry']);
    // Raise-only, per finding: a critical malware finding stays critical; too-new is raised; the user's own
    // lowering of deprecated stands.
    assert.equal(severityUnder(policy, 'malware', 'critical'), 'critical');
    assert.equal(severityUnder(policy, 'too-new', 'medium'), 'critical');
    assert.equal(severityUnder(policy, 'deprecated', 'low'), 'info');
    const stricter = untrustedPolicy(parsePolicy('{ "cooldownDays": 7, "threshold": "medium" }').own, base);
    assert.deepEqual([stricter.policy.cooldownDays, stricter.policy.threshold, stricter.ignored], [7, 'medium', []]);
  });

  it('a trusted policy applies as written (severityUnder without raise-only entries is the override)', () => {
    const { policy } = parsePolicy('{ "severity": { "malware": "low" } }');
    assert.equal(severityUnder(policy, 'malware', 'critical'), 'low');
    assert.equal(severityUnder(DEFAULT_POLICY, 'malware', 'critical'), 'critical');
  });

  it('counts the findings a repository policy would have hidden or lowered, each once', () => {
    const { own } = parsePolicy(
      '{ "severity": { "malware": "info", "too-new": "critical" }, "allow": [{ "package": "a", "code": "malware", "reason": "r" }, { "package": "b", "code": "too-new", "reason": "r", "expires": "2000-01-01" }] }',
    );
    const findings = [
      { package: 'a', version: '1.0.0', code: 'malware' as const, severity: 'critical' as const },
      { package: 'c', version: '1.0.0', code: 'malware' as const, severity: 'critical' as const },
      { package: 'b', version: '1.0.0', code: 'too-new' as const, severity: 'medium' as const },
    ];
    assert.equal(quietedBy(own, findings, new Date('2026-01-01')), 2, 'a (allowed and lowered, once) and c (lowered); the expired allow of b hides nothing');
  });
});
