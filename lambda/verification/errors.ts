/**
 * Why an Alexa request was refused, as a stable code a client can rely on.
 *
 * The `code` and `status` go back to the caller; the `reason` is for our log only and is always text we wrote
 * (never a header value, a body or a library's message).
 */
export type RefusalCode =
  | 'signature_missing'
  | 'signature_invalid'
  | 'certificate_url_invalid'
  | 'certificate_unavailable'
  | 'certificate_invalid'
  | 'certificate_expired'
  | 'certificate_untrusted'
  | 'timestamp_invalid'
  | 'timestamp_out_of_range'
  | 'skill_id_mismatch'
  | 'body_too_large'
  | 'malformed_request';

const STATUS: Record<RefusalCode, number> = {
  signature_missing: 400,
  signature_invalid: 400,
  certificate_url_invalid: 400,
  certificate_unavailable: 400,
  certificate_invalid: 400,
  certificate_expired: 400,
  certificate_untrusted: 400,
  timestamp_invalid: 400,
  timestamp_out_of_range: 400,
  skill_id_mismatch: 400,
  body_too_large: 413,
  malformed_request: 400,
};

export class AlexaRequestRefused extends Error {
  override name = 'AlexaRequestRefused';
  readonly status: number;

  constructor(
    readonly code: RefusalCode,
    readonly reason: string,
  ) {
    // The message is the code alone: if this error passes through code that echoes messages (the adapter does),
    // nothing but the stable code can leak.
    super(code);
    this.status = STATUS[code];
  }
}

export function isRefusal(error: unknown): error is AlexaRequestRefused {
  return error instanceof AlexaRequestRefused;
}
