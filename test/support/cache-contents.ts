import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheEntry } from '../../src/engine/infra/disk-cache';

export interface CachedLine {
  namespace: string;
  file: string;
  entry: CacheEntry<unknown>;
}

/**
 * Every line of every segment of a cache folder (src/engine/infra/disk-cache.ts), superseded ones included, each
 * checked to be whole: `<sha-256 of the key> TAB <ms> TAB <entry JSON>` with the JSON parsing and its key
 * matching the hash. Throws on anything else: what tests use to say "nothing corrupt was cached".
 */
export function cacheLines(cacheDir: string): CachedLine[] {
  const out: CachedLine[] = [];
  if (!fs.existsSync(cacheDir)) return out;
  for (const namespace of fs.readdirSync(cacheDir)) {
    const dir = path.join(cacheDir, namespace);
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (!name.endsWith('.seg')) throw new Error(`${file}: not a cache segment`);
      const text = fs.readFileSync(file, 'utf8');
      if (text && !text.endsWith('\n')) throw new Error(`${file}: torn last line`);
      for (const line of text.split('\n').slice(0, -1)) {
        const [hash, ms, json, ...rest] = line.split('\t');
        if (rest.length || !/^[0-9a-f]{64}$/.test(hash) || !Number.isFinite(Number(ms))) throw new Error(`${file}: malformed line ${line.slice(0, 120)}`);
        const entry = JSON.parse(json) as CacheEntry<unknown>;
        if (createHash('sha256').update(entry.key).digest('hex') !== hash) throw new Error(`${file}: line for ${entry.key} under another hash`);
        out.push({ namespace, file, entry });
      }
    }
  }
  return out;
}
