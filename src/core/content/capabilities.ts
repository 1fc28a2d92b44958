/**
 * What the code can do that the previous release's could not:
 *
 * - `content-process`: first use of child_process / execa-like modules / Bun.spawn / Deno.run anywhere in the
 *   package (medium), high when install-time code or an obfuscated file does it, or when install-time code
 *   starts processes for the first time even though other code did before.
 * - `content-network`: first use of a network API anywhere (medium); hosts and public IPs that no file of the
 *   previous release named (medium; hosts count only in packages that use the network, documentation hosts and
 *   the package's own homepage/repository are ignored, comments too); high when install-time code, an
 *   obfuscated file or a file that newly reads credentials does it, when an install hook downloads something
 *   itself, or when the host receives stolen data for a living (request catchers, paste sites, webhooks).
 * - `content-credentials`: credential reads no file of the previous release had (see credentialFindings for
 *   when they are high), and data that leaves: the source of every new exfiltration chain (chains.ts) is high,
 *   host and user information and the clipboard included.
 * - hidden detached launches and Windows proxy-execution binaries (rundll32, regsvr32, mshta) join
 *   `content-process`; code that runs what it downloads, pipes downloads into a shell or hands a shell to a socket
 *   makes `content-network` high.
 *
 * Without a previous release process and network use are judged only in install-time code, at medium;
 * credentials are high only for the signals that are strong on their own.
 */
import type { RawFinding } from '../trust/context';
import type { Evidence, Severity } from '../trust/types';
import { type Chain, describeLink } from './chains';
import { credentialFamily } from './credential-family';

export { credentialFamily };
import { benignHookTools } from './lifecycle';
import { list, NO_BASELINE, placesEvidence, signalEvidence } from './evidence';
import { COUNTRY_SLD, DOC_HOSTS, EXFIL_HOSTS, SHARED_DOMAINS } from './patterns';
import { capForUnreadBaseline, currentSignals, inInstallScope, isNewSignal, isObfuscated, type Analysis } from './release';
import type { FileScan, Signal } from './scan';

type Item = { scan: FileScan; signal: Signal; what?: string };

/** Newness-based severities drop to medium when the previous release was not read whole, except for install-time code. */
function capUnlessInstall(a: Analysis, installTime: boolean, severity: Severity, message: string, items: Item[]): { severity: Severity; message: string } {
  return installTime
    ? { severity, message }
    : capForUnreadBaseline(
        a,
        severity,
        message,
        items.map((i) => i.scan.path),
      );
}

/** Launch keys that hide a process whatever it runs (`detached` alone is how openers start a browser). */
const HIDDEN_LAUNCH = /^(?:detached-code|nohup|setsid|disown|start \/b|hidden window)$/;
const PROXY_EXECUTION = /^(?:rundll32|regsvr32|mshta)$/;

/**
 * Hidden, detached launches and Windows proxy-execution binaries no file of the previous release had: high when
 * install-time code does it, when it hides a process of the package's own code (node, its files, a temp path), or
 * for rundll32/regsvr32/mshta; a detached launch of something else (a browser) is only mentioned.
 */
function launchFindings(a: Analysis): { items: Item[]; high: boolean; why: string[] } {
  const launches = currentSignals(a, ['launch']).filter((h) => isNewSignal(a, h.signal));
  const proxies = currentSignals(a, ['hijack']).filter((h) => PROXY_EXECUTION.test(h.signal.key) && isNewSignal(a, h.signal));
  const why: string[] = [];
  let high = false;
  for (const h of launches) {
    const install = inInstallScope(a, h.scan.path);
    const firstUse = !a.previous?.kinds.has('process');
    const loud =
      install ||
      (HIDDEN_LAUNCH.test(h.signal.key) &&
        (h.signal.key !== 'detached-code' ||
          firstUse ||
          isObfuscated(h.scan) ||
          [...h.scan.signals.values()].some((s) => s.inCode && (s.kind === 'network' || s.kind === 'fetch-run'))));
    if (loud) high = true;
  }
  if (launches.length)
    why.push(
      `starts ${launches.some((h) => HIDDEN_LAUNCH.test(h.signal.key)) ? 'hidden, detached processes' : 'detached processes'} (${list([...new Set(launches.map((h) => h.signal.key))])})`,
    );
  if (proxies.length) {
    high = true;
    why.push(`runs code through ${list([...new Set(proxies.map((h) => h.signal.key))])}`);
  }
  return { items: [...proxies, ...launches].map((h) => ({ ...h, what: h.signal.kind === 'launch' ? `launch (${h.signal.key})` : h.signal.key })), high, why };
}

