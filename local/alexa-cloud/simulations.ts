/**
 * SMAPI's skill simulation, the API behind `ask dialog`:
 *
 *   POST /v2/skills/{skillId}/stages/{stage}/simulations  {input:{content}, device:{locale}, session:{mode}?}
 *        → 200 {id, status: IN_PROGRESS}
 *   GET  /v2/skills/{skillId}/stages/{stage}/simulations/{simulationId}
 *        → {id, status: SUCCESSFUL | FAILED | IN_PROGRESS, result}
 *
 * Each utterance is understood with the project's NLU over the DEPLOYED interaction model (what SMAPI holds, not
 * skill-package/), turned into the envelope Alexa would send (with the linked account's token, in the session kept
 * across turns until the skill ends it or the caller forces a new one), and delivered to the function named by the
 * deployed manifest's `apis.custom.endpoint.uri`. The result carries what `ask dialog` reads:
 * `alexaExecutionInfo.alexaResponses[].content.caption` and `skillExecutionInfo.invocations[]` (it ends the dialog
 * when an invocation's response says shouldEndSession).
 *
 * The router does not authenticate: the cloud mounts it behind its SMAPI access-token check.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type Response } from 'express';
import type { Intent } from 'ask-sdk-model';
import { DialogSession, type Turn } from '../alexa/dialog-session.js';
import { simulatorIdentity } from '../alexa/envelopes.js';
import type { InteractionModel, Locale } from '../alexa/interaction-model.js';
import { createNlu } from '../alexa/nlu.js';
import { SkillRequestError } from '../alexa/skill-client.js';
import type { FunctionRunner, SkillDirectory, SkillView } from './contracts.js';
import { noteCall } from './log.js';
import { sendToFunction, type FunctionInvocationRecord } from './runtime/send-to-function.js';

export interface SimulationsOptions {
  skills: SkillDirectory;
  runner: FunctionRunner;
  /**
   * The function's resource policy, checked on every invocation as Lambda does (RouteDeps.alexaTriggerProblem): a
   * skill whose manifest names a function whose Alexa trigger (EventSourceToken) is for another skill is refused,
   * and the function never sees the request — on Lambda that permission is the only skill check when the function
   * leaves ALEXA_SKILL_ID unset.
   */
  alexaTriggerProblem: (functionArn: string, skillId: string) => string | undefined;
  /**
   * The simulated user's linked access token, refreshed when due, or undefined when not linked. See
   * linked-account.ts: the simulator's token store, so a user who ran `npm run link` is linked here too.
   */
  accessToken?: () => Promise<string | undefined>;
  now?: () => Date;
  /** How long a GET waits for a running simulation before answering IN_PROGRESS; `ask dialog` re-polls after 2 s. */
  pollWaitMs?: number;
}

/** What Alexa says when the skill fails to answer; `ask dialog` prints it like any other caption. */
export const SKILL_PROBLEM_CAPTION = "There was a problem with the requested skill's response";

const MAX_KEPT_SIMULATIONS = 200;

interface SkillInvocation {
  invocationRequest: { endpoint: string; body: unknown };
  invocationResponse: { body: unknown } | null;
  metrics: { skillExecutionTimeInMilliseconds: number };
}

export interface SimulationResult {
  alexaExecutionInfo?: {
    alexaResponses: Array<{ type: 'Speech'; content: { caption: string } }>;
    consideredIntents: Intent[];
  };
  skillExecutionInfo?: { invocations: SkillInvocation[] };
  error?: { message: string };
}

export interface SimulationRecord {
  id: string;
  status: 'IN_PROGRESS' | 'SUCCESSFUL' | 'FAILED';
  result?: SimulationResult;
}

interface OpenSession {
  locale: string;
  dialog: DialogSession;
  /** Collects the invocations of the turn being simulated. */
  turn: SkillInvocation[];
}

class SimulationFailed extends Error {}

