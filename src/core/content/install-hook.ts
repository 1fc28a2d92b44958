/**
 * `content-install-hook`: an install hook (preinstall/install/postinstall, or npm's implicit node-gyp one) in
 * the tarball's package.json compared with the previous release's:
 *
 * - a hook the previous release lacked: high;
 * - a changed command, or the same command now running a file that is new in this release: high when the
 *   install-time code gained capabilities (processes, network, new hosts, credentials, obfuscation, publishing,
 *   persistence), downloads something itself, grew more than 3× (and 100 KB), or reaches files too large to
 *   read; medium otherwise (a switch from node-pre-gyp to node-gyp-build, a new prebuild check);
 * - the same command running changed code: high on the same conditions, low otherwise (packages like esbuild
 *   rewrite their install script every release);
 * - a new or changed hook that runs only well-known tools and no code of the package (`npx only-allow pnpm`,
 *   `husky`, funding notices, native build tools for a package that already had native code): low, the tool named.
 *
 * Commands are compared with the package's own version taken out: `napi-postinstall unrs-resolver 1.11.1 check`
 * is the 1.11.0 command.
 *
 * Without a previous release: medium.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence, Severity } from '../trust/types';
import { clip, list, NO_BASELINE } from './evidence';
import { codeKind, formatBytes } from './files';
import { benignHookTools, hasNativeCode, type HookRun, withoutVersion } from './lifecycle';
import { isHookPath, type Analysis } from './release';
import { signalId, type SignalKind } from './scan';

const CAPABILITY: Partial<Record<SignalKind, string>> = {
  process: 'starts processes',
  network: 'uses the network',
  url: 'names new hosts',
  ip: 'names IP addresses',
  credential: 'reads credentials',
  obfuscation: 'is obfuscated',
  publish: 'publishes packages',
  persistence: 'writes persistence locations',
  launch: 'starts hidden processes',
  'fetch-run': 'runs what it downloads',
  hijack: 'hijacks how programs load code',
  worm: 'plants itself in other packages',
};

const ORDER: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function installHookFindings(a: Analysis): RawFinding[] {
  const cur = a.current;
  if (!cur.scope.runs.length) return [];
  if (!a.previous) {
    return [
      {
        code: 'content-install-hook',
        severity: 'medium',
        message: `${a.label} runs ${list(cur.scope.runs.map((r) => r.hook.name))} on install (${NO_BASELINE})`,
        evidence: cur.scope.runs.flatMap((r) => runEvidence(a, r)),
      },
    ];
  }
  const prev = a.previous;
  const prevVersion = a.input.previous!.version;
  const curVersion = a.input.current.version;
  const files = a.input.current.files;
  const hadNative = hasNativeCode(a.input.previous!, prev.hooks);
  // A command that only bumps the package's own version in it (`napi-postinstall unrs-resolver 1.11.1 check`) is the same command.
  const sameCommand = (before: HookRun, run: HookRun) => withoutVersion(before.hook.command, prevVersion) === withoutVersion(run.hook.command, curVersion);
  // A new or changed hook that runs only well-known tools and no code of the package (`npx only-allow pnpm`, `husky`).
  const benign = (run: HookRun) => benignHookTools(run.parts, hadNative);
  // Install-time code this release changed (code only: a version bump in package.json is not a change of code).
  const changedCode = [...cur.scope.files].filter((p) => !a.unchanged.has(p) && (p === 'binding.gyp' || (files.get(p) && codeKind(files.get(p)!))));
  // Processes and network count by kind (swapping `request` for `make-fetch-happen` gains nothing); hosts,
  // credentials and the rest by key.
  const prevScopeKinds = new Set([...prev.scopeKeys].map((k) => k.slice(0, k.indexOf('\u0000'))));
  const gained = new Map<string, Set<string>>();
  for (const [p, scan] of cur.scans) {
    if (!(isHookPath(p) || changedCode.includes(p))) continue;
    for (const s of scan.signals.values()) {
      const what = CAPABILITY[s.kind];
      if (!s.inCode || !what) continue;
      if (s.kind === 'process' || s.kind === 'network' ? prevScopeKinds.has(s.kind) : prev.scopeKeys.has(signalId(s.kind, s.key))) continue;
      gained.set(what, (gained.get(what) ?? new Set()).add(p));
    }
  }
  const bytesNow = scopeBytes(a, 'current');
  const bytesBefore = scopeBytes(a, 'previous');
  const grew = bytesNow > 3 * bytesBefore && bytesNow - bytesBefore > 100 * 1024;
  const prevDownloads = new Set(prev.scope.runs.flatMap((r) => r.parts.downloads));
  const newDownloads = cur.scope.runs.some((r) => !benign(r) && r.parts.downloads.some((d) => !prevDownloads.has(d)));
  const risky = gained.size > 0 || grew || newDownloads || cur.scope.unread.length > 0;
  const why: string[] = [];
  if (gained.size) why.push(`its install-time code now ${list([...gained.keys()])}`);
  if (grew) why.push(`its install-time code grew to ${formatBytes(bytesNow)} (was ${formatBytes(bytesBefore)})`);
  if (newDownloads) why.push('it downloads at install time');
  if (cur.scope.unread.length) why.push(`it reaches ${list(cur.scope.unread, 2)}, too large to read`);

  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  let severity: Severity | undefined;
  const raise = (s: Severity) => {
    if (!severity || ORDER.indexOf(s) > ORDER.indexOf(severity)) severity = s;
  };
  const quietChanges: string[] = [];
  for (const run of cur.scope.runs) {
    const name = run.hook.name;
    const before = prev.scope.runs.find((r) => r.hook.name === name);
    const newEntries = run.entries.filter((p) => !a.input.previous!.files.has(p) && !a.unchanged.has(p));
    const tools = run.hook.implicit ? undefined : benign(run);
    if (tools && (!before || !sameCommand(before, run))) {
      reasons.push(`${before ? `changes its ${name} script` : `adds a ${name} script`} that runs only ${list(tools)}, no code of the package`);
      raise('low');
      evidence.push(
        ...runEvidence(a, run),
        { label: `${name} in ${prevVersion}`, value: before ? clip(before.hook.command) : '(none)' },
        { label: 'well-known tool', value: list(tools) },
      );
      continue;
    }
    if (!before) {
      reasons.push(run.hook.implicit ? 'gains a binding.gyp (npm runs node-gyp rebuild on install)' : `adds a ${name} script`);
      raise('high');
    } else if (!sameCommand(before, run)) {
      reasons.push(`changes its ${name} script`);
      raise(risky ? 'high' : 'medium');
    } else if (newEntries.length) {
      reasons.push(`${name} now runs ${list(newEntries)}, new in this release`);
      raise(risky ? 'high' : 'medium');
    } else if (changedCode.length) {
      if (risky) {
        reasons.push(`${name} runs changed code`);
        raise('high');
      } else {
        quietChanges.push(name);
        raise('low');
      }
    } else continue;
    evidence.push(...runEvidence(a, run), { label: `${name} in ${prevVersion}`, value: before ? clip(before.hook.command) : '(none)' });
  }
  if (!severity) return [];
  if (quietChanges.length) reasons.push(`${list(quietChanges)} run${quietChanges.length === 1 ? 's' : ''} changed code (${list(changedCode, 3)})`);
  for (const [what, paths] of gained) evidence.push({ label: `install-time code that ${what}`, value: list([...paths], 4) });
  const tail = why.length ? `: ${list(why)}` : severity === 'low' && quietChanges.length ? `, with no capability ${prevVersion}'s lacked` : '';
  return [{ code: 'content-install-hook', severity, message: `${a.label} ${list(reasons)}, compared with ${prevVersion}${tail}`, evidence }];
}

function runEvidence(a: Analysis, run: HookRun): Evidence[] {
  const ev: Evidence[] = [{ label: run.hook.name, value: clip(run.hook.command) }];
  const files = a.input.current.files;
  const previous = a.input.previous?.files;
  for (const p of run.entries) {
    const f = files.get(p);
    const status = !previous ? '' : a.unchanged.has(p) ? 'unchanged' : previous.has(p) ? 'changed' : 'new';
    ev.push({
      label: `runs ${p}`,
      value: [status, f ? formatBytes(f.size) : '', f && !f.data ? `not read (${f.skipped ?? 'no data'})` : ''].filter(Boolean).join(', '),
    });
  }
  for (const m of run.missing) ev.push({ label: `runs ${m}`, value: 'not in the tarball' });
  for (const d of run.parts.downloads) ev.push({ label: 'fetches', value: clip(d) });
  for (const p of a.current.scope.unread) {
    if (run.entries.includes(p)) continue;
    ev.push({ label: `reaches ${p}`, value: `${formatBytes(files.get(p)!.size)}, not read (${files.get(p)!.skipped ?? 'no data'})` });
  }
  return ev;
}

function scopeBytes(a: Analysis, side: 'current' | 'previous'): number {
  const r = side === 'current' ? a.current : a.previous!;
  let n = 0;
  for (const p of r.scope.files) n += r.contents.files.get(p)?.size ?? 0;
  return n;
}