export function processFindings(a: Analysis): RawFinding[] {
  const hits = currentSignals(a, ['process']);
  const launch = a.previous ? launchFindings(a) : { items: [], high: false, why: [] };
  if (!hits.length && !launch.items.length) return [];
  const withLaunch = (f: RawFinding): RawFinding[] => {
    if (!launch.items.length) return [f];
    const severity: Severity = launch.high ? 'high' : f.severity;
    return [{ ...f, severity, message: `${f.message}; it ${list(launch.why)}`, evidence: [...placesEvidence(launch.items), ...f.evidence] }];
  };
  if (!hits.length) {
    const judged = launch.high
      ? capUnlessInstall(
          a,
          launch.items.some((h) => inInstallScope(a, h.scan.path)),
          'high',
          `${a.label} ${list(launch.why)}: no file of ${a.input.previous!.version} did`,
          launch.items,
        )
      : { severity: 'medium' as Severity, message: `${a.label} ${list(launch.why)}: no file of ${a.input.previous!.version} did` };
    return [{ code: 'content-process', ...judged, evidence: placesEvidence(launch.items) }];
  }
  const install = hits.filter((h) => inInstallScope(a, h.scan.path));
  const apis = [...new Set(hits.map((h) => h.signal.key))];
  if (!a.previous) {
    if (!install.length) return [];
    return [
      {
        code: 'content-process',
        severity: 'medium',
        message: `${a.label} starts processes (${list([...new Set(install.map((h) => h.signal.key))])}) in code its install hook runs (${NO_BASELINE})`,
        evidence: placesEvidence(install),
      },
    ];
  }
  const prevVersion = a.input.previous!.version;
  if (!a.previous.kinds.has('process')) {
    const risky = hits.filter((h) => inInstallScope(a, h.scan.path) || isObfuscated(h.scan));
    const where = install.length ? ', in code its install hook runs' : risky.length ? ', in obfuscated code' : '';
    const judged = capUnlessInstall(
      a,
      install.length > 0,
      risky.length || launch.high ? 'high' : 'medium',
      `${a.label} starts processes for the first time (${list(apis)})${where}: no file of ${prevVersion} did`,
      [...risky, ...launch.items],
    );
    return withLaunch({ code: 'content-process', ...judged, evidence: placesEvidence([...risky, ...hits.filter((h) => !risky.includes(h))]) });
  }
  const prevInstall = [...a.previous.scopeKeys].some((k) => k.startsWith('process\u0000'));
  if (install.length && !prevInstall) {
    return withLaunch({
      code: 'content-process',
      severity: 'high',
      message: `${a.label}'s install-time code starts processes (${list([...new Set(install.map((h) => h.signal.key))])}); ${prevVersion}'s did not`,
      evidence: placesEvidence(install),
    });
  }
  if (launch.items.length) {
    const message = `${a.label} ${list(launch.why)}: no file of ${prevVersion} did`;
    const judged = launch.high
      ? capUnlessInstall(
          a,
          launch.items.some((h) => inInstallScope(a, h.scan.path)),
          'high',
          message,
          launch.items,
        )
      : { severity: 'medium' as Severity, message };
    return [{ code: 'content-process', ...judged, evidence: placesEvidence(launch.items) }];
  }
  return [];
}

/** The part of a host that says who runs it: the registrable domain, or the full host on shared platforms. */
export function hostOwner(host: string): string {
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) return host;
  const l = host.split('.');
  if (l.length <= 2) return host;
  const n = COUNTRY_SLD.has(l[l.length - 2]) && l[l.length - 1].length === 2 ? 3 : 2;
  const domain = l.slice(-n).join('.');
  if (SHARED_DOMAINS.has(domain) || SHARED_DOMAINS.has(l.slice(-3).join('.'))) return host;
  return domain;
}

