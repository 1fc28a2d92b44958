/**
 * The contract between the extension and the trust report page (a webview; src/webview/ is the page,
 * src/extension/report-panel.ts the host). Both sides import these types; everything crossing is plain JSON.
 *
 *   page → host  `{ type: 'ready' }` when loaded (also after VS Code reloads a hidden panel)
 *   host → page  `{ type: 'report', … }` the data, in answer to every `ready`
 *   page → host  `{ type: 'pin' | 'open', … }` what the person clicked, checked by parseReportMessage first
 */
import type { LocatedFinding } from '../core/report/locate';
import type { ReleaseTimeline } from '../core/report/timeline';
import type { CodeInfo } from '../core/trust/codes';
import type { FindingCode } from '../core/trust/types';
import type { ReportResult } from './service';

/** The one message the extension posts to the page: the service's report and the finding codes' titles. */
export interface ReportHostMessage {
  type: 'report';
  result: ReportResult;
  codes: Readonly<Record<FindingCode, CodeInfo>>;
}

/** Messages the report page sends back to the extension. */
export type ReportPageMessage = { type: 'ready' } | { type: 'pin'; name: string; version: string } | { type: 'open'; file: string; line: number };

/** The parts of a report that decide which page messages are legitimate. */
export interface ReportScope {
  timeline: Pick<ReleaseTimeline, 'name'>;
  findings: Pick<LocatedFinding, 'safeVersion' | 'file' | 'locations'>[];
}

/**
 * Checks a message from the page before the extension acts on it: the page renders registry data, so treat it as
 * untrusted. A pin must name the report's package and a safe version the report offered; an open must name a file
 * one of the findings points at, with a positive line number. Anything else: undefined.
 */
export function parseReportMessage(raw: unknown, scope: ReportScope): ReportPageMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'pin': {
      if (typeof m.name !== 'string' || typeof m.version !== 'string') return undefined;
      if (m.name !== scope.timeline.name) return undefined;
      if (!scope.findings.some((f) => f.safeVersion === m.version)) return undefined;
      return { type: 'pin', name: m.name, version: m.version };
    }
    case 'open': {
      if (typeof m.file !== 'string' || typeof m.line !== 'number' || !Number.isSafeInteger(m.line) || m.line < 1) return undefined;
      const file = m.file;
      if (!file || !scope.findings.some((f) => f.file === file || f.locations.some((l) => l.file === file))) return undefined;
      return { type: 'open', file, line: m.line };
    }
    default:
      return undefined;
  }
}
