/**
 * The `SignatureCertChainUrl` check, done before anything is downloaded.
 *
 * WHATWG URL parsing normalises the path (`/echo.api/../x` becomes `/x`, `%2e%2e` included) and lower-cases the
 * scheme and host, so the checks below see what a client would actually fetch. The path stays case-sensitive.
 */
import { AlexaRequestRefused } from './errors.js';

const REQUIRED_HOST = 's3.amazonaws.com';
const REQUIRED_PATH_PREFIX = '/echo.api/';

export function parseCertificateChainUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AlexaRequestRefused('certificate_url_invalid', 'not an absolute URL');
  }
  if (url.protocol !== 'https:') throw new AlexaRequestRefused('certificate_url_invalid', 'scheme is not https');
  if (url.hostname !== REQUIRED_HOST) throw new AlexaRequestRefused('certificate_url_invalid', 'host is not s3.amazonaws.com');
  // The URL parser drops the default port, so any port left here is not 443.
  if (url.port !== '') throw new AlexaRequestRefused('certificate_url_invalid', 'port is not 443');
  if (url.username !== '' || url.password !== '') {
    throw new AlexaRequestRefused('certificate_url_invalid', 'URL carries credentials');
  }
  if (!url.pathname.startsWith(REQUIRED_PATH_PREFIX)) {
    throw new AlexaRequestRefused('certificate_url_invalid', 'path does not start with /echo.api/ after normalisation');
  }
  url.hash = ''; // never sent to the server; keeps one cache entry per document
  return url;
}
