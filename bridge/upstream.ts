/**
 * Calls the upstream token endpoint the upstream's way (the profile's client authentication, extra fields and
 * headers) and hands the raw answer to the profile to read. One attempt, never retried: an authorization code is
 * single-use, and a rotating refresh token sent twice may be taken for a stolen one. Alexa retries a failed
 * refresh on its own; within its 4.5 s a second attempt against a struggling upstream rarely helps.
 *
 * Whatever goes wrong on the way (refused connection, timeout, a reset, a profile that throws) is `unavailable`.
 */
import type { Readable } from 'node:stream';
import { HttpRequest } from '@smithy/core/transport';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BridgeConfig } from './config.js';
import type { TokenGrant, UpstreamAnswer, UpstreamResult } from './profiles/profile.js';
import { readAtMost } from './http/read-at-most.js';
import { unavailable } from './profiles/rfc6749.js';

/** Upstream answers larger than this are not token answers: cut off, answered as unavailable. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface UpstreamClient {
  token(grant: TokenGrant, params: Record<string, string>): Promise<UpstreamResult>;
}

/** RFC 6749 §2.3.1: client ID and secret are form-encoded before they go into the Basic header. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

/**
 * The HTTP exchange goes through the AWS SDK's HTTP handler (@smithy/node-http-handler), the one bridge/aws/ uses for
 * DynamoDB and Secrets Manager: sockets kept alive between calls, no redirects followed, no
 * answers unpacked (no Accept-Encoding is sent: 64 KiB of gzip can unpack to gigabytes, and the size check counts
 * bytes on the wire). One HTTP client in the deployed bridge instead of two, and the cheaper one: got, which the bridge
 * used before, parsed ~180 kB at every cold start (with its dependencies) and cost two to three times the handler's CPU
 * per request (docs/testing.md, "Benchmarks").
 */
export function createUpstreamClient(config: BridgeConfig): UpstreamClient {
  const { profile, profileSettings, upstream } = config;
  const http = new NodeHttpHandler(); // its time limits are the budget's, below
  const url = new URL(upstream.tokenUrl);
  const target = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
  };

  const authHeaders: Record<string, string> = {};
  const authFields: Record<string, string> = {};
  if (profile.clientAuthentication === 'client_secret_basic') {
    authHeaders.authorization = `Basic ${Buffer.from(`${formEncode(upstream.clientId)}:${formEncode(upstream.clientSecret)}`).toString('base64')}`;
  } else {
    authFields.client_id = upstream.clientId;
    authFields.client_secret = upstream.clientSecret;
  }

  // Header names in lower case, as HTTP/1 puts them on the wire: a profile's own header replaces the default of the
  // same name whatever its case. The same for every call but the body's length.
  const fixedHeaders: Record<string, string> = {};
  const defaults = { host: url.host, 'user-agent': 'ride-hailer-bridge', 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  for (const [name, value] of Object.entries({ ...defaults, ...profile.tokenRequestHeaders, ...authHeaders })) fixedHeaders[name.toLowerCase()] = value;

  return {
    async token(grant, params) {
      const body = new URLSearchParams({ grant_type: grant, ...params, ...profile.tokenRequestParams?.(grant, profileSettings), ...authFields }).toString();
      const headers = { 'content-length': String(Buffer.byteLength(body)), ...fixedHeaders };
      // The budget covers the whole exchange, the answer's body too: a body that stalls is cut off with it.
      const budget = AbortSignal.timeout(upstream.budgetMs);
      let answer: UpstreamAnswer;
      try {
        const { response } = await http.handle(new HttpRequest({ ...target, headers, body }), { abortSignal: budget });
        const text = await readAtMost(response.body as Readable, MAX_ANSWER_BYTES);
        if (text === undefined) return unavailable('upstream answer too large');
        answer = { status: response.statusCode, headers: response.headers, body: text }; // Node's names: lower case
      } catch (error) {
        if (budget.aborted) return unavailable('upstream unreachable (ETIMEDOUT)');
        const { code, name } = error as { code?: string; name?: string };
        return unavailable(`upstream unreachable (${code ?? name ?? 'error'})`);
      }
      try {
        return profile.readTokenAnswer(answer, grant);
      } catch {
        return unavailable(`profile ${profile.name} could not read the answer`);
      }
    },
  };
}
