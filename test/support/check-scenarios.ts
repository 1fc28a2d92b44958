/**
 * A corpus of generated packages, one or more per finding code, with real cryptography (registry ECDSA key,
 * Sigstore bundles from a local mock Fulcio/Rekor), and a project whose package-lock.json installs them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RegistryCorpus, ScenarioBuilder, generateRegistryKey, tarballPath } from '../fixtures/registry/corpus';
import type { CheckOptions } from '../../src/engine/check/run-check';
import { customTrustContext } from '../../src/engine/sigstore/trust-root';
import { isolatedNpmEnv } from './npm-env';
import { type SigstoreTestEnv, createSigstoreTestEnv } from './sigstore-scenarios';

/** Every check is evaluated as of this instant. */
export const NOW = '2025-06-01T12:00:00.000Z';
const day = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();

export const alice = { name: 'alice', email: 'alice@example.com' };
export const mallory = { name: 'mallory', email: 'mallory@evil.example' };
const actions = (repo: string) => ({
  name: 'GitHub Actions',
  email: 'npm-oidc-no-reply@github.com',
  trustedPublisher: { id: 'github', oidcConfigId: `oidc:${repo}` },
});

export interface Scenario {
  corpus: RegistryCorpus;
  sigstore: SigstoreTestEnv;
  /** name → locked version */
  locked: Record<string, string>;
}

export async function buildScenario(): Promise<Scenario> {
  const key = generateRegistryKey();
  const sigstore = await createSigstoreTestEnv({ npmKey: key });
  const claims = (repo: string, ref: string, workflowPath = '.github/workflows/release.yml') => ({ repository: repo, ref, workflowPath, sha: 'a'.repeat(40) });
  const b = new ScenarioBuilder({
    registryKey: key,
    attest: (i) =>
      sigstore.attest({
        name: i.name,
        version: i.version,
        integritySha512Hex: i.integritySha512Hex,
        repository: String(i.repository),
        workflowPath: String(i.workflowPath),
        ref: String(i.ref),
        sha: String(i.sha),
      }),
  });
  const trusted = (repo: string, version: string, when: number, workflow?: string, ref = `refs/tags/v${version}`) => ({
    publishedAt: day(when),
    publisher: actions(repo),
    attest: 'provenance' as const,
    attestClaims: claims(repo, ref, workflow),
  });

  // Clean history, provenance from tags by one workflow: nothing to say.
  b.package('good-lib')
    .version('1.0.0', trusted('o/good-lib', '1.0.0', 300))
    .version('1.1.0', trusted('o/good-lib', '1.1.0', 200))
    .version('1.2.0', trusted('o/good-lib', '1.2.0', 100));
  // A new account publishes a patch release.
  b.package('hijacked')
    .version('1.0.0', { publishedAt: day(300), publisher: alice })
    .version('1.1.0', { publishedAt: day(200), publisher: alice })
    .version('1.1.1', { publishedAt: day(20), publisher: mallory, maintainers: [alice, mallory] });
  // Trusted publishing, then a token publish without provenance.
  b.package('downgrade')
    .version('2.0.0', trusted('o/downgrade', '2.0.0', 90))
    .version('2.0.1', trusted('o/downgrade', '2.0.1', 60))
    .version('2.0.2', { publishedAt: day(30), publisher: alice });
  // Provenance from another repository; from another workflow; from a branch.
  b.package('moved')
    .version('1.0.0', trusted('o/moved', '1.0.0', 90))
    .version('1.0.1', trusted('evil/moved', '1.0.1', 30));
  b.package('rewired')
    .version('1.0.0', trusted('o/rewired', '1.0.0', 90))
    .version('1.0.1', trusted('o/rewired', '1.0.1', 30, '.github/workflows/other.yml'));
  b.package('branchy')
    .version('1.0.0', trusted('o/branchy', '1.0.0', 90))
    .version('1.0.1', trusted('o/branchy', '1.0.1', 30, undefined, 'refs/heads/main'));
  // Attestations whose subject digest is not this tarball's.
  b.package('forged').version('1.0.0', { publishedAt: day(90), publisher: alice });
  // Registry signatures: wrong, and absent although the registry signs.
  b.package('bad-sig').version('1.0.0', { publishedAt: day(90), publisher: alice, signature: 'invalid' });
  b.package('no-sig').version('1.0.0', { publishedAt: day(90), publisher: alice, signature: 'none' });
  // A release that adds a postinstall; the one after keeps it.
  b.package('scripted')
    .version('1.0.0', { publishedAt: day(90), publisher: alice })
    .version('1.0.1', { publishedAt: day(30), publisher: alice, scripts: { postinstall: 'node setup.js' }, files: { 'setup.js': 'console.log(1)\n' } })
    .version('1.0.2', { publishedAt: day(20), publisher: alice, scripts: { postinstall: 'node setup.js' }, files: { 'setup.js': 'console.log(1)\n' } });
  b.package('native')
    .version('3.0.0', { publishedAt: day(90), publisher: alice, scripts: { install: 'node-gyp rebuild' } })
    .version('3.0.1', { publishedAt: day(60), publisher: alice, scripts: { install: 'node-gyp rebuild' } });
  // Published an hour before NOW.
  b.package('fresh')
    .version('1.0.0', { publishedAt: day(90), publisher: alice })
    .version('1.1.0', { publishedAt: new Date(Date.parse(NOW) - 3600_000).toISOString(), publisher: alice });
  b.package('tampered').version('1.0.0', { publishedAt: day(90), publisher: alice });
  b.package('gone').version('1.0.0', { publishedAt: day(90), publisher: alice });
  b.package('old').version('0.9.0', { publishedAt: day(400), publisher: alice, deprecated: 'use new-thing' });
  b.package('offsite').version('1.0.0', { publishedAt: day(90), publisher: alice });
  b.package('malicious')
    .version('4.0.0', { publishedAt: day(90), publisher: alice })
    .version('4.0.1', { publishedAt: day(10), publisher: alice });
  b.package('vulnerable')
    .version('1.0.0', { publishedAt: day(200), publisher: alice })
    .version('1.0.5', { publishedAt: day(100), publisher: alice });
  b.advisory('vulnerable', { vulnerable_versions: '<1.0.5', severity: 'moderate', title: 'Regular expression denial of service' });
  b.advisory('malicious', { vulnerable_versions: '4.0.1', severity: 'critical', title: 'Malicious code in malicious', cwe: ['CWE-506'] });
  const corpus = await b.build();

  // `forged`: properly signed attestations that describe another tarball.
  const forged = corpus.packuments.get('forged')!.versions['1.0.0'];
  const sha512hex = Buffer.from(forged.dist.integrity!.slice('sha512-'.length), 'base64').toString('hex');
  const bad = await sigstore.tamper.subjectDigest({
    name: 'forged',
    version: '1.0.0',
    integritySha512Hex: sha512hex,
    ...claims('o/forged', 'refs/tags/v1.0.0'),
  });
  corpus.attestations.set('forged@1.0.0', bad);
  forged.dist.attestations = {
    url: 'https://registry.invalid/-/npm/v1/attestations/forged@1.0.0',
    provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
  };

  const locked: Record<string, string> = {
    'good-lib': '1.2.0',
    hijacked: '1.1.1',
    downgrade: '2.0.2',
    moved: '1.0.1',
    rewired: '1.0.1',
    branchy: '1.0.1',
    forged: '1.0.0',
    'bad-sig': '1.0.0',
    'no-sig': '1.0.0',
    scripted: '1.0.1',
    native: '3.0.1',
    fresh: '1.1.0',
    tampered: '1.0.0',
    gone: '9.9.9',
    old: '0.9.0',
    offsite: '1.0.0',
    malicious: '4.0.1',
    vulnerable: '1.0.0',
  };
  return { corpus, sigstore, locked };
}

