import { strict as assert } from 'node:assert';
import { evaluatePackage } from '../../../../src/core/trust/evaluate';
import { History } from '../../../../src/core/trust/history';
import { DEFAULT_POLICY, parsePolicy } from '../../../../src/core/trust/policy';
import { summarizePackument } from '../../../../src/core/trust/summarize';
import type { Advisory, FindingCode, ProvenanceVerdict } from '../../../../src/core/trust/types';
import { DAY, NOW, alice, ctx, daysAgo, mallory, summary } from '../../../support/trust-context';
import { namedInResolved } from '../../../../src/core/trust/rules/lockfile-entry';
import type { PackageContext, RawFinding as RawFindingLike } from '../../../../src/core/trust/context';

const codes = (e: ReturnType<typeof evaluatePackage>) => e.findings.map((f) => f.code).sort();
const only = (e: ReturnType<typeof evaluatePackage>, code: FindingCode) => e.findings.find((f) => f.code === code);

const history = summary('lib', [
  { version: '1.0.0', publishedAt: daysAgo(300), publisher: alice, maintainers: ['alice'], integrity: 'sha512-AAAA' },
  { version: '1.1.0', publishedAt: daysAgo(200), publisher: alice, maintainers: ['alice'], integrity: 'sha512-BBBB' },
  { version: '1.2.0', publishedAt: daysAgo(100), publisher: alice, maintainers: ['alice'], integrity: 'sha512-CCCC' },
]);

