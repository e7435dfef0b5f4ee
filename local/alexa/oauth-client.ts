/**
 * The simulator's OAuth 2.0 client, on oauth4webapi, holding the conversation with the authorization server the way
 * Alexa holds it: the authorization request (state, and a PKCE S256 challenge when the skill turned PKCE on), the
 * authorization-code grant, the refresh grant and — for the testers' "revoke" — RFC 7009 revocation, each with the
 * client authentication the account-linking configuration names (HTTP Basic, or the credentials in the body) and
 * within the time Alexa gives a token endpoint.
 *
 * oauth4webapi builds and sends the requests and checks the token answers. Where it is stricter than Alexa, Alexa's
 * behaviour is kept, because the simulator exists to show what Alexa would do:
 * - The status of the answer decides, whatever its content type: 400 or 401 is a refusal (a refused refresh unlinks),
 *   anything else unsuccessful is not, and any 2xx with a token is a token. oauth4webapi wants exactly 200, and a 4xx
 *   in application/json before it reads the error.
 * - An `id_token` in the answer is not looked at. oauth4webapi would validate it against the issuer, and Alexa's
 *   account linking knows no issuer (only the two URIs); a server that adds one for an `openid` scope links with Alexa.
 * - An `iss` parameter on the redirect (RFC 9207) is not compared with an issuer, for the same reason.
 * Where Alexa is stricter than oauth4webapi, so is this client: a Bearer token only (oauth4webapi takes DPoP too), and
 * a positive `expires_in` (it takes 0).
 * http:// is allowed for loopback addresses only (the local stack), as `allowInsecureRequests`: Alexa calls https only.
 */
import * as oauth from 'oauth4webapi';
import { parseJsonObject } from '../../common/json.js';
import { isLoopbackHost } from '../../common/loopback.js';
import { LinkingError, type AccessTokenScheme } from './linking-vocabulary.js';

/** What the client needs of a linking setup (linking.ts's LinkingConfig has all of it). */
export interface OAuthClientSettings {
  authorizationUrl: URL;
  accessTokenUrl: URL;
  accessTokenScheme: AccessTokenScheme;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Alexa gives a token endpoint 4.5 s. */
  tokenRequestTimeoutMs: number;
}

/** A usable token answer, from the token endpoint or from the implicit grant's fragment. */
export interface TokenAnswer {
  accessToken: string;
  /** Undefined when the answer names none (the account-linking default then applies). */
  expiresInSeconds?: number;
  refreshToken?: string;
  scope?: string;
}

export interface AuthorizationRequest {
  responseType: 'code' | 'token';
  state: string;
  scopes: string[];
  /** The PKCE S256 challenge (code grant, when PKCE is on). */
  codeChallenge?: string;
}

/** A fresh `state`: 32 random bytes, base64url. */
export function newState(): string {
  return oauth.generateRandomState();
}

/** A PKCE pair: the verifier kept for the code exchange, its S256 challenge sent with the authorization request. */
export async function newPkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

/**
 * The URL the user opens: the authorization URI with Alexa's parameters (seed 002), and PKCE's when on. Written out
 * here: oauth4webapi builds no authorization URL (openid-client, a layer above it, does), and it is five parameters.
 */
