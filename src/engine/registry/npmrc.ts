import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ini from 'ini';

export const PUBLIC_REGISTRY = 'https://registry.npmjs.org/';

/**
 * Registry settings as npm reads them: environment (npm_config_*) over the project's .npmrc over the user's
 * over the global one. `values` keeps npm's own keys (`registry`, `@scope:registry`, `//host/:_authToken`,
 * `proxy`, `https-proxy`, `noproxy`, `cafile`, `strict-ssl`, …) with `${ENV}` references expanded.
 */
export interface NpmConfig {
  values: Record<string, string>;
  /** Files that were read, most important first (for the log; never their contents). */
  sources: string[];
  /**
   * Environment variables the project's own .npmrc sends to a host it names (`//host/:_authToken=${TOKEN}`,
   * `registry=https://host/${TOKEN}/`): said out loud, as a repository could name a host of its own to collect a
   * CI secret. Names of variables and hosts only, never values.
   */
  sends?: { variable: string; host: string; key: string }[];
}

export interface NpmConfigOptions {
  /** The project folder whose .npmrc is read, unless `ignoreProject`. */
  projectDir: string;
  env?: NodeJS.ProcessEnv;
  /** Restricted Mode: the repository's own .npmrc cannot redirect lookups or use credentials. */
  ignoreProject?: boolean;
  /** Overrides on top of everything (e.g. --registry). */
  overrides?: Record<string, string>;
}

export async function loadNpmConfig(opts: NpmConfigOptions): Promise<NpmConfig> {
  const env = opts.env ?? process.env;
  const userFile = env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? path.join(os.homedir(), '.npmrc');
  const globalFile = env.npm_config_globalconfig ?? env.NPM_CONFIG_GLOBALCONFIG ?? path.join(path.dirname(path.dirname(process.execPath)), 'etc', 'npmrc');
  const files = [...(opts.ignoreProject ? [] : [path.join(opts.projectDir, '.npmrc')]), userFile, globalFile];
  const values: Record<string, string> = {};
  const sources: string[] = [];
  // Lowest priority first, so later assignments win.
  let sends: NpmConfig['sends'];
  for (const file of [...files].reverse()) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    sources.unshift(file);
    Object.assign(values, parseNpmrc(text, env));
    if (!opts.ignoreProject && file === files[0]) sends = expansionsToHosts(text);
  }
  Object.assign(values, fromEnv(env), opts.overrides ?? {});
  moveUrlCredentials(values);
  if (values.cafile && !values.ca) {
    const ca = await fs.readFile(values.cafile, 'utf8').catch(() => undefined);
    if (ca !== undefined) values.ca = ca;
  }
  return { values, sources, ...(sends?.length ? { sends } : {}) };
}

const URL_KEYS = /^(registry|@[^:]+:registry|proxy|https-proxy|http-proxy)$/;

/**
 * Where a .npmrc text puts `${VAR}` into what is sent to a host the text itself names: a value under a
 * `//host/…:` key (credentials for that host), or the path or query of a URL-valued setting whose host is written
 * out. A variable that gives the whole URL (`registry=${REGISTRY}`) names no host of the file's choosing.
 */
export function expansionsToHosts(text: string): { variable: string; host: string; key: string }[] {
  let parsed: Record<string, unknown>;
  try {
    parsed = ini.parse(text);
  } catch {
    return [];
  }
  const out: { variable: string; host: string; key: string }[] = [];
  const vars = (s: string) => [...s.matchAll(/(?<!\\)\$\{([^}?]+)\??\}/g)].map((m) => m[1]);
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') continue;
    const authFor = /^\/\/([^/${}]+)\//.exec(key);
    if (authFor) {
      for (const variable of vars(value)) out.push({ variable, host: authFor[1].toLowerCase(), key });
      continue;
    }
    if (!URL_KEYS.test(key)) continue;
    const written = /^[a-z][a-z0-9+.-]*:\/\/([^/${}?#]+)[/?#]/i.exec(value);
    if (written) for (const variable of vars(value.slice(written[0].length))) out.push({ variable, host: written[1].toLowerCase(), key });
  }
  return out;
}

