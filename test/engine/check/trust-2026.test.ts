import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { diagnosticSpecs } from '../../../src/core/report/diagnostics';
import { hoverMarkdown } from '../../../src/core/report/hover-text';
import type { LocatedFinding } from '../../../src/core/report/locate';
import { toSarif } from '../../../src/core/report/sarif';
import { type CheckOptions, type CheckReport, runCheck } from '../../../src/engine/check/run-check';
import { customTrustContext } from '../../../src/engine/sigstore/trust-root';
import { SHAPES_NOW, type Shapes, buildShapes, checkShape, writeShapeProject } from '../../../bench/detect/shapes';
import { ScenarioBuilder, generateRegistryKey, stripTrustMetadata } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { type SigstoreTestEnv, createSigstoreTestEnv } from '../../support/sigstore-scenarios';
import { trustlens } from '../../support/cli';
import { isolatedNpmEnv } from '../../support/npm-env';

/**
 * The signals of issue #16 against a real registry on loopback, on the shapes of bench/detect/shapes.ts (real
 * tarballs, registry signatures and Sigstore bundles): baselines an attacker cannot poison, quiet publisher changes,
 * downgrades within a line. Each positive case has a negative one beside it. How many of the shapes are caught is
 * measured by `npm run bench:detect`, not here.
 */
