/**
 * `npm run link`: links the simulator's Alexa user to a Ride Hailer account, as the Alexa app would.
 *   npm run link                                   prints the URL to open; completes on the callback (its own, or
 *                                                  npm start's when that runs: then it waits for npm start to finish)
 *   npm run link -- --user <email> --password <pw>  completes headlessly through the real login form (no callback)
 *   npm run link -- --status | --unlink
 */
import { parseArgs } from 'node:util';
import { renderError, renderLinkOutcome } from './render.js';
import { linkInBrowser, simulatorFromEnvironment } from './wiring.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      password: { type: 'string' },
      unlink: { type: 'boolean', default: false },
      status: { type: 'boolean', default: false },
    },
  });
  const { simulator, config } = await simulatorFromEnvironment();

  if (values.unlink) {
    await simulator.unlink();
    console.log('Account unlinked; the skill will get no access token.');
    return 0;
  }
  if (values.status) {
    const link = await simulator.linker.linked();
    console.log(link ? `Linked; the access token expires at ${link.expiresAt}${link.refreshToken ? ' (refreshable)' : ''}.` : 'Not linked.');
    return 0;
  }
  if ((values.user === undefined) !== (values.password === undefined)) {
    console.error('Give both --user and --password, or neither to link in a browser.');
    return 2;
  }

  if (values.user !== undefined && values.password !== undefined) {
    console.log(renderLinkOutcome(await simulator.link({ email: values.user, password: values.password })));
    return 0;
  }

  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort(new Error('linking cancelled')));
  console.log(await linkInBrowser(simulator, config, { signal: abort.signal }));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(renderError(error));
    process.exit(1);
  },
);
