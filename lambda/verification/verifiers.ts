/**
 * The checks of an Alexa request. Each is a verifier in the shape ask-sdk-express-adapter expects
 * (`Verifier.verify(body, headers)`), so they plug into `new ExpressAdapter(skill, false, false, verifiers)`; each
 * also checks a request whose body is already parsed (`check(request)`), which is how our endpoint and
 * VerifierSequence run them, parsing once. Each throws `AlexaRequestRefused` with a stable code.
 */
import { verify as verifySignatureBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { IncomingHttpHeaders } from 'node:http';
import type { Verifier } from 'ask-sdk-express-adapter';
import { CertificateChainCache } from './certificate-cache.js';
import { parseCertificateChainUrl } from './certificate-url.js';
import { isJsonObject } from '../../common/json.js';
import { parseEnvelope, type AlexaHttpRequest } from './request.js';
import { AlexaRequestRefused } from './errors.js';
import type { FetchCertificate } from './certificate-download.js';
import type { TrustStore } from './trust-store.js';

export const NORMAL_REQUEST_TOLERANCE_MS = 150_000;
export const SKILL_EVENT_MAX_AGE_MS = 3_600_000;

/** A check of one request, usable as the adapter's Verifier (which hands over the body as text). */
export abstract class AlexaVerifier implements Verifier {
  async verify(body: string, headers: IncomingHttpHeaders = {}): Promise<void> {
    await this.check({ body, envelope: parseEnvelope(body), headers });
  }

  abstract check(request: AlexaHttpRequest): Promise<void>;
}

/**
 * `SignatureCertChainUrl` + `Signature-256`: the URL is checked before anything is fetched, the chain comes from
 * the per-URL cache, and the signature is RSA-SHA256 over the body's exact bytes. The SHA-1 `Signature` header is
 * never consulted.
 */
const verifySignatureAsync = promisify(verifySignatureBytes);

export class SignatureVerifier extends AlexaVerifier {
  private readonly chains: CertificateChainCache;

  constructor(options: { fetchCertificate: FetchCertificate; trustStore: TrustStore; now?: () => number }) {
    super();
    this.chains = new CertificateChainCache(options.fetchCertificate, options.trustStore, options.now ?? Date.now);
  }

  async check({ body, headers }: AlexaHttpRequest): Promise<void> {
    const chainUrl = singleHeader(headers, 'signaturecertchainurl');
    const signature = singleHeader(headers, 'signature-256');
    if (chainUrl === undefined || signature === undefined) {
      const onlySha1 = headers['signature'] !== undefined && signature === undefined;
      throw new AlexaRequestRefused('signature_missing', onlySha1 ? 'only the SHA-1 Signature header was sent' : 'signature headers are missing');
    }
    const url = parseCertificateChainUrl(chainUrl);
    const signatureBytes = decodeBase64(signature);
    const chain = await this.chains.get(url);
    // The body reached us as a string; for the strictly UTF-8-decoded body our HTTP layer hands over, encoding it
    // again gives back exactly the bytes that were signed.
    // The callback form runs the RSA check on libuv's thread pool: under load it no longer stalls the event loop.
    if (!(await verifySignatureAsync('sha256', Buffer.from(body, 'utf8'), chain.leafPublicKey, signatureBytes))) {
      throw new AlexaRequestRefused('signature_invalid', 'Signature-256 does not match the body');
    }
  }
}

/** `request.timestamp` within ±150 s; skill events (`AlexaSkillEvent.*`) may be up to one hour old. */
export class TimestampVerifier extends AlexaVerifier {
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    super();
    this.now = options.now ?? Date.now;
  }

  async check({ envelope }: AlexaHttpRequest): Promise<void> {
    const request = envelope['request'];
    const timestamp = isJsonObject(request) ? parseTimestamp(request['timestamp']) : undefined;
    if (!isJsonObject(request) || timestamp === undefined) throw new AlexaRequestRefused('timestamp_invalid', 'request.timestamp is missing or not an ISO 8601 time');
    const ageMs = this.now() - timestamp;
    const maxAgeMs = isSkillEvent(request) ? SKILL_EVENT_MAX_AGE_MS : NORMAL_REQUEST_TOLERANCE_MS;
    if (ageMs > maxAgeMs || ageMs < -NORMAL_REQUEST_TOLERANCE_MS) {
      throw new AlexaRequestRefused('timestamp_out_of_range', `request.timestamp is ${Math.round(ageMs / 1000)} s away from now`);
    }
  }
}

/**
 * The request is for this skill: `context.System.application.applicationId`, or for envelopes without a context
 * `session.application.applicationId`. A verifier (not a handler) so that a mismatch answers 400.
 */
export class SkillIdVerifier extends AlexaVerifier {
  constructor(private readonly skillId: string) {
    super();
  }

  async check({ envelope }: AlexaHttpRequest): Promise<void> {
    const applicationId = path(envelope, 'context', 'System', 'application', 'applicationId') ?? path(envelope, 'session', 'application', 'applicationId');
    if (applicationId !== this.skillId) {
      throw new AlexaRequestRefused('skill_id_mismatch', applicationId === undefined ? 'no application ID in the request' : 'application ID is not this skill');
    }
  }
}

/** Runs checks one after another (cheapest first is the caller's choice) so the first failure is deterministic. */
export class VerifierSequence extends AlexaVerifier {
  constructor(private readonly verifiers: readonly AlexaVerifier[]) {
    super();
  }

  async check(request: AlexaHttpRequest): Promise<void> {
    for (const verifier of this.verifiers) await verifier.check(request);
  }
}

function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? undefined : value?.trim();
  return text === '' ? undefined : text;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(text: string): Buffer {
  if (!BASE64.test(text)) throw new AlexaRequestRefused('signature_invalid', 'Signature-256 is not base64');
  return Buffer.from(text, 'base64');
}

/** ISO 8601 with a zone, as Alexa sends it; `Date.parse` alone accepts far looser text. */
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function parseTimestamp(value: unknown): number | undefined {
  const fields = typeof value === 'string' ? ISO_TIMESTAMP.exec(value) : null;
  if (fields === null || !isCalendarTime(fields.slice(1).map(Number))) return undefined;
  const ms = Date.parse(value as string);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `Date.parse` rolls 30 February over into March; a date and time that do not exist are refused instead. */
function isCalendarTime([year, month, day, hour, minute, second]: number[]): boolean {
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return date.getUTCMonth() === month! - 1 && date.getUTCDate() === day! && date.getUTCHours() === hour! && date.getUTCMinutes() === minute! && date.getUTCSeconds() === second!;
}

function isSkillEvent(request: Record<string, unknown>): boolean {
  return typeof request['type'] === 'string' && request['type'].startsWith('AlexaSkillEvent.');
}

function path(value: unknown, ...keys: string[]): string | undefined {
  let current = value;
  for (const key of keys) current = isJsonObject(current) ? current[key] : undefined;
  return typeof current === 'string' ? current : undefined;
}
