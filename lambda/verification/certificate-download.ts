/**
 * Downloads a signing certificate chain: a time budget, a size cap enforced while streaming, no redirects.
 *
 * Failures are reported as `certificate_unavailable` with a reason of our own; the URL is never logged here
 * because it came from a request header.
 */
import { AlexaRequestRefused } from './errors.js';

export type FetchCertificate = (url: URL) => Promise<string>;

export interface CertificateDownloadOptions {
  timeoutMs: number;
  maxBytes: number;
  /**
   * LOCAL STACK ONLY: fetch the same path from this origin instead of the URL's own host.
   * The header's URL has been checked in full before this point; the chain is still checked against the trust store.
   */
  mirror?: URL | undefined;
}

export const DEFAULT_DOWNLOAD_OPTIONS: CertificateDownloadOptions = { timeoutMs: 2000, maxBytes: 64 * 1024 };

export function createCertificateDownloader(options: CertificateDownloadOptions = DEFAULT_DOWNLOAD_OPTIONS): FetchCertificate {
  return async (url) => {
    const target = options.mirror === undefined ? url : new URL(url.pathname + url.search, options.mirror);
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(target, { signal, redirect: 'error', headers: { accept: 'application/x-pem-file, */*' } });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new AlexaRequestRefused('certificate_unavailable', `certificate download answered HTTP ${response.status}`);
      }
      return await readCapped(response, options.maxBytes);
    } catch (error) {
      if (error instanceof AlexaRequestRefused) throw error;
      const reason = signal.aborted ? `certificate download took longer than ${options.timeoutMs} ms` : 'certificate download failed';
      throw new AlexaRequestRefused('certificate_unavailable', reason);
    }
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of response.body) {
    received += chunk.byteLength;
    // Leaving the loop early cancels the stream, so the rest is never read.
    if (received > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(maxBytes: number): AlexaRequestRefused {
  return new AlexaRequestRefused('certificate_unavailable', `certificate download is larger than ${maxBytes} bytes`);
}
