import { strict as assert } from 'node:assert';
import type { PackageContext } from '../../../../src/core/trust/context';
import { CANDIDATE_RULES, evaluatePackage } from '../../../../src/core/trust/evaluate';
import { History } from '../../../../src/core/trust/history';
import { DEFAULT_POLICY } from '../../../../src/core/trust/policy';
import { addedDependencies, imitates, newDependencyRule, nonRegistrySpec } from '../../../../src/core/trust/rules/new-dependency';
import type { VersionSummary } from '../../../../src/core/trust/types';
import { NOW, alice, ctx, daysAgo, summary } from '../../../support/trust-context';
import { POPULAR_NAMES } from '../../../../src/core/trust/popular';

const HOUR = 3_600_000;
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR).toISOString();
const stranger = { name: 'npm-helper-7731', email: 'x@throwaway.example' };

/** A package whose 1.0.1 adds `deps` over 1.0.0 (published 30 days before), both by alice. */
function adding(deps: Partial<VersionSummary>, name = 'lib'): ReturnType<typeof summary> {
  return summary(name, [
    { version: '1.0.0', publishedAt: daysAgo(30), publisher: alice, maintainers: ['alice'], dependencies: { ms: '^2.0.0' }, integrity: 'sha512-A' },
    { version: '1.0.1', publishedAt: daysAgo(2), publisher: alice, maintainers: ['alice'], dependencies: { ms: '^2.0.0' }, integrity: 'sha512-B', ...deps },
  ]);
}

/** The registry history of a dependency. */
function dep(name: string, versions: Partial<VersionSummary>[]): History {
  return new History(
    summary(
      name,
      versions.map((v, i) => ({ version: `1.0.${i}`, integrity: `sha512-${i}`, ...v })),
    ),
    NOW,
  );
}

/** A dependency first published `hours` before lib@1.0.1 (published two days before NOW). */
const young = (name: string, hours: number, extra: Partial<VersionSummary> = {}) =>
  dep(name, [{ publishedAt: hoursAgo(48 + hours), publisher: stranger, maintainers: [stranger.name], ...extra }]);
const old = (name: string, extra: Partial<VersionSummary> = {}) =>
  dep(name, [{ publishedAt: daysAgo(2000), publisher: stranger, maintainers: [stranger.name], ...extra }]);

function judge(s: ReturnType<typeof summary>, deps: History[], extra: Partial<PackageContext> = {}) {
  const c = ctx(s, '1.0.1', { dependencyHistories: new Map(deps.map((h) => [h.summary.name, h])), ...extra });
  return evaluatePackage(c, DEFAULT_POLICY).findings.filter((f) => f.code === 'new-dependency');
}

