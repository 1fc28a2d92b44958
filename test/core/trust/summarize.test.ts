import { strict as assert } from 'node:assert';
import { compactSummary, summarizePackument, tarballOf } from '../../../src/core/trust/summarize';

const REGISTRY = 'https://registry.example/';
const AT = '2026-12-07T00:00:00.000Z';

describe('summaries keep what versions do not repeat', () => {
  it('a tarball URL only when it is not the registry’s usual one; tarballOf gives it either way', () => {
    const doc = {
      name: '@acme/lib',
      versions: {
        '1.0.0': { dist: { tarball: `${REGISTRY}@acme/lib/-/lib-1.0.0.tgz` } },
        '1.0.1': { dist: { tarball: 'https://cdn.example/lib-1.0.1.tgz' } },
        '1.0.2': { dist: {} },
      },
    };
    const s = summarizePackument(doc, REGISTRY, AT)!;
    assert.ok(!('tarball' in s.versions['1.0.0']));
    assert.equal(s.versions['1.0.1'].tarball, 'https://cdn.example/lib-1.0.1.tgz');
    assert.deepEqual(
      Object.values(s.versions).map((v) => tarballOf(s, v)),
      [`${REGISTRY}@acme/lib/-/lib-1.0.0.tgz`, 'https://cdn.example/lib-1.0.1.tgz', `${REGISTRY}@acme/lib/-/lib-1.0.2.tgz`],
    );
  });

  it('dependency maps: a version whose maps equal the version before uses that one’s objects', () => {
    const doc = {
      name: 'lib',
      versions: {
        '1.0.0': { dependencies: { a: '^1', b: '^2' }, peerDependencies: { r: '1' } },
        '1.0.1': { dependencies: { a: '^1', b: '^2' }, peerDependencies: { r: '2' } },
        '1.0.2': { dependencies: { b: '^2', a: '^1' } },
        '1.0.3': { dependencies: { b: '^2', a: '^1' } },
      },
    };
    const s = summarizePackument(doc, REGISTRY, AT)!;
    const v = s.versions;
    assert.strictEqual(v['1.0.0'].dependencies, v['1.0.1'].dependencies);
    assert.notStrictEqual(v['1.0.0'].peerDependencies, v['1.0.1'].peerDependencies);
    assert.notStrictEqual(v['1.0.1'].dependencies, v['1.0.2'].dependencies, 'another order is another map');
    assert.strictEqual(v['1.0.2'].dependencies, v['1.0.3'].dependencies);
    assert.deepEqual(v['1.0.3'].dependencies, { b: '^2', a: '^1' });
  });

  it('publishers, maintainer lists and install scripts: shared with the version before only when every field is equal', () => {
    const alice = { name: 'alice', email: 'a@example.org' };
    const doc = {
      name: 'lib',
      versions: {
        '1.0.0': { _npmUser: { ...alice }, maintainers: [{ name: 'alice' }, { name: 'bob' }], scripts: { postinstall: 'node x.js' } },
        '1.0.1': { _npmUser: { ...alice }, maintainers: [{ name: 'alice' }, { name: 'bob' }], scripts: { postinstall: 'node x.js' } },
        '1.0.2': {
          _npmUser: { ...alice, approver: { name: 'bob' } },
          maintainers: [{ name: 'bob' }, { name: 'alice' }],
          scripts: { postinstall: 'node y.js' },
        },
        '1.0.3': { _npmUser: { ...alice, approver: { name: 'carol' } }, maintainers: [{ name: 'bob' }, { name: 'alice' }] },
        '1.0.4': { _npmUser: { ...alice, trustedPublisher: { id: 'github' } } },
      },
    };
    const v = summarizePackument(doc, REGISTRY, AT)!.versions;
    assert.strictEqual(v['1.0.0'].publisher, v['1.0.1'].publisher);
    assert.strictEqual(v['1.0.0'].maintainers, v['1.0.1'].maintainers);
    assert.strictEqual(v['1.0.0'].installScripts, v['1.0.1'].installScripts);
    assert.notStrictEqual(v['1.0.1'].publisher, v['1.0.2'].publisher, 'an approver makes another publisher');
    assert.notStrictEqual(v['1.0.2'].publisher, v['1.0.3'].publisher, 'another approver too');
    assert.notStrictEqual(v['1.0.3'].publisher, v['1.0.4'].publisher, 'a trusted publisher too');
    assert.notStrictEqual(v['1.0.1'].maintainers, v['1.0.2'].maintainers, 'another order is another list');
    assert.strictEqual(v['1.0.2'].maintainers, v['1.0.3'].maintainers);
    assert.notStrictEqual(v['1.0.1'].installScripts, v['1.0.2'].installScripts);
    assert.deepEqual(v['1.0.3'].publisher, { name: 'alice', email: 'a@example.org', approver: { name: 'carol' } });
    assert.deepEqual(v['1.0.4'].publisher, { name: 'alice', email: 'a@example.org', trustedPublisher: { id: 'github' } });
  });

  it('compactSummary: a summary read back from JSON shares what its versions repeat again, and says the same', () => {
    const doc = {
      name: 'lib',
      versions: Object.fromEntries(
        ['1.0.0', '1.0.1', '1.1.0', '2.0.0'].map((version, i) => [
          version,
          {
            _npmUser: { name: i < 3 ? 'alice' : 'mallory', email: 'x@example.org' },
            maintainers: [{ name: 'alice' }],
            repository: { url: i < 2 ? 'git+https://github.com/acme/lib.git' : 'git+https://github.com/acme/lib2.git' },
            deprecated: i < 3 ? 'use lib2' : undefined,
          },
        ]),
      ),
    };
    const made = summarizePackument(doc, REGISTRY, AT)!;
    const read = JSON.parse(JSON.stringify(made)) as typeof made;
    const v = read.versions;
    assert.notStrictEqual(v['1.0.0'].publisher, v['1.0.1'].publisher, 'JSON gives each its own copy');
    assert.strictEqual(compactSummary(read), read);
    assert.deepEqual(read, made, 'nothing said differs');
    assert.strictEqual(v['1.0.0'].publisher, v['1.0.1'].publisher);
    assert.strictEqual(v['1.0.1'].publisher, v['1.1.0'].publisher);
    assert.notStrictEqual(v['1.1.0'].publisher, v['2.0.0'].publisher);
    assert.strictEqual(v['1.0.0'].maintainers, v['2.0.0'].maintainers);
    assert.equal(v['2.0.0'].repository, 'git+https://github.com/acme/lib2.git');
    // Hostile or damaged cache entries are left as they are, never thrown over.
    for (const bad of [
      null,
      'x',
      { versions: null },
      { versions: { '1.0.0': null, '1.0.1': 'x', '1.0.2': { publisher: 'bob' }, '1.0.3': { publisher: null } } },
    ])
      assert.doesNotThrow(() => compactSummary(bad as never));
  });
});
