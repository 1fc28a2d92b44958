/**
 * Installs the Sigstore verification speed-ups into this thread's copy of @sigstore/core: the DER encoder of
 * ./fast-der.ts and the memoised keys and signature checks of ./crypto-memo.ts. Neither changes what the
 * library computes, only how fast; each is installed only if the library looks as expected, else the library
 * stays as it is. Called when a verification worker starts (./sigstore-worker.ts) and before each verification
 * on a calling thread (./verify-pool.ts); once installed, a call costs two comparisons.
 */
import { installCryptoMemo } from './crypto-memo';
import { installFastDER } from './fast-der';

/** Installs both (each is idempotent); says which are in place. */
export function installSigstoreSpeedups(): { fastDER: boolean; cryptoMemo: boolean } {
  return { fastDER: installFastDER(), cryptoMemo: installCryptoMemo() };
}
