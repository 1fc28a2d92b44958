import { type FormattingOptions, applyEdits as applyJsonEdits, modify } from 'jsonc-parser';
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

/** Pins every registry dependency of a manifest to the version the lockfile has installed. */
export function pinAllEdits(deps: ManifestDependency[], locked: (dep: ManifestDependency) => string | undefined): TextEdit[] {
  const sections = new Set(['dependencies', 'devDependencies', 'optionalDependencies']);
  const edits: TextEdit[] = [];
  for (const d of deps) {
    if (!sections.has(d.section) || !['range', 'tag', 'alias', 'version'].includes(d.spec.type)) continue;
    const v = locked(d);
    if (v && (d.spec.type !== 'version' || d.spec.range !== v)) edits.push(pinEdit(d, v));
  }
  return edits;
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

/** Appends an allow entry to `.trustlens.jsonc`, creating the file (text undefined) or its `allow` list. */
export function allowEdits(policyText: string | undefined, entry: AllowEntry): TextEdit[] {
  if (policyText === undefined || policyText.trim() === '') {
    const content = `${POLICY_HEADER}${JSON.stringify({ allow: [entry] }, null, 2)}\n`;
    return [{ offset: 0, length: policyText?.length ?? 0, content }];
  }
  if (tolerantTooDeepAt(policyText) !== undefined) return [];
  return modify(policyText, ['allow', -1], entry, { formattingOptions: formattingOf(policyText), isArrayInsertion: true });
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  return applyJsonEdits(text, edits);
}
