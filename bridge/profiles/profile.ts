/**
 * A provider profile: everything the bridge must know about one authorization server's OAuth 2.0 dialect, as data
 * plus one pure function that reads the provider's token answer. One file per provider in this folder; the bridge
 * core never names a provider.
 *
 * The bridge speaks RFC 6749 to Alexa whatever the upstream speaks. A profile only translates; it never does I/O.
 */

/** What the deployment configured for the upstream; a profile may read its own optional settings from `extra`. */
export interface ProfileSettings {
  upstreamClientId: string;
  /** Provider-specific settings from the environment (e.g. BRIDGE_UPSTREAM_AUDIENCE for auth0), by variable name. */
  extra: Readonly<Record<string, string | undefined>>;
}

/** The upstream token endpoint's raw answer, exactly as received. */
export interface UpstreamAnswer {
  status: number;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

/** A usable token answer in the bridge's normal form. */
export interface UpstreamTokens {
  kind: 'tokens';
  accessToken: string;
  /** Seconds; absent when the provider does not say (Alexa then uses defaultTokenExpirationInSeconds). */
  expiresIn?: number;
  refreshToken?: string;
  scope?: string;
}

/**
 * The provider refused the grant or the client for good: the code is spent, the refresh token revoked, the secret
 * wrong. Alexa gets a 400 with this RFC 6749 error code (and unlinks the user on a refused refresh).
 */
export interface UpstreamRefusal {
  kind: 'refused';
  error: 'invalid_grant' | 'invalid_client' | 'invalid_scope' | 'invalid_request' | 'unauthorized_client' | 'unsupported_grant_type';
  /**
   * For the bridge's log only, never passed on to Alexa: a fixed label of the profile's own (a code from its table,
   * a status number), never the provider's free text, which has been seen quoting the token it refused.
   */
  detail?: string;
}

/**
 * The answer says nothing about the grant: an outage, a 5xx, a rate limit, garbage. Alexa gets a retryable 5xx
 * (`temporarily_unavailable`) and the link survives.
 */
export interface UpstreamUnavailable {
  kind: 'unavailable';
  /** For the bridge's log only; a fixed label, like `UpstreamRefusal.detail`. */
  reason: string;
}

export type UpstreamResult = UpstreamTokens | UpstreamRefusal | UpstreamUnavailable;

export type TokenGrant = 'authorization_code' | 'refresh_token';

export interface ProviderProfile {
  /** The value of BRIDGE_PROFILE that selects this profile: its key in `./registry.ts`, equal to the file name. */
  readonly name: string;
  /** One line for the profile table of docs/bridge.md and `--help`: the quirk this profile absorbs. */
  readonly quirk: string;
  /** How the bridge authenticates to the upstream token endpoint. */
  readonly clientAuthentication: 'client_secret_basic' | 'client_secret_post';
  /** Whether the upstream can issue refresh tokens at all (github: no). */
  readonly issuesRefreshTokens: boolean;
  /** Whether each refresh answers with a new refresh token that replaces the old one (fitbit, auth0). */
  readonly rotatesRefreshTokens: boolean;
  /** Separator of scopes in the upstream authorization URL (RFC 6749: a space; a few providers use a comma). */
  readonly scopeSeparator?: string;
  /** Extra query parameters of the upstream authorization URL (e.g. auth0's `audience`). */
  authorizationParams?(settings: ProfileSettings): Record<string, string>;
  /** Extra form fields of every upstream token request (e.g. withings' `action=requesttoken`). */
  tokenRequestParams?(grant: TokenGrant, settings: ProfileSettings): Record<string, string>;
  /** Extra headers of every upstream token request (e.g. github's `Accept: application/json`). */
  readonly tokenRequestHeaders?: Readonly<Record<string, string>>;
  /** Reads the upstream's answer to a token request. Must never throw: garbage is `unavailable`. */
  readTokenAnswer(answer: UpstreamAnswer, grant: TokenGrant): UpstreamResult;
  /** Settings this profile needs (variable names); the bridge's config refuses to start when one is missing. */
  readonly requiredSettings?: readonly string[];
  /**
   * Whether the bridge sends its own PKCE S256 `code_challenge` upstream (and the verifier with the code). Optional,
   * default true: servers that do not know PKCE ignore the parameters (RFC 6749 §3.1); set false for one that rejects them.
   * Independent of Alexa's own PKCE towards the bridge, which the bridge always checks itself. Every profile in this
   * folder says it explicitly, with its source. PKCE is what stops a provider code leaked from one user's sign-in from
   * being redeemed under a state someone else minted (RFC 9700 §4.5): without it (withings) that risk stays.
   */
  readonly upstreamPkce?: boolean;
}

/**
 * How a profile file exports itself: `export const profile: ProviderProfile = {…}`, and one line in `./registry.ts`
 * under its name, which is how BRIDGE_PROFILE finds it. Reusable readers for RFC 6749 answers live in `./rfc6749.ts`.
 */
