import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { strict as assert } from 'node:assert';
import type { PackageContents, PackageFile } from '../../../src/core/content/types';
import { type ContentAnalyzer, ContentAnalysisCache, defaultContentAnalyzer, downloadTarball, fetchContents } from '../../../src/engine/content/fetch-contents';
import {
  IntegrityMismatchError,
  MAX_PATH_LENGTH,
  neutralisePath,
  printablePath,
  readTarball,
  sriFromShasum,
  verifyIntegrity,
} from '../../../src/engine/content/read-tarball';
import { DiskCache } from '../../../src/engine/infra/disk-cache';
import { EngineError } from '../../../src/engine/infra/errors';
import { RegistryHttp } from '../../../src/engine/registry/http';
import { REGISTRY_PLACEHOLDER, type RegistryCorpus, ScenarioBuilder, createTarball, tarballPath } from '../../fixtures/registry/corpus';
import { type TarEntry as RawEntry, tarArchive as rawTar, tarHeader, tgz as rawTgz } from '../../fixtures/registry/hostile-tarballs';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { recordLaunches } from '../../support/launches';
import { steppingClock } from '../../support/timers';
import { until } from '../../support/wait';

// Raw tar archives the fixture writer refuses to make: the hostile-tarball builders write any header.
const sri = (b: Buffer, algo = 'sha512') => `${algo}-${crypto.createHash(algo).update(b).digest('base64')}`;
const manifest = (extra: Record<string, unknown> = {}) => JSON.stringify({ name: 'x', version: '1.0.0', ...extra });

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EngineError, `expected an EngineError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a rejection with ${code}`);
}

/** Streams a gzipped tar with one entry of `size` zero bytes (plus package.json) without holding it in memory. */
async function gzipBomb(size: number, extra: RawEntry[] = []): Promise<Buffer> {
  const gz = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((r) => gz.on('end', r));
  gz.write(rawTar([{ path: 'package/package.json', data: manifest() }], { end: false }));
  gz.write(tarHeader({ path: 'package/zeros.bin' }, size));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= zeros.length) {
    if (!gz.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((r) => gz.once('drain', r));
  }
  gz.write(Buffer.alloc((512 - (size % 512)) % 512));
  gz.end(rawTar(extra));
  await ended;
  return Buffer.concat(out);
}

/** Every key stays inside any folder it is joined to. */
function assertContained(files: Iterable<string>): void {
  const root = path.join(os.tmpdir(), 'trustlens-containment-root');
  for (const key of files) {
    const joined = path.resolve(root, key);
    assert.ok(joined.startsWith(root + path.sep), `${key} escapes: ${joined}`);
    assert.ok(!key.split('/').includes('..'), `${key} has a .. segment`);
    assert.ok(!path.isAbsolute(key), `${key} is absolute`);
  }
}

