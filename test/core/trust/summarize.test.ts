import { strict as assert } from 'node:assert';
import { summarizePackument, tarballOf } from '../../../src/core/trust/summarize';

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
});
