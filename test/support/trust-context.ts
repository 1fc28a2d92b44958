import type { PackageContext } from '../../src/core/trust/context';
import { History } from '../../src/core/trust/history';
import type { PackageSummary, VersionSummary } from '../../src/core/trust/types';

export const NOW = new Date('2026-06-01T00:00:00Z');
export const DAY = 86_400_000;

/** ISO time `days` before NOW. */
export function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * DAY).toISOString();
}

export function summary(name: string, versions: VersionSummary[], trust = true): PackageSummary {
  return {
    name,
    registry: 'https://registry.example/',
    distTags: { latest: versions[versions.length - 1]?.version ?? '' },
    versions: Object.fromEntries(versions.map((v) => [v.version, v])),
    trustMetadata: { publisher: trust, maintainers: trust, signatures: false, attestations: versions.some((v) => v.attestations) },
    fetchedAt: NOW.toISOString(),
  };
}

export const alice = { name: 'alice', email: 'alice@example.com' };
export const mallory = { name: 'mallory', email: 'mallory@evil.example' };

export function ctx(s: PackageSummary, version: string, extra: Partial<PackageContext> = {}): PackageContext {
  return {
    name: s.name,
    version,
    // A lockfile records an integrity for every registry entry; a history without one gets a stand-in.
    locked: {
      source: 'registry',
      integrity: s.versions[version]?.integrity ?? 'sha512-AAAA',
      resolved: `https://registry.example/${s.name}/-/${s.name}-${version}.tgz`,
    },
    history: new History(s, NOW),
    registry: { url: 'https://registry.example/', trustData: true, hasKeys: false },
    configuredHosts: ['registry.example'],
    advisories: [],
    now: NOW,
    cooldownMs: 2 * DAY,
    ...extra,
  };
}
