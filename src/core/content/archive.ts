/**
 * `content-path-escape` (high): tarball entries that leave the package. Paths with `..` segments or absolute paths,
 * symlinks and hard links whose target is absolute or climbs above the package folder, and files placed under such
 * a link (the tar-slip: extract a link to a folder outside, then a file "into" it). `npm pack` never writes any of
 * them and npm's own extractor drops or rewrites them, so they are made by hand, for another extractor (an older
 * tar, another package manager, a mirror, a scanner) that would write outside the install folder or read
 * /etc/passwd into a report. Judged on presence: an earlier release that had them makes them no less crafted.
 *
 * Links that stay inside the package (loops included) are not findings: nothing follows them here, and npm drops
 * every link when it installs.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence } from '../trust/types';
import { clip, list, MAX_PLACES } from './evidence';
import { dirOf, joinPath } from './files';
import type { PackageContents, PackageFile } from './types';

const ABSOLUTE = /^(?:[\\/]|[A-Za-z]:)/;

/** Whether a link entry's target lies outside the package folder. */
export function linkEscapes(f: PackageFile): boolean {
  const target = f.linkTarget;
  if (target === undefined || f.entryType === 'other') return false;
  if (ABSOLUTE.test(target)) return true;
  if (f.entryType === 'hardlink') {
    // A hard link names an archive path, top folder included (`package/lib/a.js`).
    const segments = target.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
    if (segments[0] === '..') return true;
    return joinPath('', segments.slice(1).join('/')) === undefined;
  }
  // A symlink's target is relative to the folder the link is in.
  return joinPath(dirOf(f.path), target) === undefined;
}

export function pathEscapeFindings(current: PackageContents, label: string): RawFinding[] {
  const places: Evidence[] = [];
  const escapingLinks = new Map<string, PackageFile>();
  for (const f of current.files.values()) {
    if (f.suspicious) places.push({ label: clip(f.rawPath ?? f.path), value: f.suspicious === 'absolute' ? 'absolute path' : 'path climbs out with ..' });
    if (linkEscapes(f)) {
      escapingLinks.set(f.path, f);
      places.push({ label: clip(f.path), value: clip(`${f.entryType === 'hardlink' ? 'hard link' : 'symlink'} to ${f.linkTarget}`) });
    }
  }
  if (escapingLinks.size) {
    for (const f of current.files.values()) {
      for (let dir = dirOf(f.path); dir; dir = dirOf(dir)) {
        const link = escapingLinks.get(dir);
        if (link) {
          places.push({ label: clip(f.path), value: clip(`written through the link ${link.path} → ${link.linkTarget}`) });
          break;
        }
      }
    }
  }
  if (!places.length) return [];
  const evidence = places.slice(0, MAX_PLACES);
  if (places.length > MAX_PLACES) evidence.push({ label: 'more', value: `${places.length - MAX_PLACES} more entries` });
  const n = places.length;
  return [
    {
      code: 'content-path-escape',
      severity: 'high',
      message: `${label}'s tarball has ${n === 1 ? 'an entry' : `${n} entries`} that leave${n === 1 ? 's' : ''} the package (${list(
        places.map((p) => p.label),
        3,
      )}): npm pack never makes these; they are crafted for an extractor that would write or read outside the install folder`,
      evidence,
    },
  ];
}
