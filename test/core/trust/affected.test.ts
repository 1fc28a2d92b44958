import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  advisoriesFromOsv,
  advisoryFromOsv,
  cvss2BaseScore,
  cvss3BaseScore,
  isAffected,
  isMalwareRecord,
  severityFromLabel,
  severityFromOsv,
  type OsvRecord,
} from '../../../src/core/trust/affected';
import type { AffectedVersions } from '../../../src/core/trust/types';
import { requireSharedFixtures } from '../../support/fixtures';

type Events = Record<string, string>[];
const range = (events: Events, type = 'SEMVER'): AffectedVersions => ({ kind: 'osv', affected: [{ ranges: [{ type, events }] }] });
const semverRange = (r: string): AffectedVersions => ({ kind: 'semver', range: r });
/** Versions of `list` that `affected` says are affected. */
const hits = (affected: AffectedVersions, list: string[]) => list.filter((v) => isAffected(affected, v));

describe('isAffected: OSV ranges', () => {
  it('introduced (inclusive) and fixed (exclusive)', () => {
    const a = range([{ introduced: '1.0.0' }, { fixed: '1.2.6' }]);
    assert.deepEqual(hits(a, ['0.9.9', '1.0.0', '1.2.5', '1.2.6', '2.0.0']), ['1.0.0', '1.2.5']);
  });

  it('introduced "0" means from the very beginning; alone, every version', () => {
    assert.deepEqual(hits(range([{ introduced: '0' }, { fixed: '0.2.4' }]), ['0.0.0', '0.0.1-alpha', '0.2.3', '0.2.4']), ['0.0.0', '0.0.1-alpha', '0.2.3']);
    assert.deepEqual(hits(range([{ introduced: '0' }]), ['0.0.0-0', '1.0.0', '999.0.0']), ['0.0.0-0', '1.0.0', '999.0.0']);
  });

  it('last_affected is inclusive', () => {
    const a = range([{ introduced: '0' }, { last_affected: '2.1.214' }], 'ECOSYSTEM');
    assert.deepEqual(hits(a, ['1.0.0', '2.1.214', '2.1.215', '2.1.215-rc.1']), ['1.0.0', '2.1.214']);
  });

  it('limit caps the range (exclusive); "*" is infinity; several limits: below any of them', () => {
    assert.deepEqual(hits(range([{ introduced: '1.0.0' }, { limit: '2.0.0' }]), ['0.5.0', '1.5.0', '2.0.0', '3.0.0']), ['1.5.0']);
    assert.deepEqual(hits(range([{ introduced: '1.0.0' }, { limit: '*' }]), ['0.5.0', '1.5.0', '300.0.0']), ['1.5.0', '300.0.0']);
    const two = range([{ introduced: '1.0.0' }, { limit: '1.5.0' }, { limit: '3.0.0' }]);
    assert.deepEqual(hits(two, ['1.2.0', '2.0.0', '3.0.0']), ['1.2.0', '2.0.0']);
    // A limit below the fix still cuts.
    assert.deepEqual(hits(range([{ introduced: '0' }, { fixed: '2.0.0' }, { limit: '1.0.0' }]), ['0.9.0', '1.5.0']), ['0.9.0']);
  });

  it('several introduced/fixed pairs in one range (the spec example)', () => {
    const a = range([{ introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }]);
    assert.deepEqual(hits(a, ['0.1.0', '1.0.0', '1.0.1', '1.0.2', '2.0.0', '3.0.0', '3.2.4', '3.2.5']), ['1.0.0', '1.0.1', '3.0.0', '3.2.4']);
  });

  it('sorts events by version before evaluating them', () => {
    const sorted = range([{ introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }]);
    const shuffled = range([{ fixed: '3.2.5' }, { introduced: '3.0.0' }, { fixed: '1.0.2' }, { introduced: '1.0.0' }]);
    const versions = ['0.1.0', '1.0.0', '1.0.1', '1.0.2', '2.0.0', '3.0.0', '3.2.4', '3.2.5', '4.0.0'];
    assert.deepEqual(hits(shuffled, versions), hits(sorted, versions));
    // Unsorted, evaluated in file order, "fixed 1.0.2" would be overridden by a later "introduced 0".
    assert.deepEqual(hits(range([{ fixed: '1.0.2' }, { introduced: '0' }]), ['1.0.1', '1.0.2']), ['1.0.1']);
    // Numeric, not lexical, order: 1.10.0 comes after 1.9.0.
    assert.deepEqual(hits(range([{ fixed: '1.10.0' }, { introduced: '1.9.0' }]), ['1.9.5', '1.10.0']), ['1.9.5']);
  });

  it('ranges OR together, as do entries; versions lists match exactly', () => {
    const a: AffectedVersions = {
      kind: 'osv',
      affected: [
        {
          ranges: [
            { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.1.0' }] },
            { type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { fixed: '2.1.0' }] },
          ],
        },
        { versions: ['5.0.0', '6.0.0+build.7'] },
      ],
    };
    assert.deepEqual(hits(a, ['1.0.5', '1.5.0', '2.0.5', '5.0.0', '5.0.1', '6.0.0']), ['1.0.5', '2.0.5', '5.0.0', '6.0.0']);
  });

  it('ignores GIT and unknown range types, and other ecosystems', () => {
    assert.equal(isAffected(range([{ introduced: '0' }], 'GIT'), '1.0.0'), false);
    assert.equal(isAffected(range([{ introduced: '0' }], 'WHATEVER'), '1.0.0'), false);
    const pypi: AffectedVersions = { kind: 'osv', affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, versions: ['1.0.0'] }] };
    assert.equal(isAffected(pypi, '1.0.0'), false);
  });

  it('prereleases order by semver precedence', () => {
    const a = range([{ introduced: '1.0.0' }, { fixed: '1.2.0' }]);
    // 1.0.0-beta precedes 1.0.0 (not yet introduced); 1.2.0-rc.1 precedes the fix (still affected).
    assert.deepEqual(hits(a, ['1.0.0-beta', '1.0.0', '1.2.0-rc.1', '1.2.0']), ['1.0.0', '1.2.0-rc.1']);
    const pre = range([{ introduced: '2.0.0-beta.2' }, { fixed: '2.0.0' }]);
    assert.deepEqual(hits(pre, ['2.0.0-alpha.9', '2.0.0-beta.1', '2.0.0-beta.2', '2.0.0-beta.10', '2.0.0-rc.1', '2.0.0']), [
      '2.0.0-beta.2',
      '2.0.0-beta.10',
      '2.0.0-rc.1',
    ]);
  });

  it('invalid versions and invalid events affect nothing and never throw', () => {
    const all = range([{ introduced: '0' }]);
    for (const v of ['', 'latest', '1.2', 'not-a-version', '1.0.0.0']) assert.equal(isAffected(all, v), false, v);
    assert.equal(isAffected(all, undefined as unknown as string), false);
    // An event with two kinds is invalid and skipped; so is one whose version is not semver.
    assert.equal(isAffected(range([{ introduced: '1.0.0', fixed: '2.0.0' }]), '1.5.0'), false);
    assert.deepEqual(hits(range([{ introduced: 'banana' }, { introduced: '1.0.0' }, { fixed: 'x.y' }]), ['0.1.0', '1.0.0', '9.0.0']), ['1.0.0', '9.0.0']);
    const junk = { kind: 'osv', affected: [null, 3, { ranges: 'x' }, { ranges: [null, { type: 'SEMVER', events: 'nope' }] }] } as unknown as AffectedVersions;
    assert.equal(isAffected(junk, '1.0.0'), false);
  });
});

