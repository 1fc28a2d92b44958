/**
 * analyzeContentChange: what a version's tarball contains compared with the release before it. Pure: the
 * caller reads both tarballs (see PackageContents) and passes the registry's metadata of the version and the
 * sizes of earlier releases.
 */
import type { RawFinding } from '../trust/context';
import { SEVERITIES } from '../trust/types';
import { binaryFindings } from './binary';
import { credentialFindings, networkFindings, processFindings } from './capabilities';
import { newChains } from './chains';
import { installHookFindings } from './install-hook';
import { manifestMismatchFindings } from './manifest-mismatch';
import { obfuscationFindings } from './obfuscation';
import { persistenceFindings } from './persistence';
import { pathEscapeFindings } from './archive';
import { analyzeSteps, type ContentInput } from './release';
import { finish, type Steps } from '../steps';
import { selfPublishFindings } from './self-publish';
import { sizeFindings } from './size';
import { unscannedFindings } from './unscanned';

export type { ContentInput };

/**
 * Findings about the current release's contents: `content-*` codes and `manifest-mismatch`, most severe first.
 * Without `previous` only what is suspicious on its own is reported, and (credentials, self-publish,
 * persistence and obfuscation aside) at most at medium.
 */
export function analyzeContentChange(input: ContentInput): RawFinding[] {
  return finish(contentChangeSteps(input));
}

/**
 * analyzeContentChange in steps: it yields after each file scanned (and each chunk of a large one), the bulk of
 * its time; what comes after the scans (matching them against each other) is one step.
 */
export function* contentChangeSteps(input: ContentInput): Steps<RawFinding[]> {
  const a = yield* analyzeSteps(input);
  // Behaviour chains in new and changed code (source → encoding → sink, decoder → code sink, …), the previous release's subtracted.
  const chains = newChains(a);
  const credentials = credentialFindings(a, chains);
  const findings: RawFinding[] = [
    ...installHookFindings(a),
    ...manifestMismatchFindings(input.current, input.registry, a.label),
    ...processFindings(a),
    ...networkFindings(a, credentials.files, chains),
    ...credentials.findings,
    ...obfuscationFindings(a, chains),
    ...binaryFindings(input.current, input.previous, a.label),
    ...selfPublishFindings(a),
    ...persistenceFindings(a),
    ...pathEscapeFindings(input.current, a.label),
    ...unscannedFindings(a),
    // The larger of what the registry says and what the tarball holds: a registry that understates a bomb's size must not hide it.
    ...sizeFindings(
      a.label,
      {
        unpackedSize: Math.max(input.registry?.unpackedSize ?? 0, input.current.unpackedSize),
        fileCount: Math.max(input.registry?.fileCount ?? 0, input.current.fileCount),
      },
      input.history,
    ),
  ];
  for (const f of findings) {
    const seen = new Set<string>();
    f.evidence = f.evidence.filter((e) => {
      const k = `${e.label}\u0000${e.value}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  return findings.sort((x, y) => SEVERITIES.indexOf(y.severity) - SEVERITIES.indexOf(x.severity));
}
