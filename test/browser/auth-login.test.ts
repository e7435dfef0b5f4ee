import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import { DEMO } from '../../local/demo.js';
import { startAuthServer, type AuthServer } from '../../local/auth/server.js';
import { authorizeUrl, captureLog, linkInMail } from '../auth/helpers.js';
import { launchBrowser } from '../support/browser.js';

const PHONE = { width: 390, height: 844 };

describe('authorization server: login pages in a real browser (Chromium)', function () {
  this.timeout(30_000);

  let browser: Browser;
  let server: AuthServer;
  let callback: Server;
  let callbackUri: string;
  const callbacks: URL[] = [];
  /** Told of each callback as it arrives. */
  const arrivals = new EventEmitter();
  const logged = captureLog();

  /** The client's redirect target on loopback: records where the browser was sent. */
  async function startCallback(): Promise<void> {
    callback = createServer((req, res) => {
      callbacks.push(new URL(req.url ?? '/', callbackUri));
      arrivals.emit('callback');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('linked');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    callbackUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/link/callback`;
  }

  before(async () => {
    await startCallback();
    server = await startAuthServer({ extraRedirectUris: [callbackUri], log: logged.log });
    await server.users.create({ name: 'Tom Throttled', email: 'tom@example.com', password: 'tom-password' });
    await server.users.create({ name: 'Una Other', email: 'una@example.com', password: 'una-password' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => callback?.close(resolve));
  });

  /** A fresh phone-sized context whose dialogs (alerts, confirms) are recorded and dismissed. */
  async function phonePage(options: { locale?: string } = {}): Promise<{ context: BrowserContext; page: Page; dialogs: Dialog[] }> {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: options.locale ?? 'en-US' });
    const page = await context.newPage();
    const dialogs: Dialog[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog);
      void dialog.dismiss();
    });
    return { context, page, dialogs };
  }

  /** The callback carrying `state`, once the browser has been sent there (the mocha timeout bounds the wait). */
  async function waitForCallback(state: string): Promise<URL> {
    for (;;) {
      const hit = callbacks.find((url) => url.searchParams.get('state') === state);
      if (hit) return hit;
      await once(arrivals, 'callback');
    }
  }

  it('fits a phone screen: no horizontal scroll, visible inputs at least 40 px tall', async () => {
    const { context, page } = await phonePage();
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri }));
      const { scrollWidth, clientWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
      }));
      expect(scrollWidth).to.be.at.most(clientWidth);
      for (const selector of ['#email', '#password', 'button[type=submit]']) {
        const box = await page.locator(selector).boundingBox();
        expect(box, selector).to.not.equal(null);
        expect(box!.height, selector).to.be.at.least(40);
        expect(box!.x + box!.width, selector).to.be.at.most(PHONE.width);
        expect(await page.locator(selector).isVisible(), selector).to.equal(true);
      }
    } finally {
      await context.close();
    }
  });

  it('turns off auto-capitalisation, auto-correction and spell-checking on the email field', async () => {
    const { context, page } = await phonePage();
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri }));
      const email = page.locator('#email');
      expect(await email.getAttribute('autocapitalize')).to.equal('none');
      expect(await email.getAttribute('autocorrect')).to.equal('off');
      expect(await email.getAttribute('spellcheck')).to.equal('false');
      expect(await email.getAttribute('autocomplete')).to.equal('username');
    } finally {
      await context.close();
    }
  });

  it('shows a wrong password inline on the same page, without any dialog', async () => {
    const { context, page, dialogs } = await phonePage();
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri }));
      const loginUrl = new URL(page.url());
      await page.fill('#email', DEMO.user.email);
      await page.fill('#password', 'not-the-password');
      await page.click('button[type=submit]');
      await page.waitForSelector('#form-error');
      expect(await page.textContent('#form-error')).to.include('do not match a Ride Hailer account');
      expect(new URL(page.url()).pathname).to.equal(`${loginUrl.pathname}/login`);
      expect(await page.inputValue('#email')).to.equal(DEMO.user.email);
      expect(await page.context().pages()).to.have.length(1); // no pop-up window
      expect(dialogs).to.have.length(0);
    } finally {
      await context.close();
    }
  });

  it('trims spaces around the email, signs in, asks for consent and redirects with a code', async () => {
    const { context, page, dialogs } = await phonePage();
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri, state: 'browser-trim' }));
      // Typed, not filled: the spaces reach the form as a user's would.
      await page.locator('#email').pressSequentially('  ann@example.com  ');
      await page.fill('#password', DEMO.user.password);
      await page.click('button[type=submit]');
      await page.waitForSelector('li[data-scope="order_car"]');
      expect(await page.textContent('ul.scopes')).to.include('order a car on your behalf and charge your account');
      await page.click('button:has-text("Allow")');
      const redirect = await waitForCallback('browser-trim');
      expect(redirect.searchParams.get('code')).to.be.a('string').and.not.equal('');
      expect(dialogs).to.have.length(0);
    } finally {
      await context.close();
    }
  });

  it('signs up a new user, confirms by the mailed link, signs in, consents and redirects to the callback with a code', async () => {
    const { context, page, dialogs } = await phonePage();
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri, state: 'browser-signup' }));
      await page.click('a:has-text("Create an account")');
      await page.fill('#name', 'Bea Browser');
      await page.fill('#email', 'bea@example.com');
      await page.fill('#password', 'bea-password-1');
      await page.click('button[type=submit]');
      await page.waitForSelector('#signup-sent');
      expect(await page.textContent('#signup-sent')).to.include('We have sent a message to bea@example.com');
      await page.goto(String(linkInMail(logged.lines, 'bea@example.com', '/signup/')));
      await page.click('button:has-text("Create account")');
      await page.waitForSelector('#signup-done');
      await page.click('a:has-text("Continue signing in")');
      await page.fill('#email', 'bea@example.com');
      await page.fill('#password', 'bea-password-1');
      await page.click('button[type=submit]');
      await page.waitForSelector('button:has-text("Allow")');
      expect(await page.textContent('main')).to.include('Bea Browser');
      await page.click('button:has-text("Allow")');
      const redirect = await waitForCallback('browser-signup');
      expect(redirect.searchParams.get('code')).to.be.a('string');
      expect((await server.users.findByEmail('bea@example.com'))?.name).to.equal('Bea Browser');
      expect(dialogs).to.have.length(0);
    } finally {
      await context.close();
    }
  });

  it('after too many wrong passwords shows the 429 inline on the same page, with when to retry, without any dialog', async () => {
    const { context, page, dialogs } = await phonePage();
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri }));
      const status: number[] = [];
      page.on('response', (response) => {
        if (response.request().method() === 'POST') status.push(response.status());
      });
      for (const password of ['wrong-1', 'wrong-2', 'wrong-3', 'wrong-4', 'wrong-5', 'tom-password']) {
        await page.fill('#email', 'tom@example.com');
        await page.fill('#password', password);
        await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
      }
      expect(status).to.deep.equal([401, 401, 401, 401, 401, 429]);
      expect(await page.textContent('#form-error')).to.include('Too many attempts').and.include('try again in 15 minutes');
      expect(await page.locator('#password').isVisible()).to.equal(true); // the same form, to try again later
      expect(dialogs).to.have.length(0);
    } finally {
      await context.close();
    }
  });

  it('"use another account" on the consent page leads to the login, and links the other account', async () => {
    const { context, page } = await phonePage();
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri, state: 'browser-switch' }));
      await page.fill('#email', DEMO.user.email);
      await page.fill('#password', DEMO.user.password);
      await page.click('button[type=submit]');
      await page.waitForSelector('#switch-account');
      expect(await page.textContent('main')).to.include('Not Ann Example?');
      await page.click('#switch-account');
      await page.waitForSelector('#password');
      expect(await page.textContent('h1')).to.equal('Sign in to Ride Hailer');
      await page.fill('#email', 'una@example.com');
      await page.fill('#password', 'una-password');
      await page.click('button[type=submit]');
      await page.waitForSelector('button:has-text("Allow")');
      expect(await page.textContent('main')).to.include('Signed in as Una Other').and.not.include('Ann Example');
      await page.click('button:has-text("Allow")');
      const redirect = await waitForCallback('browser-switch');
      expect(redirect.searchParams.get('code')).to.be.a('string');

      // Linking again in the same browser asks again, naming the account now signed in.
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri, state: 'browser-again' }));
      await page.waitForSelector('button:has-text("Allow")');
      expect(await page.textContent('main')).to.include('Signed in as Una Other');
    } finally {
      await context.close();
    }
  });

  it('renders the sign-in and consent pages in German for a de-DE browser', async () => {
    const { context, page } = await phonePage({ locale: 'de-DE' });
    try {
      await page.goto(authorizeUrl(server, { redirectUri: callbackUri, state: 'browser-de' }));
      expect(await page.getAttribute('html', 'lang')).to.equal('de');
      expect(await page.textContent('h1')).to.equal('Bei Ride Hailer anmelden');
      await page.fill('#email', DEMO.user.email);
      await page.fill('#password', DEMO.user.password);
      await page.click('button:has-text("Anmelden")');
      await page.waitForSelector('button:has-text("Erlauben")');
      expect(await page.textContent('ul.scopes')).to.include('in deinem Namen ein Auto bestellen');
    } finally {
      await context.close();
    }
  });
});
