import { UsageError } from './args';
import { checkCommand } from './commands/check';
import { listCommand } from './commands/list';
import { type Io, stdio } from './io';
import { terminalLine } from '../core/report/terminal';
import { exposureCommand } from './commands/exposure';
import { sbomCommand } from './commands/sbom';
import { lspCommand } from './commands/lsp';

declare const TRUSTLENS_VERSION: string | undefined;

const USAGE = `Usage: trustlens <command> [options]

Commands:
  list [dir]     Print every installed package of the project in dir (default: .)
                 with the file and line of its lockfile entry.
  check [dir]    Check every installed package version's trust signals.
  sbom [dir]     Write a CycloneDX (or SPDX) SBOM with what was verified per component
                 (trustlens sbom --help).
  exposure [dir] Name the commits that locked a flagged version and removed it again
                 (trustlens exposure --help).
  lsp            Serve the Language Server Protocol on stdin/stdout (--stdio is accepted)
                 for editors other than VS Code: diagnostics, hover cards, quick fixes.
                 Settings come from the editor (the README's "Other editors").

Options of list:
  --format json|text        Output format (default: text)

Options of check:
  --format text|json|sarif  Output format (default: text)
  --output FILE             Write the report to FILE instead of stdout
  --fail-on SEVERITY        Exit 1 when a finding reaches it: info, low, medium, high (default), critical
  --baseline LOCKFILE|git:REF  Anchor provenance-downgrade to a baseline lockfile (a path, or the project's
                            lockfile at a git revision, e.g. git:origin/main): its versions are accepted, and a
                            version replacing one must not have weaker trust evidence (over downgrade.baseline)
  --registry URL            Default registry (else .npmrc, else https://registry.npmjs.org/)
  --advisories LIST         npm, osv, npm,osv or off (default: npm)
  --osv-dir DIR             Also read OSV records from DIR (offline advisories)
  --offline                 Use only the cache: no network at all
  --cache-dir DIR           Persistent cache (default: ~/.cache/trustlens)
  --cache-ttl MINUTES       Use cached package histories this long before asking the registry
                            again (default 5; past it, one small request per package)
  --now ISO-8601            Evaluate as of that instant (release age; later versions do not exist yet)
  --trusted-root FILE       Verify provenance against this Sigstore trusted root
  --deep                    Look inside the tarball of every package (default: direct
                            dependencies and versions with another finding or newer
                            than the cooldown), compared with the release before it
  --no-content              Do not look inside tarballs at all
  --timeout SECONDS         Give up on one registry request after this long (default 30;
                            retried up to 3 times)
  --advisories-only         Only advisories (what npm audit judges): no trust signals,
                            packuments only for the packages an advisory hits
  --allow-incomplete        Accept what could not be judged (a registry or advisory
                            request failed, no lockfile, …): such check-incomplete
                            findings become info instead of failing the check
  --ignore-project-npmrc    Ignore the project's .npmrc (its registries, scopes and credentials)
  --untrusted-project       For code not yet reviewed (a pull request, before npm install): ignore
                            the project's .npmrc, and let its .trustlens.jsonc only make the check
                            stricter (no allow entries, no lowered severity, threshold or cooldown)

  -h, --help                Show this help
  --version                 Show the version

Options of lsp:
  --stdio                   Speak over stdin/stdout (the default and only transport)
  --cache-dir DIR           Persistent cache (default: ~/.cache/trustlens)

Exit codes: 0 success (check: nothing reached --fail-on), 1 check found something at
or above --fail-on (anything it could not judge counts, unless --allow-incomplete),
2 unusable input or the registry could not be reached at all.`;

/** Runs the CLI and returns its exit code. Never throws: every failure is a one-line reason on stderr. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      io.out(USAGE + '\n');
      return command ? 0 : 2;
    }
    if (command === '--version') {
      io.out(`${typeof TRUSTLENS_VERSION === 'string' ? TRUSTLENS_VERSION : 'dev'}\n`);
      return 0;
    }
    if (command === 'list') return await listCommand(rest, io);
    if (command === 'check') return await checkCommand(rest, io, process.stderr.isTTY === true);
    if (command === 'sbom') return await sbomCommand(rest, io, process.stderr.isTTY === true);
    if (command === 'exposure') return await exposureCommand(rest, io);
    if (command === 'lsp') return await lspCommand(rest, io);
    throw new UsageError(`unknown command "${command}" (try: trustlens --help)`);
  } catch (e) {
    const message = e instanceof UsageError ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    io.err(`${terminalLine(`trustlens: ${message}`)}\n`);
    return 2;
  }
}

export type { Io };
