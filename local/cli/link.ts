/**
 * `npm run link`: links the simulator's Alexa user to a Ride Hailer account, as the Alexa app would, and breaks the
 * link the ways real users meet (`--expire`, `--revoke`). `npm run link -- --help` lists every option.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../../common/env.js';
import { loadSimulatorConfig, type LinkChoice } from '../alexa/config.js';
import { deployedBridgeUrl } from '../alexa/deployed-bridge.js';
import type { LinkState, LinkVariant } from '../alexa/link-api.js';
import { StoppedWaiting } from '../alexa/link-client.js';
import { LinkingError } from '../alexa/linking.js';
import { renderError, renderLinkOutcome } from '../alexa/render.js';
import { ensureStackRunning } from '../alexa/stack-check.js';
import { linkInBrowser, stackLinkFor } from '../alexa/wiring.js';

const LINK_HELP = `npm run link — link the simulator's Alexa user to a Ride Hailer account, as the Alexa app does

Usage: npm run link [-- options]      (npm start must be running in another terminal: its simulator owns the link)

  (no option)                 print the authorization URL; open it, sign in, allow — npm start completes the link
                                npm run link
  --user EMAIL --password PW  link headlessly through the real login form
                                npm run link -- --user ann@example.com --password ride-hailer-demo
  --via bridge|direct|deployed-bridge
                              link through the account-linking bridge (default direct); deployed-bridge = the
                              bridge deployed to the local Alexa cloud (npm run deploy -- --bridge --local)
                                npm run link -- --via bridge
  --grant code|implicit       the implicit grant (token in the redirect's fragment, through the bridge, no refresh)
                                npm run link -- --grant implicit
  --scope basic_profile       grant only basic_profile: ordering then answers "permission missing"
                                npm run link -- --scope basic_profile --user ann@example.com --password ride-hailer-demo
  --status                    say whether and how the account is linked, and when the access token expires
                                npm run link -- --status
  --expire                    mark the access token expired: the next request refreshes it (npm run dialog shows it);
                                an implicit link cannot be refreshed, so the next request asks to link again
                                npm run link -- --expire
  --revoke                    revoke the refresh token at the authorization server: the next refresh is refused,
                              the link is dropped and the skill sends a new LinkAccount card
                                npm run link -- --revoke
  --unlink                    forget the link: the skill gets no access token
                                npm run link -- --unlink
  --help                      this text

Other ports: the same variables as npm start (PORT, AUTH_PORT, SIMULATOR_PORT, BRIDGE_PORT, LOCAL_DATA_DIR; ALEXA_CLOUD_PORT
with --via deployed-bridge).`;

/** `--via` and `--grant` as the simulator's route and accountLinking.json's grant type. */
function linkChoice(via: string | undefined, grant: string | undefined): LinkChoice {
  const choice: LinkChoice = {};
  if (via !== undefined) {
    if (via !== 'bridge' && via !== 'direct' && via !== 'deployed-bridge') throw new ConfigError('--via', `"${via}" must be bridge, direct or deployed-bridge`);
    choice.route = via;
  }
  if (grant !== undefined) {
    if (grant !== 'code' && grant !== 'implicit') throw new ConfigError('--grant', `"${grant}" must be code or implicit`);
    choice.grant = grant === 'implicit' ? 'IMPLICIT' : 'AUTH_CODE';
  }
  return choice;
}

