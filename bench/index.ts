/**
 * `npm run bench [-- section…]`: every figure is printed next to a baseline measured in the same run, as a ratio.
 * Sections: skill (issue 2), auth (token endpoint and link journey), load (the self-hosted endpoint under autocannon),
 * chain (the signing-chain validator per first-seen chain and per cached request, against the one it replaced),
 * bridge (the account-linking bridge's token endpoint against its upstream called directly; on DynamoDB, one and two
 * instances, against the SQLite-backed bridge; with and without its rate limits), bridge-memory (the bridge's memory
 * under a 100 MB upstream answer, against itself just before), deploy (npm run deploy --
 * --local against the local Alexa cloud, cold vs warm invocation of the function), bridge-lambda (the bridge deployed
 * as its stack to the local cloud: cold start against a hello-world function, a refresh's added latency on SQLite and
 * DynamoDB at one connection).
 */
import { benchAuth } from './auth.js';
import { benchBridge } from './bridge.js';
import { benchBridgeLambda } from './bridge-lambda.js';
import { benchBridgeMemory } from './bridge-memory.js';
import { benchChain } from './chain.js';
import { benchDeploy } from './deploy.js';
import { benchLoad } from './load.js';
import { benchSkill } from './skill.js';

const SECTIONS: Record<string, () => Promise<string>> = {
  skill: benchSkill,
  auth: benchAuth,
  load: benchLoad,
  chain: benchChain,
  bridge: benchBridge,
  'bridge-memory': benchBridgeMemory,
  'bridge-lambda': benchBridgeLambda,
  deploy: benchDeploy,
};

const HELP = `npm run bench — every figure next to a baseline measured in the same run, as a ratio

Usage: npm run bench [-- section ...]   (no section: all of them, several minutes on 2 cores)

Sections: ${Object.keys(SECTIONS).join(', ')}
  e.g. npm run bench -- skill bridge`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const unknown = args.filter((a) => !(a in SECTIONS));
if (unknown.length > 0) {
  console.error(`npm run bench: unknown section ${unknown.join(', ')} (sections: ${Object.keys(SECTIONS).join(', ')}; see --help)`);
  process.exit(2);
}
const chosen = args;
for (const name of chosen.length ? chosen : Object.keys(SECTIONS)) {
  const started = performance.now();
  console.log(`\n${await SECTIONS[name]!()}\n(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
