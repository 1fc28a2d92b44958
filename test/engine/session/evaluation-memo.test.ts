import { strict as assert } from 'node:assert';
import { ALL_RULES } from '../../../src/core/trust/evaluate';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/trust/policy';
import { EvaluationMemo } from '../../../src/engine/session/evaluation-memo';
import { DAY, NOW, alice, ctx, daysAgo, summary } from '../../support/trust-context';

const policy: Policy = { ...DEFAULT_POLICY, allow: [] };
const key = JSON.stringify(policy);
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

/**
 * The service evaluates "now" to the minute. An evaluation that time cannot change (every release older than the
 * cooldown, no expiring allow entry) is kept across minutes; one that time can change is made again.
 */
describe('evaluation memo across minutes', () => {
  const old = summary('old', [
    { version: '1.0.0', publishedAt: daysAgo(400), publisher: alice },
    { version: '1.1.0', publishedAt: daysAgo(300), publisher: alice },
  ]);
  const young = summary('young', [
    { version: '1.0.0', publishedAt: daysAgo(400), publisher: alice },
    { version: '1.1.0', publishedAt: new Date(NOW.getTime() - 2 * DAY + 30 * 60_000).toISOString(), publisher: alice },
  ]);

  it('keeps the evaluation of a package whose releases are all past the cooldown', () => {
    const memo = new EvaluationMemo();
    const base = ctx(old, '1.1.0');
    const first = memo.evaluate(base, policy, key, '^1.0.0', ALL_RULES);
    const next = memo.evaluate({ ...base, now: later(1) }, policy, key, '^1.0.0', ALL_RULES);
    assert.equal(next, first, 'the same evaluation object a minute later');
  });

  it('evaluates again when a release is inside the cooldown, and the result changes when it leaves it', () => {
    const memo = new EvaluationMemo();
    const base = ctx(young, '1.1.0');
    const inside = memo.evaluate(base, policy, key, '^1.0.0', ALL_RULES);
    assert.ok(
      inside.findings.some((f) => f.code === 'too-new'),
      JSON.stringify(inside.findings.map((f) => f.code)),
    );
    const minuteLater = memo.evaluate({ ...base, now: later(1) }, policy, key, '^1.0.0', ALL_RULES);
    assert.notEqual(minuteLater, inside);
    // 31 minutes on, 1.1.0 is two days old: no longer within the cooldown.
    const after = memo.evaluate({ ...base, now: later(31) }, policy, key, '^1.0.0', ALL_RULES);
    assert.ok(!after.findings.some((f) => f.code === 'too-new'));
  });

  it('evaluates again while an allow entry of the package can expire', () => {
    const memo = new EvaluationMemo();
    const expiring: Policy = { ...policy, allow: [{ package: 'old', code: 'deprecated', reason: 'r', expires: later(5).toISOString() }] };
    const base = ctx(old, '1.1.0');
    const first = memo.evaluate(base, expiring, JSON.stringify(expiring), '^1.0.0', ALL_RULES);
    assert.notEqual(memo.evaluate({ ...base, now: later(1) }, expiring, JSON.stringify(expiring), '^1.0.0', ALL_RULES), first);
  });
});