function scopesOf(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const scopes = scope.split(/[\s,]+/u).filter(Boolean);
  const known = ['basic_profile', 'order_car'];
  const unknown = scopes.filter((name) => !known.includes(name));
  if (scopes.length === 0 || unknown.length > 0) throw new ConfigError('--scope', `"${scope}" must name scopes of ${known.join(', ')}`);
  return scopes;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      password: { type: 'string' },
      unlink: { type: 'boolean', default: false },
      status: { type: 'boolean', default: false },
      expire: { type: 'boolean', default: false },
      revoke: { type: 'boolean', default: false },
      scope: { type: 'string' },
      via: { type: 'string' },
      grant: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(LINK_HELP);
    return 0;
  }
  const scopes = scopesOf(values.scope);
  const choice = linkChoice(values.via, values.grant);
  const config = await loadSimulatorConfig(process.env, undefined, choice);
  if ((values.user === undefined) !== (values.password === undefined)) {
    console.error('Give both --user and --password, or neither to link in a browser.');
    return 2;
  }

  // npm start's simulator owns the link: every option asks it.
  await ensureStackRunning(config);
  const link = stackLinkFor(config);
  if (values.unlink) {
    // Said as it is: "unlinked" when nothing was linked would suggest a link had been there.
    const wasLinked = (await link.state()).linked;
    await link.unlink();
    console.log(wasLinked ? 'Account unlinked; the skill will get no access token.' : 'No account is linked: nothing to unlink.');
    return 0;
  }
  if (values.status) {
    console.log(describeLink(await link.state()));
    return 0;
  }
  if (values.expire) {
    const { expired, link: state } = await link.expire();
    if (!expired) {
      console.error('Not linked: nothing to expire. Link first with npm run link.');
      return 1;
    }
    if (!state.refreshable) {
      console.log('The access token is now expired. This is an implicit link: it has no refresh token, so the next request goes without a token and the skill answers with the LinkAccount card (link again with npm run link -- --grant implicit).');
    } else {
      console.log('The access token is now expired; the next request refreshes it (npm run dialog prints a line when it does).');
    }
    return 0;
  }
  if (values.revoke) {
    try {
      await link.revoke();
    } catch (error) {
      // What the owner cannot revoke (no link, an implicit link, a bridge's token) is refused, nothing has failed:
      // "Linking failed" would be untrue here.
      if (error instanceof LinkingError && error.code === 'authorization_error') {
        console.error(`Nothing revoked: ${error.message}.`);
        return 1;
      }
      throw error;
    }
    console.log('Revoked the refresh token at the authorization server. The next request tries to refresh, is refused, and the link is dropped: the skill then answers with a LinkAccount card.');
    return 0;
  }

  const variant = await linkVariant(choice);
  if (values.user !== undefined && values.password !== undefined) {
    const { outcome } = await link.linkHeadlessly({ email: values.user, password: values.password }, variant, scopes);
    console.log(renderLinkOutcome(outcome));
    return 0;
  }

  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort(new Error('linking cancelled')));
  try {
    console.log(await linkInBrowser(link, config, { signal: abort.signal, variant, ...(scopes ? { scopes } : {}) }));
  } catch (error) {
    if (!(error instanceof StoppedWaiting)) throw error;
    console.error(renderError(error));
    return 130; // as a shell reports a command ended by Ctrl-C
  }
  return 0;
}

/** The route and grant for npm start's simulator; the deployed bridge's URL looked up here, where its errors are clear. */
async function linkVariant(choice: LinkChoice): Promise<LinkVariant> {
  const variant: LinkVariant = {};
  if (choice.route !== undefined) variant.via = choice.route;
  if (choice.grant !== undefined) variant.grant = choice.grant;
  if (choice.route === 'deployed-bridge') variant.deployedBridgeUrl = await deployedBridgeUrl(process.env);
  return variant;
}

function describeLink(link: LinkState): string {
  if (!link.linked) return 'Not linked.';
  const how = `${link.grant === 'implicit' ? 'implicit grant' : 'code grant'}${link.route === 'bridge' ? ', through the bridge' : link.route === 'deployed-bridge' ? ', through the deployed bridge' : ''}`;
  const refresh = link.refreshable ? ' (refreshable)' : ' (no refresh token: link again when it expires)';
  const scope = link.scopes.length > 0 ? ` with scope "${link.scopes.join(' ')}"` : '';
  return `Linked (${how})${scope}; the access token expires at ${link.expiresAt}${refresh}.`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(renderError(error));
    process.exit(1);
  },
);
