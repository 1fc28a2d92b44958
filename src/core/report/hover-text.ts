import * as semver from 'semver';
import { describeAge } from '../trust/history';
import { severityRank } from '../trust/severity';
import { CODES } from '../trust/codes';
import { SIGNAL_LABEL } from '../trust/coverage';
import type { TrustCard } from './card';

const ICON = { critical: '$(error)', high: '$(error)', medium: '$(warning)', low: '$(info)', info: '$(info)' } as const;

/** What each of our icons becomes where `$(name)` means nothing (other editors, through `trustlens lsp`). */
const PLAIN_ICON: Record<string, string> = { error: '⛔', warning: '⚠️', info: 'ℹ️', verified: '✅' };

/**
 * A hover card for editors without VS Code's codicons: our own `$(name)` icons become characters. Registry text
 * never holds a `$(` of its own (esc and inlineCode break it with a zero-width non-joiner), so only ours change.
 */
export function plainIcons(markdown: string): string {
  return markdown.replace(/\$\(([a-z0-9-]+)(?:~[a-z0-9-]+)?\)/g, (_, name: string) => PLAIN_ICON[name] ?? '');
}

/** Markdown (with VS Code codicons) of a hover trust card. Registry-provided text is escaped. */
export function hoverMarkdown(card: TrustCard, now: Date): string {
  const lines: string[] = [];
  const age = card.publishedAt ? `published ${describeAge(card.publishedAt, now)} ago` : 'publish date unknown';
  const by = card.publisher ? ` by ${esc(card.publisher.name)}${card.publisherIsNew ? ' **(new publisher)**' : ''}` : '';
  lines.push(`**${esc(card.name)}@${esc(card.version)}** — ${age}${by}`);
  lines.push('');
  // The verdict and what to do come first; the evidence follows.
  const serious = card.findings.filter((x) => x.severity !== 'info' && x.code !== 'check-incomplete');
  if (serious.length) {
    const worst = serious.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
    lines.push(`${ICON[worst.severity]} **${serious.length === 1 ? '1 finding' : `${serious.length} findings`}**, worst ${worst.severity}${safeLine(card)}`);
    lines.push('');
  }
  // Unknown is not clean: said before anything below could read as an all-clear (still running, or not checked).
  const pending = card.notChecked?.filter((g) => g.pending) ?? [];
  const missing = card.notChecked?.filter((g) => !g.pending) ?? [];
  if (missing.length) {
    lines.push(`$(warning) **Not checked:** ${missing.map((g) => `${SIGNAL_LABEL[g.signal]} (${esc(g.reason)})`).join('; ')}`);
    lines.push('');
  }
  if (pending.length) {
    lines.push(`$(sync~spin) **Still being checked:** ${pending.map((g) => SIGNAL_LABEL[g.signal]).join('; ')} — the findings below are partial`);
    lines.push('');
  }
  for (const f of serious) {
    if (f.incident) {
      // One incident across packages: its title, and every member.
      const others = f.incident.members.filter((m) => m !== `${card.name}@${card.version}`);
      lines.push(
        `${ICON[f.severity]} **${f.severity.toUpperCase()} incident:** ${esc(f.incident.title)}${others.length ? ` — with ${others.slice(0, 8).map(esc).join(', ')}${others.length > 8 ? ` and ${others.length - 8} more` : ''}` : ''}`,
      );
    } else lines.push(`${ICON[f.severity]} **${f.severity.toUpperCase()}** ${CODES[f.code].title}: ${esc(f.message)}`);
    lines.push('');
  }
  // Without the version's registry history (or a readable lockfile entry) nothing below is known: "none" would read
  // as clean, where the release may well carry a postinstall. Likewise provenance that could not be fetched.
  const missed = new Set(card.notChecked?.map((g) => g.signal));
  const unread = missed.has('registry-history') || missed.has('lockfile-entry');
  const provenanceMissed = missed.has('provenance') && (!card.provenance || card.provenance.status === 'absent');
  lines.push(`Provenance: ${unread || provenanceMissed ? 'not checked' : provenanceLine(card)}`);
  lines.push('');
  lines.push(`Registry signature: ${unread ? 'not checked' : signatureLine(card)}`);
  lines.push('');
  const scripts = Object.entries(card.installScripts ?? {});
  lines.push(`Install scripts: ${unread ? 'not checked' : scripts.length ? scripts.map(([k, v]) => `${esc(k)} ${inlineCode(v)}`).join(', ') : 'none'}`);
  lines.push('');
  if (card.advisories.length) {
    lines.push(
      `Advisories: ${card.advisories
        .map((a) => {
          const target = a.url ? linkTarget(a.url) : undefined;
          return `${target ? `[${esc(a.id)}](${target})` : esc(a.id)} ${a.malware ? '**malware**' : esc(a.severity)} — ${esc(a.title)}`;
        })
        .join('; ')}`,
    );
    lines.push('');
  }
  if (card.changes) {
    const c = card.changes;
    const since = c.previous ? `since ${esc(c.previous)}` : 'in this first release';
    const worst = c.findings.filter((f) => f.severity !== 'info' && f.severity !== 'low');
    lines.push(
      worst.length
        ? `Changed ${since}: ${worst
            .slice(0, 4)
            .map((f) => `${CODES[f.code].title.toLowerCase()} (${f.severity})`)
            .join('; ')}${worst.length > 4 ? ` and ${worst.length - 4} more` : ''}${c.truncated ? ' (read only in part: size limits)' : ''}`
        : c.truncated
          ? `Changed ${since}: read only in part (size limits): no finding in what was read, the rest is unknown`
          : `Changed ${since}: nothing suspicious in the code`,
    );
    lines.push('');
  }
  const links = [packagePage(card), sourceCommit(card)].filter(Boolean);
  if (links.length) lines.push(links.join(' · '));
  return lines.join('\n');
}