export function authorizationRequestUrl(settings: OAuthClientSettings, request: AuthorizationRequest): URL {
  const url = new URL(settings.authorizationUrl);
  url.searchParams.set('state', request.state);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('response_type', request.responseType);
  url.searchParams.set('scope', request.scopes.join(' '));
  url.searchParams.set('redirect_uri', settings.redirectUri);
  if (request.codeChallenge !== undefined) {
    url.searchParams.set('code_challenge', request.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url;
}

/** `grant_type=authorization_code` with the code and redirect URI (and the PKCE verifier when one was sent). */
export async function exchangeCode(settings: OAuthClientSettings, code: string, codeVerifier: string | undefined, fetchImpl: typeof fetch): Promise<TokenAnswer> {
  const { as, client, auth } = parties(settings);
  // Only the code goes in: the linker has checked the state against its own records, and `iss` is not Alexa's to check.
  const callback = oauth.validateAuthResponse(as, client, new URLSearchParams({ code }), oauth.expectNoState);
  const answer = await post(settings, 'token', settings.accessTokenUrl, fetchImpl, (options) =>
    oauth.authorizationCodeGrantRequest(as, client, auth, callback, settings.redirectUri, codeVerifier ?? oauth.nopkce, options),
  );
  return usableAnswer(answer, (response) => oauth.processAuthorizationCodeResponse(as, client, response));
}

/** `grant_type=refresh_token`. */
export async function refreshGrant(settings: OAuthClientSettings, refreshToken: string, fetchImpl: typeof fetch): Promise<TokenAnswer> {
  const { as, client, auth } = parties(settings);
  const answer = await post(settings, 'token', settings.accessTokenUrl, fetchImpl, (options) => oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, options));
  return usableAnswer(answer, (response) => oauth.processRefreshTokenResponse(as, client, response));
}

/** RFC 7009 revocation of a refresh token, with the client's own credentials. */
export async function revokeRefreshToken(settings: OAuthClientSettings, revocationUrl: URL, refreshToken: string, fetchImpl: typeof fetch): Promise<void> {
  const { as, client, auth } = parties(settings, revocationUrl);
  const answer = await post(settings, 'revocation', revocationUrl, fetchImpl, (options) =>
    oauth.revocationRequest(as, client, auth, refreshToken, { ...options, additionalParameters: { token_type_hint: 'refresh_token' } }),
  );
  if (!isSuccess(answer.status)) throw new LinkingError('token_request_failed', `the revocation endpoint answered ${answer.status}`, { status: answer.status });
}

/**
 * The implicit grant's fragment, read as the token answer it is (RFC 6749 §4.2.2: the same fields, as strings), by
 * the same checks as the token endpoint's.
 */
export async function fragmentAnswer(settings: OAuthClientSettings, params: URLSearchParams): Promise<TokenAnswer> {
  const { as, client } = parties(settings);
  return usableAnswer({ status: 200, text: JSON.stringify(Object.fromEntries(params)) }, (response) => oauth.processGenericTokenEndpointResponse(as, client, response));
}

interface Answer {
  status: number;
  text: string;
}

type RequestOptions = { signal: AbortSignal; [oauth.customFetch]: typeof fetch; [oauth.allowInsecureRequests]?: boolean };

/**
 * The authorization server as oauth4webapi needs it. Alexa's configuration names no issuer, so the authorization
 * URI's origin stands in; it is compared with nothing (see the top of this file).
 */
function parties(settings: OAuthClientSettings, revocationUrl?: URL): { as: oauth.AuthorizationServer; client: oauth.Client; auth: oauth.ClientAuth } {
  const as: oauth.AuthorizationServer = {
    issuer: settings.authorizationUrl.origin,
    token_endpoint: settings.accessTokenUrl.href,
    ...(revocationUrl ? { revocation_endpoint: revocationUrl.href } : {}),
  };
  const auth = settings.accessTokenScheme === 'HTTP_BASIC' ? basicCredentials(settings.clientSecret) : oauth.ClientSecretPost(settings.clientSecret);
  return { as, client: { client_id: settings.clientId }, auth };
}

/**
 * HTTP Basic as RFC 6749 §2.3.1 asks (ID and secret form-encoded, then joined and base64-encoded), with the form
 * encoding of URLSearchParams, as the simulator always sent it, rather than oauth4webapi's ClientSecretBasic, which
 * also escapes `-`, `.`, `_` and `*`. For the usual IDs and secrets (letters, digits, `-._`) this is the plain
 * `id:secret` every Basic implementation reads: a server that compares them without form-decoding (many do, and link
 * with Alexa) must not fail here over `alexa%2Dride%2Dhailer`, an escape Alexa is not known to make.
 */
function basicCredentials(clientSecret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${formEncode(client.client_id)}:${formEncode(clientSecret)}`).toString('base64')}`);
  };
}

