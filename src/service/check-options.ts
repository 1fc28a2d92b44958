/**
 * From the editor's settings (`ServiceSettings`) to the options of one check: shared by the background service
 * (src/service/server.ts) and the language server (src/lsp/server.ts), so that both front ends judge alike.
 */
import { promises as fs } from 'node:fs';
import type { CheckOptions } from '../engine/check/run-check';
import { PromiseCache } from '../engine/infra/memo';
import type { CheckSession } from '../engine/session/session';
import { type TrustContext, customTrustContext } from '../engine/sigstore/trust-root';
import type { ServiceSettings } from '../protocol/service';

/** The custom trusted root per file, read once (the same object keeps the session's parts for it). */
export class TrustRoots {
  private readonly cache = new PromiseCache<TrustContext>({ ttlMs: Infinity });

  async for(settings: ServiceSettings): Promise<TrustContext | undefined> {
    const file = settings.trustedRoot;
    if (!file) return undefined;
    // A file that cannot be read or parsed is read again next time (PromiseCache forgets failures).
    return this.cache.get(file, () => fs.readFile(file, 'utf8').then((text) => customTrustContext(JSON.parse(text))));
  }

  clear(): void {
    this.cache.clear();
  }
}

export interface CheckContext {
  session: CheckSession;
  trustRoots: TrustRoots;
  cacheDir?: string;
  log: (line: string) => void;
}

export async function checkOptions(
  root: string,
  overlay: Map<string, string>,
  settings: ServiceSettings,
  signal: AbortSignal,
  ctx: CheckContext,
): Promise<CheckOptions> {
  return {
    projectDir: root,
    overlay,
    now: settings.now ? new Date(settings.now) : undefined,
    registry: settings.registry,
    advisories: settings.advisories,
    offline: !settings.online,
    cacheDir: ctx.cacheDir || undefined,
    ignoreProjectNpmrc: settings.restricted,
    untrustedProject: settings.restricted,
    // The workspace's .trustlens.jsonc (read by the check with the buffers, its problems shown in place) wins; in
    // Restricted Mode only where it is stricter.
    policyDefaults: { cooldownDays: settings.cooldownDays, threshold: settings.threshold, severity: settings.severity },
    trust: await ctx.trustRoots.for(settings),
    content: settings.content,
    allowIncomplete: settings.allowIncomplete,
    cacheTtlMs: settings.cacheTtlMinutes === undefined ? undefined : Math.max(0, settings.cacheTtlMinutes) * 60_000,
    session: ctx.session,
    signal,
    log: ctx.log,
  };
}
