import express, { type NextFunction, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import type { InteractionDetails } from 'oidc-provider';
import { ALL_SCOPES, type ScopeName } from '../../lambda/account/scopes.js';
import type { CsrfTokens } from './csrf.js';
import { messagesFor, negotiateLocale, type Messages } from './i18n.js';
import type { PasswordResets } from './password-resets.js';
import { EmailTakenError, type UserDirectory } from './users.js';
import { consentPage } from './views/consent.js';
import { errorPage } from './views/error.js';
import { loginPage } from './views/login.js';
import { recoverRequestPage, recoverSentPage, resetDonePage, resetPasswordPage } from './views/recover.js';
import { signUpPage } from './views/signup.js';

export interface InteractionDependencies {
  provider: Provider;
  users: UserDirectory;
  resets: PasswordResets;
  csrf: CsrfTokens;
  issuer: string;
  log: (line: string) => void;
}

const MIN_PASSWORD_LENGTH = 8;
const MAX_FIELD_LENGTH = 200;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The scopes a consent may grant: those requested that Ride Hailer knows. Unknown ones are dropped. */
export function grantableScopes(requested: unknown): ScopeName[] {
  const asked = new Set(typeof requested === 'string' ? requested.split(' ') : []);
  return ALL_SCOPES.filter((scope) => asked.has(scope));
}

/** Every page: no caching, no scripts at all (so no pop-ups or alerts), no framing, no referrer leaks. */
function sendPage(res: Response, status: number, page: string): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    })
    .send(page);
}

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, MAX_FIELD_LENGTH) : '';
};

class ExpiredInteraction extends Error {}
class ForgedForm extends Error {}

/**
 * The login, sign-up, account-recovery and consent pages of the authorization server, mounted in front of
 * oidc-provider. Each form carries a CSRF token tied to its interaction; errors re-render the same page
 * with an inline message.
 */
