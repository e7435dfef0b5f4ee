// Minimal ambient typings for the two untyped packages this folder uses (neither ships .d.ts files and
// no @types package is installed). Only the members we call are described.

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AnyObject = Record<string, any>;

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: AnyObject };
    params: AnyObject;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    lastSubmission?: AnyObject;
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    rejectOIDCScope(scope: string): void;
    rejectOIDCClaims(claims: string[]): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    rejectResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface GrantModel {
    new (properties: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
    adapter: Adapter;
  }

  /** AccessToken, RefreshToken, AuthorizationCode: the models stored per grant. */
  export interface GrantBoundModel {
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface SessionInstance {
    accountId?: string;
    destroy(): Promise<void>;
  }

  export interface SessionModel {
    adapter: Adapter;
    findByUid(uid: string): Promise<SessionInstance | undefined>;
  }

  export interface PolicyCheck {
    reason: string;
  }

  export interface PolicyPrompt {
    name: string;
    checks: PolicyCheck[];
  }

  export const interactionPolicy: {
    base(): PolicyPrompt[] & { get(name: string): PolicyPrompt | undefined };
    Check: {
      new (reason: string, description: string, error: string, check: (ctx: any) => boolean | Promise<boolean>): PolicyCheck;
      REQUEST_PROMPT: boolean;
      NO_NEED_TO_PROMPT: boolean;
    };
  };

  export interface Adapter {
    upsert(id: string, payload: AnyObject, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AnyObject | undefined>;
    findByUserCode(userCode: string): Promise<AnyObject | undefined>;
    findByUid(uid: string): Promise<AnyObject | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export class OIDCProviderError extends Error {
    constructor(status: number, message: string);
    error: string;
    error_description?: string;
    status: number;
    statusCode: number;
    expose: boolean;
    allow_redirect?: boolean;
  }

  export const errors: {
    InvalidRequest: new (description?: string) => OIDCProviderError;
    SessionNotFound: new (description?: string) => OIDCProviderError;
    InvalidTarget: new (description?: string) => OIDCProviderError;
    OIDCProviderError: typeof OIDCProviderError;
  };

  export default class Provider {
    constructor(issuer: string, configuration: AnyObject);
    issuer: string;
    Grant: GrantModel;
    AccessToken: GrantBoundModel;
    RefreshToken: GrantBoundModel;
    AuthorizationCode: GrantBoundModel;
    Session: SessionModel;
    Interaction: { adapter: Adapter };
    Client: { find(id: string): Promise<{ clientId: string; clientName?: string } | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: AnyObject,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: any[]) => void): this;
    use(middleware: (ctx: any, next: () => Promise<void>) => Promise<void>): this;
  }
}

declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  export interface AutocannonResult {
    latency: Histogram;
    requests: Histogram & { total: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  }
  export interface AutocannonOptions {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
  }
  export default function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
}
