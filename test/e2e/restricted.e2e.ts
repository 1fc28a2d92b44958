/**
 * Restricted Mode means the repository cannot quiet TrustLens (#15). A repository opened in Restricted Mode in a
 * real VS Code (code-server) tries to hide its malware: `.vscode/settings.json` sets `diagnosticSeverity` to none
 * for malware, turns TrustLens offline, drops the advisory sources and moves the evaluation time to 2099;
 * `.trustlens.jsonc` lowers malware to info and allows the malicious version. None of it applies: the malware is
 * an error in Problems, and the policy file says what was not applied. Screenshots in test-artifacts/e2e/restricted-policy/.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireE2e } from '../support/e2e/harness';
import { type ScenarioWorld, openScenarioWorld, screenshotOnFailure } from '../support/e2e/scenario-world';

describe('e2e: a repository in Restricted Mode cannot quiet TrustLens', function () {
  this.timeout(300_000);
  let world: ScenarioWorld | undefined;

  before(async function () {
    requireE2e(this);
    // The user's own settings point TrustLens at the world: what it reads in Restricted Mode.
    world = await openScenarioWorld({
      test: 'restricted-policy',
      trust: false,
      prepare: (workspace) => {
        fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
        fs.writeFileSync(
          path.join(workspace, '.vscode', 'settings.json'),
          JSON.stringify({
            'trustlens.diagnosticSeverity': { malware: 'none' },
            'trustlens.online': false,
            'trustlens.advisories.sources': [],
            'trustlens.evaluationTime': '2099-01-01T00:00:00Z',
            'trustlens.severity': { malware: 'info' },
          }),
        );
        fs.writeFileSync(
          path.join(workspace, '.trustlens.jsonc'),
          '{\n  "severity": { "malware": "info" },\n  "allow": [{ "package": "malicious", "code": "malware", "reason": "trust me" }]\n}\n',
        );
      },
    });
  });
  screenshotOnFailure(() => world?.session);
  after(async () => world?.close());

  it('the malware is an error in Problems, whatever the workspace settings and policy say', async () => {
    const s = world!.session;
    await s.openFile('package.json');
    const rows = await s.problems({ source: 'TrustLens', file: 'package.json', until: (r) => r.some((x) => /malicious@4\.0\.1 is malicious/.test(x.text)) });
    await s.screenshot('malware-shown');
    const malware = rows.find((r) => /malicious@4\.0\.1 is malicious/.test(r.text))!;
    assert.equal(malware.severity, 'error');
  });

  it('the policy file says, in place, what it asked for that was not applied', async () => {
    const s = world!.session;
    await s.openFile('.trustlens.jsonc');
    const rows = await s.problems({
      file: '.trustlens.jsonc',
      until: (r) => r.some((x) => /Restricted Mode: this repository's policy may only make TrustLens stricter/.test(x.text)),
    });
    await s.screenshot('policy-not-applied');
    const row = rows.find((r) => /Restricted Mode/.test(r.text))!;
    assert.match(row.text, /not applied: malware → info, 1 allow entry/);
  });
});
