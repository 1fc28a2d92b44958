import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CODES, FINDING_CODES } from '../../../src/core/trust/codes';
import { parsePolicy } from '../../../src/core/trust/policy';
import { PROJECT_ROOT } from '../../support/fixtures';

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8'));
const FIX = 'the lists are derived from src/core/trust/codes.ts: run `npm run sync-lists`';

describe('finding codes: one list, everything else held to it', () => {
  it('every code has an explanation and a README row with its severity', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    assert.deepEqual(Object.keys(CODES), [...FINDING_CODES]);
    for (const code of FINDING_CODES) {
      assert.ok(readme.includes(`<a id="${code}"></a>\`${code}\` | ${CODES[code].severity} |`), `README row for ${code}`);
    }
    const rows = [...readme.matchAll(/<a id="([a-z-]+)"><\/a>`\1` \|/g)].map((m) => m[1]);
    assert.deepEqual(rows.sort(), [...FINDING_CODES].sort(), 'the README table lists exactly the codes');
  });

  it('the settings trustlens.severity and trustlens.diagnosticSeverity accept exactly the codes', () => {
    const props = Object.assign({}, ...readJson('package.json').contributes.configuration.map((s: { properties: object }) => s.properties));
    assert.deepEqual(props['trustlens.severity'].propertyNames.enum, [...FINDING_CODES], FIX);
    assert.deepEqual(props['trustlens.diagnosticSeverity'].propertyNames.enum, [...FINDING_CODES], FIX);
  });

  it('the .trustlens.jsonc schema accepts exactly the codes the policy parser accepts', () => {
    const schema = readJson('media/trustlens.schema.json');
    assert.deepEqual(schema.properties.severity.propertyNames.enum, [...FINDING_CODES], FIX);
    assert.deepEqual(schema.properties.allow.items.properties.code.enum, [...FINDING_CODES], FIX);
    for (const code of FINDING_CODES) {
      const { policy, problems } = parsePolicy(JSON.stringify({ severity: { [code]: 'low' }, allow: [{ package: 'x', code, reason: 'r' }] }));
      // Lowering the findings that must never go quiet unseen is accepted, with a warning saying so.
      assert.deepEqual(
        problems.filter((p) => p.code !== 'policy-lowers'),
        [],
        code,
      );
      assert.equal(policy.severity[code], 'low');
      assert.equal(policy.allow[0].code, code);
    }
  });
});
