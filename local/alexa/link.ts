/**
 * `npm run link`: links the simulator's Alexa user to a Ride Hailer account, as the Alexa app would.
 *   npm run link                                   prints the URL to open; completes on the callback (its own, or
 *                                                  npm start's when that runs: then it waits for npm start to finish)
 *   npm run link -- --user <email> --password <pw>  completes headlessly through the real login form (no callback)
 *   npm run link -- --via bridge                   links through the bridge (bridge/, npm start's port 3004)
 *   npm run link -- --grant implicit               the implicit grant (token in the redirect's fragment; always
 *                                                  through the bridge, no refresh token)
 *   npm run link -- --status | --unlink
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../../lambda/config.js';
import type { LinkChoice } from './config.js';
import { renderError, renderLinkOutcome } from './render.js';
import { linkInBrowser, simulatorFromEnvironment } from './wiring.js';

/** `--via` and `--grant` as the simulator's route and accountLinking.json's grant type. */
function linkChoice(via: string | undefined, grant: string | undefined): LinkChoice {
  const choice: LinkChoice = {};
  if (via !== undefined) {
    if (via !== 'bridge' && via !== 'direct') throw new ConfigError('--via', `"${via}" must be bridge or direct`);
    choice.route = via;
  }
  if (grant !== undefined) {
    if (grant !== 'code' && grant !== 'implicit') throw new ConfigError('--grant', `"${grant}" must be code or implicit`);
    choice.grant = grant === 'implicit' ? 'IMPLICIT' : 'AUTH_CODE';
  }
  return choice;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      password: { type: 'string' },
      unlink: { type: 'boolean', default: false },
      status: { type: 'boolean', default: false },
      via: { type: 'string' },
      grant: { type: 'string' },
    },
  });
  const { simulator, config } = await simulatorFromEnvironment({ choice: linkChoice(values.via, values.grant) });

  if (values.unlink) {
    await simulator.unlink();
    console.log('Account unlinked; the skill will get no access token.');
    return 0;
  }
  if (values.status) {
    const link = await simulator.linker.linked();
    if (!link) {
      console.log('Not linked.');
    } else {
      const how = `${link.grant === 'IMPLICIT' ? 'implicit grant' : 'code grant'}${link.route === 'bridge' ? ', through the bridge' : ''}`;
      const refresh = link.refreshToken ? ' (refreshable)' : ' (no refresh token: link again when it expires)';
      console.log(`Linked (${how}); the access token expires at ${link.expiresAt}${refresh}.`);
    }
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
