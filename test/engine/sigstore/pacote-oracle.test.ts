import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pacote from 'pacote';
import { type RegistryKey, parseRegistryKeys, verifyRegistrySignature } from '../../../src/engine/sigstore/registry-signatures';
import { runCheck } from '../../../src/engine/check/run-check';
import { customTrustContext } from '../../../src/engine/sigstore/trust-root';
import { verifyAttestations } from '../../../src/engine/sigstore/verify-attestations';
import { ScenarioBuilder, generateRegistryKey } from '../../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { requireSharedFixtures } from '../../support/fixtures';
import { writeLocalTufCache } from '../../support/local-tuf';
import { NOW, type Scenario, buildScenario, writeProject } from '../../support/check-scenarios';
import { isolatedNpmEnv } from '../../support/npm-env';

/**
 * pacote — npm's own fetcher, which `npm install` and `npm audit signatures` verify with — as an independent oracle
 * for our verdicts: the same packuments and attestations, served by a real registry on loopback, judged by both.
 * pacote runs here without network: keys come from its options, and Sigstore's trusted root (the real public-good
 * one) from a local TUF cache it reads with tufForceCache (test/support/local-tuf.ts): its real TUF client and
 * Sigstore verifier, with nothing fetched.
 */
const pem = (k: RegistryKey) => ({ keyid: k.keyid, pemkey: `-----BEGIN PUBLIC KEY-----\n${k.key}\n-----END PUBLIC KEY-----`, expires: k.expires ?? null });
const keyOption = (registryUrl: string, keys: RegistryKey[]) => ({ [`//${new URL(registryUrl).host}/:_keys`]: keys.map(pem) });
const cacheDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-pacote-'));
  cacheDirs.push(d);
  return d;
};
after(() => cacheDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** pacote's answer as a word: ok, or the error code it refused with. */
async function pacoteSays(spec: string, opts: Record<string, unknown>): Promise<string> {
  try {
    await pacote.manifest(spec, { cache: tmp(), preferOnline: true, ...opts });
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

describe('pacote as an oracle: registry signatures', function () {
  this.timeout(60_000);
  let registry: FixtureRegistry;
  let keys: RegistryKey[];
  const CASES = ['valid', 'invalid', 'unknown-key', 'none'] as const;

  before(async () => {
    const b = new ScenarioBuilder({ registryKey: generateRegistryKey() });
    for (const signature of CASES)
      b.package(`sig-${signature}`).version('1.0.0', { publishedAt: '2025-01-01T00:00:00.000Z', publisher: { name: 'alice' }, signature });
    registry = await startFixtureRegistry(await b.build());
    const res = await fetch(`${registry.url}-/npm/v1/keys`);
    keys = parseRegistryKeys(await res.json());
  });
  after(() => registry?.close());

  it('agrees with our verdict on every signature (pacote has no "missing": it verifies what is there)', async () => {
    const table: string[][] = [];
    for (const signature of CASES) {
      const name = `sig-${signature}`;
      const doc = (await (await fetch(`${registry.url}${name}`)).json()) as {
        versions: Record<string, { dist: { integrity: string; signatures?: unknown } }>;
        time: Record<string, string>;
      };
      const v = doc.versions['1.0.0'];
      const ours = verifyRegistrySignature(
        { name, version: '1.0.0', integrity: v.dist.integrity, signatures: v.dist.signatures },
        keys,
        doc.time['1.0.0'],
      ).status;
      const theirs = await pacoteSays(`${name}@1.0.0`, { registry: registry.url, verifySignatures: true, ...keyOption(registry.url, keys) });
      table.push([signature, ours, theirs]);
    }
    assert.deepEqual(table, [
      ['valid', 'valid', 'ok'],
      ['invalid', 'invalid', 'EINTEGRITYSIGNATURE'],
      ['unknown-key', 'invalid', 'EMISSINGSIGNATUREKEY'],
      ['none', 'missing', 'ok'],
    ]);
  });
});

describe('pacote as an oracle: real npm attestations', function () {
  this.timeout(120_000);
  let dir: string;
  let npmKeys: RegistryKey[];
  let rootJSON: unknown;
  let keysJSON: unknown;
  const SHA512 = '282c0c5fa936d264321643581b65d3de5c0af6ed4fdfac12f5851115df39cc25cfaf0ad22d908487bfef30114d61c25746206d1834be4f8fd1659178f77cc004';
  const integrity = `sha512-${Buffer.from(SHA512, 'hex').toString('base64')}`;
  const VARIANTS = [
    'valid',
    'invalid',
    'malformed-subject',
    'mismatched-keyid',
    'mismatched-subject-digest',
    'mismatched-subject-name',
    'no-keyid',
    'unsupported',
  ];

  before(async function () {
    dir = requireSharedFixtures(this, 'sigstore');
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    rootJSON = read('public-good-trusted_root.json');
    keysJSON = read('npm-registry-keys.tuf.json');
    npmKeys = parseRegistryKeys(keysJSON);
  });

  for (const variant of VARIANTS) {
    // pacote checks the attestation's subject against the spec it was asked for, so each variant is served as
    // sigstore@0.4.0 (its real tarball digest) by a registry of its own.
    it(`${variant}: pacote and TrustLens reach the same verdict`, async function () {
      const response = JSON.parse(fs.readFileSync(path.join(dir, `sigstore@0.4.0.${variant}-attestations.json`), 'utf8'));
      const corpus = await new ScenarioBuilder({ registryKey: null })
        .package('sigstore')
        .version('0.4.0', { publishedAt: '2023-01-01T00:00:00.000Z', publisher: { name: 'bdehamer' }, integrityOverride: integrity, attestations: response })
        .build();
      const served = await startFixtureRegistry(corpus);
      try {
        const ours = await verifyAttestations({ name: 'sigstore', version: '0.4.0', integrity, response }, customTrustContext(rootJSON, keysJSON));
        const tufCache = tmp();
        writeLocalTufCache(tufCache, rootJSON);
        const theirs = await pacoteSays('sigstore@0.4.0', { registry: served.url, verifyAttestations: true, tufCache, ...keyOption(served.url, npmKeys) });
        assert.equal(ours.status === 'verified', theirs === 'ok', `TrustLens: ${ours.status} (${ours.reason ?? ''}); pacote: ${theirs}`);
        assert.equal(ours.status, variant === 'valid' ? 'verified' : 'invalid');
      } finally {
        await served.close();
      }
    });
  }
});

describe('pacote as an oracle: attestations from a local Sigstore (Fulcio CA, Rekor log)', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('every attested locked version: verified by TrustLens exactly when pacote accepts it', async () => {
    const dir = writeProject(scenario, registry.url);
    const report = await runCheck({
      projectDir: dir,
      registry: registry.url,
      now: new Date(NOW),
      trust: customTrustContext(scenario.sigstore.trustedRootJSON),
      env: isolatedNpmEnv(dir),
      advisories: { npm: false, osv: false },
      content: 'off',
    });
    const keys = parseRegistryKeys(await (await fetch(`${registry.url}-/npm/v1/keys`)).json());
    const tufCache = tmp();
    writeLocalTufCache(tufCache, scenario.sigstore.trustedRootJSON);
    const table: [string, string, string][] = [];
    for (const card of report.cards.filter((c) => c.provenance && c.provenance.status !== 'absent')) {
      const theirs = await pacoteSays(`${card.name}@${card.version}`, {
        registry: registry.url,
        verifyAttestations: true,
        tufCache,
        ...keyOption(registry.url, keys),
      });
      table.push([`${card.name}@${card.version}`, card.provenance!.status, theirs]);
    }
    assert.ok(table.length >= 5, JSON.stringify(table));
    assert.ok(table.some(([, ours]) => ours === 'verified') && table.some(([, ours]) => ours === 'invalid'), JSON.stringify(table));
    for (const [id, ours, theirs] of table) assert.equal(ours === 'verified', theirs === 'ok', `${id}: TrustLens ${ours}, pacote ${theirs}`);
  });
});
