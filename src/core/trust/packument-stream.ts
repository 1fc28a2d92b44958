import { BOOLEAN, JsonStreamReader, NUMBER, STRING, array, leaf, object, record } from '../json-stream';
import { summarizePackument } from './summarize';
import type { PackageSummary } from './types';

const str = leaf(STRING);

/**
 * Every field summarizePackument reads, and nothing else: keep the two in step. A test records what
 * summarizePackument touches on real packuments and fails when it reads anything this shape drops.
 */
export const PACKUMENT_SHAPE = object({
  name: str,
  'dist-tags': record(str),
  time: record(str),
  versions: record(
    object({
      _npmUser: object({
        name: str,
        email: str,
        trustedPublisher: object({ id: str, oidcConfigId: str }),
        approver: object({ name: str, email: str }),
      }),
      maintainers: array(object({ name: str }, { keep: STRING })),
      scripts: object({ preinstall: str, install: str, postinstall: str }),
      hasInstallScript: leaf(BOOLEAN),
      dependencies: record(str),
      optionalDependencies: record(str),
      peerDependencies: record(str),
      repository: object({ url: str }, { keep: STRING }),
      deprecated: str,
      dist: object({
        integrity: str,
        shasum: str,
        tarball: str,
        fileCount: leaf(NUMBER),
        unpackedSize: leaf(NUMBER),
        signatures: array(object({ keyid: str, sig: str })),
        attestations: object({ url: str, provenance: object({ predicateType: str }) }),
      }),
    }),
  ),
});

/**
 * Reads a packument as it arrives, chunk by chunk, keeping only what its summary needs: memory follows the summary,
 * not the document (readmes, descriptions, devDependencies and the like are read and dropped). `summary()` is exactly
 * summarizePackument(JSON.parse(body)) for every body JSON.parse accepts (nesting deeper than 1,000 levels aside);
 * a body it rejects makes write() or summary() throw a JsonStreamError with the byte offset.
 */
export class PackumentStreamReader {
  private readonly reader = new JsonStreamReader(PACKUMENT_SHAPE);

  get bytesRead(): number {
    return this.reader.bytesRead;
  }

  write(chunk: Uint8Array): void {
    this.reader.write(chunk);
  }

  /** The end of the body: the summary, or undefined when the JSON is not a packument (as summarizePackument). */
  summary(registry: string, fetchedAt: string): PackageSummary | undefined {
    return summarizePackument(this.reader.end(), registry, fetchedAt);
  }
}

/** summarizePackument over a body given in chunks (tests, and callers that have the chunks already). */
export function summarizePackumentChunks(chunks: Iterable<Uint8Array>, registry: string, fetchedAt: string): PackageSummary | undefined {
  const r = new PackumentStreamReader();
  for (const c of chunks) r.write(c);
  return r.summary(registry, fetchedAt);
}
