/**
 * `npm run deploy`: everything a deployment of the skill needs, through the project's pinned ASK CLI.
 *
 *   1. `ask deploy` — skill package, IAM role, Lambda function (hooks/build.sh rebuilds and zips the bundle);
 *      once more when the new skill ID had to be recorded in the function's environment (first deploy);
 *   2. `events.endpoint.uri` = the function's ARN, so the subscribed skill events reach it;
 *   3. skill-package/accountLinking.json + the client secret from ALEXA_LINKING_CLIENT_SECRET (never written into
 *      the project) → `ask smapi update-account-linking-info`.
 *
 *   npm run deploy                    Amazon, with the ASK CLI profile `default` (or, when the ASK_/AWS_ variables
 *                                     of ask-cli's CI/CD mode are set, `__ENVIRONMENT_ASK_PROFILE__`)
 *   npm run deploy -- --profile NAME  another ASK CLI profile
 *   npm run deploy -- --local         rehearsal against the local Alexa cloud (ALEXA_CLOUD_PORT, default 3005)
 *   npm run deploy -- --account-linking skill-package-variants/accountLinking.implicit.json
 *                                     another account-linking request (default skill-package/accountLinking.json)
 *   npm run deploy -- --bridge [--local]
 *                                     the account-linking bridge as a CloudFormation stack (scripts/deploy/bridge-command.ts)
 *
 * Exits non-zero, naming the step, as soon as one fails.
 */
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ask, DeployStepError, ENVIRONMENT_PROFILE } from './deploy/ask.js';
import { applyAccountLinking, readAccountLinkingRequest, readDeployState, recordSkillIdForFunction, subscribeEventsAtFunction, type DeployTarget } from './deploy/steps.js';

const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
type Env = Record<string, string | undefined>;

const say = (line: string) => process.stdout.write(`${line}\n`);

const HELP = `npm run deploy — deploy the skill (with its account linking) or the bridge, with the project's pinned ASK CLI

Usage: npm run deploy [-- options]

  (no option)                  to Amazon: ask deploy (skill package, IAM role, Lambda function), skill events at the
                                 function, then accountLinking.json with the client secret from
                                 ALEXA_LINKING_CLIENT_SECRET (never written into the project); ASK CLI profile
                                 \`default\`, or ask-cli's environment profile when its ASK_/AWS_ variables are set
  --profile NAME               another ASK CLI profile
  --local                      rehearse it against npm start's local Alexa cloud (ALEXA_CLOUD_PORT, default 3005);
                                 prints the \`npx ask dialog --replay …\` to run next
  --account-linking FILE       another account-linking request (default skill-package/accountLinking.json), e.g.
                                 skill-package-variants/accountLinking.implicit.json
  --bridge                     the account-linking bridge as one CloudFormation stack on Lambda (AWS_REGION, the
                                 BRIDGE_* variables; docs/bridge.md "Running the bridge on AWS")
  --bridge --local             the same stack in npm start's local cloud (DEMO-ONLY settings)
  --help                       this text

Exits non-zero, naming the step, as soon as one fails.`;

