/**
 * `content-binary` (medium): a native binary (ELF, Mach-O, PE by their magic numbers; `.node` addons; by name
 * when the file was too large to read) or an executable non-text file that the previous release did not have.
 * A binary rebuilt at a name the previous release already shipped is not new. Without a previous release: low.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence, Severity } from '../trust/types';
import { list, MAX_PLACES, NO_BASELINE } from './evidence';
import { formatBytes } from './files';
import type { PackageContents, PackageFile } from './types';

/** What native format a file is, or undefined. */
export function nativeFormat(f: PackageFile): string | undefined {
  const d = f.data;
  if (d && d.length >= 4) {
    const be = d.readUInt32BE(0);
    if (be === 0x7f454c46) return 'ELF';
    if (be === 0xfeedface || be === 0xfeedfacf || be === 0xcefaedfe || be === 0xcffaedfe) return 'Mach-O';
    // 0xcafebabe is a universal Mach-O (few architectures follow) or a Java class (a version ≥ 45 follows).
    if (be === 0xcafebabe && d.length >= 8 && d.readUInt32BE(4) < 40) return 'Mach-O (universal)';
    if (d[0] === 0x4d && d[1] === 0x5a && d.length >= 0x40) {
      const pe = d.readUInt32LE(0x3c);
      if (pe + 4 <= d.length && d.readUInt32BE(pe) === 0x50450000) return 'PE';
    }
  }
  if (/\.node$/i.test(f.path)) return 'native addon';
  if (!d && /\.(?:exe|dll|so(?:\.\d+)*|dylib)$/i.test(f.path)) return 'native library (by name; not read)';
  return undefined;
}

function isText(d: Buffer): boolean {
  const n = Math.min(d.length, 8192);
  for (let i = 0; i < n; i++) if (d[i] === 0) return false;
  return true;
}

function binaries(c: PackageContents): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of c.files.values()) {
    if (f.linkTarget !== undefined) continue;
    const fmt = nativeFormat(f) ?? (f.mode & 0o111 && f.data && f.data.length > 0 && !isText(f.data) ? 'executable file' : undefined);
    if (fmt) out.set(f.path, fmt);
  }
  return out;
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

export function binaryFindings(current: PackageContents, previous: PackageContents | undefined, label: string): RawFinding[] {
  const now = binaries(current);
  if (!now.size) return [];
  const before = previous ? binaries(previous) : new Map<string, string>();
  const beforeNames = new Set([...before.keys()].map(baseName));
  const added = [...now].filter(([p]) => !before.has(p) && !beforeNames.has(baseName(p)));
  if (!added.length) return [];
  const severity: Severity = previous ? 'medium' : 'low';
  const evidence: Evidence[] = added
    .slice(0, MAX_PLACES)
    .map(([p, fmt]) => ({ label: p, value: `${fmt}, ${formatBytes(current.files.get(p)!.size)}, mode ${(current.files.get(p)!.mode & 0o777).toString(8)}` }));
  if (added.length > MAX_PLACES) evidence.push({ label: 'more', value: `${added.length - MAX_PLACES} more files` });
  const names = list(
    added.map(([p]) => p),
    3,
  );
  const message = previous
    ? `${label} adds ${added.length === 1 ? 'a binary' : `${added.length} binaries`} that ${previous.version} did not have: ${names}`
    : `${label} ships ${added.length === 1 ? 'a binary' : `${added.length} binaries`}: ${names} (${NO_BASELINE})`;
  return [{ code: 'content-binary', severity, message, evidence }];
}