function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Sends one request and reads its whole answer within the token endpoint's time; a request that fails is unreachable. */
async function post(settings: OAuthClientSettings, endpoint: 'token' | 'revocation', url: URL, fetchImpl: typeof fetch, send: (options: RequestOptions) => Promise<Response>): Promise<Answer> {
  const options: RequestOptions = { signal: AbortSignal.timeout(settings.tokenRequestTimeoutMs), [oauth.customFetch]: fetchImpl };
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) options[oauth.allowInsecureRequests] = true;
  try {
    const response = await send(options);
    return { status: response.status, text: await response.text() };
  } catch (error) {
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.HTTP_REQUEST_FORBIDDEN) {
      throw new LinkingError('token_endpoint_unreachable', `the ${endpoint} endpoint must be https:// (Alexa calls nothing else; http:// only on this machine's loopback)`);
    }
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new LinkingError(
      'token_endpoint_unreachable',
      timedOut ? `the ${endpoint} endpoint did not answer within ${settings.tokenRequestTimeoutMs} ms` : `the ${endpoint} endpoint could not be reached`,
    );
  }
}

/** An unsuccessful status is a refusal, named with its OAuth error when the body has one; a 2xx is checked by oauth4webapi, then by Alexa's rules. */
async function usableAnswer(answer: Answer, process: (response: Response) => Promise<oauth.TokenEndpointResponse>): Promise<TokenAnswer> {
  const json = parseJsonObject(answer.text);
  if (!isSuccess(answer.status)) {
    const oauthError = typeof json?.error === 'string' ? json.error : undefined;
    throw new LinkingError('token_request_failed', `the token endpoint answered ${answer.status}${oauthError ? ` (${oauthError})` : ''}`, {
      status: answer.status,
      ...(oauthError ? { oauthError } : {}),
    });
  }
  if (json === undefined) throw new LinkingError('invalid_token_response', 'the token response is not a JSON object');
  const fields = { ...json };
  delete fields.id_token; // not read by Alexa (see the top of this file)
  let tokens: oauth.TokenEndpointResponse;
  try {
    tokens = await process(Response.json(fields));
  } catch (error) {
    throw unusable(error);
  }
  if (tokens.token_type !== 'bearer') throw new LinkingError('invalid_token_response', 'the token response is not a Bearer token');
  if (tokens.expires_in !== undefined && tokens.expires_in <= 0) throw new LinkingError('invalid_token_response', 'the token response has an unusable expires_in');
  const usable: TokenAnswer = { accessToken: tokens.access_token };
  if (tokens.expires_in !== undefined) usable.expiresInSeconds = tokens.expires_in;
  if (tokens.refresh_token !== undefined) usable.refreshToken = tokens.refresh_token;
  if (tokens.scope !== undefined) usable.scope = tokens.scope;
  return usable;
}

/** oauth4webapi's refusal of a 2xx answer, in the words the end pages have always used for the fields testers meet. */
function unusable(error: unknown): LinkingError {
  if (error instanceof oauth.UnsupportedOperationError) return new LinkingError('invalid_token_response', 'the token response is not a Bearer token');
  const message = error instanceof Error ? error.message : String(error);
  // oauth4webapi names the field it refused as `"response" body "<field>" property …`.
  const field = /"response" body "(\w+)" property/.exec(message)?.[1];
  if (field === 'access_token') return new LinkingError('invalid_token_response', 'the token response has no access_token');
  if (field === 'token_type') return new LinkingError('invalid_token_response', 'the token response is not a Bearer token');
  if (field === 'expires_in') return new LinkingError('invalid_token_response', 'the token response has an unusable expires_in');
  return new LinkingError('invalid_token_response', `the token response is unusable (${message})`);
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

