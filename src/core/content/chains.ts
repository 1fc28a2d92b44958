/**
 * Behaviour chains: signals paired by place, the way data flows through code that steals or hides.
 *
 * - exfiltration: a source (credentials, the environment, host and user information, the clipboard, keychains and
 *   browser stores) and a sink that sends it away (network APIs, a network tool started from code) near each other —
 *   within CHAIN_WINDOW bytes in one file, or in the files one new entry point requires (following relative
 *   requires among new and changed files, small files only). Strong sources (the user's secrets, the whole
 *   environment serialised, the clipboard, keychains) need only the sink; weak ones (host and user names, the
 *   environment walked or handed on whole, a project's .env) need an encoding step between (JSON, base64, hex,
 *   query strings, encryption, compression) as well.
 * - decode-and-run: a decoder (base64, hex pairs, XOR, ROT/Caesar shifts, char codes, reversed strings,
 *   decryption, invisible Unicode, a read of an image or other binary file) within DECODE_WINDOW bytes of a code
 *   sink (eval, Function, vm, `_compile`, `require(<computed>)`) — or of a process start for the decoders no
 *   ordinary code needs before starting a program (binary files, XOR, shifts, reversals, invisible characters).
 * - download-and-run: a network API near a code sink (`fetch(u).then(eval)`), or a pipe into a shell.
 * - reverse shell: a socket, a shell started by name and a process start near each other.
 *
 * A chain counts when it is in new or changed code and the previous release had no chain of the same kind and
 * link types: a bundle that always decoded source maps next to its template compiler is not news. Without a
 * previous release nothing is new, and chains are not judged.
 */
import { credentialFamily } from './credential-family';
import { dirOf, resolveIn } from './files';
import type { Analysis, Release } from './release';
import type { FileScan, Signal } from './scan';

/** How far apart (bytes) the links of an exfiltration chain may be in one file. */
export const CHAIN_WINDOW = 3000;
/** How far apart a decoder and the code sink it feeds may be. */
export const DECODE_WINDOW = 1500;
/** Files larger than this join cross-file chains only as the entry (bundles are judged file by file). */
const UNIT_FILE_MAX = 64 * 1024;
const UNIT_MAX_FILES = 12;

export type ChainKind = 'exfiltration' | 'decode-and-run' | 'download-and-run' | 'reverse-shell';

export interface Link {
  scan: FileScan;
  signal: Signal;
  /** The place of this link in its file. */
  at: number;
}

export interface Chain {
  kind: ChainKind;
  /** Kind and link types, for comparing with the previous release (`exfiltration:aws→network`). */
  key: string;
  source?: Link;
  encode?: Link;
  sink: Link;
  /** The links are in more than one file. */
  crossFile: boolean;
}

const STRONG_DECODERS = /^(?:binary-file:|xor$|shift$|reverse$|invisible$|decrypt$)/;

function isSource(s: Signal): 'strong' | 'weak' | undefined {
  if (!s.inCode) return undefined;
  if (s.kind === 'credential') {
    if (s.key === 'env-dump' || s.key.startsWith('store:') || (s.key.startsWith('wallet:') && s.strong)) return 'strong';
    if (s.key === 'env-enumerate' || s.key === 'file:.env') return 'weak';
    if (s.strong && (s.key.startsWith('file:') || s.key.startsWith('env:') || s.key === 'metadata')) return 'strong';
    return undefined;
  }
  if (s.kind === 'source') return s.key === 'clipboard' ? 'strong' : 'weak';
  return undefined;
}

const isExfilSink = (s: Signal) => s.inCode && s.kind === 'network';
const isCodeSink = (s: Signal) => s.inCode && s.kind === 'eval';

/** The place of `a` nearest to `b`'s places, and the distance. */
function nearest(a: Signal, b: Signal): { d: number; at: number; bt: number } {
  let best = { d: Infinity, at: a.offset, bt: b.offset };
  const pa = a.places.length ? a.places : [a.offset];
  const pb = b.places.length ? b.places : [b.offset];
  for (const x of pa) for (const y of pb) if (Math.abs(x - y) < best.d) best = { d: Math.abs(x - y), at: x, bt: y };
  return best;
}

