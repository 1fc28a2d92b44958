import { createHash } from 'node:crypto';
import { codeKind, unchangedPaths } from '../../core/content/index';
import type { PackageContents } from '../../core/content/types';

/** A code file a release added or changed, by content hash: what the correlation stage matches across packages. */
export interface ChangedFile {
  path: string;
  /** sha256 of the bytes, hex, first 32 digits. */
  sha256: string;
  size: number;
}

/** Files smaller than this say too little to match on (a one-line re-export is the same in a thousand packages). */
const MIN_BYTES = 200;
const MAX_FILES = 200;

/**
 * The code files of `current` whose bytes `previous` did not have (new, or changed), at most 200, largest first. A
 * worm copies the same file, byte for byte, into every package it reaches; that is what this lets the correlation
 * stage see.
 */
export function changedCodeFiles(current: PackageContents, previous: PackageContents | undefined): ChangedFile[] {
  const same = previous ? unchangedPaths(current, previous) : new Map<string, string>();
  const out: ChangedFile[] = [];
  for (const f of current.files.values()) {
    if (!f.data || f.data.length < MIN_BYTES || f.linkTarget !== undefined || same.has(f.path) || !codeKind(f)) continue;
    out.push({ path: f.path, sha256: createHash('sha256').update(f.data).digest('hex').slice(0, 32), size: f.data.length });
  }
  return out.sort((a, b) => b.size - a.size || a.path.localeCompare(b.path)).slice(0, MAX_FILES);
}
