/**
 * bridge/adapters/lambda.ts: a Function URL / HTTP API payload-2.0 event read into the bridge's plain request, and
 * the plain response written back — the fields it falls back on when an event leaves one out, and the body limit
 * counted on the decoded bytes.
 */
import { expect } from 'chai';
import { EventTooLarge, fromLambdaEvent, toLambdaResult } from '../../bridge/adapters/lambda.js';

describe('bridge: the Lambda adapter', () => {
  it('reads method, path, query, lower-cased headers, the body and the source address', () => {
    const request = fromLambdaEvent(
      {
        rawPath: '/token',
        rawQueryString: 'a=1&a=2&b=%20x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '203.0.113.9' },
        body: 'grant_type=refresh_token',
        requestContext: { http: { method: 'post', path: '/ignored', sourceIp: '198.51.100.7' } },
      },
      100,
    );
    expect({ ...request, query: request.query.toString() }).to.deep.equal({
      method: 'POST',
      path: '/token',
      query: 'a=1&a=2&b=+x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.9' },
      body: 'grant_type=refresh_token',
      peerAddress: '198.51.100.7',
    });
  });

  it('falls back on the request context’s path, then /, on GET, on an empty query and body, and on no peer address', () => {
    expect(fromLambdaEvent({ requestContext: { http: { path: '/healthz' } } }, 100).path).to.equal('/healthz');
    expect(fromLambdaEvent({ requestContext: {} }, 100)).to.include({ path: '/', method: 'GET' });
    const bare = fromLambdaEvent({}, 100);
    expect({ ...bare, query: bare.query.toString() }).to.deep.equal({ method: 'GET', path: '/', query: '', headers: {}, body: '' });
    expect(bare).to.not.have.property('peerAddress');
  });

  it('decodes a base64 body, and holds the limit on the decoded bytes: at the limit read, one byte over refused', () => {
    const form = 'grant_type=authorization_code&code=é';
    const size = Buffer.byteLength(form);
    const base64 = { body: Buffer.from(form).toString('base64'), isBase64Encoded: true };
    expect(fromLambdaEvent(base64, size).body).to.equal(form);
    expect(() => fromLambdaEvent(base64, size - 1)).to.throw(EventTooLarge);
    expect(fromLambdaEvent({ body: form }, size).body).to.equal(form);
    expect(() => fromLambdaEvent({ body: form }, size - 1)).to.throw(EventTooLarge);
    // Without the flag a base64-looking body is taken as it is.
    expect(fromLambdaEvent({ body: 'YWJj', isBase64Encoded: false }, 100).body).to.equal('YWJj');
  });

  it('writes the response as a payload-2.0 result, never base64', () => {
    expect(toLambdaResult({ status: 302, headers: { location: 'https://x.example/' }, body: '' })).to.deep.equal({
      statusCode: 302,
      headers: { location: 'https://x.example/' },
      body: '',
      isBase64Encoded: false,
    });
  });
});
