import { type ReleaseTimeline, releaseTimeline } from '../core/report/timeline';
import { gatherAdvisories, type AdvisoryConfig } from './advisory-sources';
import { DiskCache, defaultCacheDir } from './disk-cache';
import type { PackageError } from './check';
import { RegistryHttp } from './registry/http';
import { isPrivateName, loadNpmConfig, registryMap } from './registry/npmrc';
import { PackumentSource } from './registry/packuments';

export interface TimelineOptions {
  projectDir: string;
  name: string;
  /** Versions the project has installed (marked on the timeline). */
  locked: string[];
  registry?: string;
  advisories?: AdvisoryConfig;
  offline?: boolean;
  cacheDir?: string;
  ignoreProjectNpmrc?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  signal?: AbortSignal;
}

/** The release history of one package with advisories per release: the data of the trust report page. */
export async function packageTimeline(opts: TimelineOptions): Promise<ReleaseTimeline> {
  const config = await loadNpmConfig({ projectDir: opts.projectDir, env: opts.env, ignoreProject: opts.ignoreProjectNpmrc, overrides: opts.registry ? { registry: opts.registry } : undefined });
  const registries = registryMap(config);
  const http = new RegistryHttp({ config });
  const cache = new DiskCache(opts.cacheDir ?? defaultCacheDir());
  const summary = await new PackumentSource(http, registries, cache, { offline: opts.offline }).summary(opts.name, opts.signal);
  const errors: PackageError[] = [];
  const advisories = await gatherAdvisories(new Map([[opts.name, Object.keys(summary.versions)]]), {
    config: opts.advisories ?? { npm: true, osv: false },
    registries,
    isPrivate: (n) => isPrivateName(registries, n),
    signal: opts.signal,
    offline: opts.offline,
    errors,
    http,
  });
  return releaseTimeline(summary, advisories.get(opts.name) ?? [], opts.locked, opts.now ?? new Date());
}
