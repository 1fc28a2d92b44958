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
  /** The caller's signal fired: see cancelled() and isAbort(). */
  | 'aborted'
  | 'offline-miss'
  /** Restricted Mode: the package's name may be sent nowhere until the folder is trusted. */
  | 'restricted'
  /** Not a name npm accepts (`..`, `.x`, spaces, `a/b/c`): never put in a registry URL. */
  | 'invalid-name';

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

/**
 * The engine's one cancellation error: an EngineError with code 'aborted'. Every wait the engine ends because a
 * caller's signal fired (a queued request, a backoff, a shared load the caller left) rejects with it, and an
 * AbortController the engine aborts itself is given it as the reason, so code that rejects with `signal.reason`
 * throws it too.
 */
export function cancelled(what: string): EngineError {
  return new EngineError('aborted', `${what} was cancelled`);
}

/**
 * Whether `e` is a cancellation: the engine's own (cancelled()), or what the platform and npm's client throw for an
 * aborted signal (an error named 'AbortError': DOMException, Node's AbortError, minipass-fetch's). With `signal`
 * (the caller's own), also whenever it has fired: whatever the work it ended threw then counts as the cancellation.
 */
export function isAbort(e: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  if (e instanceof EngineError) return e.code === 'aborted';
  return (e as { name?: unknown } | null)?.name === 'AbortError';
}

/** One thing that went wrong for one package (or `*`: a whole source) during a check, for logs and reports. */
export interface PackageError {
  package: string;
  code: string;
  message: string;
}
