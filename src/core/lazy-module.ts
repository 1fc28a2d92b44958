/**
 * A module loaded on first use instead of at start-up. What the CLI and the service need for every scan loads
 * with them; parsers of other lockfile formats, npm's own HTTP client (proxies), Sigstore's TUF client (no
 * --trusted-root) and the tar reader (content analysis) load when a scan needs them: together they were about
 * 70 ms of the CLI's ~100 ms start-up (measured: requiring the bundle with and without them).
 *
 * Usage: `const yaml = lazyModule(() => require('yaml') as typeof import('yaml'));` then `yaml().parse(...)`.
 * (A literal `require('name')` inside the loader keeps the module visible to the bundler.)
 */
export function lazyModule<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
