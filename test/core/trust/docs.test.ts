import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CODES } from '../../../src/core/trust/codes';
import { FINDING_CODES } from '../../../src/core/trust/policy';
import { PROJECT_ROOT } from '../../support/fixtures';

describe('finding codes are documented', () => {
  it('every code has an explanation, a README anchor and a policy name', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    assert.deepEqual(Object.keys(CODES).sort(), [...FINDING_CODES].sort());
    for (const code of FINDING_CODES) {
      assert.ok(readme.includes(`<a id="${code}"></a>\`${code}\` | ${CODES[code].severity} |`), `README row for ${code}`);
    }
  });
});
