import { strict as assert } from 'node:assert';
import type { PackageContext } from '../../../../src/core/trust/context';
import { evaluatePackage } from '../../../../src/core/trust/evaluate';
import { DEFAULT_POLICY } from '../../../../src/core/trust/policy';
import type { ProvenanceIdentity, ProvenanceVerdict, VersionSummary } from '../../../../src/core/trust/types';
import { alice, ctx, daysAgo, summary } from '../../../support/trust-context';
import { earlierInLine, identityRecord, mergeIdentities, validIdentities } from '../../../../src/core/trust/identity-history';

const build = (over: Partial<ProvenanceIdentity> = {}): ProvenanceVerdict => ({
  status: 'verified',
  provenance: {
    predicateType: 'https://slsa.dev/provenance/v1',
    sourceRepository: 'https://github.com/o/lib',
    workflowPath: '.github/workflows/release.yml',
    sourceRef: 'refs/tags/v1.0.1',
    trigger: 'push',
    runnerEnvironment: 'github-hosted',
    ...over,
  },
});

const attested = summary('lib', [
  { version: '1.0.0', publishedAt: daysAgo(50), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-1' },
  { version: '1.0.1', publishedAt: daysAgo(40), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-2' },
]);
const base = { version: '1.0.0', verdict: build({ sourceRef: 'refs/tags/v1.0.0' }) };

function workflowFinding(extra: Partial<PackageContext>, s = attested) {
  return evaluatePackage(ctx(s, '1.0.1', { baselineProvenance: base, ...extra }), DEFAULT_POLICY).findings.filter(
    (f) => f.code === 'provenance-workflow-changed',
  );
}

describe('provenance-workflow-changed: the workflow identity remembered', () => {
  it('a release built by a pull_request_target run is high although the provenance verifies', () => {
    const [f] = workflowFinding({ provenance: build({ trigger: 'pull_request_target' }) });
    assert.equal(f.severity, 'high');
    assert.match(f.message, /lib@1\.0\.1 was built by a pull_request_target run \(a trigger that runs on outside input\), but 1\.0\.0 by a push run/);
    assert.equal(f.baseline, '1.0.0');
  });

  it('a workflow_dispatch run on a self-hosted runner is two changes at once: high', () => {
    const [f] = workflowFinding({ provenance: build({ trigger: 'workflow_dispatch', runnerEnvironment: 'self-hosted' }) });
    assert.equal(f.severity, 'high');
    assert.match(f.message, /built by a workflow_dispatch run, but 1\.0\.0 by a push run; built on a self-hosted runner, but 1\.0\.0 on a github-hosted one/);
    assert.deepEqual(f.evidence.filter((e) => e.label === 'changed').length, 2);
  });

  it('alone, a self-hosted runner is medium and an ordinary trigger change (push → release, workflow_dispatch) is low', () => {
    assert.equal(workflowFinding({ provenance: build({ runnerEnvironment: 'self-hosted' }) })[0].severity, 'medium');
    assert.equal(workflowFinding({ provenance: build({ trigger: 'release' }) })[0].severity, 'low');
    assert.equal(workflowFinding({ provenance: build({ trigger: 'workflow_dispatch' }) })[0].severity, 'low');
  });

  it('negative: the same identity, or one the baseline does not record (older certificates), is nothing', () => {
    assert.deepEqual(workflowFinding({ provenance: build() }), []);
    assert.deepEqual(
      workflowFinding({
        provenance: build({ trigger: 'pull_request_target' }),
        baselineProvenance: { version: '1.0.0', verdict: build({ trigger: undefined, runnerEnvironment: undefined }) },
      }),
      [],
    );
    assert.deepEqual(workflowFinding({ provenance: { status: 'absent' } }), [], 'no provenance: provenance-downgrade says it');
  });

  describe('staged publish approvers', () => {
    const ci = (approver?: string): VersionSummary['publisher'] => ({
      name: 'GitHub Actions',
      trustedPublisher: { id: 'github' },
      ...(approver ? { approver: { name: approver } } : {}),
    });
    const staged = (approver: string, maintainers: string[]) =>
      summary('lib', [
        {
          version: '1.0.0',
          publishedAt: daysAgo(90),
          publisher: ci('alice'),
          maintainers: ['alice', 'bob'],
          attestations: { url: 'x' },
          integrity: 'sha512-1',
        },
        { version: '1.0.1', publishedAt: daysAgo(60), publisher: ci('bob'), maintainers: ['alice', 'bob'], attestations: { url: 'x' }, integrity: 'sha512-2' },
        { version: '1.0.2', publishedAt: daysAgo(10), publisher: ci(approver), maintainers, attestations: { url: 'x' }, integrity: 'sha512-3' },
      ]);
    const judge = (s: ReturnType<typeof summary>) =>
      evaluatePackage(ctx(s, '1.0.2'), DEFAULT_POLICY).findings.filter((f) => f.code === 'provenance-workflow-changed');

    it('an approver who approved none of the earlier staged releases and was no maintainer is medium', () => {
      const [f] = judge(staged('mallory', ['alice', 'bob', 'mallory']));
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /approved by mallory, who approved none of the 2 earlier staged releases \(alice, bob\) and was not a listed maintainer before/);
    });
    it('a long-listed maintainer approving for the first time is low; an earlier approver is nothing', () => {
      const three = summary(
        'lib',
        [...Object.values(staged('carol', ['alice', 'bob', 'carol']).versions)].map((v, i) => (i < 2 ? { ...v, maintainers: ['alice', 'bob', 'carol'] } : v)),
      );
      assert.equal(judge(three)[0].severity, 'low');
      assert.deepEqual(judge(staged('alice', ['alice', 'bob'])), []);
    });
  });

  describe('over the remembered history of verified releases', () => {
    const line = summary('lib', [
      { version: '1.0.0', publishedAt: daysAgo(90), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-0' },
      { version: '1.0.1', publishedAt: daysAgo(60), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-1' },
      { version: '1.0.2', publishedAt: daysAgo(30), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-2' },
      { version: '1.0.3', publishedAt: daysAgo(5), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-3' },
    ]);
    const judge = (provenance: ProvenanceVerdict, identityHistory?: PackageContext['identityHistory'], baseTrigger = 'workflow_dispatch') =>
      evaluatePackage(
        ctx(line, '1.0.3', {
          provenance,
          baselineProvenance: { version: '1.0.2', verdict: build({ trigger: baseTrigger, sourceRef: 'refs/tags/v1.0.2' }) },
          identityHistory,
        }),
        DEFAULT_POLICY,
      ).findings.filter((f) => f.code === 'provenance-workflow-changed');
    const history = [
      { version: '1.0.0', trigger: 'push', runner: 'github-hosted' },
      { version: '1.0.1', trigger: 'push', runner: 'github-hosted' },
      { version: '1.0.2', trigger: 'workflow_dispatch', runner: 'github-hosted' },
    ];

    it('a trigger seen in any earlier verified release of the line is no change, though the baseline had another', () => {
      assert.equal(judge(build({ trigger: 'push' })).length, 1, 'against the baseline alone: push ≠ workflow_dispatch');
      assert.deepEqual(judge(build({ trigger: 'push' }), history), []);
    });

    it('a trigger none of them had is a change from the whole history, naming every release compared', () => {
      const [f] = judge(build({ trigger: 'pull_request_target' }), history);
      assert.equal(f.severity, 'high');
      assert.match(
        f.message,
        /built by a pull_request_target run \(a trigger that runs on outside input\), but the 3 earlier verified releases TrustLens remembers \(1\.0\.0, 1\.0\.1, 1\.0\.2\) by workflow_dispatch or push runs/,
      );
      assert.ok(f.evidence.some((e) => e.label === 'identities remembered' && /1\.0\.0: push, github-hosted/.test(e.value)));
    });

    it('a runner seen before is no change; one never seen is medium; the history counts without a verified baseline', () => {
      const selfHosted = [...history.slice(0, 2), { version: '1.0.2', trigger: 'workflow_dispatch', runner: 'self-hosted' }];
      assert.deepEqual(judge(build({ trigger: 'push', runnerEnvironment: 'self-hosted' }), selfHosted), []);
      const noBase = evaluatePackage(
        ctx(line, '1.0.3', { provenance: build({ runnerEnvironment: 'self-hosted' }), identityHistory: history }),
        DEFAULT_POLICY,
      ).findings.filter((f) => f.code === 'provenance-workflow-changed');
      assert.equal(noBase[0]?.severity, 'medium');
      assert.match(
        noBase[0].message,
        /built on a self-hosted runner, but the 3 earlier verified releases TrustLens remembers \(1\.0\.0, 1\.0\.1, 1\.0\.2\) on github-hosted ones/,
      );
    });

    it('only earlier releases of the same line count: a later release or another major is no excuse', () => {
      const other = [
        { version: '2.0.0', trigger: 'pull_request_target' },
        { version: '1.0.4', trigger: 'pull_request_target' },
      ];
      assert.equal(judge(build({ trigger: 'pull_request_target' }), [...history, ...other])[0]?.severity, 'high');
      assert.deepEqual(
        earlierInLine([...history, ...other], '1.0.3').map((r) => r.version),
        ['1.0.0', '1.0.1', '1.0.2'],
      );
    });

    it('a staged-publish approver remembered from a verified release is known; one never seen is a change', () => {
      const ci = (approver: string): VersionSummary['publisher'] => ({
        name: 'GitHub Actions',
        trustedPublisher: { id: 'github' },
        approver: { name: approver },
      });
      const s = summary('lib', [
        { version: '1.0.0', publishedAt: daysAgo(90), publisher: alice, maintainers: ['alice', 'carol'], attestations: { url: 'x' }, integrity: 'sha512-0' },
        {
          version: '1.0.1',
          publishedAt: daysAgo(5),
          publisher: ci('carol'),
          maintainers: ['alice', 'carol'],
          attestations: { url: 'x' },
          integrity: 'sha512-1',
        },
      ]);
      const approvers = (h?: PackageContext['identityHistory']) =>
        evaluatePackage(ctx(s, '1.0.1', { identityHistory: h }), DEFAULT_POLICY).findings.filter((f) => f.code === 'provenance-workflow-changed');
      assert.deepEqual(approvers(), [], 'no earlier approval known: nothing to compare with');
      assert.deepEqual(approvers([{ version: '1.0.0', approver: 'carol' }]), []);
      const [f] = approvers([{ version: '1.0.0', approver: 'alice' }]);
      assert.equal(f?.severity, 'low');
      assert.match(f.message, /approved by carol, who approved none of the 1 earlier staged releases \(alice\)/);
    });

    it('records: merged by version, bounded, unchanged merges keep their identity, hostile input dropped', () => {
      const a = mergeIdentities(
        [],
        [
          { version: '1.0.1', trigger: 'push' },
          { version: '1.0.0', trigger: 'push' },
        ],
      );
      assert.deepEqual(
        a.map((r) => r.version),
        ['1.0.0', '1.0.1'],
      );
      assert.equal(mergeIdentities(a, [{ version: '1.0.0', trigger: 'push' }]), a);
      assert.equal(mergeIdentities(a, [{ version: '1.0.2', trigger: 'push' }], 2).length, 2);
      assert.equal(identityRecord('1.0.0', undefined), undefined, 'nothing comparable: nothing remembered');
      assert.deepEqual(
        validIdentities([{ version: 'x', trigger: 'push' }, { version: '1.0.0', trigger: 7, runner: 'self-hosted' }, null, 'junk', { version: '1.0.1' }]),
        [{ version: '1.0.0', runner: 'self-hosted' }],
      );
      assert.deepEqual(validIdentities({ not: 'a list' }), []);
    });
  });
});
