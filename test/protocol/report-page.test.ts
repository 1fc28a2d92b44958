import { strict as assert } from 'node:assert';
import { parseReportMessage, type ReportScope } from '../../src/protocol/report-page';

describe('parseReportMessage: messages back from the report page', () => {
  const scope: ReportScope = {
    timeline: { name: 'left-pad' },
    findings: [
      {
        safeVersion: '1.3.0',
        file: 'package-lock.json',
        locations: [
          {
            kind: 'lockfile',
            file: 'package-lock.json',
            line: 12,
            range: { start: { line: 11, character: 4 }, end: { line: 11, character: 30 }, startOffset: 200, endOffset: 226 },
          },
          {
            kind: 'manifest',
            file: 'packages/app/package.json',
            line: 9,
            range: { start: { line: 8, character: 4 }, end: { line: 8, character: 14 }, startOffset: 90, endOffset: 100 },
          },
        ],
      },
      { safeVersion: null, file: 'package-lock.json', locations: [] },
    ],
  };

  it('accepts ready, and pin / open that the report offered', () => {
    assert.deepEqual(parseReportMessage({ type: 'ready' }, scope), { type: 'ready' });
    assert.deepEqual(parseReportMessage({ type: 'pin', name: 'left-pad', version: '1.3.0' }, scope), { type: 'pin', name: 'left-pad', version: '1.3.0' });
    assert.deepEqual(parseReportMessage({ type: 'open', file: 'package-lock.json', line: 12 }, scope), { type: 'open', file: 'package-lock.json', line: 12 });
    assert.deepEqual(parseReportMessage({ type: 'open', file: 'packages/app/package.json', line: 9, extra: 1 }, scope), {
      type: 'open',
      file: 'packages/app/package.json',
      line: 9,
    });
  });

  it('rejects anything else', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'pin',
      [],
      {},
      { type: 'exec', command: 'rm -rf /' },
      { type: 'pin', name: 'left-pad' },
      { type: 'pin', name: 'left-pad', version: 1.3 },
      { type: 'pin', name: 'other-package', version: '1.3.0' },
      { type: 'pin', name: 'left-pad', version: '6.6.6' },
      { type: 'pin', name: 'left-pad', version: null },
      { type: 'open', file: 'package-lock.json' },
      { type: 'open', file: 'package-lock.json', line: '12' },
      { type: 'open', file: 'package-lock.json', line: 0 },
      { type: 'open', file: 'package-lock.json', line: 1.5 },
      { type: 'open', file: 'package-lock.json', line: Number.NaN },
      { type: 'open', file: '/etc/passwd', line: 1 },
      { type: 'open', file: '', line: 1 },
      { type: 'open', file: ['package-lock.json'], line: 1 },
    ];
    for (const m of bad) assert.equal(parseReportMessage(m, scope), undefined, JSON.stringify(m));
  });
});
