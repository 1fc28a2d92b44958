import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CheckOptions, runCheck } from '../../../src/engine/check/run-check';
import { embeddedTrustContext } from '../../../src/engine/sigstore/trust-root';
import {
  type Packument,
  type RegistryCorpus,
  ScenarioBuilder,
  corpusFromSharedAdvisories,
  corpusFromSharedPackuments,
  mergeCorpora,
  sharedPackumentFile,
} from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { SHARED_FIXTURES, requireSharedFixtures } from '../../support/fixtures';
import { isolatedNpmEnv } from '../../support/npm-env';

/**
 * The engine on real data from ../shared/fixtures: real packuments with their publisher history and
 * signatures, real Sigstore bundles against the real public-good trusted root, real advisories and OSV
 * malware records. The data is served by the local fixture registry (the registry these machines reach
 * carries no trust metadata).
 */
function project(locked: Record<string, { version: string; integrity?: string }>, registryUrl: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-real-'));
  // The ranges people write: ^major.0.0 (^0.minor.0 below 1.0.0).
  const range = (v: string) => (v.startsWith('0.') ? `^0.${v.split('.')[1]}.0` : `^${v.split('.')[0]}.0.0`);
  const dependencies = Object.fromEntries(Object.entries(locked).map(([n, l]) => [n, range(l.version)]));
  const packages: Record<string, unknown> = { '': { name: 'real', dependencies } };
  for (const [name, l] of Object.entries(locked)) {
    packages[`node_modules/${name}`] = {
      version: l.version,
      resolved: `${registryUrl}${name}/-/${name.split('/').pop()}-${l.version}.tgz`,
      ...(l.integrity ? { integrity: l.integrity } : {}),
    };
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'real', dependencies }));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'real', lockfileVersion: 3, packages }, null, 2));
  return dir;
}

const realPackument = (name: string) => JSON.parse(fs.readFileSync(sharedPackumentFile(name), 'utf8')) as Packument;

