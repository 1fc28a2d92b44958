/**
 * The background trust service: a separate Node process forked by the extension, so that registry traffic,
 * tarball work and Sigstore verification never block the extension host. Speaks protocol.ts over IPC.
 */
import { type CancellationToken, ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import { IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { type CheckReport, runCheck } from '../engine/check/run-check';
import { DiskCache } from '../engine/infra/disk-cache';
import { EngineError, isAbort } from '../engine/infra/errors';
import { redactUrls } from '../engine/registry/http';
import { CheckSession } from '../engine/session/session';
import { CardsSent } from '../protocol/cards-delta';
import { TrustRoots, checkOptions as sharedCheckOptions } from './check-options';
import { reportData } from './report-data';
import { listRecords } from '../core/list';
import { loadProject } from '../engine/infra/project-files';
import { ExposureCache } from '../engine/history/exposure';
import { renderSbom } from '../engine/report/sbom';
import {
  ClearCacheRequest,
  EvaluateRequest,
  type EvaluateParams,
  type EvaluateResult,
  LogNotification,
  ModelRequest,
  PartialEvaluateProgress,
  ProgressNotification,
  ReportRequest,
  SbomRequest,
  type ServiceSettings,
  type ServiceStartOptions,
} from '../protocol/service';

const options: ServiceStartOptions = (() => {
  try {
    return JSON.parse(process.argv[2] ?? '{}') as ServiceStartOptions;
  } catch {
    return { cacheDir: '' };
  }
})();

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
/** Every URL in a log line loses its user, password and query (a `trustlens.registry` with a password in it, say). */
const log = (level: 'info' | 'warn' | 'error', message: string) => void connection.sendNotification(LogNotification, { level, message: redactUrls(message) });

/** The scan running for each workspace folder: a newer request supersedes it. */
const running = new Map<string, AbortController>();
/** The last report per folder, for the trust report page. */
const lastReports = new Map<string, CheckReport>();
/** Lockfile parses by blob, for the exposure windows on the trust report page. */
const exposureCache = new ExposureCache(2000);

function cancelled(): ResponseError<{ code: string }> {
  return new ResponseError(-32800, 'cancelled', { code: 'cancelled' });
}

function abortOn(token: CancellationToken, controller: AbortController): void {
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
}

/** What the service keeps between evaluations: HTTP sockets, summaries, keys, verdicts, advisories. */
const session = new CheckSession();
/** The hover cards last sent per folder: later results send only what changed. */
const cardsSent = new CardsSent();

const trustRoots = new TrustRoots();
const checkContext = { session, trustRoots, cacheDir: options.cacheDir || undefined, log: (line: string) => log('info', line) };
const checkOptions = (root: string, overlay: Map<string, string>, settings: ServiceSettings, signal: AbortSignal) =>
  sharedCheckOptions(root, overlay, settings, signal, checkContext);

connection.onRequest(EvaluateRequest, async (params: EvaluateParams, token): Promise<EvaluateResult> => {
  running.get(params.root)?.abort();
  const controller = new AbortController();
  running.set(params.root, controller);
  abortOn(token, controller);
  const overlay = new Map(params.overlay.map((o) => [o.path, o.text]));
  log(
    'info',
    `evaluate ${params.root} (registry ${params.settings.registry ?? 'from .npmrc'}, ${params.overlay.length} unsaved files${params.settings.restricted ? ', Restricted Mode' : ''})`,
  );
  try {
    const opts = await checkOptions(params.root, overlay, params.settings, controller.signal);
    // At most every 100 ms, and the last one: a warm evaluation counts thousands of names in a few milliseconds.
    let lastProgress = 0;
    opts.onProgress = (done, total) => {
      const now = Date.now();
      if (done < total && now - lastProgress < 100) return;
      lastProgress = now;
      void connection.sendNotification(ProgressNotification, { root: params.root, done, total });
    };
    // The cards of an early result are a delta like a result's; the final result's then from the early one's.
    let cardsBase = params.cardsBase;
    const result = (report: CheckReport): EvaluateResult => {
      const cards = cardsSent.encode(params.root, report.cards, cardsBase);
      cardsBase = cards.cardsTag;
      return {
        root: params.root,
        findings: report.findings,
        ...cards,
        problems: report.model.problems,
        notChecked: report.notChecked,
        resolution: report.resolution,
        errors: report.errors,
        notes: report.notes,
        registries: report.registries,
        packageManager: report.model.packageManager,
        lockfile: report.model.lockfile?.file,
        lockfileKind: report.model.lockfile?.kind,
        stats: { ...report.stats, phases: { ...report.stats.phases } },
      };
    };
    const token = params.partialResultToken;
    if (token !== undefined)
      opts.onPartial = async (early) => {
        if (controller.signal.aborted) return;
        const pending = early.notChecked.filter((u) => u.pending).length;
        log('info', `${params.root}: result so far after ${early.stats.durationMs} ms, ${pending} content analyses pending`);
        await connection.sendProgress(PartialEvaluateProgress, token, { ...result(early), partial: true });
      };
    const report = await runCheck(opts);
    lastReports.set(params.root, report);
    const phases = Object.entries(report.stats.phases)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(', ');
    log(
      'info',
      `${params.root}: ${report.stats.packages} packages, ${report.findings.length} findings, ${report.stats.requests} requests, ${report.stats.durationMs} ms (${phases})`,
    );
    return result(report);
  } catch (e) {
    if (isAbort(e, controller.signal)) throw cancelled();
    const code = e instanceof EngineError && e.code === 'registry-unreachable' ? 'registry-unreachable' : 'internal';
    log('error', `${params.root}: ${(e as Error).message}`);
    throw new ResponseError(-32603, (e as Error).message, { code });
  } finally {
    if (running.get(params.root) === controller) running.delete(params.root);
  }
});

connection.onRequest(ReportRequest, async (params, token) => {
  const controller = new AbortController();
  abortOn(token, controller);
  try {
    // The evaluation's own options: the session's parts for them hold this package's summary already.
    const check = await checkOptions(params.root, new Map(), params.settings, controller.signal);
    return await reportData(check, lastReports.get(params.root), params.name, exposureCache);
  } catch (e) {
    if (isAbort(e, controller.signal)) throw cancelled();
    throw new ResponseError(-32603, (e as Error).message, { code: 'internal' });
  }
});

connection.onRequest(SbomRequest, async (params, token) => {
  const controller = new AbortController();
  abortOn(token, controller);
  try {
    const check = await checkOptions(params.root, new Map(), params.settings, controller.signal);
    // The last evaluation's report when there is one (what the editor shows; release ages as of now, within the
    // minute the service evaluates at), else a check now.
    const now = check.now ?? new Date();
    const report = lastReports.get(params.root) ?? (await runCheck({ ...check, now }));
    return renderSbom(report, params.format, { now, toolVersion: params.toolVersion });
  } catch (e) {
    if (isAbort(e, controller.signal)) throw cancelled();
    throw new ResponseError(-32603, (e as Error).message, { code: 'internal' });
  }
});

connection.onRequest(ModelRequest, async (params) => {
  const started = Date.now();
  const model = await loadProject(params.root, new Map(params.overlay.map((o) => [o.path, o.text])));
  const lockfile = model.lockfile ? { file: model.lockfile.file, kind: model.lockfile.kind, version: model.lockfile.version } : null;
  return { lockfile, packages: listRecords(model), problems: model.problems, durationMs: Date.now() - started };
});

connection.onRequest(ClearCacheRequest, async () => {
  if (options.cacheDir) await new DiskCache(options.cacheDir).clear();
  session.clear();
  cardsSent.forget();
  trustRoots.clear();
  lastReports.clear();
  exposureCache.states.clear();
  exposureCache.entries.clear();
  log('info', 'cache cleared');
});

// The extension owns this process: when it goes, so do we.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (e) => {
  log('error', `uncaught: ${e.stack ?? e.message}`);
  process.exit(1);
});
connection.listen();
log('info', `TrustLens service ${process.pid} started (cache ${options.cacheDir || 'none'})`);
