/**
 * The background service process and its supervision, without VS Code: forks the service module, speaks
 * JSON-RPC over IPC with it, and restarts it with backoff when it dies. ServiceClient (service-client.ts) wraps
 * this for the extension; tests drive it directly against the real dist/service.js.
 */
import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { type MessageConnection, createMessageConnection } from 'vscode-jsonrpc/node';
import { IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';

export type ServiceState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

export interface ServiceLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ServiceProcessOptions {
  /** The service module to fork (dist/service.js). */
  module: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** The Node binary to run it with (default: this process's). */
  execPath?: string;
  /** Node options for it (default none; this process's own are never passed on). */
  execArgv?: readonly string[];
  log: ServiceLog;
  /** Called with each new connection before it listens: register notification handlers here. */
  setup?: (connection: MessageConnection) => void;
  /** Give up (state 'failed') after this many crashes within `crashWindowMs`. Default 5 in 3 minutes. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** Wait before restart number `n` (1-based). Default 500 ms, doubling, at most 30 s. */
  backoffMs?: (n: number) => number;
}

/** Thrown to callers when the service cannot be used (disposed, or given up on after repeated crashes). */
export class ServiceUnavailableError extends Error {}

/**
 * Starts the service on first use, restarts it with backoff when it exits, and gives up (state 'failed') after
 * repeated crashes until reset(). Requests made while it restarts wait for the new process.
 *
 * State listeners run synchronously, but only once the state they are told about is in place: a listener may
 * call get() (e.g. to scan again when the service is back) and gets the connection that was just started.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  /** The live process's connection. */
  private connection?: MessageConnection;
  /** The connection to use: the live one, or the pending restart. */
  private current?: Promise<MessageConnection>;
  private restartTimer?: NodeJS.Timeout;
  /** Fails the pending restart (on dispose), so nobody waits for it for ever. */
  private cancelRestart?: (error: Error) => void;
  /** Settles the pending restart with a process started now instead (restart()). */
  private hurryRestart?: (launched: Promise<MessageConnection>) => void;
  private crashes: number[] = [];
  private disposed = false;
  private readonly listeners = new Set<(state: ServiceState) => void>();
  private readonly maxCrashes: number;
  private readonly crashWindowMs: number;
  private readonly backoffMs: (n: number) => number;
  state: ServiceState = 'stopped';

  constructor(private readonly options: ServiceProcessOptions) {
    this.maxCrashes = options.maxCrashes ?? 5;
    this.crashWindowMs = options.crashWindowMs ?? 3 * 60_000;
    this.backoffMs = options.backoffMs ?? ((n) => Math.min(30_000, 500 * 2 ** (n - 1)));
  }

  /** The live connection, starting the service if needed; during a restart, the new process's connection. */
  get(): Promise<MessageConnection> {
    if (this.disposed) return Promise.reject(new ServiceUnavailableError('the TrustLens service is shut down'));
    if (this.state === 'failed')
      return Promise.reject(new ServiceUnavailableError('the TrustLens service stopped after repeated crashes; see the TrustLens log'));
    return this.current ?? this.launch();
  }

  /** After a 'failed' state: forget the crashes and start again on the next get() (the user asked for it). */
  reset(): void {
    this.crashes = [];
    if (this.state === 'failed') this.setState('stopped');
  }

  /**
   * Ends the running process (if any) and starts a new one at once: the user asked for it (Restart Service). It is
   * not a crash: the crash count starts afresh, also after 'failed'. Requests still waiting on the old process fail
   * (callers cancel theirs first); requests waiting on a pending restart get the new process.
   */
  restart(): Promise<MessageConnection> {
    if (this.disposed) return Promise.reject(new ServiceUnavailableError('the TrustLens service is shut down'));
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const waiting = this.hurryRestart;
    this.hurryRestart = undefined;
    this.cancelRestart = undefined;
    const old = this.child;
    const oldConnection = this.connection;
    // Forgotten before it exits: its exit is then no crash (crashed() ignores a process that is not current).
    this.child = undefined;
    this.connection = undefined;
    this.current = undefined;
    this.crashes = [];
    if (old) {
      this.options.log.info(`restarting the service (pid ${old.pid}) as asked`);
      try {
        oldConnection?.dispose();
      } catch (e) {
        this.options.log.debug(`disposing the old service's connection: ${(e as Error).message}`);
      }
      old.kill();
    }
    if (this.state !== 'stopped') this.setState('stopped');
    const launched = this.launch();
    waiting?.(launched);
    return launched;
  }

  /** The service's process id, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onState(listener: (state: ServiceState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.restartTimer);
    this.cancelRestart?.(new ServiceUnavailableError('the TrustLens service is shut down'));
    this.child?.kill();
    this.listeners.clear();
  }

  private setState(state: ServiceState): void {
    this.state = state;
    for (const listener of [...this.listeners]) {
      try {
        listener(state);
      } catch (e) {
        this.options.log.error(`a service state listener failed: ${(e as Error).stack ?? e}`);
      }
    }
  }

  /**
   * Forks the service and makes it current. Everything up to `this.current` is synchronous and fires no event, so
   * nothing can re-enter get() before the new connection is in place (a 'running' listener that asked for the
   * connection used to fork another process, and so on without end: the extension host hung after a crash).
   */
  private launch(): Promise<MessageConnection> {
    const restart = this.crashes.length > 0;
    const started = Date.now();
    let child: ChildProcess;
    let connection: MessageConnection;
    try {
      ({ child, connection } = this.spawn());
    } catch (e) {
      // fork() itself threw (bad arguments, out of process slots): a crash like any other.
      const error = e as Error;
      this.crashed(undefined, `could not be started: ${error.message}`);
      return Promise.reject(error);
    }
    this.current = Promise.resolve(connection);
    this.options.log.info(`service ${restart ? 'restarted' : 'started'} (pid ${child.pid}) in ${Date.now() - started} ms`);
    if (!restart) this.setState('starting');
    this.setState('running');
    return this.current;
  }

  private spawn(): { child: ChildProcess; connection: MessageConnection } {
    const forkOptions: ForkOptions = {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: this.options.env ?? process.env,
      execArgv: [...(this.options.execArgv ?? [])],
      ...(this.options.execPath ? { execPath: this.options.execPath } : {}),
    };
    const child = fork(this.options.module, this.options.args ?? [], forkOptions);
    const log = this.options.log;
    child.stdout?.on('data', (d: Buffer) => log.debug(`[service] ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => log.warn(`[service] ${d.toString().trimEnd()}`));
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    // Writes to a channel that just closed fail with EPIPE / ERR_IPC_CHANNEL_CLOSED: the exit handler deals with it.
    connection.onError(([error]) => log.debug(`service connection: ${error.message}`));
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      // Rejects the requests still waiting for an answer: the caller sees the failure at once.
      try {
        connection.dispose();
      } catch (e) {
        log.debug(`disposing the dead service's connection: ${(e as Error).message}`);
      }
      this.crashed(child, why);
    };
    child.on('exit', (code, signal) => end(`exited (code ${code}, signal ${signal})`));
    // A process that never started (ENOENT, EAGAIN) emits 'error' and 'close' but no 'exit'.
    child.on('error', (e) => child.pid === undefined && end(`could not be started: ${e.message}`));
    this.options.setup?.(connection);
    connection.listen();
    this.child = child;
    this.connection = connection;
    return { child, connection };
  }

  /** The current process ended (or could not start): schedule the restart, or give up. */
  private crashed(child: ChildProcess | undefined, why: string): void {
    if (child && this.child !== child) return; // an older process, already replaced
    this.child = undefined;
    this.connection = undefined;
    this.current = undefined;
    if (this.disposed) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.crashWindowMs), now];
    const n = this.crashes.length;
    this.options.log.error(`service ${why}; crash ${n} of ${this.maxCrashes} allowed in ${this.crashWindowMs / 60_000} minutes`);
    if (n >= this.maxCrashes) {
      this.setState('failed');
      return;
    }
    const delay = this.backoffMs(n);
    this.options.log.info(`restarting the service in ${delay} ms`);
    // The restart is the current connection from now on: requests made meanwhile wait for it.
    const restart = new Promise<MessageConnection>((resolve, reject) => {
      this.cancelRestart = reject;
      this.hurryRestart = (launched) => launched.then(resolve, reject);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.cancelRestart = undefined;
        this.hurryRestart = undefined;
        this.current = undefined;
        this.launch().then(resolve, reject);
      }, delay);
    });
    restart.catch(() => undefined); // nobody may be waiting; the failure is logged by crashed()
    this.current = restart;
    this.setState('restarting');
  }
}
