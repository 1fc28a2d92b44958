import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { NOW, type Scenario, buildScenario, writeProject } from '../../support/check-scenarios';
import { trustlens } from '../../support/cli';
import { isolatedNpmEnv } from '../../support/npm-env';

/** The official CycloneDX 1.6 JSON schema (strict), as the library ships it: offline, with ajv. */
async function validateCycloneDx(text: string): Promise<void> {
  const errors = await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(text);
  assert.equal(errors, null, `schema errors: ${JSON.stringify(errors, null, 1)?.slice(0, 3000)}`);
}

interface Property {
  name: string;
  value: string;
}
interface Component {
  'bom-ref': string;
  name: string;
  group?: string;
  version: string;
  purl?: string;
  scope?: string;
  publisher?: string;
  hashes?: { alg: string; content: string }[];
  externalReferences?: { type: string; url: string; comment?: string }[];
  properties?: Property[];
}
const prop = (c: { properties?: Property[] }, name: string) => c.properties?.find((p) => p.name === name)?.value;
const props = (c: { properties?: Property[] }, name: string) => (c.properties ?? []).filter((p) => p.name === name).map((p) => p.value);

describe('trustlens sbom (CLI)', function () {
  this.timeout(120_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;
  let rootFile: string;
  let env: NodeJS.ProcessEnv;
  let bomText: string;
  let bom: {
    components: Component[];
    dependencies: { ref: string; dependsOn?: string[] }[];
    vulnerabilities: Record<string, unknown>[];
    metadata: Record<string, unknown> & { properties: Property[]; component: { 'bom-ref': string } };
    compositions: unknown[];
  };
  const base = () => ['sbom', project, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile, '--cache-dir', path.join(project, 'cache')];
  const byName = (name: string) => {
    const c = bom.components.find((x) => x.name === name);
    assert.ok(c, `component ${name}`);
    return c;
  };

  before(async () => {
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
    rootFile = path.join(project, 'trusted-root.json');
    fs.writeFileSync(rootFile, JSON.stringify(scenario.sigstore.trustedRootJSON));
    env = isolatedNpmEnv(project);
    const out = path.join(project, 'bom.json');
    const r = await trustlens([...base(), '--output', out], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^trustlens: cyclonedx-json SBOM of 18 components written to .*bom\.json: \d+ vulnerabilities/m);
    bomText = fs.readFileSync(out, 'utf8');
    bom = JSON.parse(bomText);
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  it('validates against the official CycloneDX 1.6 schema', async () => {
    await validateCycloneDx(bomText);
    const doc = JSON.parse(bomText);
    assert.equal(doc.bomFormat, 'CycloneDX');
    assert.equal(doc.specVersion, '1.6');
    assert.match(doc.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal(doc.metadata.timestamp, NOW);
    assert.deepEqual(
      doc.metadata.tools.components.map((t: { name: string }) => t.name),
      ['TrustLens'],
    );
  });

  it('every locked package is a component with its lockfile hash, said to match the registry or not', () => {
    assert.equal(bom.components.length, Object.keys(scenario.locked).length);
    const good = byName('good-lib');
    const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
    const sri: string = lock.packages['node_modules/good-lib'].integrity;
    assert.deepEqual(good.hashes, [{ alg: 'SHA-512', content: Buffer.from(sri.slice('sha512-'.length), 'base64').toString('hex') }]);
    assert.equal(prop(good, 'trustlens:integrity'), 'match');
    assert.equal(prop(good, 'trustlens:integrity:algorithm'), 'sha512');
    assert.equal(good.purl, 'pkg:npm/good-lib@1.2.0?repository_url=' + encodeURIComponent(registry.url));
    assert.equal(good['bom-ref'], 'pkg:npm/good-lib@1.2.0');
    assert.equal(good.scope, 'required');
    const tampered = byName('tampered');
    assert.equal(prop(tampered, 'trustlens:integrity'), 'mismatch');
    assert.match(prop(tampered, 'trustlens:integrity:registry')!, /^sha512-/);
    assert.ok(good.externalReferences!.some((e) => e.type === 'distribution' && e.url.endsWith('good-lib-1.2.0.tgz')));
  });

  it('verified provenance in standard fields and properties: repository, commit, workflow, ref, trigger, log entry', () => {
    const good = byName('good-lib');
    assert.equal(prop(good, 'trustlens:provenance'), 'verified');
    assert.equal(prop(good, 'trustlens:provenance:source-repository'), 'https://github.com/o/good-lib');
    assert.equal(prop(good, 'trustlens:provenance:source-commit'), 'a'.repeat(40));
    assert.equal(prop(good, 'trustlens:provenance:source-ref'), 'refs/tags/v1.2.0');
    assert.equal(prop(good, 'trustlens:provenance:workflow'), '.github/workflows/release.yml');
    assert.equal(prop(good, 'trustlens:provenance:trigger'), 'push');
    assert.match(prop(good, 'trustlens:provenance:tlog:index')!, /^\d+$/);
    assert.match(prop(good, 'trustlens:provenance:tlog:integrated-time')!, /^\d{4}-\d\d-\d\dT/);
    assert.equal(prop(good, 'trustlens:provenance:trusted-root'), 'custom');
    const vcs = good.externalReferences!.find((e) => e.type === 'vcs');
    assert.equal(vcs?.url, 'https://github.com/o/good-lib');
    assert.match(vcs!.comment!, /refs\/tags\/v1\.2\.0 at a{40}/);
    assert.equal(prop(byName('forged'), 'trustlens:provenance'), 'invalid');
    assert.ok(prop(byName('forged'), 'trustlens:provenance:reason'));
    assert.equal(prop(byName('downgrade'), 'trustlens:provenance'), 'none');
  });

  it('registry signature verdict and key id; publisher; release age; install scripts', () => {
    const good = byName('good-lib');
    assert.equal(prop(good, 'trustlens:signature'), 'valid');
    assert.match(prop(good, 'trustlens:signature:keyid')!, /^SHA256:/);
    assert.equal(prop(byName('bad-sig'), 'trustlens:signature'), 'invalid');
    assert.equal(prop(byName('no-sig'), 'trustlens:signature'), 'missing');
    const hijacked = byName('hijacked');
    assert.equal(hijacked.publisher, 'mallory');
    assert.equal(prop(hijacked, 'trustlens:publisher'), 'mallory <mallory@evil.example>');
    assert.equal(prop(hijacked, 'trustlens:publisher:new'), 'true');
    assert.equal(prop(hijacked, 'trustlens:release-age-days'), '20');
    assert.equal(prop(hijacked, 'trustlens:published-at'), new Date(Date.parse(NOW) - 20 * 86_400_000).toISOString());
    assert.equal(prop(good, 'trustlens:publisher:trusted-publisher'), 'github');
    assert.equal(prop(byName('fresh'), 'trustlens:release-age-days'), '0');
    assert.equal(prop(byName('scripted'), 'trustlens:install-script:postinstall'), 'node setup.js');
  });

  it('every finding with its code, severity, message and evidence', () => {
    const hijacked = byName('hijacked');
    const codes = props(hijacked, 'trustlens:finding:1:code').concat(props(hijacked, 'trustlens:finding:2:code'));
    assert.ok(codes.includes('publisher-changed'), codes.join());
    const n = codes.indexOf('publisher-changed') + 1;
    assert.match(prop(hijacked, `trustlens:finding:${n}:message`)!, /mallory/);
    assert.ok(props(hijacked, `trustlens:finding:${n}:evidence`).length > 0);
    assert.equal(prop(byName('good-lib'), 'trustlens:finding:1:code'), undefined, 'a clean version has no findings');
    assert.equal(prop(byName('good-lib'), 'trustlens:status'), 'judged');
  });

  it('advisories and findings at or above the threshold in vulnerabilities[], affecting bom-refs; malware marked', () => {
    type Vuln = {
      id: string;
      'bom-ref': string;
      cwes?: number[];
      ratings: { severity: string }[];
      affects: { ref: string; versions?: { version: string; status: string }[] }[];
      properties?: Property[];
    };
    const vulns = bom.vulnerabilities as unknown as Vuln[];
    const refs = new Set([...bom.components.map((c) => c['bom-ref']), bom.metadata.component['bom-ref']]);
    for (const v of vulns) for (const a of v.affects) assert.ok(refs.has(a.ref), `${v.id} affects ${a.ref}`);
    const malware = vulns.find((v) => v.affects.some((a) => a.ref === 'pkg:npm/malicious@4.0.1') && !v.id.startsWith('TRUSTLENS-'));
    assert.ok(malware, 'the malware advisory');
    assert.deepEqual(malware.cwes, [506]);
    assert.equal(prop(malware, 'trustlens:malware'), 'true');
    assert.equal(malware.ratings[0].severity, 'critical');
    assert.deepEqual(malware.affects[0].versions, [{ version: '4.0.1', status: 'affected' }]);
    const vulnerable = vulns.find((v) => v.affects.some((a) => a.ref === 'pkg:npm/vulnerable@1.0.0'));
    assert.ok(vulnerable, 'a moderate advisory is listed too (advisories are listed whatever their severity)');
    const invalid = vulns.find((v) => v.id === 'TRUSTLENS-provenance-invalid');
    assert.deepEqual(
      invalid?.affects.map((a) => a.ref),
      ['pkg:npm/forged@1.0.0'],
    );
    assert.equal(prop(invalid!, 'trustlens:code'), 'provenance-invalid');
    assert.ok(!vulns.some((v) => v.id === 'TRUSTLENS-publisher-changed'), 'medium is below the high threshold');
  });

  it('the dependency tree: root → direct dependencies', () => {
    const root = bom.dependencies.find((d) => d.ref === bom.metadata.component['bom-ref']);
    assert.equal(root?.dependsOn?.length, 18);
    assert.ok(root!.dependsOn!.includes('pkg:npm/good-lib@1.2.0'));
    assert.deepEqual(bom.compositions, [{ aggregate: 'complete', assemblies: ['root'], dependencies: ['root'] }]);
  });

  it('what was not judged is on the component and the metadata (never a false clean)', async () => {
    registry.faults.push({ match: /^\/scripted$/, action: { status: 500 } });
    try {
      const dir = writeProject(scenario, registry.url, { 'good-lib': '1.2.0', scripted: '1.0.1' });
      const r = await trustlens(
        ['sbom', dir, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile, '--no-content', '--cache-dir', path.join(dir, 'cache')],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /1 not checked in full/);
      await validateCycloneDx(r.stdout);
      const doc = JSON.parse(r.stdout);
      const scripted = doc.components.find((c: Component) => c.name === 'scripted');
      assert.equal(prop(scripted, 'trustlens:status'), 'not-judged');
      assert.match(prop(scripted, 'trustlens:not-checked')!, /^registry history: .*500/);
      assert.equal(prop(scripted, 'trustlens:provenance'), 'not-checked');
      assert.equal(prop(scripted, 'trustlens:signature'), 'not-checked');
      assert.equal(prop(scripted, 'trustlens:integrity'), 'unknown');
      assert.equal(prop(doc.metadata, 'trustlens:complete'), 'false');
      const incomplete = doc.vulnerabilities.find((v: { id: string }) => v.id === 'TRUSTLENS-check-incomplete');
      assert.deepEqual(
        incomplete.affects.map((a: { ref: string }) => a.ref),
        ['pkg:npm/scripted@1.0.1'],
      );
    } finally {
      registry.faults.splice(0);
    }
  });

  it('workspaces and nested packages: components, workspace components and the tree (npm v3)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-sbom-ws-'));
    const doc = (name: string, version: string) => scenario.corpus.packuments.get(name)!.versions[version].dist;
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'mono', version: '2.0.0', workspaces: ['packages/*'], dependencies: { 'good-lib': '^1.0.0' } }),
    );
    fs.mkdirSync(path.join(dir, 'packages/web'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'packages/web/package.json'), JSON.stringify({ name: '@mono/web', version: '0.1.0', dependencies: { native: '^3.0.0' } }));
    const entry = (name: string, version: string) => ({
      version,
      resolved: `${registry.url}${name}/-/${name}-${version}.tgz`,
      integrity: doc(name, version).integrity,
    });
    fs.writeFileSync(
      path.join(dir, 'package-lock.json'),
      JSON.stringify({
        name: 'mono',
        version: '2.0.0',
        lockfileVersion: 3,
        packages: {
          '': { name: 'mono', version: '2.0.0', workspaces: ['packages/*'], dependencies: { 'good-lib': '^1.0.0' } },
          'packages/web': { name: '@mono/web', version: '0.1.0', dependencies: { native: '^3.0.0' } },
          'node_modules/@mono/web': { resolved: 'packages/web', link: true },
          'node_modules/good-lib': entry('good-lib', '1.2.0'),
          'node_modules/native': { ...entry('native', '3.0.1'), hasInstallScript: true },
        },
      }),
    );
    const r = await trustlens(
      ['sbom', dir, '--registry', registry.url, '--now', NOW, '--trusted-root', rootFile, '--no-content', '--cache-dir', path.join(dir, 'cache')],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    await validateCycloneDx(r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.metadata.component.name, 'mono');
    const web = out.components.find((c: Component) => prop(c, 'trustlens:workspace-dir') === 'packages/web');
    assert.equal(web?.name, '@mono/web');
    const deps = new Map(out.dependencies.map((d: { ref: string; dependsOn?: string[] }) => [d.ref, d.dependsOn ?? []]));
    assert.ok((deps.get('root') as string[]).includes('pkg:npm/good-lib@1.2.0'));
    assert.ok((deps.get('root') as string[]).includes(web['bom-ref']));
    assert.deepEqual(deps.get(web['bom-ref']), ['pkg:npm/native@3.0.1']);
    const native = out.components.find((c: Component) => c.name === 'native');
    assert.deepEqual(props(native, 'trustlens:workspace'), ['packages/web']);
  });

  it('SPDX 2.3 JSON: packages with checksums and purls, DEPENDS_ON, evidence as annotations', async () => {
    const r = await trustlens([...base(), '--format', 'spdx-json'], env);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    assert.equal(doc.dataLicense, 'CC0-1.0');
    assert.equal(doc.SPDXID, 'SPDXRef-DOCUMENT');
    assert.match(doc.documentNamespace, /^urn:uuid:/);
    assert.equal(doc.creationInfo.created, '2025-06-01T12:00:00Z');
    for (const p of doc.packages) {
      assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
      for (const field of ['name', 'downloadLocation', 'licenseConcluded', 'copyrightText']) assert.ok(field in p, `${p.name}: ${field}`);
    }
    assert.equal(new Set(doc.packages.map((p: { SPDXID: string }) => p.SPDXID)).size, doc.packages.length);
    const good = doc.packages.find((p: { name: string }) => p.name === 'good-lib');
    assert.equal(good.checksums[0].algorithm, 'SHA512');
    assert.match(good.checksums[0].checksumValue, /^[0-9a-f]{128}$/);
    assert.ok(
      good.externalRefs.some(
        (e: { referenceType: string; referenceLocator: string }) => e.referenceType === 'purl' && e.referenceLocator === 'pkg:npm/good-lib@1.2.0',
      ),
    );
    const notes = good.annotations.map((a: { comment: string }) => a.comment);
    assert.ok(notes.includes('trustlens:provenance=verified'));
    assert.ok(notes.includes('trustlens:integrity=match'));
    const malicious = doc.packages.find((p: { name: string }) => p.name === 'malicious');
    assert.ok(
      malicious.externalRefs.some(
        (e: { referenceCategory: string; comment?: string }) => e.referenceCategory === 'SECURITY' && /malware/.test(e.comment ?? ''),
      ),
    );
    const ids = new Set(doc.packages.map((p: { SPDXID: string }) => p.SPDXID));
    for (const rel of doc.relationships) {
      assert.ok(rel.spdxElementId === 'SPDXRef-DOCUMENT' || ids.has(rel.spdxElementId));
      assert.ok(ids.has(rel.relatedSpdxElement));
    }
    assert.equal(doc.relationships.filter((x: { relationshipType: string }) => x.relationshipType === 'DEPENDS_ON').length, 18);
  });

  it('exit 2 on bad input, each with a one-line reason', async () => {
    const missing = path.join(os.tmpdir(), 'nope-trustlens-sbom');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-sbom-empty-'));
    for (const [args, reason] of [
      [['sbom', project, '--format', 'xml'], /--format must be cyclonedx-json or spdx-json, not "xml"/],
      [['sbom', project, '--now', 'yesterday'], /--now must be an ISO-8601 instant/],
      [['sbom', project, '--output', os.tmpdir()], /--output .* is a directory/],
      [['sbom', project, '--trusted-root', missing], /--trusted-root .* cannot be read \(ENOENT\)/],
      [['sbom', project, '--fail-on', 'high'], /unknown option --fail-on/],
      [['sbom', missing], /is not a directory/],
      [['sbom', empty, '--offline'], /no package\.json or lockfile in/],
    ] as const) {
      const r = await trustlens([...args], env);
      assert.equal(r.code, 2, args.join(' ') + r.stderr);
      assert.match(r.stderr, reason);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    }
  });
});
