import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskCache } from '../../src/engine/disk-cache';

describe('disk cache', () => {
  it('put writes in the background; after flush every entry is on disk and readable by another instance', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-disk-cache-'));
    const cache = new DiskCache(dir);
    for (let i = 0; i < 300; i++) cache.put('ns', { key: `k${i}`, storedAt: new Date(0).toISOString(), value: i });
    await cache.flush();
    const other = new DiskCache(dir);
    for (let i = 0; i < 300; i++) assert.equal((await other.get<number>('ns', `k${i}`))?.value, i);
    const leftovers: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : leftovers.push(e.name)));
    walk(dir);
    assert.equal(leftovers.filter((f) => f.endsWith('.tmp')).length, 0);
  });

  it('a write that fails loses only its entry, never throws, and the folder coming back is handled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-disk-cache-'));
    const cache = new DiskCache(dir);
    cache.put('ns', { key: 'a', storedAt: new Date(0).toISOString(), value: 1 });
    await cache.flush();
    fs.rmSync(dir, { recursive: true, force: true }); // cleared behind the cache's back: its folder memo is stale
    cache.put('ns', { key: 'a', storedAt: new Date(0).toISOString(), value: 2 });
    await cache.flush();
    assert.equal((await cache.get<number>('ns', 'a'))?.value, 2);
    const blocked = new DiskCache(path.join(dir, 'ns-file'));
    fs.writeFileSync(path.join(dir, 'ns-file'), 'not a folder');
    blocked.put('ns', { key: 'b', storedAt: new Date(0).toISOString(), value: 3 });
    await blocked.flush();
    assert.equal(await blocked.get('ns', 'b'), undefined);
  });
});