export function createSimulationsRouter(options: SimulationsOptions): Router {
  const router = Router();
  const now = options.now ?? (() => new Date());
  const pollWaitMs = options.pollWaitMs ?? 9000;
  const simulations = new Map<string, { record: SimulationRecord; skillKey: string; done: Promise<void> }>();
  const sessions = new Map<string, OpenSession>();
  /** Turns of one skill run one after another, as a conversation does. */
  const queues = new Map<string, Promise<unknown>>();

  router.use('/v2/skills', express.json({ limit: '1mb' }));

  router.post('/v2/skills/:skillId/stages/:stage/simulations', (req, res) => {
    const { skillId, stage } = req.params;
    noteCall(res, { api: 'smapi', operation: 'simulateSkill', skillId, stage });
    const view = options.skills.get(skillId, stage);
    if (!view) return refuse(res, 404, `Skill with id ${skillId} not found.`);
    const body = (req.body ?? {}) as { input?: { content?: unknown }; device?: { locale?: unknown }; session?: { mode?: unknown } };
    const content = body.input?.content;
    const locale = body.device?.locale;
    const violations: Array<{ code: string; message: string }> = [];
    if (typeof content !== 'string' || content.trim() === '') violations.push({ code: 'MISSING_PARAMETER', message: 'input.content is required.' });
    if (typeof locale !== 'string') violations.push({ code: 'MISSING_PARAMETER', message: 'device.locale is required.' });
    const mode = body.session?.mode;
    if (mode !== undefined && mode !== 'DEFAULT' && mode !== 'FORCE_NEW_SESSION') {
      violations.push({ code: 'INVALID_ENUM_VALUE', message: 'session.mode must be DEFAULT or FORCE_NEW_SESSION.' });
    }
    if (violations.length > 0) return res.status(400).json({ message: 'Request is not valid.', violations });

    const id = randomUUID();
    const skillKey = `${skillId}/${stage}`;
    const record: SimulationRecord = { id, status: 'IN_PROGRESS' };
    const run = () => simulate(view, content as string, locale as string, mode === 'FORCE_NEW_SESSION');
    const done = (queues.get(skillKey) ?? Promise.resolve()).then(run).then(
      (result) => Object.assign(record, { status: result.error && !result.skillExecutionInfo ? 'FAILED' : 'SUCCESSFUL', result }),
      (error: unknown) => Object.assign(record, { status: 'FAILED', result: { error: { message: (error as Error).message } } }),
    );
    const settled = done.then(() => undefined);
    queues.set(skillKey, settled);
    simulations.set(id, { record, skillKey, done: settled });
    for (const old of simulations.keys()) {
      if (simulations.size <= MAX_KEPT_SIMULATIONS) break;
      simulations.delete(old);
    }
    res.status(200).json({ id, status: 'IN_PROGRESS' });
  });

  router.get('/v2/skills/:skillId/stages/:stage/simulations/:simulationId', async (req, res) => {
    const { skillId, stage, simulationId } = req.params;
    noteCall(res, { api: 'smapi', operation: 'getSimulation', skillId, stage });
    const entry = simulations.get(simulationId);
    if (!entry || entry.skillKey !== `${skillId}/${stage}`) return refuse(res, 404, `Simulation with id ${simulationId} not found.`);
    // A short long-poll: most turns finish within it, so `ask dialog` needs no 2-second retry.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.done, new Promise((resolve) => (timer = setTimeout(resolve, pollWaitMs)))]);
    clearTimeout(timer);
    res.status(200).json(entry.record);
  });

  /** One turn: checks the deployed skill, continues or opens the session, invokes the function, reports. */
  async function simulate(view: SkillView, utterance: string, locale: string, forceNewSession: boolean): Promise<SimulationResult> {
    let target: { model: InteractionModel; endpoint: string };
    try {
      target = deployedTarget(view, locale);
    } catch (error) {
      if (error instanceof SimulationFailed) return { error: { message: error.message } };
      throw error;
    }
    const key = `${view.skillId}/${view.stage}`;
    let session = sessions.get(key);
    if (forceNewSession || !session || session.locale !== locale) {
      session = openSession(view, locale, target);
      sessions.set(key, session);
    }
    session.turn = [];
    let turn: Turn | undefined;
    let failure: string | undefined;
    try {
      turn = await session.dialog.say(utterance);
    } catch (error) {
      failure = (error as Error).message;
    }
    const invocations = session.turn;
    const intent = turn?.intent;
    const result: SimulationResult = {
      alexaExecutionInfo: {
        alexaResponses: captions(turn, failure),
        consideredIntents: intent ? [intent] : [],
      },
      skillExecutionInfo: { invocations },
    };
    if (failure !== undefined) result.error = { message: `Skill execution returned an error: ${failure}` };
    return result;
  }

  function openSession(view: SkillView, locale: string, target: { model: InteractionModel; endpoint: string }): OpenSession {
    const collector = { turn: [] as SkillInvocation[] };
    const invoke = sendToFunction(options.runner, target.endpoint, { onInvocation: (record) => collector.turn.push(reported(record)) });
    const dialog = new DialogSession({
      nlu: createNlu(target.model, { locale: locale as Locale, skillId: view.skillId }),
      send: async (envelope) => {
        const refused = options.alexaTriggerProblem(target.endpoint, view.skillId);
        if (refused === undefined) return invoke(envelope);
        collector.turn.push({ invocationRequest: { endpoint: target.endpoint, body: envelope }, invocationResponse: null, metrics: { skillExecutionTimeInMilliseconds: 0 } });
        throw new SkillRequestError('refused', `Lambda refused the invocation (AccessDeniedException): ${refused}`);
      },
      identity: simulatorIdentity(view.skillId, locale as Locale),
      locale: locale as Locale,
      accessToken: options.accessToken ?? (async () => undefined),
      now,
    });
    return Object.assign(collector, { locale, dialog });
  }

  return router;
}

