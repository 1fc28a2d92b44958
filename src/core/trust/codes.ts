import type { Severity } from './severity';

export interface CodeInfo {
  title: string;
  severity: Severity;
  description: string;
}

/**
 * Every finding code, with its title, default severity and one line of explanation (SARIF rules, hovers, the
 * README). This object is the only list of codes: the FindingCode type and FINDING_CODES derive from it, and tests
 * hold the README table, the settings enums in package.json and the policy schema to it (`npm run sync-lists`
 * rewrites the enums).
 */
const CODE_TABLE = {
  malware: {
    title: 'Malicious version',
    severity: 'critical',
    description: 'An advisory (OSV MAL-*, a GitHub malware advisory) marks this version as malicious.',
  },
  vulnerability: {
    title: 'Known vulnerability',
    severity: 'high',
    description: "An advisory says this version is vulnerable; the severity is the advisory's.",
  },
  'provenance-invalid': {
    title: 'Provenance does not verify',
    severity: 'critical',
    description: 'The version has Sigstore attestations, but they fail verification or describe another package or tarball.',
  },
  'provenance-downgrade': {
    title: 'Weaker trust evidence than earlier releases',
    severity: 'high',
    description:
      'Earlier releases of the same release line were published with stronger evidence (staged publish > trusted publisher with provenance or provenance alone > none) than this one.',
  },
  'provenance-source-changed': {
    title: 'Built from another repository',
    severity: 'high',
    description: "Verified provenance names a different source repository than the earlier releases' provenance.",
  },
  'provenance-workflow-changed': {
    title: 'Workflow identity changed',
    severity: 'medium',
    description:
      "The provenance verifies, but names another workflow file than the baseline release's, a branch where it was built from a tag, another runner environment (self-hosted) or another trigger event; or a staged publish was approved by an account that approved none of the earlier ones. High for a trigger that runs on outside input (pull_request_target, issue_comment, workflow_run) and for two changes at once; low for another ordinary trigger (push to release or workflow_dispatch) or a new approver who is a listed maintainer.",
  },
  'signature-invalid': {
    title: 'Registry signature invalid',
    severity: 'critical',
    description: "The registry's ECDSA signature over name@version:integrity does not verify with the registry's keys.",
  },
  'signature-missing': {
    title: 'Registry signature missing',
    severity: 'medium',
    description: 'The registry publishes signing keys, but this version carries no signature.',
  },
  'publisher-changed': {
    title: 'New publisher',
    severity: 'low',
    description:
      'The account that published this version published none of the earlier releases: low alone (multi-maintainer projects rotate who publishes), medium when corroborated (a publisher new to the whole scope, an unlisted account from a new email domain, a manual publish after CI publishes, or a new maintainer publishing after years of silence).',
  },
  'maintainer-added': { title: 'New maintainer', severity: 'low', description: 'The maintainer list gained names since the baseline release.' },
  'install-script-added': {
    title: 'Install script added',
    severity: 'high',
    description:
      "This version runs a preinstall, install or postinstall script that its baseline release did not (or runs a changed one; a change of only the package's own version in the command is none). When the tarball was read, the hook is judged by what it runs: low for well-known tools with no code of the package (npx only-allow, husky, node-gyp for a package that already had native code), high for new code.",
  },
  'new-dependency': {
    title: 'Suspect new dependency',
    severity: 'high',
    description:
      'This release adds a dependency (runtime, optional or peer) from outside the registry (github: commits, git, tarball URLs, http), or one first published days before by an account unrelated to the package (critical with install scripts, a name one edit from a popular package or a repository that claims another project). The finding is on the release that added it: the safe version is the release before.',
  },
  'install-script': { title: 'Install script', severity: 'info', description: 'This version runs install scripts, as the release before did.' },
  'too-new': {
    title: 'Published within the cooldown',
    severity: 'medium',
    description: 'Published less than the cooldown (default 2 days) ago: most hijacked releases are found and pulled within days.',
  },
  'integrity-mismatch': {
    title: 'Integrity mismatch',
    severity: 'critical',
    description:
      "The lockfile's hash differs from the registry's for the same version, or the tarball the registry serves does not match the registry's own hash for it.",
  },
  'untrusted-source': {
    title: 'Installed from outside the registry',
    severity: 'high',
    description: 'Resolved from a host that is not a configured registry, from git or a remote tarball, or over plain http.',
  },
  'version-missing': {
    title: 'Version not on the registry',
    severity: 'high',
    description: 'The locked version does not exist on the registry (unpublished), or was not published yet at the evaluation time.',
  },
  deprecated: { title: 'Deprecated', severity: 'low', description: 'The version is deprecated on the registry.' },
  'content-install-hook': {
    title: 'Install hook runs new code',
    severity: 'high',
    description:
      "The tarball's install hook runs new or changed files, judged by what they can do (or a hook the registry's metadata does not show); a hook the metadata shows as added or changed is reported as install-script-added, with this evidence.",
  },
  'manifest-mismatch': {
    title: 'Tarball and registry disagree',
    severity: 'high',
    description: "The package.json inside the tarball has other scripts or dependencies than the registry's metadata shows.",
  },
  'content-process': {
    title: 'Starts processes',
    severity: 'medium',
    description:
      'Code that runs other programs (child_process, spawn, exec, also through names built at run time) appears for the first time; high when an install hook runs it, for hidden detached launches of its own code (detached with stdio ignore/unref/windowsHide, nohup, setsid, start /b) and for rundll32, regsvr32 or mshta.',
  },
  'content-network': {
    title: 'New network access',
    severity: 'medium',
    description:
      'First use of http, https, net, dns, fetch or WebSocket, or new hard-coded URLs or IP addresses; high at install time, next to new credential reads, and for code that runs what it downloads (fetch → eval, curl | sh) or hands a shell to a socket.',
  },
  'content-credentials': {
    title: 'Reads credentials',
    severity: 'high',
    description:
      'Reads credential-like environment variables, serialises process.env, or reads .npmrc, .ssh, .aws, .env, .git-credentials, keychains, browser stores or cloud metadata endpoints; high when such data, host and user information or the clipboard reaches the network in new code (a behaviour chain: source, encoding, sink).',
  },
  'content-obfuscation': {
    title: 'Obfuscated code',
    severity: 'high',
    description:
      'Newly added code with obfuscator signatures (_0x identifiers, char-code arrays, packers, API names built from pieces, invisible Unicode), decoders feeding eval/Function/vm/require (base64, hex, XOR, ROT, data hidden in images), or a large jump in string entropy.',
  },
  'content-binary': {
    title: 'New binary',
    severity: 'medium',
    description: 'A native binary or executable file appears that the previous release did not have.',
  },
  'content-self-publish': {
    title: 'Publishes packages itself',
    severity: 'critical',
    description:
      "npm publish combined with writing package.json or tarballs and a registry token, or with copying itself or planting install hooks (no token needed with the user's login): how worms spread.",
  },
  'content-persistence': {
    title: 'Writes persistence locations',
    severity: 'high',
    description:
      'Writes shell rc files, .vscode/tasks.json, .claude/settings.json, cron or autostart locations, or makes other programs load its code (LD_PRELOAD, DYLD_INSERT_LIBRARIES, /etc/ld.so.preload, DLLs placed in application folders).',
  },
  'content-path-escape': {
    title: 'Entries escape the package',
    severity: 'high',
    description:
      'The tarball has entries with .. or absolute paths, or links pointing outside the package (or files placed through such a link): npm pack never makes them.',
  },
  'coordinated-release': {
    title: 'Part of a coordinated release',
    severity: 'high',
    description:
      'Several packages (or release lines of one package) gained the same new file within hours, one scope or publisher released many packages within minutes each adding suspicious code, or a package republished several lines within minutes: weak signals that together are how worms and hijacked pipelines look. Shown once, as one incident with every member linked; critical with five members or more.',
  },
  'content-unscanned': {
    title: 'Code not read',
    severity: 'high',
    description:
      'Code of this version that runs could not be read in full (past the read budget or the time limit, or after the point where reading the archive stopped), so what it does is unknown; high for entry points (main, exports, bin, browser), what read code requires, install-time code and files the previous release did not have; medium for other changed code, and for a package larger than the read budget (its previous release was read only in part too, at a similar size).',
  },
  'content-size-jump': { title: 'Size far outside history', severity: 'low', description: "Unpacked size or file count far outside the package's history." },
  'resolved-mismatch': {
    title: 'Lockfile installs another package',
    severity: 'critical',
    description:
      "The lockfile entry's resolved URL names another package or version than the entry itself (or another tarball than the registry's for that version): the package manager installs what the URL names, under this name.",
  },
  'integrity-missing': {
    title: 'No integrity hash in the lockfile',
    severity: 'medium',
    description: 'A registry package whose lockfile entry records no integrity hash: nothing checks that the tarball installed is the one that was published.',
  },
  'lockfile-ignored': {
    title: 'The package manager ignores this lockfile',
    severity: 'high',
    description:
      'npm cannot parse this package-lock.json or npm-shrinkwrap.json (comments, trailing commas, a truncated file) and resolves fresh versions instead: TrustLens judges what a fresh install would get.',
  },
  'check-incomplete': {
    title: 'Not checked',
    severity: 'high',
    description:
      "TrustLens could not judge this version, one of its signals, or a whole source: a registry or advisory request failed, a tarball could not be read, a lockfile entry is unreadable, or there is no lockfile. Unknown is not clean: it takes the policy threshold's severity, so it fails the check, unless --allow-incomplete (or the trustlens.allowIncomplete setting) makes it info.",
  },
  'trust-metadata-unavailable': {
    title: 'Registry serves no trust metadata',
    severity: 'info',
    description: 'The registry (e.g. a mirror) serves no publishers, signatures, attestations or keys: those checks are unknown, not failed.',
  },
} satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof CODE_TABLE;
export const CODES: Readonly<Record<FindingCode, CodeInfo>> = CODE_TABLE;
export const FINDING_CODES = Object.keys(CODE_TABLE) as readonly FindingCode[];
