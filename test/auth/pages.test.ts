import { expect } from 'chai';
import { DEMO } from '../../local/demo.js';
import { completeLoginHeadlessly, HeadlessLoginError } from '../../local/auth/headless-login.js';
import { negotiateLocale } from '../../local/auth/i18n.js';
import { authServerForSuite, DEMO_LOGIN, FormClient, authorizeUrl, csrfOf, exchangeCode, linkInMail } from './helpers.js';

describe('authorization server: sign-in, sign-up, recovery and consent pages', () => {
  const suite = authServerForSuite();

  it('says which credentials it expects, on a phone-ready page without scripts', async () => {
    const page = await new FormClient().open(authorizeUrl(suite.server));
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Sign in with your Ride Hailer email and password');
    expect(page.text).to.include('not your Amazon account');
    expect(page.text).to.include('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.text).to.not.match(/<script|onclick=|alert\(/i);
    const email = /<input id="email"[^>]*>/.exec(page.text)?.[0] ?? '';
    for (const attribute of ['autocapitalize="none"', 'autocorrect="off"', 'spellcheck="false"', 'autocomplete="username"']) {
      expect(email).to.include(attribute);
    }
    expect(page.text).to.include('/signup"').and.include('/recover"');
  });

  it('forbids scripts and framing with a Content-Security-Policy', async () => {
    const browser = new FormClient();
    const page = await browser.open(authorizeUrl(suite.server));
    const response = await fetch(page.url, { headers: { cookie: browser.jar.headerFor(page.url) ?? '' } });
    expect(response.headers.get('content-security-policy')).to.include("default-src 'none'").and.include("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).to.equal('no-store');
  });

  it('renders the pages in German for Accept-Language de-DE and in English otherwise', async () => {
    const german = await new FormClient('de-DE,de;q=0.9,en;q=0.8').open(authorizeUrl(suite.server));
    expect(german.text).to.include('<html lang="de">').and.include('Bei Ride Hailer anmelden');
    const french = await new FormClient('fr-FR').open(authorizeUrl(suite.server));
    expect(french.text).to.include('<html lang="en">').and.include('Sign in to Ride Hailer');
    const germanError = await fetch(authorizeUrl(suite.server, { state: null }), { headers: { 'accept-language': 'de' } });
    expect(await germanError.text()).to.include('der Parameter state');
  });

  it('negotiates the locale by q-value and falls back to English', () => {
    expect(negotiateLocale('de-AT')).to.equal('de');
    expect(negotiateLocale('fr;q=0.9, de;q=0.5, en;q=0.7')).to.equal('en');
    expect(negotiateLocale('en;q=0, de')).to.equal('de');
    expect(negotiateLocale('')).to.equal('en');
    expect(negotiateLocale(undefined)).to.equal('en');
  });

  it('shows a wrong password as an inline error on the same page, keeping the typed email', async () => {
    const browser = new FormClient();
    const login = await browser.open(authorizeUrl(suite.server));
    const answer = await browser.open(`${login.url.href}/login`, { csrf: csrfOf(login.text), email: DEMO.user.email, password: 'wrong' });
    expect(answer.status).to.equal(401);
    expect(answer.redirect).to.equal(undefined);
    expect(answer.text).to.include('class="error"').and.include('do not match a Ride Hailer account');
    expect(answer.text).to.include(`value="${DEMO.user.email}"`);
  });

  it('trims spaces around the email and ignores its capitalisation', async () => {
    const redirect = await completeLoginHeadlessly(authorizeUrl(suite.server), {
      email: '  Ann@Example.com \t',
      password: DEMO.user.password,
    });
    expect(redirect.searchParams.get('code')).to.be.a('string');
    expect(redirect.searchParams.get('state')).to.equal('state-123');
  });

  it('reports a wrong password from the headless helper with the page’s message', async () => {
    try {
      await completeLoginHeadlessly(authorizeUrl(suite.server), { email: DEMO.user.email, password: 'nope' });
      expect.fail('login should have failed');
    } catch (error) {
      expect(error).to.be.instanceOf(HeadlessLoginError);
      expect((error as HeadlessLoginError).status).to.equal(401);
    }
  });

  it('signs up a new user once the address is confirmed, asks for consent and links the new account', async () => {
    const browser = new FormClient();
    const login = await browser.open(authorizeUrl(suite.server));
    const signUp = await browser.open(`${login.url.href}/signup`);
    expect(signUp.text).to.include('Create your Ride Hailer account');
    const sent = await browser.open(`${login.url.href}/signup`, {
      csrf: csrfOf(signUp.text),
      name: 'Sam <script>alert(1)</script>',
      email: ' sam@example.com ',
      password: 'sam-secret-1',
    });
    expect(sent.status).to.equal(200);
    expect(sent.text).to.include('We have sent a message to sam@example.com');
    expect(await suite.server.users.findByEmail('sam@example.com')).to.equal(undefined); // not before the mailbox owner confirms

    const link = linkInMail(suite.logged.lines, 'sam@example.com', '/signup/');
    expect(link).to.be.a('string');
    const confirm = await browser.open(String(link));
    expect(confirm.text).to.include('Create the Ride Hailer account for sam@example.com?');
    const done = await browser.open(String(link), { csrf: csrfOf(confirm.text) });
    expect(done.text).to.include('Your Ride Hailer account is ready');
    const continueUrl = /href="(\/interaction\/[^"]+)"/.exec(done.text)?.[1];
    expect(continueUrl).to.equal(login.url.pathname);

    const again = await browser.open(new URL(String(continueUrl), suite.server.url));
    const consent = await browser.open(`${again.url.href}/login`, { csrf: csrfOf(again.text), email: 'sam@example.com', password: 'sam-secret-1' });
    expect(consent.status).to.equal(200);
    expect(consent.text).to.include('Sam &lt;script&gt;alert(1)&lt;/script&gt;').and.not.include('<script>');
    const finished = await browser.open(`${consent.url.href}/confirm`, { csrf: csrfOf(consent.text) });
    const code = finished.redirect?.searchParams.get('code');
    expect(code).to.be.a('string');
    const tokens = await exchangeCode(suite.server, String(code));
    expect(tokens.status).to.equal(200);
    const sam = await suite.server.users.findByEmail('sam@example.com');
    expect(sam?.name).to.equal('Sam <script>alert(1)</script>');
    expect(suite.logged.lines.join('\n')).to.not.include('sam-secret-1');
    expect((await browser.open(String(link))).status).to.equal(400); // single use
  });

  it('answers a sign-up for an email that already has an account like any other, and tells the owner by mail', async () => {
    const browser = new FormClient();
    const login = await browser.open(authorizeUrl(suite.server));
    const signUp = await browser.open(`${login.url.href}/signup`);
    const answer = await browser.open(`${login.url.href}/signup`, {
      csrf: csrfOf(signUp.text),
      name: 'Another Ann',
      email: DEMO.user.email,
      password: 'another-password',
    });
    expect(answer.status).to.equal(200);
    expect(answer.text).to.include(`We have sent a message to ${DEMO.user.email}`).and.not.include('There is already');
    const mail = suite.logged.lines.filter((line) => line.includes('[local-only outbox') && line.includes(` to ${DEMO.user.email}:`)).at(-1);
    expect(mail).to.include('Someone tried to create a Ride Hailer account with your email address');
    expect(mail).to.include('sign in').and.include('Forgot your password?');
    expect(mail).to.not.match(/\/signup\//);
    expect(await suite.server.users.authenticate(DEMO.user.email, 'another-password')).to.equal(undefined);
  });

  it('explains each requested scope in plain words on the consent page', async () => {
    for (const [language, profile, order] of [
      ['en', 'see your name and email address', 'order a car on your behalf and charge your account'],
      ['de', 'deinen Namen und deine E-Mail-Adresse sehen', 'in deinem Namen ein Auto bestellen und dein Konto belasten'],
    ] as const) {
      const browser = new FormClient(language);
      const login = await browser.open(authorizeUrl(suite.server));
      const consent = await browser.open(`${login.url.href}/login`, { csrf: csrfOf(login.text), ...DEMO_LOGIN });
      expect(consent.text).to.include(profile).and.include(order);
      expect(consent.text).to.include('Ann Example');
    }
  });

  it('lists only the requested scopes on the consent page', async () => {
    const browser = new FormClient();
    const login = await browser.open(authorizeUrl(suite.server, { scope: 'basic_profile admin' }));
    const consent = await browser.open(`${login.url.href}/login`, { csrf: csrfOf(login.text), ...DEMO_LOGIN });
    expect(consent.text).to.include('data-scope="basic_profile"').and.not.include('data-scope="order_car"');
    expect(consent.text).to.not.include('admin');
  });

  it('sends the user back to Alexa with access_denied and the state when they cancel the consent', async () => {
    const browser = new FormClient();
    const login = await browser.open(authorizeUrl(suite.server, { state: 'cancel-state' }));
    const consent = await browser.open(`${login.url.href}/login`, { csrf: csrfOf(login.text), ...DEMO_LOGIN });
    const cancelled = await browser.open(`${consent.url.href}/abort`, { csrf: csrfOf(consent.text) });
    expect(cancelled.redirect?.searchParams.get('error')).to.equal('access_denied');
    expect(cancelled.redirect?.searchParams.get('state')).to.equal('cancel-state');
    expect(cancelled.redirect?.searchParams.has('code')).to.equal(false);
  });

  it('recovers an account: the reset link (logged locally) sets a new password and continues the sign-in', async () => {
    await suite.server.users.create({ name: 'Rita Reset', email: 'rita@example.com', password: 'old-password' });
    const browser = new FormClient();
    const login = await browser.open(authorizeUrl(suite.server, { state: 'after-reset' }));
    const recover = await browser.open(`${login.url.href}/recover`);
    const sent = await browser.open(`${login.url.href}/recover`, { csrf: csrfOf(recover.text), email: ' rita@example.com' });
    expect(sent.text).to.include('rita@example.com').and.include('printed in the authorization server log');

    const link = linkInMail(suite.logged.lines, 'rita@example.com', '/recover/');
    expect(link).to.be.a('string');
    const reset = await browser.open(String(link));
    const done = await browser.open(String(link), { csrf: csrfOf(reset.text), password: 'new-password' });
    expect(done.text).to.include('Your password has been changed');
    const continueUrl = /href="(\/interaction\/[^"]+)"/.exec(done.text)?.[1];
    expect(continueUrl).to.equal(new URL(login.url).pathname);

    const again = await browser.open(new URL(String(continueUrl), suite.server.url));
    const consent = await browser.open(`${again.url.href}/login`, { csrf: csrfOf(again.text), email: 'rita@example.com', password: 'new-password' });
    const finished = await browser.open(`${consent.url.href}/confirm`, { csrf: csrfOf(consent.text) });
    expect(finished.redirect?.searchParams.get('state')).to.equal('after-reset');
    expect(finished.redirect?.searchParams.get('code')).to.be.a('string');

    expect(await suite.server.users.authenticate('rita@example.com', 'old-password')).to.equal(undefined);
    const reused = await browser.open(String(link));
    expect(reused.status).to.equal(400);
    expect(suite.logged.lines.join('\n')).to.not.include('new-password');
  });

  it('answers a recovery request for an unknown email the same way, without logging a link', async () => {
    const before = suite.logged.lines.length;
    const browser = new FormClient();
    const login = await browser.open(authorizeUrl(suite.server));
    const recover = await browser.open(`${login.url.href}/recover`);
    const sent = await browser.open(`${login.url.href}/recover`, { csrf: csrfOf(recover.text), email: 'nobody@example.com' });
    expect(sent.status).to.equal(200);
    expect(sent.text).to.include('If there is a Ride Hailer account for nobody@example.com');
    expect(suite.logged.lines.slice(before).join('\n')).to.not.include('/recover/');
  });

  it('shows an expired-page message for an unknown interaction instead of a server error', async () => {
    const response = await fetch(`${suite.server.url}/interaction/unknown-uid`);
    expect(response.status).to.equal(400);
    expect(await response.text()).to.include('This sign-in page has expired');
  });
});
