import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { npmNameProblem } from '../../src/core/package-name';
import { requireSharedFixtures } from '../support/fixtures';

/** npm's own rule (validForOldPackages), the oracle: the same answer for every name. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validate = require('validate-npm-package-name') as (name: string) => { validForOldPackages: boolean };
const npmAccepts = (name: string) => validate(name).validForOldPackages;

describe('package names as npm accepts them', () => {
  const names = [
    'lodash',
    'JSONStream',
    'left-pad',
    'a',
    '@babel/core',
    '@types/node',
    'http',
    'node-fetch',
    'ゆ',
    'x'.repeat(300),
    "lodash'",
    'a(b)',
    'a~b',
    'a!b',
    'a*b',
    '',
    '.',
    '..',
    '.hidden',
    '_private',
    ' lead',
    'trail ',
    'node_modules',
    'favicon.ico',
    'a/b',
    'a/../b',
    '../evil',
    '@scope/..',
    '@scope/.x',
    '@scope/_x',
    '@/x',
    '@scope/',
    '@scope',
    '@a/b/c',
    'a b',
    'a%2fb',
    'a?b',
    'a#b',
    'a\\b',
    'a\nb',
    '@sc ope/x',
    '%2e%2e',
    'a:b',
  ];
  for (const name of names) {
    it(`${JSON.stringify(name.slice(0, 30))}: ${npmAccepts(name) ? 'accepted' : 'refused'}, as npm does`, () => {
      assert.equal(npmNameProblem(name) === undefined, npmAccepts(name), npmNameProblem(name));
    });
  }

  it('every name of the real packuments is accepted', function () {
    const dir = requireSharedFixtures(this, 'packuments');
    const seen = fs.readdirSync(dir).flatMap((f) => {
      try {
        return [JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).name as string];
      } catch {
        return [];
      }
    });
    assert.ok(seen.length > 1000);
    assert.deepEqual(
      seen.filter((n) => typeof n === 'string' && npmNameProblem(n) !== undefined),
      [],
    );
  });
});
