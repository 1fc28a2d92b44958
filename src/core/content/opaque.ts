/**
 * Long encoded strings (base64, hex) in code: one pass over the bytes, no regular expressions. What is opaque
 * here is what a reader cannot review: high-entropy runs of the base64 alphabet, except data URIs (inline
 * source maps, images, fonts) and inlined WebAssembly, which are data a bundler put there.
 */

/** Runs shorter than this are identifiers, hashes or keys, not payloads. */
export const MIN_RUN = 200;

export interface OpaqueRun {
  start: number;
  length: number;
  /** Shannon entropy, bits per character. */
  entropy: number;
  /** Passed to a decoder: `atob(`/`Buffer.from(`/`decode(` before it, or a `'base64'`/`'hex'` encoding after it. */
  decoded: boolean;
  /** Right after `eval(`/`Function(`: evaluated as it is. */
  evaluated: boolean;
}

export interface OpaqueSummary {
  /** Bytes in high-entropy runs that are not data URIs or WebAssembly. */
  opaqueBytes: number;
  /** Runs worth reporting (capped). */
  runs: OpaqueRun[];
}

const MAX_RUNS = 200;
/**
 * Random base64 has close to 6 bits per character, random hex 4; words run together (entity tables, long
 * identifiers) stay under 5, padding and repetition far under.
 */
const MIN_ENTROPY = 5.0;
const MIN_HEX_ENTROPY = 3.8;

// 1 for the base64 / base64url alphabet and `=`.
const ALPHABET = new Uint8Array(256);
for (let c = 48; c <= 57; c++) ALPHABET[c] = 1;
for (let c = 65; c <= 90; c++) ALPHABET[c] = 1;
for (let c = 97; c <= 122; c++) ALPHABET[c] = 1;
for (const c of [43, 47, 61, 45, 95]) ALPHABET[c] = 1;

const counts = new Uint32Array(256);

export function opaqueRuns(data: Uint8Array, text: string): OpaqueSummary {
  const out: OpaqueSummary = { opaqueBytes: 0, runs: [] };
  const n = data.length;
  let i = 0;
  // Skip-ahead search for runs of at least MIN_RUN: when the byte MIN_RUN-1 ahead is outside the alphabet no run
  // can start before it; otherwise walk back to the last outsider. Code has short runs (identifiers), so this
  // reads a few percent of the bytes.
  while (i + MIN_RUN <= n) {
    const p = i + MIN_RUN - 1;
    if (!ALPHABET[data[p]]) {
      i = p + 1;
      continue;
    }
    let q = p - 1;
    while (q >= i && ALPHABET[data[q]]) q--;
    if (q >= i) {
      i = q + 1;
      continue;
    }
    const start = i;
    let e = p + 1;
    while (e < n && ALPHABET[data[e]]) e++;
    i = e;
    const length = e - start;
    const entropy = entropyOf(data, start, e);
    if (entropy < (hexOnly() ? MIN_HEX_ENTROPY : MIN_ENTROPY)) continue;
    const before = text.slice(Math.max(0, start - 48), start);
    // Data URIs and WebAssembly (`\0asm` is `AGFzbQ` in base64) are data.
    if (/base64,$/.test(before) || text.startsWith('AGFzbQ', start)) continue;
    out.opaqueBytes += length;
    if (out.runs.length < MAX_RUNS) {
      const after = text.slice(e, e + 32);
      const decoded =
        /(?:atob|from|decode|decodeBase64|base64ToString|unhex)\s*\(\s*['"`]$/i.test(before) || /^['"`]\s*,\s*['"`](?:base64|base64url|hex)['"`]/.test(after);
      const evaluated = /(?:\beval|\bFunction|runInThisContext|runInNewContext|Script)\s*\(\s*['"`]$/.test(before);
      out.runs.push({ start, length, entropy, decoded, evaluated });
    }
  }
  return out;
}

/** Whether the run last measured by entropyOf used hex digits only. */
function hexOnly(): boolean {
  for (let c = 0; c < 256; c++) {
    if (counts[c] && !((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function entropyOf(data: Uint8Array, from: number, to: number): number {
  counts.fill(0);
  for (let j = from; j < to; j++) counts[data[j]]++;
  const len = to - from;
  let h = 0;
  for (let c = 0; c < 256; c++) {
    const k = counts[c];
    if (k) {
      const p = k / len;
      h -= p * Math.log2(p);
    }
  }
  return h;
}
