import { strict as assert } from 'node:assert';
import { ParseMemo, buildProject } from '../../src/core/project';

const manifest = (deps: Record<string, string>) => JSON.stringify({ name: 'app', version: '1.0.0', dependencies: deps });
const v3 = JSON.stringify({
  name: 'app',
  lockfileVersion: 3,
  packages: {
    '': { name: 'app', dependencies: { a: '^1.0.0' } },
    'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz' },
  },
});
const v1 = JSON.stringify({ name: 'app', lockfileVersion: 1, dependencies: { a: { version: '1.0.0' }, b: { version: '2.0.0' } } });

/** A long-lived caller (the service) re-parses a lockfile only when the parse could come out differently. */
describe('parse memo', () => {
  it('an npm v2+ lockfile is parsed once while its text is unchanged, whatever package.json says', () => {
    const memo = new ParseMemo();
    const a = buildProject(
      '/p',
      new Map([
        ['package.json', manifest({ a: '^1.0.0' })],
        ['package-lock.json', v3],
      ]),
      memo,
    );
    const b = buildProject(
      '/p',
      new Map([
        ['package.json', manifest({ a: '~1.0.0' })],
        ['package-lock.json', v3],
      ]),
      memo,
    );
    assert.equal(b.lockfile, a.lockfile);
    const c = buildProject(
      '/p',
      new Map([
        ['package.json', manifest({ a: '~1.0.0' })],
        ['package-lock.json', v3.replace('1.0.0.tgz', '1.0.0.tgz ')],
      ]),
      memo,
    );
    assert.notEqual(c.lockfile, a.lockfile);
  });

  it('a v1 lockfile takes the root edges from package.json: a changed package.json parses it again, with the same result as without the memo', () => {
    const memo = new ParseMemo();
    const files = (deps: Record<string, string>) =>
      new Map([
        ['package.json', manifest(deps)],
        ['package-lock.json', v1],
      ]);
    const a = buildProject('/p', files({ a: '^1.0.0' }), memo);
    const b = buildProject('/p', files({ a: '^1.0.0', b: '^2.0.0' }), memo);
    assert.notEqual(b.lockfile, a.lockfile);
    const direct = (m: ReturnType<typeof buildProject>) =>
      m
        .lockfile!.packages.filter((p) => p.direct)
        .map((p) => p.name)
        .sort();
    assert.deepEqual(direct(a), ['a']);
    assert.deepEqual(direct(b), direct(buildProject('/p', files({ a: '^1.0.0', b: '^2.0.0' }))));
    assert.equal(buildProject('/p', files({ a: '^1.0.0' }), memo).lockfile, a.lockfile, 'the earlier parse is still remembered');
  });

  it('keeps only the last few lockfiles', () => {
    const memo = new ParseMemo(2);
    const parse = (i: number) => buildProject('/p', new Map([['package-lock.json', v3.replace('"app"', `"app${i}"`)]]), memo).lockfile;
    const first = parse(1);
    parse(2);
    assert.equal(parse(1), first);
    parse(3);
    parse(4);
    assert.notEqual(parse(1), first);
  });

  it('a workspace manifest is parsed again only when its text changed; the model equals one built without the memo', () => {
    const memo = new ParseMemo();
    const files = (b: string) =>
      new Map([
        ['package.json', JSON.stringify({ name: 'root', workspaces: ['packages/*'] })],
        ['packages/a/package.json', JSON.stringify({ name: 'a', dependencies: { x: '^1.0.0' } })],
        ['packages/b/package.json', b],
        ['package-lock.json', v3],
      ]);
    const first = buildProject('/p', files(JSON.stringify({ name: 'b', dependencies: { y: '^1.0.0' } })), memo);
    const changed = files(JSON.stringify({ name: 'b', dependencies: { y: '^2.0.0' } }));
    const second = buildProject('/p', changed, memo);
    const byFile = (m: ReturnType<typeof buildProject>, f: string) => m.manifests.find((x) => x.file === f);
    assert.equal(byFile(second, 'packages/a/package.json'), byFile(first, 'packages/a/package.json'), 'unchanged: the same parse');
    assert.notEqual(byFile(second, 'packages/b/package.json'), byFile(first, 'packages/b/package.json'));
    assert.deepEqual(second, buildProject('/p', changed));
    // A manifest that left the workspace is let go: coming back, it is parsed anew.
    buildProject('/p', new Map([...changed].filter(([f]) => f !== 'packages/a/package.json')), memo);
    assert.notEqual(byFile(buildProject('/p', changed, memo), 'packages/a/package.json'), byFile(first, 'packages/a/package.json'));
  });
});
