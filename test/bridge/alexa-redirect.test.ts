/** What Alexa sees of an upstream's error redirect: an RFC 6749 §4.1.2.1 code that is Alexa's business, or server_error. */
import { expect } from 'chai';
import { passOnAuthorizationError } from '../../bridge/alexa-redirect.js';

describe('bridge: upstream authorization errors passed on to Alexa', () => {
  it('passes on the codes about the user or the server as they are', () => {
    for (const code of ['access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable']) {
      expect(passOnAuthorizationError(code), code).to.equal(code);
    }
  });

  it('turns the codes about the bridge\'s own request, and anything unknown, into server_error', () => {
    for (const code of ['invalid_request', 'unauthorized_client', 'login_required', 'consent_required', '<script>', '']) {
      expect(passOnAuthorizationError(code), code).to.equal('server_error');
    }
  });
});