/**
 * `registry=https://user:pass@host/` works in npm, but a URL with credentials must never reach a report, a log
 * or a cache key: the credentials move to `//host/path/:username` / `:_password` (as npm stores them) and the
 * registry URL keeps only the location.
 */
function moveUrlCredentials(values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) {
    if (key !== 'registry' && !/^@[^:]+:registry$/.test(key)) continue;
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      continue;
    }
    if (!u.username && !u.password) continue;
    const nerf = `//${u.host}${u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`}`;
    values[`${nerf}:username`] ??= decodeURIComponent(u.username);
    values[`${nerf}:_password`] ??= Buffer.from(decodeURIComponent(u.password)).toString('base64');
    u.username = '';
    u.password = '';
    values[key] = u.toString();
  }
}

/** Parses .npmrc text; `${VAR}` and `${VAR?}` are replaced from the environment as npm does. */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  let parsed: Record<string, unknown>;
  try {
    parsed = ini.parse(text);
  } catch {
    return out;
  }
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === 'string') out[expand(k, env)] = expand(v, env);
    else if (typeof v === 'boolean' || typeof v === 'number') out[expand(k, env)] = String(v);
  }
  return out;
}

function expand(s: string, env: NodeJS.ProcessEnv): string {
  return s.replace(/(\\*)\$\{([^}?]+)(\?)?\}/g, (whole, slashes: string, name: string, optional: string | undefined) => {
    if (slashes.length % 2) return whole.slice(1);
    const value = env[name];
    return slashes + (value !== undefined ? value : optional ? '' : `\${${name}}`);
  });
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^npm_config_(.+)$/i.exec(k);
    if (!m || v === undefined || /^(userconfig|globalconfig)$/i.test(m[1])) continue;
    // npm maps npm_config_https_proxy to https-proxy; scoped keys keep their form.
    const key = m[1].startsWith('//') || m[1].startsWith('@') ? m[1] : m[1].toLowerCase().replace(/_/g, '-');
    out[key] = v;
  }
  return out;
}

/** Ensures a trailing slash. */
export function normaliseRegistry(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export interface RegistryMap {
  defaultRegistry: string;
  scopes: Map<string, string>;
}

export function registryMap(config: NpmConfig): RegistryMap {
  const scopes = new Map<string, string>();
  for (const [k, v] of Object.entries(config.values)) {
    const m = /^(@[^:]+):registry$/.exec(k);
    if (m) scopes.set(m[1].toLowerCase(), normaliseRegistry(v));
  }
  return { defaultRegistry: normaliseRegistry(config.values.registry ?? PUBLIC_REGISTRY), scopes };
}

export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')).toLowerCase() : undefined;
}

/** The registry that serves a package: its scope's, or the default. */
export function registryFor(map: RegistryMap, name: string): string {
  const scope = scopeOf(name);
  return (scope && map.scopes.get(scope)) || map.defaultRegistry;
}

/**
 * A package in a scope mapped to a registry other than the public one is private: its name must never reach
 * the public registry, OSV or any other third party.
 */
export function isPrivateName(map: RegistryMap, name: string): boolean {
  const scope = scopeOf(name);
  if (!scope) return false;
  const scoped = map.scopes.get(scope);
  return scoped !== undefined && new URL(scoped).host !== new URL(PUBLIC_REGISTRY).host;
}

/** Every configured registry host (lower-case host[:port]). */
export function configuredHosts(map: RegistryMap): string[] {
  return [...new Set([map.defaultRegistry, ...map.scopes.values()].map((u) => new URL(u).host.toLowerCase()))];
}

/**
 * Restricted Mode: what the repository's own .npmrc (ignored there: none of its registries, credentials or
 * `${ENV}` references is used) routes somewhere other than the public registry. Read only so that the names it
 * routes elsewhere are sent nowhere: asking the default registry about them instead would tell a public service the
 * names of a company's private packages.
 */
export interface IgnoredRoutes {
  /** Scope (lower-case) → where the ignored file sends it (as written: no `${ENV}` expanded). */
  scopes: Map<string, string>;
  /** `registry=` of the ignored file. */
  registry?: string;
  /** Hosts (lower-case host[:port]) the ignored file configures: its registries and its `//host/` credentials. */
  hosts: Set<string>;
}