/** The deployed model and function for `locale`, or why this skill cannot be simulated there (ask dialog prints it). */
function deployedTarget(view: SkillView, locale: string): { model: InteractionModel; endpoint: string } {
  if (!view.enabled) {
    throw new SimulationFailed(`Skill ${view.skillId} is not enabled for testing on the ${view.stage} stage. Run "ask deploy" (it enables the skill).`);
  }
  const manifest = view.manifest as {
    publishingInformation?: { locales?: Record<string, unknown> };
    apis?: { custom?: { endpoint?: { uri?: unknown } } };
  };
  if (!manifest.publishingInformation?.locales?.[locale]) {
    throw new SimulationFailed(`Locale ${locale} was not found for your skill. Ensure the locale you want to simulate exists in your publishingInformation.`);
  }
  const model = view.interactionModels[locale] as Partial<InteractionModel> | undefined;
  const languageModel = model?.interactionModel?.languageModel;
  if (!languageModel || typeof languageModel.invocationName !== 'string' || !Array.isArray(languageModel.intents)) {
    throw new SimulationFailed(`The skill has no interaction model for locale ${locale}. Deploy interactionModels/custom/${locale}.json.`);
  }
  const endpoint = manifest.apis?.custom?.endpoint?.uri;
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new SimulationFailed('The skill has no endpoint: manifest.apis.custom.endpoint.uri is not set. Run "ask deploy" to deploy the function and set it.');
  }
  if (!endpoint.startsWith('arn:aws:lambda:')) {
    throw new SimulationFailed(`The local Alexa cloud simulates skills hosted in its own Lambda functions only; the endpoint is ${endpoint}.`);
  }
  return { model: model as InteractionModel, endpoint };
}

function reported({ endpoint, request, result }: FunctionInvocationRecord): SkillInvocation {
  return {
    invocationRequest: { endpoint, body: request },
    invocationResponse: result.ok ? { body: result.payload } : null,
    metrics: { skillExecutionTimeInMilliseconds: Math.round(result.durationMs) },
  };
}

function captions(turn: Turn | undefined, failure: string | undefined): Array<{ type: 'Speech'; content: { caption: string } }> {
  if (failure !== undefined) return [{ type: 'Speech', content: { caption: SKILL_PROBLEM_CAPTION } }];
  return turn?.speech ? [{ type: 'Speech', content: { caption: turn.speech } }] : [];
}

function refuse(res: Response, status: number, message: string): void {
  res.status(status).json({ message });
}
