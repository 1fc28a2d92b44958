/**
 * `content-self-publish` (critical): one file that runs `npm publish` (or libnpmpublish), handles a registry
 * token (NPM_TOKEN, `_authToken`, `npm whoami` / `/-/whoami`) and writes a package.json or creates a tarball —
 * the shape of a worm that republishes its victims' packages (Shai-Hulud). Release tooling (np, lerna,
 * semantic-release) has the same shape, but in every release: only a combination the previous release lacked
 * counts. npm publishes with the user's login, so a worm needs no token: publish and manifest writing with a worm's
 * other parts (copying its own file, planting an install hook in the manifest it writes, listing the packages the
 * user may publish) count too — critical from install-time or obfuscated code, high elsewhere. Without a previous release it is critical where install-time or obfuscated code has it, medium
 * elsewhere.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence } from '../trust/types';
import { list, NO_BASELINE, signalEvidence } from './evidence';
import { capForUnreadBaseline, inInstallScope, isObfuscated, type Analysis, type Release } from './release';
import type { FileScan, Signal, SignalKind } from './scan';

function combo(scan: FileScan): { publish: Signal; token: Signal; write: Signal; tokenless: boolean } | undefined {
  const first = (kinds: SignalKind[]) => {
    for (const s of scan.signals.values()) if (s.inCode && kinds.includes(s.kind)) return s;
    return undefined;
  };
  const publish = first(['publish']);
  const write = first(['package-write', 'tarball']);
  if (!publish || !write) return undefined;
  const token = first(['registry-token']);
  if (token) return { publish, token, write, tokenless: false };
  // npm publishes with the user's own login: a worm needs no token when it copies itself, plants an install hook
  // in the manifest it rewrites, or walks the packages the user may publish.
  const part = first(['worm']);
  return part ? { publish, token: part, write, tokenless: true } : undefined;
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
  const evidence: Evidence[] = found
    .slice(0, 3)
    .flatMap(({ scan, c }) => [
      signalEvidence(scan, c.publish, 'publishes'),
      signalEvidence(scan, c.token, c.tokenless ? c.token.key : 'registry token'),
      signalEvidence(scan, c.write, c.write.kind === 'tarball' ? 'creates a tarball' : 'writes package.json'),
    ]);
  const files = list(
    found.map((f) => f.scan.path),
    3,
  );
  const tokenless = found.every((f) => f.c.tokenless);
  const how = tokenless
    ? `npm publish with the user's login, package.json or tarball writing, and ${list([...new Set(found.map((f) => f.c.token.key))])} in ${files}`
    : `npm publish, a token, and package.json or tarball writing in ${files}`;
  const message = a.previous
    ? `${a.label} can republish packages as the user (${how}); ${a.input.previous!.version} could not`
    : `${a.label} can republish packages as the user (${how}) (${NO_BASELINE})`;
  if (!a.previous) {
    // Release tools (lerna, np, yarn, pnpm) have this shape too: on presence alone only install-time or
    // obfuscated code is critical.
    const strong = found.some((f) => inInstallScope(a, f.scan.path) || isObfuscated(f.scan));
    return [{ code: 'content-self-publish', severity: strong ? 'critical' : 'medium', message, evidence }];
  }
  // Without a token the shape is a worm only by its other parts: critical where install-time or obfuscated code has it.
  const severity = tokenless && !found.some((f) => inInstallScope(a, f.scan.path) || isObfuscated(f.scan)) ? 'high' : 'critical';
  return [
    {
      code: 'content-self-publish',
      ...capForUnreadBaseline(
        a,
        severity,
        message,
        found.map((f) => f.scan.path),
      ),
      evidence,
    },
  ];
}
