/**
 * `content-persistence` (high): a file that writes (writeFile/appendFile/copyFile/createWriteStream, `>>`,
 * `reg add`, `crontab -`, `launchctl load`, …) and names a shell startup file, .vscode/tasks.json,
 * .claude/settings.json, crontab, a systemd user unit, LaunchAgents, a Windows Run key or the Startup folder,
 * for a location no file of the previous release wrote. Without a previous release it is high where install-time
 * or obfuscated code does it, medium elsewhere (pm2 writes LaunchAgents for a living).
 */
import type { RawFinding } from '../trust/context';
import { list, NO_BASELINE, placesEvidence } from './evidence';
import { capForUnreadBaseline, currentSignals, inInstallScope, isNewSignal, isObfuscated, type Analysis } from './release';

export function persistenceFindings(a: Analysis): RawFinding[] {
  const hits = currentSignals(a, ['persistence']).filter((h) => isNewSignal(a, h.signal));
  if (!hits.length) return [];
  const where = list([...new Set(hits.map((h) => h.signal.key))]);
  const message = a.previous
    ? `${a.label} writes ${where}, which no file of ${a.input.previous!.version} did: code that runs again later, outside the package`
    : `${a.label} writes ${where}: code that runs again later, outside the package (${NO_BASELINE})`;
  const strong = hits.some((h) => inInstallScope(a, h.scan.path) || isObfuscated(h.scan));
  if (!a.previous) return [{ code: 'content-persistence', severity: strong ? 'high' : 'medium', message, evidence: placesEvidence(hits) }];
  return [{ code: 'content-persistence', ...(strong ? { severity: 'high' as const, message } : capForUnreadBaseline(a, 'high', message, hits.map((h) => h.scan.path))), evidence: placesEvidence(hits) }];
}
