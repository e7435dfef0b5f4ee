/**
 * One owner for the link (local/alexa/link-api.ts, link-client.ts): npm start's simulator keeps the link and its
 * pending authorizations; `npm run link` and `npm run dialog` ask it over HTTP. The outcome of a browser link comes
 * back in the one request that waits for it, the moment the redirect is handled; two links at once both count.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expect } from 'chai';
import { bindSocket } from '../../local/bound-socket.js';
import { startCallbackServer, type CallbackServer } from '../../local/alexa/callback-server.js';
import { loadSimulatorConfig } from '../../local/alexa/config.js';
import { createLinkApi, LINK_API_PATH } from '../../local/alexa/link-api.js';
import { StackLink, StackLinkError, StoppedWaiting } from '../../local/alexa/link-client.js';
import { renderError } from '../../local/alexa/render.js';
import { LinkingError } from '../../local/alexa/linking.js';
import { AlexaSimulator, type HeadlessLogin } from '../../local/alexa/simulator.js';
import { MemoryPendingStates, MemoryTokenStore } from '../../local/alexa/token-store.js';
import { linkInBrowser } from '../../local/alexa/wiring.js';
import { linkingConfigFor, startFakeServer, type FakeServer } from './fakes.js';

const KEY = 'test-only-link-api-key';
let issued = 0;
/** A fresh access token per token request, so a refresh is visible. */
const tokens = () => ({ access_token: `access-${++issued}`, token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-1' });

function redirectFor(authorizationUrl: URL, params: Record<string, string>): URL {
  const redirect = new URL(authorizationUrl.searchParams.get('redirect_uri')!);
  for (const [key, value] of Object.entries(params)) redirect.searchParams.set(key, value);
  return redirect;
}

interface Owner {
  server: CallbackServer;
  simulator: AlexaSimulator;
  store: MemoryTokenStore;
  /** The CLIs' client, and every request it sent. */
  client: StackLink;
  sent: string[];
  close(): Promise<void>;
}

describe("the simulator's linking API: one owner for the link", () => {
  let tokenServer: FakeServer;
  let skill: FakeServer;
  let owner: Owner;

  before(async () => {
    tokenServer = await startFakeServer(() => ({ json: tokens() }));
    skill = await startFakeServer(() => ({ json: { version: '1.0', response: {} } }));
  });
  after(async () => {
    await tokenServer.close();
    await skill.close();
  });

  /** npm start's simulator server in miniature: the callback, the linking API, one token store. */
  async function startOwner(tokenUrl = tokenServer.url): Promise<Owner> {
    const socket = await bindSocket(0, '127.0.0.1');
    const store = new MemoryTokenStore();
    const notUsed: HeadlessLogin = async () => {
      throw new Error('not used');
    };
    const simulator = new AlexaSimulator({
      skillEndpoint: skill.url,
      linking: linkingConfigFor(tokenUrl, { redirectUri: `${socket.origin}/link/callback` }),
      tokenStore: store,
      sign: () => ({}),
      skillId: 'amzn1.ask.skill.test',
      headlessLogin: notUsed,
    });
    const api = createLinkApi({ simulator, createSimulator: () => simulator, revocationUrl: new URL('/revoke', tokenUrl).href, key: KEY, heartbeatMs: 20 });
    const server = await startCallbackServer({
      socket,
      port: socket.port,
      onCallback: (url) => simulator.completeLinking(url),
      handlers: [express.Router().use(LINK_API_PATH, api)],
    });
    const sent: string[] = [];
    const client = new StackLink({
      simulatorUrl: server.url,
      key: async () => KEY,
      fetch: (input, init) => {
        sent.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
    return { server, simulator, store, client, sent, close: () => server.close() };
  }

  beforeEach(async () => {
    owner = await startOwner();
  });
  afterEach(async () => {
    await owner.close();
  });

  /** The "browser": follows the authorization's redirect to the owner's callback, as a user's click does. */
  const browse = async (redirect: URL) => (await fetch(redirect)).text();

  it('answers the waiting request with the outcome once the redirect is handled: one request, no polling', async () => {
    const pending = owner.store.pendingStates;
    let reads = 0;
    const outcomeOf = pending.outcome.bind(pending);
    pending.outcome = (hash) => {
      reads += 1;
      return outcomeOf(hash);
    };
    // The redirect is followed only once the owner holds the waiting request: the answer is caused by the event.
    const waitForOutcome = pending.waitForOutcome.bind(pending);
    let waiting!: () => void;
    const waitRegistered = new Promise<void>((resolve) => (waiting = resolve));
    pending.waitForOutcome = (hash, signal) => {
      const result = waitForOutcome(hash, signal);
      waiting();
      return result;
    };

    const url = await owner.client.startAuthorization({});
    let redirected = false;
    const ended = owner.client.outcome(url).then((end) => ({ ...end, afterRedirect: redirected }));
    await waitRegistered;
    redirected = true;
    // Not awaited first: the owner answers the wait as soon as the link is stored, before its end page is sent.
    const page = browse(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
    const { outcome, link, afterRedirect } = await ended;
    await page;

    expect(outcome).to.deep.equal({ result: 'linked' });
    expect(afterRedirect).to.equal(true);
    expect(link).to.deep.include({ linked: true, refreshable: true, expiresAt: (await owner.store.load())!.expiresAt });
    expect(owner.sent.filter((path) => path.endsWith('/authorizations/outcome'))).to.have.length(1);
    expect(reads, 'outcome reads: nobody polls').to.equal(0);
  });

  it('after a restart, a redirect for an authorization the old process started names the restart as a cause (en, de)', async () => {
    const url = await owner.client.startAuthorization({});
    const redirect = redirectFor(url, { code: 'c', state: url.searchParams.get('state')! });
    const restarted = await startOwner(); // npm start again: a new process, the old one's pending authorizations gone
    try {
      const atRestarted = new URL(`${redirect.pathname}${redirect.search}`, restarted.server.url);
      const english = await fetch(atRestarted);
      expect(english.status).to.equal(400);
      expect(await english.text()).to.include('Linking failed').and.include('or npm start was restarted since');
      const german = await (await fetch(atRestarted, { headers: { 'accept-language': 'de' } })).text();
      expect(german).to.include('npm start wurde seitdem neu gestartet');
    } finally {
      await restarted.close();
    }
  });

  it('links two authorizations started at once: neither state is lost, each wait hears its own outcome', async () => {
    const [first, second] = await Promise.all([owner.client.startAuthorization({}), owner.client.startAuthorization({})]);
    const waits = Promise.all([owner.client.outcome(first), owner.client.outcome(second)]);
    await Promise.all([first, second].map((url) => browse(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }))));
    const [one, two] = await waits;
    expect(one.outcome).to.deep.equal({ result: 'linked' });
    expect(two.outcome).to.deep.equal({ result: 'linked' });
  });

  it('says at once, in the end page\'s words, that the user cancelled at the consent page', async () => {
    let shown!: (url: URL) => void;
    const urlShown = new Promise<URL>((resolve) => (shown = resolve));
    const linking = linkInBrowser(owner.client, { simulatorUrl: owner.server.url }, {
      print: (text) => {
        const printedUrl = /http:\/\/\S+\/auth\?\S+/.exec(text);
        if (printedUrl) shown(new URL(printedUrl[0]));
      },
    });
    const url = await urlShown;
    const page = await browse(redirectFor(url, { error: 'access_denied', state: url.searchParams.get('state')! }));
    const error = await linking.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LinkingError).with.property('code', 'access_denied');
    expect((error as Error).message).to.equal('You chose not to allow access, so nothing was linked. To link later, open the skill in the Alexa app again.');
    expect(page).to.include('data-outcome="cancelled"');
    expect(await owner.store.load()).to.equal(undefined);
  });

  it('names why the code exchange failed (the token endpoint\'s status and OAuth error), never the code', async () => {
    const refusing = await startFakeServer(() => ({ status: 400, json: { error: 'invalid_grant', error_description: 'code already used' } }));
    const failing = await startOwner(refusing.url);
    try {
      const url = await failing.client.startAuthorization({});
      const ended = failing.client.outcome(url);
      await browse(redirectFor(url, { code: 'the-secret-code', state: url.searchParams.get('state')! }));
      const { outcome } = await ended;
      expect(outcome).to.deep.equal({ result: 'failed', reason: 'token_request_failed', status: 400, oauthError: 'invalid_grant' });
      expect(JSON.stringify(outcome)).to.not.include('the-secret-code');
    } finally {
      await failing.close();
      await refusing.close();
    }
  });

  it('answers null at once for an authorization it never started, and stops waiting when the caller gives up (Ctrl-C)', async () => {
    const stranger = new URL('http://127.0.0.1:9/auth?state=never-issued');
    expect((await owner.client.outcome(stranger)).outcome).to.equal(null);

    const url = await owner.client.startAuthorization({});
    const abort = new AbortController();
    const waiting = owner.client.outcome(url, abort.signal);
    abort.abort(new Error('linking cancelled'));
    expect(await waiting.catch((e: unknown) => e)).to.be.instanceOf(Error).with.property('message', 'linking cancelled');
  });

  it('a browser link given up with Ctrl-C (npm run link, dialog\'s .link) says only the waiting stopped, and the URL still links', async () => {
    const abort = new AbortController();
    const printed: string[] = [];
    const linking = linkInBrowser(owner.client, { simulatorUrl: owner.server.url }, { signal: abort.signal, print: (text) => printed.push(text) }).catch((e: unknown) => e);
    while (printed.length < 2) await new Promise<void>((resolve) => setImmediate(resolve));
    abort.abort(new Error('linking cancelled'));
    const error = await linking;
    expect(error).to.be.instanceOf(StoppedWaiting);
    expect(renderError(error)).to.include('Stopped waiting (Ctrl-C)').and.include('linked all the same').and.not.include('Something went wrong');
    // …and true: the redirect that comes after still links.
    const url = new URL(/http\S+/.exec(printed[0]!)![0]);
    await browse(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
    expect(await owner.store.load()).to.not.equal(undefined);
  });

  it('a wait that ends without an outcome (15 minutes passed, or npm start restarted) says so plainly, not "Something went wrong"', async () => {
    // As after a restart: the owner is asked about an authorization it never started, and answers null at once.
    const client = new StackLink({
      simulatorUrl: owner.server.url,
      key: async () => KEY,
      fetch: (input, init) =>
        new URL(String(input)).pathname.endsWith('/outcome')
          ? fetch(input, { ...init, body: JSON.stringify({ authorizationUrl: 'http://127.0.0.1:9/auth?state=from-before-a-restart' }) })
          : fetch(input, init),
    });
    const error = await linkInBrowser(client, { simulatorUrl: owner.server.url }, { print: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(renderError(error)).to.match(/^No redirect came within 15 minutes/).and.include('npm start was restarted').and.include('run npm run link again');
  });

  it('says npm start stopped during the wait, and that the printed URL is spent, when the owner goes away mid-answer', async () => {
    let waitBegun!: () => void;
    const begun = new Promise<void>((resolve) => (waitBegun = resolve));
    const client = new StackLink({
      simulatorUrl: owner.server.url,
      key: async () => KEY,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (new URL(String(input)).pathname.endsWith('/outcome')) waitBegun();
        return response;
      },
    });
    const url = await client.startAuthorization({});
    const waiting = client.outcome(url).catch((e: unknown) => e);
    await begun; // the owner has answered the headers and is waiting, as npm start is when it gets Ctrl-C
    await owner.close();
    owner = await startOwner(); // for afterEach
    const error = await waiting;
    expect(error).to.be.instanceOf(StackLinkError);
    expect((error as Error).message).to.include('stopped while waiting for the link').and.include('not linked').and.include('start npm start again');
    expect((error as Error).message).to.not.include('did not answer');
  });

  it('hands out the access token of the next request, refreshed by the owner when due; the state never shows a token', async () => {
    const url = await owner.client.startAuthorization({});
    await browse(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
    const linked = (await owner.store.load())!;
    expect(await owner.client.accessToken()).to.equal(linked.accessToken);

    const before = await owner.client.state();
    expect(JSON.stringify(before)).to.not.include(linked.accessToken).and.not.include('refresh-1');
    expect(before.tokenId).to.equal(createHash('sha256').update(linked.accessToken).digest('base64url').slice(0, 16));

    expect((await owner.client.expire()).expired).to.equal(true);
    const refreshed = await owner.client.accessToken();
    expect(refreshed).to.be.a('string').and.not.equal(linked.accessToken);
    expect((await owner.store.load())!.accessToken).to.equal(refreshed);
    const after = await owner.client.state();
    expect(after.tokenId).to.not.equal(before.tokenId);
    expect(after.linkedAt).to.equal(before.linkedAt);

    await owner.client.unlink();
    expect(await owner.store.load()).to.equal(undefined);
    expect(await owner.client.accessToken()).to.equal(undefined);
  });

  it('answers only the command-line tools: the key is required, browsers are refused, mistakes are 4xx', async () => {
    const base = new URL(`${LINK_API_PATH}/state`, owner.server.url);
    expect((await fetch(base)).status).to.equal(401);
    expect((await fetch(base, { headers: { authorization: 'Bearer wrong' } })).status).to.equal(401);
    const fromPage = await fetch(base, { headers: { authorization: `Bearer ${KEY}`, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(fromPage.status).to.equal(403);
    const wrongKey = new StackLink({ simulatorUrl: owner.server.url, key: async () => 'wrong' });
    expect(await wrongKey.state().catch((e: unknown) => e)).to.be.instanceOf(StackLinkError).with.property('message').that.includes('LOCAL_DATA_DIR');

    const post = (path: string, body: string) =>
      fetch(new URL(`${LINK_API_PATH}${path}`, owner.server.url), { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body });
    const asForm = await fetch(new URL(`${LINK_API_PATH}/unlink`, owner.server.url), { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(asForm.status).to.equal(415);
    expect((await post('/authorizations', '{"via":"elsewhere"}')).status).to.equal(400);
    expect((await post('/authorizations', '{"scopes":["admin"]}')).status).to.equal(400);
    expect((await post('/authorizations', '{not json')).status).to.equal(400);
    expect((await post('/authorizations/outcome', '{"authorizationUrl":"no url"}')).status).to.equal(400);
    const notLinked = await post('/revoke', '{}');
    expect(notLinked.status).to.equal(409);
    expect(await notLinked.json()).to.deep.include({ code: 'authorization_error' });
  });

  describe('a simulator that runs its own callback server (tests, no npm start)', () => {
    function simulatorOn(port: number): AlexaSimulator {
      return new AlexaSimulator({
        skillEndpoint: skill.url,
        linking: linkingConfigFor(tokenServer.url, { redirectUri: `http://127.0.0.1:${port}/link/callback` }),
        tokenStore: new MemoryTokenStore(),
        sign: () => ({}),
        skillId: 'amzn1.ask.skill.test',
      });
    }

    it('leaves the link to npm start\'s simulator when it holds the port: says to use npm run link, shows no URL', async () => {
      let shown = false;
      const error = await simulatorOn(owner.server.port)
        .linkWithCallback({ showUrl: () => (shown = true) })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(Error).with.property('message').that.includes('npm run link');
      expect(shown).to.equal(false);
    });

    it('refuses when the port belongs to another program', async () => {
      const other = createServer((_req, res) => res.writeHead(404).end());
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const { port } = other.address() as AddressInfo;
      try {
        const error = await simulatorOn(port)
          .linkWithCallback({ showUrl: () => {} })
          .catch((e: unknown) => e);
        expect(error).to.be.instanceOf(Error).with.property('message').that.includes(`port ${port} is in use by another program`);
      } finally {
        await new Promise<void>((resolve) => other.close(() => resolve()));
      }
    });

    it('identifies itself on /healthz', async () => {
      const health = await fetch(new URL('/healthz', owner.server.url));
      expect(await health.json()).to.deep.equal({ status: 'ok', service: 'alexa-simulator' });
    });
  });

  describe('finding the stack npm start runs', () => {
    it('takes the ports and the data directory npm start was given', async () => {
      const config = await loadSimulatorConfig({ PORT: '4000', AUTH_PORT: '4001', SIMULATOR_PORT: '4003', LOCAL_DATA_DIR: '/tmp/stack-data' });
      expect(config.skillEndpoint.href).to.equal('http://127.0.0.1:4000/');
      expect(config.linking.authorizationUrl.href).to.equal('http://127.0.0.1:4001/auth');
      expect(config.linking.accessTokenUrl.href).to.equal('http://127.0.0.1:4001/token');
      expect(config.linking.redirectUri).to.equal('http://127.0.0.1:4003/link/callback');
      expect(config.simulatorUrl.href).to.equal('http://127.0.0.1:4003/');
      expect(config.tokenFile).to.equal('/tmp/stack-data/alexa-link.json');
      expect(config.linkApiKeyFile).to.equal('/tmp/stack-data/link-api-key');
      expect(config.signingDir).to.equal('/tmp/stack-data/alexa-ca');
    });
  });
});

describe('pending authorizations in the owner\'s memory', () => {
  it('wakes every waiter of a state when it settles, and answers a state never added at once', async () => {
    const states = new MemoryPendingStates();
    await states.add('hash', { issuedAt: Date.now() }, 0);
    const never = new AbortController().signal;
    const waiters = [states.waitForOutcome('hash', never), states.waitForOutcome('hash', never)];
    const taken = (await states.take('hash'))!;
    // Taken, being exchanged: still worth waiting for.
    const duringExchange = states.waitForOutcome('hash', never);
    await states.settle('hash', taken, { result: 'failed', reason: 'token_request_failed', status: 401 });
    for (const outcome of await Promise.all([...waiters, duringExchange])) {
      expect(outcome).to.deep.equal({ result: 'failed', reason: 'token_request_failed', status: 401 });
    }
    expect(await states.waitForOutcome('unknown', never)).to.equal(undefined);
  });
});