/** ` — Safe version: **x** (…)` after the verdict, or that there is none in the range. */
function safeLine(card: TrustCard): string {
  const safe = card.safeVersion;
  if (safe === card.version) return '';
  if (!safe) return ' — no trusted version in your range';
  const up = semver.valid(safe) && semver.valid(card.version) ? semver.gt(safe, card.version) : false;
  return ` — Safe version: **${esc(safe)}** (${up ? 'a trusted release in your range' : 'the last trusted release'})`;
}

function provenanceLine(card: TrustCard): string {
  const p = card.provenance;
  if (!p) return card.trustData ? 'none' : 'unknown (this registry serves no trust metadata)';
  if (p.status === 'absent') return 'none';
  if (p.status === 'unknown') return `unknown (${esc(p.reason ?? 'not checked')})`;
  if (p.status === 'invalid') return `$(error) **invalid** — ${esc(p.reason ?? '')}`;
  const id = p.provenance;
  const parts = [id?.sourceRepository, id?.workflowPath, id?.sourceRef, id?.sourceCommit?.slice(0, 12)].filter(Boolean).map((x) => esc(x!));
  const tlog = id?.tlog?.url ? linkTarget(id.tlog.url) : undefined;
  const log = tlog ? ` · [transparency log](${tlog})` : id?.tlog ? ` · log entry ${esc(id.tlog.logIndex)}` : '';
  return `$(verified) verified — ${parts.join(' · ')}${log}${p.trustedRoot === 'embedded' ? ' (offline trusted root)' : ''}`;
}

function signatureLine(card: TrustCard): string {
  const s = card.signature;
  if (!s || s.status === 'unknown') return card.trustData ? 'not checked' : 'unknown';
  if (s.status === 'valid') return `valid (${esc(s.keyid ?? '')})`;
  if (s.status === 'missing') return 'missing';
  return `$(error) **invalid** — ${esc(s.reason ?? '')}`;
}

function packagePage(card: TrustCard): string | undefined {
  if (!/^https:\/\/registry\.npmjs\.org\/?$/.test(card.registry)) return undefined;
  // The name comes from the lockfile: each part encoded, so it cannot end the link or add one of its own.
  const name = card.name.split('/').map(encodeURIComponent).join('/');
  return `[npm](https://www.npmjs.com/package/${name}/v/${encodeURIComponent(card.version)})`;
}

function sourceCommit(card: TrustCard): string | undefined {
  const id = card.provenance?.status === 'verified' ? card.provenance.provenance : undefined;
  const m = id?.sourceRepository && /^https:\/\/(github\.com|gitlab\.com)\/[\w.-]+\/[\w.-]+$/.exec(id.sourceRepository);
  if (!m || !id?.sourceCommit || !/^[0-9a-f]{7,40}$/.test(id.sourceCommit)) return undefined;
  return `[source commit](${id.sourceRepository}/${m[1] === 'gitlab.com' ? '-/' : ''}commit/${id.sourceCommit})`;
}

/**
 * Registry- or repository-provided text as plain text in Markdown: every character Markdown (or the HTML it allows,
 * or VS Code's `$(icon)` syntax) gives a meaning is escaped, and line breaks and other control characters become
 * spaces — a deprecation message with a blank line must not start a paragraph of its own that reads like ours
 * ("Provenance: verified").
 */
export function esc(s: string): string {
  // `$(name)` is VS Code's icon syntax even after Markdown escapes are undone: a zero-width non-joiner keeps it text.
  return oneLine(s)
    .replace(/\$\(/g, '$\u200c(')
    .replace(/[\\`*_{}[\]()#+\-.!|<>&$~:"'=]/g, (c) => `\\${c}`);
}

/** Control characters (line breaks included), bidi controls and separators as spaces. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ');
}

/**
 * An inline code span for untrusted text (an install script): on one line, at most 200 characters, fenced with more
 * backticks than the longest run inside it (so nothing can close it early), padded when it starts or ends with one.
 */
export function inlineCode(s: string): string {
  // `$(name)` inside a code span is still VS Code's icon syntax in some renderers: a zero-width non-joiner keeps it text.
  const text = oneLine(s).slice(0, 200).replace(/\$\(/g, '$\u200c(');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim()) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * A link target from registry data, or undefined: https only, with every character that could end the target, start
 * a title or break out of the link percent-encoded.
 */
export function linkTarget(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return undefined;
  return u.href.replace(/[\s()<>"'`\\[\]{}|^]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
