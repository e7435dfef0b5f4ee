/** What the command-line tools print for a failure: words for people, never a class name. */
import { expect } from 'chai';
import { ConfigError } from '../../common/env.js';
import { HeadlessLoginError } from '../../local/auth/headless-login.js';
import { renderError } from '../../local/alexa/render.js';
import { terminalLine } from '../../local/alexa/wiring.js';
import { FaultsError } from '../../local/ride-api/faults.js';

describe('renderError (npm run link, dialog, fault)', () => {
  it('says a failed sign-in in words', () => {
    const text = renderError(new HeadlessLoginError('That email and password do not match a Ride Hailer account.', 401));
    expect(text).to.equal('Sign-in failed: That email and password do not match a Ride Hailer account.');
  });

  it('points a wrong option or variable at --help, without the class name', () => {
    expect(renderError(new ConfigError('--via', '"nowhere" must be bridge or direct'))).to.equal('--via: "nowhere" must be bridge or direct (see --help)');
    expect(renderError(new FaultsError('unknown fault explode'))).to.equal('unknown fault explode (see --help)');
  });

  it('never starts with an error class name, whatever fails', () => {
    for (const error of [new TypeError('Invalid URL'), new RangeError('x'), Object.assign(new Error('boom'), { name: 'WeirdError' }), 'a string']) {
      expect(renderError(error)).to.not.match(/^[A-Z][A-Za-z]*Error\b/);
    }
  });
});

describe('the simulator\'s warnings in a terminal (npm run dialog, link)', () => {
  it('says a warning in words with its fields, and leaves a dropped link to the dialog\'s own (link) line', () => {
    const line = JSON.stringify({ time: '2026-12-06T20:00:00.000Z', level: 'warn', event: 'link.refresh_failed', reason: 'token_endpoint_unreachable' });
    expect(terminalLine(line)).to.equal('(warning) could not refresh the access token; the old one is sent: reason token_endpoint_unreachable');
    expect(terminalLine(JSON.stringify({ time: 't', level: 'warn', event: 'link.dropped', status: 400 }))).to.equal(undefined);
    expect(terminalLine(JSON.stringify({ time: 't', level: 'error', event: 'something.else_failed' }))).to.equal('(error) something else failed');
  });
});