describe('new-dependency: a release that adds a suspect dependency', () => {
  it('a dependency first published 20 hours before, by an unrelated account, is high on the release that added it', () => {
    const [f, ...rest] = judge(adding({ dependencies: { ms: '^2.0.0', 'color-fmt': '^1.0.0' } }), [young('color-fmt', 20)]);
    assert.equal(rest.length, 0);
    assert.equal(f.severity, 'high');
    assert.match(
      f.message,
      /lib@1\.0\.1 adds color-fmt, which is first published 20 hours before 1\.0\.1, published by npm-helper-7731, who does not maintain lib/,
    );
    assert.equal(f.baseline, '1.0.0');
    assert.deepEqual(
      f.evidence.map((e) => e.label),
      ['dependencies of 1.0.1', 'color-fmt first published', 'lib@1.0.1 published', 'color-fmt@1.0.0 published by', 'baseline'],
    );
  });

  it('is critical with install scripts (also in a later release the range allows), a near-popular name or a claimed repository', () => {
    const later = dep('color-fmt', [
      { publishedAt: hoursAgo(60), publisher: stranger },
      { publishedAt: hoursAgo(10), publisher: stranger, installScripts: { postinstall: 'node x.js' } },
    ]);
    const [scripts] = judge(adding({ dependencies: { 'color-fmt': '^1.0.0' } }), [later]);
    assert.equal(scripts.severity, 'critical');
    assert.match(scripts.message, /runs install scripts \(postinstall in 1\.0\.1\)/);
    const [squat] = judge(adding({ optionalDependencies: { lodahs: '*' } }), [young('lodahs', 6, { repository: 'git+https://github.com/lodash/lodash.git' })]);
    assert.equal(squat.severity, 'critical');
    assert.match(
      squat.message,
      /adds lodahs \(optionalDependencies\), which is first published 6 hours before 1\.0\.1, named one edit away from lodash, claims the repository of lodash\/lodash/,
    );
  });

  it('a dependency first published after the release that names it is young too, and the message says so', () => {
    const [f] = judge(adding({ dependencies: { 'color-fmt': '^1.0.0' } }), [young('color-fmt', -5)]);
    assert.equal(f.severity, 'high');
    assert.match(f.message, /adds color-fmt, which is first published 5 hours after 1\.0\.1 named it, published by npm-helper-7731/);
  });

  it('judges peer and optional dependencies, and the package an npm: alias points at', () => {
    const [peer] = judge(adding({ peerDependencies: { 'color-fmt': '1' } }), [young('color-fmt', 3)]);
    assert.match(peer.message, /adds color-fmt \(peerDependencies\)/);
    const [alias] = judge(adding({ dependencies: { ms: 'npm:mss-fmt@^1.0.0' } }), [young('mss-fmt', 3)]);
    assert.ok(alias, 'ms kept its name but now installs another package');
    assert.match(alias.message, /adds ms \(an alias of mss-fmt\), which is first published 3 hours before/);
    assert.ok(alias.evidence.some((e) => e.label === 'mss-fmt first published'));
    const scoped = adding({ dependencies: { '@o/x': 'npm:@evil/x@^1.0.0' } }, '@o/core');
    assert.equal(judge(scoped, [young('@evil/x', 3)])[0]?.severity, 'high', "an alias under the package's own scope is judged by its target");
  });

  it('a dependency from outside the registry is high without any history: github: commits, git, tarball URLs, http', () => {
    for (const [spec, what] of [
      ['github:someone/helper#3f2a9c1d0b', /a github: repository pinned to a commit/],
      ['git+ssh://git@github.com/someone/helper.git', /a git repository/],
      ['https://files.example/helper-1.0.0.tgz', /a tarball URL outside the registry/],
      ['http://files.example/helper-1.0.0.tgz', /a tarball over plain http/],
      ['someone/helper', /user\/repo shorthand/],
    ] as const) {
      const [f] = judge(adding({ optionalDependencies: { helper: spec } }), []);
      assert.equal(f?.severity, 'high', spec);
      assert.match(f.message, what);
    }
    assert.equal(nonRegistrySpec('^1.2.3'), undefined);
    assert.equal(nonRegistrySpec('npm:other@^1'), undefined);
    assert.equal(nonRegistrySpec('@scope/name'), undefined, 'not a user/repo shorthand');
  });

  it('negative: an old dependency, a young sibling of the same scope or publisher, an established author, an unchanged dependency', () => {
    assert.deepEqual(judge(adding({ dependencies: { ms: '^2.0.0', 'string-width': '^4.0.0' } }), [old('string-width')]), [], 'published for years');
    const sibling = dep('@o/shared', [{ publishedAt: hoursAgo(50), publisher: { name: 'bot', email: 'bot@o.example' } }]);
    assert.deepEqual(judge(adding({ dependencies: { '@o/shared': '^1.0.0' } }, '@o/core'), [sibling]), [], 'a monorepo splitting out a package');
    const mine = dep('lib-utils', [{ publishedAt: hoursAgo(50), publisher: alice, maintainers: ['alice'] }]);
    assert.deepEqual(judge(adding({ dependencies: { 'lib-utils': '^1.0.0' } }), [mine]), [], 'the same publisher');
    assert.deepEqual(
      judge(adding({ dependencies: { 'color-fmt': '^1.0.0' } }), [young('color-fmt', 9)], { establishedPublishers: new Set([stranger.name]) }),
      [],
      'an author publishing for years',
    );
    const unchanged = summary('lib', [
      { version: '1.0.0', publishedAt: daysAgo(30), publisher: alice, dependencies: { 'color-fmt': '^1.0.0' }, integrity: 'sha512-A' },
      { version: '1.0.1', publishedAt: daysAgo(2), publisher: alice, dependencies: { 'color-fmt': '^1.0.0' }, integrity: 'sha512-B' },
    ]);
    assert.deepEqual(judge(unchanged, [young('color-fmt', 1)]), [], 'not added by this release');
  });

  it('a young dependency of an established author or a sibling is medium only with install scripts', () => {
    const [f] = judge(adding({ dependencies: { 'lib-utils': '^1.0.0' } }), [
      dep('lib-utils', [{ publishedAt: hoursAgo(50), publisher: alice, installScripts: { postinstall: 'node build.js' } }]),
    ]);
    assert.equal(f.severity, 'medium');
  });

  it('moving a dependency between sections is no new dependency; nothing is said without histories (advisories only, a failed read)', () => {
    const moved = summary('lib', [
      { version: '1.0.0', publishedAt: daysAgo(30), publisher: alice, dependencies: { 'color-fmt': '^1.0.0' }, integrity: 'sha512-A' },
      { version: '1.0.1', publishedAt: daysAgo(2), publisher: alice, dependencies: {}, optionalDependencies: { 'color-fmt': '^1.0.0' }, integrity: 'sha512-B' },
    ]);
    assert.deepEqual(addedDependencies(ctx(moved, '1.0.1')), []);
    const s = adding({ dependencies: { 'color-fmt': '^1.0.0' } });
    assert.deepEqual(newDependencyRule(ctx(s, '1.0.1')), []);
    assert.deepEqual(evaluatePackage(ctx(s, '1.0.1'), DEFAULT_POLICY, undefined, { rules: CANDIDATE_RULES, candidates: CANDIDATE_RULES }).findings, []);
  });

  it('a release that added a dependency from outside the registry is no baseline: the next one, keeping it, is flagged too', () => {
    const s = summary('lib', [
      { version: '1.0.0', publishedAt: daysAgo(30), publisher: alice, dependencies: {}, integrity: 'sha512-A' },
      {
        version: '1.0.1',
        publishedAt: daysAgo(20),
        publisher: alice,
        dependencies: {},
        optionalDependencies: { helper: 'github:x/helper#3f2a9c1d0b' },
        integrity: 'sha512-B',
      },
      {
        version: '1.0.2',
        publishedAt: daysAgo(10),
        publisher: alice,
        dependencies: {},
        optionalDependencies: { helper: 'github:x/helper#3f2a9c1d0b' },
        integrity: 'sha512-C',
      },
    ]);
    const [f] = evaluatePackage(ctx(s, '1.0.2', { dependencyHistories: new Map() }), DEFAULT_POLICY).findings.filter((x) => x.code === 'new-dependency');
    assert.equal(f?.baseline, '1.0.0');
    assert.match(f.evidence.at(-1)!.value, /passed over 1\.0\.1 \(it added helper, from outside the registry, that 1\.0\.0 did not have\)/);
    assert.equal(f.safeVersion, '1.0.0', 'the fix goes back past the release that added it');
  });

  it('names near popular packages: one edit, a swap, or the same without separators or under another scope', () => {
    assert.equal(imitates('lodahs'), 'lodash');
    assert.equal(imitates('expresss'), 'express');
    assert.equal(imitates('cross_env'), 'cross-env');
    assert.equal(imitates('lodash'), undefined, 'the popular package itself');
    assert.equal(imitates('left-pad-utils'), undefined);
  });
});

