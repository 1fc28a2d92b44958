import { strict as assert } from 'node:assert';
import { isWorkspaceDir, matchesWorkspaceGlob } from '../../src/core/workspace-glob';
import { parseSpec, sourceOfResolved } from '../../src/core/spec';

describe('workspace globs', () => {
  it('matches one segment, any depth, alternatives and ./', () => {
    assert.ok(matchesWorkspaceGlob('packages/a', 'packages/*'));
    assert.ok(!matchesWorkspaceGlob('packages/a/b', 'packages/*'));
    assert.ok(matchesWorkspaceGlob('packages/a/b', 'packages/**'));
    assert.ok(matchesWorkspaceGlob('packages/a/b', 'packages/**/b'));
    assert.ok(matchesWorkspaceGlob('packages/b', 'packages/**/b'));
    assert.ok(matchesWorkspaceGlob('apps/web', '{apps,libs}/*'));
    assert.ok(matchesWorkspaceGlob('apps/web', './apps/web'));
    assert.ok(!matchesWorkspaceGlob('apps.x/web', 'apps/*'));
  });
  it('applies negations', () => {
    assert.ok(isWorkspaceDir('packages/a', ['packages/*', '!packages/b']));
    assert.ok(!isWorkspaceDir('packages/b', ['packages/*', '!packages/b']));
    assert.ok(!isWorkspaceDir('other/a', ['packages/*']));
  });
});

describe('dependency specs', () => {
  it('classifies the forms npm, yarn and pnpm accept', () => {
    const cases: [string, string][] = [
      ['^1.2.3', 'range'],
      ['1.2.3', 'version'],
      ['', 'range'],
      ['*', 'range'],
      ['latest', 'tag'],
      ['npm:foo@^1', 'alias'],
      ['npm:@s/foo', 'alias'],
      ['user/repo', 'git'],
      ['user/repo#semver:^1', 'git'],
      ['git+ssh://git@github.com/u/r.git#abc', 'git'],
      ['https://github.com/u/r.git', 'git'],
      ['https://example.com/x.tgz', 'remote'],
      ['file:../x', 'file'],
      ['../x', 'file'],
      ['link:../x', 'link'],
      ['workspace:^', 'workspace'],
      ['1.x || >=2.5.0', 'range'],
    ];
    for (const [spec, type] of cases) assert.equal(parseSpec(spec, 'p').type, type, spec);
    assert.deepEqual(parseSpec('npm:@s/foo@~2', 'x'), { type: 'alias', raw: 'npm:@s/foo@~2', registryName: '@s/foo', range: '~2' });
  });
  it('tells registry tarballs from other sources', () => {
    assert.equal(sourceOfResolved('https://registry.npmjs.org/a/-/a-1.0.0.tgz'), 'registry');
    assert.equal(sourceOfResolved('https://registry.npmjs.org/@s/a/-/a-1.0.0.tgz'), 'registry');
    assert.equal(sourceOfResolved('https://example.com/files/a.tgz'), 'remote');
    assert.equal(sourceOfResolved('git+ssh://git@github.com/u/r.git#abc'), 'git');
    assert.equal(sourceOfResolved('file:../a'), 'file');
    assert.equal(sourceOfResolved(undefined), 'unknown');
  });
});
