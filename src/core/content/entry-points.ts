/**
 * What of a package runs when it is used: the manifest's entry points (`main`, `bin`, `exports`, `browser`,
 * `module`; `index.js` when there is no `main`), whatever their folder or extension, and which files may run at
 * all (code by extension, extension-less scripts, entry points). Node loads a required file of any unknown
 * extension as CommonJS, so what an entry point or a read file requires runs too (followed in release.ts).
 */
import type { PackageFile } from './types';

const CODE_EXT = /\.(?:[cm]?js|jsx|[cm]?ts|tsx|sh|bash|zsh|command|ps1|bat|cmd|py)$/i;
const TYPES_EXT = /\.d\.[cm]?ts$/i;
/** Extension-less files that are documents, not scripts. */
const DOC_NAMES = /^(?:LICEN[CS]E|README|CHANGELOG|CHANGES|HISTORY|AUTHORS|CONTRIBUTORS|NOTICE|COPYING|PATENTS|Makefile|Dockerfile)(?:[-_.].*)?$/i;
const MAX_ENTRIES = 500;
/** What `exports` and `browser` also map that node does not run as a script: type declarations, JSON, styles, assets. */
const NOT_CODE = /(?:\.d\.[cm]?ts|\.(?:json|css|scss|sass|less|map|md|txt|html?|svg|png|jpe?g|gif|webp|woff2?|ttf|otf|eot|node|wasm))$/i;

/** Relative specifiers of the manifest's entry points (`./lib/x`, `bin/cli`), unresolved. */
export function entrySpecifiers(manifest: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  const push = (v: unknown) => {
    if (typeof v === 'string' && v.length > 0 && v.length <= 1024 && !v.includes('*') && !NOT_CODE.test(v) && out.length < MAX_ENTRIES) out.push(v);
  };
  const walk = (v: unknown, depth: number) => {
    if (depth > 8 || out.length >= MAX_ENTRIES) return;
    if (typeof v === 'string') return push(v);
    if (Array.isArray(v)) return v.slice(0, MAX_ENTRIES).forEach((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') for (const x of Object.values(v as Record<string, unknown>).slice(0, MAX_ENTRIES)) walk(x, depth + 1);
  };
  const m = manifest ?? {};
  if (typeof m.main === 'string' && m.main.trim()) push(m.main.trim());
  else push('index.js');
  push(m.module);
  walk(m.bin, 0);
  walk(m.exports, 0);
  const browser = m.browser;
  if (typeof browser === 'string') push(browser);
  else if (browser && typeof browser === 'object' && !Array.isArray(browser))
    for (const v of Object.values(browser as Record<string, unknown>).slice(0, MAX_ENTRIES)) push(v);
  return out;
}

/** A package-relative path, normalised; undefined when it leaves the package. */
function normalise(spec: string): string | undefined {
  const parts: string[] = [];
  for (const seg of spec.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!parts.length) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.length ? parts.join('/') : undefined;
}

/** The paths node would try for a specifier, in its order (exact, extensions, index files). */
export function candidatesOf(spec: string): string[] {
  const base = normalise(spec);
  if (base === undefined) return [];
  return [
    base,
    `${base}.js`,
    `${base}.cjs`,
    `${base}.mjs`,
    `${base}.json`,
    `${base}.node`,
    `${base}/index.js`,
    `${base}/index.cjs`,
    `${base}/index.mjs`,
    `${base}/index.json`,
  ];
}

/** Every path an entry point may be at (for a reader that has not seen the files yet). */
export function entryPoints(manifest: Record<string, unknown> | undefined, _files?: Map<string, PackageFile>): Set<string> {
  return new Set(entrySpecifiers(manifest).flatMap(candidatesOf));
}

/** The entry points that are files of the package: the first candidate of each specifier that exists. */
export function resolvedEntryPoints(manifest: Record<string, unknown> | undefined, files: Map<string, PackageFile>): string[] {
  const out = new Set<string>();
  for (const spec of entrySpecifiers(manifest)) {
    const hit = candidatesOf(spec).find((c) => files.has(c));
    if (hit) out.add(hit);
  }
  return [...out];
}

/** Whether a file may run: code by extension (type declarations aside), an extension-less script, or an entry point. */
export function mayRun(path: string, entries: ReadonlySet<string>): boolean {
  if (entries.has(path)) return true;
  if (TYPES_EXT.test(path)) return false;
  if (CODE_EXT.test(path)) return true;
  const base = path.slice(path.lastIndexOf('/') + 1);
  return !base.includes('.') && !DOC_NAMES.test(base);
}

/** Bytes that read as text (no NUL in the first 8 KB): what node would load as a script, whatever the extension. */
export function looksLikeText(data: Uint8Array): boolean {
  const n = Math.min(data.length, 8192);
  for (let i = 0; i < n; i++) if (data[i] === 0) return false;
  return true;
}
