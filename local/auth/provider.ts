import Provider, { errors, interactionPolicy, type Adapter, type AnyObject } from 'oidc-provider';
import type { JWK } from 'jose';
import { ALL_SCOPES } from '../../lambda/account/scopes.js';
import { messagesFor, negotiateLocale } from './i18n.js';
import type { UserDirectory } from './users.js';
import { errorPage } from './views/error.js';

/** A confidential OAuth client (Alexa, or a test's second client). */
export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  name?: string;
  /**
   * `native`: a loopback redirect URI (http://127.0.0.1/…) matches on any port (RFC 8252 §7.3) — for a client whose
   * port is only known later, like the bridge deployed to the local Alexa cloud. Default `web` (exact match).
   */
  applicationType?: 'web' | 'native';
}

export interface ProviderSettings {
  issuer: string;
  adapter: (model: string) => Adapter;
  signingKey: JWK;
  cookieKeys: string[];
  clients: ClientRegistration[];
  /** Resource indicator of the Ride Hailer API: `aud` of every access token. */
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  users: UserDirectory;
  log: (line: string) => void;
}

/** error_description of the refusal of an authorization request without `state` (also picked up by renderError). */
export const STATE_MISSING = 'state parameter is required';

const INTERACTION_GONE = /session|interaction/i;

/**
 * oidc-provider's prompts, with consent asked on every linking journey. Without this, a browser that linked once
 * re-links silently for the 14 days of its session (same client, scopes already granted): nobody sees which
 * account is being linked, and nobody can switch. Linking is rare and deliberate, so the consent page, which names
 * the signed-in account and offers "use another account", is always shown; signing in is skipped within a session.
 */
function interactionPolicyAskingConsentEachTime() {
  const policy = interactionPolicy.base();
  const { Check } = interactionPolicy;
  policy.get('consent')?.checks.push(
    new Check('consent_each_linking', 'every account-linking journey is confirmed', 'consent_required', (ctx: AnyObject) =>
      ctx.oidc.result?.consent ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}

/**
 * oidc-provider configured for Alexa account linking. Each setting below changes a default that would
 * otherwise unlink Alexa users or weaken the flow; see the comments.
 */
export function createProvider(settings: ProviderSettings): Provider {
  const { audience, accessTokenTtlSeconds, refreshTokenTtlSeconds, users } = settings;
  const apiScopes = ALL_SCOPES.join(' ');

  const provider = new Provider(settings.issuer, {
    adapter: settings.adapter,
    jwks: { keys: [settings.signingKey] },
    cookies: { keys: settings.cookieKeys }, // SameSite=Lax and httpOnly are oidc-provider's defaults
    clients: settings.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      client_name: client.name ?? 'Alexa',
      redirect_uris: client.redirectUris, // matched exactly by oidc-provider (but the port, for native loopback URIs)
      application_type: client.applicationType ?? 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // Registered as Basic, but oidc-provider accepts client_secret_post from a client_secret_basic client
      // too: Alexa's "HTTP Basic" and "Credentials in request body" schemes both work.
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    })),
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    // Only what Alexa uses: the code flow, with the client secret in a Basic header or in the body.
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    // Pure OAuth 2.0: the consent step never grants `openid` (see interactions.ts), so no ID tokens exist.
    scopes: ['openid'],
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = await users.findById(sub);
      return user && { accountId: user.id, claims: async () => ({ sub: user.id }) };
    },
    interactions: {
      policy: interactionPolicyAskingConsentEachTime(),
      url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens (oidc-provider's default, stated explicitly).
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => {
          if (token.clientId !== client.clientId) {
            throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          }
          return true;
        },
      },
      userinfo: { enabled: false }, // the Ride Hailer API's GET /v1/me is the profile endpoint
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Alexa never sends `resource`: every token is for the Ride Hailer API.
        defaultResource: async () => audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
          if (resourceIndicator !== audience) throw new errors.InvalidTarget();
          return {
            scope: apiScopes,
            audience,
            accessTokenTTL: accessTokenTtlSeconds,
            accessTokenFormat: 'jwt', // RFC 9068: typ at+jwt
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // PKCE S256 is verified whenever Alexa sends a code_challenge, but optional for this confidential client.
    pkce: { required: () => false },
    // Alexa never asks for offline_access, yet needs a refresh token to keep users linked.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    // Tokens must not die with the browser login session inside the Alexa app.
    expiresWithSession: async () => false,
    // Amazon: an old refresh token must keep working (Alexa may retry or race); rotating would consume it.
    rotateRefreshToken: false,
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      // oidc-provider's default is 14 days for both: Alexa users idle for two weeks would be unlinked.
      RefreshToken: refreshTokenTtlSeconds,
      Grant: refreshTokenTtlSeconds,
    },
    // Alexa always sends `state`; a request without it is not Alexa's and is refused on our error page
    // instead of being redirected.
    extraParams: {
      state: async (_ctx: unknown, value: unknown) => {
        if (typeof value !== 'string' || value === '') {
          const error = new errors.InvalidRequest(STATE_MISSING);
          error.allow_redirect = false;
          throw error;
        }
      },
    },
    renderError: async (ctx: AnyObject, out: { error?: string; error_description?: string }) => {
      const t = messagesFor(negotiateLocale(ctx.get('accept-language')));
      const message =
        out.error === 'invalid_redirect_uri'
          ? t.redirectNotAllowed
          : out.error_description === STATE_MISSING
            ? t.stateMissing
            : INTERACTION_GONE.test(out.error_description ?? '')
              ? t.interactionExpired
              : t.genericError;
      ctx.type = 'html';
      ctx.body = errorPage({ t, message, detail: [out.error, out.error_description].filter(Boolean).join(': ') });
    },
  });

  // Advertise the scopes Alexa can actually use instead of oidc-provider's `openid`.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'discovery' && ctx.body) ctx.body.scopes_supported = [...ALL_SCOPES];
  });

  provider.on('server_error', (_ctx: unknown, error: Error) => settings.log(`auth: server error: ${error.message}`));
  return provider;
}
