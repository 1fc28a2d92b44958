import { type JsonNode, entries, parseJsonBody, prop, str } from './json';
import type { Manifest, ManifestDependency, ManifestSection } from './model';
import { type LineIndex, stripBom } from './positions';
import type { ProblemSink } from './problems';
import { parseSpec } from './spec';
import { conflictMessage, takeOurSide } from './merge-conflicts';
import { globOutsideProject, outsideProjectMessage } from './workspace-glob';

/** The sections that install a package (not overrides or resolutions), in the order a manifest is read. */
export const PLAIN_SECTIONS: readonly ManifestSection[] = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** Directory part of a `/`-separated relative file path (`.` at the top). */
export function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '.' : file.slice(0, i);
}

/**
 * Parses a package.json text. Never throws: syntax errors and entries of the wrong type become problems,
 * and every entry that could be read is returned with the exact ranges of its key and value.
 * A leading byte-order mark is dropped, as npm does; positions count from the character after it (see stripBom).
 */
export function parseManifest(rawText: string, file = 'package.json'): Manifest {
  const { text, conflicts } = takeOurSide(stripBom(rawText));
  const { root, index, sink } = parseJsonBody(text, file);
  if (conflicts.length) {
    sink.error('merge-conflict', conflictMessage(conflicts), conflicts[0].offset, conflicts[0].offset + conflicts[0].length);
  }
  const manifest: Manifest = {
    file,
    dir: dirOf(file),
    dependencies: [],
    workspaces: [],
    sectionRanges: {},
    problems: sink.problems,
  };
  if (!root) return manifest;
  if (root.type !== 'object') {
    sink.error('unexpected-type', 'package.json must contain a JSON object', root.offset, root.offset + root.length);
    return manifest;
  }
  const ctx: Ctx = { index, sink, out: manifest.dependencies };
  manifest.name = str(prop(root, 'name'));
  manifest.version = str(prop(root, 'version'));
  manifest.packageManager = str(prop(root, 'packageManager'));

  for (const section of PLAIN_SECTIONS) {
    const node = prop(root, section);
    if (!node) continue;
    if (!expectObject(ctx, node, section)) continue;
    manifest.sectionRanges[section] = index.range(node.offset, node.offset + node.length);
    readStringMap(ctx, node, section);
  }
  readBundled(ctx, manifest, root);

  const overrides = prop(root, 'overrides');
  if (overrides && expectObject(ctx, overrides, 'overrides')) {
    manifest.sectionRanges.overrides = index.range(overrides.offset, overrides.offset + overrides.length);
    readNpmOverrides(ctx, overrides, []);
  }
  const resolutions = prop(root, 'resolutions');
  if (resolutions && expectObject(ctx, resolutions, 'resolutions')) {
    manifest.sectionRanges.resolutions = index.range(resolutions.offset, resolutions.offset + resolutions.length);
    readStringMap(ctx, resolutions, 'resolutions');
  }
  const pnpmOverrides = prop(prop(root, 'pnpm'), 'overrides');
  if (pnpmOverrides && expectObject(ctx, pnpmOverrides, 'pnpm.overrides')) {
    manifest.sectionRanges['pnpm.overrides'] = index.range(pnpmOverrides.offset, pnpmOverrides.offset + pnpmOverrides.length);
    readStringMap(ctx, pnpmOverrides, 'pnpm.overrides');
  }

  manifest.workspaces = readWorkspaces(ctx, prop(root, 'workspaces'));
  return manifest;
}

interface Ctx {
  index: LineIndex;
  sink: ProblemSink;
  out: ManifestDependency[];
}

function expectObject(ctx: Ctx, node: JsonNode, what: string): boolean {
  if (node.type === 'object') return true;
  ctx.sink.warning('unexpected-type', `"${what}" should be an object, found ${node.type}`, node.offset, node.offset + node.length);
  return false;
}

function rangeOf(ctx: Ctx, node: JsonNode) {
  return ctx.index.range(node.offset, node.offset + node.length);
}

function readStringMap(ctx: Ctx, node: JsonNode, section: ManifestSection): void {
  for (const [key, value] of entries(node)) {
    const name = key.value as string;
    if (!value) continue; // a syntax error already says what is missing
    if (value.type !== 'string') {
      ctx.sink.warning('unexpected-type', `"${section}" entry "${name}" should be a string, found ${value.type}`, value.offset, value.offset + value.length);
      continue;
    }
    ctx.out.push({ name, section, spec: parseSpec(value.value as string, name), keyRange: rangeOf(ctx, key), valueRange: rangeOf(ctx, value) });
  }
}

/** npm `overrides`: nested objects where `"."` sets the parent's own version. */
function readNpmOverrides(ctx: Ctx, node: JsonNode, parents: string[]): void {
  for (const [key, value] of entries(node)) {
    const name = key.value as string;
    if (!value) continue;
    if (value.type === 'object') {
      readNpmOverrides(ctx, value, [...parents, name]);
    } else if (value.type === 'string') {
      const target = name === '.' ? (parents[parents.length - 1] ?? '.') : name;
      const overridePath = name === '.' ? parents.slice(0, -1) : parents;
      ctx.out.push({
        name: target,
        section: 'overrides',
        spec: parseSpec(value.value as string, target),
        keyRange: rangeOf(ctx, key),
        valueRange: rangeOf(ctx, value),
        ...(overridePath.length ? { overridePath } : {}),
      });
    } else {
      ctx.sink.warning(
        'unexpected-type',
        `"overrides" entry "${name}" should be a string or an object, found ${value.type}`,
        value.offset,
        value.offset + value.length,
      );
    }
  }
}

function readBundled(ctx: Ctx, manifest: Manifest, root: JsonNode): void {
  const node = prop(root, 'bundleDependencies') ?? prop(root, 'bundledDependencies');
  if (!node || node.type === 'boolean') return; // `true` bundles every dependency; nothing extra to locate
  if (node.type !== 'array') {
    ctx.sink.warning('unexpected-type', `"bundleDependencies" should be an array, found ${node.type}`, node.offset, node.offset + node.length);
    return;
  }
  manifest.sectionRanges.bundleDependencies = rangeOf(ctx, node);
  const declared = new Map(manifest.dependencies.filter((d) => d.section === 'dependencies').map((d) => [d.name, d]));
  for (const el of node.children ?? []) {
    if (el.type !== 'string') continue;
    const name = el.value as string;
    const dep = declared.get(name);
    ctx.out.push({
      name,
      section: 'bundleDependencies',
      spec: dep ? dep.spec : parseSpec('*', name),
      keyRange: rangeOf(ctx, el),
      valueRange: rangeOf(ctx, el),
    });
  }
}

function readWorkspaces(ctx: Ctx, node: JsonNode | undefined): string[] {
  if (!node) return [];
  const list = node.type === 'object' ? prop(node, 'packages') : node;
  if (!list || list.type !== 'array') {
    ctx.sink.warning('unexpected-type', '"workspaces" should be an array of globs or { "packages": [...] }', node.offset, node.offset + node.length);
    return [];
  }
  const globs: string[] = [];
  for (const c of list.children ?? []) {
    if (c.type !== 'string') continue;
    const glob = c.value as string;
    const outside = globOutsideProject(glob);
    if (outside) ctx.sink.error('outside-project', outsideProjectMessage(outside, '"workspaces"'), c.offset, c.offset + c.length);
    else globs.push(glob);
  }
  return globs;
}