describe('2026 shapes: baselines, correlation, new dependencies, workflow identity', function () {
  this.timeout(180_000);
  let sigstore: SigstoreTestEnv;
  let shapes: Shapes;
  let registry: FixtureRegistry;
  let key: ReturnType<typeof generateRegistryKey>;
  const dirs: string[] = [];

  before(async () => {
    key = generateRegistryKey();
    sigstore = await createSigstoreTestEnv({ npmKey: key });
    shapes = await buildShapes(sigstore, key);
    registry = await startFixtureRegistry(shapes.corpus);
  });
  after(async () => {
    await registry?.close();
    await sigstore?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const check = async (id: string, extra: Partial<CheckOptions> = {}): Promise<CheckReport> => {
    const c = shapes.cases.find((x) => x.id === id);
    assert.ok(c, id);
    return checkShape(shapes, c, registry.url, { trust: customTrustContext(sigstore.trustedRootJSON), content: 'deep', ...extra });
  };
  const of = (r: CheckReport, target: string): LocatedFinding[] => r.findings.filter((f) => `${f.package}@${f.version}` === target);
  const codes = (r: CheckReport, target: string) =>
    of(r, target)
      .map((f) => f.code)
      .sort();
  const worst = (r: CheckReport, target: string) =>
    of(r, target).reduce((m, f) => Math.max(m, ['info', 'low', 'medium', 'high', 'critical'].indexOf(f.severity)), -1);
  const MEDIUM = 2;

  describe('baselines', () => {
    it('a release published 38 minutes after a poisoned one is compared with the release before the burst, and says so', async () => {
      const r = await check('poisoned-twice-in-a-row');
      const f = of(r, 'env-merge-replica@1.5.2').find((x) => x.code === 'content-credentials');
      assert.ok(f, codes(r, 'env-merge-replica@1.5.2').join());
      assert.equal(f.baseline, '1.5.0');
      const b = f.evidence.find((e) => e.label === 'baseline')!.value;
      assert.match(
        b,
        /^1\.5\.0 — the last 1\.x release before a 2-day quiet gap; passed over 1\.5\.1 \(published 38 minutes before it, within the 2-day quiet gap: the same burst\)/,
      );
      const card = r.cards.find((c) => c.name === 'env-merge-replica')!;
      assert.equal(card.changes?.previous, '1.5.0');
      assert.equal(f.safeVersion, '1.5.0', 'not 1.5.1: the release of the same burst was passed over, never verified');
    });
    it('a release that keeps a postinstall a flagged release added three days before is flagged too (the flagged one is no baseline)', async () => {
      const r = await check('poisoned-hook-kept');
      const f = of(r, 'fs-walk-replica@2.0.3').find((x) => x.code === 'install-script-added')!;
      assert.equal(f.severity, 'high');
      assert.equal(f.baseline, '2.0.1');
      assert.equal(f.safeVersion, '2.0.1', 'the quick fix pins back to the last clean release');
    });
    it('each of four majors republished within minutes is compared with its own line, not with the sibling before it', async () => {
      const r = await check('poisoned-four-majors-21-minutes');
      for (const [v, base] of [
        ['1.9.2', '1.9.1'],
        ['2.4.2', '2.4.1'],
        ['3.1.1', '3.1.0'],
        ['4.2.2', '4.2.1'],
      ]) {
        const f = of(r, `yaml-lite-replica@${v}`).find((x) => x.code === 'content-network');
        assert.ok(f, `${v}: ${codes(r, `yaml-lite-replica@${v}`).join()}`);
        assert.equal(f.baseline, base);
      }
    });
    it('negative: backports on three lines in an afternoon, and a fix-up release an hour after a feature, stay quiet', async () => {
      const backports = await check('benign-backports-afternoon');
      for (const t of ['qs-lite-replica@6.1.1', 'qs-lite-replica@5.2.2', 'qs-lite-replica@4.17.2'])
        assert.ok(worst(backports, t) < MEDIUM, `${t}: ${codes(backports, t).join()}`);
      assert.equal(backports.cards.find((c) => c.version === '4.17.2')!.changes?.previous, '4.17.1', 'a backport is compared within its line');
      const fixup = await check('benign-fixup-release');
      assert.ok(worst(fixup, 'date-fmt-replica@3.2.1') < MEDIUM, codes(fixup, 'date-fmt-replica@3.2.1').join());
    });
  });

  describe('quiet on healthy projects', () => {
    it('a long-listed maintainer publishing for the first time is publisher-changed at low', async () => {
      const r = await check('benign-maintainer-rotation');
      const f = of(r, 'lint-rules-replica@8.3.1').find((x) => x.code === 'publisher-changed')!;
      assert.equal(f.severity, 'low');
      assert.match(f.message, /alone, how multi-maintainer projects rotate/);
    });
  });

  describe('trust downgrade', () => {
    it('trusted publisher → provenance-only is not a downgrade by itself; a 6.x backport is not judged by 7.x', async () => {
      const tp = await check('benign-trusted-publisher-to-provenance');
      assert.ok(!codes(tp, 'parser-ok-replica@2.1.1').includes('provenance-downgrade'), codes(tp, 'parser-ok-replica@2.1.1').join());
      const backport = await check('benign-backport-without-provenance');
      assert.ok(!codes(backport, 'semver-ok-replica@6.3.1').includes('provenance-downgrade'), codes(backport, 'semver-ok-replica@6.3.1').join());
    });
  });

  describe('trust downgrade anchored to a baseline lockfile', () => {
    it('versions the baseline locks are accepted; one that replaces a locked version is compared with it; the baseline is named', async () => {
      const b = new ScenarioBuilder({
        registryKey: key,
        attest: (i) =>
          sigstore.attest({
            name: i.name,
            version: i.version,
            integritySha512Hex: i.integritySha512Hex,
            repository: 'anchor-org/lib',
            workflowPath: '.github/workflows/release.yml',
            ref: `refs/tags/v${i.version}`,
            sha: 'c'.repeat(40),
            eventName: 'push',
          }),
      });
      const ci = { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:anchor-org/lib' } };
      const bob = { name: 'bob', email: 'bob@example.com' };
      const day = (n: number) => new Date(Date.parse(SHAPES_NOW) - n * 86_400_000).toISOString();
      const a = b.package('anchored-lib');
      a.version('2.0.0', { publishedAt: day(200), publisher: ci, attest: 'provenance', files: { 'index.js': '1;\n' } });
      a.version('2.0.1', { publishedAt: day(100), publisher: bob, files: { 'index.js': '2;\n' } });
      a.version('2.0.2', { publishedAt: day(50), publisher: bob, files: { 'index.js': '3;\n' } });
      const o = b.package('other-lib');
      o.version('1.0.0', { publishedAt: day(200), publisher: ci, attest: 'provenance', files: { 'index.js': '1;\n' } });
      o.version('1.0.1', { publishedAt: day(50), publisher: bob, files: { 'index.js': '2;\n' } });
      const corpus = await b.build();
      const own = await startFixtureRegistry(corpus);
      try {
        const project = (id: string, installs: { name: string; version: string }[]) => {
          const dir = writeShapeProject(
            { corpus, cases: [] },
            { id, kind: 'benign', class: 'valid-provenance-ci', mirrors: '', installs, targets: [] },
            own.url,
          );
          dirs.push(dir);
          return dir;
        };
        // main locks anchored-lib@2.0.1 (already without provenance when the project adopted the policy) and other-lib@1.0.0.
        const dir = project('anchor', [
          { name: 'anchored-lib', version: '2.0.1' },
          { name: 'other-lib', version: '1.0.0' },
        ]);
        const gitIn = (...args: string[]) =>
          execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' });
        gitIn('init', '-q', '-b', 'main');
        gitIn('add', '-A');
        gitIn('commit', '-q', '-m', 'baseline');
        // The pull request: anchored-lib 2.0.1 → 2.0.2 (no provenance either), other-lib 1.0.0 → 1.0.1 (drops provenance).
        const next = project('anchor-next', [
          { name: 'anchored-lib', version: '2.0.2' },
          { name: 'other-lib', version: '1.0.1' },
        ]);
        for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(next, f), path.join(dir, f));
        const run = (extra: Partial<CheckOptions> = {}) =>
          runCheck({
            projectDir: dir,
            registry: own.url,
            now: new Date(SHAPES_NOW),
            env: { PATH: process.env.PATH, HOME: dir, npm_config_userconfig: path.join(dir, 'none'), npm_config_globalconfig: path.join(dir, 'none') },
            advisories: { npm: false, osv: false },
            trust: customTrustContext(sigstore.trustedRootJSON),
            content: 'off',
            ...extra,
          });
        const downgrades = (r: CheckReport, target: string) => of(r, target).filter((f) => f.code === 'provenance-downgrade');

        const without = await run();
        assert.equal(downgrades(without, 'anchored-lib@2.0.2')[0]?.baseline, '2.0.0', "without a baseline: weaker than the line's 2.0.0");

        const anchored = await run({ baseline: 'git:main' });
        assert.deepEqual(downgrades(anchored, 'anchored-lib@2.0.2'), [], 'it replaces 2.0.1, which had no provenance either');
        const [f] = downgrades(anchored, 'other-lib@1.0.1');
        assert.equal(f?.severity, 'high');
        assert.equal(f.baseline, '1.0.0');
        assert.match(
          f.message,
          /other-lib@1\.0\.1 was published with no provenance, weaker than 1\.0\.0 \(trusted publisher with provenance\), which it replaces in the baseline package-lock\.json at git:main/,
        );
        assert.deepEqual(anchored.notChecked, []);

        // The same from the policy file; and a version the baseline locks itself is accepted.
        fs.writeFileSync(path.join(dir, '.trustlens.jsonc'), '{\n  "downgrade": {\n    "baseline": "git:main"\n  }\n}\n');
        const viaPolicy = await run();
        assert.equal(downgrades(viaPolicy, 'other-lib@1.0.1').length, 1);
        assert.deepEqual(downgrades(viaPolicy, 'anchored-lib@2.0.2'), []);
      } finally {
        await own.close();
      }
    });

    it('a baseline that cannot be read or parsed is a check-incomplete finding saying which and where, never ignored', async () => {
      const c = shapes.cases.find((x) => x.id === 'benign-backport-without-provenance')!;
      const dir = writeShapeProject(shapes, c, registry.url);
      dirs.push(dir);
      const incomplete = (r: CheckReport) => r.findings.filter((f) => f.code === 'check-incomplete' && /downgrade baseline/.test(f.message));

      const missing = await check('benign-backport-without-provenance', { baseline: path.join(dir, 'nope', 'package-lock.json') });
      const [m] = incomplete(missing);
      assert.ok(m, missing.findings.map((f) => f.message).join('\n'));
      assert.match(
        m.message,
        /the downgrade baseline ".*nope.*package-lock\.json" \(--baseline\) could not be read \(ENOENT\): provenance-downgrade compares each version with its release line instead/,
      );

      fs.mkdirSync(path.join(dir, 'base'));
      fs.writeFileSync(path.join(dir, 'base', 'package-lock.json'), '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {\n');
      fs.writeFileSync(path.join(dir, '.trustlens.jsonc'), '{\n  // adopted 2026-06\n  "downgrade": { "baseline": "base/package-lock.json" }\n}\n');
      const r = await runCheck({
        projectDir: dir,
        registry: registry.url,
        now: new Date(SHAPES_NOW),
        env: { PATH: process.env.PATH, HOME: dir, npm_config_userconfig: path.join(dir, 'none'), npm_config_globalconfig: path.join(dir, 'none') },
        advisories: { npm: false, osv: false },
        trust: customTrustContext(sigstore.trustedRootJSON),
        content: 'off',
      });
      const [p] = incomplete(r);
      assert.ok(p, r.findings.map((f) => f.message).join('\n'));
      assert.match(
        p.message,
        /the downgrade baseline "base\/package-lock\.json" \(\.trustlens\.jsonc\) could not be parsed as package-lock\.json \(line \d+, column \d+: /,
      );
      assert.equal(p.file, '.trustlens.jsonc');
      assert.equal(p.line, 3, 'shown where the policy names it');

      const git = await check('benign-backport-without-provenance', { baseline: 'git:main' });
      assert.match(incomplete(git)[0]?.message ?? '', /package-lock\.json at git:main|could not be read \(git show main/);
    });
  });

  describe('workflow identity', () => {
    it('a release built by a pull_request_target run from a branch is high although its provenance verifies', async () => {
      const r = await check('ci-compromise-pull-request-target');
      const f = of(r, '@replica-stack/router-lite@1.120.1').find((x) => x.code === 'provenance-workflow-changed')!;
      assert.ok(f, codes(r, '@replica-stack/router-lite@1.120.1').join());
      assert.equal(f.severity, 'high');
      assert.match(
        f.message,
        /built from branch refs\/heads\/main, but 1\.120\.0 from tag refs\/tags\/v1\.120\.0; built by a pull_request_target run \(a trigger that runs on outside input\), but 1\.120\.0 by a push run/,
      );
      assert.equal(f.baseline, '1.120.0');
      assert.ok(!codes(r, '@replica-stack/router-lite@1.120.1').includes('provenance-invalid'), 'the provenance itself verifies');
    });
    it('a workflow_dispatch run on a self-hosted runner, where every earlier release was a tag push on GitHub-hosted runners, is high', async () => {
      const r = await check('ci-compromise-self-hosted-dispatch');
      const f = of(r, '@replica-antv/g2-lite@5.2.1').find((x) => x.code === 'provenance-workflow-changed')!;
      assert.equal(f?.severity, 'high', codes(r, '@replica-antv/g2-lite@5.2.1').join());
      assert.match(f.message, /built by a workflow_dispatch run, but 5\.2\.0 by a push run; built on a self-hosted runner, but 5\.2\.0 on a github-hosted one/);
    });
    it('a staged publish approved by an account that approved none of the earlier ones, and was no maintainer, is said; a known approver is not', async () => {
      const b = new ScenarioBuilder({ registryKey: null });
      const ci = (approver: string) => ({
        name: 'GitHub Actions',
        email: 'npm-oidc-no-reply@github.com',
        trustedPublisher: { id: 'github', oidcConfigId: 'oidc:o/staged' },
        approver: { name: approver, email: `${approver}@example.com` },
      });
      const people = (...names: string[]) => names.map((n) => ({ name: n, email: `${n}@example.com` }));
      const p = b.package('staged-lib');
      p.version('3.0.0', {
        publishedAt: '2026-01-01T00:00:00.000Z',
        publisher: ci('alice'),
        maintainers: people('alice', 'bob'),
        files: { 'index.js': '1;\n' },
      });
      p.version('3.0.1', { publishedAt: '2026-03-01T00:00:00.000Z', publisher: ci('bob'), maintainers: people('alice', 'bob'), files: { 'index.js': '1;\n' } });
      p.version('3.0.2', {
        publishedAt: '2026-06-01T00:00:00.000Z',
        publisher: ci('mallory'),
        maintainers: people('alice', 'bob', 'mallory'),
        files: { 'index.js': '1;\n' },
      });
      p.version('3.0.3', {
        publishedAt: '2026-06-10T00:00:00.000Z',
        publisher: ci('bob'),
        maintainers: people('alice', 'bob', 'mallory'),
        files: { 'index.js': '1;\n' },
      });
      const corpus = await b.build();
      const own = await startFixtureRegistry(corpus);
      try {
        const judge = async (version: string) => {
          const r = await checkShape(
            { corpus, cases: [] },
            { id: `staged-${version}`, kind: 'attack', class: 'valid-provenance-ci', mirrors: '', installs: [{ name: 'staged-lib', version }], targets: [] },
            own.url,
            { content: 'off' },
          );
          return of(r, `staged-lib@${version}`).filter((f) => f.code === 'provenance-workflow-changed');
        };
        const [f] = await judge('3.0.2');
        assert.equal(f?.severity, 'medium');
        assert.match(
          f.message,
          /approved by mallory, who approved none of the 2 earlier staged releases \(alice, bob\) and was not a listed maintainer before/,
        );
        assert.deepEqual(await judge('3.0.3'), [], 'bob approved before');
      } finally {
        await own.close();
      }
    });
    it('trigger and runner are compared with every identity remembered across runs, not one baseline release', async () => {
      const repo = 'hist-org/hist-lib';
      const b = new ScenarioBuilder({
        registryKey: key,
        attest: (i) =>
          sigstore.attest({
            name: i.name,
            version: i.version,
            integritySha512Hex: i.integritySha512Hex,
            repository: repo,
            workflowPath: '.github/workflows/release.yml',
            ref: String(i.ref),
            sha: 'c'.repeat(40),
            eventName: String(i.eventName),
            runnerEnvironment: 'github-hosted',
          }),
      });
      const ci = { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: `oidc:${repo}` } };
      const p = b.package('hist-lib');
      const day = (n: number) => new Date(Date.parse(SHAPES_NOW) - n * 86_400_000).toISOString();
      const release = (version: string, daysBefore: number, eventName: string) =>
        p.version(version, {
          publishedAt: day(daysBefore),
          publisher: ci,
          attest: 'provenance',
          attestClaims: { ref: `refs/tags/v${version}`, eventName },
          files: { 'index.js': `// ${version}\n` },
        });
      release('4.0.0', 120, 'push');
      release('4.0.1', 90, 'workflow_dispatch'); // a maintainer re-ran the release by hand once
      release('4.0.2', 60, 'push');
      release('4.0.3', 30, 'pull_request_target');
      const corpus = await b.build();
      const own = await startFixtureRegistry(corpus);
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-identities-'));
      dirs.push(cacheDir);
      try {
        const judge = async (version: string, withCache: boolean) => {
          const dir = writeShapeProject(
            { corpus, cases: [] },
            { id: `hist-${version}`, kind: 'benign', class: 'valid-provenance-ci', mirrors: '', installs: [{ name: 'hist-lib', version }], targets: [] },
            own.url,
          );
          dirs.push(dir);
          const r = await runCheck({
            projectDir: dir,
            registry: own.url,
            now: new Date(SHAPES_NOW),
            env: { PATH: process.env.PATH, HOME: dir, npm_config_userconfig: path.join(dir, 'none'), npm_config_globalconfig: path.join(dir, 'none') },
            advisories: { npm: false, osv: false },
            trust: customTrustContext(sigstore.trustedRootJSON),
            content: 'off',
            ...(withCache ? { cacheDir } : {}),
          });
          return of(r, `hist-lib@${version}`).filter((f) => f.code === 'provenance-workflow-changed' || f.code === 'provenance-invalid');
        };
        // Control, no memory: 4.0.2 (push) against its baseline 4.0.1 (workflow_dispatch) alone is a change.
        const [alone] = await judge('4.0.2', false);
        assert.equal(alone?.severity, 'low');
        assert.match(alone.message, /built by a push run, but 4\.0\.1 by a workflow_dispatch run/);
        // A first run verifies 4.0.1 and its baseline 4.0.0 and remembers both identities in the cache.
        await judge('4.0.1', true);
        // Negative: with that memory, push was seen before in the line: no change.
        assert.deepEqual(await judge('4.0.2', true), []);
        // Positive: a pull_request_target run is a change from everything remembered (4.0.2 joined it in the run before).
        const [f] = await judge('4.0.3', true);
        assert.equal(f?.severity, 'high');
        assert.match(
          f.message,
          /built by a pull_request_target run \(a trigger that runs on outside input\), but the 3 earlier verified releases TrustLens remembers \(4\.0\.0, 4\.0\.1, 4\.0\.2\) by (push or workflow_dispatch|workflow_dispatch or push) runs/,
        );
        assert.equal(f.baseline, '4.0.2');
        assert.equal(f.code, 'provenance-workflow-changed', 'the provenance itself verifies');
      } finally {
        await own.close();
      }
    });
    it('negative: the same workflow, trigger and runner with provenance from a token is no identity change', async () => {
      const tp = await check('benign-trusted-publisher-to-provenance');
      assert.ok(!codes(tp, 'parser-ok-replica@2.1.1').includes('provenance-workflow-changed'), codes(tp, 'parser-ok-replica@2.1.1').join());
      assert.ok(worst(tp, 'parser-ok-replica@2.1.1') < MEDIUM);
    });
  });

  describe('correlation across packages', () => {
    const worm = [
      '@acme-replica/config@1.4.2',
      '@acme-replica/logger@3.0.7',
      '@acme-replica/http@0.9.1',
      '@acme-replica/cache@2.11.1',
      '@acme-replica/queue@5.2.3',
      '@acme-replica/auth@0.3.14',
    ];
    it('six packages of a scope gaining the same file within 9 minutes are one critical incident, each member linked', async () => {
      const r = await check('worm-scope-6-in-9-minutes');
      const incident = r.findings.filter((f) => f.code === 'coordinated-release');
      assert.equal(incident.length, 6, 'one finding per member, each with its own lockfile entry and safe version');
      assert.equal(new Set(incident.map((f) => f.incident!.id)).size, 1, 'one incident');
      const f = incident[0];
      assert.equal(f.severity, 'critical');
      assert.equal(f.incident!.title, '6 packages of @acme-replica gained the same lib/metrics.js within 9 minutes');
      assert.deepEqual([...f.incident!.members].sort(), [...worm].sort());
      for (const t of worm)
        assert.ok(
          of(r, t).some((x) => x.code === 'coordinated-release'),
          t,
        );
      // Problems: each member's diagnostic links every other member where it is.
      const spec = diagnosticSpecs(incident).find((d) => d.data.package === '@acme-replica/http')!;
      assert.equal(spec.relatedLocations?.length, 5);
      assert.ok(spec.relatedLocations!.every((l) => l.file === 'package-lock.json' && /member of this incident/.test(l.message)));
      // SARIF: one result for the incident, the members as related locations.
      const sarif = toSarif(r.findings, { version: 'test' }) as {
        runs: { results: { ruleId: string; relatedLocations?: unknown[]; message: { text: string } }[] }[];
      };
      const results = sarif.runs[0].results.filter((x) => x.ruleId === 'coordinated-release');
      assert.equal(results.length, 1);
      assert.equal(results[0].relatedLocations?.length, 6);
      assert.match(results[0].message.text, /^6 packages of @acme-replica gained the same lib\/metrics\.js within 9 minutes: /);
      // Hover: the card says which incident, with the other members.
      const card = r.cards.find((c) => c.name === '@acme-replica/http')!;
      assert.match(
        hoverMarkdown(card, new Date(SHAPES_NOW)),
        /CRITICAL incident:\*\* 6 packages of @acme\\-replica gained the same lib\/metrics\\\.js within 9 minutes — with @acme\\-replica\/config@1\\\.4\\\.2/,
      );
    });
    it('the CLI shows the incident once, as one group, in text and JSON', async () => {
      const c = shapes.cases.find((x) => x.id === 'worm-scope-6-in-9-minutes')!;
      const dir = writeShapeProject(shapes, c, registry.url);
      dirs.push(dir);
      const root = path.join(dir, 'root.json');
      fs.writeFileSync(root, JSON.stringify(sigstore.trustedRootJSON));
      const env = isolatedNpmEnv(dir);
      const args = ['check', dir, '--registry', registry.url, '--now', SHAPES_NOW, '--deep', '--advisories', 'off', '--trusted-root', root];
      const text = await trustlens(args, env);
      assert.equal(text.code, 1, text.stderr);
      assert.equal(text.stdout.split('\n').filter((l) => l.includes('coordinated-release')).length, 1, text.stdout);
      assert.match(
        text.stdout,
        /CRITICAL +coordinated-release +6 packages of @acme-replica gained the same lib\/metrics\.js within 9 minutes\n( +@acme-replica\/\S+ +package-lock\.json:\d+ +safe version: \S+\n){6}/,
      );
      assert.match(text.stdout, / +@acme-replica\/config@1\.4\.2 +package-lock\.json:\d+ +safe version: 1\.4\.1\n/);
      const json = JSON.parse((await trustlens([...args, '--format', 'json'], env)).stdout);
      assert.equal(json.incidents.length, 1);
      assert.equal(json.incidents[0].members.length, 6);
      assert.ok(json.findings.filter((f: { incident?: string }) => f.incident === json.incidents[0].id).length === 6);
    });
    it('four unrelated packages of one publisher with the same dropper under other names are one incident', async () => {
      const r = await check('worm-publisher-4-in-25-minutes');
      const ids = new Set(r.findings.filter((f) => f.code === 'coordinated-release').map((f) => f.incident!.id));
      assert.equal(ids.size, 1);
      assert.match(r.findings.find((f) => f.code === 'coordinated-release')!.incident!.title, /^4 packages gained the same file \(/);
    });
    it('four majors republished within 21 minutes with the same beacon are one incident', async () => {
      const r = await check('poisoned-four-majors-21-minutes');
      const f = r.findings.find((x) => x.code === 'coordinated-release')!;
      assert.equal(f.incident!.title, '4 release lines of yaml-lite-replica gained the same lib/beacon.js within 21 minutes');
      assert.ok(['high', 'critical'].includes(f.severity));
      // Each member's quick fix stays in its own line (each major is installed under its own npm: alias) and is
      // never another member of the incident.
      for (const [v, safe] of [
        ['1.9.2', '1.9.1'],
        ['2.4.2', '2.4.1'],
        ['3.1.1', '3.1.0'],
        ['4.2.2', '4.2.1'],
      ]) {
        assert.equal(of(r, `yaml-lite-replica@${v}`).find((x) => x.code === 'coordinated-release')!.safeVersion, safe, v);
      }
    });
    it('negative: a monorepo releasing 30 packages in lockstep (and the same generated file) stays quiet', async () => {
      const r = await check('benign-monorepo-30-lockstep');
      assert.equal(r.findings.filter((f) => f.code === 'coordinated-release').length, 0);
      assert.ok(
        r.findings.filter((f) => f.package.startsWith('@mono-replica/')).every((f) => ['info', 'low'].includes(f.severity)),
        r.findings.map((f) => `${f.package} ${f.code} ${f.severity}`).join('; '),
      );
    });
    it('negative: backports on three lines in an afternoon are no incident', async () => {
      const r = await check('benign-backports-afternoon');
      assert.equal(r.findings.filter((f) => f.code === 'coordinated-release').length, 0);
    });
  });

  describe('new dependencies, judged where they enter', () => {
    it('a patch whose only change is a dependency first published 20 hours before is flagged on that patch; the fix pins it back', async () => {
      const r = await check('hours-old-dependency');
      const f = of(r, 'request-lite-replica@2.8.4').find((x) => x.code === 'new-dependency')!;
      assert.equal(f.severity, 'critical', 'young, from an unrelated account, and its second release runs a postinstall');
      assert.match(
        f.message,
        /adds colorette-utils, which is first published 20 hours before 2\.8\.4, runs install scripts \(postinstall in 1\.0\.1\), published by npm-helper-7731, who does not maintain request-lite-replica/,
      );
      assert.equal(f.safeVersion, '2.8.3');
      assert.equal(f.baseline, '2.8.3');
      assert.ok(
        of(r, 'colorette-utils@1.0.1').some((x) => x.code === 'install-script-added'),
        'the dependency itself is flagged too',
      );
    });
    it('an optional dependency six hours old, one letter from lodash and claiming its repository, is critical', async () => {
      const r = await check('young-typosquat-optional');
      const f = of(r, 'table-render-replica@1.2.0').find((x) => x.code === 'new-dependency')!;
      assert.equal(f.severity, 'critical');
      assert.match(
        f.message,
        /adds lodahs \(optionalDependencies\), which is first published 6 hours before 1\.2\.0, named one edit away from lodash, claims the repository of lodash\/lodash/,
      );
    });
    it('a dependency from outside the registry (a tarball URL, a github: commit) is high', async () => {
      const r = await check('chaindrop-tarball-url-only');
      assert.match(
        of(r, 'chain-core-replica@0.8.2').find((x) => x.code === 'new-dependency')!.message,
        /adds chain-native \(optionalDependencies\) from a tarball URL outside the registry/,
      );
      const chain = await check('chaindrop-preinstall-github-optional');
      assert.match(of(chain, 'chain-util-replica@3.1.1').find((x) => x.code === 'new-dependency')!.message, /from a github: repository pinned to a commit/);
    });
    it('negative: an old dependency added in a minor, and a sibling split out of the same monorepo the same day, stay quiet', async () => {
      const old = await check('benign-old-dependency-added');
      assert.deepEqual(
        codes(old, 'cli-table-replica@3.2.0').filter((c) => c === 'new-dependency'),
        [],
      );
      const sibling = await check('benign-new-sibling-package');
      assert.deepEqual(
        codes(sibling, '@mono2-replica/core@2.2.0').filter((c) => c === 'new-dependency'),
        [],
      );
    });
    it('on a mirror without trust metadata, a dependency from outside the registry is still flagged; a young one is not guessed at', async () => {
      const mirror = await startFixtureRegistry(stripTrustMetadata(shapes.corpus));
      try {
        const run = async (id: string) => {
          const c = shapes.cases.find((x) => x.id === id)!;
          return checkShape(shapes, c, mirror.url, { content: 'off' });
        };
        const tarball = await run('chaindrop-tarball-url-only');
        assert.match(
          of(tarball, 'chain-core-replica@0.8.2').find((x) => x.code === 'new-dependency')?.message ?? '',
          /from a tarball URL outside the registry/,
        );
        const young = await run('hours-old-dependency');
        assert.ok(!codes(young, 'request-lite-replica@2.8.4').includes('new-dependency'), 'no publishers: a sibling cannot be told from a stranger');
      } finally {
        await mirror.close();
      }
    });
    it('a release adding hundreds of dependencies costs at most 50 registry reads, and the rest is said', async () => {
      // Hostile input: 300 new dependencies, none of them installed (optional), none on the registry.
      const b = new ScenarioBuilder({ registryKey: null });
      const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`ghost-${i}`, '^1.0.0']));
      b.package('fan-out').version('1.0.0', {
        publishedAt: '2026-01-01T00:00:00.000Z',
        publisher: { name: 'alice', email: 'alice@example.com' },
        files: { 'index.js': '1;\n' },
      });
      b.package('fan-out').version('1.0.1', {
        publishedAt: '2026-06-01T00:00:00.000Z',
        publisher: { name: 'alice', email: 'alice@example.com' },
        manifest: { optionalDependencies: many },
        files: { 'index.js': '1;\n' },
      });
      const corpus = await b.build();
      const own = await startFixtureRegistry(corpus);
      try {
        const r = await checkShape(
          { corpus, cases: [] },
          { id: 'fan-out', kind: 'attack', class: 'hours-old-dependency', mirrors: '', installs: [{ name: 'fan-out', version: '1.0.1' }], targets: [] },
          own.url,
          { content: 'off' },
        );
        const asked = own.requests.filter((q) => /^\/ghost-/.test(q.url)).length;
        assert.ok(asked <= 50, `${asked} requests for the added dependencies`);
        const gap = r.notChecked.find((u) => u.package === 'fan-out')!;
        assert.ok(
          gap.gaps.some((g) => g.signal === 'dependencies' && /1\.0\.1 adds 300 dependencies; only the first 50 were judged/.test(g.reason)),
          JSON.stringify(gap),
        );
      } finally {
        await own.close();
      }
    });
    it('a dependency whose history cannot be read leaves the release that adds it "not checked", not clean', async () => {
      const c = shapes.cases.find((x) => x.id === 'hours-old-dependency')!;
      registry.faults.push({ match: /^\/colorette-utils$/, action: { status: 500 } });
      try {
        const r = await checkShape(shapes, { ...c, installs: c.installs.filter((e) => e.name !== 'colorette-utils') }, registry.url, { content: 'off' });
        const gap = r.notChecked.find((u) => u.package === 'request-lite-replica')!;
        assert.equal(gap.status, 'partly-judged');
        assert.deepEqual(
          gap.gaps.map((g) => g.signal),
          ['dependencies'],
        );
        assert.match(gap.gaps[0].reason, /colorette-utils, which 2\.8\.4 adds, could not be read/);
        assert.ok(of(r, 'request-lite-replica@2.8.4').some((x) => x.code === 'check-incomplete'));
      } finally {
        registry.faults.splice(0);
      }
    });
  });
});
