/**
 * `content-self-publish` (critical): one file that runs `npm publish` (or libnpmpublish), handles a registry
 * token (NPM_TOKEN, `_authToken`, `npm whoami` / `/-/whoami`) and writes a package.json or creates a tarball —
 * the shape of a worm that republishes its victims' packages (Shai-Hulud). Release tooling (np, lerna,
 * semantic-release) has the same shape, but in every release: only a combination the previous release lacked
 * counts. Without a previous release it is critical where install-time or obfuscated code has it, medium
 * elsewhere.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence } from '../trust/types';
import { list, NO_BASELINE, signalEvidence } from './evidence';
import { capForUnreadBaseline, inInstallScope, isObfuscated, type Analysis, type Release } from './release';
import type { FileScan, Signal, SignalKind } from './scan';

function combo(scan: FileScan): { publish: Signal; token: Signal; write: Signal } | undefined {
  const first = (kinds: SignalKind[]) => {
    for (const s of scan.signals.values()) if (s.inCode && kinds.includes(s.kind)) return s;
    return undefined;
  };
  const publish = first(['publish']);
  const token = first(['registry-token']);
  const write = first(['package-write', 'tarball']);
  return publish && token && write ? { publish, token, write } : undefined;
}

const hadCombo = (r: Release) => [...r.scans.values()].some((s) => combo(s) !== undefined);

export function selfPublishFindings(a: Analysis): RawFinding[] {
  const found: { scan: FileScan; c: NonNullable<ReturnType<typeof combo>> }[] = [];
  for (const [p, scan] of a.current.scans) {
    if (a.unchanged.has(p) || a.baselineGaps.has(p)) continue;
    const c = combo(scan);
    if (c) found.push({ scan, c });
  }
  if (!found.length || (a.previous && hadCombo(a.previous))) return [];
  const evidence: Evidence[] = found.slice(0, 3).flatMap(({ scan, c }) => [
    signalEvidence(scan, c.publish, 'publishes'),
    signalEvidence(scan, c.token, 'registry token'),
    signalEvidence(scan, c.write, c.write.kind === 'tarball' ? 'creates a tarball' : 'writes package.json'),
  ]);
  const files = list(found.map((f) => f.scan.path), 3);
  const message = a.previous
    ? `${a.label} can republish packages with the user's registry token (npm publish, a token, and package.json or tarball writing in ${files}); ${a.input.previous!.version} could not`
    : `${a.label} can republish packages with the user's registry token (npm publish, a token, and package.json or tarball writing in ${files}) (${NO_BASELINE})`;
  if (!a.previous) {
    // Release tools (lerna, np, yarn, pnpm) have this shape too: on presence alone only install-time or
    // obfuscated code is critical.
    const strong = found.some((f) => inInstallScope(a, f.scan.path) || isObfuscated(f.scan));
    return [{ code: 'content-self-publish', severity: strong ? 'critical' : 'medium', message, evidence }];
  }
  return [{ code: 'content-self-publish', ...capForUnreadBaseline(a, 'critical', message, found.map((f) => f.scan.path)), evidence }];
}
