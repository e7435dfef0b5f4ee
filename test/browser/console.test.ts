/**
 * The testers' console in a real browser (Chromium): the whole failure journey a tester walks through — unlinked →
 * LinkAccount card → link in a new tab → linked order → expire → the refresh shown → revoke → the card again —
 * plus the JSON pane, an API fault, basic_profile only, skill events, German and the phone viewport.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO } from '../../local/demo.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { launchBrowser } from '../support/browser.js';

describe('the testers\' console in a real browser (Chromium)', function () {
  this.timeout(60_000);

  let browser: Browser;
  let stack: LocalStack;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    stack = await startLocalStack({ log: () => undefined });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });
  beforeEach(async () => {
    await stack.simulator.unlink();
    stack.api.setFaults({});
    context = await browser.newContext({ locale: 'en-US' });
    watchBrowserConsole(context);
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Every error line any page of the context writes to the browser's console (a 404 for the favicon is one). */
  let consoleErrors: string[] = [];
  function watchBrowserConsole(watched: BrowserContext) {
    consoleErrors = [];
    watched.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.location().url}: ${message.text()}`);
    });
  }

  /** Types into the utterance box, presses Enter (the keyboard path) and waits for the skill's answer. */
  async function say(text: string): Promise<string> {
    const answers = await page.locator('#transcript .alexa').count();
    await page.getByLabel(/Type what you would say|Tippe, was du sagen würdest/).fill(text);
    await page.keyboard.press('Enter');
    const answer = page.locator('#transcript .alexa').nth(answers);
    await answer.waitFor({ timeout: 15_000 });
    return answer.innerText();
  }

  async function transcript(): Promise<string> {
    return page.locator('#transcript').innerText();
  }

  it('walks unlinked → card → link in a new tab → order → expire (refresh shown) → revoke → card again', async () => {
    const response = await page.goto(`${stack.urls.simulator}/`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).to.include("default-src 'none'").and.include("script-src 'self'").and.not.include('unsafe-inline');
    await page.waitForSelector('#account[data-linked="false"]');

    const unlinked = await say('order a ride to the airport');
    expect(unlinked).to.include('OrderRideIntent');
    expect(await transcript()).to.not.include('Account unlinked'); // nothing changed: no news
    const card = page.locator('#transcript [data-card="LinkAccount"]');
    expect(await card.count()).to.equal(1);

    const [login] = await Promise.all([context.waitForEvent('page'), card.getByRole('link', { name: 'Link account' }).click()]);
    await login.waitForLoadState();
    expect(new URL(login.url()).origin).to.equal(stack.urls.auth);
    await login.fill('#email', DEMO.user.email);
    await login.fill('#password', DEMO.user.password);
    await login.click('button[type=submit]');
    await login.click('button:has-text("Allow")');
    await login.waitForSelector('[data-outcome="linked"]', { timeout: 10_000 });
    expect(await login.innerText('h1')).to.equal('Linked');
    // The end page leads back to the console it was started from.
    await login.getByRole('link', { name: 'Back to the test console' }).click();
    await login.waitForSelector('#account[data-linked="true"]');
    await login.close();

    // The console follows the link made in the other tab without a reload.
    await page.waitForSelector('#account[data-linked="true"]', { timeout: 5000 });
    expect(await page.locator('#account').innerText()).to.include('order_car').and.include('the authorization code grant, directly · refreshable');
    expect(await transcript()).to.include('Account linked');

    const ordered = await say('order a ride to the airport');
    expect(ordered).to.match(/on its way/);

    // The JSON pane: both envelopes, the token shortened, nothing usable.
    const token = (await stack.simulator.linker.linked())!.accessToken;
    const io = page.locator('#transcript .alexa').last().locator('details');
    await io.locator('summary').click();
    const requestJson = await io.locator('pre[data-json="request"]').innerText();
    const envelope = JSON.parse(requestJson) as { request: { type: string }; context: { System: { user: { accessToken: string } } } };
    expect(envelope.request.type).to.equal('IntentRequest');
    expect(envelope.context.System.user.accessToken).to.equal(`${token.slice(0, 6)}…(${token.length})`);
    expect(await page.content()).to.not.include(token);
    expect(JSON.parse(await io.locator('pre[data-json="response"]').innerText())).to.have.nested.property('response.outputSpeech');

    await page.getByRole('button', { name: 'Expire the access token now' }).click();
    await page.waitForSelector('#account time[data-expired="true"]');
    expect(await page.locator('#account time').innerText()).to.match(/^expired /);
    await say('where is my ride');
    expect(await transcript()).to.include('access token refreshed');

    await page.getByRole('button', { name: 'Revoke at the authorization server' }).click();
    await page.waitForFunction(() => document.querySelector('#transcript')?.textContent?.includes('Refresh token revoked'));
    const afterRevoke = await say('where is my ride');
    expect(await transcript()).to.include('link dropped');
    expect(afterRevoke).to.match(/link/i);
    expect(await page.locator('#transcript [data-card="LinkAccount"]').count()).to.equal(2);
    await page.waitForSelector('#account[data-linked="false"]');
    expect(await page.locator('#account .status').innerText()).to.equal('Not linked');
    // No page of the journey (console, login, consent, end page) logged an error: no favicon 404 either.
    expect(consoleErrors).to.deep.equal([]);
  });

  it('switches an API fault on and off, and the skill answers accordingly', async () => {
    await stack.simulator.link({ email: DEMO.user.email, password: DEMO.user.password });
    await page.goto(`${stack.urls.simulator}/`);
    await page.getByLabel('Answer every request with').selectOption('503');
    await page.getByLabel('Added latency (ms)').fill('100');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(() => document.querySelector('#faults-status')?.textContent?.includes('every answer 503'));
    expect(stack.api.faults().status).to.equal(503);
    // The faults in force are said next to the conversation, so the failure below reads as asked for.
    const banner = page.locator('section.conversation [role="status"]#faults-banner');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.innerText()).to.include('Ride Hailer API faults in force: ').and.include('every answer 503');
    expect(await banner.innerText(), 'in the form\'s words, not the API\'s field names').to.include('100 ms added latency').and.not.match(/status=|latencyMs/);
    expect(await say('where is my ride')).to.include("isn't answering");

    await banner.getByRole('button', { name: 'All off' }).click();
    await page.waitForFunction(() => document.querySelector('#faults-status')?.textContent?.includes('none'));
    await banner.waitFor({ state: 'hidden' });
    expect(stack.api.faults()).to.deep.equal({});
    expect(await say('where is my ride')).to.not.include("isn't answering");
  });

  it('links granting only basic_profile, and ordering then names the missing permission', async () => {
    await page.goto(`${stack.urls.simulator}/`);
    const [login] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Link granting only basic_profile' }).click()]);
    await login.waitForLoadState();
    await login.fill('#email', DEMO.user.email);
    await login.fill('#password', DEMO.user.password);
    await login.click('button[type=submit]');
    await login.click('button:has-text("Allow")');
    await login.waitForSelector('[data-outcome="linked"]', { timeout: 10_000 });
    await page.waitForSelector('#account[data-linked="true"]', { timeout: 5000 });
    expect(await page.locator('#account').innerText()).to.include('basic_profile').and.not.include('order_car');
    expect(await say('order a ride to the airport')).to.include('ordering rides');
  });

  it('sends a skill event and shows that the skill accepted it, with its envelopes', async () => {
    await page.goto(`${stack.urls.simulator}/`);
    await page.getByRole('button', { name: 'SkillEnabled' }).click();
    // One labelled entry: which event, what the skill did, its envelopes — and no empty Alexa bubble.
    const entry = page.locator('#transcript [data-entry="Event: AlexaSkillEvent.SkillEnabled"]');
    await entry.waitFor();
    expect(await entry.innerText()).to.include('Event: AlexaSkillEvent.SkillEnabled').and.include('The skill accepted it');
    expect(await page.locator('#transcript .alexa').count()).to.equal(0);
    await entry.locator('summary').click();
    expect(await entry.locator('pre[data-json="request"]').textContent()).to.include('AlexaSkillEvent.SkillEnabled');
  });

  it('speaks German with a German browser, and the locale switch keeps it', async () => {
    await context.close();
    context = await browser.newContext({ locale: 'de-DE' });
    page = await context.newPage();
    await page.goto(`${stack.urls.simulator}/`);
    expect(await page.locator('html').getAttribute('lang')).to.equal('de');
    expect(await page.locator('h1').innerText()).to.include('Testkonsole');
    expect(await page.locator('#locale').inputValue()).to.equal('de-DE');
    expect(await say('hilfe')).to.match(/Ride Hailer/);
    await page.getByLabel('Sprache').selectOption('en-GB');
    await page.waitForURL(/locale=en-GB/);
    expect(await page.locator('h1').innerText()).to.include('test console');
  });

  it('fits a phone screen and is usable by keyboard alone', async () => {
    await context.close();
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    watchBrowserConsole(context);
    page = await context.newPage();
    await page.goto(`${stack.urls.simulator}/`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    // Every control has an accessible name.
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, button, a')].filter((node) => {
        const labelled = (node as HTMLInputElement).labels?.length || node.getAttribute('aria-label') || node.textContent?.trim();
        return !labelled;
      }).length,
    );
    expect(unnamed).to.equal(0);
    // Tab reaches the utterance box; Enter sends.
    await page.keyboard.press('Tab');
    for (let step = 0; step < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'utterance'; step += 1) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('utterance');
    await page.keyboard.type('help');
    await page.keyboard.press('Enter');
    await page.locator('#transcript .alexa').first().waitFor();
    expect(await page.locator('#transcript .alexa').first().innerText()).to.include('AMAZON.HelpIntent');

    // Opening Skill I/O grows the transcript inside its panel: the input stays on screen, the page does not scroll.
    const scrolledBefore = await page.evaluate(() => window.scrollY);
    await page.locator('#transcript details.io summary').first().click();
    expect(await page.evaluate(() => window.scrollY)).to.equal(scrolledBefore);
    expect(await inViewport('#utterance')).to.equal(true);
    // The JSON wraps: the transcript is the only box that scrolls.
    expect(await page.locator('#transcript pre').first().evaluate((node) => getComputedStyle(node).overflowY)).to.equal('visible');
    expect(consoleErrors).to.deep.equal([]);
  });

  /** Whether the element's box lies wholly inside the window. */
  async function inViewport(selector: string): Promise<boolean> {
    return page.locator(selector).evaluate((node) => {
      const box = node.getBoundingClientRect();
      return box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
    });
  }

  it('on a desktop: the conversation fills the window beside the side column, one typeface, an account panel that reads', async () => {
    await context.close();
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    await stack.simulator.link({ email: DEMO.user.email, password: DEMO.user.password });
    await page.goto(`${stack.urls.simulator}/`);
    await page.waitForSelector('#account[data-linked="true"]');

    // The conversation panel is as tall as the window (no empty box under a short transcript) and stays in view.
    const panel = await page.locator('section.conversation').boundingBox();
    expect(panel!.height).to.be.within(900 - 60, 900);
    await page.mouse.wheel(0, 2000);
    await page.waitForFunction(() => window.scrollY > 0);
    expect(await inViewport('#utterance')).to.equal(true);

    // One typeface: the controls use the page's font, not the browser's default for form controls.
    const fonts = await page.evaluate(() => ['body', 'button', 'input', 'select'].map((selector) => getComputedStyle(document.querySelector(selector)!).fontFamily));
    expect(new Set(fonts).size).to.equal(1);

    // Scopes are one item each, the expiry is relative with the exact time on hover, nothing breaks inside a word.
    expect(await page.locator('#account .chips li').allInnerTexts()).to.deep.equal(['basic_profile', 'order_car']);
    const expiry = page.locator('#account time');
    expect(await expiry.innerText()).to.match(/^expires in (59 minutes|1 hour)$/);
    expect(await expiry.getAttribute('title')).to.match(/\d{4}/);
    const breaking = await page.evaluate(() =>
      [...document.querySelectorAll('#account *')].filter((node) => {
        const style = getComputedStyle(node);
        return style.wordBreak === 'break-all' || style.overflowWrap === 'anywhere';
      }).length,
    );
    expect(breaking).to.equal(0);
    expect(await page.locator('#account .status').innerText()).to.equal('✓ Linked');
  });

  it('refuses cross-site callers, non-JSON bodies and malformed input without a 500', async () => {
    const url = `${stack.urls.simulator}/console/api/account`;
    const crossSite = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{"action":"unlink"}' });
    expect(crossSite.status).to.equal(403);
    // A browser that sends Sec-Fetch-Site but no Origin (some navigations, older engines): only same-origin or a
    // user's own action ("none") gets through. The API answers 409 "no account is linked" when it gets through.
    for (const [site, status] of [['cross-site', 403], ['same-site', 403], ['same-origin', 409], ['none', 409]] as const) {
      const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': site }, body: '{"action":"revoke"}' });
      expect(answer.status, site).to.equal(status);
    }
    const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=unlink' });
    expect(form.status).to.equal(415);
    const unknown = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"explode"}' });
    expect(unknown.status).to.equal(400);
    const broken = await fetch(`${stack.urls.simulator}/console/api/say`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"locale":' });
    expect(broken.status).to.equal(400);
    const notLinked = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"revoke"}' });
    expect(notLinked.status).to.equal(409);
    expect(await notLinked.json()).to.deep.equal({ error: 'no account is linked' });
  });
});
