import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocatedFinding } from '../../../src/core/report/locate';
import type { FindingCode } from '../../../src/core/trust/types';
import { type CheckOptions, type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import { customTrustContext } from '../../../src/engine/sigstore/trust-root';
import { stripTrustMetadata } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { startGate } from '../../support/gate';
import { createSigstoreTestEnv } from '../../support/sigstore-scenarios';
import { withinHangGuard } from '../../support/wait';
import { NOW, type Scenario, buildScenario, writeProject, scenarioCheck } from '../../support/check-scenarios';
import { isolatedNpmEnv } from '../../support/npm-env';

describe('trustlens check against a local registry', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;
  let report: CheckReport;
  const find = (name: string, code: FindingCode) => report.findings.find((f) => f.package === name && f.code === code);
  const codesOf = (name: string) =>
    report.findings
      .filter((f) => f.package === name)
      .map((f) => f.code)
      .sort();

  const run = (extra: Partial<CheckOptions> = {}) => runCheck({ ...scenarioCheck(scenario, registry.url, project), ...extra });

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
    report = await run();
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('reads every package, asks each packument once, and reaches every registry service', () => {
    assert.equal(report.stats.packages, Object.keys(scenario.locked).length);
    assert.deepEqual(report.errors, []);
    const packumentGets = registry.requests.filter((r) => r.method === 'GET' && !r.url.includes('/-/'));
    const urls = packumentGets.map((r) => r.url);
    assert.equal(new Set(urls).size, urls.length, 'no packument fetched twice');
    assert.equal(urls.length, Object.keys(scenario.locked).length);
    assert.equal(registry.requests.filter((r) => r.url === '/-/npm/v1/keys').length, 1);
    assert.equal(registry.requests.filter((r) => r.url.includes('/advisories/bulk')).length, 1);
    assert.deepEqual(report.registries, [{ url: registry.url, trustData: true, hasKeys: true }]);
  });

  it('a clean history with verified provenance: no findings', () => {
    assert.deepEqual(codesOf('good-lib'), []);
  });

  it('publisher-changed and maintainer-added for a release by a new account', () => {
    assert.deepEqual(codesOf('hijacked'), ['maintainer-added', 'publisher-changed']);
    assert.match(find('hijacked', 'publisher-changed')!.message, /mallory <mallory@evil.example>/);
  });

  it('provenance-downgrade, with the last trusted release as the safe version', () => {
    const f = find('downgrade', 'provenance-downgrade')!;
    assert.equal(f.severity, 'high');
    assert.equal(f.safeVersion, '2.0.1');
    assert.equal(f.file, 'package-lock.json');
    assert.deepEqual(
      f.locations.map((l) => l.kind),
      ['lockfile', 'manifest'],
      'a direct dependency is placed in package.json too',
    );
  });

  it('provenance-source-changed and provenance-workflow-changed from verified Sigstore identities', () => {
    assert.deepEqual(codesOf('moved'), ['provenance-source-changed']);
    const moved = find('moved', 'provenance-source-changed')!;
    assert.match(moved.message, /built from https:\/\/github.com\/evil\/moved, but 1\.0\.0 was built from https:\/\/github.com\/o\/moved/);
    assert.deepEqual(codesOf('rewired'), ['provenance-workflow-changed']);
    assert.match(find('branchy', 'provenance-workflow-changed')!.message, /branch refs\/heads\/main, but 1\.0\.0 from tag refs\/tags\/v1\.0\.0/);
  });

  it('provenance-invalid when the attestation describes another tarball', () => {
    const f = find('forged', 'provenance-invalid')!;
    assert.equal(f.severity, 'critical');
    assert.match(f.message, /sha512/);
  });

  it('a flagged version without a trusted alternative has no safe version on its card, never itself', () => {
    // The hover, Pin All and the report read the card: "safe: 1.0.0" for a flagged 1.0.0 would pin the bad version.
    for (const name of ['forged', 'bad-sig', 'tampered']) {
      const card = report.cards.find((c) => c.name === name)!;
      assert.ok(card.findings.length, `${name} has findings`);
      assert.equal(card.safeVersion, null, name);
    }
    assert.equal(report.cards.find((c) => c.name === 'downgrade')!.safeVersion, '2.0.1');
    assert.equal(
      report.cards.find((c) => c.name === 'good-lib')!.safeVersion,
      report.cards.find((c) => c.name === 'good-lib')!.version,
      'a clean version is its own safe version',
    );
  });

  it('signature-invalid and signature-missing with the registry key', () => {
    assert.equal(find('bad-sig', 'signature-invalid')!.severity, 'critical');
    assert.equal(find('no-sig', 'signature-missing')!.severity, 'medium');
    assert.equal(find('good-lib', 'signature-missing'), undefined);
  });

  it('install-script-added (high) with a safe version before it; install-script (info) when unchanged', () => {
    const f = find('scripted', 'install-script-added')!;
    assert.equal(f.safeVersion, '1.0.0', '1.0.2 keeps the script 1.0.1 added, so it is not safe either');
    assert.deepEqual(codesOf('native'), ['install-script']);
  });

  it('too-new, integrity-mismatch, version-missing, deprecated, untrusted-source', () => {
    assert.match(find('fresh', 'too-new')!.message, /published 1 hour ago/);
    assert.equal(find('tampered', 'integrity-mismatch')!.severity, 'critical');
    assert.equal(find('gone', 'version-missing')!.severity, 'high');
    assert.equal(find('old', 'deprecated')!.severity, 'low');
    assert.match(find('offsite', 'untrusted-source')!.message, /evil\.example/);
  });

  it('malware and vulnerability from the registry bulk advisory endpoint', () => {
    const m = find('malicious', 'malware')!;
    assert.equal(m.severity, 'critical');
    assert.equal(m.safeVersion, '4.0.0');
    const v = find('vulnerable', 'vulnerability')!;
    assert.equal(v.severity, 'medium');
    assert.equal(v.safeVersion, '1.0.0', 'below the default threshold (high), the locked version is itself safe');
  });

  it('a lower threshold makes the medium vulnerability unsafe: the fixed release is the safe version', async () => {
    const r = await run({ policy: { cooldownDays: 2, threshold: 'medium', severity: {}, allow: [] } });
    assert.equal(r.findings.find((f) => f.package === 'vulnerable')!.safeVersion, '1.0.5');
  });

  it('looks inside the tarballs of direct dependencies: a new postinstall running a new file', () => {
    // One finding per cause: the content judgement of the hook enriches the metadata's install-script-added.
    assert.equal(find('scripted', 'content-install-hook'), undefined);
    const f = find('scripted', 'install-script-added')!;
    assert.equal(f.severity, 'high');
    assert.ok(
      f.evidence.some((e) => /setup\.js/.test(e.value)),
      JSON.stringify(f.evidence),
    );
    const card = report.cards.find((c) => c.name === 'scripted')!;
    assert.equal(card.changes?.previous, '1.0.0');
    assert.ok(card.changes?.findings.some((x) => x.code === 'content-install-hook'));
    assert.equal(report.cards.find((c) => c.name === 'good-lib')!.changes?.findings.length, 0, 'a clean release: analysed, nothing found');
  });

  it('content analysis can be turned off, and results are cached for good', async () => {
    const off = await run({ content: 'off' });
    assert.ok(!off.findings.some((f) => f.code.startsWith('content-')));
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-content-cache-'));
    await run({ cacheDir });
    registry.resetRequests();
    await run({ cacheDir });
    assert.equal(registry.requests.filter((r) => r.url.endsWith('.tgz')).length, 0, 'no tarball is downloaded twice');
  });

  it('histories confirmed by their dist-tags alone are said in a note (what they cannot show yet)', async () => {
    const mirror = await startFixtureRegistry(scenario.corpus, { validators: false, abbreviated: false });
    try {
      const dir = writeProject(scenario, mirror.url);
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-tags-note-'));
      const past = () => run({ projectDir: dir, registry: mirror.url, cacheDir, cacheTtlMs: 0 });
      const cold = await run({ projectDir: dir, registry: mirror.url, cacheDir });
      assert.ok(!cold.notes.some((n) => n.includes('dist-tags')), 'read in full: no note');
      mirror.resetRequests();
      // Past the lifetime: one history finds out that this registry ignores the abbreviated form, the rest ask their tags.
      const tags = await past();
      const asked = mirror.requests.filter((r) => r.url.endsWith('/dist-tags')).length;
      assert.ok(asked > 5, `${asked} dist-tags requests`);
      const note = tags.notes.find((n) => n.includes('dist-tags'));
      assert.match(note ?? '', new RegExp(`^${asked} package histories were confirmed by their dist-tags only \\(http://127\\.0\\.0\\.1:\\d+/ sends no ETag`));
      assert.match(note!, /a deprecation or an unpublished untagged version within a day/);
    } finally {
      await mirror.close();
    }
  });

  it('no trust-metadata-unavailable on a registry that serves trust data', () => {
    assert.equal(report.findings.filter((f) => f.code === 'trust-metadata-unavailable').length, 0);
  });

  it('a mirror without trust metadata: one info finding, and no provenance or publisher alarms', async () => {
    const mirror = await startFixtureRegistry(stripTrustMetadata(scenario.corpus));
    try {
      const dir = writeProject(scenario, mirror.url);
      const r = await runCheck({
        projectDir: dir,
        registry: mirror.url,
        now: new Date(NOW),
        env: isolatedNpmEnv(dir),
        advisories: { npm: true, osv: false },
        trust: customTrustContext(scenario.sigstore.trustedRootJSON),
      });
      const codes = new Set(r.findings.map((f) => f.code));
      assert.equal(r.findings.filter((f) => f.code === 'trust-metadata-unavailable').length, 1);
      for (const c of [
        'publisher-changed',
        'provenance-downgrade',
        'provenance-invalid',
        'signature-missing',
        'signature-invalid',
        'maintainer-added',
      ] as const)
        assert.ok(!codes.has(c), c);
      assert.ok(codes.has('install-script-added'), 'content-derived signals still apply');
      assert.ok(codes.has('too-new'));
    } finally {
      await mirror.close();
    }
  });

  it('--now replays history: before 1.1.0 of fresh existed, it was not published yet', async () => {
    const r = await run({ now: new Date(Date.parse(NOW) - 2 * 3600_000) });
    assert.match(r.findings.find((f) => f.package === 'fresh')!.message, /not published yet/);
  });

  it('an allow entry in .trustlens.jsonc silences a finding until it expires', async () => {
    const dir = writeProject(scenario, registry.url);
    fs.writeFileSync(
      path.join(dir, '.trustlens.jsonc'),
      `{ "allow": [ { "package": "native", "code": "install-script", "reason": "node-gyp build", "expires": "2099-01-01" },
                    { "package": "old", "code": "deprecated", "reason": "old allow", "expires": "2020-01-01" } ] }`,
    );
    const r = await runCheck({
      projectDir: dir,
      registry: registry.url,
      now: new Date(NOW),
      env: isolatedNpmEnv(dir),
      advisories: { npm: true, osv: false },
      trust: customTrustContext(scenario.sigstore.trustedRootJSON),
    });
    assert.equal(
      r.findings.find((f) => f.package === 'native'),
      undefined,
    );
    assert.deepEqual(
      r.allowed.map((a) => [a.finding.package, a.reason]),
      [['native', 'node-gyp build']],
    );
    assert.ok(
      r.findings.find((f) => f.package === 'old' && f.code === 'deprecated'),
      'the expired allow no longer applies',
    );
  });

  it('an untrusted project: its policy may only make the check stricter, and what it would have hidden is said', async () => {
    const dir = writeProject(scenario, registry.url);
    // What a hostile pull request would add to hide its malware and its forged provenance.
    fs.writeFileSync(
      path.join(dir, '.trustlens.jsonc'),
      `{ "threshold": "critical", "cooldownDays": 0,
         "severity": { "malware": "info", "provenance-invalid": "low", "deprecated": "high" },
         "allow": [ { "package": "forged", "code": "provenance-invalid", "reason": "trust me" },
                    { "package": "scripted", "code": "install-script-added", "reason": "fine" } ] }`,
    );
    const opts = {
      projectDir: dir,
      registry: registry.url,
      now: new Date(NOW),
      env: isolatedNpmEnv(dir),
      advisories: { npm: true, osv: false },
      trust: customTrustContext(scenario.sigstore.trustedRootJSON),
    };
    const trusted = await runCheck(opts);
    assert.equal(trusted.findings.find((f) => f.package === 'malicious')!.severity, 'info', 'a trusted folder applies its own policy');
    assert.equal(
      trusted.findings.find((f) => f.package === 'forged'),
      undefined,
    );
    // …but lowering malware or invalid provenance is never silent: a warning where it is written.
    const lowers = trusted.model.problems.filter((p) => p.code === 'policy-lowers').map((p) => p.message);
    assert.equal(lowers.length, 2, JSON.stringify(lowers));
    assert.match(lowers[0], /lowers malicious version \(malware\) from critical to info/);

    const untrusted = await runCheck({ ...opts, untrustedProject: true });
    const sev = (name: string, code: FindingCode) => untrusted.findings.find((f) => f.package === name && f.code === code)?.severity;
    assert.equal(sev('malicious', 'malware'), 'critical');
    assert.equal(sev('forged', 'provenance-invalid'), 'critical');
    assert.equal(sev('scripted', 'install-script-added'), 'high');
    assert.equal(sev('old', 'deprecated'), 'high', 'raising a severity is applied');
    assert.equal(sev('fresh', 'too-new'), 'medium', 'the cooldown is not shortened');
    assert.deepEqual(untrusted.allowed, []);
    const ignored = untrusted.model.problems.find((p) => p.code === 'policy-ignored')!;
    assert.equal(ignored.file, '.trustlens.jsonc');
    assert.match(
      ignored.message,
      /not applied: a cooldown of 0 days \(instead of 2\), threshold critical \(instead of high\), malware → info, provenance-invalid → low, 2 allow entries/,
    );
    // malicious (lowered), forged (allowed and lowered: one finding), scripted (allowed).
    assert.ok(
      untrusted.notes.some((n) => /^3 findings would be hidden or lowered by this repository's \.trustlens\.jsonc/.test(n)),
      JSON.stringify(untrusted.notes),
    );
    assert.equal(untrusted.policy.threshold, 'high');
  });

  it('caches on disk: a second scan revalidates with ETags and --offline needs no network', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-cache-'));
    await run({ cacheDir });
    registry.resetRequests();
    const second = await run({ cacheDir });
    assert.equal(registry.requests.filter((r) => !r.url.includes('/-/')).length, 0, 'fresh cache entries are used as they are');
    assert.deepEqual(second.findings.map(key).sort(), report.findings.map(key).sort());
    registry.resetRequests();
    const offline = await run({ cacheDir, offline: true });
    assert.equal(registry.requests.length, 0);
    const notAdvisories = (f: LocatedFinding) => f.code !== 'malware' && f.code !== 'vulnerability' && f.code !== 'check-incomplete';
    assert.deepEqual(offline.findings.filter(notAdvisories).map(key).sort(), report.findings.filter(notAdvisories).map(key).sort());
    // Offline, the advisory source is not asked: said as such, never a silent "no advisories".
    assert.deepEqual(
      offline.notChecked.map((u) => [u.package, u.gaps.map((g) => [g.signal, g.source])]),
      [['*', [['advisories', 'npm bulk advisories']]]],
    );
    assert.match(offline.findings.find((f) => f.code === 'check-incomplete')!.message, /offline mode: not asked/);
  });

  it('a provenance verdict cached under one trusted root is not reused under another', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-cache-'));
    const first = await run({ cacheDir });
    assert.equal(first.cards.find((c) => c.name === 'good-lib')!.provenance?.status, 'verified');
    // Another Sigstore instance: its root does not vouch for the certificates good-lib's bundles carry.
    const other = await createSigstoreTestEnv();
    try {
      await run({ cacheDir, trust: customTrustContext(other.trustedRootJSON) }).then((r) => {
        const p = r.cards.find((c) => c.name === 'good-lib')!.provenance;
        assert.notEqual(p?.status, 'verified', 'verified under the first root only');
      });
      // And back under the first root: its own cached verdict again, no new verification needed to say so.
      assert.equal((await run({ cacheDir, offline: true })).cards.find((c) => c.name === 'good-lib')!.provenance?.status, 'verified');
    } finally {
      await other.close();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('cancels: an aborted signal stops the scan with an abort error, without waiting for the registry', async () => {
    const controller = new AbortController();
    // A gate that holds every request: the scan is waiting on the registry when it is aborted, and still would be.
    const gate = await startGate(registry.url);
    try {
      gate.hold(/./);
      const dir = writeProject(scenario, gate.url);
      const p = runCheck({ projectDir: dir, registry: gate.url, env: isolatedNpmEnv(dir), signal: controller.signal });
      await withinHangGuard('the scan to ask the registry', gate.arrived(/./));
      controller.abort();
      await withinHangGuard(
        'the aborted scan to end while the gate holds its requests',
        assert.rejects(p, (e: Error & { code?: string }) => e.code === 'aborted' || e.name === 'AbortError'),
      );
    } finally {
      gate.release();
      await gate.close();
    }
  });
});

function key(f: LocatedFinding): string {
  return `${f.code} ${f.package}@${f.version}`;
}
