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
  for (const file of [...files].reverse()) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    sources.unshift(file);
    Object.assign(values, parseNpmrc(text, env));
  }
  Object.assign(values, fromEnv(env), opts.overrides ?? {});
  moveUrlCredentials(values);
  if (values.cafile && !values.ca) {
    const ca = await fs.readFile(values.cafile, 'utf8').catch(() => undefined);
    if (ca !== undefined) values.ca = ca;
  }
  return { values, sources };
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
