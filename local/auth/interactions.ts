import express, { type NextFunction, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import type { InteractionDetails } from 'oidc-provider';
import { ALL_SCOPES, type ScopeName } from '../../lambda/account/scopes.js';
import type { RevokedAccess } from './account-revocation.js';
import type { CsrfTokens } from './csrf.js';
import { messagesFor, negotiateLocale, type Messages } from './i18n.js';
import { isAcceptableEmail, isAcceptableName, neutraliseName, PASSWORD_MAX_LENGTH, passwordProblem } from './input.js';
import type { Outbox } from './outbox.js';
import { hashPassword } from './passwords.js';
import type { PasswordResets } from './password-resets.js';
import type { PendingSignUps } from './pending-signups.js';
import type { SignInThrottle, Throttled } from './throttle.js';
import { EmailTakenError, normalizeEmail, type UserDirectory } from './users.js';
import { consentPage } from './views/consent.js';
import { errorPage } from './views/error.js';
import { loginPage } from './views/login.js';
import { recoverRequestPage, recoverSentPage, resetDonePage, resetPasswordPage } from './views/recover.js';
import { confirmSignUpPage, signUpDonePage, signUpPage, signUpSentPage } from './views/signup.js';

export interface InteractionDependencies {
  provider: Provider;
  users: UserDirectory;
  resets: PasswordResets;
  signUps: PendingSignUps;
  csrf: CsrfTokens;
  throttle: SignInThrottle;
  /** Ends every grant, refresh token and session of an account (after a password reset). */
  revokeAccountAccess: (accountId: string) => Promise<RevokedAccess>;
  outbox: Outbox;
  issuer: string;
  log: (line: string) => void;
}

/** The scopes a consent may grant: those requested that Ride Hailer knows. Unknown ones are dropped. */
export function grantableScopes(requested: unknown): ScopeName[] {
  const asked = new Set(typeof requested === 'string' ? requested.split(' ') : []);
  return ALL_SCOPES.filter((scope) => asked.has(scope));
}

/**
 * Every page is never cached. The headers that forbid scripts, framing, sniffing and referrers are set for every
 * answer of the server by security-headers.ts.
 */
function sendPage(res: Response, status: number, page: string): void {
  res.status(status).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).send(page);
}

/** A throttled form: 429 with Retry-After, the form re-rendered with the inline message. */
function sendThrottled(res: Response, throttled: Throttled, page: string): void {
  res.set('Retry-After', String(throttled.retryAfterSeconds));
  sendPage(res, 429, page);
}

const retryMessage = (t: Messages, throttled: Throttled) => t.tooManyAttempts(Math.ceil(throttled.retryAfterSeconds / 60));

/** A form field as sent, never shortened (the checks refuse what is too long); '' when absent. */
const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** The client's address as this server sees it (no proxy is trusted, so headers cannot change it). */
const clientAddress = (req: Request): string => req.socket.remoteAddress ?? 'unknown';

class ExpiredInteraction extends Error {}
class ForgedForm extends Error {}

/**
 * The login, sign-up, account-recovery and consent pages of the authorization server, mounted in front of
 * oidc-provider. Each form carries a CSRF token tied to its interaction; errors re-render the same page
 * with an inline message.
 */
