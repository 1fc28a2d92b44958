/**
 * The data of the trust report page for one package, shared by the background service (`trustlens/report` over IPC)
 * and `trustlens lsp` (the same request name over LSP): the package's release timeline, the last check's findings
 * for it, and when each version was locked (from the lockfiles' git history).
 */
import { packageTimeline } from '../engine/check/package-timeline';
import type { CheckOptions, CheckReport } from '../engine/check/types';
import { type ExposureCache, packageExposure } from '../engine/history/exposure';
import type { ReportResult } from '../protocol/service';

export async function reportData(check: CheckOptions, report: CheckReport | undefined, name: string, exposureCache: ExposureCache): Promise<ReportResult> {
  const findings = (report?.findings ?? []).filter((f) => f.package === name);
  const entries = (report?.model.lockfile?.packages ?? []).filter((p) => p.name === name);
  const locked = [...new Set(entries.map((p) => p.version))];
  const resolved = [...new Set(entries.flatMap((p) => (p.resolved ? [p.resolved] : [])))];
  const [timeline, exposure] = await Promise.all([
    packageTimeline({ check, name, locked, resolved }),
    // The windows each version was locked in, when the folder is a git repository (parses kept by blob).
    packageExposure(check, name, exposureCache).catch((e: Error) => ({ unavailable: e.message, windows: [], unreadable: 0 })),
  ]);
  return { timeline, findings, exposure };
}
