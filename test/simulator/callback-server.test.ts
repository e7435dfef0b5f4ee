import { expect } from 'chai';
import { CALLBACK_PATH, IMPLICIT_CALLBACK_PATH, startCallbackServer, type CallbackServer } from '../../local/alexa/callback-server.js';
import { LinkingError } from '../../local/alexa/linking.js';

describe('simulator callback server: the implicit grant page', () => {
  let server: CallbackServer;
  const received: URL[] = [];
  let outcome: () => Promise<unknown> = async () => undefined;

  before(async () => {
    server = await startCallbackServer({
      port: 0,
      onCallback: async (url) => {
        received.push(url);
        return outcome();
      },
    });
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    received.length = 0;
    outcome = async () => undefined;
  });

  it('serves the account-linking-status page with a script that may only run under its nonce', async () => {
    const response = await fetch(new URL(`${IMPLICIT_CALLBACK_PATH}?vendorId=M1LOCALDEMO`, server.url));
    expect(response.status).to.equal(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).to.be.a('string');
    expect(csp).to.include("default-src 'none'");
    expect(response.headers.get('referrer-policy')).to.equal('no-referrer');
    const page = await response.text();
    expect(page).to.include(`<script nonce="${nonce}">`);
    expect(page).to.include('history.replaceState'); // the token leaves the address bar at once
  });

  it("completes the link from the posted fragment, with the page's own query (vendorId) kept", async () => {
    const response = await fetch(new URL('/spa/skill/account-linking-status?vendorId=M1LOCALDEMO', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'state=s1&access_token=tok&token_type=Bearer',
    });
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.include({ outcome: 'linked', title: 'Linked' });
    expect(received).to.have.length(1);
    expect(received[0]!.pathname).to.equal(IMPLICIT_CALLBACK_PATH);
    expect(received[0]!.searchParams.get('vendorId')).to.equal('M1LOCALDEMO');
    expect(new URLSearchParams(received[0]!.hash.slice(1)).get('access_token')).to.equal('tok');
  });

  it('answers a refused fragment (forged state) with 400 and the reason', async () => {
    outcome = async () => {
      throw new LinkingError('state_mismatch', 'the redirect has a missing or unknown state; refusing it');
    };
    const response = await fetch(new URL('/spa/skill/account-linking-status', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'state=forged&access_token=tok&token_type=Bearer',
    });
    expect(response.status).to.equal(400);
    const page = (await response.json()) as { outcome: string; message: string };
    expect(page.outcome).to.equal('failed');
    expect(page.message).to.include('already used').and.include('unknown state');
  });

  it("still serves the code grant's callback", async () => {
    const response = await fetch(new URL(`${CALLBACK_PATH}?code=c&state=s`, server.url));
    expect(response.status).to.equal(200);
    expect(received[0]!.searchParams.get('code')).to.equal('c');
  });

  it('ends the code grant on a styled page in the browser\'s language, saying the outcome plainly', async () => {
    const linked = await fetch(new URL(`${CALLBACK_PATH}?code=c&state=s`, server.url), { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    expect(linked.headers.get('content-type')).to.match(/^text\/html/);
    expect(linked.headers.get('content-security-policy')).to.include("default-src 'none'").and.not.include('script-src');
    const german = await linked.text();
    expect(german).to.include('<html lang="de">').and.include('<h1 id="title">Verknüpft</h1>').and.include('<meta name="viewport"');

    outcome = async () => {
      throw new LinkingError('access_denied', 'the user did not allow the skill to access the account');
    };
    const cancelled = await fetch(new URL(`${CALLBACK_PATH}?error=access_denied&state=s`, server.url), { headers: { 'accept-language': 'en-US' } });
    expect(cancelled.status).to.equal(200);
    expect(await cancelled.text()).to.include('Linking cancelled').and.include('chose not to allow access');

    outcome = async () => {
      throw new LinkingError('token_request_failed', 'the token endpoint answered 401 (invalid_client)', { status: 401, oauthError: 'invalid_client' });
    };
    const failed = await fetch(new URL(`${CALLBACK_PATH}?code=c&state=s`, server.url));
    expect(failed.status).to.equal(502);
    expect(await failed.text()).to.include('Linking failed').and.include('token exchange was refused').and.include('401 (invalid_client)');
  });

  it('serves the implicit page in German for a German browser', async () => {
    const response = await fetch(new URL(IMPLICIT_CALLBACK_PATH, server.url), { headers: { 'accept-language': 'de' } });
    expect(await response.text()).to.include('Dein Konto wird verknüpft');
  });
});