describe('isAffected: npm semver ranges', () => {
  it('reads vulnerable_versions as npm does, prereleases included', () => {
    const handlebars = semverRange('<=4.0.13 || >=4.1.0 <4.1.2');
    assert.deepEqual(hits(handlebars, ['4.0.11', '4.0.13', '4.0.14', '4.1.0', '4.1.1', '4.1.2', '4.1.2-0']), ['4.0.11', '4.0.13', '4.1.0', '4.1.1', '4.1.2-0']);
    // Spacing as the real data has it.
    assert.equal(isAffected(semverRange('<  2.0.5'), '2.0.4'), true);
    assert.deepEqual(hits(semverRange('<= 2.6.8 || >= 3.0.0 <= 3.0.1'), ['2.6.8', '2.6.9', '3.0.1', '3.0.2']), ['2.6.8', '3.0.1']);
  });

  it('invalid ranges and versions are false, never a throw', () => {
    assert.equal(isAffected(semverRange('>>= nope ||| <'), '1.0.0'), false);
    assert.equal(isAffected(semverRange('<2.0.0'), 'garbage'), false);
    assert.equal(isAffected({ kind: 'semver', range: 42 } as unknown as AffectedVersions, '1.0.0'), false);
  });
});

describe('severity', () => {
  it('labels: npm moderate and GHSA MODERATE are our medium; unknown labels are undefined', () => {
    assert.deepEqual(['critical', 'HIGH', 'moderate', 'MODERATE', 'medium', 'low', 'info', 'none', 'unknown', '', undefined].map(severityFromLabel), [
      'critical',
      'high',
      'medium',
      'medium',
      'medium',
      'low',
      'info',
      'info',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('computes CVSS v3.x and v2 base scores', () => {
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), 9.8);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N'), 6.8);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'), 6.1);
    assert.equal(cvss3BaseScore('CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N'), 3.3);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N'), 0);
    assert.equal(cvss3BaseScore('CVSS:3.1/AV:N/AC:L'), undefined);
    assert.equal(cvss3BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N'), undefined);
    assert.equal(cvss2BaseScore('AV:N/AC:L/Au:N/C:P/I:P/A:P'), 7.5);
    assert.equal(cvss2BaseScore('AV:N/AC:M/Au:N/C:N/I:P/A:N'), 4.3);
  });

  const base: OsvRecord = { id: 'GHSA-aaaa-bbbb-cccc', summary: 'Prototype pollution', affected: [{ package: { ecosystem: 'npm', name: 'x' } }] };
  it('OSV: database_specific label, then CVSS bands, then medium; malware is always critical', () => {
    assert.equal(severityFromOsv({ ...base, database_specific: { severity: 'MODERATE' } }), 'medium');
    assert.equal(severityFromOsv({ ...base, affected: [{ database_specific: { severity: 'LOW' } }] }), 'low');
    const cvss = (score: string) => severityFromOsv({ ...base, severity: [{ type: 'CVSS_V3', score }] });
    assert.equal(cvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), 'critical');
    assert.equal(cvss('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N'), 'medium');
    assert.equal(cvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'), 'high');
    assert.equal(cvss('CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N'), 'low');
    assert.equal(severityFromOsv({ ...base, severity: [{ type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:C/I:C/A:C' }] }), 'high');
    assert.equal(
      severityFromOsv({ ...base, affected: [{ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] }] }),
      'critical',
    );
    assert.equal(
      severityFromOsv({ ...base, severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }] }),
      'medium',
    );
    assert.equal(severityFromOsv(base), 'medium');
    assert.equal(severityFromOsv({ ...base, id: 'MAL-2025-1', database_specific: { severity: 'LOW' } }), 'critical');
  });

  it('malware: MAL- ids, CWE-506 in either CWE format, or a summary saying so', () => {
    assert.equal(isMalwareRecord({ id: 'MAL-2025-1' }), true);
    assert.equal(isMalwareRecord({ ...base, database_specific: { cwe_ids: ['CWE-506'] } }), true);
    assert.equal(isMalwareRecord({ ...base, affected: [{ database_specific: { cwes: [{ cweId: 'CWE-506' }] } }] }), true);
    assert.equal(isMalwareRecord({ ...base, summary: 'Malicious code in left-pad (npm)' }), true);
    assert.equal(isMalwareRecord({ ...base, summary: 'Crash on malicious input', database_specific: { cwe_ids: ['CWE-400'] } }), false);
  });
});

describe('advisoryFromOsv', () => {
  it('keeps only the named npm package; withdrawn records and other ecosystems give nothing', () => {
    const record: OsvRecord = {
      id: 'GHSA-test-test-test',
      affected: [
        { package: { ecosystem: 'npm', name: 'a' }, versions: ['1.0.0'] },
        { package: { ecosystem: 'npm', name: 'b' }, versions: ['2.0.0'] },
        { package: { ecosystem: 'PyPI', name: 'a' }, versions: ['3.0.0'] },
      ],
    };
    const a = advisoryFromOsv(record, 'a', 'osv')!;
    assert.deepEqual(a.affected, { kind: 'osv', affected: [{ package: { ecosystem: 'npm', name: 'a' }, versions: ['1.0.0'] }] });
    assert.equal(a.title, 'GHSA-test-test-test');
    assert.equal(a.url, 'https://osv.dev/vulnerability/GHSA-test-test-test');
    assert.equal(advisoryFromOsv(record, 'c', 'osv'), undefined);
    assert.equal(advisoryFromOsv({ ...record, withdrawn: '2024-01-01T00:00:00Z' }, 'a', 'osv'), undefined);
    assert.deepEqual(
      advisoriesFromOsv(record, 'osv-offline').map((x) => [x.packageName, x.source]),
      [
        ['a', 'osv-offline'],
        ['b', 'osv-offline'],
      ],
    );
    assert.deepEqual(advisoriesFromOsv(null as unknown as OsvRecord, 'osv'), []);
  });

  describe('on the real records', () => {
    let dir = '';
    const load = (file: string): OsvRecord => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    before(function () {
      dir = requireSharedFixtures(this, 'advisories/osv');
    });

    it('chalk 5.6.1: malware, critical; 5.6.0 and 5.6.2 unaffected', () => {
      const a = advisoryFromOsv(load('chalk__MAL-2025-46969.json'), 'chalk', 'osv')!;
      assert.equal(a.id, 'MAL-2025-46969');
      assert.deepEqual(a.aliases, ['GHSA-2v46-p5h4-248w']);
      assert.equal(a.title, 'Malicious code in chalk (npm)');
      assert.equal(a.malware, true);
      assert.equal(a.severity, 'critical');
      assert.deepEqual(hits(a.affected, ['5.6.0', '5.6.1', '5.6.2']), ['5.6.1']);
    });

    it('@ctrl/tinycolor: the extra introduced "0" range makes every version affected', () => {
      const record = load('@ctrl__tinycolor__MAL-2025-47141.json');
      const a = advisoryFromOsv(record, '@ctrl/tinycolor', 'osv')!;
      const versions = ['0.0.1-alpha', '1.0.0', '3.4.1', '4.1.0', '4.1.1', '4.1.2', '4.1.3', '4.2.0', '99.0.0'];
      assert.deepEqual(hits(a.affected, versions), versions);
      // Without it, only the 4.1.1–4.1.2 range would be.
      const narrowed = { ...record, affected: [{ ...record.affected![0], ranges: record.affected![0].ranges!.slice(1) }] };
      assert.deepEqual(hits(advisoryFromOsv(narrowed, '@ctrl/tinycolor', 'osv')!.affected, versions), ['4.1.1', '4.1.2']);
      assert.equal(a.malware, true);
    });

    it('debug, nx and @redhat-cloud-services/chrome: versions lists', () => {
      const debug = advisoryFromOsv(load('debug__MAL-2025-46974.json'), 'debug', 'osv')!;
      assert.deepEqual(debug.aliases, ['GHSA-8mgj-vmr8-frr6', 'GHSA-4x49-vf9v-38px']);
      assert.deepEqual(hits(debug.affected, ['4.4.1', '4.4.2', '4.4.3']), ['4.4.2']);
      const nx = advisoryFromOsv(load('nx__MAL-2025-41443.json'), 'nx', 'osv')!;
      assert.deepEqual(hits(nx.affected, ['20.9.0', '20.9.1', '21.4.0', '21.8.0', '21.9.0']), ['20.9.0', '21.8.0']);
      assert.ok(nx.aliases.includes('CVE-2025-10894'));
      const chrome = advisoryFromOsv(load('@redhat-cloud-services__chrome__MAL-2026-5111.json'), '@redhat-cloud-services/chrome', 'osv')!;
      assert.deepEqual(hits(chrome.affected, ['2.3.0', '2.3.1', '2.3.2', '2.3.3', '2.3.4']), ['2.3.1', '2.3.2', '2.3.4']);
      assert.equal(chrome.severity, 'critical');
    });

    it('minimist GHSA: CRITICAL, two ECOSYSTEM ranges, not malware', () => {
      const record = load('minimist__GHSA-xvch-5gv4-984h.json');
      const a = advisoryFromOsv(record, 'minimist', 'osv')!;
      assert.equal(a.severity, 'critical');
      assert.equal(a.malware, false);
      assert.deepEqual(a.aliases, ['CVE-2021-44906']);
      assert.equal(a.title, 'Prototype Pollution in minimist');
      assert.deepEqual(hits(a.affected, ['0.0.8', '0.2.3', '0.2.4', '0.3.0', '1.0.0', '1.2.5', '1.2.6-beta.0', '1.2.6', '1.2.8']), [
        '0.0.8',
        '0.2.3',
        '1.0.0',
        '1.2.5',
        '1.2.6-beta.0',
      ]);
      // The CVSS vector alone gives the same answer (9.8).
      assert.equal(severityFromOsv({ ...record, database_specific: {} }), 'critical');
    });
  });
});