describe('imitates: the popular package a name is made to look like', () => {
  /** The rule as first written: a scan of the whole list for each name (the indexed lookup must agree with it). */
  function byScan(name: string): string | undefined {
    if (POPULAR_NAMES.has(name)) return undefined;
    const bare = (n: string) => n.replace(/^@[^/]+\//, '').replace(/[-_.]/g, '');
    const scope = (n: string) => (n.startsWith('@') ? n.split('/')[0] : undefined);
    const oneEdit = (a: string, b: string) => {
      if (a === b || Math.abs(a.length - b.length) > 1) return false;
      if (a.length === b.length) {
        const d = [...a].map((c, i) => (c === b[i] ? -1 : i)).filter((i) => i >= 0);
        return d.length === 1 || (d.length === 2 && d[1] === d[0] + 1 && a[d[0]] === b[d[1]] && a[d[1]] === b[d[0]]);
      }
      const [s, l] = a.length < b.length ? [a, b] : [b, a];
      for (let i = 0; i < l.length; i++) if (s === l.slice(0, i) + l.slice(i + 1)) return true;
      return false;
    };
    for (const p of POPULAR_NAMES) {
      if (oneEdit(name, p) && name.length >= 4) return p;
      if (!name.startsWith('@') && p.startsWith('@')) continue;
      if (bare(name) === bare(p) && name !== p && scope(name) !== scope(p)) return p;
    }
    return undefined;
  }

  it('agrees with a scan of the whole list on varied names: typos, swaps, separators, scopes, unrelated names', () => {
    const names = new Set<string>();
    const popular = [...POPULAR_NAMES];
    // Deterministic variety: every 7th popular name, mutated in each way a squatter would.
    for (const p of popular.filter((_, i) => i % 7 === 0)) {
      const b = p.replace(/^@[^/]+\//, '');
      names.add(p);
      names.add(`${p}s`);
      names.add(p.slice(0, -1));
      names.add(b.length > 2 ? `${b[1]}${b[0]}${b.slice(2)}` : b);
      names.add(b.replace(/-/g, '_'));
      names.add(b.replace(/[-_.]/g, ''));
      names.add(`@evil/${b}`);
      names.add(`${b}-utils`);
      names.add(b.replace(/o/, '0'));
    }
    for (const n of ['a', 'ab', 'abc', 'left-pad', 'my-internal-lib', '@acme/core', 'reactt', 'lodahs', 'expres', 'cross_env', '@types/reactt']) names.add(n);
    let differing = 0;
    for (const n of names) if (imitates(n) !== byScan(n)) differing++;
    assert.equal(
      differing,
      0,
      [...names]
        .filter((n) => imitates(n) !== byScan(n))
        .slice(0, 10)
        .map((n) => `${n}: ${imitates(n)} vs ${byScan(n)}`)
        .join('; '),
    );
    assert.ok(names.size > 500, `${names.size} names`);
    assert.ok([...names].filter((n) => imitates(n) !== undefined).length > 100, 'many of them imitate something');
  });
});
