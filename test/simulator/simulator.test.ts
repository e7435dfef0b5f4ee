import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { RequestEnvelope } from 'ask-sdk-model';
import {
  AlexaSimulator,
  LinkingError,
  MemoryTokenStore,
  renderLinkOutcome,
  renderTurn,
  SkillRequestError,
  startCallbackServer,
  type HeadlessLogin,
  type StoredLink,
} from '../../local/alexa/index.js';
import { linkingConfigFor, manualClock, startFakeServer, type FakeServer } from './fakes.js';

const fakeSign = (body: string) => ({
  SignatureCertChainUrl: 'https://s3.amazonaws.com/echo.api/fake.pem',
  'Signature-256': createHash('sha256').update(body).digest('base64'),
});

/** Plays the login form: approves and returns the redirect with a code and the authorization URL's state. */
const approvingLogin: HeadlessLogin = async (authorizationUrl, credentials) => {
  const url = new URL(authorizationUrl);
  if (credentials.password !== 'right') throw new Error('wrong password');
  const redirect = new URL(url.searchParams.get('redirect_uri')!);
  redirect.searchParams.set('code', 'code-from-login');
  redirect.searchParams.set('state', url.searchParams.get('state')!);
  return redirect;
};

const speech = (text: string, extra: Record<string, unknown> = {}) => ({
  json: { version: '1.0', response: { outputSpeech: { type: 'PlainText', text }, ...extra } },
});