export function interactionRoutes(deps: InteractionDependencies): express.Router {
  const { provider, users, resets, csrf, issuer, log } = deps;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const t = (req: Request): Messages => messagesFor(negotiateLocale(req.get('accept-language')));
  const base = (uid: string) => `/interaction/${encodeURIComponent(uid)}`;

  /** The interaction named in the URL, which must also be the one this browser's cookie belongs to. */
  async function interaction(req: Request, res: Response): Promise<InteractionDetails> {
    const details = await provider.interactionDetails(req, res).catch(() => undefined);
    if (!details || details.uid !== req.params.uid) throw new ExpiredInteraction();
    return details;
  }

  async function postedInteraction(req: Request, res: Response): Promise<InteractionDetails> {
    const details = await interaction(req, res);
    if (!csrf.verify(`interaction:${details.uid}`, field(req.body, 'csrf'))) throw new ForgedForm();
    return details;
  }

  const pageArgs = (req: Request, uid: string) => ({ t: t(req), base: base(uid), csrf: csrf.tokenFor(`interaction:${uid}`) });

  router.get('/interaction/:uid', async (req, res) => {
    const details = await interaction(req, res);
    if (details.prompt.name === 'login') {
      sendPage(res, 200, loginPage(pageArgs(req, details.uid)));
      return;
    }
    const user = details.session?.accountId ? await users.findById(details.session.accountId) : undefined;
    if (details.prompt.name !== 'consent' || !user) throw new ExpiredInteraction();
    const clientId = String(details.params.client_id);
    const client = await provider.Client.find(clientId);
    sendPage(
      res,
      200,
      consentPage({
        ...pageArgs(req, details.uid),
        clientName: client?.clientName ?? clientId,
        user,
        scopes: grantableScopes(details.params.scope),
      }),
    );
  });

  router.post('/interaction/:uid/login', form, async (req, res) => {
    const details = await postedInteraction(req, res);
    const email = field(req.body, 'email').trim();
    const password = field(req.body, 'password');
    const args = { ...pageArgs(req, details.uid), email };
    if (!email || !password) {
      sendPage(res, 400, loginPage({ ...args, error: args.t.missingCredentials }));
      return;
    }
    const user = await users.authenticate(email, password);
    if (!user) {
      sendPage(res, 401, loginPage({ ...args, error: args.t.wrongCredentials }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  });

  router.get('/interaction/:uid/signup', async (req, res) => {
    const details = await interaction(req, res);
    sendPage(res, 200, signUpPage(pageArgs(req, details.uid)));
  });

  router.post('/interaction/:uid/signup', form, async (req, res) => {
    const details = await postedInteraction(req, res);
    const name = field(req.body, 'name').trim();
    const email = field(req.body, 'email').trim();
    const password = field(req.body, 'password');
    const args = { ...pageArgs(req, details.uid), name, email };
    const problem = !name
      ? args.t.nameMissing
      : !EMAIL_SHAPE.test(email)
        ? args.t.emailInvalid
        : password.length < MIN_PASSWORD_LENGTH
          ? args.t.passwordTooShort
          : undefined;
    if (problem) {
      sendPage(res, 400, signUpPage({ ...args, error: problem }));
      return;
    }
    try {
      const user = await users.create({ name, email, password });
      log(`auth: new account signed up (id ${user.id})`);
      await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error;
      sendPage(res, 409, signUpPage({ ...args, error: args.t.emailTaken }));
    }
  });

  router.get('/interaction/:uid/recover', async (req, res) => {
    const details = await interaction(req, res);
    sendPage(res, 200, recoverRequestPage(pageArgs(req, details.uid)));
  });

  router.post('/interaction/:uid/recover', form, async (req, res) => {
    const details = await postedInteraction(req, res);
    const email = field(req.body, 'email').trim();
    const args = pageArgs(req, details.uid);
    if (!EMAIL_SHAPE.test(email)) {
      sendPage(res, 400, recoverRequestPage({ ...args, email, error: args.t.emailInvalid }));
      return;
    }
    const user = await users.findByEmail(email);
    if (user) {
      const token = resets.issue(user.id, details.uid);
      // LOCAL-ONLY stand-in for the recovery email: the one secret this server ever writes to its log.
      log(`auth: [local-only, instead of an email] password reset link for ${user.email}: ${issuer}/recover/${token}`);
    }
    // The same answer whether or not the account exists: the page does not reveal who has an account.
    sendPage(res, 200, recoverSentPage({ ...args, email }));
  });

  router.get('/recover/:token', (req, res) => {
    const token = req.params.token;
    if (!resets.find(token)) {
      sendPage(res, 400, errorPage({ t: t(req), message: t(req).resetInvalid }));
      return;
    }
    sendPage(res, 200, resetPasswordPage({ t: t(req), action: `/recover/${token}`, csrf: csrf.tokenFor(`reset:${token}`) }));
  });

  router.post('/recover/:token', form, async (req, res) => {
    const token = req.params.token;
    if (!csrf.verify(`reset:${token}`, field(req.body, 'csrf'))) throw new ForgedForm();
    const password = field(req.body, 'password');
    if (password.length < MIN_PASSWORD_LENGTH) {
      const page = resetPasswordPage({ t: t(req), action: `/recover/${token}`, csrf: csrf.tokenFor(`reset:${token}`), error: t(req).passwordTooShort });
      sendPage(res, 400, page);
      return;
    }
    const pending = resets.redeem(token);
    if (!pending) {
      sendPage(res, 400, errorPage({ t: t(req), message: t(req).resetInvalid }));
      return;
    }
    await users.setPassword(pending.userId, password);
    log(`auth: password reset for account ${pending.userId}`);
    sendPage(res, 200, resetDonePage({ t: t(req), continueUrl: pending.interactionUid && base(pending.interactionUid) }));
  });

  router.post('/interaction/:uid/confirm', form, async (req, res) => {
    const details = await postedInteraction(req, res);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || !accountId) throw new ExpiredInteraction();

    const grant =
      (details.grantId && (await provider.Grant.find(details.grantId))) ||
      new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    // Pure OAuth 2.0: `openid` (and so any ID token) is marked as seen but never granted.
    if (missingOIDCScope) grant.rejectOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.rejectOIDCClaims(missingOIDCClaims);
    // Exactly what was requested and is known: oidc-provider already limits these to the API's scopes.
    const grantable = new Set<string>(grantableScopes(details.params.scope));
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.filter((scope) => grantable.has(scope)).join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  router.post('/interaction/:uid/abort', form, async (req, res) => {
    await postedInteraction(req, res);
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  });

  // Errors of these pages, shown in the user's language; never a stack trace, never a 500 for the client's mistake.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith('/interaction/') && !req.path.startsWith('/recover/')) return next(error);
    const messages = t(req);
    if (error instanceof ExpiredInteraction) return sendPage(res, 400, errorPage({ t: messages, message: messages.interactionExpired }));
    if (error instanceof ForgedForm) return sendPage(res, 403, errorPage({ t: messages, message: messages.formExpired }));
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendPage(res, status, errorPage({ t: messages, message: messages.genericError }));
    }
    log(`auth: interaction error: ${(error as Error).message}`);
    return sendPage(res, 500, errorPage({ t: messages, message: messages.genericError }));
  });

  return router;
}
