import * as semver from 'semver';
import type { LockfileKind } from '../model';
import { atLeast } from '../trust/severity';
import type { FindingCode, Severity } from '../trust/types';
import type { DiagnosticData } from './diagnostics';

/**
 * What the quick fixes and commands offer, in words and commands, decided without VS Code. A fix must never lock in
 * a flagged version, never run a package's install scripts on the user's behalf, and say what it does.
 */

/** Codes whose versions run (or are) hostile code at install time: an install after a fix must not run scripts. */
const INSTALL_TIME: ReadonlySet<FindingCode> = new Set(['install-script-added', 'install-script', 'content-install-hook', 'malware', 'content-self-publish']);

/** Codes that stop a version for good: allowing one asks twice. */
export const GRAVE: ReadonlySet<FindingCode> = new Set([
  'malware',
  'integrity-mismatch',
  'provenance-invalid',
  'signature-invalid',
  'resolved-mismatch',
  'content-self-publish',
]);

/** The title of the action that moves a dependency to its safe version: an upgrade or a pin back, said as such. */
export function moveTitle(data: Pick<DiagnosticData, 'package' | 'version' | 'safeVersion' | 'direct'>, overrideSection?: string): string | undefined {
  const safe = data.safeVersion;
  if (!safe || safe === data.version) return undefined;
  const up = semver.valid(safe) && semver.valid(data.version) ? semver.gt(safe, data.version) : false;
  const why = up ? 'a trusted release in your range' : 'the last trusted release';
  if (overrideSection) return `Override ${data.package} to ${safe} in ${overrideSection} (${why})`;
  return up ? `Upgrade ${data.package} to ${safe} (${why})` : `Pin ${data.package} to ${safe} (${why})`;
}

/**
 * An integrity mismatch is cured by fetching the same version again (the lockfile's hash or the served bytes are
 * wrong, not the version): when it is the only reason a version is unsafe, moving to another version is not offered.
 */
export function onlyIntegrity(
  data: Pick<DiagnosticData, 'codes'>,
  severities: readonly { code: FindingCode; severity: Severity }[],
  threshold: Severity = 'high',
): boolean {
  const unsafe = severities.filter((f) => atLeast(f.severity, threshold));
  return data.codes.includes('integrity-mismatch') && unsafe.length > 0 && unsafe.every((f) => f.code === 'integrity-mismatch');
}

/** The install command to offer after a fix: without lifecycle scripts whenever the project has install-time findings. */
export function installCommand(
  pm: 'npm' | 'yarn' | 'pnpm',
  lockfileKind: LockfileKind | undefined,
  findings: readonly { code: FindingCode; package: string; version: string }[],
): { command: string; reason?: string } {
  const risky = findings.filter((f) => INSTALL_TIME.has(f.code) && f.package !== '*');
  if (!risky.length) return { command: `${pm} install` };
  const names = [...new Set(risky.map((f) => `${f.package}@${f.version}`))];
  const reason = `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''} ${names.length > 1 ? 'have' : 'has'} install-time findings: their scripts must not run`;
  const command =
    pm === 'yarn' ? (lockfileKind === 'yarn-berry' ? 'yarn install --mode=skip-build' : 'yarn install --ignore-scripts') : `${pm} install --ignore-scripts`;
  return { command, reason };
}
