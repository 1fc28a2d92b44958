import { type ReleaseTimeline, releaseTimeline } from '../../core/report/timeline';
import { gatherAdvisories } from '../advisories/sources';
import { type CheckOptions, type PackageError, checkParts } from './run-check';
import { isPrivateName } from '../registry/npmrc';
import { EngineError } from '../infra/errors';

export interface TimelineOptions {
  /** The options the project is checked with: the same registries, cache and (in the service) session parts. */
  check: CheckOptions;
  name: string;
  /** Versions the project has installed (marked on the timeline). */
  locked: string[];
  /** Where the lockfile resolves them from (Restricted Mode: a host only the ignored .npmrc names is asked nothing). */
  resolved?: string[];
}

/**
 * The release history of one package with advisories per release: the data of the trust report page. With a
 * session (the service), the package's summary usually comes from its memo (the project was just checked) and
 * the advisory request uses its sockets.
 */
export async function packageTimeline({ check, name, locked, resolved = [] }: TimelineOptions): Promise<ReleaseTimeline> {
  const { parts, registries, withheld } = await checkParts(check, check.signal);
  if (withheld && [undefined, ...resolved].some((r) => withheld.withhold({ name, resolved: r }))) {
    throw new EngineError(
      'restricted',
      `${name} is not checked in Restricted Mode: the workspace .npmrc routes it to a registry of its own, and TrustLens sends its name nowhere else until you trust the folder`,
    );
  }
  const summary = await parts.summary(name, { signal: check.signal });
  const errors: PackageError[] = [];
  const advisories = await gatherAdvisories(new Map([[name, Object.keys(summary.versions)]]), {
    config: check.advisories ?? { npm: true, osv: false },
    registries,
    isPrivate: (n) => isPrivateName(registries, n),
    signal: check.signal,
    offline: check.offline,
    errors,
    http: parts.http,
  });
  return releaseTimeline(summary, advisories.get(name) ?? [], locked, check.now ?? new Date());
}