async function main(argv: string[], env: Env): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      local: { type: 'boolean', default: false },
      bridge: { type: 'boolean', default: false },
      profile: { type: 'string' },
      'account-linking': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    say(HELP);
    return;
  }
  // Imported only for --bridge: the skill's deploy also runs in copies of the project that hold no bridge/.
  if (values.bridge) return (await import('./deploy/bridge-command.js')).deployBridgeCommand(PROJECT_ROOT, values.local, env, say);
  // The rehearsal, with the local stack's DEMO-ONLY settings, only for --local: a deploy to Amazon loads nothing from
  // local/ (test/deploy/imports.test.ts).
  const rehearsing = values.local ? await import('./deploy/rehearsal.js') : undefined;
  const accountLinkingFile = resolve(values['account-linking'] ?? join(PROJECT_ROOT, 'skill-package', 'accountLinking.json'));

  // Checked before anything is deployed, so a missing secret never leaves a half-configured skill behind. The
  // implicit grant has no token endpoint, so Alexa never uses a secret there.
  const accountLinking = await readAccountLinkingRequest(accountLinkingFile);
  const secret = env.ALEXA_LINKING_CLIENT_SECRET?.trim() || rehearsing?.REHEARSAL_LINKING_CLIENT_SECRET;
  if (!secret && accountLinking.type !== 'IMPLICIT') {
    throw new DeployStepError(
      'checking the environment',
      'ALEXA_LINKING_CLIENT_SECRET is not set. Export the client secret your authorization server issued to Alexa (it is never stored in the repository), then run again.',
    );
  }

  let target: DeployTarget;
  let url: string | undefined;
  if (rehearsing) {
    await rehearsing.checkCloudRunning(rehearsing.cloudUrl(env));
    const rehearsal = await rehearsing.prepareRehearsal(PROJECT_ROOT, env);
    ({ url } = rehearsal);
    target = rehearsal;
    say(`Rehearsing the deploy against the local Alexa cloud at ${url} (DEMO-ONLY credentials; staging copy in ${rehearsal.stagingDir}).`);
  } else {
    // The secret is for SMAPI only; the CLI and the build hook never need it.
    const { ALEXA_LINKING_CLIENT_SECRET: _secret, ...rest } = env;
    target = { cwd: PROJECT_ROOT, env: rest, profile: values.profile ?? (usesEnvironmentProfile(env) ? ENVIRONMENT_PROFILE : 'default') };
  }

  say(`\n▶ ask deploy (profile ${target.profile})`);
  await ask('ask deploy', ['deploy', '-p', target.profile], { cwd: target.cwd, env: target.env, inherit: true });
  let state = await readDeployState(target);
  if (await recordSkillIdForFunction(target, state.skillId)) {
    say(`\n▶ ask deploy again: ALEXA_SKILL_ID=${state.skillId} recorded in the function's environment (ask-resources.json)`);
    await ask('ask deploy (skill ID)', ['deploy', '-p', target.profile], { cwd: target.cwd, env: target.env, inherit: true });
    state = await readDeployState(target);
  }

  say('\n▶ events.endpoint.uri → the function');
  const events = await subscribeEventsAtFunction(target, state);
  say(events === 'no events' ? '  the manifest subscribes no events; nothing to do' : `  ${events}: ${state.functionArn}`);

  say(`\n▶ account linking (${relative(PROJECT_ROOT, accountLinkingFile)} + ALEXA_LINKING_CLIENT_SECRET)`);
  await applyAccountLinking(target, state, accountLinking, accountLinking.type === 'IMPLICIT' ? undefined : secret);
  say(
    accountLinking.type === 'IMPLICIT'
      ? '  applied (implicit grant: no access-token URI, no client secret)'
      : '  applied; the client secret went to SMAPI through a private temp file (already removed), never into the project',
  );

  say(`\n✔ Deployed skill ${state.skillId} with function ${state.functionArn}`);
  if (rehearsing && url && target.cwd !== PROJECT_ROOT) {
    say('\nNext (`npm start` must run: the function calls its authorization server and Ride Hailer API):');
    say('  npm run link -- --user ann@example.com --password ride-hailer-demo    # DEMO-ONLY login; or `npm run link` for the browser');
    say('  # then talk to the deployed function with the real ASK CLI (DEMO-ONLY credentials of the local cloud):');
    // The deploy is done; a missing replay template only costs the ready-made command.
    const replay = await rehearsing.writeDialogReplay(PROJECT_ROOT, target.cwd, state.skillId, url).catch((error: Error) => error);
    say(replay instanceof Error ? `  (no replay file written: ${replay.message}) npx ask dialog, with the environment of the local cloud` : `  ${replay.command}`);
  }
}

/** ask-cli's CI/CD mode: it uses the environment profile when all of these are set (docs/concepts/CI-CD.md). */
function usesEnvironmentProfile(env: Env): boolean {
  return Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && (env.ASK_ACCESS_TOKEN || env.ASK_REFRESH_TOKEN) && env.ASK_VENDOR_ID);
}

try {
  await main(process.argv.slice(2), process.env);
} catch (error) {
  const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? ' (see --help)' : '';
  const message = error instanceof DeployStepError ? error.message : `deploy failed: ${(error as Error).message}${parseError}`;
  process.stderr.write(`\n✘ ${message}\n`);
  process.exitCode = 1;
}
