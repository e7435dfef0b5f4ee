/**
 * From deploy to a linked dialog, offline: the local stack (ephemeral ports), the bridge deployed to its cloud with
 * `npm run deploy -- --bridge --local`'s settings (a CloudFormation stack; the function really runs under
 * aws-lambda-ric behind its Function URL, in front of the stack's authorization server), Alexa linking through it
 * with the code grant and then the implicit grant, and the skill answering for Ann.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDeployedBridgeUrl } from '../../local/alexa/deployed-bridge.js';
import { FileTokenStore, MemoryTokenStore } from '../../local/alexa/token-store.js';
import { DEMO } from '../../local/demo.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { bundleBridge } from '../../scripts/bundle.js';
import { deployBridge, type BridgeDeployResult } from '../../scripts/deploy/bridge.js';
import { localBridgeDeployment } from '../../scripts/deploy/bridge-local.js';

const ANN = { email: DEMO.user.email, password: DEMO.user.password };

describe('e2e: link through the bridge deployed to the local cloud', function () {
  this.timeout(120_000);
  let dir: string;
  let stack: LocalStack;
  let deployed: BridgeDeployResult;
  const logLines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e2e-deployed-bridge-'));
    stack = await startLocalStack({ signingDir: join(dir, 'alexa-ca'), log: (line) => logLines.push(line) });
    const port = (url: string) => new URL(url).port;
    const settings = localBridgeDeployment({ AUTH_PORT: port(stack.urls.auth), SIMULATOR_PORT: port(stack.urls.simulator), ALEXA_CLOUD_PORT: port(stack.urls.cloud), LOG_LEVEL: 'warn' });
    const bundleDir = join(dir, 'bridge');
    await bundleBridge(bundleDir);
    deployed = await deployBridge({ ...settings, bundleDir, pollMs: 10 });
  });
  after(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the deploy reports the Function URL that the cloud\'s stack holds (what npm run link -- --via deployed-bridge finds)', async () => {
    expect(deployed.stack).to.equal('created');
    expect(await findDeployedBridgeUrl(stack.urls.cloud)).to.equal(deployed.functionUrl);
  });

  it('code grant: Alexa links through the deployed bridge, the skill greets Ann, a refresh goes through the bridge', async () => {
    // The file store npm run link and npm run dialog share: the route must survive it.
    const store = new FileTokenStore(join(dir, 'alexa-link.json'));
    const alexa = stack.createSimulator({ tokenStore: store, via: 'deployed-bridge', deployedBridgeUrl: deployed.functionUrl });
    expect(alexa.linker.config.authorizationUrl.href).to.equal(`${deployed.functionUrl}authorize`);
    const outcome = await alexa.link(ANN);
    expect(outcome.event).to.deep.equal({ delivered: true });
    const link = await store.load();
    expect(link).to.deep.include({ route: 'deployed-bridge', grant: 'AUTH_CODE' });
    expect(link?.refreshToken).to.match(/^brt_/); // the bridge's own refresh token: the deployed bridge issued it
    expect((await alexa.launch()).speech).to.include('Ann Example');
    expect((await alexa.say('who am i')).speech).to.include(DEMO.user.email);

    // A refresh, by another simulator that never saw the deployed bridge's URL: it finds it in the cloud.
    await store.save({ ...link!, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const later = stack.createSimulator({ tokenStore: store });
    expect((await later.say('who am i')).speech).to.include(DEMO.user.email);
    const refreshed = await store.load();
    expect(refreshed?.accessToken).not.to.equal(link?.accessToken);
    expect(refreshed?.refreshToken).to.equal(link?.refreshToken);
  });

  it('implicit grant through the deployed bridge: the token arrives in the fragment, the skill answers for Ann', async () => {
    const store = new MemoryTokenStore();
    const alexa = stack.createSimulator({ tokenStore: store, via: 'deployed-bridge', grant: 'IMPLICIT', deployedBridgeUrl: deployed.functionUrl });
    await alexa.link(ANN);
    const link = await store.load();
    expect(link).to.deep.include({ route: 'deployed-bridge', grant: 'IMPLICIT' });
    expect(link?.refreshToken).to.equal(undefined);
    expect((await alexa.launch()).speech).to.include('Ann Example');
  });
});