describe('real data from ../shared/fixtures', function () {
  this.timeout(120_000);
  let registry: FixtureRegistry | undefined;
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
  });
  const check = async (corpus: RegistryCorpus, locked: Parameters<typeof project>[0], extra: Partial<CheckOptions> = {}) => {
    registry = await startFixtureRegistry(corpus);
    const dir = project(locked, registry.url);
    // The fixtures have real packuments but no real tarballs (synthetic ones do not match): content analysis is off here.
    return runCheck({
      projectDir: dir,
      registry: registry.url,
      env: isolatedNpmEnv(dir),
      advisories: { npm: true, osv: false },
      trust: embeddedTrustContext(),
      content: 'off',
      ...extra,
    });
  };

  before(function () {
    requireSharedFixtures(this);
  });

  it("real registry signatures verify with npm's real key; a changed integrity is caught", async () => {
    const corpus = corpusFromSharedPackuments(['has-package-exports'], { npmKeys: true });
    const v = corpus.packuments.get('has-package-exports')!.versions['1.3.0'];
    const ok = await check(corpus, { 'has-package-exports': { version: '1.3.0', integrity: v.dist.integrity } }, { now: new Date('2022-06-01T00:00:00Z') });
    const codes = ok.findings.filter((f) => f.version === '1.3.0').map((f) => f.code);
    assert.ok(!codes.includes('signature-invalid') && !codes.includes('signature-missing'), codes.join());
    assert.ok(!codes.includes('integrity-mismatch'));
    await registry!.close();
    // The registry now serves another integrity for 1.3.0, still with the signature over the real one.
    const altered = corpusFromSharedPackuments(['has-package-exports'], { npmKeys: true });
    altered.packuments.get('has-package-exports')!.versions['1.3.0'].dist.integrity = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
    const bad = await check(altered, { 'has-package-exports': { version: '1.3.0', integrity: v.dist.integrity } }, { now: new Date('2022-06-01T00:00:00Z') });
    assert.deepEqual(
      bad.findings
        .filter((f) => f.version === '1.3.0' && f.severity === 'critical')
        .map((f) => f.code)
        .sort(),
      ['integrity-mismatch', 'signature-invalid'],
    );
  });

  it('real publisher history: the packuments carry real _npmUser and maintainers, so the registry counts as serving trust data', async () => {
    const r = await check(
      corpusFromSharedPackuments(['minimist', 'debug']),
      { minimist: { version: '1.2.5' }, debug: { version: '4.3.0' } },
      { now: new Date('2022-06-01T00:00:00Z') },
    );
    assert.equal(r.registries[0].trustData, true);
    assert.equal(r.findings.filter((f) => f.code === 'trust-metadata-unavailable').length, 0);
    assert.deepEqual(r.errors, []);
  });

  it('real advisories: npm bulk responses and the minimist GHSA (offline OSV) with its fixed release as the safe version', async () => {
    // The real minimist history ends at 1.2.5; the fixed 1.2.6 (March 2022) is appended to it.
    const fixed = new ScenarioBuilder({ registryKey: null });
    fixed
      .package('minimist', { base: realPackument('minimist') })
      .version('1.2.6', { publishedAt: '2022-03-21T00:00:00Z', publisher: { name: 'ljharb', email: 'ljharb@gmail.com' } });
    const corpus = mergeCorpora(corpusFromSharedPackuments(['handlebars']), await fixed.build(), corpusFromSharedAdvisories());
    const r = await check(
      corpus,
      { minimist: { version: '1.2.5' }, handlebars: { version: '4.0.11' } },
      {
        now: new Date('2022-06-01T00:00:00Z'),
        advisories: { npm: true, osv: false, osvDir: path.join(SHARED_FIXTURES, 'advisories/osv') },
      },
    );
    const minimist = r.findings.find((f) => f.package === 'minimist' && f.advisory?.id === 'GHSA-xvch-5gv4-984h')!;
    assert.equal(minimist.code, 'vulnerability');
    assert.equal(minimist.severity, 'critical');
    assert.equal(minimist.safeVersion, '1.2.6');
    const hb = r.findings.filter((f) => f.package === 'handlebars' && f.code === 'vulnerability');
    assert.ok(hb.length >= 3, `handlebars 4.0.11 has several real advisories, found ${hb.length}`);
    assert.ok(hb.some((f) => f.severity === 'critical'));
  });

  it('real OSV malware records: chalk 5.6.1 and debug 4.4.2 (September 2025) are malware, the releases before are safe', async () => {
    const b = new ScenarioBuilder({ registryKey: null });
    const alice = { name: 'sindresorhus', email: 'sindresorhus@gmail.com' };
    b.package('chalk', { base: realPackument('chalk') })
      .version('5.6.0', { publishedAt: '2025-08-20T00:00:00Z', publisher: alice })
      .version('5.6.1', { publishedAt: '2025-09-08T13:00:00Z', publisher: alice });
    b.package('debug', { base: realPackument('debug') })
      .version('4.4.1', { publishedAt: '2025-05-13T00:00:00Z', publisher: { name: 'qix', email: 'i.am.qix@gmail.com' } })
      .version('4.4.2', { publishedAt: '2025-09-08T13:00:00Z', publisher: { name: 'qix', email: 'i.am.qix@gmail.com' } });
    const r = await check(
      await b.build(),
      { chalk: { version: '5.6.1' }, debug: { version: '4.4.2' } },
      {
        now: new Date('2025-09-10T00:00:00Z'),
        advisories: { npm: false, osv: false, osvDir: path.join(SHARED_FIXTURES, 'advisories/osv') },
      },
    );
    const chalk = r.findings.find((f) => f.package === 'chalk' && f.code === 'malware')!;
    assert.equal(chalk.severity, 'critical');
    assert.equal(chalk.advisory?.id, 'MAL-2025-46969');
    assert.equal(chalk.safeVersion, '5.6.0');
    assert.equal(r.findings.find((f) => f.package === 'debug' && f.code === 'malware')!.safeVersion, '4.4.1');
  });

  it('the @ctrl/tinycolor record affects every version by OSV rules (its extra introduced "0" range): no safe version', async () => {
    const b = new ScenarioBuilder({ registryKey: null });
    b.package('@ctrl/tinycolor').version('4.1.0', { publishedAt: '2025-01-01T00:00:00Z' }).version('4.1.1', { publishedAt: '2025-09-15T00:00:00Z' });
    const r = await check(
      await b.build(),
      { '@ctrl/tinycolor': { version: '4.1.0' } },
      {
        now: new Date('2025-09-20T00:00:00Z'),
        advisories: { npm: false, osv: false, osvDir: path.join(SHARED_FIXTURES, 'advisories/osv') },
      },
    );
    const f = r.findings.find((x) => x.code === 'malware')!;
    assert.equal(f.package, '@ctrl/tinycolor');
    assert.equal(f.safeVersion, null);
  });

  describe('real Sigstore bundles (npm attestations of sigstore@0.4.0) against the real public-good trusted root', () => {
    const sig = (variant: string) => JSON.parse(fs.readFileSync(path.join(SHARED_FIXTURES, `sigstore/sigstore@0.4.0.${variant}-attestations.json`), 'utf8'));
    /** The integrity the real bundles attest to, from the valid provenance statement's subject. */
    const realIntegrity = () => {
      const bundle = sig('valid').attestations[0].bundle;
      const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
      return `sha512-${Buffer.from(statement.subject[0].digest.sha512, 'hex').toString('base64')}`;
    };
    const corpusWith = (attestations: unknown): RegistryCorpus => {
      const corpus = corpusFromSharedPackuments([], { npmKeys: true });
      const integrity = realIntegrity();
      corpus.packuments.set('sigstore', {
        _id: 'sigstore',
        name: 'sigstore',
        'dist-tags': { latest: '0.4.0' },
        time: { '0.4.0': '2023-02-09T17:56:00.000Z' },
        versions: {
          '0.4.0': {
            name: 'sigstore',
            version: '0.4.0',
            _npmUser: { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com' },
            dist: {
              integrity,
              tarball: 'https://registry.invalid/sigstore/-/sigstore-0.4.0.tgz',
              attestations: {
                url: 'https://registry.invalid/-/npm/v1/attestations/sigstore@0.4.0',
                provenance: { predicateType: 'https://slsa.dev/provenance/v0.2' },
              },
            },
          },
        },
      } as unknown as Packument);
      corpus.attestations.set('sigstore@0.4.0', attestations);
      corpus.syntheticTarballs.add('sigstore');
      return corpus;
    };

    it('the real bundles verify: no provenance finding', async () => {
      const r = await check(
        corpusWith(sig('valid')),
        { sigstore: { version: '0.4.0', integrity: realIntegrity() } },
        { now: new Date('2023-06-01T00:00:00Z') },
      );
      assert.deepEqual(
        r.findings.filter((f) => f.code.startsWith('provenance')),
        [],
      );
      assert.deepEqual(r.errors, []);
    });

    it("without a trusted root given, tries Sigstore's TUF repository, falls back to the embedded root, and says so", async () => {
      const r = await check(
        corpusWith(sig('valid')),
        { sigstore: { version: '0.4.0', integrity: realIntegrity() } },
        { now: new Date('2023-06-01T00:00:00Z'), trust: undefined },
      );
      assert.deepEqual(
        r.findings.filter((f) => f.code.startsWith('provenance')),
        [],
      );
      assert.equal(r.notes.length, 1);
      assert.match(r.notes[0], /embedded in @sigstore\/tuf/);
    });

    for (const variant of [
      'invalid',
      'malformed-subject',
      'mismatched-keyid',
      'mismatched-subject-digest',
      'mismatched-subject-name',
      'no-keyid',
      'unsupported',
    ]) {
      it(`the tampered "${variant}" bundles fail: provenance-invalid (critical)`, async () => {
        const r = await check(
          corpusWith(sig(variant)),
          { sigstore: { version: '0.4.0', integrity: realIntegrity() } },
          { now: new Date('2023-06-01T00:00:00Z') },
        );
        const f = r.findings.find((x) => x.code === 'provenance-invalid');
        assert.ok(f, `no provenance-invalid for ${variant}: ${r.findings.map((x) => x.code).join()}`);
        assert.equal(f.severity, 'critical');
      });
    }
  });
});
