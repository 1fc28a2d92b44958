import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskCache } from '../../../src/engine/infra/disk-cache';
import { until } from '../../support/wait';

const at = (ms: number) => new Date(ms).toISOString();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-disk-cache-'));
const files = (d: string): string[] =>
  fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)])) : [];

describe('disk cache', () => {
  it('put writes in the background, all queued entries in one append; after flush another instance reads every entry', async () => {
    const dir = tmp();
    const cache = new DiskCache(dir);
    for (let i = 0; i < 300; i++) cache.put('ns', { key: `k${i}`, storedAt: at(0), value: i });
    assert.equal((await cache.get<number>('ns', 'k7'))?.value, 7, 'a queued entry is seen by its own process at once');
    await cache.flush();
    assert.deepEqual(
      files(dir).map((f) => path.extname(f)),
      ['.seg'],
      'one segment file, no temporary files',
    );
    const other = new DiskCache(dir);
    for (let i = 0; i < 300; i++) assert.equal((await other.get<number>('ns', `k${i}`))?.value, i);
    assert.equal(await other.get('ns', 'k300'), undefined);
    assert.equal((await other.list('ns')).length, 300);
  });

  it('the newest line of a key wins, across instances and within one', async () => {
    const dir = tmp();
    const a = new DiskCache(dir);
    const b = new DiskCache(dir);
    a.put('ns', { key: 'x', storedAt: at(1), value: 'a1' });
    await a.flush();
    b.put('ns', { key: 'x', storedAt: at(2), value: 'b' });
    await b.flush();
    a.put('ns', { key: 'x', storedAt: at(3), value: 'a2' });
    a.put('ns', { key: 'y', storedAt: at(3), value: 'y' });
    await a.flush();
    const c = new DiskCache(dir);
    assert.equal((await c.get<string>('ns', 'x'))?.value, 'a2');
    assert.equal((await a.get<string>('ns', 'x'))?.value, 'a2');
    assert.equal((await b.get<string>('ns', 'x'))?.value, 'b', 'an instance keeps what it loaded and wrote itself');
  });

  it('torn, garbage and foreign lines are skipped; the other entries stay readable', async () => {
    const dir = tmp();
    const cache = new DiskCache(dir);
    for (const k of ['a', 'b', 'c']) cache.put('ns', { key: k, storedAt: at(0), value: k });
    await cache.flush();
    const [seg] = files(dir);
    const text = fs.readFileSync(seg, 'utf8');
    const [la, lb, lc] = text.split('\n');
    // b's line is cut in the middle of its JSON; a line claims a's hash but holds c's entry; a torn last line.
    const forged = la.split('\t').slice(0, 2).join('\t') + '\t' + lc.split('\t')[2];
    fs.writeFileSync(seg, [la, lb.slice(0, lb.length - 10), 'garbage without tabs', '\u0000\t\t', lc, forged, ''].join('\n') + la.slice(0, 90));
    const other = new DiskCache(dir);
    assert.equal(await other.get('ns', 'a'), undefined, 'the newest line for a holds another key: not served');
    assert.equal(await other.get('ns', 'b'), undefined, 'torn: not served');
    assert.equal((await other.get<string>('ns', 'c'))?.value, 'c');
    other.put('ns', { key: 'b', storedAt: at(0), value: 'again' });
    await other.flush();
    assert.equal((await new DiskCache(dir).get<string>('ns', 'b'))?.value, 'again');
  });

  it('several processes append at once without losing or mixing entries', async () => {
    const dir = tmp();
    const moduleFile = require.resolve('../../../src/engine/infra/disk-cache');
    const script = `const { DiskCache } = require(${JSON.stringify(moduleFile)});
      const c = new DiskCache(process.argv[1]); const id = process.argv[2];
      (async () => { for (let round = 0; round < 20; round++) { for (let i = 0; i < 50; i++) c.put('ns', { key: id + ':' + round + ':' + i, storedAt: new Date().toISOString(), value: { id, round, i, pad: 'x'.repeat(i * 40) } }); await c.flush(); } })();`;
    await Promise.all(
      ['p1', 'p2', 'p3'].map(
        (id) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, ['-e', script, dir, id], { stdio: 'inherit' });
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
    const cache = new DiskCache(dir);
    const entries = await cache.list('ns');
    assert.equal(entries.length, 3 * 20 * 50);
    for (const id of ['p1', 'p2', 'p3']) assert.deepEqual((await cache.get('ns', `${id}:19:49`))?.value, { id, round: 19, i: 49, pad: 'x'.repeat(49 * 40) });
    assert.equal(files(dir).length, 3, 'one segment per process');
  });

  it('quiet segments are compacted into one: superseded lines dropped, live ones kept, recent segments left alone', async () => {
    const dir = tmp();
    for (let run = 0; run < 9; run++) {
      const c = new DiskCache(dir);
      c.put('ns', { key: 'shared', storedAt: at(run), value: run });
      c.put('ns', { key: `only-${run}`, storedAt: at(run), value: run });
      await c.flush();
    }
    const old = (Date.now() - 3600_000) / 1000;
    const quiet = files(dir);
    const recent = new DiskCache(dir);
    recent.put('ns', { key: 'fresh', storedAt: at(10), value: 10 });
    await recent.flush();
    for (const f of quiet) fs.utimesSync(f, old, old);
    const before = files(dir);
    assert.equal(before.length, 10);
    const freshFile = before.find((f) => fs.readFileSync(f, 'utf8').includes('"fresh"'));
    const reader = new DiskCache(dir);
    assert.equal((await reader.get<number>('ns', 'shared'))?.value, 8);
    const after = files(dir);
    assert.equal(after.length, 2, `nine quiet segments became one, the recent one stays: ${after.join(', ')}`);
    assert.ok(freshFile && after.includes(freshFile));
    const compacted = after.find((f) => !fs.readFileSync(f, 'utf8').includes('"fresh"'))!;
    assert.equal(fs.readFileSync(compacted, 'utf8').trim().split('\n').length, 10, 'shared once, only-0..8');
    for (let run = 0; run < 9; run++) assert.equal((await reader.get<number>('ns', `only-${run}`))?.value, run);
    assert.equal((await new DiskCache(dir).get<number>('ns', 'shared'))?.value, 8, 'and another process reads the compacted segment');
    assert.equal((await new DiskCache(dir).get<number>('ns', 'fresh'))?.value, 10);
  });

  it('compaction leaves out lines written more than 30 days ago', async () => {
    const dir = tmp();
    for (let run = 0; run < 8; run++) {
      const c = new DiskCache(dir);
      c.put('ns', { key: `old-${run}`, storedAt: at(run), value: run });
      c.put('ns', { key: `recent-${run}`, storedAt: at(run), value: run });
      await c.flush();
    }
    const longAgo = Date.now() - 40 * 86_400_000;
    for (const f of files(dir)) {
      const text = fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .map((line) => (line.includes('"old-') ? line.replace(/\t[0-9.]+\t/, `\t${longAgo}\t`) : line));
      fs.writeFileSync(f, text.join('\n'));
      const quiet = (Date.now() - 3600_000) / 1000;
      fs.utimesSync(f, quiet, quiet);
    }
    const reader = new DiskCache(dir);
    assert.equal((await reader.get<number>('ns', 'recent-3'))?.value, 3);
    assert.equal(await reader.get('ns', 'old-3'), undefined, 'dropped by the compaction this reader ran');
    assert.equal(files(dir).length, 1);
    const again = new DiskCache(dir);
    assert.deepEqual((await again.list('ns')).map((e) => e.key).sort(), [...Array(8).keys()].map((i) => `recent-${i}`).sort());
  });

  it('reads segments a piece at a time: entries larger than a piece and lines across piece boundaries, also after compaction', async () => {
    const dir = tmp();
    const big = (i: number) => `${i}`.repeat(1_500_000 + i);
    for (let run = 0; run < 8; run++) {
      const c = new DiskCache(dir);
      c.put('ns', { key: `big-${run}`, storedAt: at(run), value: big(run) });
      for (let i = 0; i < 300; i++) c.put('ns', { key: `small-${run}-${i}`, storedAt: at(run), value: 'v'.repeat((i * 37) % 5000) });
      await c.flush();
    }
    const check = async (cache: DiskCache) => {
      for (let run = 0; run < 8; run++) {
        assert.equal((await cache.get<string>('ns', `big-${run}`))?.value, big(run));
        for (const i of [0, 1, 150, 299]) assert.equal((await cache.get<string>('ns', `small-${run}-${i}`))?.value, 'v'.repeat((i * 37) % 5000));
      }
      assert.equal((await cache.list('ns')).length, 8 * 301);
    };
    await check(new DiskCache(dir));
    const old = (Date.now() - 3600_000) / 1000;
    for (const f of files(dir)) fs.utimesSync(f, old, old);
    await check(new DiskCache(dir)); // this one compacts the eight quiet segments into one
    assert.equal(files(dir).length, 1);
    await check(new DiskCache(dir));
  });

  it('a write that fails loses only its entry, never throws, and the folder coming back is handled', async () => {
    const dir = tmp();
    const cache = new DiskCache(dir);
    cache.put('ns', { key: 'a', storedAt: at(0), value: 1 });
    await cache.flush();
    fs.rmSync(dir, { recursive: true, force: true }); // cleared behind the cache's back: its segment is gone
    cache.put('ns', { key: 'a', storedAt: at(0), value: 2 });
    await cache.flush();
    assert.equal((await cache.get<number>('ns', 'a'))?.value, 2);
    assert.equal((await new DiskCache(dir).get<number>('ns', 'a'))?.value, 2, 'written to a new segment, not the deleted one');
    const blocked = new DiskCache(path.join(dir, 'ns-file'));
    fs.writeFileSync(path.join(dir, 'ns-file'), 'not a folder');
    blocked.put('ns', { key: 'b', storedAt: at(0), value: 3 });
    await blocked.flush();
    assert.equal(await blocked.get('ns', 'b'), undefined);
  });

  it('the one-file-per-key layout of TrustLens 0.1.0 is removed, not read', async () => {
    const dir = tmp();
    const legacy = path.join(dir, 'ns', 'ab');
    fs.mkdirSync(legacy, { recursive: true });
    fs.writeFileSync(path.join(legacy, `ab${'0'.repeat(62)}.json`), JSON.stringify({ key: 'k', storedAt: at(0), value: 1 }));
    const cache = new DiskCache(dir);
    assert.equal(await cache.get('ns', 'k'), undefined);
    await cache.flush();
    // The removal runs in the background (nothing to await): wait for the folder to go, not for half a second.
    await until('the legacy folder to be removed', () => !fs.existsSync(legacy));
  });

  it('clear() removes everything and the cache works afterwards', async () => {
    const dir = tmp();
    const cache = new DiskCache(dir);
    cache.put('ns', { key: 'a', storedAt: at(0), value: 1 });
    await cache.clear();
    assert.ok(!fs.existsSync(dir));
    assert.equal(await cache.get('ns', 'a'), undefined);
    cache.put('ns', { key: 'a', storedAt: at(0), value: 2 });
    await cache.flush();
    assert.equal((await new DiskCache(dir).get<number>('ns', 'a'))?.value, 2);
  });
});