const sourceName = (s: Signal): string => (s.kind === 'source' ? (s.key.startsWith('host:') ? 'host' : s.key) : credentialFamily(s.key));

/** Chains within one file. */
function fileChains(scan: FileScan): Chain[] {
  const sigs = [...scan.signals.values()].filter((s) => s.inCode);
  const out: Chain[] = [];
  const sources = sigs.filter((s) => isSource(s));
  const sinks = sigs.filter(isExfilSink);
  const encoders = sigs.filter((s) => s.kind === 'encode');
  for (const src of sources) {
    const strong = isSource(src) === 'strong';
    for (const sink of sinks) {
      const n = nearest(src, sink);
      if (n.d > CHAIN_WINDOW) continue;
      const lo = Math.min(n.at, n.bt) - CHAIN_WINDOW / 2;
      const hi = Math.max(n.at, n.bt) + CHAIN_WINDOW / 2;
      const enc = encoders.find((e) => (e.places.length ? e.places : [e.offset]).some((p) => p >= lo && p <= hi));
      if (!strong && !enc) continue;
      out.push({
        kind: 'exfiltration',
        key: `exfiltration:${sourceName(src)}→network`,
        source: { scan, signal: src, at: n.at },
        encode: enc ? { scan, signal: enc, at: enc.offset } : undefined,
        sink: { scan, signal: sink, at: n.bt },
        crossFile: false,
      });
      break;
    }
  }
  const decoders = sigs.filter((s) => s.kind === 'decode');
  const codeSinks = sigs.filter(isCodeSink);
  const processSinks = sigs.filter((s) => s.kind === 'process');
  for (const dec of decoders) {
    const candidates = STRONG_DECODERS.test(dec.key) ? [...codeSinks, ...processSinks] : codeSinks;
    for (const sink of candidates) {
      const n = nearest(dec, sink);
      if (n.d > DECODE_WINDOW) continue;
      out.push({
        kind: 'decode-and-run',
        key: `decode-and-run:${dec.key.startsWith('binary-file:') ? 'binary-file' : dec.key}→${sink.kind}`,
        source: { scan, signal: dec, at: n.at },
        sink: { scan, signal: sink, at: n.bt },
        crossFile: false,
      });
      break;
    }
  }
  for (const net of sigs.filter((s) => s.kind === 'network')) {
    const sink = codeSinks.find((c) => nearest(net, c).d <= DECODE_WINDOW);
    if (sink) {
      const n = nearest(net, sink);
      out.push({
        kind: 'download-and-run',
        key: 'download-and-run:network→eval',
        source: { scan, signal: net, at: n.at },
        sink: { scan, signal: sink, at: n.bt },
        crossFile: false,
      });
      break;
    }
  }
  for (const fr of sigs.filter((s) => s.kind === 'fetch-run'))
    out.push({ kind: 'download-and-run', key: 'download-and-run:pipe-to-shell', sink: { scan, signal: fr, at: fr.offset }, crossFile: false });
  const shells = sigs.filter((s) => s.kind === 'shell');
  const sockets = sigs.filter((s) => s.kind === 'network' && /^(?:net|tls|ws|WebSocket|dgram)$/.test(s.key));
  if (shells.length && sockets.length && processSinks.length) {
    for (const sh of shells) {
      const so = sockets.find((x) => nearest(x, sh).d <= DECODE_WINDOW);
      if (so) {
        out.push({
          kind: 'reverse-shell',
          key: 'reverse-shell',
          source: { scan, signal: so, at: so.offset },
          sink: { scan, signal: sh, at: sh.offset },
          crossFile: false,
        });
        break;
      }
    }
  }
  return out;
}

/** requiredFiles per release and file: every entry point's unit walks the same shared files again. */
const requiredMemo = new WeakMap<Release, Map<FileScan, string[]>>();

