import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { DEMO } from '../../local/demo.js';
import { completeLoginHeadlessly, HeadlessLoginError } from '../../local/auth/headless-login.js';
import { messagesFor } from '../../local/auth/i18n.js';
import { startAuthServer, type AuthServer } from '../../local/auth/server.js';
import { SignInThrottle, type ThrottleLimits } from '../../local/auth/throttle.js';
import { InvalidUserError } from '../../local/auth/users.js';
import { consentPage } from '../../local/auth/views/consent.js';
import {
  authServerForSuite,
  CALLBACK,
  DEMO_LOGIN,
  FormClient,
  authorizeUrl,
  csrfOf,
  exchangeCode,
  link,
  linkInMail,
  refresh,
  type PageAnswer,
} from './helpers.js';

/** Opens the login page in `browser` and posts the credentials. */
async function signIn(server: AuthServer, browser: FormClient, credentials: { email: string; password: string }): Promise<PageAnswer> {
  const login = await browser.open(authorizeUrl(server));
  return browser.open(`${login.url.href}/login`, { csrf: csrfOf(login.text), ...credentials });
}

/** Posts a form of the interaction's `path` (signup, recover) after opening it, as a browser does. */
async function submit(server: AuthServer, browser: FormClient, path: string, form: Record<string, string>): Promise<PageAnswer> {
  const login = await browser.open(authorizeUrl(server));
  const page = await browser.open(`${login.url.href}/${path}`);
  return browser.open(`${login.url.href}/${path}`, { csrf: csrfOf(page.text), ...form });
}

const mailsTo = (lines: readonly string[], to: string) => lines.filter((line) => line.includes('[local-only outbox') && line.includes(` to ${to}:`));

