import * as os from 'node:os';
import * as path from 'node:path';
import type PacoteType from 'pacote';
import { lazyModule } from '../../core/lazy-module';
import { PLAIN_SECTIONS } from '../../core/manifest';
import { installedPackage } from '../../core/lockfile/installed-package';
import type { InstalledPackage, Manifest, ManifestDependency, ManifestSection, ProjectModel } from '../../core/model';
import type { Gap } from '../../core/trust/coverage';
import { isAbort } from '../infra/errors';
import type { NpmConfig } from '../registry/npmrc';
import { toFetchOptions } from '../registry/transport';

// npm's own manifest picker (dist-tags, ranges, `before`), loaded only when a project has no usable lockfile.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pacote = lazyModule(() => require('pacote') as typeof PacoteType);

const SECTIONS: ReadonlySet<ManifestSection> = new Set(PLAIN_SECTIONS);

export interface UnlockedOptions {
  npmConfig: NpmConfig;
  /** Resolve as npm would have at this instant (`--now`): versions published later do not exist yet. */
  before?: Date;
  offline?: boolean;
  /** TrustLens's cache folder: pacote keeps its HTTP cache under it (default: the system's temporary folder). */
  cacheDir?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Restricted Mode: true for a name that must be sent nowhere (it is then left out, and counted by the caller). */
  withhold?: (name: string) => boolean;
  /** Resolve only these manifest entries (those a lockfile is out of date for), not every one. */
  only?: readonly { manifest: Manifest; dependency: ManifestDependency }[];
  /** The documents pacote read, kept for the next resolutions (a session's: edits of one range ask once). */
  packuments?: PacotePackuments;
}

/**
 * The packuments pacote fetched, for pacote's `packumentCache` option: the next pick of the same name (another range
 * of it as it is typed, or another workspace's) reads the same document instead of asking the registry again, for
 * as long as the engine trusts its own histories (its TTL). Bounded by the documents' sizes (content-length, as npm
 * bounds its own), least recently used first out.
 */
export class PacotePackuments {
  private readonly entries = new Map<string, { value: unknown; at: number; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly clock: () => number = Date.now,
  ) {}

  has(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    if (this.clock() - e.at < this.ttlMs) return true;
    this.delete(key);
    return false;
  }

  get(key: string): unknown {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: unknown): this {
    this.delete(key);
    const length = Number((value as { _contentLength?: unknown } | null)?._contentLength);
    const bytes = Number.isFinite(length) && length > 0 ? length : 1024 * 1024;
    if (this.ttlMs <= 0 || bytes > this.maxBytes) return this;
    this.entries.set(key, { value, at: this.clock(), bytes });
    this.bytes += bytes;
    for (const [k] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(k);
    }
    return this;
  }

  delete(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    this.bytes -= e.bytes;
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * What `npm install` would install for the direct dependencies of a project that has no lockfile, or one the
 * package manager ignores: each registry spec of every manifest resolved as npm resolves it (pacote, npm's own
 * manifest picker), as of now or `before`. Git and URL specs become packages of that source (judged by where they
 * come from); the project's own folders and workspaces are left out. What cannot be resolved is a gap. The
 * dependencies of these versions are not resolved: without a lockfile they are unknown, and the caller says so.
 */
export async function resolveUnlocked(model: ProjectModel, opts: UnlockedOptions): Promise<{ packages: InstalledPackage[]; gaps: Gap[] }> {
  const workspaceNames = new Set(model.manifests.map((m) => m.name).filter((n): n is string => !!n));
  const base = {
    ...toFetchOptions(opts.npmConfig),
    cache: path.join(opts.cacheDir ?? path.join(os.tmpdir(), 'trustlens'), 'pacote'),
    preferOnline: !opts.offline,
    offline: !!opts.offline,
    fullMetadata: !!opts.before,
    ...(opts.before ? { before: opts.before } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    // pacote uses has/get/set/delete of its packumentCache (typed as a Map): PacotePackuments is that much of one.
    ...(opts.packuments ? { packumentCache: opts.packuments as unknown as Map<string, PacoteType.Packument> } : {}),
  };
  const picks = new Map<string, Promise<PacoteType.AbbreviatedManifest & PacoteType.ManifestResult>>();
  const pick = (name: string, range: string) => {
    const spec = `${name}@${range}`;
    let p = picks.get(spec);
    if (!p) picks.set(spec, (p = pacote().manifest(spec, base)));
    return p;
  };
  const packages: InstalledPackage[] = [];
  const gaps: Gap[] = [];
  const jobs: Promise<void>[] = [];
  const entries = opts.only ?? model.manifests.flatMap((manifest) => manifest.dependencies.map((dependency) => ({ manifest, dependency })));
  for (const { manifest: m, dependency: d } of entries) {
    if (!SECTIONS.has(d.section)) continue;
    const name = d.spec.registryName ?? d.name;
    const spec = d.spec;
    if (spec.type === 'file' || spec.type === 'link' || spec.type === 'workspace') continue;
    if (spec.type !== 'alias' && workspaceNames.has(name)) continue;
    if (spec.type === 'git' || spec.type === 'remote') {
      packages.push(unlockedPackage(m, d, name, '', { resolved: spec.raw, source: spec.type }));
      continue;
    }
    if (opts.withhold?.(name)) continue;
    if (spec.type === 'other') {
      gaps.push({
        package: name,
        version: '',
        signal: 'lockfile-entry',
        reason: `"${spec.raw}" is a dependency spec TrustLens cannot resolve`,
        at: { file: m.file, range: d.valueRange },
      });
      continue;
    }
    jobs.push(
      pick(name, spec.range ?? '*').then(
        (mani) => void packages.push(unlockedPackage(m, d, name, mani.version, { resolved: mani._resolved, integrity: mani._integrity, source: 'registry' })),
        (e: unknown) => {
          if (isAbort(e, opts.signal)) throw e;
          gaps.push({
            package: name,
            version: '',
            signal: 'registry-history',
            reason: `${spec.raw} could not be resolved: ${describe(e)}`,
            at: { file: m.file, range: d.valueRange },
          });
        },
      ),
    );
  }
  await Promise.all(jobs);
  // Manifest order, whatever order the registry answered in.
  packages.sort((a, b) => a.file.localeCompare(b.file) || a.range.startOffset - b.range.startOffset);
  return { packages, gaps };
}

function unlockedPackage(
  m: Manifest,
  d: ManifestDependency,
  name: string,
  version: string,
  from: Pick<InstalledPackage, 'resolved' | 'integrity' | 'source'>,
): InstalledPackage {
  const id = `${m.file}#${d.section}/${d.name}`;
  const p = installedPackage({ id, name, version, ...from, dependencies: [], file: m.file, range: d.keyRange });
  p.direct = true;
  p.dev = d.section === 'devDependencies';
  p.optional = d.section === 'optionalDependencies';
  p.peer = d.section === 'peerDependencies';
  p.workspaces = [m.dir];
  p.paths = [[m.dir, id]];
  p.resolvedFrom = d.spec.raw;
  if (d.name !== name) p.alias = d.name;
  return p;
}

/** pacote's errors in one line: ETARGET (no matching version), E404, network failures. */
function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const first = String(err?.message ?? e).split('\n')[0];
  if (err?.code === 'ETARGET') return `no published version matches it (${first})`;
  if (err?.code === 'E404') return 'the registry has no such package (404)';
  return err?.code ? `${first} (${err.code})` : first;
}
