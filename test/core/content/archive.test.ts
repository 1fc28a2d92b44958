import { strict as assert } from 'node:assert';
import { analyzeContentChange } from '../../../src/core/content';
import { linkEscapes, pathEscapeFindings } from '../../../src/core/content/archive';
import type { PackageContents, PackageFile } from '../../../src/core/content/types';

/** A package from entries as readTarball lists them (paths already neutralised). */
function pkg(version: string, entries: Partial<PackageFile>[] = []): PackageContents {
  const files = new Map<string, PackageFile>();
  const manifest = { name: 'lib', version, main: 'index.js' };
  const data = Buffer.from(JSON.stringify(manifest));
  files.set('package.json', { path: 'package.json', size: data.length, mode: 0o644, data });
  files.set('index.js', { path: 'index.js', size: 20, mode: 0o644, data: Buffer.from('module.exports = 1;\n') });
  for (const e of entries) files.set(e.path!, { size: 0, mode: 0o644, ...e } as PackageFile);
  return { name: 'lib', version, files, manifest, bytesRead: 0, unpackedSize: 0, fileCount: files.size };
}

const symlink = (path: string, linkTarget: string): Partial<PackageFile> => ({ path, linkTarget, entryType: 'symlink' });
const hardlink = (path: string, linkTarget: string): Partial<PackageFile> => ({ path, linkTarget, entryType: 'hardlink' });

describe('content-path-escape', () => {
  it('linkEscapes: symlinks resolve from their folder, hard links from the archive root', () => {
    const f = (e: Partial<PackageFile>) => linkEscapes({ size: 0, mode: 0o644, ...e } as PackageFile);
    assert.equal(f(symlink('a', '/etc/passwd')), true);
    assert.equal(f(symlink('a', 'C:\\Windows')), true);
    assert.equal(f(symlink('a', '\\\\server\\share')), true);
    assert.equal(f(symlink('a', '..')), true);
    assert.equal(f(symlink('lib/a', '..')), false, 'the package root itself');
    assert.equal(f(symlink('lib/a', '../..')), true);
    assert.equal(f(symlink('lib/a', '../b/./c')), false);
    assert.equal(f(symlink('lib/a', '..\\..\\x')), true, 'backslashes are separators too');
    assert.equal(f(symlink('loop/self', 'self')), false);
    assert.equal(f(symlink('a', '')), false);
    assert.equal(f(hardlink('a', 'package/lib/b.js')), false);
    assert.equal(f(hardlink('a', 'package/../../etc/passwd')), true);
    assert.equal(f(hardlink('a', '../x')), true);
    assert.equal(f(hardlink('a', '/etc/shadow')), true);
    assert.equal(f({ path: 'dev', entryType: 'other', linkTarget: '' }), false);
    assert.equal(f({ path: 'plain.js' }), false);
  });

  it('names each escaping entry, files placed through an escaping link, and stays quiet about links inside', () => {
    const current = pkg('1.1.0', [
      { path: '%2E%2E/%2E%2E/x', suspicious: 'traversal', rawPath: '../../x', data: Buffer.from('x'), size: 1 },
      { path: '%2F/tmp/y', suspicious: 'absolute', rawPath: '/tmp/y', data: Buffer.from('y'), size: 1 },
      symlink('passwd', '/etc/passwd'),
      symlink('out', '../../../tmp'),
      { path: 'out/planted.js', data: Buffer.from('1'), size: 1 },
      symlink('loop/a', 'b'),
      symlink('loop/b', 'a'),
      symlink('lib/alias', '../index.js'),
      hardlink('same', 'package/index.js'),
    ]);
    const [f, ...rest] = pathEscapeFindings(current, 'lib@1.1.0');
    assert.deepEqual(rest, []);
    assert.equal(f.code, 'content-path-escape');
    assert.equal(f.severity, 'high');
    assert.match(f.message, /^lib@1\.1\.0's tarball has 5 entries that leave the package \(\.\.\/\.\.\/x, \/tmp\/y, passwd and 2 more\)/);
    assert.deepEqual(
      f.evidence.map((e) => `${e.label}: ${e.value}`),
      [
        '../../x: path climbs out with ..',
        '/tmp/y: absolute path',
        'passwd: symlink to /etc/passwd',
        'out: symlink to ../../../tmp',
        'out/planted.js: written through the link out → ../../../tmp',
      ],
    );
  });

  it('nothing for an ordinary package, or one whose links all stay inside', () => {
    assert.deepEqual(pathEscapeFindings(pkg('1.0.0'), 'lib@1.0.0'), []);
    assert.deepEqual(pathEscapeFindings(pkg('1.0.0', [symlink('a', 'b'), symlink('b', 'a'), symlink('d', '.'), hardlink('h', 'package/h')]), 'lib@1.0.0'), []);
  });

  it('judged on presence, also for a first release, at high; long or many entries stay short', () => {
    const many = Array.from({ length: 30 }, (_, i) => symlink(`l${i}-${'n'.repeat(500)}`, `/etc/${'t'.repeat(500)}`));
    const first = analyzeContentChange({ current: pkg('1.0.0', many) });
    const f = first.find((x) => x.code === 'content-path-escape')!;
    assert.equal(f.severity, 'high');
    assert.equal(f.evidence.length, 9, '8 places and a count');
    assert.deepEqual(f.evidence[8], { label: 'more', value: '22 more entries' });
    assert.ok(f.message.length < 700, `message of ${f.message.length}`);
    for (const e of f.evidence) assert.ok(e.label.length <= 160 && e.value.length <= 160);
    // the same escape in the release before does not make it acceptable
    const again = analyzeContentChange({ current: pkg('1.0.1', many), previous: pkg('1.0.0', many) });
    assert.ok(again.some((x) => x.code === 'content-path-escape'));
  });

  it("size jumps use the larger of the registry's and the tarball's own size: an understating registry hides nothing", () => {
    const history = [
      { unpackedSize: 1000, fileCount: 2 },
      { unpackedSize: 1100, fileCount: 2 },
      { unpackedSize: 1050, fileCount: 2 },
    ];
    const bomb = { ...pkg('1.1.0'), unpackedSize: 6 * 1024 ** 3, fileCount: 3 };
    const registry = { version: '1.1.0', unpackedSize: 1000, fileCount: 2 } as never;
    const f = analyzeContentChange({ current: bomb, registry, history }).find((x) => x.code === 'content-size-jump');
    assert.ok(f, 'the 6 GB the tarball declares, not the 1000 bytes the registry claims');
    assert.match(f.message, /6144\.0 MB unpacked/);
  });
});
