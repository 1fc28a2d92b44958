/**
 * `content-size-jump` (low): the unpacked size is more than 5× the median of the earlier releases and more than
 * 1 MB above it, or the file count more than 5× the median and 200 files above it. Needs three earlier releases;
 * the median makes one odd release in the history harmless.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence } from '../trust/types';
import { formatBytes } from './files';

const MIN_HISTORY = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function sizeFindings(
  label: string,
  now: { unpackedSize?: number; fileCount?: number },
  history: { unpackedSize?: number; fileCount?: number }[] | undefined,
): RawFinding[] {
  if (!history) return [];
  const evidence: Evidence[] = [];
  const parts: string[] = [];
  const sizes = history.map((h) => h.unpackedSize).filter((n): n is number => typeof n === 'number' && n > 0);
  if (now.unpackedSize && sizes.length >= MIN_HISTORY) {
    const m = median(sizes);
    if (now.unpackedSize > 5 * m && now.unpackedSize - m > 1024 * 1024) {
      parts.push(`is ${formatBytes(now.unpackedSize)} unpacked (${(now.unpackedSize / m).toFixed(1)}× the median ${formatBytes(m)})`);
      evidence.push(
        { label: 'unpacked size', value: formatBytes(now.unpackedSize) },
        { label: `median of ${sizes.length} earlier releases`, value: formatBytes(m) },
      );
    }
  }
  const counts = history.map((h) => h.fileCount).filter((n): n is number => typeof n === 'number' && n > 0);
  if (now.fileCount && counts.length >= MIN_HISTORY) {
    const m = median(counts);
    if (now.fileCount > 5 * m && now.fileCount - m > 200) {
      parts.push(`has ${now.fileCount} files (median ${m})`);
      evidence.push({ label: 'file count', value: String(now.fileCount) }, { label: `median of ${counts.length} earlier releases`, value: String(m) });
    }
  }
  if (!parts.length) return [];
  return [{ code: 'content-size-jump', severity: 'low', message: `${label} ${parts.join(' and ')}: far outside its history`, evidence }];
}
