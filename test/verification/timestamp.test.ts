import { expect } from 'chai';
import { TimestampVerifier } from '../../lambda/verification/index.js';

/** Alexa's request.timestamp in its written forms: a zone offset or Z, with or without a fraction. */
describe('Alexa request verification: timestamp forms', () => {
  const now = Date.parse('2026-06-01T12:00:00.000Z');
  const verifier = new TimestampVerifier({ now: () => now });
  const body = (timestamp: unknown, type = 'LaunchRequest') => JSON.stringify({ request: { type, timestamp } });
  async function outcome(timestamp: unknown, type?: string): Promise<string> {
    try {
      await verifier.verify(body(timestamp, type));
      return 'accepted';
    } catch (error) {
      return (error as { code: string }).code;
    }
  }

  const accepted: Record<string, string> = {
    'Z, no fraction': '2026-06-01T12:00:00Z',
    'milliseconds': '2026-06-01T12:00:00.123Z',
    'nanoseconds (nine digits)': '2026-06-01T11:59:59.123456789Z',
    'a positive offset naming the same instant': '2026-06-01T14:00:00+02:00',
    'a negative offset with a fraction': '2026-06-01T06:30:00.5-05:30',
    'an offset moving it 149 s into the past': '2026-06-01T13:57:31+02:00',
  };
  for (const [name, timestamp] of Object.entries(accepted)) {
    it(`accepts ${name}`, async () => {
      expect(await outcome(timestamp)).to.equal('accepted');
    });
  }

  it('reads the offset, not just the clock digits: 12:00 at +02:00 is two hours ago', async () => {
    expect(await outcome('2026-06-01T12:00:00+02:00')).to.equal('timestamp_out_of_range');
    expect(await outcome('2026-06-01T12:00:00-02:00')).to.equal('timestamp_out_of_range');
  });

  const malformed: Record<string, unknown> = {
    'no zone': '2026-06-01T12:00:00',
    'an offset without a colon': '2026-06-01T12:00:00+0200',
    'a ten-digit fraction': '2026-06-01T12:00:00.1234567890Z',
    'an empty fraction': '2026-06-01T12:00:00.Z',
    'a date only': '2026-06-01',
    'epoch milliseconds as a number': now,
    'a space instead of T': '2026-06-01 12:00:00Z',
    'an impossible date': '2026-02-30T12:00:00Z',
  };
  for (const [name, timestamp] of Object.entries(malformed)) {
    it(`refuses ${name} as timestamp_invalid`, async () => {
      expect(await outcome(timestamp)).to.equal('timestamp_invalid');
    });
  }
});
