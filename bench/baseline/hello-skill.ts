/** The baseline: a hello-world ASK SDK skill, bundled exactly like ours, so ratios compare like with like. */
import { getRequestType, SkillBuilders } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';

const skill = SkillBuilders.custom()
  .addRequestHandlers({
    canHandle: (input) => getRequestType(input.requestEnvelope) === 'LaunchRequest',
    handle: (input) => input.responseBuilder.speak('Hello world.').getResponse(),
  })
  .create();

export const handler = (event: RequestEnvelope) => skill.invoke(event);