export function interactionRoutes(deps: InteractionDependencies): express.Router {
  const { provider, users, resets, signUps, csrf, throttle, outbox, issuer, log } = deps;
  const router = express.Router();
  // Room for a 1024-character passphrase of 4-byte characters, percent-encoded (12 kB), and the other fields.
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const t = (req: Request): Messages => messagesFor(negotiateLocale(req.get('accept-language')));
  const base = (uid: string) => `/interaction/${encodeURIComponent(uid)}`;
  const authorizationPath = `${new URL(issuer).pathname.replace(/\/$/, '')}/auth`;

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
    const problem = !email || !password
      ? args.t.missingCredentials
      : !isAcceptableEmail(email)
        ? args.t.emailInvalid
        : [...password].length > PASSWORD_MAX_LENGTH
          ? args.t.passwordTooLong
          : undefined;
    if (problem) {
      sendPage(res, 400, loginPage({ ...args, error: problem }));
      return;
    }
    // Counted before the password is checked (a success gives it back): while throttled, even the right password
    // does not get in, and parallel guesses cannot all be checked before the first failure counts.
    const throttled = await throttle.checkLogin(email, clientAddress(req));
    if (throttled) {
      sendThrottled(res, throttled, loginPage({ ...args, error: retryMessage(args.t, throttled) }));
      return;
    }
    const user = await users.authenticate(email, password);
    if (!user) {
      sendPage(res, 401, loginPage({ ...args, error: args.t.wrongCredentials }));
      return;
    }
    await throttle.loginSucceeded(email, clientAddress(req));
    await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  });

  router.get('/interaction/:uid/signup', async (req, res) => {
    const details = await interaction(req, res);
    sendPage(res, 200, signUpPage(pageArgs(req, details.uid)));
  });

  router.post('/interaction/:uid/signup', form, async (req, res) => {
    const details = await postedInteraction(req, res);
    const name = neutraliseName(field(req.body, 'name'));
    const email = field(req.body, 'email').trim();
    const password = field(req.body, 'password');
    const args = { ...pageArgs(req, details.uid), name, email };
    const weakPassword = passwordProblem(password);
    const problem = !name
      ? args.t.nameMissing
      : !isAcceptableName(name)
        ? args.t.nameTooLong
        : !isAcceptableEmail(email)
          ? args.t.emailInvalid
          : weakPassword === 'tooShort'
            ? args.t.passwordTooShort
            : weakPassword === 'tooLong'
              ? args.t.passwordTooLong
              : undefined;
    if (problem) {
      sendPage(res, 400, signUpPage({ ...args, error: problem }));
      return;
    }
    const throttled = await throttle.mailRequested(email, clientAddress(req));
    if (throttled) {
      sendThrottled(res, throttled, signUpPage({ ...args, error: retryMessage(args.t, throttled) }));
      return;
    }
    // Hashed whether or not the address has an account, so the time taken does not tell either.
    const passwordHash = await hashPassword(password);
    const existing = await users.findByEmail(email);
    if (existing) {
      outbox({ to: existing.email, subject: args.t.mailSignUpExistingSubject, text: args.t.mailSignUpExistingText });
    } else {
      const token = signUps.issue({ name, email: normalizeEmail(email), passwordHash, interactionUid: details.uid });
      outbox({ to: normalizeEmail(email), subject: args.t.mailSignUpSubject, text: args.t.mailSignUpText(`${issuer}/signup/${token}`) });
    }
    // The same answer either way: the page does not reveal who has an account; the mail does, to its owner.
    sendPage(res, 200, signUpSentPage({ t: args.t, base: args.base, email }));
  });

  router.get('/signup/:token', (req, res) => {
    const token = req.params.token;
    const pending = signUps.find(token);
    if (!pending) {
      sendPage(res, 400, errorPage({ t: t(req), message: t(req).signUpLinkInvalid }));
      return;
    }
    const page = confirmSignUpPage({ t: t(req), action: `/signup/${token}`, csrf: csrf.tokenFor(`signup:${token}`), email: pending.email });
    sendPage(res, 200, page);
  });

  router.post('/signup/:token', form, async (req, res) => {
    const token = req.params.token;
    if (!csrf.verify(`signup:${token}`, field(req.body, 'csrf'))) throw new ForgedForm();
    const pending = signUps.redeem(token);
    if (!pending) {
      sendPage(res, 400, errorPage({ t: t(req), message: t(req).signUpLinkInvalid }));
      return;
    }
    const continueUrl = pending.interactionUid && base(pending.interactionUid);
    try {
      const user = await users.createWithPasswordHash(pending);
      log(`auth: new account signed up (id ${user.id})`);
      sendPage(res, 200, signUpDonePage({ t: t(req), message: t(req).signUpDone, continueUrl }));
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error;
      sendPage(res, 409, signUpDonePage({ t: t(req), message: t(req).signUpAlreadyDone, continueUrl }));
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
    if (!isAcceptableEmail(email)) {
      sendPage(res, 400, recoverRequestPage({ ...args, email, error: args.t.emailInvalid }));
      return;
    }
    // Counted per typed address, account or not: a 429 says nothing about who has an account.
    const throttled = await throttle.mailRequested(email, clientAddress(req));
    if (throttled) {
      sendThrottled(res, throttled, recoverRequestPage({ ...args, email, error: retryMessage(args.t, throttled) }));
      return;
    }
    const user = await users.findByEmail(email);
    if (user) {
      const token = resets.issue(user.id, details.uid);
      outbox({ to: user.email, subject: args.t.mailResetSubject, text: args.t.mailResetText(`${issuer}/recover/${token}`) });
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
    const problem = passwordProblem(password);
    if (problem) {
      const error = problem === 'tooShort' ? t(req).passwordTooShort : t(req).passwordTooLong;
      const page = resetPasswordPage({ t: t(req), action: `/recover/${token}`, csrf: csrf.tokenFor(`reset:${token}`), error });
      sendPage(res, 400, page);
      return;
    }
    const pending = resets.redeem(token);
    if (!pending) {
      sendPage(res, 400, errorPage({ t: t(req), message: t(req).resetInvalid }));
      return;
    }
    await users.setPassword(pending.userId, password);
    // Whoever knew the old password (or linked an account they pre-registered with this address) is out now:
    // the other reset links, every grant with its refresh tokens, every session.
    resets.revokeAll(pending.userId);
    const revoked = await deps.revokeAccountAccess(pending.userId);
    log(`auth: password reset for account ${pending.userId}; revoked ${revoked.grants} grant(s) and ${revoked.sessions} session(s)`);
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

  // "Not you? Use another account": ends this browser's sign-in session and starts the same authorization request
  // again, which now shows the login page.
  router.post('/interaction/:uid/switch-account', form, async (req, res) => {
    const details = await postedInteraction(req, res);
    const session = details.session?.uid ? await provider.Session.findByUid(details.session.uid) : undefined;
    await session?.destroy();
    await provider.Interaction.adapter.destroy(details.uid);
    const restart = new URLSearchParams();
    for (const [name, value] of Object.entries(details.params)) if (typeof value === 'string') restart.set(name, value);
    res.redirect(303, `${authorizationPath}?${restart}`);
  });

  router.post('/interaction/:uid/abort', form, async (req, res) => {
    await postedInteraction(req, res);
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  });

  // Errors of these pages, shown in the user's language; never a stack trace, never a 500 for the client's mistake.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!['/interaction/', '/recover/', '/signup/'].some((prefix) => req.path.startsWith(prefix))) return next(error);
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
