declare module '@npmcli/redact' {
  /** Replaces credentials in URLs and npm tokens in a string with `***`. */
  export function redact(value: string): string;
  export function redactLog(value: unknown): unknown;
}
