/**
 * The seams inside the local Alexa cloud (local/alexa-cloud/): the control plane (SMAPI, LWA, IAM, the Lambda API)
 * keeps state and validates; the function runner runs deployed code as Lambda would; the simulations route turns
 * utterances into requests to the deployed function. Each side is built and tested against these types.
 */

/** A Lambda function as the control plane holds it (the fields CreateFunction/GetFunction deal in). */
export interface FunctionDefinition {
  name: string;
  arn: string;
  runtime: string;
  /** `file.export`, e.g. `index.handler` (Lambda's Node.js runtime resolves index.mjs / index.js / index.cjs). */
  handler: string;
  role: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  environment: Readonly<Record<string, string>>;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  codeSha256: string;
  revisionId: string;
}

/** Why a zip or configuration cannot run; the control plane answers InvalidParameterValueException with `message`. */
export class FunctionCodeError extends Error {
  override name = 'FunctionCodeError';
}

export type InvocationResult =
  | { ok: true; payload: unknown; durationMs: number }
  /** The handler threw or rejected, or the process died or timed out (errorType `Sandbox.Timedout` then). */
  | { ok: false; errorType: string; errorMessage: string; durationMs: number };

export interface FunctionRunner {
  /**
   * Unpacks `zip` for `fn` and checks it can run (handler file present, runtime supported) — throws
   * FunctionCodeError otherwise, and the previously deployed code of that function keeps serving.
   * Replaces the running code of an existing function once the new code is ready.
   */
  deploy(fn: FunctionDefinition, zip: Uint8Array): Promise<void>;
  /** Applies a configuration change (environment, timeout, memory, handler) to a deployed function. */
  configure(fn: FunctionDefinition): Promise<void>;
  /** Invokes the function by name or ARN with a JSON event, in its own Node 24 process, as Lambda would. */
  invoke(functionNameOrArn: string, event: unknown): Promise<InvocationResult>;
  /**
   * What Lambda adds for the function's AWS SDK: the execution role's credentials (AWS_ACCESS_KEY_ID, …) and, in
   * the local cloud, AWS_ENDPOINT_URL pointing at the cloud itself — so a function calls the cloud's DynamoDB and
   * Secrets Manager the way a function on AWS calls AWS. Applies to environments started afterwards.
   */
  setAwsEnvironment?(variables: Readonly<Record<string, string>>): void;
  close(): Promise<void>;
}

/** What the simulations route needs to know about a skill the control plane holds. */
export interface SkillView {
  skillId: string;
  stage: 'development' | 'live';
  /** The manifest as last accepted (the `manifest` object, not the `{manifest}` envelope). */
  manifest: Record<string, unknown>;
  /** Interaction models by locale, as imported (`{interactionModel: {languageModel: …}}`). */
  interactionModels: Readonly<Record<string, unknown>>;
  enabled: boolean;
}

export interface SkillDirectory {
  get(skillId: string, stage: string): SkillView | undefined;
}