describe('readTarball', function () {
  this.timeout(60_000);

  describe('real tarballs', () => {
    it('reads a ScenarioBuilder tarball: files, modes, manifest, sizes; integrity checked', async () => {
      const corpus = await new ScenarioBuilder({ registryKey: null })
        .package('@acme/widget')
        .version('1.2.3', {
          scripts: { test: 'node test.js' },
          files: {
            'index.js': 'module.exports = 42;\n',
            'lib/deep/util.js': 'exports.x = 1;\n',
            [`${'long-directory-name/'.repeat(6)}file.js`]: '// long path\n',
          },
        })
        .build();
      const doc = corpus.packuments.get('@acme/widget')!.versions['1.2.3'];
      const tgz = corpus.tarballs.get(tarballPath('@acme/widget', '1.2.3'))!;
      const c = await readTarball(tgz, { name: '@acme/widget', version: '1.2.3', integrity: doc.dist.integrity });
      assert.deepEqual([...c.files.keys()].sort(), ['index.js', 'lib/deep/util.js', `${'long-directory-name/'.repeat(6)}file.js`, 'package.json'].sort());
      assert.equal(c.files.get('index.js')!.data!.toString(), 'module.exports = 42;\n');
      assert.equal(c.files.get('index.js')!.mode, 0o644);
      assert.equal(c.manifest?.name, '@acme/widget');
      assert.deepEqual(c.manifest?.scripts, { test: 'node test.js' });
      assert.equal(c.fileCount, doc.dist.fileCount);
      assert.equal(c.unpackedSize, doc.dist.unpackedSize);
      assert.equal(c.bytesRead, c.unpackedSize);
      assert.equal(c.truncated, undefined);
      assert.deepEqual(c.suspiciousPaths, []);
      // sha1 (dist.shasum) works too
      await readTarball(tgz, { name: 'w', version: '1', integrity: sriFromShasum(doc.dist.shasum!) });
    });

    it("reads what `npm pack` makes, matching npm's own file list and integrity", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-pack-'));
      const pkg = path.join(dir, 'pkg');
      fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
      fs.writeFileSync(
        path.join(pkg, 'package.json'),
        JSON.stringify({ name: 'tiny-packed', version: '0.1.0', main: 'index.js', bin: { tiny: 'bin.js' }, files: ['index.js', 'bin.js', 'lib'] }, null, 2),
      );
      fs.writeFileSync(path.join(pkg, 'index.js'), 'module.exports = require("./lib/a");\n');
      fs.writeFileSync(path.join(pkg, 'bin.js'), '#!/usr/bin/env node\nconsole.log("hi");\n', { mode: 0o755 });
      fs.writeFileSync(path.join(pkg, 'lib', 'a.js'), 'module.exports = 1;\n');
      fs.writeFileSync(path.join(pkg, 'README.md'), '# tiny\n');
      let out: string;
      try {
        out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
          cwd: pkg,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (e) {
        console.log(`      skipped: npm pack failed (${String((e as Error).message).split('\n')[0]})`);
        return this.skip();
      }
      const info = (
        JSON.parse(out) as { filename: string; integrity: string; files: { path: string; size: number }[]; entryCount: number; unpackedSize: number }[]
      )[0];
      const tgz = fs.readFileSync(path.join(dir, info.filename));
      const c = await readTarball(tgz, { name: 'tiny-packed', version: '0.1.0', integrity: info.integrity });
      assert.deepEqual([...c.files.keys()].sort(), info.files.map((f) => f.path).sort());
      for (const f of info.files) assert.equal(c.files.get(f.path)!.size, f.size);
      assert.equal(c.fileCount, info.entryCount);
      assert.equal(c.unpackedSize, info.unpackedSize);
      assert.equal(c.files.get('bin.js')!.mode & 0o111, 0o111, 'npm keeps the executable bit');
      assert.deepEqual(c.manifest?.bin, { tiny: 'bin.js' });
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('integrity', () => {
    const tgz = createTarball({ 'package.json': manifest(), 'index.js': '1' });

    it('a mismatch carries both hashes', () => {
      const tgz = createTarball({ 'package.json': manifest() });
      const expected = sri(Buffer.from('other bytes'));
      try {
        verifyIntegrity(tgz, expected, 'x@1');
        assert.fail('no mismatch');
      } catch (e) {
        assert.ok(e instanceof IntegrityMismatchError && e instanceof EngineError);
        assert.equal(e.code, 'integrity');
        assert.equal(e.expected, expected);
        assert.equal(e.actual, sri(tgz));
      }
    });

    it('rejects a mismatch before parsing anything', async () => {
      const garbage = Buffer.from('this is not even gzip, and parsing it would fail differently');
      await rejectsWith(readTarball(garbage, { name: 'x', version: '1.0.0', integrity: sri(tgz) }), 'integrity', /integrity mismatch for x@1\.0\.0/);
      await rejectsWith(readTarball(tgz, { name: 'x', version: '1.0.0', integrity: sri(Buffer.from('other')) }), 'integrity');
      await rejectsWith(readTarball(tgz, { name: 'x', version: '1.0.0', integrity: sri(Buffer.from('other'), 'sha1') }), 'integrity');
    });

    it('prefers sha512 over sha1 when both are given; unknown-only SRI fails closed', async () => {
      // right sha1, wrong sha512: the stronger hash decides
      await rejectsWith(readTarball(tgz, { name: 'x', version: '1', integrity: `${sri(tgz, 'sha1')} ${sri(Buffer.from('x'))}` }), 'integrity');
      await readTarball(tgz, { name: 'x', version: '1', integrity: `${sri(Buffer.from('x'), 'sha1')} ${sri(tgz)}` });
      await rejectsWith(readTarball(tgz, { name: 'x', version: '1', integrity: 'md5-AAAA' }), 'integrity', /cannot be checked/);
      assert.throws(() => verifyIntegrity(tgz, sri(Buffer.from('y')), 'x'), EngineError);
      verifyIntegrity(tgz, sri(tgz, 'sha256'), 'x');
    });
  });

  describe('hostile archives', () => {
    it('neutralises path traversal and absolute paths, keeping them as suspicious files', async () => {
      const tgz = rawTgz([
        { path: 'package/package.json', data: manifest() },
        { path: 'package/../../etc/x', data: 'evil' },
        { path: '/etc/passwd', data: 'root:x:0:0' },
        { path: 'package/lib/../../../outside.js', data: 'evil2' },
        { path: 'package\\..\\..\\win.txt', data: 'evil3' },
        { path: 'C:/Windows/evil.dll', data: 'MZ' },
        { path: 'package/ok/./fine.js', data: 'fine' },
      ]);
      const c = await readTarball(tgz, { name: 'x', version: '1.0.0' });
      assertContained(c.files.keys());
      const byRaw = new Map(c.suspiciousPaths.map((s) => [s.rawPath, s]));
      assert.equal(byRaw.get('../../etc/x')?.path, '%2E%2E/%2E%2E/etc/x');
      assert.equal(byRaw.get('../../etc/x')?.reason, 'traversal');
      assert.equal(byRaw.get('/etc/passwd')?.path, '%2F/etc/passwd');
      assert.equal(byRaw.get('/etc/passwd')?.reason, 'absolute');
      assert.equal(byRaw.get('lib/../../../outside.js')?.reason, 'traversal');
      assert.equal(byRaw.get('../../win.txt')?.reason, 'traversal');
      assert.equal(byRaw.get('C:/Windows/evil.dll')?.path, 'C%3A/Windows/evil.dll');
      assert.equal(c.suspiciousPaths.length, 5);
      // their bytes are still there for the analyzers, under the neutralised key
      assert.equal(c.files.get('%2E%2E/%2E%2E/etc/x')!.data!.toString(), 'evil');
      assert.equal(c.files.get('%2E%2E/%2E%2E/etc/x')!.suspicious, 'traversal');
      assert.equal(c.files.get('ok/fine.js')!.data!.toString(), 'fine');
      assert.equal(c.files.get('ok/fine.js')!.suspicious, undefined);
      // and nothing was written anywhere
      for (const p of ['../../etc/x', '../outside.js', '../../win.txt', 'ok/fine.js', 'package/ok/fine.js'])
        assert.equal(fs.existsSync(path.resolve(process.cwd(), p)), false, p);
    });

    it('neutralisePath: plain, nested, dot segments, top-level entries', () => {
      assert.deepEqual(neutralisePath('package/a/b.js'), { path: 'a/b.js', rawPath: 'a/b.js' });
      assert.deepEqual(neutralisePath('node-uuid/./uuid.js'), { path: 'uuid.js', rawPath: 'uuid.js' });
      assert.equal(neutralisePath('package'), undefined);
      assert.equal(neutralisePath('package/'), undefined);
      assert.equal(neutralisePath('package/..')?.suspicious, 'traversal');
      assert.equal(neutralisePath('..'), undefined, 'the top folder itself');
      assert.equal(neutralisePath('package/a\\..\\..\\b')?.suspicious, 'traversal');
    });

    it('control characters in names become %XX; names over MAX_PATH_LENGTH are kept shortened, extension and distinctness kept', async () => {
      assert.deepEqual(neutralisePath('package/\u001b]0;x\u0007\u009b2J.js'), { path: '%1B]0;x%07%9B2J.js', rawPath: '%1B]0;x%07%9B2J.js' });
      assert.equal(neutralisePath('/tmp/\u001bx')?.rawPath, '/tmp/%1Bx');
      const long = `a/${'b'.repeat(MAX_PATH_LENGTH)}.js`;
      const short = printablePath(long);
      assert.ok(short.length < 300 && short.startsWith('a/bbb') && short.endsWith('.js'), short);
      assert.notEqual(printablePath(`${long}x.js`), short);
      assert.equal(printablePath('lib/ok.js'), 'lib/ok.js');
      const c = await readTarball(
        rawTgz([
          { path: 'package/package.json', data: manifest() },
          { path: 'package/\u001b[2Jclear.js', data: '1' },
          { path: 'package/link', type: '2', linkname: `/etc/\u0007${'x'.repeat(MAX_PATH_LENGTH)}` },
        ]),
        { name: 'x', version: '1' },
      );
      assert.ok(c.files.has('%1B[2Jclear.js'));
      const target = c.files.get('link')!.linkTarget!;
      assert.ok(target.startsWith('/etc/%07xxx') && target.length < 300, target.slice(0, 80));
    });

    it('stops when the names alone would take more memory than allowed (maxPathChars)', async () => {
      const entries: RawEntry[] = [{ path: 'package/package.json', data: manifest() }];
      for (let i = 0; i < 50; i++) entries.push({ path: `package/${String(i).padStart(90, '0')}.js`, data: '1' });
      const c = await readTarball(rawTgz(entries), { name: 'x', version: '1', maxPathChars: 2000 });
      assert.equal(c.truncated, 'byte-budget');
      assert.ok(c.files.size < 25, `${c.files.size} files kept`);
      assert.ok(
        c.warnings.some((w) => /entry names add up to more than 2000 characters/.test(w)),
        c.warnings.join('; '),
      );
      assert.equal((await readTarball(rawTgz(entries), { name: 'x', version: '1' })).files.size, 51);
    });

    it('records symlinks and hardlinks with their target, never following them', async () => {
      const tgz = rawTgz([
        { path: 'package/package.json', data: manifest() },
        { path: 'package/passwd', type: '2', linkname: '/etc/passwd' },
        { path: 'package/up', type: '2', linkname: '../../../../home' },
        { path: 'package/hard', type: '1', linkname: 'package/package.json' },
        { path: 'package/dev', type: '3' },
        { path: 'package/fifo', type: '6' },
        { path: 'package/dir', type: '5' },
      ]);
      const c = await readTarball(tgz, { name: 'x', version: '1.0.0' });
      const link = c.files.get('passwd')!;
      assert.equal(link.linkTarget, '/etc/passwd');
      assert.equal(link.entryType, 'symlink');
      assert.equal(link.data, undefined);
      assert.equal(c.files.get('up')!.linkTarget, '../../../../home');
      assert.equal(c.files.get('hard')!.entryType, 'hardlink');
      assert.equal(c.files.get('hard')!.linkTarget, 'package/package.json');
      assert.equal(c.files.get('hard')!.data, undefined);
      assert.equal(c.files.get('dev')!.entryType, 'other');
      assert.equal(c.files.get('fifo')!.entryType, 'other');
      assert.equal(c.files.has('dir'), false, 'directories are not files');
      assert.equal(c.fileCount, 1, 'only regular files count');
    });

    it('keeps the last of duplicate entries, as extraction would, and says so', async () => {
      const tgz = rawTgz([
        { path: 'package/package.json', data: manifest({ scripts: { test: 'x' } }) },
        { path: 'package/index.js', data: 'first' },
        { path: 'package/index.js', data: 'second' },
        { path: 'package/package.json', data: manifest({ scripts: { postinstall: 'node evil.js' } }) },
      ]);
      const c = await readTarball(tgz, { name: 'x', version: '1.0.0' });
      assert.equal(c.files.get('index.js')!.data!.toString(), 'second');
      assert.deepEqual(c.duplicates.sort(), ['index.js', 'package.json']);
      assert.deepEqual(c.manifest?.scripts, { postinstall: 'node evil.js' });
    });

    it('tolerates a junk package.json (manifest undefined) and a BOM', async () => {
      const junk = await readTarball(createTarball({ 'package.json': '{ this is not json', 'a.js': '' }), { name: 'x', version: '1' });
      assert.equal(junk.manifest, undefined);
      assert.ok(junk.files.has('package.json'));
      const arr = await readTarball(createTarball({ 'package.json': '[1,2]' }), { name: 'x', version: '1' });
      assert.equal(arr.manifest, undefined);
      const bom = await readTarball(createTarball({ 'package.json': `\uFEFF${manifest()}` }), { name: 'x', version: '1' });
      assert.equal(bom.manifest?.name, 'x');
      const none = await readTarball(createTarball({ 'index.js': '' }), { name: 'x', version: '1' });
      assert.equal(none.manifest, undefined);
    });

    it('survives a gzip bomb: 1 GB of zeros is never inflated past the bound', async () => {
      const size = 1024 ** 3;
      const tgz = await gzipBomb(size, [{ path: 'package/after.js', data: 'never reached' }]);
      assert.ok(tgz.length < 2 * 1024 * 1024, `the bomb is ${tgz.length} bytes compressed`);
      const rss = process.memoryUsage().rss;
      const c = await readTarball(tgz, { name: 'bomb', version: '1.0.0' });
      const maxInflated = 16 * 20 * 1024 * 1024;
      // Bounded by bytes, not by time (speed is `npm run bench*`'s business): what was inflated, and memory with a
      // wide margin (1 GB inflated whole would be far past it).
      assert.ok(c.inflatedBytes <= maxInflated, `inflated ${c.inflatedBytes}`);
      assert.ok(process.memoryUsage().rss - rss < 200 * 1024 * 1024, 'memory stays bounded');
      assert.equal(c.truncated, 'byte-budget');
      const zeros = c.files.get('zeros.bin')!;
      assert.equal(zeros.size, size, 'listed with its declared size');
      assert.equal(zeros.skipped, 'too-large');
      assert.equal(zeros.data, undefined);
      assert.equal(c.manifest?.name, 'x');
      assert.ok(!c.files.has('after.js'));
      // a tighter bound is honoured exactly
      const tight = await readTarball(tgz, { name: 'bomb', version: '1.0.0', maxInflatedBytes: 4 * 1024 * 1024 });
      assert.ok(tight.inflatedBytes <= 4 * 1024 * 1024);
      assert.equal(tight.truncated, 'byte-budget');
    });

    it('a bomb of many small files stops reading at the byte budget', async () => {
      const entries: RawEntry[] = [{ path: 'package/package.json', data: manifest() }];
      const mb = Buffer.alloc(1024 * 1024, 0x61);
      for (let i = 0; i < 64; i++) entries.push({ path: `package/f${i}.js`, data: mb });
      const c = await readTarball(rawTgz(entries), { name: 'x', version: '1', limits: { maxBytes: 10 * 1024 * 1024 } });
      assert.ok(c.bytesRead <= 10 * 1024 * 1024 + 1024, `read ${c.bytesRead}`);
      assert.equal(c.truncated, 'byte-budget');
      assert.equal(c.files.size, 65, 'every file is still listed');
      assert.equal([...c.files.values()].filter((f) => f.skipped === 'over-budget').length, 55);
      assert.equal(c.fileCount, 65);
    });

    it('lists a huge file without reading it, and reads the files after it', async () => {
      const big = crypto.randomBytes(6 * 1024 * 1024);
      const c = await readTarball(
        rawTgz([
          { path: 'package/package.json', data: manifest() },
          { path: 'package/huge.bin', data: big },
          { path: 'package/small.js', data: 'ok' },
        ]),
        { name: 'x', version: '1' },
      );
      assert.equal(c.files.get('huge.bin')!.skipped, 'too-large');
      assert.equal(c.files.get('huge.bin')!.size, big.length);
      assert.equal(c.files.get('huge.bin')!.data, undefined);
      assert.equal(c.files.get('small.js')!.data!.toString(), 'ok');
      assert.equal(c.truncated, undefined, 'one unread file is not a truncated read');
      assert.equal(c.bytesRead, Buffer.byteLength(manifest()) + 2);
    });

    it('always reads the root package.json, even after the budget is spent', async () => {
      const c = await readTarball(
        rawTgz([
          { path: 'package/a.js', data: 'a'.repeat(2000) },
          { path: 'package/package.json', data: manifest({ scripts: { preinstall: 'x' } }) },
        ]),
        {
          name: 'x',
          version: '1',
          limits: { maxBytes: 1000 },
        },
      );
      assert.equal(c.files.get('a.js')!.skipped, 'over-budget');
      assert.deepEqual(c.manifest?.scripts, { preinstall: 'x' });
    });
  });

  describe('broken input', () => {
    const good = createTarball({ 'package.json': manifest(), 'index.js': crypto.randomBytes(40_000).toString('hex') });

    it('truncated gzip → bad-response saying so', async () => {
      await rejectsWith(
        readTarball(good.subarray(0, Math.floor(good.length / 2)), { name: 'x', version: '1' }),
        'bad-response',
        /x@1: the gzip stream is truncated/,
      );
    });

    it('corrupt gzip → bad-response', async () => {
      const bad = Buffer.from(good);
      for (let i = 100; i < 400; i++) bad[i] ^= 0x5a;
      await rejectsWith(readTarball(bad, { name: 'x', version: '1' }), 'bad-response', /corrupt gzip|truncated|tar archive/);
      const header = Buffer.from(good);
      header[3] = 0xff; // reserved flag bits
      await rejectsWith(readTarball(header, { name: 'x', version: '1' }), 'bad-response', /gzip/);
    });

    it('not a tarball (plain bytes, gzip of text, empty) → bad-response', async () => {
      await rejectsWith(readTarball(crypto.randomBytes(4096), { name: 'x', version: '1' }), 'bad-response', /not a tar archive/);
      await rejectsWith(
        readTarball(zlib.gzipSync('hello, this is text and not a tar archive at all'.repeat(20)), { name: 'x', version: '1' }),
        'bad-response',
        /not a tar archive/,
      );
      await rejectsWith(readTarball(Buffer.alloc(0), { name: 'x', version: '1' }), 'bad-response', /empty/);
      await rejectsWith(readTarball(zlib.gzipSync(good), { name: 'x', version: '1' }), 'bad-response', /gzip inside gzip/);
    });

    it('a tar archive cut inside an entry → bad-response (truncated)', async () => {
      const tar = rawTar([
        { path: 'package/package.json', data: manifest() },
        { path: 'package/big.js', data: 'x'.repeat(5000) },
      ]);
      await rejectsWith(readTarball(zlib.gzipSync(tar.subarray(0, 1536)), { name: 'x', version: '1' }), 'bad-response', /truncated/);
      // uncompressed tarballs are read too
      const plain = await readTarball(tar, { name: 'x', version: '1' });
      assert.equal(plain.files.get('big.js')!.size, 5000);
    });

    it('a checksum-damaged header is skipped with a warning, like npm does, not fatal', async () => {
      const tar = rawTar([
        { path: 'package/package.json', data: manifest() },
        { path: 'package/a.js', data: 'a' },
      ]);
      tar[1024 + 148] = 0x37; // damage the checksum of the second header (after one header and one data block)
      const c = await readTarball(zlib.gzipSync(tar), { name: 'x', version: '1' });
      assert.ok(c.files.has('package.json'));
      assert.ok(!c.files.has('a.js'));
      assert.ok(
        c.warnings.some((w) => /checksum/.test(w)),
        c.warnings.join('; '),
      );
    });
  });

  describe('time limit and cancellation', () => {
    let big: Buffer;
    before(() => {
      const entries: RawEntry[] = [{ path: 'package/package.json', data: manifest() }];
      for (let i = 0; i < 24; i++) entries.push({ path: `package/chunk${i}.bin`, data: crypto.randomBytes(1024 * 1024) });
      big = rawTgz(entries);
    });

    it('stops cleanly at the time limit with a partial result', async () => {
      // The reader compares Date.now() with its deadline for each inflated piece. A clock that moves 10 s per look
      // passes a 60 s limit at the 7th piece of ~1,500, however fast the machine is (the limit's own timer, 60 s,
      // never gets to decide).
      const restore = steppingClock(10_000);
      let c: Awaited<ReturnType<typeof readTarball>>;
      try {
        c = await readTarball(big, { name: 'x', version: '1', limits: { timeoutMs: 60_000 } });
      } finally {
        restore();
      }
      assert.equal(c.truncated, 'timeout');
      assert.ok(c.files.size < 25);
      for (const f of c.files.values()) assert.ok(f.data === undefined || f.data.length === f.size, `${f.path} is never half read`);
    });

    it('aborts: before start and while reading', async () => {
      const before = new AbortController();
      before.abort();
      await rejectsWith(readTarball(big, { name: 'x', version: '1', signal: before.signal }), 'aborted');
      const during = new AbortController();
      const p = readTarball(big, { name: 'x', version: '1', signal: during.signal });
      setImmediate(() => during.abort());
      await rejectsWith(p, 'aborted', /cancelled/);
      // the whole file read normally, for comparison
      const full = await readTarball(big, { name: 'x', version: '1' });
      assert.equal(full.files.size, 25);
      assert.equal(full.truncated, 'byte-budget', '24 MB is over the 20 MB default budget');
    });
  });
});

describe('fetchContents and ContentAnalysisCache against the fixture registry', function () {
  this.timeout(60_000);
  let registry: FixtureRegistry;
  let http: RegistryHttp;
  const markerName = `trustlens-executed-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const markers = [path.join(os.tmpdir(), markerName), path.join(process.cwd(), markerName)];
  const payload = (tag: string) =>
    `require('fs').writeFileSync(require('path').join(require('os').tmpdir(), '${markerName}'), '${tag}');\nrequire('fs').writeFileSync('${markerName}', '${tag}');\n`;
  let corpus: RegistryCorpus;

  before(async () => {
    const b = new ScenarioBuilder({ registryKey: null });
    b.package('plain')
      .version('1.0.0', { files: { 'index.js': 'module.exports = 1;\n' } })
      .version('1.0.1', { files: { 'index.js': 'module.exports = 2;\n' } });
    // would write a marker if anything ever ran it: install script, main file, bin
    b.package('would-run')
      .version('1.0.0', { files: { 'index.js': 'module.exports = 1;\n' } })
      .version('1.0.1', {
        scripts: { preinstall: 'node pre.js', postinstall: 'node install.js' },
        manifest: { main: 'index.js', bin: { wr: 'bin.js' } },
        files: {
          'index.js': payload('main'),
          'install.js': payload('postinstall'),
          'pre.js': payload('preinstall'),
          'bin.js': `#!/usr/bin/env node\n${payload('bin')}`,
        },
      });
    b.package('tampered').version('1.0.0', { integrityOverride: `sha512-${Buffer.alloc(64, 7).toString('base64')}` });
    corpus = await b.build();
    registry = await startFixtureRegistry(corpus);
    http = new RegistryHttp({ config: { values: { registry: registry.url }, sources: [] }, retries: 0 });
  });
  after(async () => {
    await registry?.close();
    for (const m of markers) fs.rmSync(m, { force: true });
  });

  const ref = (name: string, version: string) => {
    const d = corpus.packuments.get(name)!.versions[version].dist;
    return { version, tarball: d.tarball.replace(REGISTRY_PLACEHOLDER, registry.url), integrity: d.integrity, shasum: d.shasum };
  };

  it('downloads with the registry client, checks integrity, reads', async () => {
    const r = ref('plain', '1.0.1');
    const c = await fetchContents(http, r.tarball, { name: 'plain', version: '1.0.1', integrity: r.integrity, registry: registry.url });
    assert.equal(c.files.get('index.js')!.data!.toString(), 'module.exports = 2;\n');
    // shasum only (old packuments)
    await fetchContents(http, r.tarball, { name: 'plain', version: '1.0.1', shasum: r.shasum });
  });

  it('rejects a tarball whose bytes do not match the packument', async () => {
    const r = ref('tampered', '1.0.0');
    await rejectsWith(
      fetchContents(http, r.tarball, { name: 'tampered', version: '1.0.0', integrity: r.integrity }),
      'integrity',
      /integrity mismatch for tampered@1\.0\.0/,
    );
  });

  it('404 → not-found; a cut connection → an error, never partial contents', async () => {
    await rejectsWith(downloadTarball(http, `${registry.url}plain/-/plain-9.9.9.tgz`, { name: 'plain', version: '9.9.9' }), 'not-found');
    registry.faults.push({ match: /plain-1\.0\.0\.tgz/, times: 1, action: { truncateAfterBytes: 100 } });
    const r = ref('plain', '1.0.0');
    await rejectsWith(fetchContents(http, r.tarball, { name: 'plain', version: '1.0.0', integrity: r.integrity }), 'registry-unreachable');
    await rejectsWith(downloadTarball(http, 'file:///etc/passwd', { name: 'p', version: '1' }), 'bad-response', /file:/);
  });

  it('NOTHING IS EVER EXECUTED: install scripts, main and bin of a package are read and analysed, never run', async () => {
    for (const m of markers) assert.equal(fs.existsSync(m), false, `${m} exists before the test`);
    const entryNames = ['index.js', 'install.js', 'pre.js', 'bin.js', 'package'];
    const cwdBefore = new Set(fs.readdirSync(process.cwd()).filter((f) => entryNames.includes(f)));
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()));
    const seen: PackageContents[] = [];
    const analyze: ContentAnalyzer = async (current, previous, ctx, signal) => {
      seen.push(current);
      return defaultContentAnalyzer(current, previous, ctx, signal);
    };
    const cache = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'test-1' });
    const { launched, stop } = recordLaunches();
    let result: Awaited<ReturnType<ContentAnalysisCache['analyze']>>;
    try {
      result = await cache.analyze({ name: 'would-run', registry: registry.url, current: ref('would-run', '1.0.1'), previous: ref('would-run', '1.0.0') });
      // also straight through readTarball and `npm pack`-free paths
      await readTarball(await downloadTarball(http, ref('would-run', '1.0.1').tarball, { name: 'would-run', version: '1.0.1' }), {
        name: 'would-run',
        version: '1.0.1',
      });
    } finally {
      stop();
    }
    const c = seen[0];
    assert.deepEqual((c.manifest?.scripts as Record<string, string>).postinstall, 'node install.js');
    assert.match(c.files.get('install.js')!.data!.toString(), /writeFileSync/);
    // Counted, not waited for: no other process or thread was started, and the package's code writes its marker
    // synchronously, so had it run in this one the marker would be there now.
    assert.deepEqual(launched, [], 'no process or worker was started');
    for (const m of markers) assert.equal(fs.existsSync(m), false, `${m} was written: something executed package content`);
    const newInCwd = fs.readdirSync(process.cwd()).filter((f) => entryNames.includes(f) && !cwdBefore.has(f));
    assert.deepEqual(newInCwd, [], 'no package file was extracted into the working directory');
    const newTmp = fs.readdirSync(os.tmpdir()).filter((f) => !tmpBefore.has(f));
    assert.ok(!newTmp.some((f) => f.includes(markerName) || entryNames.includes(f)), `new in tmp: ${newTmp.join(', ')}`);
    assert.ok(
      result.findings.some((f) => f.code === 'content-install-hook' && f.severity === 'high'),
      'the real analyzers see the new install hooks',
    );
  });

  it('caches results: in-flight sharing, on disk across instances, per analyzer version and per tarball bytes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-content-cache-'));
    const disk = new DiskCache(dir);
    let calls = 0;
    const analyze: ContentAnalyzer = (current, previous) => {
      calls++;
      return [
        {
          code: 'content-size-jump',
          severity: 'low',
          message: `${previous?.version} → ${current.version}`,
          evidence: [{ label: 'files', value: String(current.fileCount) }],
        },
      ];
    };
    const req = { name: 'plain', registry: registry.url, current: ref('plain', '1.0.1'), previous: ref('plain', '1.0.0') };
    registry.resetRequests();
    const a = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'v1', cache: disk });
    const [r1, r2, r3] = await Promise.all([a.analyze(req), a.analyze(req), a.analyze(req)]);
    assert.equal(calls, 1);
    assert.deepEqual(r1, r2);
    assert.deepEqual(r1, r3);
    assert.equal(r1.findings[0].message, '1.0.0 → 1.0.1');
    assert.equal(registry.requests.length, 2, 'each tarball downloaded once');

    // a new process (new instance, same disk): no download, no analysis
    await disk.flush();
    registry.resetRequests();
    const b = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'v1', cache: disk });
    assert.deepEqual((await b.analyze(req)).findings, r1.findings);
    assert.equal(calls, 1);
    assert.equal(registry.requests.length, 0);
    // offline: served from disk; a miss is an error
    const off = new ContentAnalysisCache(undefined, { analyze, analyzerVersion: 'v1', cache: disk, offline: true });
    assert.equal((await off.analyze(req)).findings.length, 1);
    await rejectsWith(off.analyze({ ...req, previous: undefined }), 'offline-miss');

    // another analyzer version, or another previous version: analysed again
    const c = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'v2', cache: disk });
    await c.analyze(req);
    await c.analyze({ ...req, previous: undefined });
    assert.equal(calls, 3);
    // the same version republished with other bytes (another integrity): analysed again, never the old "clean"
    const republished = { ...req, current: { ...ref('would-run', '1.0.1'), version: '1.0.1' } };
    assert.equal(republished.current.version, req.current.version);
    assert.notEqual(republished.current.integrity, req.current.integrity);
    const d = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'v1', cache: disk });
    await d.analyze(republished);
    assert.equal(calls, 4);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a served tarball that does not match dist.integrity: an integrity-mismatch finding, never cached', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-content-cache-'));
    const disk = new DiskCache(dir);
    const req = { name: 'tampered', registry: registry.url, current: ref('tampered', '1.0.0') };
    let calls = 0;
    const analyze: ContentAnalyzer = () => (calls++, []);
    const a = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'v1', cache: disk });
    const r = await a.analyze(req);
    assert.equal(calls, 0, 'bytes that are not the published ones are not analysed');
    assert.equal(r.findings.length, 1);
    const f = r.findings[0];
    assert.equal(f.code, 'integrity-mismatch');
    assert.equal(f.severity, 'critical');
    assert.match(f.message, /tampered@1\.0\.0 does not match the registry's own integrity hash/);
    assert.deepEqual(
      f.evidence.map((e) => e.label),
      ['registry metadata (dist.integrity)', 'served tarball', 'from'],
    );
    assert.equal(f.evidence[0].value, req.current.integrity);
    assert.equal(f.evidence[1].value, sri(corpus.tarballs.get(tarballPath('tampered', '1.0.0'))!));
    registry.resetRequests();
    assert.deepEqual((await a.analyze(req)).findings, r.findings);
    assert.equal(registry.requests.length, 1, 'not remembered: asked again, downloaded again');
    assert.equal(await a.peek(req), undefined);
    assert.equal(await new ContentAnalysisCache(http, { analyze, analyzerVersion: 'v1', cache: disk }).peek(req), undefined, 'never written to disk');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('downloads analyses ahead, compressed, and reads them only within the read budget', async () => {
    // Three pairs (one tarball shared by two of them; unsized, so 20 MB each), room to download all, room to read and analyse one at a
    // time: every tarball is asked for (once) before the first analysis ends, and the analyzer, which holds each
    // call until the test lets it go, never runs two at once.
    const held: { name: string; version: string; go: () => void }[] = [];
    let inside = 0;
    let most = 0;
    const analyze: ContentAnalyzer = (current) =>
      new Promise<[]>((resolve) => {
        most = Math.max(most, ++inside);
        held.push({
          name: current.name,
          version: current.version,
          go: () => {
            inside--;
            resolve([]);
          },
        });
      });
    const MB = 1024 * 1024;
    const cache = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'ahead', budget: { bytes: 256 * MB, analyses: 8, readBytes: 1, reads: 1 } });
    registry.resetRequests();
    const done = Promise.all([
      cache.analyze({ name: 'plain', registry: registry.url, current: ref('plain', '1.0.1'), previous: ref('plain', '1.0.0') }),
      cache.analyze({ name: 'would-run', registry: registry.url, current: ref('would-run', '1.0.1'), previous: ref('would-run', '1.0.0') }),
      cache.analyze({ name: 'plain', registry: registry.url, current: ref('plain', '1.0.0') }),
    ]);
    const tarballs = () => registry.requests.filter((r) => r.url.endsWith('.tgz')).map((r) => r.url.split('/').pop());
    await until('every tarball to be downloaded, while the first analysis still runs', () => tarballs().length === 4 && held.length === 1);
    assert.deepEqual(tarballs().sort(), ['plain-1.0.0.tgz', 'plain-1.0.1.tgz', 'would-run-1.0.0.tgz', 'would-run-1.0.1.tgz']);
    for (let n = 1; n <= 3; n++) {
      await until(`analysis ${n} to start`, () => held.length === n);
      held[n - 1].go();
    }
    await done;
    assert.equal(most, 1, 'one analysis read and analysed at a time');
    // in the order their downloads ended
    assert.deepEqual(held.map((h) => `${h.name}@${h.version}`).sort(), ['plain@1.0.0', 'plain@1.0.1', 'would-run@1.0.1']);
    assert.equal(tarballs().length, 4, 'plain 1.0.0 downloaded once for the two analyses that read it');
  });

  it('a failure is not remembered; a cancelled sharer does not fail the others', async () => {
    let calls = 0;
    const analyze: ContentAnalyzer = () => {
      calls++;
      return [];
    };
    const req = { name: 'plain', registry: registry.url, current: ref('plain', '1.0.0') };
    registry.faults.push({ match: /plain-1\.0\.0\.tgz/, times: 1, action: { status: 500 } });
    const cache = new ContentAnalysisCache(http, { analyze, analyzerVersion: 'v1' });
    await rejectsWith(cache.analyze(req), 'http-error');
    await cache.analyze(req);
    assert.equal(calls, 1);

    // The first caller leaves once the shared download has reached the registry (it is in flight, then answered):
    // this rule only watches the requests (it never matches, so its action never applies).
    const cancelled = new AbortController();
    registry.faults.push({ match: (r) => /plain-1\.0\.1\.tgz/.test(r.url) && (cancelled.abort(), false), action: { status: 500 } });
    const req2 = { name: 'plain', registry: registry.url, current: ref('plain', '1.0.1') };
    const first = cache.analyze(req2, cancelled.signal);
    const second = cache.analyze(req2);
    await rejectsWith(first, 'aborted');
    assert.deepEqual((await second).findings, []);
  });

  it('once every caller has left, the analysis ends its downloads, and the next ask starts afresh', async () => {
    // Downloads that end only when told to: what they were told is what the test reads.
    const downloads: AbortSignal[] = [];
    const load = (_name: string, _ref: unknown, _registry: unknown, signal?: AbortSignal) =>
      new Promise<PackageContents>((_, reject) => {
        downloads.push(signal!);
        signal!.addEventListener('abort', () => reject(signal!.reason));
      });
    const cache = new ContentAnalysisCache(undefined, { analyzerVersion: 'v1', load });
    const req = {
      name: 'p',
      current: { version: '1.0.1', tarball: 'http://127.0.0.1:9/p-1.0.1.tgz' },
      previous: { version: '1.0.0', tarball: 'http://127.0.0.1:9/p-1.0.0.tgz' },
    };
    const one = new AbortController();
    const two = new AbortController();
    const first = cache.analyze(req, one.signal);
    const second = cache.analyze(req, two.signal);
    await until('both tarballs to be asked for, once', () => downloads.length === 2);
    one.abort();
    await rejectsWith(first, 'aborted');
    assert.deepEqual(
      downloads.map((s) => s.aborted),
      [false, false],
      'the other caller still waits',
    );
    two.abort();
    await rejectsWith(second, 'aborted');
    assert.deepEqual(
      downloads.map((s) => s.aborted),
      [true, true],
    );
    const three = new AbortController();
    const third = cache.analyze(req, three.signal);
    await until('the next ask to download afresh', () => downloads.length === 4);
    assert.deepEqual(
      downloads.slice(2).map((s) => s.aborted),
      [false, false],
    );
    three.abort();
    await rejectsWith(third, 'aborted');
  });

  it('analyses in time slices: the event loop turns between files, and an analysis nobody waits for stops between two', async () => {
    // 40 code files per release, each different: with slices of 0 the analysis gives the event loop a turn after
    // every file; a setImmediate ticker counts the turns (events, not durations).
    const release = (version: string): PackageContents => {
      const files = new Map<string, PackageFile>();
      const add = (p: string, text: string) => files.set(p, { path: p, size: text.length, mode: 0o644, data: Buffer.from(text) });
      add('package.json', JSON.stringify({ name: 'p', version, main: 'index.js' }));
      for (let i = 0; i < 40; i++) add(i ? `lib/f${i}.js` : 'index.js', `module.exports = ${JSON.stringify(`${version}-${i}`)};\n`);
      return { name: 'p', version, files, manifest: { name: 'p', version, main: 'index.js' }, bytesRead: 0, unpackedSize: 0, fileCount: files.size };
    };
    const loaded: string[] = [];
    const load = async (_name: string, r: { version: string }) => {
      loaded.push(r.version);
      return release(r.version);
    };
    const req = (v: string) => ({
      name: 'p',
      current: { version: v, tarball: `http://127.0.0.1:9/p-${v}.tgz` },
      previous: { version: '1.0.0', tarball: 'http://127.0.0.1:9/p-1.0.0.tgz' },
    });
    let turns = 0;
    let ticking = true;
    let onTurn = () => {};
    const tick = () => {
      turns++;
      onTurn();
      if (ticking) setImmediate(tick);
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-slices-'));
    const disk = new DiskCache(dir);
    const stored = async (v: string) => {
      await disk.flush();
      return (await disk.get('content-analysis-v2', ContentAnalysisCache.key(req(v), 'v1'))) !== undefined;
    };
    try {
      const cache = new ContentAnalysisCache(undefined, { analyzerVersion: 'v1', load, sliceMs: 0, cache: disk });
      setImmediate(tick);
      await cache.analyze(req('1.0.1'));
      assert.ok(turns >= 80, `the event loop turned ${turns} times while 80 files were scanned`);
      assert.ok(await stored('1.0.1'), 'a finished analysis is stored');

      // One caller, who leaves three turns after both releases are loaded: the analysis stops at its next step and
      // stores nothing. (Analysed in one piece, as before slices, it would have ended, and been stored, first.)
      const leaving = new AbortController();
      let leaveAt = Infinity;
      onTurn = () => {
        if (loaded.length === 4 && leaveAt === Infinity) leaveAt = turns + 3;
        if (turns >= leaveAt) leaving.abort();
      };
      await rejectsWith(cache.analyze(req('1.0.2'), leaving.signal), 'aborted');
      const after = turns;
      await until('200 more turns (the whole analysis takes ~80)', () => turns - after >= 200);
      assert.equal(await stored('1.0.2'), false, 'the analysis stopped: nothing stored');
    } finally {
      ticking = false;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('analyses wait for room in the budget (their unpacked sizes, and a count), holding no download while they wait', async () => {
    const loads: { version: string; done: () => void }[] = [];
    const contents = (version: string): PackageContents =>
      ({ name: 'p', version, files: new Map(), unpackedSize: 0, fileCount: 0 }) as unknown as PackageContents;
    const load = (_name: string, ref: { version: string }) =>
      new Promise<PackageContents>((resolve) => loads.push({ version: ref.version, done: () => resolve(contents(ref.version)) }));
    const analyze: ContentAnalyzer = () => [];
    const MB = 1024 * 1024;
    const cache = new ContentAnalysisCache(undefined, { analyzerVersion: 'v1', load, analyze, budget: { bytes: 10 * MB, analyses: 3 } });
    const ref = (version: string, unpackedSize?: number) => ({ version, tarball: `http://127.0.0.1:9/p-${version}.tgz`, unpackedSize });
    const a = cache.analyze({ name: 'p', current: ref('1.0.0', 4 * MB) });
    const b = cache.analyze({ name: 'p', current: ref('2.0.0', 4 * MB) });
    const c = cache.analyze({ name: 'p', current: ref('3.0.0', 4 * MB) }); // 12 MB: waits
    const d = cache.analyze({ name: 'p', current: ref('4.0.0') }); // unstated: the most a read keeps (20 MB), after c
    await until('the two that fit to download', () => loads.length === 2);
    assert.deepEqual(
      loads.map((l) => l.version),
      ['1.0.0', '2.0.0'],
    );
    loads[0].done();
    await a;
    await until('the third to start', () => loads.length === 3);
    loads[1].done();
    loads[2].done();
    await Promise.all([b, c]);
    await until('the unsized one, alone', () => loads.length === 4);
    loads[3].done();
    await d;
  });
});
