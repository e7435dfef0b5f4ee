/**
 * Calls the upstream token endpoint the upstream's way (the profile's client authentication, extra fields and
 * headers) and hands the raw answer to the profile to read. One attempt, never retried: an authorization code is
 * single-use, and a rotating refresh token sent twice may be taken for a stolen one. Alexa retries a failed
 * refresh on its own; within its 4.5 s a second attempt against a struggling upstream rarely helps.
 *
 * Whatever goes wrong on the way (refused connection, timeout, a reset, a profile that throws) is `unavailable`.
 */
import http from 'node:http';
import https from 'node:https';
import got, { type Got } from 'got';
import type { BridgeConfig } from './config.js';
import type { TokenGrant, UpstreamAnswer, UpstreamResult } from './profiles/profile.js';
import { unavailable } from './profiles/rfc6749.js';

/** Upstream answers larger than this are not token answers: cut off, answered as unavailable. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface UpstreamClient {
  token(grant: TokenGrant, params: Record<string, string>): Promise<UpstreamResult>;
}

/** RFC 6749 §2.3.1: client ID and secret are form-encoded before they go into the Basic header. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

export function createUpstreamClient(config: BridgeConfig): UpstreamClient {
  const { profile, profileSettings, upstream } = config;
  const client: Got = got.extend({
    agent: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
    timeout: { request: upstream.budgetMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    // No compressed answers: 64 KiB of gzip can unpack to gigabytes, and the size check counts bytes on the wire.
    decompress: false,
    responseType: 'text',
    headers: { 'user-agent': 'ride-hailer-bridge' },
  });

  const authHeaders: Record<string, string> = {};
  const authFields: Record<string, string> = {};
  if (profile.clientAuthentication === 'client_secret_basic') {
    authHeaders.authorization = `Basic ${Buffer.from(`${formEncode(upstream.clientId)}:${formEncode(upstream.clientSecret)}`).toString('base64')}`;
  } else {
    authFields.client_id = upstream.clientId;
    authFields.client_secret = upstream.clientSecret;
  }

  return {
    async token(grant, params) {
      const form = { grant_type: grant, ...params, ...profile.tokenRequestParams?.(grant, profileSettings), ...authFields };
      let answer: UpstreamAnswer;
      // Stop reading at MAX_ANSWER_BYTES: the announced length or the bytes received so far, whichever tells first,
      // so a huge (or endless) answer costs at most that much memory and ends the connection at once.
      const tooLarge = new AbortController();
      try {
        const pending = client.post(upstream.tokenUrl, {
          // `form`, not a `body` string: got checks every `body` with `instanceof FormData`, and the first read of that
          // global loads undici (Node's fetch, tens of milliseconds of a Lambda cold start). got encodes `form` with
          // URLSearchParams, as before.
          form,
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...profile.tokenRequestHeaders, ...authHeaders },
          signal: tooLarge.signal,
        });
        pending.on('downloadProgress', ({ transferred, total }) => {
          if (transferred > MAX_ANSWER_BYTES || (total ?? 0) > MAX_ANSWER_BYTES) tooLarge.abort();
        });
        const response = await pending;
        if (response.body.length > MAX_ANSWER_BYTES) return unavailable('upstream answer too large');
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        answer = { status: response.statusCode, headers, body: response.body };
      } catch (error) {
        if (tooLarge.signal.aborted) return unavailable('upstream answer too large');
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