/** The routes of the project's .npmrc, ignored in Restricted Mode; undefined when there is no such file. */
export async function loadIgnoredRoutes(projectDir: string): Promise<IgnoredRoutes | undefined> {
  const text = await fs.readFile(path.join(projectDir, '.npmrc'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseIgnoredRoutes(text);
}

/** The public registry under its own names: a route there is no private route. */
const PUBLIC_HOSTS: ReadonlySet<string> = new Set([new URL(PUBLIC_REGISTRY).host, 'registry.yarnpkg.com']);

/** How much of a hostile .npmrc is read: the keys npm itself would use are few. */
const MAX_ROUTE_KEYS = 10_000;

/** Parses the routes of an ignored .npmrc. Its text is attacker-controlled: nothing in it is expanded or used. */
export function parseIgnoredRoutes(text: string): IgnoredRoutes {
  const routes: IgnoredRoutes = { scopes: new Map(), hosts: new Set() };
  let parsed: Record<string, unknown>;
  try {
    parsed = ini.parse(text);
  } catch {
    return routes;
  }
  for (const [key, value] of Object.entries(parsed).slice(0, MAX_ROUTE_KEYS)) {
    // `//host/path/:_authToken` and the like: credentials for a host the project configures.
    const nerf = /^\/\/([^/:]+(?::\d+)?)\//.exec(key);
    if (nerf) routes.hosts.add(nerf[1].toLowerCase());
    if (typeof value !== 'string') continue;
    const scope = /^(@[^:/]+):registry$/.exec(key);
    if (key !== 'registry' && !scope) continue;
    const host = routeHost(value);
    if (host) routes.hosts.add(host);
    if (scope) routes.scopes.set(scope[1].toLowerCase(), value);
    else routes.registry = value;
  }
  return routes;
}

/** The host of a registry URL as written, or undefined when it has none (e.g. one built from `${ENV}`). */
export function routeHost(url: string): string | undefined {
  if (url.includes('${')) return undefined;
  try {
    return new URL(url).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a package must not be asked about anywhere in Restricted Mode: the ignored .npmrc routes its name to
 * another registry than the trusted configuration does (by its scope, or by `registry=`), or its lockfile entry is
 * resolved from a host only the ignored .npmrc configures. Returns where the project would have sent it.
 */
export function withheldRoute(routes: IgnoredRoutes, trusted: RegistryMap, name: string, resolved?: string): string | undefined {
  const scope = scopeOf(name);
  const projectRoute = (scope && routes.scopes.get(scope)) ?? routes.registry;
  if (projectRoute !== undefined) {
    const host = routeHost(projectRoute);
    // A route to the public registry sends nothing anywhere the default would not (npm's own names included).
    const open = host !== undefined && (PUBLIC_HOSTS.has(host) || host === new URL(registryFor(trusted, name)).host.toLowerCase());
    if (!open) return host ?? 'a registry named by an environment variable';
  }
  if (!resolved || !/^https?:\/\//i.test(resolved)) return undefined;
  const host = routeHost(resolved);
  if (!host || !routes.hosts.has(host) || PUBLIC_HOSTS.has(host)) return undefined;
  return configuredHosts(trusted).includes(host) ? undefined : host;
}
