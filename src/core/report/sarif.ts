import { createHash } from 'node:crypto';
import { CODES } from '../trust/codes';
import { type Uncovered, describeUncovered } from '../trust/coverage';
import type { FindingCode, Severity } from '../trust/types';
import type { LocatedFinding } from './locate';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub code scanning ranks security alerts by this score (0–10). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

/** SARIF 2.1.0 that GitHub code scanning accepts: one rule per finding code, one result per finding (one per incident). */
export function toSarif(findings: LocatedFinding[], tool: { version: string; helpUri?: string }, notChecked: readonly Uncovered[] = []): object {
  const codes = [...new Set(findings.map((f) => f.code))].sort() as FindingCode[];
  const ruleIndex = new Map(codes.map((c, i) => [c, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'TrustLens',
            version: tool.version,
            ...(tool.helpUri ? { informationUri: tool.helpUri } : {}),
            rules: codes.map((code) => ({
              id: code,
              // SARIF's rule name is an identifier: "Reads credentials" → ReadsCredentials.
              name: CODES[code].title
                .split(/[^A-Za-z0-9]+/)
                .filter(Boolean)
                .map((w) => w[0].toUpperCase() + w.slice(1))
                .join(''),
              shortDescription: { text: CODES[code].title },
              fullDescription: { text: CODES[code].description },
              ...(tool.helpUri ? { helpUri: `${tool.helpUri}#${code}` } : {}),
              defaultConfiguration: { level: LEVEL[CODES[code].severity] },
              properties: { tags: ['security', 'supply-chain'], 'security-severity': SECURITY_SEVERITY[CODES[code].severity] },
            })),
          },
        },
        // A check that could not judge everything did not run successfully: SARIF consumers must not read it as clean.
        invocations: [
          {
            executionSuccessful: notChecked.length === 0,
            toolExecutionNotifications: notChecked.map((u) => ({
              level: 'error',
              message: { text: describeUncovered(u) },
              descriptor: { id: 'check-incomplete' },
              properties: { package: u.package, version: u.version, status: u.status, signals: u.gaps.map((g) => g.signal) },
            })),
          },
        ],
        results: grouped(findings).map(({ f, members }) => ({
          ruleId: f.code,
          ruleIndex: ruleIndex.get(f.code),
          level: LEVEL[f.severity],
          message: {
            text: members
              ? `${f.incident!.title}: ${members.map((m) => `${m.package}@${m.version}`).join(', ')}`
              : f.safeVersion && f.safeVersion !== f.version
                ? `${f.message}. Safe version: ${f.safeVersion}`
                : f.message,
          },
          locations: f.locations.slice(0, 10).map(physical),
          ...(members
            ? {
                relatedLocations: members.slice(0, 100).map((m, i) => ({
                  id: i + 1,
                  ...physical(m.locations[0] ?? { file: m.file, line: m.line, range: ZERO }),
                  message: { text: `${m.package}@${m.version}${m.safeVersion && m.safeVersion !== m.version ? ` (safe version ${m.safeVersion})` : ''}` },
                })),
              }
            : {}),
          partialFingerprints: {
            'trustlens/v1': createHash('sha256')
              .update(members ? `${f.code}\0${f.incident!.id}` : `${f.code}\0${f.package}\0${f.version}\0${f.advisory?.id ?? ''}`)
              .digest('hex'),
          },
          properties: members
            ? {
                incident: f.incident!.id,
                members: members.map((m) => `${m.package}@${m.version}`),
                severity: f.severity,
                'security-severity': SECURITY_SEVERITY[f.severity],
              }
            : { package: f.package, version: f.version, severity: f.severity, safeVersion: f.safeVersion, 'security-severity': SECURITY_SEVERITY[f.severity] },
        })),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };

function physical(l: { file: string; line: number; range: typeof ZERO }) {
  return {
    physicalLocation: {
      artifactLocation: { uri: l.file, uriBaseId: '%SRCROOT%' },
      region: { startLine: l.line, startColumn: l.range.start.character + 1, endLine: l.range.end.line + 1, endColumn: l.range.end.character + 1 },
    },
  };
}

/** One result per finding, except an incident: one result for all its members (their entries as related locations). */
function grouped(findings: LocatedFinding[]): { f: LocatedFinding; members?: LocatedFinding[] }[] {
  const out: { f: LocatedFinding; members?: LocatedFinding[] }[] = [];
  const incidents = new Map<string, LocatedFinding[]>();
  for (const f of findings) {
    if (!f.incident) {
      out.push({ f });
      continue;
    }
    const members = incidents.get(f.incident.id);
    if (members) members.push(f);
    else {
      const list = [f];
      incidents.set(f.incident.id, list);
      out.push({ f, members: list });
    }
  }
  return out;
}
