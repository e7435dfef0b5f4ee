/**
 * The issuer's JWKS, fetched through got instead of the global `fetch`.
 *
 * jose's remote key set fetches with the global `fetch` unless given a `customFetch`; the first use of `fetch` loads
 * undici, Node's fetch implementation — tens of milliseconds of a linked cold start, for one small GET. got is
 * loaded for the Ride Hailer API on the same request anyway. jose keeps everything else: its cache, its cooldown,
 * its timeout (the `signal` it passes) and its checks of the answer (status 200, a JSON key set).
 *
 * What jose gets back is the little of a `Response` it reads — `status` and `json()` — not a real Response:
 * constructing one would load undici after all.
 */
import type { FetchImplementation } from 'jose';
import type { Got } from 'got';

/**
 * A key set holds a handful of public keys (a few hundred bytes each); an answer far above that is not a key set,
 * and reading it whole would only cost memory on the cold start.
 */
export const MAX_JWKS_BYTES = 64 * 1024;

/** The JWKS body was larger than MAX_JWKS_BYTES; jose reports it as a failed fetch (the verifier: IssuerUnavailable). */
export class JwksTooLarge extends Error {
  override name = 'JwksTooLarge';
  constructor() {
    super(`the JWKS answer is larger than ${MAX_JWKS_BYTES} bytes`);
  }
}

export function fetchJwksWithGot(loadGot: () => Promise<Got> = defaultGot): FetchImplementation {
  return async (url, { headers, signal }) => {
    const got = await loadGot();
    // jose's signal carries its timeout; this one cuts off an answer that grows past the cap.
    const cutOff = new AbortController();
    const request = got(url, {
      headers: Object.fromEntries(headers),
      signal: AbortSignal.any([signal, cutOff.signal]),
      // jose asks for `redirect: 'manual'`: a redirect is not followed, its status (not 200) fails the fetch.
      followRedirect: false,
      // jose decides what a failed fetch means (and when to fetch again); got must not retry behind its back.
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'text',
    });
    // Counted after decompression, while the body arrives: an endless or inflated answer is cut off, not buffered.
    // got reports once more when the body ends, so the chunk that completes a body of known length (for which it
    // skips the per-chunk report) is counted too, before the request resolves.
    request.on('downloadProgress', ({ transferred }) => {
      if (transferred > MAX_JWKS_BYTES) cutOff.abort(new JwksTooLarge());
    });
    let response;
    try {
      response = await request;
    } catch (error) {
      throw cutOff.signal.aborted ? cutOff.signal.reason : error;
    }
    const { statusCode, body } = response;
    return { status: statusCode, json: async () => JSON.parse(body) as unknown } as unknown as Response;
  };
}

const defaultGot = () => import('got').then(({ default: got }) => got);
