/*
 * Runs inside the function's process, before aws-lambda-ric starts (node --import ./rapid-hooks.mjs).
 *
 * aws-lambda-ric talks to the Lambda Runtime API through a native addon (rapid-client.node, a libcurl wrapper)
 * that its install script compiles with node-gyp. The project installs it without install scripts, so the addon is
 * absent; this file takes its place with the same three functions over the same HTTP API. Everything else — handler
 * loading (index.mjs/.js/.cjs), the context object, error formatting, console patching — is the RIC's own code.
 *
 * The addon's done()/error() block until the POST completes; here they queue the POST on a one-socket agent, so it
 * still reaches the Runtime API before the next GET /invocation/next does, in the same order as with the addon.
 */
'use strict';
const http = require('node:http');

const PREFIX = '/2018-06-01/runtime';
const [hostname, port] = String(process.env.AWS_LAMBDA_RUNTIME_API).split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body, headers) {
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port: Number(port), path: PREFIX + path, method, agent, headers }, (response) => {
      let data = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (data += chunk));
      response.on('end', () => resolve({ body: data, headers: response.headers }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function post(path, body, headers) {
  const json = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  // A lost POST ends the process: the cloud then reports the invocation as a runtime exit, as Lambda would.
  call('POST', path, body, { ...json, ...headers }).catch((error) => {
    process.stderr.write(`runtime transport: ${error.message}\n`);
    process.exit(1);
  });
}

module.exports = {
  async next() {
    const { body, headers } = await call('GET', '/invocation/next');
    return { bodyJson: body, headers };
  },
  done(requestId, responseJson) {
    post(`/invocation/${requestId}/response`, responseJson, {});
  },
  error(requestId, errorJson, xrayCause) {
    let errorType = 'Unhandled';
    try {
      errorType = JSON.parse(errorJson).errorType || errorType;
    } catch {}
    post(`/invocation/${requestId}/error`, errorJson, {
      'lambda-runtime-function-error-type': errorType,
      ...(xrayCause ? { 'lambda-runtime-function-xray-error-cause': Buffer.byteLength(xrayCause) < 1024 ? xrayCause : '' } : {}),
    });
  },
};
