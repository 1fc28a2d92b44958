/**
 * `content-persistence` (high): a file that writes (writeFile/appendFile/copyFile/createWriteStream, `>>`,
 * `reg add`, `crontab -`, `launchctl load`, …) and names a shell startup file, .vscode/tasks.json,
 * .claude/settings.json, crontab, a systemd user unit, LaunchAgents, a Windows Run key or the Startup folder,
 * for a location no file of the previous release wrote; or that makes other programs load its code (sets
 * LD_PRELOAD / DYLD_INSERT_LIBRARIES, writes /etc/ld.so.preload, places a DLL in an application folder). Without
 * a previous release it is high where install-time or obfuscated code does it (or for a loader hijack), medium
 * elsewhere (pm2 writes LaunchAgents for a living).
 */
import type { RawFinding } from '../trust/context';
import { list, NO_BASELINE, placesEvidence } from './evidence';
import { capForUnreadBaseline, currentSignals, inInstallScope, isNewSignal, isObfuscated, type Analysis } from './release';

/** Loader hijacks: other programs made to load the package's code (rundll32 and the like are content-process's). */
const LOADER_HIJACK = /^(?:LD_PRELOAD|DYLD_INSERT_LIBRARIES|\/etc\/ld\.so\.preload|DLL placed in an application folder)$/;

export function persistenceFindings(a: Analysis): RawFinding[] {
  const writes = currentSignals(a, ['persistence']).filter((h) => isNewSignal(a, h.signal));
  const hijacks = currentSignals(a, ['hijack']).filter((h) => LOADER_HIJACK.test(h.signal.key) && isNewSignal(a, h.signal));
  const hits = [...hijacks, ...writes];
  if (!hits.length) return [];
  const parts: string[] = [];
  if (writes.length) parts.push(`writes ${list([...new Set(writes.map((h) => h.signal.key))])}`);
  if (hijacks.length) parts.push(`makes other programs load its code (${list([...new Set(hijacks.map((h) => h.signal.key))])})`);
  const where = list(parts);
  const message = a.previous
    ? `${a.label} ${where}, which no file of ${a.input.previous!.version} did: code that runs again later, outside the package`
    : `${a.label} ${where}: code that runs again later, outside the package (${NO_BASELINE})`;
  const strong = hijacks.length > 0 || hits.some((h) => inInstallScope(a, h.scan.path) || isObfuscated(h.scan));
  if (!a.previous) return [{ code: 'content-persistence', severity: strong ? 'high' : 'medium', message, evidence: placesEvidence(hits) }];
  const install = hits.some((h) => inInstallScope(a, h.scan.path) || isObfuscated(h.scan));
  return [
    {
      code: 'content-persistence',
      ...(install
        ? { severity: 'high' as const, message }
        : capForUnreadBaseline(
            a,
            'high',
            message,
            hits.map((h) => h.scan.path),
          )),
      evidence: placesEvidence(hits),
    },
  ];
}
