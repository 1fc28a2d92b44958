import type { FindingCode, Severity } from '../core/trust/types';
import type { LspSettings } from '../protocol/lsp';
import type { ServiceSettings } from '../protocol/service';

const SEVERITIES = new Set(['info', 'low', 'medium', 'high', 'critical']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `key` ('advisories.sources') in a settings object, nested or dotted. */
function lookup(raw: Record<string, unknown>, key: string): unknown {
  if (key in raw) return raw[key];
  const [head, ...rest] = key.split('.');
  const inner = raw[head];
  return rest.length && isObject(inner) ? lookup(inner, rest.join('.')) : undefined;
}

/** The `trustlens` settings an editor sent (initializationOptions, or its answer to workspace/configuration). */
export function trustlensSection(raw: unknown): Record<string, unknown> {
  if (!isObject(raw)) return {};
  if (isObject(raw.trustlens)) return raw.trustlens;
  if (isObject(raw.settings) && isObject(raw.settings.trustlens)) return raw.settings.trustlens;
  return raw;
}

/** `over` wins key by key (dotted keys are compared as written). */
export function mergeSettings(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? mergeSettings(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/**
 * The check's settings from the editor's `trustlens` section, read as the extension reads `trustlens.*`
 * (src/extension/settings.ts): a value of the wrong type is ignored, as if unset.
 */
export function serviceSettingsFrom(raw: Record<string, unknown>): ServiceSettings {
  const str = (k: keyof LspSettings | string) => {
    const v = lookup(raw, k);
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const num = (k: string) => {
    const v = lookup(raw, k);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const bool = (k: string, d: boolean) => {
    const v = lookup(raw, k);
    return typeof v === 'boolean' ? v : d;
  };
  const rawSources = lookup(raw, 'advisories.sources');
  const sources = Array.isArray(rawSources) ? rawSources.filter((s) => typeof s === 'string') : ['npm'];
  const osvDir = str('advisories.osvDirectory');
  const threshold = str('threshold');
  const rawSeverity = lookup(raw, 'severity');
  const severity: Partial<Record<FindingCode, Severity>> = {};
  if (isObject(rawSeverity))
    for (const [code, s] of Object.entries(rawSeverity)) if (typeof s === 'string' && SEVERITIES.has(s)) severity[code as FindingCode] = s as Severity;
  return {
    online: bool('online', true),
    advisories: { npm: sources.includes('npm'), osv: sources.includes('osv'), ...(osvDir ? { osvDir } : {}) },
    cooldownDays: num('cooldownDays'),
    threshold: threshold && SEVERITIES.has(threshold) ? (threshold as Severity) : undefined,
    severity,
    registry: str('registry'),
    cacheTtlMinutes: num('cacheTtlMinutes'),
    trustedRoot: str('sigstoreTrustedRoot'),
    now: str('evaluationTime'),
    allowIncomplete: bool('allowIncomplete', false),
    restricted: bool('untrustedProject', false),
  };
}

/** Days until the allow entries the Allow code action writes expire (`allowExpiryDays`, 90 when unset or invalid). */
export function allowExpiryDays(raw: Record<string, unknown>): number {
  const v = lookup(raw, 'allowExpiryDays');
  return typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : 90;
}

export type DiagnosticLevel = 1 | 2 | 3 | 4;

/** LSP's DiagnosticSeverity of a finding (1 error … 4 hint), or undefined when `diagnosticSeverity` hides its code. */
export function diagnosticLevel(raw: Record<string, unknown>, code: FindingCode, severity: Severity): DiagnosticLevel | undefined {
  const overrides = lookup(raw, 'diagnosticSeverity');
  const override = isObject(overrides) ? overrides[code] : undefined;
  switch (override) {
    case 'error':
      return 1;
    case 'warning':
      return 2;
    case 'information':
      return 3;
    case 'hint':
      return 4;
    case 'none':
      return undefined;
  }
  if (severity === 'critical' || severity === 'high') return 1;
  if (severity === 'medium') return 2;
  if (severity === 'low') return 3;
  return 4;
}
