/**
 * `content-obfuscation` (high): obfuscator signatures that no file of the previous release had — runs of
 * `_0x…` identifiers, a string-array rotation (`['push'](…['shift']())`), `while(!![])` control loops, text
 * spelled as character codes next to String.fromCharCode, decoded strings passed to eval/Function/vm,
 * `require()` of a decoded name, a long encoded string decoded in a file that evaluates code, API names built from
 * pieces at run time, self-decoding `eval(function(p,a,c,k,e,…){…})` packers, runs of invisible Unicode, and
 * decoders feeding eval/Function/vm/require (decode-and-run chains, steganography included: chains.ts). Minifiers
 * produce none of these (they rename to short names, write `a.push`, `!0` and keep strings as strings), so
 * minified bundles pass. Also a jump in a file's opaque content: at least 4 KB more high-entropy encoded text
 * than the same file had before and four times as much (medium; high where the file evaluates code or install
 * hooks run it). Without a previous release the signatures alone are strong enough: high.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence, Severity } from '../trust/types';
import { type Chain, describeLink } from './chains';
import { list, NO_BASELINE, placesEvidence, signalEvidence } from './evidence';
import { formatBytes, placeLabel } from './files';
import { currentSignals, inInstallScope, isHookPath, isNewSignal, STRONG_OBFUSCATION, type Analysis } from './release';

export const OBFUSCATION_SIGNS: Record<string, string> = {
  '_0x-identifiers': 'obfuscator-style _0x identifiers',
  'string-array-rotation': 'an obfuscator string-array rotation',
  'obfuscator-loop': 'an obfuscator control loop (while(!![]))',
  'char-codes': 'text hidden as character codes',
  'decode-eval': 'decoded strings passed to eval/Function',
  'encoded-payload': 'a long encoded string decoded in code that evaluates code',
  'decoded-require': 'a module name decoded at run time',
  'built-api-name': 'a module or API name built from pieces at run time',
  'self-decoding-eval': 'a self-decoding eval(function(p,a,c,k,e,…)) wrapper',
  'invisible-code': 'a long run of invisible Unicode characters',
};

const JUMP_BYTES = 4096;

export function obfuscationFindings(a: Analysis, chains: Chain[] = []): RawFinding[] {
  const hits = currentSignals(a, ['obfuscation']).filter((h) => isNewSignal(a, h.signal));
  // Decoders feeding code sinks: hidden code run (from data files too: steganography).
  const runs = chains.filter((c) => c.kind === 'decode-and-run');
  const jumps: { path: string; before: number; after: number; risky: boolean; offset: number }[] = [];
  if (a.previous) {
    for (const [p, scan] of a.current.scans) {
      if (a.unchanged.has(p) || a.baselineGaps.has(p) || isHookPath(p)) continue;
      const before = a.previous.scans.get(p);
      if (!before) continue;
      const x = scan.opaque.opaqueBytes;
      const y = before.opaque.opaqueBytes;
      // Injected into a file that otherwise stayed about the same size; a file replaced wholesale is not a jump.
      const rest = (a.input.current.files.get(p)?.size ?? 0) - x;
      const sizeBefore = a.input.previous!.files.get(p)?.size ?? 0;
      if (x - y >= JUMP_BYTES && x >= 4 * Math.max(y, 512) && rest <= 2 * sizeBefore + 4096) {
        jumps.push({ path: p, before: y, after: x, risky: scan.dynamicEval || inInstallScope(a, p), offset: scan.opaque.runs[0]?.start ?? 0 });
      }
    }
  }
  if (!hits.length && !jumps.length && !runs.length) return [];
  // Strong signatures are high; a decoded blob merely in a file that evaluates code, or more encoded text, is
  // medium unless install-time code has it (yarn 2 ships brotli-compressed base64 code it evaluates).
  const strong = hits.some((h) => STRONG_OBFUSCATION.has(h.signal.key) || inInstallScope(a, h.scan.path));
  const severity: Severity = strong || runs.length || jumps.some((j) => j.risky) ? 'high' : 'medium';
  const signs = [
    ...new Set([
      ...runs.map(
        (c) =>
          `${c.source!.signal.key.startsWith('binary-file:') ? `code hidden in ${c.source!.signal.key.slice(12)}` : `hidden code (${describeLink(c.source!)})`} run through ${c.sink.signal.key}`,
      ),
      ...hits.map((h) => OBFUSCATION_SIGNS[h.signal.key] ?? h.signal.key),
    ]),
  ];
  if (jumps.length) signs.push(`${jumps.length === 1 ? 'a file' : 'files'} with much more encoded text than before`);
  const files = [...new Set([...runs.map((c) => c.sink.scan.path), ...hits.map((h) => h.scan.path), ...jumps.map((j) => j.path)])];
  const evidence: Evidence[] = [
    ...runs.slice(0, 3).flatMap((c) => [signalEvidence(c.source!.scan, c.source!.signal, 'decodes'), signalEvidence(c.sink.scan, c.sink.signal, 'runs')]),
    ...placesEvidence(hits.map((h) => ({ ...h, what: OBFUSCATION_SIGNS[h.signal.key] }))),
  ];
  for (const j of jumps) {
    const scan = a.current.scans.get(j.path)!;
    evidence.push({
      label: placeLabel(j.path, scan.lines, j.offset),
      value: `high-entropy encoded text: ${formatBytes(j.after)} (was ${formatBytes(j.before)})${scan.dynamicEval ? '; the file evaluates code' : ''}`,
    });
  }
  const message = a.previous
    ? `${a.label} adds obfuscated code (${list(signs, 4)}) in ${list(files, 3)}; ${a.input.previous!.version} had none`
    : `${a.label} ships obfuscated code (${list(signs, 4)}) in ${list(files, 3)} (${NO_BASELINE})`;
  return [{ code: 'content-obfuscation', severity, message, evidence }];
}
