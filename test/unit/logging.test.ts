/**
 * The structured logger's contract (one JSON line per event, the level threshold, credential-named fields redacted)
 * and the defensive reading of request fields that the request log and the error handler rely on.
 */
import { expect } from 'chai';
import type { RequestEnvelope } from 'ask-sdk-model';
import { createLogger, createMemoryLogger } from '../../common/logging.js';
import { requestFields } from '../../lambda/request-fields.js';
import type { LogLevel } from '../../common/logging.js';

describe('structured logger', () => {
  const levels = ['debug', 'info', 'warn', 'error'] as const;

  function written(level: LogLevel): string[] {
    const lines: string[] = [];
    const logger = createLogger(level, (line) => lines.push(line));
    for (const method of levels) logger[method](`${method}_event`);
    return lines.map((line) => JSON.parse(line).level);
  }

  it('writes the events at or above its level and none below', () => {
    expect(written('debug')).to.deep.equal(['debug', 'info', 'warn', 'error']);
    expect(written('info')).to.deep.equal(['info', 'warn', 'error']);
    expect(written('warn')).to.deep.equal(['warn', 'error']);
    expect(written('error')).to.deep.equal(['error']);
    expect(written('silent')).to.deep.equal([]);
  });

  it('writes one JSON object per event: time, level, event, then the fields', () => {
    const logger = createMemoryLogger('info');
    logger.info('ride_requested', { rideId: 'r-1', seats: 2, shared: false });
    expect(logger.lines).to.have.length(1);
    const record = JSON.parse(logger.lines[0]!);
    expect(Object.keys(record)).to.deep.equal(['time', 'level', 'event', 'rideId', 'seats', 'shared']);
    expect(record).to.include({ level: 'info', event: 'ride_requested', rideId: 'r-1', seats: 2, shared: false });
    expect(new Date(record.time).toISOString()).to.equal(record.time);
  });

  it('replaces the value of every credential-named field, whatever its case, and leaves the others', () => {
    const logger = createMemoryLogger();
    logger.warn('suspicious', {
      accessToken: 'at-123',
      client_secret: 's-123',
      Password: 'p-123',
      authorization: 'Bearer b-123',
      'Signature-256': 'sig-123',
      cookie: 'c-123',
      reason: 'plain text',
    });
    const record = JSON.parse(logger.lines[0]!);
    for (const key of ['accessToken', 'client_secret', 'Password', 'authorization', 'Signature-256', 'cookie']) expect(record[key], key).to.equal('[redacted]');
    expect(record.reason).to.equal('plain text');
    expect(logger.lines[0]).not.to.match(/-123/);
  });

  it('leaves out fields whose value is undefined, credential-named ones too', () => {
    const logger = createMemoryLogger();
    logger.error('failed', { accessToken: undefined, reason: undefined, code: 'x' });
    expect(Object.keys(JSON.parse(logger.lines[0]!))).to.deep.equal(['time', 'level', 'event', 'code']);
  });

  it('keeps debug lines in the memory logger by default', () => {
    const logger = createMemoryLogger();
    logger.debug('detail');
    expect(logger.lines.map((line) => JSON.parse(line).event)).to.deep.equal(['detail']);
  });

  it('writes to standard output, one line per event, when no sink is given', () => {
    const chunks: unknown[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: unknown) => chunks.push(chunk) > 0) as typeof process.stdout.write;
    try {
      createLogger('info').info('to_stdout');
    } finally {
      process.stdout.write = original;
    }
    expect(chunks).to.have.length(1);
    expect(chunks[0]).to.be.a('string').and.match(/^\{.*"event":"to_stdout".*\}\n$/);
  });
});

describe('request fields read defensively', () => {
  const fields = (envelope: unknown) => requestFields(envelope as RequestEnvelope);

  it('reads type, request ID, intent name and locale from a well-formed envelope', () => {
    expect(fields({ request: { type: 'IntentRequest', requestId: 'r-1', locale: 'en-GB', intent: { name: 'RideStatusIntent' } } })).to.deep.equal({
      type: 'IntentRequest',
      requestId: 'r-1',
      intent: 'RideStatusIntent',
      locale: 'en-GB',
    });
  });

  it('answers undefined for whatever is missing, null or not a string, and never throws', () => {
    const nothing = { type: undefined, requestId: undefined, intent: undefined, locale: undefined };
    for (const envelope of [{}, { request: null }, { request: 'LaunchRequest' }, { request: {} }, { request: { intent: null } }]) {
      expect(fields(envelope), JSON.stringify(envelope)).to.deep.equal(nothing);
    }
    expect(fields({ request: { type: 7, requestId: ['r'], locale: { tag: 'en-US' }, intent: { name: 42 } } })).to.deep.equal(nothing);
    expect(fields({ request: { type: 'LaunchRequest', intent: 'RideStatusIntent' } })).to.deep.equal({ ...nothing, type: 'LaunchRequest' });
  });
});
