import { type FormattingOptions, type ParseError, applyEdits as applyJsonEdits, modify, parseTree } from 'jsonc-parser';
import { tolerantTooDeepAt } from './json-keys';
import type { ManifestDependency } from './model';
import type { AllowEntry } from './trust/policy';

/** A replacement of `length` characters at `offset` (UTF-16) with `content`. */
export interface TextEdit {
  offset: number;
  length: number;
  content: string;
}

/** The file's own indentation (tabs, or the width of the first indented line), so edits look hand-made. */
export function formattingOf(text: string): FormattingOptions {
  const m = /\n([ \t]+)\S/.exec(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (m?.[1].startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: m ? m[1].length : 2, eol };
}

/**
 * Pins a manifest entry to an exact version, in the project's own style: an `npm:` alias keeps its alias
 * (`npm:real@1.2.3`), everything else becomes the bare version.
 */
export function pinEdit(dep: ManifestDependency, version: string): TextEdit {
  const value = dep.spec.type === 'alias' ? `npm:${dep.spec.registryName}@${version}` : version;
  return { offset: dep.valueRange.startOffset, length: dep.valueRange.endOffset - dep.valueRange.startOffset, content: JSON.stringify(value) };
}

/** What "Pin All Direct Dependencies" would do: each change, and each dependency it leaves alone and why. */
export interface PinAllPlan {
  edits: TextEdit[];
  changes: { name: string; from: string; to: string }[];
  skipped: { name: string; why: string }[];
}

/**
 * Pins every registry dependency of a manifest to the version `target` says is safe for it — the locked version when
 * that one is trusted, else the safe version — and never to a flagged one: a dependency without a safe version is
 * skipped, with the reason.
 */
export function pinAllPlan(deps: ManifestDependency[], target: (dep: ManifestDependency) => { version: string } | { skip: string }): PinAllPlan {
  const sections = new Set(['dependencies', 'devDependencies', 'optionalDependencies']);
  const plan: PinAllPlan = { edits: [], changes: [], skipped: [] };
  for (const d of deps) {
    if (!sections.has(d.section) || !['range', 'tag', 'alias', 'version'].includes(d.spec.type)) continue;
    const t = target(d);
    if ('skip' in t) {
      plan.skipped.push({ name: d.name, why: t.skip });
      continue;
    }
    if (d.spec.type === 'version' && d.spec.range === t.version) continue;
    plan.edits.push(pinEdit(d, t.version));
    plan.changes.push({ name: d.name, from: d.spec.raw, to: t.version });
  }
  return plan;
}

export type PackageManager = 'npm' | 'yarn' | 'pnpm';

/** Where each package manager reads forced versions of transitive dependencies. */
export function overridePath(pm: PackageManager, name: string): string[] {
  if (pm === 'yarn') return ['resolutions', name];
  if (pm === 'pnpm') return ['pnpm', 'overrides', name];
  return ['overrides', name];
}

/** Forces a transitive dependency to `version` in overrides / resolutions / pnpm.overrides, creating the section. */
export function overrideEdits(manifestText: string, pm: PackageManager, name: string, version: string): TextEdit[] {
  // jsonc-parser's modify parses the whole text recursively: a file nested too deep to read gets no edit.
  if (tolerantTooDeepAt(manifestText) !== undefined) return [];
  return modify(manifestText, overridePath(pm, name), version, { formattingOptions: formattingOf(manifestText) });
}

const POLICY_HEADER = `// TrustLens policy: reviewed exceptions and settings for this repository (see the TrustLens README).
`;

/**
 * Appends allow entries to `.trustlens.jsonc`, creating the file (text undefined) or its `allow` list. A file that is
 * not a readable JSON object (a syntax error, another root) gets no edit: [] — the caller says so, the file stays.
 */
export function allowEdits(policyText: string | undefined, entries: AllowEntry | AllowEntry[]): TextEdit[] {
  const list = Array.isArray(entries) ? entries : [entries];
  if (policyText === undefined || policyText.trim() === '') {
    const content = `${POLICY_HEADER}${JSON.stringify({ allow: list }, null, 2)}\n`;
    return [{ offset: 0, length: policyText?.length ?? 0, content }];
  }
  if (tolerantTooDeepAt(policyText) !== undefined) return [];
  const errors: ParseError[] = [];
  const root = parseTree(policyText, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length || root?.type !== 'object') return [];
  const allow = root.children?.find((p) => p.children?.[0]?.value === 'allow')?.children?.[1];
  if (allow && allow.type !== 'array') return [];
  let text = policyText;
  for (const entry of list) text = applyJsonEdits(text, modify(text, ['allow', -1], entry, { formattingOptions: formattingOf(text), isArrayInsertion: true }));
  return [{ offset: 0, length: policyText.length, content: text }];
}

/**
 * "Re-resolve" an npm lockfile entry whose hash disagrees with the registry's: drop its `resolved` and `integrity`,
 * so that the next `npm install` fetches the same version again from the registry and records what it verified
 * (instead of moving to another version). `location` is the entry's key under `packages` (lockfile v2/v3); [] when
 * the entry is not there.
 */
export function reresolveEdits(lockText: string, location: string): TextEdit[] {
  if (tolerantTooDeepAt(lockText) !== undefined) return [];
  const root = parseTree(lockText, [], { allowTrailingComma: true, disallowComments: false });
  const packages = root?.children?.find((p) => p.children?.[0]?.value === 'packages')?.children?.[1];
  const entry = packages?.children?.find((p) => p.children?.[0]?.value === location)?.children?.[1];
  if (entry?.type !== 'object') return [];
  let text = lockText;
  for (const field of ['integrity', 'resolved'])
    text = applyJsonEdits(text, modify(text, ['packages', location, field], undefined, { formattingOptions: formattingOf(text) }));
  return text === lockText ? [] : [{ offset: 0, length: lockText.length, content: text }];
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  return applyJsonEdits(text, edits);
}
