import { type ChildProcess, fork } from 'node:child_process';
import * as vscode from 'vscode';
import { type MessageConnection, createMessageConnection } from 'vscode-jsonrpc/node';
import { IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { LogNotification, ProgressNotification, type ProgressParams, type ServiceStartOptions } from '../engine/service/protocol';

const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 3 * 60_000;

export type ServiceState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

/**
 * Owns the background service process: starts it on first use, restarts it with backoff when it crashes, and
 * gives up (state 'failed') after repeated crashes. Requests made while it restarts wait for the new process.
 */
export class ServiceClient implements vscode.Disposable {
  private child?: ChildProcess;
  private connection?: Promise<MessageConnection>;
  private crashes: number[] = [];
  private disposed = false;
  private readonly stateEmitter = new vscode.EventEmitter<ServiceState>();
  private readonly progressEmitter = new vscode.EventEmitter<ProgressParams>();
  readonly onState = this.stateEmitter.event;
  readonly onProgress = this.progressEmitter.event;
  state: ServiceState = 'stopped';

  constructor(
    private readonly serviceModule: string,
    private readonly start: ServiceStartOptions,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** The live connection, starting the service if needed. */
  get(): Promise<MessageConnection> {
    if (this.state === 'failed') return Promise.reject(new Error('the TrustLens service stopped after repeated crashes; see the TrustLens log'));
    this.connection ??= this.launch();
    return this.connection;
  }

  /** After a 'failed' state: try again from scratch (the user asked for it). */
  reset(): void {
    this.crashes = [];
    if (this.state === 'failed') this.setState('stopped');
  }

  private setState(s: ServiceState): void {
    this.state = s;
    this.stateEmitter.fire(s);
  }

  private async launch(): Promise<MessageConnection> {
    this.setState(this.crashes.length ? 'restarting' : 'starting');
    const started = Date.now();
    const child = fork(this.serviceModule, [JSON.stringify(this.start)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // In desktop VS Code the extension host is Electron: run the child as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.output.debug(`[service] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => this.output.warn(`[service] ${d.toString().trimEnd()}`));
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.onNotification(LogNotification, (p) => this.output[p.level](p.message));
    connection.onNotification(ProgressNotification, (p) => this.progressEmitter.fire(p));
    child.on('exit', (code, signal) => this.exited(child, connection, code, signal));
    connection.listen();
    this.output.info(`service started (pid ${child.pid}) in ${Date.now() - started} ms`);
    this.setState('running');
    return connection;
  }

  private exited(child: ChildProcess, connection: MessageConnection, code: number | null, signal: NodeJS.Signals | null): void {
    try {
      connection.dispose();
    } catch (e) {
      this.output.debug(`disposing the dead service's connection: ${(e as Error).message}`);
    }
    if (this.child !== child) return;
    this.child = undefined;
    this.connection = undefined;
    if (this.disposed) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.output.error(`service exited (code ${code}, signal ${signal}); crash ${this.crashes.length} of ${MAX_CRASHES} allowed in ${CRASH_WINDOW_MS / 60000} minutes`);
    if (this.crashes.length >= MAX_CRASHES) {
      this.setState('failed');
      return;
    }
    const delay = Math.min(30_000, 500 * 2 ** (this.crashes.length - 1));
    this.setState('restarting');
    this.output.info(`restarting the service in ${delay} ms`);
    setTimeout(() => {
      if (this.disposed || this.connection || this.state === 'failed') return;
      this.connection = this.launch();
      this.connection.catch((e: Error) => this.output.error(`restart failed: ${e.message}`));
    }, delay);
  }

  /** The service's process id (tests and "show log"). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  dispose(): void {
    this.disposed = true;
    this.child?.kill();
    this.stateEmitter.dispose();
    this.progressEmitter.dispose();
  }
}
