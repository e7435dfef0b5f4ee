/** The simulator's programmatic API, for npm start and the end-to-end tests. */
export { AlexaSimulator, type AlexaSimulatorOptions, type HeadlessLogin, type LinkOutcome } from './simulator.js';
export { startCallbackServer, CALLBACK_PATH, type CallbackServer, type CallbackServerOptions } from './callback-server.js';
export { loadSimulatorConfig, linkingConfig, type SimulatorConfig } from './config.js';
export { AccountLinker, LinkingError, type LinkingConfig, type LinkingErrorCode, type AccessTokenScheme } from './linking.js';
export { FileTokenStore, MemoryTokenStore, type StoredLink, type TokenStore } from './token-store.js';
export { createSkillClient, SkillRequestError, type RequestSigner, type SendToSkill } from './skill-client.js';
export { DialogSession, type Turn, type TurnCard } from './dialog-session.js';
export { createNlu, type Nlu, type Understanding } from './nlu.js';
export { loadInteractionModel, SUPPORTED_LOCALES, type Locale, type InteractionModel } from './interaction-model.js';
export { simulatorIdentity, skillEventRequest, type SkillEventType } from './envelopes.js';
export { renderTurn, renderLinkOutcome, renderError } from './render.js';
export { simulatorFromEnvironment } from './wiring.js';
