import { expect } from 'chai';
import { isRefusal, parseCertificateChainUrl } from '../../lambda/verification/index.js';

const CANONICAL = 'https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem';

describe('Alexa request verification: certificate URL canonical form (the cache key)', () => {
  const sameDocument: Record<string, string> = {
    'the canonical URL': CANONICAL,
    'percent-encoded unreserved characters (%65)': 'https://s3.amazonaws.com/echo.api/%65cho-api-cert-12.pem',
    'lower-case escapes of a dot in the prefix (%2e)': 'https://s3.amazonaws.com/echo%2eapi/echo-api-cert-12.pem',
    'backslashes for slashes': 'https://s3.amazonaws.com\\echo.api\\echo-api-cert-12.pem',
    'a tab inside the path': 'https://s3.amazonaws.com/echo.api/echo-api-\tcert-12.pem',
    'an encoded dot in the host (s3%2Eamazonaws.com)': 'https://s3%2Eamazonaws.com/echo.api/echo-api-cert-12.pem',
    'port 0443': 'https://s3.amazonaws.com:0443/echo.api/echo-api-cert-12.pem',
    'upper-case scheme and host, port 443': 'HTTPS://S3.AMAZONAWS.COM:443/echo.api/echo-api-cert-12.pem',
    'a dot segment': 'https://s3.amazonaws.com/echo.api/x/../echo-api-cert-12.pem',
  };
  for (const [name, raw] of Object.entries(sameDocument)) {
    it(`maps ${name} to the one canonical URL`, () => {
      expect(parseCertificateChainUrl(raw).href).to.equal(CANONICAL);
    });
  }

  it('keeps reserved escapes encoded and upper-cases them (%2f stays a character of the name, not a slash)', () => {
    expect(parseCertificateChainUrl('https://s3.amazonaws.com/echo.api/a%2fb.pem').href).to.equal('https://s3.amazonaws.com/echo.api/a%2Fb.pem');
  });

  const refused: Record<string, string> = {
    'a query (cache buster)': `${CANONICAL}?v=1`,
    'an empty query': `${CANONICAL}?`,
    'a fragment': `${CANONICAL}#x`,
    'an empty fragment': `${CANONICAL}#`,
    'a path that leaves /echo.api/ through an encoded prefix and dot-dot': 'https://s3.amazonaws.com/echo%2eapi/%2e%2e/x.pem',
    'a double slash that would read as a host': 'https://s3.amazonaws.com//evil.example/echo.api/x.pem',
    'port 8443': 'https://s3.amazonaws.com:8443/echo.api/x.pem',
    'a trailing dot on the host': 'https://s3.amazonaws.com./echo.api/x.pem',
  };
  for (const [name, raw] of Object.entries(refused)) {
    it(`refuses ${name} as certificate_url_invalid`, () => {
      let code: string | undefined;
      try {
        parseCertificateChainUrl(raw);
      } catch (error) {
        code = isRefusal(error) ? error.code : 'other';
      }
      expect(code).to.equal('certificate_url_invalid');
    });
  }

  // Each refusal names the rule that fired (the reason goes to our log), so a URL that breaks one rule is known to be
  // caught by that rule and not by a later one by accident.
  const refusedFor: [title: string, raw: string, reason: string][] = [
    ['a relative URL', '/echo.api/x.pem', 'not an absolute URL'],
    ['http', 'http://s3.amazonaws.com/echo.api/x.pem', 'scheme is not https'],
    ['another host', 'https://s3.amazonaws.com.evil.example/echo.api/x.pem', 'host is not s3.amazonaws.com'],
    // A bucket anyone can create answers as <bucket>.s3.amazonaws.com: a host that merely ends in the right name is not it.
    ['a bucket subdomain', 'https://evil.s3.amazonaws.com/echo.api/x.pem', 'host is not s3.amazonaws.com'],
    ['a host ending in the name without a dot', 'https://evils3.amazonaws.com/echo.api/x.pem', 'host is not s3.amazonaws.com'],
    ['a regional endpoint', 'https://s3.eu-west-1.amazonaws.com/echo.api/x.pem', 'host is not s3.amazonaws.com'],
    ['a port other than 443', 'https://s3.amazonaws.com:8443/echo.api/x.pem', 'port is not 443'],
    ['a user name', 'https://alexa@s3.amazonaws.com/echo.api/x.pem', 'URL carries credentials'],
    ['a password without a user name', 'https://:secret@s3.amazonaws.com/echo.api/x.pem', 'URL carries credentials'],
    ['a user name and a password', 'https://alexa:secret@s3.amazonaws.com/echo.api/x.pem', 'URL carries credentials'],
    ['a query', `${CANONICAL}?versionId=2`, 'URL has a query'],
    ['a fragment', `${CANONICAL}#part`, 'URL has a fragment'],
    ['another path', 'https://s3.amazonaws.com/echo.api2/x.pem', 'path does not start with /echo.api/ after normalisation'],
    ['an escaped slash in the prefix', 'https://s3.amazonaws.com/echo.api%2Fx.pem', 'path does not start with /echo.api/ after normalisation'],
  ];
  for (const [title, raw, reason] of refusedFor) {
    it(`refuses ${title} with the reason "${reason}"`, () => {
      let refusal: unknown;
      try {
        parseCertificateChainUrl(raw);
      } catch (error) {
        refusal = error;
      }
      expect(isRefusal(refusal), String(refusal)).to.equal(true);
      expect(refusal).to.include({ name: 'AlexaRequestRefused', code: 'certificate_url_invalid', reason, status: 400, message: 'certificate_url_invalid' });
    });
  }
});
