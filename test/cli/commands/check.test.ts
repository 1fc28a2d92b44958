import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { NOW, type Scenario, buildScenario, writeProject } from '../../support/check-scenarios';
import { trustlens } from '../../support/cli';
import { isolatedNpmEnv } from '../../support/npm-env';

describe('trustlens check (CLI)', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;
  let rootFile: string;
  let env: NodeJS.ProcessEnv;
  const base = () => ['check', project, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile];

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
    rootFile = path.join(project, 'trusted-root.json');
    fs.writeFileSync(rootFile, JSON.stringify(scenario.sigstore.trustedRootJSON));
    env = isolatedNpmEnv(project);
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('JSON: the documented fields, file/line on the lockfile entry, exit 1 on a high finding', async () => {
    const r = await trustlens([...base(), '--format', 'json'], env);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    const f = out.findings.find((x: { code: string }) => x.code === 'provenance-downgrade');
    for (const field of ['code', 'severity', 'package', 'version', 'file', 'line', 'message', 'safeVersion', 'evidence']) assert.ok(field in f, field);
    const lock = fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8');
    assert.equal(f.line, lock.split('\n').findIndex((l) => l.includes('"node_modules/downgrade"')) + 1);
    assert.equal(f.safeVersion, '2.0.1');
    assert.ok(f.locations.some((l: { kind: string; file: string }) => l.kind === 'manifest' && l.file === 'package.json'));
    assert.equal(out.summary.failed, true);
    assert.equal(out.summary.failOn, 'high');
    assert.ok(out.summary.findings.critical >= 4);
  });

  it('exit 0 when nothing reaches --fail-on', async () => {
    const clean = writeProject(scenario, registry.url, { 'good-lib': '1.2.0', native: '3.0.1' });
    const r = await trustlens(['check', clean, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile, '--fail-on', 'low'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /install-script {2}native@3\.0\.1/);
    assert.match(r.stdout, /2 packages \(2 versions\) checked in [\d.]+ s: 1 info; failing on low and above\./);
  });

  it('SARIF 2.1.0 with one rule per code and locations GitHub accepts', async () => {
    const out = path.join(project, 'report.sarif');
    const r = await trustlens([...base(), '--format', 'sarif', '--output', out], env);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'TrustLens');
    const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
    assert.deepEqual(ids, [...new Set(ids)].sort());
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.shortDescription.text && rule.fullDescription.text);
      assert.match(rule.properties['security-severity'], /^\d+\.\d$/);
    }
    for (const res of run.results) {
      assert.ok(ids.includes(res.ruleId));
      assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      const loc = res.locations[0].physicalLocation;
      assert.ok(!path.isAbsolute(loc.artifactLocation.uri));
      assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
      assert.match(res.partialFingerprints['trustlens/v1'], /^[0-9a-f]{64}$/);
    }
  });

  it('text: one block per finding, worst first, with the safe version', async () => {
    const r = await trustlens(base(), env);
    assert.equal(r.code, 1);
    const first = r.stdout.split('\n')[0];
    assert.match(first, /^CRITICAL /);
    assert.match(
      r.stdout,
      /HIGH {5}provenance-downgrade {2}downgrade@2\.0\.2 {2}package-lock\.json:\d+\n {9}.*\n {9}compared with 2\.0\.1 — .*\n {9}safe version: 2\.0\.1/,
    );
  });

  it('--advisories-only: the advisory findings alone, as npm audit would judge them', async () => {
    registry.resetRequests();
    const r = await trustlens([...base(), '--advisories-only', '--format', 'json'], env);
    assert.equal(r.code, 1, r.stderr);
    const codes = new Set(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code));
    assert.deepEqual([...codes].sort(), ['malware', 'vulnerability']);
    assert.ok(!registry.requests.some((q) => /attestations|\/keys|\.tgz/.test(q.url)));
  });

  it('exit 2 with one line when the registry cannot be reached at all', async () => {
    const dead = await startFixtureRegistry(scenario.corpus);
    const url = dead.url;
    await dead.close();
    const dir = writeProject(scenario, url, { 'good-lib': '1.2.0' });
    const r = await trustlens(['check', dir, '--registry', url, '--advisories', 'off'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^trustlens: cannot reach http:\/\/127\.0\.0\.1:\d+\/good-lib: .*\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('keeps its cache in $XDG_CACHE_HOME/trustlens by default: a second run asks for no packument again', async () => {
    const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-xdg-'));
    const withXdg = { ...env, XDG_CACHE_HOME: xdg };
    const first = await trustlens([...base(), '--format', 'json'], withXdg);
    assert.equal(first.code, 1, first.stderr);
    assert.ok(fs.readdirSync(path.join(xdg, 'trustlens')).includes('packument-summaries-v2'));
    registry.resetRequests();
    const second = await trustlens([...base(), '--format', 'json'], withXdg);
    assert.deepEqual(JSON.parse(second.stdout).findings, JSON.parse(first.stdout).findings);
    assert.deepEqual(
      registry.requests.filter((r) => r.method === 'GET' && !/attestations|\.tgz|keys/.test(r.url)),
      [],
    );
  });

  it('--cache-ttl 0: a registry without validators is asked for the abbreviated documents, the same findings', async () => {
    const mirror = await startFixtureRegistry(scenario.corpus, { validators: false });
    try {
      const dir = writeProject(scenario, mirror.url);
      const args = [
        'check',
        dir,
        '--registry',
        mirror.url,
        '--now',
        NOW,
        '--trusted-root',
        rootFile,
        '--no-content',
        '--format',
        'json',
        '--cache-dir',
        path.join(dir, 'cache'),
      ];
      const packuments = () => mirror.requests.filter((r) => r.method === 'GET' && !/\/-\/|\.tgz/.test(r.url));
      const first = await trustlens(args, env);
      assert.equal(first.code, 1, first.stderr);
      const cold = packuments();
      assert.ok(cold.length > 0 && cold.every((r) => r.headers.accept === 'application/json'), 'cold: full documents');
      mirror.resetRequests();
      const warm = await trustlens([...args, '--cache-ttl', '0'], env);
      assert.deepEqual(JSON.parse(warm.stdout).findings, JSON.parse(first.stdout).findings);
      // Requests go out concurrently: compared as sets (sorted), not in the order they happened to arrive.
      const byUrl = (a: string[], b: string[]) => a[0].localeCompare(b[0]);
      assert.deepEqual(
        packuments()
          .map((r) => [r.url, r.headers.accept?.split(',')[0] ?? ''])
          .sort(byUrl),
        cold.map((r) => [r.url, 'application/vnd.npm.install-v1+json']).sort(byUrl),
        'past the lifetime: one abbreviated request each, no full one',
      );
      const bytes = (list: typeof cold) => list.reduce((n, r) => n + (r.responseBytes ?? 0), 0);
      assert.ok(bytes(packuments()) < bytes(cold), `${bytes(packuments())} B < ${bytes(cold)} B`);
    } finally {
      await mirror.close();
    }
  });

  it('--timeout bounds each registry request: a registry that stalls ends the check with one line', async () => {
    const stalled = await startFixtureRegistry(scenario.corpus, { faults: [{ match: /./, action: { stall: true } }] });
    try {
      const dir = writeProject(scenario, stalled.url, { 'good-lib': '1.2.0' });
      const r = await trustlens(['check', dir, '--registry', stalled.url, '--advisories', 'off', '--timeout', '0.3'], env);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /^trustlens: no answer from http:\/\/127\.0\.0\.1:\d+\/good-lib within 300 ms\n$/);
    } finally {
      await stalled.close();
    }
  });

  it('--untrusted-project: a pull request cannot allow its own malware; what its policy asked for is said', async () => {
    const pr = writeProject(scenario, registry.url, { 'good-lib': '1.2.0', malicious: '4.0.1' });
    fs.writeFileSync(path.join(pr, '.trustlens.jsonc'), '{ "allow": [{ "package": "malicious", "code": "malware", "reason": "trust me" }] }');
    const args = ['check', pr, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile];
    const trusted = await trustlens(args, env);
    assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
    const untrusted = await trustlens([...args, '--untrusted-project'], env);
    assert.equal(untrusted.code, 1, untrusted.stdout + untrusted.stderr);
    assert.match(untrusted.stdout, /malware {2}malicious@4\.0\.1/);
    assert.match(
      untrusted.stderr,
      /\.trustlens\.jsonc:1:1: warning: Restricted Mode: this repository's policy may only make TrustLens stricter until you trust the folder; not applied: 1 allow entry/,
    );
    assert.match(untrusted.stderr, /note: 1 finding would be hidden or lowered by this repository's \.trustlens\.jsonc/);
  });

  it('--baseline: versions the baseline lockfile locks are not judged for a downgrade; an unreadable one is said', async () => {
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-baseline-')), 'package-lock.json');
    fs.copyFileSync(path.join(project, 'package-lock.json'), copy);
    const anchored = await trustlens([...base(), '--format', 'json', '--baseline', copy], env);
    const out = JSON.parse(anchored.stdout);
    assert.equal(out.findings.filter((x: { code: string }) => x.code === 'provenance-downgrade').length, 0, "the locked version is the baseline's own");
    const missing = await trustlens([...base(), '--format', 'json', '--baseline', `${copy}.gone`], env);
    const gap = JSON.parse(missing.stdout).findings.find(
      (x: { code: string; message: string }) => x.code === 'check-incomplete' && /downgrade baseline/.test(x.message),
    );
    assert.ok(gap, missing.stdout);
    assert.match(gap.message, /could not be read \(ENOENT\): provenance-downgrade compares each version with its release line instead/);
    assert.equal(missing.code, 1);
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  });

  it('exit 2 on bad options, each with a one-line reason', async () => {
    for (const [args, reason] of [
      [['check', project, '--fail-on', 'severe'], /--fail-on must be one of/],
      [['check', project, '--now', 'yesterday'], /--now must be an ISO-8601 instant/],
      [['check', project, '--format', 'xml'], /--format must be text, json or sarif/],
      [['check', project, '--advisories', 'npm,off'], /--advisories takes/],
      [['check', project, '--advisories-only', '--advisories', 'off'], /--advisories-only needs an advisory source/],
      [['check', project, '--advisories-only', '--deep'], /--advisories-only does not look inside tarballs/],
      [['check', project, '--timeout', '0'], /--timeout takes seconds/],
      [['check', project, '--timeout', 'soon'], /--timeout takes seconds/],
      [['check', project, '--cache-ttl', '-1'], /--cache-ttl takes minutes/],
      [['check', project, '--cache-ttl', 'long'], /--cache-ttl takes minutes/],
      [['check', project, '--baseline', 'git:--output=x'], /--baseline: "--output=x" is not a git revision/],
      [['check', path.join(os.tmpdir(), 'nope-trustlens')], /is not a directory/],
    ] as const) {
      const r = await trustlens([...args], env);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, reason);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  it('what could not be judged fails the check in every format, unless --allow-incomplete', async () => {
    registry.faults.push({ match: /^\/scripted$/, action: { status: 500 } });
    try {
      const dir = writeProject(scenario, registry.url, { 'good-lib': '1.2.0', scripted: '1.0.1' });
      // A cache of its own: the other tests' cache holds this packument already.
      const args = ['check', dir, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile, '--no-content', '--cache-dir', path.join(dir, 'cache')];
      const json = await trustlens([...args, '--format', 'json'], env);
      assert.equal(json.code, 1, json.stderr);
      const out = JSON.parse(json.stdout);
      assert.equal(out.summary.complete, false);
      assert.equal(out.summary.resolution, 'locked');
      assert.deepEqual(
        out.summary.notChecked.map((u: { package: string; version: string; status: string }) => [u.package, u.version, u.status]),
        [['scripted', '1.0.1', 'not-judged']],
      );
      assert.equal(out.summary.notChecked[0].signals[0].signal, 'registry-history');
      assert.deepEqual(
        out.findings.map((f: { code: string; severity: string }) => [f.code, f.severity]),
        [['check-incomplete', 'high']],
      );

      const text = await trustlens(args, env);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /\nNot checked \(unknown is not clean\):\n {2}scripted@1\.0\.1 +registry history: .*answered 500\n/);
      assert.match(text.stdout, /: 1 high; 1 not checked; failing on high and above\.\n$/);

      const sarif = JSON.parse((await trustlens([...args, '--format', 'sarif'], env)).stdout);
      const invocation = sarif.runs[0].invocations[0];
      assert.equal(invocation.executionSuccessful, false);
      assert.equal(invocation.toolExecutionNotifications.length, 1);
      assert.match(invocation.toolExecutionNotifications[0].message.text, /scripted@1\.0\.1 was not checked/);

      const relaxed = await trustlens([...args, '--allow-incomplete', '--format', 'json'], env);
      assert.equal(relaxed.code, 0, '--allow-incomplete: the gate passes knowingly');
      const r = JSON.parse(relaxed.stdout);
      assert.equal(r.summary.complete, false, 'and the report still says what was not checked');
      assert.deepEqual(
        r.findings.map((f: { code: string; severity: string }) => [f.code, f.severity]),
        [['check-incomplete', 'info']],
      );
    } finally {
      registry.faults.splice(0);
    }
  });

  it('a complete check says so: summary.complete, and SARIF executionSuccessful', async () => {
    const dir = writeProject(scenario, registry.url, { 'good-lib': '1.2.0' });
    const args = ['check', dir, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile];
    const out = JSON.parse((await trustlens([...args, '--format', 'json'], env)).stdout);
    assert.equal(out.summary.complete, true);
    assert.deepEqual(out.summary.notChecked, []);
    const sarif = JSON.parse((await trustlens([...args, '--format', 'sarif'], env)).stdout);
    assert.deepEqual(sarif.runs[0].invocations, [{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  });

  it('exit 2, as list does, on a lockfile with nothing readable in it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-garbage-'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"app","dependencies":{"a":"^1.0.0"}}');
    fs.writeFileSync(path.join(dir, 'pnpm-lock.yaml'), 'lockfileVersion: [[[\n  :::: {\n');
    const r = await trustlens(['check', dir, '--registry', registry.url, '--advisories', 'off'], env);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /trustlens: pnpm-lock\.yaml could not be read \(pnpm-lock\.yaml:\d+:\d+: /);
  });
});