describe('authorization server: throttling of sign-in and recovery (ASVS 2.2.1)', () => {
  const suite = authServerForSuite();

  it('after 5 wrong passwords for an account from one address, even the right one answers 429 inline with when to retry', async () => {
    await suite.server.users.create({ name: 'Tess Target', email: 'tess@example.com', password: 'tess-password' });
    const browser = new FormClient();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const wrong = await signIn(suite.server, browser, { email: 'tess@example.com', password: `guess-${attempt}` });
      expect(wrong.status, `attempt ${attempt}`).to.equal(401);
    }
    const login = await browser.open(authorizeUrl(suite.server));
    const response = await fetch(`${login.url.href}/login`, {
      method: 'POST',
      headers: { cookie: browser.jar.headerFor(new URL(`${login.url.href}/login`)) ?? '' },
      body: new URLSearchParams({ csrf: csrfOf(login.text), email: 'Tess@Example.com ', password: 'tess-password' }),
      redirect: 'manual',
    });
    expect(response.status).to.equal(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 15 * 60);
    const page = await response.text();
    expect(page).to.include('id="form-error"').and.include('Too many attempts').and.include('try again in 15 minutes');
    expect(page).to.include('Stop npm start and start it again').and.include('npm run reset');
    expect(page).to.include('action="'); // the same login form, re-rendered

    const german = await signIn(suite.server, new FormClient('de-DE'), { email: 'tess@example.com', password: 'tess-password' });
    expect(german.status).to.equal(429);
    expect(german.text).to.include('Zu viele Versuche').and.include('in 15 Minuten noch einmal').and.include('npm run reset').and.include('npm start');

    // Another account from the same address is not affected.
    expect((await signIn(suite.server, new FormClient(), DEMO_LOGIN)).status).to.equal(200);
  });

  it('checks at most 5 of 100 wrong passwords sent at once for one account from one address; the rest are 429 (issue 16, item 11)', async () => {
    await suite.server.users.create({ name: 'Pat Parallel', email: 'pat@example.com', password: 'pat-password' });
    // The login pages first, then all 100 passwords at once: the guesses meet the throttle together.
    const browsers = Array.from({ length: 100 }, () => new FormClient());
    const logins = await Promise.all(browsers.map((browser) => browser.open(authorizeUrl(suite.server))));
    const answers = await Promise.all(
      browsers.map((browser, i) => browser.open(`${logins[i]!.url.href}/login`, { csrf: csrfOf(logins[i]!.text), email: 'pat@example.com', password: `guess-${i}` })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401).length, 'wrong passwords checked').to.be.at.most(5);
    expect(statuses.filter((status) => status === 429).length).to.be.at.least(95);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).to.deep.equal([]);
    const throttledPage = answers.find((answer) => answer.status === 429)!.text;
    expect(throttledPage).to.include('npm run reset').and.include('npm start');
  });

  it('reports the 429 through the headless helper with its inline message', async () => {
    try {
      await completeLoginHeadlessly(authorizeUrl(suite.server), { email: 'tess@example.com', password: 'tess-password' });
      expect.fail('the throttled login should have been refused');
    } catch (error) {
      expect(error).to.be.instanceOf(HeadlessLoginError);
      expect((error as HeadlessLoginError).status).to.equal(429);
      expect((error as HeadlessLoginError).message).to.include('Too many attempts');
    }
  });

  it('never throttles successful sign-ins: the same user signs in again and again from one address', async () => {
    for (let i = 0; i < 12; i += 1) {
      const redirect = await completeLoginHeadlessly(authorizeUrl(suite.server), DEMO_LOGIN);
      expect(redirect.searchParams.get('code'), `login ${i + 1}`).to.be.a('string');
    }
  });

  it('a successful sign-in forgets the earlier typos of that account on that address', async () => {
    await suite.server.users.create({ name: 'Tina Typo', email: 'tina@example.com', password: 'tina-password' });
    for (let round = 0; round < 3; round += 1) {
      for (let typo = 0; typo < 4; typo += 1) {
        expect((await signIn(suite.server, new FormClient(), { email: 'tina@example.com', password: 'tina-pasword' })).status).to.equal(401);
      }
      expect((await signIn(suite.server, new FormClient(), { email: 'tina@example.com', password: 'tina-password' })).status).to.equal(200);
    }
  });

  it('sends at most 3 recovery links an hour for one address, then answers 429 inline', async () => {
    await suite.server.users.create({ name: 'Rex Recover', email: 'rex@example.com', password: 'rex-password' });
    const browser = new FormClient();
    for (let request = 1; request <= 3; request += 1) {
      expect((await submit(suite.server, browser, 'recover', { email: 'rex@example.com' })).status).to.equal(200);
    }
    const fourth = await submit(suite.server, browser, 'recover', { email: 'rex@example.com' });
    expect(fourth.status).to.equal(429);
    expect(fourth.text).to.include('id="form-error"').and.include('Too many attempts').and.include('minutes');
    expect(mailsTo(suite.logged.lines, 'rex@example.com')).to.have.length(3);

    // An address without an account is throttled the same way: a 429 tells nothing about who has an account.
    for (let request = 1; request <= 3; request += 1) {
      expect((await submit(suite.server, browser, 'recover', { email: 'ghost@example.com' })).status).to.equal(200);
    }
    expect((await submit(suite.server, browser, 'recover', { email: 'ghost@example.com' })).status).to.equal(429);
  });
});