const isExfilHost = (h: string) => EXFIL_HOSTS.some((re) => re.test(h));

/** Hosts the package names for itself: homepage, repository, bugs (either release). */
function ownHosts(a: Analysis): Set<string> {
  const out = new Set<string>();
  for (const m of [a.input.current.manifest, a.input.previous?.manifest]) {
    if (!m) continue;
    const urls = [m.homepage, (m.repository as { url?: unknown })?.url ?? m.repository, (m.bugs as { url?: unknown })?.url ?? m.bugs];
    for (const u of urls) {
      if (typeof u !== 'string') continue;
      const host = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?([^/:?#]+)/i.exec(u)?.[1]?.toLowerCase();
      if (host) out.add(hostOwner(host));
    }
  }
  return out;
}

/** Hosts and public IPs in current code that no file of the previous release named (doc hosts and the package's own excluded). */
function newHostItems(a: Analysis, includeIncapable = false): Item[] {
  const prev = a.previous;
  const capable = includeIncapable || currentSignals(a, ['network']).length > 0 || a.current.scope.runs.some((r) => r.parts.downloads.length);
  const own = ownHosts(a);
  const prevOwners = new Set<string>();
  if (prev) {
    for (const k of prev.keys) {
      const [kind, key] = k.split('\u0000');
      if (kind === 'url' || kind === 'ip') prevOwners.add(hostOwner(key));
    }
  }
  const out: Item[] = [];
  const seen = new Set<string>();
  for (const h of currentSignals(a, ['url', 'ip'])) {
    const host = h.signal.key;
    const owner = hostOwner(host);
    if (DOC_HOSTS.has(host) || own.has(owner) || prevOwners.has(owner)) continue;
    const exfil = isExfilHost(host);
    if (h.signal.kind === 'url' && /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) continue; // reported as an ip signal
    if (h.signal.kind === 'url' && !capable && !exfil) continue;
    if (seen.has(`${owner}\u0000${h.scan.path}`)) continue;
    seen.add(`${owner}\u0000${h.scan.path}`);
    out.push({ ...h, what: exfil ? `${host} (receives data for anyone)` : host });
  }
  return out;
}

export function networkFindings(a: Analysis, credentialFiles: Set<string>, chains: Chain[] = []): RawFinding[] {
  const prev = a.previous;
  const runs = chains.filter((c) => c.kind === 'download-and-run' || c.kind === 'reverse-shell');
  // Code that runs what it downloads, or hands a shell to a socket: the network use is the payload's way in.
  const runWhat = [
    ...new Set(
      runs.map((c) =>
        c.kind === 'reverse-shell'
          ? 'connects a shell to a socket'
          : c.key.endsWith('pipe-to-shell')
            ? 'pipes a download into a shell'
            : `runs code it downloads (${c.source!.signal.key} → ${c.sink.signal.key})`,
      ),
    ),
  ];
  const runEvidence = runs
    .slice(0, 4)
    .flatMap((c) => [
      ...(c.source ? [signalEvidence(c.source.scan, c.source.signal, describeLink(c.source))] : []),
      signalEvidence(c.sink.scan, c.sink.signal, describeLink(c.sink)),
    ]);
  const runItems: Item[] = runs.map((c) => ({ scan: c.sink.scan, signal: c.sink.signal }));
  const apiHits = currentSignals(a, ['network']);
  const firstUse = prev && !prev.kinds.has('network') ? apiHits : [];
  const hostHits = newHostItems(a);
  const prevDownloads = new Set(prev?.scope.runs.flatMap((r) => r.parts.downloads) ?? []);
  const deps = dependencyNames(a.input.current.manifest);
  // `npx only-allow pnpm` fetches a well-known tool, judged with the hook (content-install-hook), not here.
  const downloads = a.current.scope.runs.flatMap((r) =>
    benignHookTools(r.parts, true)
      ? []
      : r.parts.downloads.filter((d) => !prevDownloads.has(d) && !isLocalPackageRun(d, deps)).map((d) => ({ hook: r.hook.name, d })),
  );
  if (!prev) {
    const install = [...apiHits, ...hostHits].filter((h) => inInstallScope(a, h.scan.path));
    if (!install.length && !downloads.length) return [];
    return [
      {
        code: 'content-network',
        severity: 'medium',
        message: `${a.label}'s install-time code uses the network (${list([...new Set(install.map((h) => h.signal.key)), ...downloads.map((d) => d.d)])}) (${NO_BASELINE})`,
        evidence: [...downloads.map((d) => ({ label: d.hook, value: d.d })), ...placesEvidence(install)],
      },
    ];
  }
  const items = [...firstUse, ...hostHits];
  if (!items.length && !downloads.length && !runs.length) return [];
  const risky = (h: Item) => inInstallScope(a, h.scan.path) || isObfuscated(h.scan) || credentialFiles.has(h.scan.path) || isExfilHost(h.signal.key);
  const installTime = downloads.length > 0 || [...items, ...runItems].some((h) => inInstallScope(a, h.scan.path));
  const severity: Severity = downloads.length || runs.length || items.some(risky) ? 'high' : 'medium';
  const parts: string[] = [...runWhat];
  if (firstUse.length) parts.push(`uses the network for the first time (${list([...new Set(firstUse.map((h) => h.signal.key))])})`);
  if (hostHits.length)
    parts.push(
      `names ${hostHits.length === 1 ? 'a host' : 'hosts'} no file of ${a.input.previous!.version} named (${list([...new Set(hostHits.map((h) => h.signal.key))])})`,
    );
  if (downloads.length) parts.push(`downloads at install time (${list(downloads.map((d) => d.d))})`);
  const why = severity === 'high' ? whyHigh(a, items, downloads.length > 0, credentialFiles) : '';
  const evidence: Evidence[] = [
    ...downloads.map((d) => ({ label: d.hook, value: d.d })),
    ...runEvidence,
    ...placesEvidence([...items.filter(risky), ...items.filter((h) => !risky(h))]),
  ];
  return [
    {
      code: 'content-network',
      ...capUnlessInstall(a, installTime, severity, `${a.label} ${list(parts)}${why}`, [...runItems, ...items.filter(risky)]),
      evidence,
    },
  ];
}

function whyHigh(a: Analysis, items: Item[], downloads: boolean, credentialFiles: Set<string>): string {
  const r: string[] = [];
  if (downloads || items.some((h) => inInstallScope(a, h.scan.path))) r.push('at install time');
  if (items.some((h) => isObfuscated(h.scan))) r.push('from obfuscated code');
  if (items.some((h) => credentialFiles.has(h.scan.path))) r.push('next to new credential reads');
  if (items.some((h) => isExfilHost(h.signal.key))) r.push('to a service that collects data for anyone');
  return r.length ? ` — ${list(r)}` : '';
}

function dependencyNames(m: Record<string, unknown> | undefined): Set<string> {
  const out = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies']) {
    const d = m?.[field];
    if (d && typeof d === 'object') for (const k of Object.keys(d)) out.add(k);
  }
  return out;
}

/** `npx node-gyp …` with node-gyp among the dependencies runs the installed copy, not a download. */
function isLocalPackageRun(d: string, deps: Set<string>): boolean {
  const m = /^(?:npx|bunx|pnpx|bun x|npm exec|pnpm dlx|yarn dlx) (\S+)/.exec(d);
  if (!m) return false;
  const spec = m[1];
  const name = spec.startsWith('@') ? spec.split('@').slice(0, 2).join('@') : spec.split('@')[0];
  return deps.has(name);
}

/** Files whose network use is new: a first network API in the package, or a host/IP no file of the previous release named. */
function newNetworkFiles(a: Analysis): Set<string> {
  const out = new Set<string>();
  const firstUse = !a.previous || !a.previous.kinds.has('network');
  if (firstUse && a.previous) for (const h of currentSignals(a, ['network'])) out.add(h.scan.path);
  for (const h of newHostItems(a, true)) out.add(h.scan.path);
  return out;
}

/**
 * Severity of new credential reads: high for serialising the environment, wallet stores, any read by
 * install-time or obfuscated code, three kinds of secrets read in one file (harvesting), or a platform token or
 * credential file read in a file that also starts talking to a new host. Otherwise medium: SDKs read their
 * own cloud's keys and metadata endpoint, release tools read ~/.npmrc and GITHUB_TOKEN.
 * Also returns the files with high reads (network code there is exfiltration).
 */
export function credentialFindings(a: Analysis, chains: Chain[] = []): { findings: RawFinding[]; files: Set<string> } {
  const hits = currentSignals(a, ['credential']).filter((h) => isNewSignal(a, h.signal));
  const files = new Set<string>();
  // Data that leaves: each exfiltration chain's source is a high read, whatever else is said about it.
  const sent = new Map<Signal, string>();
  for (const c of chains) {
    if (c.kind !== 'exfiltration' || !c.source) continue;
    const how = `${c.encode ? `${describeLink(c.encode)} → ` : ''}${c.sink.signal.key}${c.crossFile ? ` in ${c.sink.scan.path}` : ''}`;
    if (!sent.has(c.source.signal)) sent.set(c.source.signal, how);
    if (!hits.some((h) => h.signal === c.source!.signal)) hits.push({ scan: c.source.scan, signal: c.source.signal });
  }
  if (!hits.length) return { findings: [], files };
  const prev = a.previous;
  const networkFiles = newNetworkFiles(a);
  const families = new Map<string, Set<string>>();
  for (const h of hits)
    if (h.signal.strong || h.signal.key === 'env-dump') families.set(h.scan.path, (families.get(h.scan.path) ?? new Set()).add(credentialFamily(h.signal.key)));
  const high: Item[] = [];
  const medium: Item[] = [];
  const reasons = new Set<string>();
  for (const h of hits) {
    const s = h.signal;
    const what = describeCredential(s);
    const p = h.scan.path;
    let why: string | undefined;
    if (sent.has(s)) why = `sends it out (${sent.get(s)})`;
    else if (s.kind === 'source') continue;
    else if (s.key === 'env-dump') why = 'serialises the whole environment';
    else if (s.key.startsWith('wallet:') && s.strong) why = 'reads wallet stores';
    else if (inInstallScope(a, p)) why = 'at install time';
    else if (isObfuscated(h.scan)) why = 'from obfuscated code';
    else if ((families.get(p)?.size ?? 0) >= 3) why = `collects ${families.get(p)!.size} kinds of secrets in one file`;
    else if (prev && s.strong && s.key !== 'metadata' && networkFiles.has(p)) why = 'in a file that newly talks to the network';
    if (why) {
      high.push({ ...h, what });
      reasons.add(why);
    } else if (prev || s.strong || s.key.startsWith('env:')) medium.push({ ...h, what });
  }
  if (!high.length && !medium.length) return { findings: [], files };
  for (const h of high) files.add(h.scan.path);
  const severity: Severity = high.length ? 'high' : 'medium';
  const all = [...high, ...medium];
  const whats = [...new Set(all.map((h) => h.what!))];
  const tail = reasons.size ? ` — ${list([...reasons])}` : '';
  const what = all.every((h) => h.signal.kind === 'source')
    ? 'private data'
    : all.some((h) => h.signal.kind === 'source')
      ? 'credentials and private data'
      : 'credentials';
  const message = prev
    ? `${a.label} reads ${what} that no file of ${a.input.previous!.version} read: ${list(whats, 5)}${tail}`
    : `${a.label} reads ${what}: ${list(whats, 5)}${tail} (${NO_BASELINE})`;
  const judged = capUnlessInstall(
    a,
    all.some((h) => inInstallScope(a, h.scan.path)),
    severity,
    message,
    high,
  );
  if (judged.severity !== severity) files.clear();
  return { findings: [{ code: 'content-credentials', ...judged, evidence: placesEvidence(all) }], files };
}

function describeCredential(s: Signal): string {
  const k = s.key;
  if (s.kind === 'source') return describeLink({ scan: undefined as never, signal: s, at: s.offset });
  if (k.startsWith('store:')) return k.slice(6);
  if (k === 'env-dump') return 'the whole environment (serialised)';
  if (k === 'env-enumerate') return 'every environment variable';
  if (k === 'metadata') return 'the cloud metadata endpoint';
  if (k.startsWith('env:')) return k.slice(4);
  if (k.startsWith('file:')) return k.slice(5);
  if (k.startsWith('wallet:')) return `${k.slice(7)} wallet data`;
  return k;
}
