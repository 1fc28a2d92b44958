/**
 * The names and places content analysis looks for: modules that start processes or talk to the network,
 * credential-like environment variables and files, hosts that are documentation rather than endpoints, and
 * hosts that malware uses to receive stolen data. Plain data, so it can be reviewed on its own.
 */

/** Modules (and packages) whose import means the code starts other programs. */
export const PROCESS_MODULES: ReadonlySet<string> = new Set([
  'child_process',
  'execa',
  'cross-spawn',
  'shelljs',
  'zx',
  'tinyexec',
  'nano-spawn',
  'spawn-sync',
  'node-pty',
  '@npmcli/promise-spawn',
  '@npmcli/run-script',
]);

/** Modules (and packages) whose import means the code talks to the network. */
export const NETWORK_MODULES: ReadonlySet<string> = new Set([
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'dns',
  'undici',
  'node-fetch',
  'axios',
  'got',
  'ky',
  'superagent',
  'request',
  'cross-fetch',
  'isomorphic-fetch',
  'make-fetch-happen',
  'minipass-fetch',
  'needle',
  'phin',
  'bent',
  'follow-redirects',
  'ws',
  'isomorphic-ws',
  'socket.io-client',
  'ofetch',
  'node-libcurl',
]);

/**
 * Platform and CI credentials: reading one of these is a strong signal whatever the package does, because no
 * library needs the user's registry, source-host or cloud keys to do its own work.
 */
export const PLATFORM_TOKENS: ReadonlySet<string> = new Set([
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
  'NPM_CONFIG__AUTHTOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GH_ENTERPRISE_TOKEN',
  'GITHUB_PAT',
  'GITLAB_TOKEN',
  'CI_JOB_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_PASSWORD',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_API_KEY',
  'CIRCLE_TOKEN',
  'VERCEL_TOKEN',
  'NETLIFY_AUTH_TOKEN',
  'HEROKU_API_KEY',
  'DOCKER_PASSWORD',
  'DOCKERHUB_TOKEN',
]);

/** A credential-like variable name (upper-cased): a secret, token, key, password or credentials part. */
export const CREDENTIAL_NAME =
  /(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_KEY|PRIVATE_KEY|SECRET_KEY|KEY|CREDENTIALS?|AUTH_?TOKEN)(?:_|$)/;

/** Credential-like names that are not secrets. */
export const NOT_SECRET_NAMES: ReadonlySet<string> = new Set([
  'KEY',
  'TOKEN',
  'SECRET',
  'AWS_ACCESS_KEY_ID_PATH',
  'NODE_EXTRA_CA_CERTS',
  'SSH_AUTH_SOCK',
  'PRIVATE_KEY_PATH',
  'GPG_KEY',
]);

/**
 * Files that hold credentials, matched as path fragments inside string literals. `strong` ones hold tokens or
 * keys of the user or the CI machine; `.env` files are application configuration and only weak.
 */
export const CREDENTIAL_FILES: readonly { key: string; re: RegExp; strong: boolean }[] = [
  { key: '.npmrc', re: /\.npmrc\b/, strong: true },
  { key: '.netrc', re: /\.netrc\b/, strong: true },
  { key: '.pypirc', re: /\.pypirc\b/, strong: true },
  { key: '.git-credentials', re: /\.git-credentials\b/, strong: true },
  { key: '.ssh', re: /\.ssh\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b/, strong: true },
  { key: '.aws', re: /\.aws\b/, strong: true },
  { key: '.azure', re: /\.azure\b/, strong: true },
  { key: 'gcloud', re: /gcloud[\\/]+(?:application_default_credentials|credentials\.db|access_tokens)/, strong: true },
  { key: '.docker/config.json', re: /\.docker\b/, strong: true },
  { key: '.kube/config', re: /\.kube\b/, strong: true },
  { key: 'gh/hosts.yml', re: /\bgh[\\/]+hosts\.yml\b/, strong: true },
  { key: '.env', re: /\.env(?:\.[a-z]{1,12})?\b/, strong: false },
];

/** Cloud instance-metadata endpoints (credentials of the machine the install runs on). */
export const METADATA_HOSTS: ReadonlySet<string> = new Set([
  '169.254.169.254',
  '169.254.170.2',
  'metadata.google.internal',
  '100.100.100.200',
  'fd00:ec2::254',
]);

/** Browser wallet extension ids and desktop wallet stores. */
export const WALLET_MARKERS: readonly { key: string; text: string }[] = [
  { key: 'MetaMask', text: 'nkbihfbeogaeaoehlefnkodbefgpgknn' },
  { key: 'Phantom', text: 'bfnaelmomeimhlpmgjnjophhpkkoljpa' },
  { key: 'Coinbase Wallet', text: 'hnfanknocfeofbddgcijnmhnfnkdnaad' },
  { key: 'Trust Wallet', text: 'egjidjbpglichdcondbcbdnbeeppgdph' },
  { key: 'Ronin', text: 'fnjhmkhhmkbjkkabndcnnogagogbneec' },
  { key: 'browser extension storage', text: 'Local Extension Settings' },
  { key: 'Exodus', text: 'exodus.wallet' },
  { key: 'Electrum', text: 'Electrum/wallets' },
  { key: 'wallet.dat', text: 'wallet.dat' },
  { key: 'Solana keypair', text: '.config/solana/id.json' },
  { key: 'window.ethereum', text: 'window.ethereum' },
];

/**
 * Hosts that are documentation, specifications or placeholders, never endpoints. Matched exactly (`api.github.com`
 * is an endpoint and is not here).
 */
