import type { ProjectModel, SourceRange } from '../../core/model';
import type { Gap } from '../../core/trust/coverage';
import { type IgnoredRoutes, type RegistryMap, scopeOf, withheldRoute } from '../registry/npmrc';

/** At most this many scopes and hosts are named in the message; the rest are counted. */
const LISTED = 5;
const ZERO_RANGE: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };

/**
 * Restricted Mode's guard on names: the packages the ignored project .npmrc routes to a registry of its own are
 * asked of no registry, advisory service or anyone else (the default registry would learn a company's private
 * package names), and are reported once, for the project, as not checked until the folder is trusted.
 */
export class WithheldNames {
  /** Every package name withheld, for the count. */
  private readonly names = new Set<string>();
  private readonly scopes = new Set<string>();
  private readonly hosts = new Set<string>();
  /** The project's .npmrc routes every unscoped name elsewhere. */
  private unscoped = false;

  constructor(
    private readonly routes: IgnoredRoutes,
    private readonly trusted: RegistryMap,
  ) {}

  /** Whether this package must be sent nowhere; remembers it for the gap when so. */
  withhold(p: { name: string; resolved?: string }): boolean {
    const host = withheldRoute(this.routes, this.trusted, p.name, p.resolved);
    if (host === undefined) return false;
    this.names.add(p.name);
    this.hosts.add(host);
    const scope = scopeOf(p.name);
    if (scope && this.routes.scopes.has(scope)) this.scopes.add(/^@[a-z0-9][\w.~-]*$/i.test(scope) ? `${scope}/*` : 'a scope');
    else if (this.routes.registry !== undefined && !scope) this.unscoped = true;
    return true;
  }

  /** Whether a package of this name was withheld so far. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  get count(): number {
    return this.names.size;
  }

  /** The one project-wide "not checked in Restricted Mode" gap, on the top of the root package.json; none when nothing was withheld. */
  gap(model: ProjectModel): Gap | undefined {
    if (!this.names.size) return undefined;
    const n = this.names.size;
    const what = [...this.scopes, ...(this.unscoped ? ['unscoped packages'] : [])];
    const routed = what.length ? `routes ${list(what)} to ${list([...this.hosts])}` : `resolves them from ${list([...this.hosts])}`;
    const reason = `${n} ${n === 1 ? 'package' : 'packages'} not checked in Restricted Mode — trust the folder to check them: the workspace .npmrc (ignored until then) ${routed}, and TrustLens sends their names nowhere else`;
    const root = model.manifests.find((m) => m.dir === '.') ?? model.manifests[0];
    return { package: '*', version: '', signal: 'restricted-mode', source: '.npmrc', reason, at: root ? { file: root.file, range: ZERO_RANGE } : undefined };
  }
}

function list(items: string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown} and ${items.length - LISTED} more` : shown;
}
