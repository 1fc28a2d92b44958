/** Where an unresolved git merge conflict starts in a file. */
export interface ConflictMarker {
  offset: number;
  length: number;
}

/**
 * Reads the HEAD ("ours") side of unresolved git merge conflicts: the marker lines and the other side are
 * blanked with spaces (line breaks kept), so every offset and position in the result is the original one.
 */
export function takeOurSide(text: string): { text: string; conflicts: ConflictMarker[] } {
  if (!text.includes('<<<<<<<')) return { text, conflicts: [] };
  const conflicts: ConflictMarker[] = [];
  const lines = text.split(/(?<=\n)/);
  let state: 'outside' | 'ours' | 'theirs' = 'outside';
  let offset = 0;
  const out = lines.map((line) => {
    const start = offset;
    offset += line.length;
    const blank = () => line.replace(/[^\r\n]/g, ' ');
    if (line.startsWith('<<<<<<<')) {
      conflicts.push({ offset: start, length: line.replace(/\r?\n$/, '').length });
      state = 'ours';
      return blank();
    }
    if (state === 'ours' && (line.startsWith('=======') || line.startsWith('|||||||'))) {
      state = 'theirs';
      return blank();
    }
    if (state === 'theirs') {
      if (line.startsWith('>>>>>>>')) state = 'outside';
      return blank();
    }
    return line;
  });
  return { text: out.join(''), conflicts };
}

export function conflictMessage(conflicts: ConflictMarker[]): string {
  const n = conflicts.length;
  return `${n} unresolved git merge conflict${n > 1 ? 's' : ''}: reading the HEAD side ("ours") until resolved`;
}