describe('authorization server: throttling per client address and per account (lowered limits)', () => {
  let server: AuthServer;

  before(async () => {
    server = await startAuthServer({
      extraRedirectUris: [CALLBACK],
      log: () => {},
      throttle: { loginFailuresPerClient: { attempts: 3, windowSeconds: 600 } },
    });
  });
  after(async () => {
    await server.close();
  });

  it('refuses every account from an address that failed too often over many accounts (password spraying)', async () => {
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
      expect((await signIn(server, new FormClient(), { email, password: 'Summer2025!' })).status).to.equal(401);
    }
    const demo = await signIn(server, new FormClient(), DEMO_LOGIN);
    expect(demo.status).to.equal(429);
    expect(demo.text).to.include('try again in 10 minutes');
  });

  it('counts per account over all addresses, and per address for mails (unit, several client addresses)', async () => {
    const limits: ThrottleLimits = {
      loginFailuresPerAccountAndClient: { attempts: 5, windowSeconds: 900 },
      loginFailuresPerAccount: { attempts: 4, windowSeconds: 3600 },
      loginFailuresPerClient: { attempts: 50, windowSeconds: 3600 },
      mailsPerAddress: { attempts: 3, windowSeconds: 3600 },
      mailsPerClient: { attempts: 2, windowSeconds: 3600 },
    };
    const throttle = new SignInThrottle(limits);
    // Each attempt is counted when it is let through (a failure keeps it; only loginSucceeded gives it back).
    for (const client of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) expect(await throttle.checkLogin('victim@example.com', client)).to.equal(undefined);
    expect((await throttle.checkLogin('Victim@example.com', '10.0.0.5'))?.retryAfterSeconds).to.be.within(1, 3600);
    expect(await throttle.checkLogin('other@example.com', '10.0.0.5')).to.equal(undefined);

    expect(await throttle.mailRequested('x@example.com', '10.0.0.1')).to.equal(undefined);
    expect(await throttle.mailRequested('y@example.com', '10.0.0.1')).to.equal(undefined);
    expect(await throttle.mailRequested('z@example.com', '10.0.0.1')).to.have.property('retryAfterSeconds');
  });
});

describe('authorization server: a password reset ends every other way in (ASVS 2.5, 3.3)', () => {
  const suite = authServerForSuite();

  it('revokes the grants, refresh tokens and sessions of the account and every other reset link', async () => {
    // The attacker's pre-registered account with the victim's address, linked, with a 365-day refresh token.
    const victim = { email: 'vic@example.com', password: 'attacker-knows-this' };
    await suite.server.users.create({ name: 'Vic Victim', ...victim });
    const attackerLink = await exchangeCode(suite.server, await obtainCodeAs(suite.server, victim));
    expect(attackerLink.status).to.equal(200);
    expect((await refresh(suite.server, String(attackerLink.body.refresh_token))).status).to.equal(200);
    // The attacker's browser keeps a signed-in session.
    const attackerBrowser = new FormClient();
    const attackerConsent = await signIn(suite.server, attackerBrowser, victim);
    expect(attackerConsent.text).to.include('Vic Victim');

    // The owner asks twice for a reset link and uses the second.
    const owner = new FormClient();
    await submit(suite.server, owner, 'recover', { email: victim.email });
    const firstLink = linkInMail(suite.logged.lines, victim.email, '/recover/');
    await submit(suite.server, owner, 'recover', { email: victim.email });
    const secondLink = linkInMail(suite.logged.lines, victim.email, '/recover/');
    expect(firstLink).to.be.a('string').and.not.equal(secondLink);
    const reset = await owner.open(String(secondLink));
    const done = await owner.open(String(secondLink), { csrf: csrfOf(reset.text), password: 'owner-new-password' });
    expect(done.text).to.include('Your password has been changed');

    const afterReset = await refresh(suite.server, String(attackerLink.body.refresh_token));
    expect(afterReset.status).to.equal(400);
    expect(afterReset.body.error).to.equal('invalid_grant');
    expect((await owner.open(String(firstLink))).status).to.equal(400);
    // The attacker's session is gone: the next linking asks for a password again.
    const again = await attackerBrowser.open(authorizeUrl(suite.server));
    expect(again.text).to.include('Sign in to Ride Hailer').and.not.include('Vic Victim');
    // The attacker's consent page from before the reset leads nowhere.
    const late = await attackerBrowser.open(`${attackerConsent.url.href}/confirm`, { csrf: csrfOf(attackerConsent.text) });
    expect(late.redirect?.searchParams.get('code') ?? null).to.equal(null);
    expect(suite.logged.lines.some((line) => /revoked [1-9]\d* grant\(s\) and [1-9]\d* session\(s\)/.test(line))).to.equal(true);

    // Other accounts keep their links.
    const ann = await link(suite.server);
    expect((await refresh(suite.server, String(ann.refresh_token))).status).to.equal(200);
  });
});

