import { strict as assert } from 'node:assert';
import type { TrustCard } from '../../../src/core/report/card';
import { diagnosticSpecs } from '../../../src/core/report/diagnostics';
import { esc, hoverMarkdown } from '../../../src/core/report/hover-text';
import type { LocatedFinding } from '../../../src/core/report/locate';

const range = (line: number) => ({ start: { line, character: 4 }, end: { line, character: 12 }, startOffset: line * 10, endOffset: line * 10 + 8 });

describe('editor text (diagnostics and hovers, without VS Code)', () => {
  const finding: LocatedFinding = {
    code: 'install-script-added',
    severity: 'high',
    package: 'evil',
    version: '1.0.1',
    message: 'evil@1.0.1 adds a postinstall script that 1.0.0 did not have',
    evidence: [{ label: 'postinstall in 1.0.1', value: 'node x.js' }],
    safeVersion: '1.0.0',
    file: 'package-lock.json',
    line: 40,
    locations: [
      { kind: 'lockfile', file: 'package-lock.json', line: 40, range: range(39) },
      {
        kind: 'via',
        file: 'package.json',
        line: 5,
        range: range(4),
        via: { dependency: 'framework@2.0.0', path: ['framework@2.0.0', 'helper@1.1.0', 'evil@1.0.1'] },
      },
    ],
    packageIds: ['node_modules/evil'],
    direct: false,
    via: ['framework@2.0.0'],
  };

  it('puts a transitive finding on its lockfile entry and on the direct dependency that brings it in, with the path', () => {
    const [lock, via] = diagnosticSpecs([finding]);
    assert.equal(lock.file, 'package-lock.json');
    assert.deepEqual(lock.range.start, { line: 39, character: 4 });
    assert.equal(lock.message, finding.message);
    assert.deepEqual(lock.related, ['safe version: 1.0.0'], 'evidence is in the hover and the report, not a row each in Problems');
    assert.equal(via.file, 'package.json');
    assert.equal(
      via.message,
      'framework@2.0.0 brings in evil@1.0.1 (framework@2.0.0 → helper@1.1.0 → evil@1.0.1): evil@1.0.1 adds a postinstall script that 1.0.0 did not have',
    );
    assert.deepEqual(via.related, ['safe version of evil: 1.0.0']);
    assert.deepEqual(via.data, {
      code: 'install-script-added',
      codes: ['install-script-added'],
      severity: 'high',
      package: 'evil',
      version: '1.0.1',
      safeVersion: '1.0.0',
      kind: 'via',
      direct: false,
      viaDependency: 'framework@2.0.0',
      brings: [{ package: 'evil', version: '1.0.1', safeVersion: '1.0.0', codes: ['install-script-added'] }],
    });
  });

  it('one calm answer: one entry per version and place, worst first, and one per direct dependency for what it brings in', () => {
    const at = (over: Partial<LocatedFinding>): LocatedFinding => ({ ...finding, ...over });
    const lockOnly = (line: number) => [{ kind: 'lockfile' as const, file: 'package-lock.json', line: line + 1, range: range(line) }];
    const viaFramework = (line: number, pkg: string) => ({
      kind: 'via' as const,
      file: 'package.json',
      line: 5,
      range: range(4),
      via: { dependency: 'framework@2.0.0', path: ['framework@2.0.0', `${pkg}@1.0.1`] },
    });
    const findings = [
      at({
        code: 'content-network',
        severity: 'medium',
        message: 'evil@1.0.1 uses the network for the first time',
        locations: [...lockOnly(39), viaFramework(39, 'evil')],
      }),
      at({
        code: 'content-self-publish',
        severity: 'critical',
        message: 'evil@1.0.1 publishes packages itself',
        locations: [...lockOnly(39), viaFramework(39, 'evil')],
      }),
      at({ locations: [...lockOnly(39), viaFramework(39, 'evil')] }),
      at({
        package: 'other',
        code: 'malware',
        severity: 'critical',
        message: 'other@1.0.1 is malicious',
        safeVersion: null,
        locations: [...lockOnly(60), viaFramework(60, 'other')],
      }),
      at({ package: '*', version: '', code: 'check-incomplete', severity: 'high', message: 'advisories failed', safeVersion: null, locations: lockOnly(0) }),
      at({
        package: '*',
        version: '',
        code: 'trust-metadata-unavailable',
        severity: 'info',
        message: 'no trust metadata',
        safeVersion: null,
        locations: lockOnly(0),
      }),
    ];
    const specs = diagnosticSpecs(findings);
    assert.equal(specs.length, 5, specs.map((s) => s.message).join('\n'));
    const evil = specs.find((s) => s.data.package === 'evil' && s.data.kind === 'lockfile')!;
    assert.equal(evil.severity, 'critical');
    assert.equal(evil.code, 'content-self-publish');
    assert.equal(evil.message, '3 findings for evil@1.0.1: publishes packages itself, install script added, new network access');
    assert.deepEqual(evil.related, [
      'evil@1.0.1 publishes packages itself',
      'evil@1.0.1 adds a postinstall script that 1.0.0 did not have',
      'evil@1.0.1 uses the network for the first time',
      'safe version: 1.0.0',
    ]);
    assert.deepEqual(evil.data.codes, ['content-self-publish', 'install-script-added', 'content-network']);
    const framework = specs.filter((s) => s.data.kind === 'via');
    assert.equal(framework.length, 1, 'one line on the direct dependency for everything it brings in');
    assert.equal(
      framework[0].message,
      'framework@2.0.0 brings in 2 flagged packages: evil@1.0.1 (publishes packages itself, install script added, new network access); other@1.0.1 (malicious version)',
    );
    assert.deepEqual(
      framework[0].data.brings?.map((b) => b.package),
      ['evil', 'other'],
    );
    assert.deepEqual(
      specs.filter((s) => s.data.package === '*').map((s) => s.code),
      ['check-incomplete', 'trust-metadata-unavailable'],
      'project-wide causes stay apart',
    );
  });

  it('an early result: a pending analysis is "still being checked" in the summary, not "not checked"', () => {
    const lock = [{ kind: 'lockfile' as const, file: 'package-lock.json', line: 8, range: range(7) }];
    const specs = diagnosticSpecs([
      {
        ...finding,
        package: 'hooky',
        version: '1.0.1',
        code: 'install-script-added',
        severity: 'high',
        message: 'hooky@1.0.1 adds a postinstall',
        locations: lock,
      },
      {
        ...finding,
        package: 'hooky',
        version: '1.0.1',
        code: 'check-incomplete',
        severity: 'info',
        pending: true,
        message: 'hooky@1.0.1: package contents still being checked — this result is partial until then',
        locations: lock,
      },
    ]);
    assert.equal(specs.length, 1);
    assert.equal(specs[0].message, '2 findings for hooky@1.0.1: install script added, still being checked');
  });

  it('renders a trust card, escaping what the registry says', () => {
    const card: TrustCard = {
      name: 'evil',
      version: '1.0.1',
      registry: 'https://registry.npmjs.org/',
      publishedAt: '2025-06-01T10:00:00Z',
      publisher: { name: 'mallory<img src=x onerror=alert(1)>' },
      publisherIsNew: true,
      provenance: {
        status: 'verified',
        provenance: {
          predicateType: 'v1',
          sourceRepository: 'https://github.com/o/evil',
          workflowPath: '.github/workflows/release.yml',
          sourceRef: 'refs/tags/v1.0.1',
          sourceCommit: 'abcdef0123456789abcdef0123456789abcdef01',
          tlog: { logIndex: '42', url: 'https://search.sigstore.dev/?logIndex=42' },
        },
      },
      signature: { status: 'valid', keyid: 'SHA256:k' },
      installScripts: { postinstall: 'node x.js' },
      advisories: [{ id: 'MAL-1', severity: 'critical', title: 'Malicious code in evil', url: 'https://osv.dev/vulnerability/MAL-1', malware: true }],
      safeVersion: '1.0.0',
      findings: [{ code: 'malware', severity: 'critical', message: 'evil@1.0.1 is malicious' }],
      trustData: true,
      locations: [],
    };
    const md = hoverMarkdown(card, new Date('2025-06-01T12:00:00Z'));
    assert.match(md, /^\*\*evil@1\\\.0\\\.1\*\* — published 2 hours ago by mallory\\<img src\\=x onerror\\=alert\\\(1\\\)\\> \*\*\(new publisher\)\*\*/);
    assert.doesNotMatch(md, /[^\\]<img/, 'HTML from the registry is escaped');
    assert.match(md, /\$\(error\) \*\*CRITICAL\*\* Malicious version: /);
    assert.match(md, /Provenance: \$\(verified\) verified — https\\:\/\/github\\\.com\/o\/evil/);
    assert.match(md, /\[transparency log\]\(https:\/\/search\.sigstore\.dev\/\?logIndex=42\)/);
    assert.match(md, /Install scripts: postinstall `node x\.js`/);
    assert.match(md, /Safe version: \*\*1\\\.0\\\.0\*\*/);
    assert.match(
      md,
      /\[npm\]\(https:\/\/www\.npmjs\.com\/package\/evil\/v\/1\.0\.1\) · \[source commit\]\(https:\/\/github\.com\/o\/evil\/commit\/abcdef0123456789abcdef0123456789abcdef01\)/,
    );
  });

  it('says "unknown" for registries without trust metadata', () => {
    const md = hoverMarkdown(
      { name: 'a', version: '1.0.0', registry: 'https://mirror/', advisories: [], safeVersion: '1.0.0', findings: [], trustData: false, locations: [] },
      new Date(),
    );
    assert.match(md, /Provenance: unknown \(this registry serves no trust metadata\)/);
    assert.match(md, /Registry signature: unknown/);
  });

  it('claims nothing for a version whose registry history could not be read: "not checked", never "none"', () => {
    // The packument failed: no publish date, no scripts, no provenance are known (hooky@1.0.1 does add a postinstall).
    const unread: TrustCard = {
      name: 'hooky',
      version: '1.0.1',
      registry: 'http://127.0.0.1:1/',
      advisories: [],
      safeVersion: null,
      findings: [
        { code: 'check-incomplete', severity: 'high', message: 'hooky@1.0.1 was not checked — registry history: http://127.0.0.1:1/hooky answered 500' },
      ],
      trustData: true,
      notChecked: [{ signal: 'registry-history', reason: 'http://127.0.0.1:1/hooky answered 500' }],
      locations: [],
    };
    const md = hoverMarkdown(unread, new Date());
    assert.match(md, /\*\*Not checked:\*\* registry history \(http\\:\/\/127\\\.0\\\.0\\\.1\\:1\/hooky answered 500\)/);
    assert.match(md, /Provenance: not checked/);
    assert.match(md, /Registry signature: not checked/);
    assert.match(md, /Install scripts: not checked/);
    assert.doesNotMatch(md, /: none\b/);
    // Provenance that could not be fetched, on a version whose history was read: that line only.
    const partly = hoverMarkdown(
      {
        ...unread,
        notChecked: [{ signal: 'provenance', reason: 'attestations answered 503' }],
        provenance: undefined,
        signature: { status: 'valid', keyid: 'k' },
      },
      new Date(),
    );
    assert.match(partly, /Provenance: not checked/);
    assert.match(partly, /Registry signature: valid/);
    assert.match(partly, /Install scripts: none/);
  });

  it('an early result: contents still being analysed are said so, apart from what was not checked', () => {
    const card: TrustCard = {
      name: 'scripted',
      version: '1.0.2',
      registry: 'http://127.0.0.1:1/',
      advisories: [],
      safeVersion: null,
      findings: [
        { code: 'check-incomplete', severity: 'info', message: 'scripted@1.0.2: package contents still being checked — this result is partial until then' },
      ],
      trustData: true,
      notChecked: [
        { signal: 'content', reason: 'the tarballs are still being analysed; the full result follows', pending: true },
        { signal: 'provenance', reason: 'attestations answered 503' },
      ],
      locations: [],
    };
    const md = hoverMarkdown(card, new Date());
    assert.match(md, /\$\(sync~spin\) \*\*Still being checked:\*\* package contents — the findings below are partial/);
    assert.match(md, /\*\*Not checked:\*\* provenance \(attestations answered 503\)/);
    assert.doesNotMatch(md, /Not checked:[^\n]*package contents/);
  });

  it('escapes markdown and HTML', () => {
    assert.equal(esc('[x](javascript:alert(1)) <b>'), '\\[x\\]\\(javascript\\:alert\\(1\\)\\) \\<b\\>');
  });
});