/** Writes a project whose package.json depends on every scenario package and whose lockfile pins `locked`. */
export function writeProject(s: Scenario, registryUrl: string, locked = s.locked): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-check-'));
  const dependencies = Object.fromEntries(Object.keys(locked).map((n) => [n, `^${locked[n].split('.')[0]}.0.0`]));
  // ^0.0.0 would not allow 0.9.0. Only when locked: a dependency the lockfile lacks is "lockfile out of date".
  if (locked.old) dependencies.old = '~0.9.0';
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies } };
  for (const [name, version] of Object.entries(locked)) {
    const doc = s.corpus.packuments.get(name)?.versions[version];
    let resolved = `${registryUrl}${tarballPath(name, version).slice(1)}`;
    let integrity = doc?.dist.integrity ?? 'sha512-AAAA';
    if (name === 'tampered') integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    if (name === 'offsite') resolved = `https://evil.example/offsite/-/offsite-${version}.tgz`;
    packages[`node_modules/${name}`] = { version, resolved, integrity, ...(doc?.hasInstallScript ? { hasInstallScript: true } : {}) };
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies }, null, 2));
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  return dir;
}

/** How the engine tests check a scenario project: at NOW, against `registryUrl`, with the scenario's trusted root and npm advisories, npm's config isolated. */
export function scenarioCheck(s: Scenario, registryUrl: string, projectDir: string): CheckOptions {
  return {
    projectDir,
    registry: registryUrl,
    now: new Date(NOW),
    trust: customTrustContext(s.sigstore.trustedRootJSON),
    env: isolatedNpmEnv(projectDir),
    advisories: { npm: true, osv: false },
  };
}
