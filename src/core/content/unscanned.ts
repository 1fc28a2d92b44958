/**
 * `content-unscanned`: code of the current release that runs and could not be read in full, so that no other
 * finding can speak for it. A partial read is never "nothing suspicious".
 *
 * What runs: the entry points, what read code requires (whatever the extension), install-time code, and runtime
 * code files. High for entry points, required files, install-time code and files the previous release did not
 * have (or the archive read stopped before its end: entries after the cut were never seen); medium for other
 * changed code; a file unread in both releases at the same size is not reported (nothing shows it changed).
 *
 * A package larger than the read budget is medium: the previous release was read only in part too, and the
 * unpacked size is within a factor of two of it (next, aws-sdk, @prisma/client on every release). A package that
 * suddenly outgrows the budget (padding ahead of its entry point) stays high.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence, Severity } from '../trust/types';
import { clip, list, MAX_PLACES } from './evidence';
import { candidatesOf, entrySpecifiers } from './entry-points';
import { formatBytes, isRuntimePath } from './files';
import type { Analysis } from './release';
import type { PackageFile } from './types';

const JS_EXT = /\.(?:[cm]?js|jsx|[cm]?ts|tsx|sh|bash|zsh|command|ps1|bat|cmd)$/i;
const TYPES_EXT = /\.d\.[cm]?ts$/i;
const NOT_SCRIPT = /\.(?:json|node|wasm)$/i;

const why = (f: PackageFile): string => (f.skipped === 'too-large' ? 'too large to read' : 'past the read budget or time limit');

export function unscannedFindings(a: Analysis): RawFinding[] {
  const cur = a.current;
  const contents = a.input.current;
  const previous = a.input.previous;
  const entries = new Set(cur.entries);
  const places: { path: string; role: string; high: boolean; file: PackageFile }[] = [];
  for (const f of contents.files.values()) {
    // JSON, native addons and WebAssembly are loaded, not run as scripts (native code is content-binary's).
    if (f.data || f.linkTarget !== undefined || f.entryType !== undefined || f.path === 'package.json' || NOT_SCRIPT.test(f.path)) continue;
    const entry = entries.has(f.path);
    const required = cur.required.has(f.path);
    const install = cur.scope.files.has(f.path);
    const runtimeCode = JS_EXT.test(f.path) && !TYPES_EXT.test(f.path) && isRuntimePath(f.path);
    if (!entry && !required && !install && !runtimeCode) continue;
    const before = previous?.files.get(f.path);
    const isNew = !previous || !before;
    if (!entry && !required && !install && before && !before.data && before.size === f.size) continue;
    const role = entry ? 'entry point' : install ? 'run by an install hook' : required ? 'required by read code' : isNew ? 'new file' : 'changed file';
    places.push({ path: f.path, role, high: entry || required || install || isNew, file: f });
  }
  // Entry points the archive never showed because the read stopped before its end.
  const neverSeen = contents.unseen ? entrySpecifiers(contents.manifest).filter((s) => !candidatesOf(s).some((c) => contents.files.has(c))) : [];
  if (!places.length && !contents.unseen) return [];

  const evidence: Evidence[] = [];
  if (contents.unseen) {
    evidence.push({
      label: 'archive',
      value: clip(
        `${neverSeen.length ? `entry point ${neverSeen[0]} never seen: ` : ''}reading stopped after ${contents.fileCount} files (${contents.unseen === 'timeout' ? 'time limit' : 'size, entry or name limits'}); later entries were never seen`,
      ),
    });
  }
  const sorted = [...places].sort((x, y) => Number(y.high) - Number(x.high));
  for (const p of sorted.slice(0, MAX_PLACES)) evidence.push({ label: clip(p.path), value: `${p.role}, ${formatBytes(p.file.size)}, ${why(p.file)}` });
  if (sorted.length > MAX_PLACES) evidence.push({ label: 'more', value: `${sorted.length - MAX_PLACES} more files` });

  const habitual =
    !!previous?.truncated &&
    !!contents.truncated &&
    previous.unpackedSize > 0 &&
    contents.unpackedSize <= 2 * previous.unpackedSize &&
    contents.unpackedSize >= previous.unpackedSize / 2;
  const severity: Severity = !habitual && (contents.unseen || places.some((p) => p.high)) ? 'high' : 'medium';
  const parts: string[] = [];
  if (places.length)
    parts.push(
      `${places.length === 1 ? 'a code file' : `${places.length} code files`} that run${places.length === 1 ? 's' : ''} could not be read in full (${list(
        sorted.map((p) => `${p.path}, ${p.role}`),
        3,
      )})`,
    );
  if (contents.unseen) parts.push('reading the archive stopped before its end, so later entries were never seen');
  return [
    {
      code: 'content-unscanned',
      severity,
      message: `${a.label}: ${parts.join('; and ')}: what that code does is unknown, and nothing here says it is clean${habitual ? ` (${previous!.version} was read only in part too, at a similar size: a package larger than the read budget)` : ''}`,
      evidence,
    },
  ];
}
