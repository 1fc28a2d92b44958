import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAffected } from '../../../src/core/trust/affected';
import { loadOfflineOsv } from '../../../src/engine/advisories/osv-offline';
import { requireSharedFixtures } from '../../support/fixtures';

describe('offline OSV folder', () => {
  describe('the real records', () => {
    let dir = '';
    before(function () {
      dir = requireSharedFixtures(this, 'advisories/osv');
    });

    it('indexes every record by npm package name, without problems', async () => {
      const index = await loadOfflineOsv(dir);
      assert.deepEqual(index.problems, []);
      assert.equal(index.recordCount, 6);
      assert.deepEqual(index.packageNames, ['@ctrl/tinycolor', '@redhat-cloud-services/chrome', 'chalk', 'debug', 'minimist', 'nx']);
      assert.deepEqual(index.advisoriesFor('left-pad'), []);
    });

    it('chalk 5.6.1 is malware, critical; 5.6.0 is not affected', async () => {
      const [chalk, ...rest] = (await loadOfflineOsv(dir)).advisoriesFor('chalk');
      assert.equal(rest.length, 0);
      assert.deepEqual([chalk.id, chalk.source, chalk.malware, chalk.severity], ['MAL-2025-46969', 'osv-offline', true, 'critical']);
      assert.equal(isAffected(chalk.affected, '5.6.1'), true);
      assert.equal(isAffected(chalk.affected, '5.6.0'), false);
    });

    it('@ctrl/tinycolor: every version affected, as the record\'s introduced "0" range says', async () => {
      const [tinycolor] = (await loadOfflineOsv(dir)).advisoriesFor('@ctrl/tinycolor');
      for (const v of ['0.0.1', '1.0.0', '3.6.0', '4.1.0', '4.1.1', '4.1.2', '4.1.3', '5.0.0-beta.1', '10.0.0']) {
        assert.equal(isAffected(tinycolor.affected, v), true, v);
      }
      assert.equal(tinycolor.malware, true);
    });

    it('minimist GHSA: critical, two ECOSYSTEM ranges [1.0.0, 1.2.6) and [0, 0.2.4)', async () => {
      const [minimist] = (await loadOfflineOsv(dir)).advisoriesFor('minimist');
      assert.deepEqual([minimist.id, minimist.severity, minimist.malware], ['GHSA-xvch-5gv4-984h', 'critical', false]);
      assert.deepEqual(minimist.aliases, ['CVE-2021-44906']);
      assert.equal(minimist.affected.kind, 'osv');
      const ranges = minimist.affected.kind === 'osv' ? minimist.affected.affected.flatMap((a) => a.ranges ?? []) : [];
      assert.deepEqual(ranges, [
        { type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { fixed: '1.2.6' }] },
        { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.2.4' }] },
      ]);
      const affected = ['0.0.1', '0.2.3', '0.2.4', '1.0.0', '1.2.5', '1.2.6', '1.2.8'].filter((v) => isAffected(minimist.affected, v));
      assert.deepEqual(affected, ['0.0.1', '0.2.3', '1.0.0', '1.2.5']);
    });
  });

  describe('a folder of mixed quality', () => {
    let dir = '';
    const write = (rel: string, content: unknown) => {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    };
    const record = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
      id,
      modified: '2025-01-01T00:00:00Z',
      summary: `${id} summary`,
      affected: [{ package: { ecosystem: 'npm', name }, versions: ['1.0.0'] }],
      ...extra,
    });

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-osv-'));
      write('npm/a/TEST-1.json', record('TEST-1', 'a'));
      write('npm/deep/er/still/TEST-2.json', record('TEST-2', 'b'));
      write('bundle.json', [record('TEST-3', 'a'), 42, record('TEST-4', 'c')]);
      write('pypi/PYSEC-1.json', { id: 'PYSEC-1', affected: [{ package: { ecosystem: 'PyPI', name: 'a' }, versions: ['1.0.0'] }] });
      write('withdrawn.json', record('TEST-5', 'a', { withdrawn: '2025-02-01T00:00:00Z' }));
      // The same id twice: the later `modified` wins.
      write('old/TEST-6.json', record('TEST-6', 'd', { modified: '2024-01-01T00:00:00Z', summary: 'old' }));
      write('new/TEST-6.json', record('TEST-6', 'd', { modified: '2025-06-01T00:00:00Z', summary: 'new' }));
      write('broken.json', '{ "id": "TEST-7", ');
      write('no-id.json', { summary: 'what is this' });
      write('README.md', '# not JSON, not read');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads nested files and arrays; collects problems instead of throwing', async () => {
      const index = await loadOfflineOsv(dir);
      assert.deepEqual(
        index.advisoriesFor('a').map((a) => a.id),
        ['TEST-1', 'TEST-3'],
      );
      assert.deepEqual(
        index.advisoriesFor('b').map((a) => a.id),
        ['TEST-2'],
      );
      assert.deepEqual(
        index.advisoriesFor('c').map((a) => a.id),
        ['TEST-4'],
      );
      assert.deepEqual(
        index.advisoriesFor('d').map((a) => a.title),
        ['new'],
      );
      assert.deepEqual(index.packageNames, ['a', 'b', 'c', 'd']);
      assert.deepEqual(index.problems.map((p) => [path.relative(dir, p.file), p.message.split(':')[0]]).sort(), [
        ['broken.json', 'invalid JSON'],
        ['bundle.json[1]', 'not an OSV record (no "id")'],
        ['no-id.json', 'not an OSV record (no "id")'],
      ]);
    });

    it('a missing folder is a problem, not an exception', async () => {
      const index = await loadOfflineOsv(path.join(dir, 'nope'));
      assert.equal(index.recordCount, 0);
      assert.equal(index.problems.length, 1);
      assert.match(index.problems[0].message, /cannot read folder/);
    });
  });
});
