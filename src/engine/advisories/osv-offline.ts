/**
 * OSV records from a local folder, as osv.dev exports them (one record per .json file, any depth) or as
 * .json files holding an array of records. Used when the network is off-limits. Never throws: whatever
 * cannot be read is reported in `problems`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { advisoriesFromOsv, type OsvRecord } from '../../core/trust/affected';
import type { Advisory } from '../../core/trust/types';

export interface OfflineOsvProblem {
  file: string;
  message: string;
}

export interface OfflineOsvIndex {
  /** Advisories (source 'osv-offline') naming this npm package; [] when none. */
  advisoriesFor(name: string): Advisory[];
  /** npm package names with at least one advisory. */
  readonly packageNames: string[];
  /** Records indexed (withdrawn ones and those for other ecosystems are not counted). */
  readonly recordCount: number;
  readonly problems: OfflineOsvProblem[];
}

const READ_CONCURRENCY = 32;

export async function loadOfflineOsv(dir: string): Promise<OfflineOsvIndex> {
  const problems: OfflineOsvProblem[] = [];
  const files = await listJsonFiles(dir, problems);
  // name → id → the advisory from the newest `modified` (OSV: the later modification is authoritative).
  const byName = new Map<string, Map<string, { advisory: Advisory; modified: string }>>();
  const ids = new Set<string>();

  const index = (record: OsvRecord, file: string) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record) || typeof record.id !== 'string' || !record.id) {
      problems.push({ file, message: 'not an OSV record (no "id")' });
      return;
    }
    const modified = typeof record.modified === 'string' ? record.modified : '';
    for (const advisory of advisoriesFromOsv(record, 'osv-offline')) {
      ids.add(record.id);
      const known = byName.get(advisory.packageName) ?? new Map();
      byName.set(advisory.packageName, known);
      const prior = known.get(record.id);
      if (!prior || prior.modified < modified) known.set(record.id, { advisory, modified });
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      const parsed = await readJson(file, problems);
      if (parsed === undefined) continue;
      if (Array.isArray(parsed)) parsed.forEach((record, i) => index(record, `${file}[${i}]`));
      else index(parsed as OsvRecord, file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, files.length) }, worker));

  const names = [...byName.keys()].sort();
  return {
    advisoriesFor: (name) => [...(byName.get(name)?.values() ?? [])].map((e) => e.advisory).sort((a, b) => a.id.localeCompare(b.id)),
    packageNames: names,
    recordCount: ids.size,
    problems,
  };
}

async function listJsonFiles(dir: string, problems: OfflineOsvProblem[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch (err) {
      problems.push({ file: d, message: `cannot read folder: ${messageOf(err)}` });
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}

async function readJson(file: string, problems: OfflineOsvProblem[]): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    problems.push({ file, message: `cannot read: ${messageOf(err)}` });
    return undefined;
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    problems.push({ file, message: `invalid JSON: ${messageOf(err)}` });
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
