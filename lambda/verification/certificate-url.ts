/**
 * The `SignatureCertChainUrl` check, done before anything is downloaded, and its canonical form: every spelling of
 * one document gives the same URL, which is both what we fetch and the certificate cache's key.
 *
 * WHATWG URL parsing already folds most spellings together: it lower-cases the scheme and host, percent-decodes the
 * host (`s3%2Eamazonaws.com`), drops the default port (`:443`, `:0443`), reads `\` as `/`, strips tabs and newlines
 * and resolves dot segments (`%2e%2e` included). On top of it the path's percent-encoded unreserved characters are
 * decoded and the other escapes upper-cased (RFC 3986 §6.2.2), so `%65cho` and `echo` are one document, as they are
 * to S3. The path stays case-sensitive.
 *
 * A query or a fragment is refused rather than dropped: Alexa's URL has neither, a query can change what S3 serves
 * (`?versionId=`, `?torrent`), and either one is otherwise only a way to make each request look like a new document
 * and force a download.
 */
import { AlexaRequestRefused } from './errors.js';

const REQUIRED_HOST = 's3.amazonaws.com';
const REQUIRED_PATH_PREFIX = '/echo.api/';

export function parseCertificateChainUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('not an absolute URL');
  }
  if (url.protocol !== 'https:') throw invalid('scheme is not https');
  if (url.hostname !== REQUIRED_HOST) throw invalid('host is not s3.amazonaws.com');
  // The URL parser drops the default port, so any port left here is not 443.
  if (url.port !== '') throw invalid('port is not 443');
  if (url.username !== '' || url.password !== '') throw invalid('URL carries credentials');
  // `href` keeps an empty `?` or `#` that `search` and `hash` report as ''.
  if (url.href.includes('?')) throw invalid('URL has a query');
  if (url.href.includes('#')) throw invalid('URL has a fragment');
  // Through the setter, not `new URL(path, origin)`: a path starting `//` must never be read as a host.
  // Alexa's own URL has no escape, so the common case skips it.
  if (url.pathname.includes('%')) url.pathname = normalisePercentEncoding(url.pathname);
  if (!url.pathname.startsWith(REQUIRED_PATH_PREFIX)) throw invalid('path does not start with /echo.api/ after normalisation');
  return url;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** `%65` → `e`, `%2f` → `%2F`: one spelling per path, without changing which document it names. */
function normalisePercentEncoding(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : escape.toUpperCase();
  });
}

function invalid(reason: string): AlexaRequestRefused {
  return new AlexaRequestRefused('certificate_url_invalid', reason);
}
