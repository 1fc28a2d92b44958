import type { VersionSummary } from './types';

/** Install-time scripts of a version; a registry flag without scripts means node-gyp's implicit `install`. */
export function installScriptsOf(v: VersionSummary): Record<string, string> {
  const s: Record<string, string> = { ...(v.installScripts ?? {}) };
  if (v.hasInstallScript && Object.keys(s).length === 0) s.install = 'node-gyp rebuild (implicit: binding.gyp)';
  return s;
}
