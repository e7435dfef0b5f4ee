/**
 * The endpoint's own answers: body-reading failures become refusals with the right code (never a 500), and the
 * last-resort error handler answers with a code, logs by name only, and leaves a response already sent alone.
 */
import { expect } from 'chai';
import type { NextFunction, Request, Response } from 'express';
import { bodyReadRefusal, errorHandler } from '../../lambda/http/responses.js';
import { createMemoryLogger } from '../../common/logging.js';

function fakeResponse(headersSent = false) {
  const sent: { status?: number; body?: unknown } = {};
  const res = {
    headersSent,
    status(code: number) {
      sent.status = code;
      return res;
    },
    json(body: unknown) {
      sent.body = body;
      return res;
    },
  };
  return { res: res as unknown as Response, sent };
}

describe('http responses', () => {
  it("turns the body parser's client errors into refusals, and nothing else", () => {
    expect(bodyReadRefusal({ type: 'entity.too.large', status: 413 })).to.include({ code: 'body_too_large' });
    expect(bodyReadRefusal({ status: 413 })).to.include({ code: 'body_too_large' });
    expect(bodyReadRefusal({ type: 'entity.too.large' })).to.include({ code: 'body_too_large' });
    expect(bodyReadRefusal({ status: 400, type: 'entity.parse.failed' })).to.include({ code: 'malformed_request', reason: 'body could not be read (entity.parse.failed)' });
    expect(bodyReadRefusal({ status: 415 })).to.include({ code: 'malformed_request', reason: 'body could not be read (415)' });
    expect(bodyReadRefusal({ status: 499, type: 42 })).to.include({ code: 'malformed_request', reason: 'body could not be read (499)' });
    for (const notOurs of [{ status: 500 }, { status: 399 }, { status: '400' }, {}, null, undefined]) {
      expect(bodyReadRefusal(notOurs), JSON.stringify(notOurs)).to.equal(undefined);
    }
  });

  it('answers an unexpected error with 500 internal_error and logs its name and place only', () => {
    const logger = createMemoryLogger();
    const { res, sent } = fakeResponse();
    errorHandler(logger)(new RangeError('secret detail'), {} as Request, res, (() => {}) as NextFunction);
    expect(sent).to.deep.equal({ status: 500, body: { error: 'internal_error' } });
    expect(logger.lines).to.have.length(1);
    expect(JSON.parse(logger.lines[0]!)).to.include({ event: 'http_unhandled_error', error: 'RangeError' });
    expect(JSON.parse(logger.lines[0]!).at).to.match(/^test\/unit\/http-responses\.test\.ts:\d+:\d+/);
    expect(logger.lines[0]).not.to.contain('secret detail');

    const thrownString = fakeResponse();
    errorHandler(logger)('oops', {} as Request, thrownString.res, (() => {}) as NextFunction);
    expect(JSON.parse(logger.lines[1]!)).to.include({ error: 'string' }).and.not.to.have.property('at');
  });

  it("answers a body parser's error as a refusal, and hands an error after the headers went out to express", () => {
    const logger = createMemoryLogger();
    const { res, sent } = fakeResponse();
    errorHandler(logger)({ status: 400, type: 'entity.parse.failed' }, {} as Request, res, (() => {}) as NextFunction);
    expect(sent).to.deep.equal({ status: 400, body: { error: 'malformed_request' } });
    expect(JSON.parse(logger.lines[0]!)).to.include({ event: 'alexa_request_refused', code: 'malformed_request', status: 400 });

    const late = fakeResponse(true);
    const passed: unknown[] = [];
    const error = new Error('late');
    errorHandler(logger)(error, {} as Request, late.res, ((e: unknown) => passed.push(e)) as NextFunction);
    expect(passed).to.deep.equal([error]);
    expect(late.sent).to.deep.equal({});
  });
});
