/**
 * Linking through the bridge in a real browser (Chromium), the way a user does it from the Alexa app: the bridge's
 * authorization URI, the real sign-in and consent pages, the bridge's callback, and Alexa's redirect page — whose
 * script must read the token out of the fragment, which no server ever sees.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { DEMO } from '../../local/demo.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { launchBrowser } from '../support/browser.js';

describe('linking through the bridge in a real browser (Chromium)', function () {
  this.timeout(40_000);

  let browser: Browser;
  let stack: LocalStack;
  const logLines: string[] = [];

  before(async () => {
    stack = await startLocalStack({ log: (line) => logLines.push(line) });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  for (const grant of ['IMPLICIT', 'AUTH_CODE'] as const) {
    it(`links with the ${grant === 'IMPLICIT' ? 'implicit' : 'code'} grant: sign in, allow, and the page says linked`, async () => {
      // Started like `npm run link -- --via bridge [--grant implicit]`; the stack's callback server completes it, as
      // npm start's does, into the token store the two share.
      const before = await stack.simulator.linker.linked();
      const authorizationUrl = await stack.createSimulator({ grant, via: 'bridge' }).linker.beginAuthorization();
      expect(authorizationUrl.origin).to.equal(stack.urls.bridge);
      expect(authorizationUrl.searchParams.get('response_type')).to.equal(grant === 'IMPLICIT' ? 'token' : 'code');

      const context = await browser.newContext({ locale: 'en-US' });
      try {
        const page = await context.newPage();
        await page.goto(authorizationUrl.href);
        expect(new URL(page.url()).origin).to.equal(stack.urls.auth); // the bridge sent the browser upstream
        await page.fill('#email', DEMO.user.email);
        await page.fill('#password', DEMO.user.password);
        await page.click('button[type=submit]');
        await page.click('button:has-text("Allow")');
        await page.waitForURL((url) => url.origin === stack.urls.simulator, { timeout: 10_000 });
        await page.waitForFunction(() => /Linked|failed/.test(document.body.innerText), undefined, { timeout: 10_000 });
        expect(await page.innerText('body')).to.match(/^Linked/);
        expect(await page.title(), 'the tab says the outcome too, not "Linking your account …"').to.equal('Linked – Ride Hailer');
        // The implicit page takes the token out of the address bar before anything else.
        expect(new URL(page.url()).hash).to.equal('');
      } finally {
        await context.close();
      }
      const link = await stack.simulator.linker.linked();
      expect(link).to.deep.include({ grant, route: 'bridge' });
      expect(link?.linkedAt).to.not.equal(before?.linkedAt);
      expect(link?.refreshToken === undefined).to.equal(grant === 'IMPLICIT');
      expect((await stack.simulator.say('who am i')).speech).to.include(DEMO.user.email);
    });
  }

  it('logs no token from the fragment or the code', () => {
    const everything = logLines.join('\n');
    expect(everything).to.not.match(/[?&#](code|state|access_token)=/);
    expect(everything).to.not.match(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
