import * as vscode from 'vscode';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { LogNotification, ProgressNotification, type ProgressParams, SERVICE_EXEC_ARGV, type ServiceStartOptions, serviceEnv } from '../protocol/service';
import { ServiceProcess, type ServiceState } from './service-process';

export type { ServiceState } from './service-process';

/**
 * Owns the background service process: starts it on first use, restarts it with backoff when it crashes, and
 * gives up (state 'failed') after repeated crashes. Requests made while it restarts wait for the new process.
 * The supervision itself is in service-process.ts (no VS Code there, so plain Node tests drive it).
 */
export class ServiceClient implements vscode.Disposable {
  private readonly service: ServiceProcess;
  private readonly stateEmitter = new vscode.EventEmitter<ServiceState>();
  private readonly progressEmitter = new vscode.EventEmitter<ProgressParams>();
  readonly onState = this.stateEmitter.event;
  readonly onProgress = this.progressEmitter.event;

  constructor(serviceModule: string, start: ServiceStartOptions, output: vscode.LogOutputChannel) {
    this.service = new ServiceProcess({
      module: serviceModule,
      args: [JSON.stringify(start)],
      // In desktop VS Code the extension host is Electron: run the child as plain Node.
      env: serviceEnv({ ...process.env, ELECTRON_RUN_AS_NODE: '1' }),
      execArgv: SERVICE_EXEC_ARGV,
      log: output,
      setup: (connection) => {
        connection.onNotification(LogNotification, (p) => output[p.level](p.message));
        connection.onNotification(ProgressNotification, (p) => this.progressEmitter.fire(p));
      },
    });
    this.service.onState((s) => this.stateEmitter.fire(s));
  }

  get state(): ServiceState {
    return this.service.state;
  }

  /** The live connection, starting the service if needed. */
  get(): Promise<MessageConnection> {
    return this.service.get();
  }

  /** After a 'failed' state: try again from scratch (the user asked for it). */
  reset(): void {
    this.service.reset();
  }

  /** Ends the service process and starts a new one now (Restart Service; also after 'failed'). */
  restart(): Promise<MessageConnection> {
    return this.service.restart();
  }

  /** The service's process id (tests and "show log"). */
  get pid(): number | undefined {
    return this.service.pid;
  }

  dispose(): void {
    this.service.dispose();
    this.stateEmitter.dispose();
    this.progressEmitter.dispose();
  }
}