describe('trust rules', () => {
  it('an ordinary release by the usual publisher has no findings and is its own safe version', () => {
    const e = evaluatePackage(ctx(history, '1.2.0'), DEFAULT_POLICY, '^1.0.0');
    assert.deepEqual(e.findings, []);
  });

  describe('publisher-changed / maintainer-added', () => {
    const s = summary('lib', [
      ...Object.values(history.versions),
      { version: '1.2.1', publishedAt: daysAgo(10), publisher: mallory, maintainers: ['alice', 'mallory'], integrity: 'sha512-DDDD' },
    ]);
    it('flags a publisher who published none of the earlier releases, with evidence; alone it is low', () => {
      const f = only(evaluatePackage(ctx(s, '1.2.1'), DEFAULT_POLICY), 'publisher-changed')!;
      assert.equal(f.severity, 'low', 'a maintainer added who publishes: how hand-overs look, alone');
      assert.match(f.message, /mallory <mallory@evil.example>, who published none of the 3 earlier releases/);
      assert.deepEqual(
        f.evidence.map((x) => x.label),
        ['publisher of 1.2.1', 'earlier publishers', 'publisher of 1.2.0', 'alone not enough', 'baseline'],
      );
      assert.equal(f.baseline, '1.2.0');
      assert.ok(only(evaluatePackage(ctx(s, '1.2.1'), DEFAULT_POLICY), 'maintainer-added'));
    });
    it('is medium when corroborated: new to the scope, a manual publish after CI, an unlisted account from a new domain, or two weak signs', () => {
      const scoped = summary('@o/lib', [
        ...Object.values(history.versions),
        { version: '1.2.1', publishedAt: daysAgo(10), publisher: mallory, maintainers: ['alice', 'mallory'], integrity: 'sha512-DDDD' },
      ]);
      const scopeNew = only(evaluatePackage(ctx(scoped, '1.2.1', { scopePublishers: new Set(['alice', 'bob']) }), DEFAULT_POLICY), 'publisher-changed')!;
      assert.equal(scopeNew.severity, 'medium');
      assert.match(scopeNew.message, /published no release of any other package of the scope/);
      const known = only(evaluatePackage(ctx(scoped, '1.2.1', { scopePublishers: new Set(['alice', 'mallory']) }), DEFAULT_POLICY), 'publisher-changed')!;
      assert.equal(known.severity, 'low', 'a publisher the scope knows');
      const ci = { name: 'GitHub Actions', trustedPublisher: { id: 'github' } };
      const manual = summary('lib', [
        { version: '1.0.0', publishedAt: daysAgo(300), publisher: ci, integrity: 'sha512-A' },
        { version: '1.1.0', publishedAt: daysAgo(200), publisher: ci, integrity: 'sha512-B' },
        { version: '1.1.1', publishedAt: daysAgo(10), publisher: mallory, integrity: 'sha512-C' },
      ]);
      assert.match(
        only(evaluatePackage(ctx(manual, '1.1.1'), DEFAULT_POLICY), 'publisher-changed')!.message,
        /published by hand after 2 releases published from CI/,
      );
      const unlisted = summary('lib', [
        ...Object.values(history.versions),
        { version: '1.2.1', publishedAt: daysAgo(10), publisher: mallory, maintainers: ['alice'], integrity: 'sha512-DDDD' },
      ]);
      assert.equal(only(evaluatePackage(ctx(unlisted, '1.2.1'), DEFAULT_POLICY), 'publisher-changed')!.severity, 'medium');
      const silent = summary('lib', [
        { version: '1.0.0', publishedAt: daysAgo(1500), publisher: alice, maintainers: ['alice'], integrity: 'sha512-A' },
        { version: '1.0.1', publishedAt: daysAgo(10), publisher: mallory, maintainers: ['alice', 'mallory'], integrity: 'sha512-B' },
      ]);
      const f = only(evaluatePackage(ctx(silent, '1.0.1'), DEFAULT_POLICY), 'publisher-changed')!;
      assert.equal(f.severity, 'medium');
      assert.match(f.message, /became a maintainer in this very release; the first release in 4 years/);
    });
    it('stays quiet where the registry carries no publisher data (unknown is not missing)', () => {
      const e = evaluatePackage(ctx(s, '1.2.1', { registry: { url: 'https://mirror.example/', trustData: false, hasKeys: false } }), DEFAULT_POLICY);
      assert.deepEqual(codes(e), []);
    });
  });

  describe('install-script-added / install-script', () => {
    const s = summary('lib', [
      ...Object.values(history.versions),
      { version: '1.2.1', publishedAt: daysAgo(10), publisher: alice, installScripts: { postinstall: 'node setup.js' }, integrity: 'sha512-E' },
      { version: '1.2.2', publishedAt: daysAgo(5), publisher: alice, installScripts: { postinstall: 'node setup.js' }, integrity: 'sha512-F' },
      { version: '1.2.3', publishedAt: daysAgo(4), publisher: alice, installScripts: { postinstall: 'node bundle.js' }, integrity: 'sha512-G' },
    ]);
    it('is high when the release before had no such script, and names both', () => {
      const f = only(evaluatePackage(ctx(s, '1.2.1'), DEFAULT_POLICY, '^1.0.0'), 'install-script-added')!;
      assert.equal(f.severity, 'high');
      assert.deepEqual(f.evidence, [
        { label: 'postinstall in 1.2.1', value: 'node setup.js' },
        { label: 'postinstall in 1.2.0', value: '(none)' },
        { label: 'baseline', value: '1.2.0 — the last 1.x release' },
      ]);
      assert.equal(f.baseline, '1.2.0');
      assert.equal(f.safeVersion, '1.2.0', 'the newest release in range without it');
    });
    it('keeping a script that a flagged release added is not "as before": the baseline skips the flagged release', () => {
      const f = only(evaluatePackage(ctx(s, '1.2.2'), DEFAULT_POLICY), 'install-script-added')!;
      assert.equal(f.baseline, '1.2.0');
      assert.match(f.evidence.at(-1)!.value, /passed over 1\.2\.1 \(it added a postinstall script that 1\.2\.0 did not have\)/);
    });
    it('is info when the script is unchanged against a clean baseline; a release in the burst after the flagged one is judged against what came before', () => {
      const later = summary('lib', [
        ...Object.values(s.versions),
        { version: '1.2.4', publishedAt: daysAgo(2.5), publisher: alice, installScripts: { postinstall: 'node setup.js' }, integrity: 'sha512-I' },
      ]);
      assert.equal(only(evaluatePackage(ctx(later, '1.2.4', { cooldownMs: 0.5 * DAY }), DEFAULT_POLICY), 'install-script')!.severity, 'info');
      // 1.2.3 comes a day after 1.2.2 (the same burst) and 1.2.1 added the script: compared with 1.2.0.
      assert.match(only(evaluatePackage(ctx(s, '1.2.3'), DEFAULT_POLICY), 'install-script-added')!.message, /adds a postinstall script, compared with 1\.2\.0/);
    });
  });

  describe('provenance-downgrade within the release line', () => {
    const tp = { name: 'GitHub Actions', trustedPublisher: { id: 'github' } };
    const att = { url: 'https://registry.example/-/npm/v1/attestations/x' };
    const s = summary('lib', [
      { version: '6.3.0', publishedAt: daysAgo(700), publisher: alice, integrity: 'sha512-A' },
      { version: '7.0.0', publishedAt: daysAgo(300), publisher: tp, attestations: att, integrity: 'sha512-B' },
      { version: '7.1.0', publishedAt: daysAgo(200), publisher: tp, attestations: att, integrity: 'sha512-C' },
      { version: '6.3.1', publishedAt: daysAgo(100), publisher: alice, integrity: 'sha512-D' },
      { version: '7.1.1', publishedAt: daysAgo(50), publisher: alice, attestations: att, integrity: 'sha512-E' },
      { version: '7.1.2', publishedAt: daysAgo(20), publisher: alice, integrity: 'sha512-F' },
    ]);
    it('a 6.x backport without provenance is not judged by 7.x; trusted publisher → provenance-only is not a downgrade by itself', () => {
      assert.equal(only(evaluatePackage(ctx(s, '6.3.1'), DEFAULT_POLICY), 'provenance-downgrade'), undefined);
      assert.equal(only(evaluatePackage(ctx(s, '7.1.1'), DEFAULT_POLICY), 'provenance-downgrade'), undefined);
    });
    it('dropping provenance within the line is a downgrade, naming the release it compared with', () => {
      const f = only(evaluatePackage(ctx(s, '7.1.2'), DEFAULT_POLICY), 'provenance-downgrade')!;
      assert.equal(f.severity, 'high');
      assert.equal(f.baseline, '7.1.0', 'the strongest earlier release of 7.x');
    });
    it('ranks staged publish > trusted publisher with provenance = provenance alone > none', () => {
      const staged = { ...tp, approver: { name: 'alice' } };
      const line = (last: { publisher: typeof alice | typeof tp | typeof staged; attestations?: typeof att }) =>
        summary('lib', [
          { version: '2.0.0', publishedAt: daysAgo(90), publisher: staged, attestations: att, integrity: 'sha512-1' },
          { version: '2.0.1', publishedAt: daysAgo(10), integrity: 'sha512-2', ...last },
        ]);
      const down = (last: Parameters<typeof line>[0]) => only(evaluatePackage(ctx(line(last), '2.0.1'), DEFAULT_POLICY), 'provenance-downgrade');
      assert.match(down({ publisher: tp, attestations: att })!.message, /trusted publisher with provenance, weaker than 2\.0\.0 \(staged publish\)/);
      assert.ok(down({ publisher: alice, attestations: att }), 'staged → provenance alone');
      assert.equal(down({ publisher: staged, attestations: att }), undefined, 'staged again');
      const tpLine = summary('lib', [
        { version: '2.0.0', publishedAt: daysAgo(90), publisher: tp, attestations: att, integrity: 'sha512-1' },
        { version: '2.0.1', publishedAt: daysAgo(10), publisher: alice, integrity: 'sha512-2' },
      ]);
      assert.match(only(evaluatePackage(ctx(tpLine, '2.0.1'), DEFAULT_POLICY), 'provenance-downgrade')!.message, /no provenance, weaker than 2\.0\.0/);
    });
    it('the policy can scope it to production dependencies and to releases since a date', () => {
      const since = { ...DEFAULT_POLICY, downgrade: { enforceSince: daysAgo(10) } };
      assert.equal(only(evaluatePackage(ctx(s, '7.1.2', { downgrade: since.downgrade }), since), 'provenance-downgrade'), undefined);
      const c = ctx(s, '7.1.2', { downgrade: { productionOnly: true } });
      assert.equal(only(evaluatePackage({ ...c, locked: { ...c.locked, dev: true } }, DEFAULT_POLICY), 'provenance-downgrade'), undefined);
      assert.ok(only(evaluatePackage(c, DEFAULT_POLICY), 'provenance-downgrade'), 'a production dependency is still judged');
      const parsed = parsePolicy('{ "downgrade": { "scope": "production", "enforceSince": "2026-01-01" } }');
      assert.deepEqual(parsed.policy.downgrade, { productionOnly: true, enforceSince: '2026-01-01T00:00:00.000Z' });
      assert.equal(parsePolicy('{ "downgrade": { "scope": "dev" } }').problems.length, 1);
    });
  });

  describe('too-new', () => {
    const s = summary('lib', [
      ...Object.values(history.versions),
      { version: '1.3.0', publishedAt: new Date(NOW.getTime() - 5 * 3600_000).toISOString(), publisher: alice, integrity: 'sha512-H' },
    ]);
    it('flags a release younger than the cooldown; the safe version is older than the cooldown', () => {
      const f = only(evaluatePackage(ctx(s, '1.3.0'), { ...DEFAULT_POLICY, threshold: 'medium' }, '^1.0.0'), 'too-new')!;
      assert.match(f.message, /published 5 hours ago, within the 2-day cooldown/);
      assert.equal(f.safeVersion, '1.2.0');
    });
    it('respects a configured cooldown', () => {
      assert.equal(only(evaluatePackage(ctx(s, '1.3.0', { cooldownMs: 0 }), DEFAULT_POLICY), 'too-new'), undefined);
      assert.ok(only(evaluatePackage(ctx(history, '1.2.0', { cooldownMs: 150 * DAY }), DEFAULT_POLICY), 'too-new'));
    });
  });

  describe('provenance-downgrade', () => {
    const tp = { ...alice, name: 'GitHub Actions', trustedPublisher: { id: 'github' } };
    const s = summary('lib', [
      { version: '2.0.0', publishedAt: daysAgo(50), publisher: tp, attestations: { url: 'x' }, integrity: 'sha512-1' },
      { version: '2.0.1', publishedAt: daysAgo(40), publisher: tp, attestations: { url: 'x' }, integrity: 'sha512-2' },
      { version: '2.0.2', publishedAt: daysAgo(30), publisher: alice, integrity: 'sha512-3' },
      { version: '3.0.0-beta.1', publishedAt: daysAgo(20), publisher: alice, integrity: 'sha512-4' },
    ]);
    it('flags a release with weaker evidence than an earlier one, and offers the last strong one', () => {
      const f = only(evaluatePackage(ctx(s, '2.0.2'), DEFAULT_POLICY, '^2.0.0'), 'provenance-downgrade')!;
      assert.equal(f.severity, 'high');
      assert.match(f.message, /published with no provenance, weaker than 2\.0\.1 \(trusted publisher with provenance\)/);
      assert.equal(f.safeVersion, '2.0.1');
    });
    it('compares prereleases only with prereleases, and needs trust data', () => {
      assert.equal(only(evaluatePackage(ctx(s, '3.0.0-beta.1'), DEFAULT_POLICY), 'provenance-downgrade'), undefined);
      assert.equal(
        only(evaluatePackage(ctx(s, '2.0.2', { registry: { url: 'm', trustData: false, hasKeys: false } }), DEFAULT_POLICY), 'provenance-downgrade'),
        undefined,
      );
    });
  });

  describe('provenance verdicts', () => {
    const s = summary('lib', [
      { version: '1.0.0', publishedAt: daysAgo(50), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-1' },
      { version: '1.0.1', publishedAt: daysAgo(40), publisher: alice, attestations: { url: 'x' }, integrity: 'sha512-2' },
    ]);
    const verified = (repo: string, workflow: string, ref: string): ProvenanceVerdict => ({
      status: 'verified',
      provenance: { predicateType: 'https://slsa.dev/provenance/v1', sourceRepository: repo, workflowPath: workflow, sourceRef: ref, sourceCommit: 'abc' },
    });
    const base = { version: '1.0.0', verdict: verified('https://github.com/o/lib', '.github/workflows/release.yml', 'refs/tags/v1.0.0') };
    it('invalid provenance is critical', () => {
      const f = only(
        evaluatePackage(ctx(s, '1.0.1', { provenance: { status: 'invalid', reason: 'subject digest mismatch' } }), DEFAULT_POLICY),
        'provenance-invalid',
      )!;
      assert.equal(f.severity, 'critical');
      assert.match(f.message, /subject digest mismatch/);
    });
    it('another source repository is high; another workflow or a branch build is medium; the same build is nothing', () => {
      const run = (v: ProvenanceVerdict) => codes(evaluatePackage(ctx(s, '1.0.1', { provenance: v, baselineProvenance: base }), DEFAULT_POLICY));
      assert.deepEqual(run(verified('https://github.com/evil/lib', '.github/workflows/release.yml', 'refs/tags/v1.0.1')), ['provenance-source-changed']);
      assert.deepEqual(run(verified('https://github.com/o/lib', '.github/workflows/other.yml', 'refs/tags/v1.0.1')), ['provenance-workflow-changed']);
      assert.deepEqual(run(verified('https://github.com/o/lib', '.github/workflows/release.yml', 'refs/heads/main')), ['provenance-workflow-changed']);
      assert.deepEqual(run(verified('https://github.com/O/lib.git', '.github/workflows/release.yml', 'refs/tags/v1.0.1')), []);
    });
  });

  describe('signatures, integrity, source, registry facts', () => {
    it('signature-invalid is critical; signature-missing only where the registry has keys', () => {
      assert.equal(
        only(evaluatePackage(ctx(history, '1.2.0', { signature: { status: 'invalid', keyid: 'k', reason: 'bad' } }), DEFAULT_POLICY), 'signature-invalid')!
          .severity,
        'critical',
      );
      const reg = { url: 'https://registry.example/', trustData: true, hasKeys: true };
      assert.ok(only(evaluatePackage(ctx(history, '1.2.0', { signature: { status: 'missing' }, registry: reg }), DEFAULT_POLICY), 'signature-missing'));
      assert.equal(only(evaluatePackage(ctx(history, '1.2.0', { signature: { status: 'missing' } }), DEFAULT_POLICY), 'signature-missing'), undefined);
    });
    it('integrity-mismatch compares like with like (sha512 with sha512, sha1 with shasum)', () => {
      const mismatch = ctx(history, '1.2.0', { locked: { source: 'registry', integrity: 'sha512-ZZZZ' } });
      assert.equal(only(evaluatePackage(mismatch, DEFAULT_POLICY), 'integrity-mismatch')!.severity, 'critical');
      const s = summary('lib', [{ version: '1.0.0', publishedAt: daysAgo(30), shasum: '0123456789abcdef0123456789abcdef01234567' }]);
      const sha1 = Buffer.from('0123456789abcdef0123456789abcdef01234567', 'hex').toString('base64');
      assert.deepEqual(codes(evaluatePackage(ctx(s, '1.0.0', { locked: { source: 'registry', integrity: `sha1-${sha1}` } }), DEFAULT_POLICY)), []);
      assert.ok(
        only(
          evaluatePackage(ctx(s, '1.0.0', { locked: { source: 'registry', integrity: 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } }), DEFAULT_POLICY),
          'integrity-mismatch',
        ),
      );
      assert.deepEqual(
        codes(evaluatePackage(ctx(s, '1.0.0', { locked: { source: 'registry', integrity: '10c0/abcdef' } }), DEFAULT_POLICY)),
        [],
        'berry checksums are not tarball hashes',
      );
    });
    it('untrusted-source: another host, git, remote tarballs, plain http', () => {
      const at = (resolved: string, source: 'registry' | 'git' | 'remote' = 'registry') =>
        only(evaluatePackage(ctx(history, '1.2.0', { locked: { source, resolved } }), DEFAULT_POLICY), 'untrusted-source');
      assert.ok(at('https://evil.example/lib/-/lib-1.2.0.tgz'));
      assert.ok(at('git+ssh://git@github.com/o/lib.git#abc', 'git'));
      assert.ok(at('https://example.com/lib.tgz', 'remote'));
      assert.ok(at('http://registry.example/lib/-/lib-1.2.0.tgz'));
      assert.equal(at('https://registry.example/lib/-/lib-1.2.0.tgz'), undefined);
    });
    it('resolved-mismatch: the lockfile installs what resolved names, whatever the entry says', () => {
      const at = (resolved: string) =>
        evaluatePackage(ctx(history, '1.2.0', { locked: { source: 'registry', resolved, integrity: history.versions['1.2.0'].integrity } }), DEFAULT_POLICY);
      const other = only(at('https://registry.example/evilpkg/-/evilpkg-6.6.6.tgz'), 'resolved-mismatch')!;
      assert.equal(other.severity, 'critical');
      assert.match(other.message, /resolved to evilpkg@6\.6\.6: the package manager installs that, under the name lib/);
      assert.ok(only(at('https://registry.example/lib/-/lib-1.1.0.tgz'), 'resolved-mismatch'), 'another version of the same package');
      assert.deepEqual(codes(at('https://registry.example/lib/-/lib-1.2.0.tgz')), []);
      assert.equal(only(at('https://mirror.example/api/npm/npm-remote/lib/-/lib-1.2.0.tgz'), 'resolved-mismatch'), undefined, 'under a registry path prefix');
      assert.equal(
        only(at('https://registry.yarnpkg.com/lib/-/lib-1.2.0.tgz#0123456789abcdef0123456789abcdef01234567'), 'resolved-mismatch'),
        undefined,
        "yarn classic's #sha1",
      );
      assert.ok(
        only(
          evaluatePackage(ctx(history, '1.2.0', { locked: { source: 'registry', resolved: 'lib@npm:1.3.0', integrity: '10c0/ab' } }), DEFAULT_POLICY),
          'resolved-mismatch',
        ),
        'a berry locator of another version',
      );
      // The registry's own tarball for the version is another package's: something is off, whatever the lockfile says.
      const s = summary('lib', [
        { version: '1.0.0', publishedAt: daysAgo(30), integrity: 'sha512-AAAA', tarball: 'https://registry.example/evilpkg/-/evilpkg-6.6.6.tgz' },
      ]);
      assert.ok(only(evaluatePackage(ctx(s, '1.0.0'), DEFAULT_POLICY), 'resolved-mismatch'));
    });
    it('namedInResolved reads registry tarball URLs in every spelling, and nothing else', () => {
      assert.deepEqual(namedInResolved('https://r.example/@s/a/-/a-1.0.0.tgz'), { name: '@s/a', version: '1.0.0' });
      assert.deepEqual(namedInResolved('https://r.example/@s%2fa/-/a-1.0.0.tgz'), { name: '@s/a', version: '1.0.0' });
      assert.deepEqual(namedInResolved('https://r.example/@s/a/-/@s/a-1.0.0-beta.1.tgz'), { name: '@s/a', version: '1.0.0-beta.1' });
      assert.deepEqual(namedInResolved('@s/a@npm:2.0.0'), { name: '@s/a', version: '2.0.0' });
      assert.deepEqual(namedInResolved('https://r.example/a/-/b-1.0.0.tgz'), { name: 'a', version: '' });
      assert.equal(namedInResolved('https://codeload.github.com/o/r/tar.gz/abc'), undefined);
      assert.equal(namedInResolved('not a url'), undefined);
    });
    it('integrity-missing: a registry entry with no hash at all (medium); bundled entries and #sha1 need none', () => {
      const e = (locked: PackageContext['locked']) => codes(evaluatePackage(ctx(history, '1.2.0', { locked }), DEFAULT_POLICY));
      const url = 'https://registry.example/lib/-/lib-1.2.0.tgz';
      assert.deepEqual(e({ source: 'registry', resolved: url }), ['integrity-missing']);
      assert.deepEqual(e({ source: 'unknown' }), ['integrity-missing'], 'a pnpm entry with neither resolution URL nor integrity');
      assert.deepEqual(e({ source: 'registry', resolved: url, bundled: true }), []);
      assert.deepEqual(
        e({ source: 'registry', resolved: 'lib@npm:1.2.0', conditional: true }),
        [],
        'yarn berry writes no checksum for platform-conditional packages',
      );
      assert.deepEqual(e({ source: 'registry', resolved: `${url}#0123456789abcdef0123456789abcdef01234567` }), []);
      assert.equal(
        only(evaluatePackage(ctx(history, '1.2.0', { locked: { source: 'registry', resolved: url } }), DEFAULT_POLICY), 'integrity-missing')!.severity,
        'medium',
      );
    });
    it('version-missing when the registry has no package of that name at all (404)', () => {
      const f = only(evaluatePackage(ctx(history, '1.2.0', { history: undefined, notOnRegistry: true }), DEFAULT_POLICY), 'version-missing')!;
      assert.match(f.message, /the registry has no package named lib/);
    });
    it('version-missing and deprecated', () => {
      assert.match(only(evaluatePackage(ctx(history, '1.9.9'), DEFAULT_POLICY), 'version-missing')!.message, /does not exist/);
      const d = summary('lib', [{ version: '1.0.0', publishedAt: daysAgo(30), deprecated: 'use other-lib' }]);
      assert.equal(only(evaluatePackage(ctx(d, '1.0.0'), DEFAULT_POLICY), 'deprecated')!.severity, 'low');
    });
    it('--now: a version published after the evaluation instant does not exist yet', () => {
      const early = new Date(Date.parse(daysAgo(150)));
      const f = only(evaluatePackage(ctx(history, '1.2.0', { now: early, history: new History(history, early) }), DEFAULT_POLICY), 'version-missing')!;
      assert.match(f.message, /was not published yet/);
    });
  });

  describe('advisories', () => {
    const mal: Advisory = {
      id: 'MAL-1',
      aliases: ['GHSA-x'],
      source: 'osv',
      packageName: 'lib',
      severity: 'critical',
      title: 'Malicious code in lib',
      malware: true,
      affected: { kind: 'osv', affected: [{ versions: ['1.2.0'] }] },
    };
    const vuln: Advisory = {
      id: 'GHSA-y',
      aliases: [],
      source: 'npm',
      packageName: 'lib',
      severity: 'medium',
      title: 'ReDoS',
      malware: false,
      affected: { kind: 'semver', range: '<1.1.0' },
    };
    it('malware is critical, a vulnerability keeps its severity, unaffected versions are clean', () => {
      const e = evaluatePackage(ctx(history, '1.2.0', { advisories: [mal, vuln] }), DEFAULT_POLICY, '^1.0.0');
      assert.deepEqual(codes(e), ['malware']);
      assert.equal(e.findings[0].safeVersion, '1.1.0');
      assert.deepEqual(e.findings[0].advisory, { id: 'MAL-1', url: undefined, title: 'Malicious code in lib' });
      assert.equal(only(evaluatePackage(ctx(history, '1.0.0', { advisories: [mal, vuln] }), DEFAULT_POLICY), 'vulnerability')!.severity, 'medium');
    });
    it('reports an advisory once even when npm and OSV both carry it', () => {
      const twin: Advisory = { ...mal, id: 'GHSA-x', aliases: [], source: 'npm' };
      assert.equal(evaluatePackage(ctx(history, '1.2.0', { advisories: [mal, twin] }), DEFAULT_POLICY).findings.length, 1);
    });
    it('no safe version when every candidate is affected', () => {
      const all: Advisory = { ...mal, affected: { kind: 'semver', range: '*' } };
      assert.equal(evaluatePackage(ctx(history, '1.2.0', { advisories: [all] }), DEFAULT_POLICY, '^1.0.0').findings[0].safeVersion, null);
    });
  });

  describe('safe version', () => {
    const s = summary('lib', [
      { version: '1.0.0', publishedAt: daysAgo(100), publisher: alice, integrity: 'sha512-A' },
      { version: '1.0.1', publishedAt: daysAgo(10), publisher: alice, integrity: 'sha512-B' },
      { version: '1.0.2', publishedAt: daysAgo(10), publisher: alice, integrity: 'sha512-C' },
      { version: '2.0.0', publishedAt: daysAgo(10), publisher: alice, integrity: 'sha512-D' },
    ]);
    const content = (extra: Partial<RawFindingLike>) => ({
      code: 'content-credentials' as const,
      severity: 'high' as const,
      message: 'm',
      evidence: [],
      ...extra,
    });
    it("is never a release the finding's baseline passed over (the same burst), nor another member of the same incident", () => {
      const passed = evaluatePackage(ctx(s, '1.0.2', { contentFindings: [content({ baseline: '1.0.0' })] }), DEFAULT_POLICY, '^1.0.0');
      assert.equal(passed.findings[0].safeVersion, '1.0.0', '1.0.1 was passed over, never looked inside');
      const incident = { id: 'i', title: 't', members: ['lib@1.0.1', 'lib@1.0.2', 'other@3.0.0'] };
      const member = evaluatePackage(
        ctx(s, '1.0.2', { correlatedFindings: [{ ...content({}), code: 'coordinated-release', incident }] }),
        DEFAULT_POLICY,
        '^1.0.0',
      );
      assert.equal(member.findings[0].safeVersion, '1.0.0');
      const plain = evaluatePackage(ctx(s, '1.0.2', { contentFindings: [content({})] }), DEFAULT_POLICY, '^1.0.0');
      assert.equal(plain.findings[0].safeVersion, '1.0.1', 'without a baseline or an incident, the newest clean release in range');
    });
  });

  describe('policy', () => {
    const text = `{
  // reviewed by the security team
  "cooldownDays": 7,
  "threshold": "medium",
  "severity": { "publisher-changed": "high", "nope": "low" },
  "allow": [
    { "package": "lib", "version": "1.2.x", "code": "deprecated", "reason": "we know", "expires": "2099-01-01" },
    { "package": "lib", "code": "deprecated", "reason": "old", "expires": "2020-01-01" },
    { "package": "lib", "code": "deprecated" }
  ]
}`;
    it('parses, and reports bad entries with positions', () => {
      const { policy, problems } = parsePolicy(text);
      assert.equal(policy.cooldownDays, 7);
      assert.equal(policy.threshold, 'medium');
      assert.deepEqual(policy.severity, { 'publisher-changed': 'high' });
      assert.equal(policy.allow.length, 2);
      assert.deepEqual(
        problems.map((p) => [p.range.start.line, p.message]),
        [
          [4, 'unknown finding code "nope"'],
          [8, 'an allow entry needs "package", a known "code" and a "reason"'],
        ],
      );
    });
    it("asks for the reason an allow entry left empty (what the language server's Allow writes), at that reason", () => {
      const written = `{ "allow": [\n  { "package": "lib", "version": "1.2.0", "code": "deprecated", "reason": "", "expires": "2099-01-01" }\n] }`;
      const { policy, problems } = parsePolicy(written);
      assert.equal(policy.allow.length, 0, 'no effect without a reason');
      assert.deepEqual(
        problems.map((p) => [p.range.start.line, written.slice(p.range.startOffset, p.range.endOffset), p.message]),
        [[1, '""', 'write why lib@1.2.0 is acceptable for deprecated: this entry has no effect until it has a reason']],
      );
    });
    it('allows until expiry, and overrides severities', () => {
      const { policy } = parsePolicy(text);
      const d = summary('lib', [
        { version: '1.2.0', publishedAt: daysAgo(30), deprecated: 'x' },
        { version: '1.3.0', publishedAt: daysAgo(20), deprecated: 'x' },
      ]);
      const e = evaluatePackage(ctx(d, '1.2.0'), policy);
      assert.deepEqual(codes(e), []);
      assert.equal(e.allowed[0].allow.reason, 'we know');
      assert.deepEqual(
        codes(evaluatePackage(ctx(d, '1.3.0'), policy)),
        ['deprecated'],
        'the 1.2.x allow does not cover 1.3.0; the expired one applies to nothing',
      );
    });
  });

  describe('summarizePackument', () => {
    it('keeps what the rules need from a real-shaped packument and drops the rest', () => {
      const s = summarizePackument(
        {
          name: 'x',
          'dist-tags': { latest: '1.0.0' },
          time: { '1.0.0': '2020-01-01T00:00:00.000Z' },
          versions: {
            '1.0.0': {
              _npmUser: { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' } },
              maintainers: [{ name: 'a', email: 'a@x' }],
              scripts: { postinstall: 'node x.js', test: 'mocha' },
              dist: {
                integrity: 'sha512-x',
                shasum: 'ab',
                attestations: { url: 'https://r/-/npm/v1/attestations/x@1.0.0', provenance: { predicateType: 'https://slsa.dev/provenance/v1' } },
              },
              readme: 'huge',
            },
            junk: 5,
          },
        },
        'https://r/',
        NOW.toISOString(),
      )!;
      assert.deepEqual(s.versions['1.0.0'], {
        version: '1.0.0',
        publishedAt: '2020-01-01T00:00:00.000Z',
        publisher: { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' } },
        maintainers: ['a'],
        installScripts: { postinstall: 'node x.js' },
        integrity: 'sha512-x',
        shasum: 'ab',
        attestations: { url: 'https://r/-/npm/v1/attestations/x@1.0.0', provenancePredicateType: 'https://slsa.dev/provenance/v1' },
      });
      assert.deepEqual(s.trustMetadata, { publisher: true, maintainers: true, signatures: false, attestations: true });
      assert.equal(summarizePackument('nope', 'r', '')!, undefined);
    });
  });
});