/** Files a file requires (relative specifiers), resolved in the release. */
function requiredFiles(r: Release, scan: FileScan): string[] {
  let memo = requiredMemo.get(r);
  if (!memo) requiredMemo.set(r, (memo = new Map()));
  const hit = memo.get(scan);
  if (hit) return hit;
  const out: string[] = [];
  for (const ref of scan.relative) {
    const p = resolveIn(r.contents.files, dirOf(scan.path), ref);
    if (p && r.scans.has(p)) out.push(p);
  }
  memo.set(scan, out);
  return out;
}

/**
 * Chains across the files an entry point requires: strong sources only, every link file small. `consider`
 * limits which files may join (the changed ones, for the current release).
 */
function unitChains(r: Release, entry: FileScan, consider: (p: string) => boolean): Chain[] {
  const unit: FileScan[] = [entry];
  const seen = new Set([entry.path]);
  for (let i = 0; i < unit.length && unit.length < UNIT_MAX_FILES; i++) {
    for (const p of requiredFiles(r, unit[i])) {
      if (seen.has(p) || !consider(p)) continue;
      seen.add(p);
      const s = r.scans.get(p)!;
      if (s.text.length > UNIT_FILE_MAX) continue;
      unit.push(s);
      if (unit.length >= UNIT_MAX_FILES) break;
    }
  }
  if (unit.length < 2) return [];
  let source: Link | undefined;
  let sink: Link | undefined;
  let encode: Link | undefined;
  for (const scan of unit) {
    for (const s of scan.signals.values()) {
      if (!source && isSource(s) === 'strong') source = { scan, signal: s, at: s.offset };
      else if (!sink && isExfilSink(s)) sink = { scan, signal: s, at: s.offset };
      else if (!encode && s.inCode && s.kind === 'encode') encode = { scan, signal: s, at: s.offset };
    }
  }
  if (!source || !sink || source.scan === sink.scan) return [];
  return [{ kind: 'exfiltration', key: `exfiltration:${sourceName(source.signal)}→network`, source, encode, sink, crossFile: true }];
}

/** Every chain of a release, judged over the files `consider` admits. */
export function releaseChains(r: Release, consider: (p: string) => boolean): Chain[] {
  const out: Chain[] = [];
  for (const [p, scan] of r.scans) {
    if (consider(p)) out.push(...fileChains(scan));
  }
  for (const [p, scan] of r.scans) {
    if (!consider(p)) continue;
    for (const c of unitChains(r, scan, consider)) if (!out.some((o) => o.key === c.key)) out.push(c);
  }
  return out;
}

/** Chains in the current release's new and changed code whose kind and link types the previous release lacked. */
export function newChains(a: Analysis): Chain[] {
  // Without a previous release nothing is new: presence alone is judged by the other analyzers, mostly at medium.
  if (!a.previous) return [];
  const changed = (p: string) => !a.unchanged.has(p) && !a.baselineGaps.has(p);
  const current = releaseChains(a.current, changed);
  const before = new Set(releaseChains(a.previous, () => true).map((c) => c.key));
  return current.filter((c) => !before.has(c.key));
}

/** What a link is, for messages and evidence. */
export function describeLink(l: Link): string {
  const s = l.signal;
  if (s.kind === 'source') {
    if (s.key.startsWith('host:')) return `host and user information (${s.key.slice(5)})`;
    if (s.key === 'clipboard') return 'the clipboard';
    if (s.key === 'env') return 'the whole environment';
  }
  if (s.kind === 'credential') {
    if (s.key === 'env-dump') return 'the whole environment';
    if (s.key === 'env-enumerate') return 'every environment variable';
    if (s.key.startsWith('store:')) return s.key.slice(6);
    return s.key.slice(s.key.indexOf(':') + 1);
  }
  if (s.kind === 'decode') return s.key.startsWith('binary-file:') ? `data hidden in ${s.key.slice(12)}` : `a ${s.key} decoder`;
  if (s.kind === 'encode') return s.key === 'json' ? 'JSON.stringify' : s.key;
  return s.key;
}
