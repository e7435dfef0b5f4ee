/** Shared bits of the profile tests: answers built by hand, and the seven profiles this folder covers. */
import type { ProviderProfile, UpstreamAnswer } from '../../../bridge/profiles/profile.js';
import { profile as auth0 } from '../../../bridge/profiles/auth0.js';
import { profile as azure } from '../../../bridge/profiles/azure.js';
import { profile as fitbit } from '../../../bridge/profiles/fitbit.js';
import { profile as github } from '../../../bridge/profiles/github.js';
import { profile as salesforce } from '../../../bridge/profiles/salesforce.js';
import { profile as slack } from '../../../bridge/profiles/slack.js';
import { profile as withings } from '../../../bridge/profiles/withings.js';

export const PROFILES: readonly ProviderProfile[] = [github, slack, azure, withings, salesforce, fitbit, auth0];

export function json(status: number, body: unknown, headers: Record<string, string> = {}): UpstreamAnswer {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

export function raw(status: number, body: string, contentType = 'text/html'): UpstreamAnswer {
  return { status, headers: { 'content-type': contentType }, body };
}

export const settings = (extra: Record<string, string> = {}) => ({ upstreamClientId: 'client-1', extra });
