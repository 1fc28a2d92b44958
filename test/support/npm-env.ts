import * as path from 'node:path';

/**
 * The environment for a check, the CLI, the service or the LSP server that reads nothing of this machine's npm
 * setup: HOME is `home`, and npm's user and global configuration files are a path in it that does not exist (so
 * no ~/.npmrc, no global npmrc, no token of the person running the tests). PATH is kept so that child processes
 * find node. `extra` adds or overrides variables (a proxy, a token the test plants, XDG folders).
 */
export function isolatedNpmEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const none = path.join(home, 'none');
  return { PATH: process.env.PATH, HOME: home, npm_config_userconfig: none, npm_config_globalconfig: none, ...extra };
}
