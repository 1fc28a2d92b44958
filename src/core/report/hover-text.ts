import { describeAge } from '../trust/history';
import { CODES } from '../trust/codes';
import { SIGNAL_LABEL } from '../trust/coverage';
import type { TrustCard } from './card';

const ICON = { critical: '$(error)', high: '$(error)', medium: '$(warning)', low: '$(info)', info: '$(info)' } as const;

/** Markdown (with VS Code codicons) of a hover trust card. Registry-provided text is escaped. */
export function hoverMarkdown(card: TrustCard, now: Date): string {
  const lines: string[] = [];
  const age = card.publishedAt ? `published ${describeAge(card.publishedAt, now)} ago` : 'publish date unknown';
  const by = card.publisher ? ` by ${esc(card.publisher.name)}${card.publisherIsNew ? ' **(new publisher)**' : ''}` : '';
  lines.push(`**${esc(card.name)}@${esc(card.version)}** — ${age}${by}`);
  lines.push('');
  if (card.notChecked?.length) {
    // Unknown is not clean: said before anything below could read as an all-clear.
    lines.push(`$(warning) **Not checked:** ${card.notChecked.map((g) => `${SIGNAL_LABEL[g.signal]} (${esc(g.reason)})`).join('; ')}`);
    lines.push('');
  }
  for (const f of card.findings.filter((x) => x.severity !== 'info')) {
    if (f.incident) {
      // One incident across packages: its title, and every member.
      const others = f.incident.members.filter((m) => m !== `${card.name}@${card.version}`);
      lines.push(`${ICON[f.severity]} **${f.severity.toUpperCase()} incident:** ${esc(f.incident.title)}${others.length ? ` — with ${others.slice(0, 8).map(esc).join(', ')}${others.length > 8 ? ` and ${others.length - 8} more` : ''}` : ''}`);
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
  lines.push(`Install scripts: ${unread ? 'not checked' : scripts.length ? scripts.map(([k, v]) => `${k} \`${code(v)}\``).join(', ') : 'none'}`);
  lines.push('');
  if (card.advisories.length) {
    lines.push(
      `Advisories: ${card.advisories
        .map((a) => `${a.url && /^https:\/\/[^\s()]+$/.test(a.url) ? `[${esc(a.id)}](${a.url})` : esc(a.id)} ${a.malware ? '**malware**' : a.severity} — ${esc(a.title)}`)
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
        ? `Changed ${since}: ${worst.slice(0, 4).map((f) => `${CODES[f.code].title.toLowerCase()} (${f.severity})`).join('; ')}${worst.length > 4 ? ` and ${worst.length - 4} more` : ''}`
        : c.truncated
          ? `Changed ${since}: nothing suspicious in what could be read (read in part: size limits)`
          : `Changed ${since}: nothing suspicious in the code`,
    );
    lines.push('');
  }
  if (card.safeVersion && card.safeVersion !== card.version) {
    lines.push(`Safe version: **${esc(card.safeVersion)}** (last trusted in your range)`);
    lines.push('');
  }
  const links = [packagePage(card), sourceCommit(card)].filter(Boolean);
  if (links.length) lines.push(links.join(' · '));
  return lines.join('\n');
}

function provenanceLine(card: TrustCard): string {
  const p = card.provenance;
  if (!p) return card.trustData ? 'none' : 'unknown (this registry serves no trust metadata)';
  if (p.status === 'absent') return 'none';
  if (p.status === 'unknown') return `unknown (${esc(p.reason ?? 'not checked')})`;
  if (p.status === 'invalid') return `$(error) **invalid** — ${esc(p.reason ?? '')}`;
  const id = p.provenance;
  const parts = [id?.sourceRepository, id?.workflowPath, id?.sourceRef, id?.sourceCommit?.slice(0, 12)].filter(Boolean).map((x) => esc(x!));
  const log = id?.tlog?.url && /^https:\/\/[^\s()]+$/.test(id.tlog.url) ? ` · [transparency log](${id.tlog.url})` : id?.tlog ? ` · log entry ${esc(id.tlog.logIndex)}` : '';
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
  return `[npm](https://www.npmjs.com/package/${card.name}/v/${encodeURIComponent(card.version)})`;
}

function sourceCommit(card: TrustCard): string | undefined {
  const id = card.provenance?.status === 'verified' ? card.provenance.provenance : undefined;
  const m = id?.sourceRepository && /^https:\/\/(github\.com|gitlab\.com)\/[\w.-]+\/[\w.-]+$/.exec(id.sourceRepository);
  if (!m || !id?.sourceCommit || !/^[0-9a-f]{7,40}$/.test(id.sourceCommit)) return undefined;
  return `[source commit](${id.sourceRepository}/${m[1] === 'gitlab.com' ? '-/' : ''}commit/${id.sourceCommit})`;
}

/** Escapes Markdown (and the HTML it allows) in registry-provided text. */
export function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&$]/g, (c) => `\\${c}`);
}

function code(s: string): string {
  return s.replace(/`/g, "'").slice(0, 200);
}
