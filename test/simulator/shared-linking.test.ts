/**
 * Linking across processes: pending authorizations kept beside the token file, and `npm run link` waiting for
 * npm start's callback when npm start owns the callback port.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AlexaSimulator, type HeadlessLogin } from '../../local/alexa/simulator.js';
import { startCallbackServer } from '../../local/alexa/callback-server.js';
import { loadSimulatorConfig } from '../../local/alexa/config.js';
import { AccountLinker, LinkingError } from '../../local/alexa/linking.js';
import { LINKING_ERROR_CODES } from '../../local/alexa/linking-vocabulary.js';
import { FilePendingStates, FileTokenStore, MemoryTokenStore, pendingStatesPathFor, type TokenStore } from '../../local/alexa/token-store.js';
import { linkingConfigFor, manualClock, startFakeServer, type FakeServer } from './fakes.js';

const tokens = { access_token: 'access-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-1' };

function redirectFor(authorizationUrl: URL, params: Record<string, string>): URL {
  const redirect = new URL(authorizationUrl.searchParams.get('redirect_uri')!);
  for (const [key, value] of Object.entries(params)) redirect.searchParams.set(key, value);
  return redirect;
}

describe('simulator linking across processes', () => {
  let tokenServer: FakeServer;
  let skill: FakeServer;
  let dir: string;

  before(async () => {
    tokenServer = await startFakeServer(() => ({ json: tokens }));
    skill = await startFakeServer(() => ({ json: { version: '1.0', response: {} } }));
    dir = await mkdtemp(join(tmpdir(), 'alexa-shared-'));
  });
  after(async () => {
    await tokenServer.close();
    await skill.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('pending authorizations beside the token file', () => {
    it('names the pending file after the token file', () => {
      expect(pendingStatesPathFor('/x/.local/alexa-link.json')).to.equal('/x/.local/alexa-link-pending.json');
    });

    it('keeps only a hash of each state, readable by the owner only (mode 0600)', async () => {
      const store = new FileTokenStore(join(dir, 'hashed', 'alexa-link.json'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store });
      const state = (await linker.beginAuthorization()).searchParams.get('state')!;
      const path = pendingStatesPathFor(store.path);
      const text = await readFile(path, 'utf8');
      expect(text).to.not.include(state);
      expect(text).to.include(createHash('sha256').update(state).digest('base64url'));
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
    });

    it('lets another linker on the same file complete the redirect, once', async () => {
      const path = join(dir, 'shared', 'alexa-link.json');
      const starter = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new FileTokenStore(path) });
      const receiver = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new FileTokenStore(path) });
      const url = await starter.beginAuthorization();
      const redirect = redirectFor(url, { code: 'c', state: url.searchParams.get('state')! });

      expect(await starter.isPending(url)).to.equal(true);
      await receiver.completeAuthorization(redirect);
      expect((await starter.linked())?.accessToken).to.equal('access-1');
      expect(await starter.isPending(url)).to.equal(false);
      const replay = await starter.completeAuthorization(redirect).catch((e: unknown) => e);
      expect(replay).to.be.instanceOf(LinkingError).with.property('code', 'state_mismatch');
    });

    it('keeps how a redirect ended for the process that started it: linked, or failed with a reason and no code', async () => {
      const path = join(dir, 'outcomes', 'alexa-link.json');
      const starter = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new FileTokenStore(path) });
      const receiver = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new FileTokenStore(path) });
      const linked = await starter.beginAuthorization();
      expect(await starter.outcomeOf(linked)).to.equal(undefined);
      await receiver.completeAuthorization(redirectFor(linked, { code: 'c', state: linked.searchParams.get('state')! }));
      expect(await starter.outcomeOf(linked)).to.deep.equal({ result: 'linked' });

      const refused = await startFakeServer(() => ({ status: 401, json: { error: 'invalid_client' } }));
      try {
        const failing = new AccountLinker({ config: linkingConfigFor(refused.url), store: new FileTokenStore(path) });
        const url = await starter.beginAuthorization();
        const redirect = redirectFor(url, { code: 'code-not-to-keep', state: url.searchParams.get('state')! });
        expect(await failing.completeAuthorization(redirect).catch((e: unknown) => e)).to.be.instanceOf(LinkingError);
        expect(await starter.outcomeOf(url)).to.deep.equal({ result: 'failed', reason: 'token_request_failed', status: 401, oauthError: 'invalid_client' });
        expect(await starter.isPending(url)).to.equal(false);
        // A settled state stays used up: replaying the redirect is refused, and does not overwrite the outcome.
        const replay = await receiver.completeAuthorization(redirect).catch((e: unknown) => e);
        expect(replay).to.be.instanceOf(LinkingError).with.property('code', 'state_mismatch');
        expect(await starter.outcomeOf(url)).to.have.property('reason', 'token_request_failed');
        expect(await readFile(pendingStatesPathFor(path), 'utf8')).to.not.include('code-not-to-keep');
      } finally {
        await refused.close();
      }
    });

    it('refuses a redirect more than 15 minutes after the authorization started, and forgets stale states', async () => {
      const clock = manualClock();
      const store = new FileTokenStore(join(dir, 'stale', 'alexa-link.json'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: clock.now });
      const old = await linker.beginAuthorization();
      clock.advance(15 * 60 + 1);
      const late = await linker.completeAuthorization(redirectFor(old, { code: 'c', state: old.searchParams.get('state')! })).catch((e: unknown) => e);
      expect(late).to.be.instanceOf(LinkingError).with.property('code', 'state_mismatch');

      const older = await linker.beginAuthorization();
      clock.advance(15 * 60 + 1);
      await linker.beginAuthorization(); // starting another one forgets the expired one
      expect(await linker.isPending(older)).to.equal(false);
    });
  });

  describe('browser linking while another process owns the callback port', () => {
    const approve = async (authorizationUrl: URL) => {
      const redirect = redirectFor(authorizationUrl, { code: 'browser-code', state: authorizationUrl.searchParams.get('state')! });
      await (await fetch(redirect)).text();
    };

    function simulatorOn(port: number, store: TokenStore, tokenUrl = tokenServer.url): AlexaSimulator {
      const failingLogin: HeadlessLogin = async () => {
        throw new Error('not used');
      };
      return new AlexaSimulator({
        skillEndpoint: skill.url,
        linking: linkingConfigFor(tokenUrl, { redirectUri: `http://127.0.0.1:${port}/link/callback` }),
        tokenStore: store,
        sign: () => ({}),
        skillId: 'amzn1.ask.skill.test',
        headlessLogin: failingLogin,
      });
    }

    it('waits for the owner of the port (npm start) to complete the link in the shared store', async () => {
      const store = new MemoryTokenStore(); // one store, as the token file is one for both processes
      let owner: AlexaSimulator | undefined;
      const server = await startCallbackServer({ port: 0, onCallback: (url) => owner!.completeLinking(url) });
      owner = simulatorOn(server.port, store);
      try {
        const waiting = simulatorOn(server.port, store);
        let shown: { mode?: string; callback?: string } = {};
        const outcome = await waiting.linkWithCallback({
          pollIntervalMs: 20,
          showUrl: (url, callbackServer, mode) => {
            shown = { mode, callback: callbackServer.origin };
            void approve(url);
          },
        });
        expect(shown).to.deep.equal({ mode: 'shared-server', callback: server.url.origin });
        expect(outcome.completedElsewhere).to.equal(true);
        expect(outcome.expiresAt).to.equal((await store.load())?.expiresAt);
        // The owner sends the event after storing the link, which the waiting process may see first.
        await skill.received((r) => r.body.includes('AlexaSkillEvent.SkillAccountLinked'));
      } finally {
        await server.close();
      }
    });

    /**
     * npm start receives a redirect that does not link; `npm run link` waits. Counts the waiting side's polls of the
     * outcome from the moment it was recorded: the old wait noticed only after a 6 s grace period (300 polls of 20 ms).
     */
    async function sharedFailure(redirectParams: (state: string) => Record<string, string>, tokenUrl = tokenServer.url) {
      const store = new MemoryTokenStore();
      const pending = store.pendingStates;
      let settledAt: number | undefined;
      let reads = 0;
      const settle = pending.settle.bind(pending);
      pending.settle = async (...args) => {
        await settle(...args);
        settledAt = reads;
      };
      const outcome = pending.outcome.bind(pending);
      pending.outcome = (hash) => {
        reads += 1;
        return outcome(hash);
      };
      let owner: AlexaSimulator | undefined;
      const server = await startCallbackServer({ port: 0, onCallback: (url) => owner!.completeLinking(url) });
      owner = simulatorOn(server.port, store, tokenUrl);
      try {
        let page: Promise<string> | undefined;
        const error = await simulatorOn(server.port, store, tokenUrl)
          .linkWithCallback({
            pollIntervalMs: 20,
            showUrl: (url) => {
              const redirect = redirectFor(url, redirectParams(url.searchParams.get('state')!));
              page = fetch(redirect).then((response) => response.text());
            },
          })
          .catch((e: unknown) => e);
        expect(settledAt, 'the receiver recorded the outcome').to.be.a('number');
        return { error, readsAfterSettled: reads - settledAt!, page: await page!, store };
      } finally {
        await server.close();
      }
    }

    it('says at once, in the end page\'s words, that the user cancelled at the consent page (npm start received it)', async () => {
      const { error, readsAfterSettled, page, store } = await sharedFailure((state) => ({ error: 'access_denied', state }));
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'access_denied');
      expect((error as Error).message).to.equal('You chose not to allow access, so nothing was linked. To link later, open the skill in the Alexa app again.');
      expect(page).to.include('data-outcome="cancelled"');
      expect(readsAfterSettled, 'polls after the outcome was recorded').to.be.at.most(2);
      expect(await store.load()).to.equal(undefined);
    });

    it('names why the code exchange failed (the token endpoint\'s status and OAuth error), never the code', async () => {
      const refusing = await startFakeServer(() => ({ status: 400, json: { error: 'invalid_grant', error_description: 'code already used' } }));
      try {
        const { error, readsAfterSettled } = await sharedFailure((state) => ({ code: 'the-secret-code', state }), refusing.url);
        expect(error).to.be.instanceOf(LinkingError).with.property('code', 'token_request_failed');
        expect((error as Error).message).to.equal(
          'Your account was not linked: the sign-in worked, but the token exchange was refused. (the token endpoint answered 400 (invalid_grant)) Try linking again from the Alexa app.',
        );
        expect((error as Error).message).to.not.include('the-secret-code');
        expect(readsAfterSettled).to.be.at.most(2);
      } finally {
        await refusing.close();
      }
    });

    it('gives up after the timeout, and on Ctrl-C (the abort signal)', async () => {
      const server = await startCallbackServer({ port: 0, onCallback: async () => undefined });
      try {
        const waiting = simulatorOn(server.port, new MemoryTokenStore());
        const timedOut = await waiting.linkWithCallback({ sharedCallbackTimeoutMs: 100, pollIntervalMs: 20, showUrl: () => {} }).catch((e: unknown) => e);
        expect(timedOut).to.be.instanceOf(Error).with.property('message').that.matches(/gave up waiting/);

        const abort = new AbortController();
        const cancelled = waiting.linkWithCallback({ signal: abort.signal, pollIntervalMs: 20, showUrl: () => abort.abort(new Error('linking cancelled')) }); // Ctrl-C once the URL is shown
        expect(await cancelled.catch((e: unknown) => e)).to.be.instanceOf(Error).with.property('message', 'linking cancelled');
      } finally {
        await server.close();
      }
    });

    it('refuses to wait when the port belongs to another program', async () => {
      const other = createServer((_req, res) => res.writeHead(404).end());
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const { port } = other.address() as AddressInfo;
      try {
        let shown = false;
        const error = await simulatorOn(port, new MemoryTokenStore())
          .linkWithCallback({ showUrl: () => (shown = true) })
          .catch((e: unknown) => e);
        expect(error).to.be.instanceOf(Error).with.property('message').that.includes(`port ${port} is in use by another program`);
        expect(shown).to.equal(false);
      } finally {
        await new Promise<void>((resolve) => other.close(() => resolve()));
      }
    });

    it('identifies itself on /healthz', async () => {
      const server = await startCallbackServer({ port: 0, onCallback: async () => undefined });
      try {
        const health = await fetch(new URL('/healthz', server.url));
        expect(await health.json()).to.deep.equal({ status: 'ok', service: 'alexa-simulator' });
      } finally {
        await server.close();
      }
    });
  });

  describe('finding the stack npm start runs', () => {
    it('takes the ports and the data directory npm start was given', async () => {
      const config = await loadSimulatorConfig({ PORT: '4000', AUTH_PORT: '4001', SIMULATOR_PORT: '4003', LOCAL_DATA_DIR: '/tmp/stack-data' });
      expect(config.skillEndpoint.href).to.equal('http://127.0.0.1:4000/');
      expect(config.linking.authorizationUrl.href).to.equal('http://127.0.0.1:4001/auth');
      expect(config.linking.accessTokenUrl.href).to.equal('http://127.0.0.1:4001/token');
      expect(config.linking.redirectUri).to.equal('http://127.0.0.1:4003/link/callback');
      expect(config.tokenFile).to.equal('/tmp/stack-data/alexa-link.json');
      expect(config.signingDir).to.equal('/tmp/stack-data/alexa-ca');
    });
  });
});

describe('pending states file: the outcome vocabulary', () => {
  it('reads back every failure reason the linker can record (one list of codes, no second copy to fall behind)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pending-vocabulary-'));
    try {
      const states = new FilePendingStates(join(dir, 'pending.json'));
      const reasons = [...LINKING_ERROR_CODES.filter((code) => code !== 'access_denied'), 'unexpected'] as const;
      for (const [i, reason] of reasons.entries()) {
        await states.add(`hash-${i}`, { issuedAt: Date.now() }, 0);
        const taken = (await states.take(`hash-${i}`))!;
        await states.settle(`hash-${i}`, taken, { result: 'failed', reason });
      }
      // Read by another instance: only what the file holds.
      const reader = new FilePendingStates(join(dir, 'pending.json'));
      for (const [i, reason] of reasons.entries()) expect(await reader.outcome(`hash-${i}`), reason).to.deep.equal({ result: 'failed', reason });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
