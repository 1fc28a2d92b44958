/**
 * TrustLens as a person uses it, in a real VS Code (code-server) against the local fixture registry: problems in
 * package.json and the lockfile, the hover trust card, the "Pin … (last trusted)" quick fix, and Restricted Mode.
 * Screenshots of each step go to test-artifacts/e2e/<test>/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScenarioBuilder } from '../fixtures/registry/corpus';
import { type FixtureRegistry, startFixtureRegistry } from '../fixtures/registry/server';
import { type CodeServerSession, makeTempDir, requireE2e, startCodeServer, waitFor } from '../support/e2e/harness';
import { type ScenarioWorld, openScenarioWorld, screenshotOnFailure } from '../support/e2e/scenario-world';

describe('e2e: TrustLens findings in a real VS Code', function () {
  this.timeout(300_000);
  let world: ScenarioWorld | undefined;
  let workspace: string;

  before(async function () {
    requireE2e(this);
    world = await openScenarioWorld({ test: 'trust' });
    ({ workspace } = world);
  });
  screenshotOnFailure(() => world?.session);
  after(async () => world?.close());

  it('opening package.json shows the expected TrustLens problems on the dependencies', async () => {
    const s = world!.session;
    await s.openFile('package.json');
    const rows = await s.problems({
      source: 'TrustLens',
      file: 'package.json',
      until: (r) => r.some((x) => /findings for downgrade@2\.0\.2: weaker trust evidence/.test(x.text)),
    });
    await s.screenshot('package-json-problems');
    const text = rows.map((r) => r.text).join('\n');
    assert.match(text, /malicious@4\.0\.1 is malicious/);
    assert.match(text, /The provenance of forged@1\.0\.0 does not verify/);
    assert.match(text, /moved@1\.0\.1 was built from https:\/\/github\.com\/evil\/moved/);
    assert.match(text, /scripted@1\.0\.1 adds a postinstall script/);
    assert.ok(!rows.some((r) => /good-lib/.test(r.text)), 'the clean package has no problem');
    const downgrade = rows.find((r) => /findings for downgrade@2\.0\.2: weaker trust evidence/.test(r.text))!;
    const manifest = fs.readFileSync(path.join(workspace, 'package.json'), 'utf8');
    assert.equal(downgrade.line, manifest.split('\n').findIndex((l) => l.includes('"downgrade"')) + 1);
    assert.equal(downgrade.severity, 'error');
  });

  it('a lockfile shows its diagnostic on the line of the flagged entry', async () => {
    const s = world!.session;
    await s.openFile('package-lock.json');
    const rows = await s.problems({ source: 'TrustLens', file: 'package-lock.json', until: (r) => r.some((x) => /tampered@1\.0\.0 differs/.test(x.text)) });
    await s.screenshot('lockfile-problems');
    const lock = fs.readFileSync(path.join(workspace, 'package-lock.json'), 'utf8');
    const row = rows.find((r) => /tampered@1\.0\.0 differs/.test(r.text))!;
    assert.equal(row.line, lock.split('\n').findIndex((l) => l.includes('"node_modules/tampered"')) + 1);
  });

  it('hovering a dependency shows its trust card', async () => {
    const s = world!.session;
    await s.openFile('package.json');
    const card = await s.hoverOn('"good-lib"', { contains: /Provenance/ });
    await s.screenshot('hover-good-lib');
    assert.match(card, /good-lib@1\.2\.0/);
    assert.match(card, /verified — https:\/\/github\.com\/o\/good-lib/);
    assert.match(card, /Registry signature: valid/);
    const bad = await s.hoverOn('"downgrade"', { contains: /Safe version/ });
    await s.screenshot('hover-downgrade');
    assert.match(bad, /Weaker trust evidence than earlier releases/);
    assert.match(bad, /Safe version: 2\.0\.1/);
  });

  it('"Pin … (the last trusted release)" changes package.json to the safe version', async () => {
    const s = world!.session;
    await s.openFile('package.json');
    await s.quickFix('"downgrade"', 'Pin downgrade to 2.0.1 (the last trusted release)');
    const text = await s.editorText();
    await s.screenshot('after-pin');
    assert.match(text, /"downgrade": "2\.0\.1"/);
    assert.match(text, /"malicious": "\^4\.0\.0"/, 'nothing else changed');
    // Judged as typed (#13): the pinned range is not what the lockfile locks until an install, and says so; the
    // version it resolves to (2.0.1) is judged on that line, the locked 2.0.2 in the lockfile only.
    const rows = await s.problems({
      source: 'TrustLens',
      file: 'package.json',
      until: (r) => r.some((x) => /Lockfile out of date — package-lock\.json locks downgrade@2\.0\.2, which "2\.0\.1" does not allow/.test(x.text)),
    });
    await s.screenshot('after-pin-lockfile-out-of-date');
    assert.ok(!rows.some((x) => /findings for downgrade@2\.0\.2/.test(x.text)), JSON.stringify(rows.map((r) => r.text)));
  });
});

describe('e2e: Restricted Mode', function () {
  this.timeout(300_000);
  let pub: FixtureRegistry;
  let company: FixtureRegistry;
  let session: CodeServerSession | undefined;

  before(async function () {
    requireE2e(this);
    const publicCorpus = new ScenarioBuilder({ registryKey: null });
    publicCorpus.package('left-pad').version('1.3.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'a' } });
    const companyCorpus = new ScenarioBuilder({ registryKey: null });
    companyCorpus.package('@acme/secret').version('1.0.0', { publishedAt: '2024-01-01T00:00:00Z', publisher: { name: 'acme' } });
    pub = await startFixtureRegistry(await publicCorpus.build());
    company = await startFixtureRegistry(await companyCorpus.build());
    const workspace = makeTempDir('trustlens-restricted-');
    // The repository's own .npmrc tries to send the @acme scope (and a token) to a registry of its choosing.
    fs.writeFileSync(path.join(workspace, '.npmrc'), `@acme:registry=${company.url}\n//${new URL(company.url).host}/:_authToken=stolen\n`);
    const deps = { 'left-pad': '^1.3.0', '@acme/secret': '^1.0.0' };
    fs.writeFileSync(path.join(workspace, 'package.json'), JSON.stringify({ name: 'untrusted', dependencies: deps }, null, 2));
    fs.writeFileSync(
      path.join(workspace, 'package-lock.json'),
      JSON.stringify(
        {
          lockfileVersion: 3,
          packages: {
            '': { dependencies: deps },
            'node_modules/left-pad': { version: '1.3.0', resolved: `${pub.url}left-pad/-/left-pad-1.3.0.tgz` },
            'node_modules/@acme/secret': { version: '1.0.0', resolved: `${company.url}@acme/secret/-/secret-1.0.0.tgz` },
          },
        },
        null,
        2,
      ),
    );
    session = await startCodeServer({
      workspace,
      trust: false,
      test: 'restricted-mode',
      settings: { 'trustlens.registry': pub.url, 'trustlens.advisories.sources': [] },
    });
  });

  after(async () => {
    await session?.close();
    await pub?.close();
    await company?.close();
  });

  it("ignores the repository's .npmrc: the scan asks the configured registry, never the repository's, and sends private names nowhere", async () => {
    const s = session!;
    await s.waitForExtension('trustlens.trustlens');
    await s.openFile('package.json');
    // The extension logs each finished scan ("<folder>: 2 packages, 1 findings, ..."): wait for that, not for time.
    await waitFor('the Restricted Mode scan to finish', () => /: \d+ packages, \d+ findings/.test(s.extensionLog('TrustLens')), 60_000);
    await s.screenshot('restricted-scan');
    assert.ok(
      pub.requests.some((r) => r.url === '/left-pad'),
      'the scan ran against the configured registry',
    );
    // The name the ignored .npmrc routes to a registry of its own is asked of nobody (a private name, #13)…
    assert.ok(!pub.requests.some((r) => r.url.includes('acme')), 'the private scoped name was sent nowhere');
    assert.equal(company.requests.length, 0, "the repository's registry was never asked");
    // …and said once: not checked until the folder is trusted.
    const rows = await s.problems({ source: 'TrustLens', file: 'package.json', until: (r) => r.some((x) => /not checked in Restricted Mode/.test(x.text)) });
    assert.equal(rows.filter((r) => /not checked in Restricted Mode/.test(r.text)).length, 1, JSON.stringify(rows));
    assert.match(
      rows.find((r) => /not checked in Restricted Mode/.test(r.text))!.text,
      /1 package not checked in Restricted Mode — trust the folder to check them/,
    );
    assert.ok(
      pub.requests.every((r) => r.headers.authorization === undefined),
      "the repository's token was never sent",
    );
    // The status item (its DOM id is "<extension id>.<item id>") shows the lock and says why.
    const status = await s.page.locator('[id="trustlens.trustlens.trustlens.status"]').getAttribute('aria-label');
    assert.match(status ?? '', /TrustLens.*lock/s);
    assert.match(status ?? '', /Restricted Mode: this workspace's \.npmrc is ignored/);
  });
});
