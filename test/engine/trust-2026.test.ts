import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocatedFinding } from '../../src/core/report/locate';
import { type CheckOptions, type CheckReport, runCheck } from '../../src/engine/check';
import { customTrustContext } from '../../src/engine/sigstore/trust-root';
import { SHAPES_NOW, type Shapes, buildShapes, writeShapeProject } from '../../bench/detect/shapes';
import { generateRegistryKey } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type SigstoreTestEnv, createSigstoreTestEnv } from '../support/sigstore-scenarios';

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
  const dirs: string[] = [];

  before(async () => {
    const key = generateRegistryKey();
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
    const dir = writeShapeProject(shapes, c, registry.url);
    dirs.push(dir);
    return runCheck({
      projectDir: dir,
      registry: registry.url,
      now: new Date(SHAPES_NOW),
      env: { PATH: process.env.PATH, HOME: dir, npm_config_userconfig: path.join(dir, 'none'), npm_config_globalconfig: path.join(dir, 'none') },
      advisories: { npm: false, osv: false },
      trust: customTrustContext(sigstore.trustedRootJSON),
      content: 'deep',
      ...extra,
    });
  };
  const of = (r: CheckReport, target: string): LocatedFinding[] => r.findings.filter((f) => `${f.package}@${f.version}` === target);
  const codes = (r: CheckReport, target: string) => of(r, target).map((f) => f.code).sort();
  const worst = (r: CheckReport, target: string) => of(r, target).reduce((m, f) => Math.max(m, ['info', 'low', 'medium', 'high', 'critical'].indexOf(f.severity)), -1);
  const MEDIUM = 2;

  describe('baselines', () => {
    it('a release published 38 minutes after a poisoned one is compared with the release before the burst, and says so', async () => {
      const r = await check('poisoned-twice-in-a-row');
      const f = of(r, 'env-merge-replica@1.5.2').find((x) => x.code === 'content-credentials');
      assert.ok(f, codes(r, 'env-merge-replica@1.5.2').join());
      assert.equal(f.baseline, '1.5.0');
      const b = f.evidence.find((e) => e.label === 'baseline')!.value;
      assert.match(b, /^1\.5\.0 — the last 1\.x release before a 2-day quiet gap; passed over 1\.5\.1 \(published 38 minutes before it, within the 2-day quiet gap: the same burst\)/);
      const card = r.cards.find((c) => c.name === 'env-merge-replica')!;
      assert.equal(card.changes?.previous, '1.5.0');
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
      for (const [v, base] of [['1.9.2', '1.9.1'], ['2.4.2', '2.4.1'], ['3.1.1', '3.1.0'], ['4.2.2', '4.2.1']]) {
        const f = of(r, `yaml-lite-replica@${v}`).find((x) => x.code === 'content-network');
        assert.ok(f, `${v}: ${codes(r, `yaml-lite-replica@${v}`).join()}`);
        assert.equal(f.baseline, base);
      }
    });
    it('negative: backports on three lines in an afternoon, and a fix-up release an hour after a feature, stay quiet', async () => {
      const backports = await check('benign-backports-afternoon');
      for (const t of ['qs-lite-replica@6.1.1', 'qs-lite-replica@5.2.2', 'qs-lite-replica@4.17.2']) assert.ok(worst(backports, t) < MEDIUM, `${t}: ${codes(backports, t).join()}`);
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
});
