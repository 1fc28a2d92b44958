/** Evidence entries that name the file and line (or byte offset) of what was seen. */
import type { Evidence } from '../trust/types';
import { placeLabel, snippet } from './files';
import { isHookPath } from './release';
import type { FileScan, Signal } from './scan';

/** At most this many places per finding; the rest are counted. */
export const MAX_PLACES = 8;

export function signalEvidence(scan: FileScan, s: Signal, what?: string): Evidence {
  const where = isHookPath(scan.path) ? scan.path : placeLabel(scan.path, scan.lines, s.offset);
  const seen = s.detail ?? snippet(scan.text, s.offset, s.length);
  const value = clip(what ? `${what}: ${seen}` : seen);
  return { label: where, value: s.count > 1 ? `${value} (${s.count}×)` : value };
}

/** Places of many signals, capped, with a closing count. */
export function placesEvidence(items: { scan: FileScan; signal: Signal; what?: string }[]): Evidence[] {
  const out = items.slice(0, MAX_PLACES).map((i) => signalEvidence(i.scan, i.signal, i.what));
  if (items.length > MAX_PLACES) out.push({ label: 'more', value: `${items.length - MAX_PLACES} more places` });
  return out;
}

export function clip(s: string, n = 160): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** `a, b and c` */
export function list(items: readonly string[], max = 6): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** The phrase closing messages of findings made without a previous release. */
export const NO_BASELINE = 'no previous release to compare with, so this is judged on presence alone';