describe('AlexaSimulator', () => {
  let skill: FakeServer;
  let tokenServer: FakeServer;
  let issued = 0;

  before(async () => {
    skill = await startFakeServer();
    tokenServer = await startFakeServer();
  });
  after(async () => {
    await skill.close();
    await tokenServer.close();
  });
  beforeEach(() => {
    skill.requests.length = 0;
    tokenServer.requests.length = 0;
    skill.respond = () => speech('Okay.');
    tokenServer.respond = () => {
      issued += 1;
      return { json: { access_token: `access-${issued}`, token_type: 'Bearer', expires_in: 600, refresh_token: `refresh-${issued}` } };
    };
  });

  const envelopes = (): RequestEnvelope[] => skill.requests.map((request) => JSON.parse(request.body) as RequestEnvelope);

  function simulator(options: { store?: MemoryTokenStore; now?: () => Date } = {}) {
    return new AlexaSimulator({
      skillEndpoint: skill.url,
      locale: 'en-US',
      linking: linkingConfigFor(tokenServer.url),
      tokenStore: options.store ?? new MemoryTokenStore(),
      sign: fakeSign,
      skillId: 'amzn1.ask.skill.test',
      headlessLogin: approvingLogin,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  it('POSTs each request as JSON signed over the exact body sent', async () => {
    await simulator().say('where is my ride');
    const [request] = skill.requests;
    expect(request?.method).to.equal('POST');
    expect(request?.headers['content-type']).to.match(/^application\/json/);
    expect(request?.headers.signaturecertchainurl).to.equal('https://s3.amazonaws.com/echo.api/fake.pem');
    expect(request?.headers['signature-256']).to.equal(fakeSign(request!.body)['Signature-256']);
    expect((JSON.parse(request!.body) as RequestEnvelope).request.type).to.equal('IntentRequest');
  });

  it('links headlessly, stores the tokens and tells the skill with SkillAccountLinked', async () => {
    const store = new MemoryTokenStore();
    const alexa = simulator({ store });
    const outcome = await alexa.link({ email: 'ann@example.com', password: 'right' });
    const stored = await store.load();

    expect(stored?.accessToken).to.match(/^access-\d+$/);
    expect(outcome.event.delivered).to.equal(true);
    const [event] = envelopes();
    expect(event?.request.type).to.equal('AlexaSkillEvent.SkillAccountLinked');
    expect((event?.request as { body: { accessToken: string } }).body.accessToken).to.equal(stored?.accessToken);
    expect(new URLSearchParams(tokenServer.requests[0]!.body).get('code')).to.equal('code-from-login');
    expect(renderLinkOutcome(outcome)).to.not.include(stored!.accessToken);

    await alexa.say('where is my ride');
    expect(envelopes()[1]?.context.System.user.accessToken).to.equal(stored?.accessToken);
  });

  it('still links when the skill refuses the SkillAccountLinked event, and says so', async () => {
    skill.respond = () => ({ status: 400, json: { error: 'bad' } });
    const outcome = await simulator().link({ email: 'ann@example.com', password: 'right' });
    expect(outcome.event).to.deep.include({ delivered: false });
  });

  it('completes the browser path on the callback server, ignoring a forged redirect until the real one arrives', async () => {
    const store = new MemoryTokenStore();
    const alexa = simulator({ store });
    let forgedStatus = 0;
    let realPage = '';
    let browser: Promise<void> | undefined;
    const outcome = await alexa.linkWithCallback({
      port: 0,
      showUrl: (authorizationUrl, callbackServer) => {
        const state = authorizationUrl.searchParams.get('state')!;
        browser = (async () => {
          forgedStatus = (await fetch(new URL('/link/callback?code=x&state=forged', callbackServer))).status;
          const real = await fetch(new URL(`/link/callback?code=browser-code&state=${state}`, callbackServer));
          realPage = await real.text();
        })();
      },
    });
    expect(forgedStatus).to.equal(400);
    expect(outcome.expiresAt).to.be.a('string');
    expect(await store.load()).to.not.equal(undefined);
    await browser; // the page may arrive after the outcome: wait for the browser's request, not for time
    expect(realPage).to.include('<h1 id="title">Linked</h1>').and.include('You can close this page');
    expect(tokenServer.requests.map((request) => new URLSearchParams(request.body).get('code'))).to.deep.equal(['browser-code']);
  });

  it('ends the browser path with access_denied when the user declines', async () => {
    const store = new MemoryTokenStore();
    const error = await simulator({ store })
      .linkWithCallback({
        port: 0,
        showUrl: (authorizationUrl, callbackServer) => {
          const state = authorizationUrl.searchParams.get('state')!;
          void fetch(new URL(`/link/callback?error=access_denied&state=${state}`, callbackServer));
        },
      })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LinkingError).with.property('code', 'access_denied');
    expect(await store.load()).to.equal(undefined);
  });

  it('serves mounted handlers beside the callback and answers 404 elsewhere', async () => {
    const server = await startCallbackServer({
      port: 0,
      onCallback: async () => undefined,
      handlers: [(req, res, next) => (req.path === '/echo.api/chain.pem' ? res.type('text/plain').send('PEM') : next())],
    });
    try {
      expect(await (await fetch(new URL('/echo.api/chain.pem', server.url))).text()).to.equal('PEM');
      expect((await fetch(new URL('/nothing', server.url))).status).to.equal(404);
      expect((await fetch(new URL('/link/callback', server.url), { method: 'POST' })).status).to.equal(405);
    } finally {
      await server.close();
    }
  });

  it('refreshes an expired token before a request, and sends no token after a refused refresh', async () => {
    const clock = manualClock();
    const store = new MemoryTokenStore({
      accessToken: 'old-access',
      tokenType: 'Bearer',
      refreshToken: 'old-refresh',
      expiresAt: new Date(clock.now().getTime() + 60_000).toISOString(),
      linkedAt: clock.now().toISOString(),
    } satisfies StoredLink);
    const alexa = simulator({ store, now: clock.now });

    await alexa.say('where is my ride');
    expect(envelopes()[0]?.context.System.user.accessToken).to.equal('old-access');

    clock.advance(120);
    await alexa.say('where is my ride');
    const refreshed = envelopes()[1]?.context.System.user.accessToken;
    expect(refreshed).to.match(/^access-\d+$/);
    expect(await alexa.accessToken()).to.equal(refreshed);

    clock.advance(3600);
    tokenServer.respond = () => ({ status: 400, json: { error: 'invalid_grant' } });
    await alexa.say('where is my ride');
    expect(envelopes()[2]?.context.System.user).to.not.have.property('accessToken');
    expect(await alexa.accessToken()).to.equal(undefined);
  });

  it('sends skill events and forgets the link on unlink', async () => {
    const store = new MemoryTokenStore();
    const alexa = simulator({ store });
    await alexa.link({ email: 'ann@example.com', password: 'right' });
    await alexa.sendSkillEvent('SkillEnabled');
    expect(envelopes().map((envelope) => envelope.request.type)).to.deep.equal(['AlexaSkillEvent.SkillAccountLinked', 'AlexaSkillEvent.SkillEnabled']);
    await alexa.unlink();
    expect(await alexa.accessToken()).to.equal(undefined);
  });

  it('rejects with SkillRequestError when the endpoint refuses the request, and closes the session', async () => {
    const alexa = simulator();
    await alexa.say('open ride hailer').catch(() => undefined);
    skill.respond = () => ({ status: 403, json: { error: 'signature' } });
    const error = await alexa.say('where is my ride').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SkillRequestError).with.property('status', 403);
    expect(alexa.sessionOpen).to.equal(false);
  });

  it('prints speech, reprompt and cards, and ends on shouldEndSession', async () => {
    skill.respond = () =>
      speech('Your car is coming.', {
        reprompt: { outputSpeech: { type: 'SSML', ssml: '<speak>Anything <break time="1s"/>else?</speak>' } },
        card: { type: 'Standard', title: 'Ride', text: 'Car on its way' },
        shouldEndSession: true,
      });
    const turn = await simulator().say('where is my ride');
    expect(renderTurn(turn)).to.include('Alexa: Your car is coming.').and.include('(reprompt) Anything else?').and.include('[card: Standard] Ride — Car on its way');
    expect(turn.ended).to.equal(true);
  });
});