async function obtainCodeAs(server: AuthServer, login: { email: string; password: string }): Promise<string> {
  const redirect = await completeLoginHeadlessly(authorizeUrl(server), login);
  return String(redirect.searchParams.get('code'));
}

describe('authorization server: sign-up does not reveal who has an account (ASVS 2.5.x, 3.x)', () => {
  const suite = authServerForSuite();

  it('answers an existing and a new address with the same status and page', async () => {
    const form = (email: string) => ({ name: 'Pat', email, password: 'pat-password' });
    const existing = await submit(suite.server, new FormClient(), 'signup', form(DEMO.user.email));
    const fresh = await submit(suite.server, new FormClient(), 'signup', form('pat@example.com'));
    expect(existing.status).to.equal(fresh.status);
    const normalise = (answer: PageAnswer, email: string) =>
      answer.text.replaceAll(email, 'EMAIL').replace(/\/interaction\/[^"]+/g, '/interaction/UID');
    expect(normalise(existing, DEMO.user.email)).to.equal(normalise(fresh, 'pat@example.com'));
    expect(mailsTo(suite.logged.lines, DEMO.user.email).at(-1)).to.include('Someone tried to sign up with your address');
    expect(mailsTo(suite.logged.lines, 'pat@example.com').at(-1)).to.include('Confirm your Ride Hailer account').and.match(/\/signup\/\S+$/);
  });
});

describe('authorization server: passwords are never cut (ASVS 2.1.2, 2.1.3)', () => {
  const suite = authServerForSuite();

  it('accepts a 300-character passphrase whole: its first 200 characters do not sign in', async () => {
    const passphrase = `${'correct horse battery staple '.repeat(10)}and then some more words`.slice(0, 300);
    expect(passphrase).to.have.length(300);
    const browser = new FormClient();
    const sent = await submit(suite.server, browser, 'signup', { name: 'Phil Phrase', email: 'phil@example.com', password: passphrase });
    expect(sent.status).to.equal(200);
    const confirmLink = String(linkInMail(suite.logged.lines, 'phil@example.com', '/signup/'));
    const confirm = await browser.open(confirmLink);
    expect((await browser.open(confirmLink, { csrf: csrfOf(confirm.text) })).status).to.equal(200);

    expect((await signIn(suite.server, new FormClient(), { email: 'phil@example.com', password: passphrase.slice(0, 200) })).status).to.equal(401);
    expect((await signIn(suite.server, new FormClient(), { email: 'phil@example.com', password: passphrase })).status).to.equal(200);
  });

  it('accepts 1024 characters and refuses 1025 with a message, on sign-up, sign-in and reset', async () => {
    const longest = 'ü'.repeat(1024);
    const tooLong = 'ü'.repeat(1025);
    const ok = await submit(suite.server, new FormClient(), 'signup', { name: 'Lena Long', email: 'lena@example.com', password: longest });
    expect(ok.status).to.equal(200);
    const refused = await submit(suite.server, new FormClient(), 'signup', { name: 'Lena Long', email: 'lena2@example.com', password: tooLong });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.include('at most 1024 characters');
    const login = await signIn(suite.server, new FormClient('de'), { email: DEMO.user.email, password: tooLong });
    expect(login.status).to.equal(400);
    expect(login.text).to.include('höchstens 1024 Zeichen');

    await submit(suite.server, new FormClient(), 'recover', { email: DEMO.user.email });
    const resetLink = String(linkInMail(suite.logged.lines, DEMO.user.email, '/recover/'));
    const browser = new FormClient();
    const reset = await browser.open(resetLink);
    const resetRefused = await browser.open(resetLink, { csrf: csrfOf(reset.text), password: tooLong });
    expect(resetRefused.status).to.equal(400);
    expect(resetRefused.text).to.include('at most 1024 characters');
  });
});

describe('authorization server: consent on every linking, and "use another account" (ASVS 3.x)', () => {
  let server: AuthServer;

  before(async () => {
    server = await startAuthServer({ extraRedirectUris: [CALLBACK], log: () => {} });
    await server.users.create({ name: 'Otto Other', email: 'otto@example.com', password: 'otto-password' });
  });
  after(async () => {
    await server.close();
  });

  it('shows the consent page, naming the account, again when a signed-in browser links a second time', async () => {
    const browser = new FormClient();
    const consent = await signIn(server, browser, DEMO_LOGIN);
    const first = await browser.open(`${consent.url.href}/confirm`, { csrf: csrfOf(consent.text) });
    expect(first.redirect?.searchParams.get('code')).to.be.a('string');

    const second = await browser.open(authorizeUrl(server, { state: 'second' }));
    expect(second.redirect).to.equal(undefined); // no silent re-link
    expect(second.status).to.equal(200);
    expect(second.text).to.include('Signed in as Ann Example').and.include('Not Ann Example?').and.include('Use another account');
    expect(second.text).to.not.include('id="password"'); // within the session, no password again
    const done = await browser.open(`${second.url.href}/confirm`, { csrf: csrfOf(second.text) });
    expect(done.redirect?.searchParams.get('state')).to.equal('second');
    expect(done.redirect?.searchParams.get('code')).to.be.a('string');
  });

  it('"use another account" ends the session and shows the login, and the link goes to the other account', async () => {
    const browser = new FormClient('de');
    const consent = await signIn(server, browser, DEMO_LOGIN);
    expect(consent.text).to.include('Nicht Ann Example?').and.include('Anderes Konto verwenden');
    const login = await browser.open(`${consent.url.href}/switch-account`, { csrf: csrfOf(consent.text) });
    expect(login.status).to.equal(200);
    expect(login.text).to.include('Bei Ride Hailer anmelden').and.include('id="password"');
    expect(login.url.pathname).to.not.equal(consent.url.pathname);

    const otto = await browser.open(`${login.url.href}/login`, { csrf: csrfOf(login.text), email: 'otto@example.com', password: 'otto-password' });
    expect(otto.text).to.include('Otto Other').and.not.include('Ann Example');
    const done = await browser.open(`${otto.url.href}/confirm`, { csrf: csrfOf(otto.text) });
    expect(done.redirect?.searchParams.get('state')).to.equal('state-123');
    const tokens = await exchangeCode(server, String(done.redirect?.searchParams.get('code')));
    const ottoUser = await server.users.findByEmail('otto@example.com');
    expect(decodeJwt(String(tokens.body.access_token)).sub).to.equal(ottoUser?.id);

    // The old consent page cannot be used any more.
    const stale = await browser.open(`${consent.url.href}/confirm`, { csrf: csrfOf(consent.text) });
    expect(stale.status).to.equal(400);
  });

  it('refuses "use another account" without the form’s CSRF token', async () => {
    const browser = new FormClient();
    const consent = await signIn(server, browser, DEMO_LOGIN);
    const forged = await browser.open(`${consent.url.href}/switch-account`, { csrf: 'forged' });
    expect(forged.status).to.equal(403);
    const still = await browser.open(authorizeUrl(server));
    expect(still.text).to.include('Signed in as Ann Example');
  });
});

describe('authorization server: security headers on every answer (ASVS 14.4)', () => {
  let server: AuthServer;

  before(async () => {
    server = await startAuthServer({ extraRedirectUris: [CALLBACK], log: () => {} });
  });
  after(async () => {
    await server.close();
  });

  it('sends CSP with frame-ancestors, nosniff and no-referrer on oidc-provider’s own answers too', async () => {
    const answers = {
      'oidc-provider error page': await fetch(authorizeUrl(server, { redirectUri: 'https://evil.example/cb' }), { redirect: 'manual' }),
      'authorization redirect': await fetch(authorizeUrl(server), { redirect: 'manual' }),
      'token endpoint error': await fetch(server.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) }),
      jwks: await fetch(server.jwksUrl),
      discovery: await fetch(`${server.url}/.well-known/openid-configuration`),
      'unknown route': await fetch(`${server.url}/no-such-page`),
      health: await fetch(`${server.url}/healthz`),
    };
    expect(answers['oidc-provider error page'].status).to.equal(400);
    for (const [name, response] of Object.entries(answers)) {
      await response.body?.cancel();
      expect(response.headers.get('content-security-policy'), name).to.include("default-src 'none'").and.include("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options'), name).to.equal('nosniff');
      expect(response.headers.get('x-frame-options'), name).to.equal('DENY');
      expect(response.headers.get('referrer-policy'), name).to.equal('no-referrer');
    }
  });
});

describe('authorization server: control and bidi characters in input (ASVS 5.1, 7.3)', () => {
  const suite = authServerForSuite();

  it('refuses an email with control characters on sign-up, recovery and sign-in, and logs none', async () => {
    const escape = 'eve\u001b[2J\u001b[31m@example.com';
    const signUp = await submit(suite.server, new FormClient(), 'signup', { name: 'Eve', email: escape, password: 'eve-password' });
    expect(signUp.status).to.equal(400);
    expect(signUp.text).to.include('Enter a valid email address');
    const recover = await submit(suite.server, new FormClient(), 'recover', { email: escape });
    expect(recover.status).to.equal(400);
    const login = await signIn(suite.server, new FormClient(), { email: escape, password: 'eve-password' });
    expect(login.status).to.equal(400);
    for (const email of ['ann\u202E@example.com', 'ann\u0000@example.com', 'ann@exa\u200Bmple.com']) {
      expect((await submit(suite.server, new FormClient(), 'recover', { email })).status, JSON.stringify(email)).to.equal(400);
    }
    for (const line of suite.logged.lines) expect(line).to.not.match(/\p{Cc}/u);
    let refused: unknown;
    await suite.server.users.create({ name: 'Eve', email: escape, password: 'eve-password' }).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(InvalidUserError);
  });

  it('neutralises bidi overrides and control characters in names, on sign-up and on the consent page', async () => {
    const spoof = 'Mallory\u202Egnp.exe\u2066 \u0007Admin';
    const browser = new FormClient();
    await submit(suite.server, browser, 'signup', { name: spoof, email: 'mallory@example.com', password: 'mallory-password' });
    const confirmLink = String(linkInMail(suite.logged.lines, 'mallory@example.com', '/signup/'));
    const confirm = await browser.open(confirmLink);
    await browser.open(confirmLink, { csrf: csrfOf(confirm.text) });
    const stored = await suite.server.users.findByEmail('mallory@example.com');
    expect(stored?.name).to.equal('Mallorygnp.exe Admin');

    const consent = await signIn(suite.server, new FormClient(), { email: 'mallory@example.com', password: 'mallory-password' });
    expect(consent.text).to.include('Signed in as Mallorygnp.exe Admin').and.not.match(/[\u202A-\u202E\u2066-\u2069]/);

    // An account stored before names were neutralised is shown neutralised too.
    const page = consentPage({
      t: messagesFor('en'),
      base: '/interaction/x',
      csrf: 'c',
      clientName: 'Alexa',
      user: { name: 'Old\u202Eeman', email: 'old@example.com' },
      scopes: [],
    });
    expect(page).to.include('Signed in as Oldeman').and.not.include('\u202E');
  });
});