export const DOC_HOSTS: ReadonlySet<string> = new Set([
  'github.com',
  'www.github.com',
  'docs.github.com',
  'gist.github.com',
  'gitlab.com',
  'bitbucket.org',
  'npmjs.com',
  'www.npmjs.com',
  'docs.npmjs.com',
  'npm.im',
  'developer.mozilla.org',
  'mozilla.org',
  'www.mozilla.org',
  'bugzilla.mozilla.org',
  'nodejs.org',
  'www.nodejs.org',
  'w3.org',
  'www.w3.org',
  'w3c.github.io',
  'whatwg.org',
  'html.spec.whatwg.org',
  'fetch.spec.whatwg.org',
  'url.spec.whatwg.org',
  'tc39.es',
  'tc39.github.io',
  'www.ecma-international.org',
  'ecma-international.org',
  'datatracker.ietf.org',
  'tools.ietf.org',
  'www.ietf.org',
  'www.rfc-editor.org',
  'rfc-editor.org',
  'www.iana.org',
  'stackoverflow.com',
  'en.wikipedia.org',
  'wikipedia.org',
  'json-schema.org',
  'opensource.org',
  'www.apache.org',
  'spdx.org',
  'semver.org',
  'caniuse.com',
  'bugs.chromium.org',
  'crbug.com',
  'v8.dev',
  'chromium.googlesource.com',
  'www.typescriptlang.org',
  'typescriptlang.org',
  'aka.ms',
  'example.com',
  'www.example.com',
  'foo.com',
  'bar.com',
  'baz.com',
  'foo.bar',
  'test.com',
  'domain.com',
  'yourdomain.com',
  'your-domain.com',
  'acme.com',
  'example.org',
  'example.net',
  'localhost',
  'unpkg.com',
  'cdn.jsdelivr.net',
  'www.unicode.org',
  'unicode.org',
  'schemas.xmlsoap.org',
  'schemas.microsoft.com',
  'schemas.openxmlformats.org',
  'purl.org',
  'xmlns.com',
  'ns.adobe.com',
  'www.gnu.org',
  'creativecommons.org',
  'shields.io',
  'img.shields.io',
  'badge.fury.io',
  'reactjs.org',
  'react.dev',
  'fb.me',
  'vuejs.org',
  'nextjs.org',
  'babeljs.io',
  'eslint.org',
  'prettier.io',
  'webpack.js.org',
  'jestjs.io',
  'yarnpkg.com',
  'pnpm.io',
  'goo.gl',
  'bit.ly',
]);

/** Platforms whose subdomains belong to different people: compare the full host there, not the domain. */
export const SHARED_DOMAINS: ReadonlySet<string> = new Set([
  'github.com',
  'github.io',
  'githubusercontent.com',
  'gitlab.io',
  'amazonaws.com',
  'cloudfront.net',
  'googleapis.com',
  'appspot.com',
  'firebaseio.com',
  'web.app',
  'azurewebsites.net',
  'windows.net',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'workers.dev',
  'pages.dev',
  'ngrok.io',
  'ngrok-free.app',
  'glitch.me',
  'repl.co',
  'onrender.com',
  'fly.dev',
  'trycloudflare.com',
  'blogspot.com',
]);

/** Hosts used to receive stolen data or stage payloads: request catchers, paste sites, chat webhooks, tunnels. */
export const EXFIL_HOSTS: readonly RegExp[] = [
  /(?:^|\.)webhook\.site$/,
  /(?:^|\.)pipedream\.net$/,
  /(?:^|\.)requestbin\.(?:com|net)$/,
  /(?:^|\.)(?:burpcollaborator\.net|oastify\.com|oast\.(?:fun|live|me|online|pro|site)|interact\.sh|canarytokens\.com|dnslog\.cn|ceye\.io)$/,
  /(?:^|\.)(?:ngrok\.io|ngrok-free\.app|ngrok\.app|trycloudflare\.com|serveo\.net|localtunnel\.me|loca\.lt)$/,
  /(?:^|\.)(?:pastebin\.com|paste\.ee|hastebin\.com|transfer\.sh|file\.io|0x0\.st|temp\.sh)$/,
  /^discord(?:app)?\.com\/api\/webhooks$/,
  /^api\.telegram\.org$/,
];

/** Second-level labels under country TLDs (`example.co.uk` is a domain of three labels). */
export const COUNTRY_SLD: ReadonlySet<string> = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go']);

/** Shell-startup, editor-task, agent-config and autostart locations (persistence), matched as fragments. */
export const PERSISTENCE_LOCATIONS: readonly { key: string; re: RegExp }[] = [
  { key: '.bashrc', re: /\.bashrc\b/ },
  { key: '.bash_profile', re: /\.bash_profile\b/ },
  { key: '.zshrc', re: /\.zshrc\b/ },
  { key: '.zprofile', re: /\.zprofile\b/ },
  { key: '.profile', re: /[\\/'"`]\.profile\b/ },
  { key: 'fish config', re: /fish[\\/]+config\.fish/ },
  { key: '.vscode/tasks.json', re: /tasks\.json/ },
  { key: '.claude/settings.json', re: /\.claude\b/ },
  { key: 'crontab', re: /\bcrontab\b|[\\/]etc[\\/]+cron/ },
  { key: 'systemd user unit', re: /systemd[\\/]+user|\.config[\\/]+systemd|systemctl\s+--user/ },
  { key: 'LaunchAgents', re: /Launch(?:Agents|Daemons)/ },
  { key: 'Windows Run key', re: /CurrentVersion\\{1,2}Run/ },
  { key: 'Windows Startup folder', re: /Programs\\{1,2}Startup|shell:startup/i },
  { key: 'XDG autostart', re: /\.config[\\/]+autostart/ },
];
