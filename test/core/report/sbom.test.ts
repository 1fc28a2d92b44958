import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { buildProject } from '../../../src/core/project';
import { type SbomInput, buildSbom, hexHashes, integrityVerdict } from '../../../src/core/report/sbom';
import { toCycloneDxJson } from '../../../src/core/report/sbom-cyclonedx';
import { toSpdx } from '../../../src/core/report/sbom-spdx';
import { DEFAULT_POLICY } from '../../../src/core/trust/policy';
import { loadProject } from '../../../src/engine/infra/project-files';
import { requireSharedFixtures } from '../../support/fixtures';

const NOW = new Date('2025-06-01T12:00:00Z');
const TOOL = { name: 'TrustLens', version: 'test' };

/** What a check of a project reports before any evidence: every version a gap (as `--offline` with an empty cache would). */
function unjudged(model: SbomInput['model']): SbomInput {
  return { model, cards: [], findings: [], allowed: [], notChecked: [], registries: [], resolution: 'locked', notes: [], policy: DEFAULT_POLICY };
}

/** One validator: it compiles the schema once. */
const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
async function valid(text: string): Promise<void> {
  const errors = await validator.validate(text);
  assert.equal(errors, null, JSON.stringify(errors)?.slice(0, 2000));
}

describe('SBOM (CycloneDX 1.6, SPDX 2.3)', function () {
  this.timeout(120_000);

  describe('real projects of every lockfile format validate, with the whole tree', () => {
    // Schema validation takes ~2 s per 1,000 components here: the biggest projects are checked for structure only.
    const projects: { name: string; dir: string; lockfile?: string; validate: boolean }[] = [
      { name: 'npm v3, 16 workspaces (npmcli)', dir: 'real/npmcli', validate: true },
      { name: 'npm v1, git and file: deps (atom)', dir: 'real/atom', validate: true },
      { name: 'npm-shrinkwrap v2 (netlify)', dir: 'real/netlify', validate: false },
      { name: 'yarn classic (generated small)', dir: 'generated/small', lockfile: 'yarn.lock', validate: true },
      { name: 'yarn classic, 3,999 packages (sentry)', dir: 'real/sentry', validate: false },
      { name: 'yarn berry, patch: entries (jest)', dir: 'real/jest', validate: true },
      { name: 'pnpm 9 with catalogs (vuecore)', dir: 'real/vuecore', validate: false },
      { name: 'pnpm 9, file: deps (vite)', dir: 'real/vite', validate: false },
      { name: 'pnpm 6 (vue2)', dir: 'real/vue2', validate: true },
      { name: 'pnpm 5.4 (vuecore54)', dir: 'real/vuecore54', validate: false },
    ];
    for (const p of projects) {
      it(p.name, async function () {
        const dir = path.join(requireSharedFixtures(this, 'lockfiles'), p.dir);
        const model = p.lockfile
          ? buildProject(dir, new Map(['package.json', p.lockfile].map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')])))
          : await loadProject(dir);
        const lock = model.lockfile!;
        if (p.lockfile) assert.equal(lock.file, p.lockfile);
        const sbom = buildSbom(unjudged(model), { now: NOW, tool: TOOL });
        const text = toCycloneDxJson(sbom, { serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79' });
        if (p.validate) await valid(text);
        const bom = JSON.parse(text);
        // Every lockfile entry is in some component; registry name@versions are one component each.
        const ids = new Set(sbom.components.flatMap((c) => c.ids));
        assert.equal(ids.size, lock.packages.length, 'every entry');
        const refs = new Set(bom.components.map((c: { 'bom-ref': string }) => c['bom-ref']));
        assert.equal(refs.size, bom.components.length, 'bom-refs are unique');
        for (const d of bom.dependencies) for (const to of d.dependsOn ?? []) assert.ok(refs.has(to), `${d.ref} → ${to}`);
        // The workspaces are components, and the root depends on them.
        const root = bom.dependencies.find((d: { ref: string }) => d.ref === 'root');
        assert.equal(sbom.workspaces.length, lock.importers.filter((i) => i.id !== '.').length);
        for (const w of sbom.workspaces) assert.ok(root.dependsOn.includes(w.ref));
        // Nothing was judged here: it says so on every registry component, never "verified" or "match".
        for (const c of sbom.components.filter((x) => x.source === 'registry')) {
          assert.equal(c.status, 'not-judged');
          assert.ok(c.integrity.status === 'unknown' || c.integrity.status === 'not-locked', c.integrity.status);
        }
        const spdx = toSpdx(sbom, { documentNamespace: 'urn:uuid:x' }) as { packages: unknown[] };
        assert.equal(spdx.packages.length, 1 + sbom.workspaces.length + sbom.components.length);
      });
    }
  });

  it('hostile lockfile text: names, versions and hashes that fit no format are data, and the BOM still validates', async () => {
    const lock = {
      name: 'app',
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', dependencies: { 'x y': '1', '@evil/"quote': '1', é: '1' } },
        'node_modules/x y': { version: '1.0.0\u0000<script>', resolved: 'javascript:alert(1)', integrity: 'sha512-AAAA sha1-!!!! md5-abc' },
        'node_modules/@evil/"quote': {
          version: '1.0.0',
          resolved: 'https://registry.npmjs.org/@evil/"quote/-/q-1.0.0.tgz',
          integrity: `sha512-${Buffer.alloc(64, 1).toString('base64')}`,
        },
        'node_modules/é': { version: '2.0.0+build', integrity: `sha256-${Buffer.alloc(32, 2).toString('base64')}` },
      },
    };
    const model = buildProject(
      '/p',
      new Map([
        ['package.json', JSON.stringify({ name: 'app', dependencies: { 'x y': '1', '@evil/"quote': '1', é: '1' } })],
        ['package-lock.json', JSON.stringify(lock)],
      ]),
    );
    const sbom = buildSbom(unjudged(model), { now: NOW, tool: TOOL });
    await valid(toCycloneDxJson(sbom));
    const quote = sbom.components.find((c) => c.name === '@evil/"quote')!;
    assert.equal(quote.scope, '@evil');
    assert.equal(quote.hashes.length, 1);
    const xy = sbom.components.find((c) => c.name === 'x y')!;
    assert.deepEqual(xy.hashes, [], 'a digest of the wrong length is not a hash');
  });

  it('hex hashes and the integrity verdict compare as the integrity rule does', () => {
    const a = Buffer.alloc(64, 1).toString('base64');
    const b = Buffer.alloc(64, 2).toString('base64');
    const sha1 = Buffer.alloc(20, 3);
    assert.deepEqual(hexHashes(`sha512-${a} sha1-${sha1.toString('base64')}`), [
      { algorithm: 'SHA-512', hex: '01'.repeat(64) },
      { algorithm: 'SHA-1', hex: '03'.repeat(20) },
    ]);
    assert.equal(integrityVerdict(`sha512-${a}`, { integrity: `sha512-${a}` }, true).status, 'match');
    assert.equal(integrityVerdict(`sha512-${a}`, { integrity: `sha512-${b}` }, true).status, 'mismatch');
    assert.equal(integrityVerdict(`sha1-${sha1.toString('base64')}`, { shasum: sha1.toString('hex') }, true).status, 'match');
    assert.equal(integrityVerdict(`sha512-${a}`, { shasum: sha1.toString('hex') }, true).status, 'not-comparable');
    assert.equal(integrityVerdict(`sha512-${a}`, { integrity: `sha512-${a}` }, false).status, 'unknown', 'never "match" without the registry read');
    assert.equal(integrityVerdict(undefined, { integrity: `sha512-${a}` }, true).status, 'not-locked');
  });
});
