/** Typed failures of the engine; messages are one line and never contain credentials. */
export type EngineErrorCode =
  | 'registry-unreachable'
  | 'timeout'
  | 'http-error'
  | 'not-found'
  | 'bad-response'
  /** Downloaded bytes do not match the expected SRI integrity (a tampered or corrupted tarball). */
  | 'integrity'
  | 'too-large'
  | 'aborted'
  | 'offline-miss'
  /** Restricted Mode: the package's name may be sent nowhere until the folder is trusted. */
  | 'restricted';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (e as { name?: string })?.name === 'AbortError' || (e as EngineError)?.code === 'aborted';
}

/** One thing that went wrong for one package (or `*`: a whole source) during a check, for logs and reports. */
export interface PackageError {
  package: string;
  code: string;
  message: string;
}
