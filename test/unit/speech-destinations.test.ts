import { expect } from 'chai';
import { towards } from '../../lambda/speech/destinations.js';
import { messagesFor } from '../../lambda/speech/index.js';
import type { Ride } from '../../lambda/rides/types.js';

const ride = (destination: string): Ride => ({ id: 'r1', status: 'on_the_way', etaMinutes: 4, destination }) as Ride;

describe('speech: destinations as people say them', () => {
  it('reads known places with their article or preposition, in either language, whatever language they were ordered in', () => {
    expect(towards('airport', 'en')).to.equal('to the airport');
    expect(towards('Flughafen', 'en')).to.equal('to the airport');
    expect(towards('airport', 'de')).to.equal('zum Flughafen');
    expect(towards('train station', 'de')).to.equal('zum Bahnhof');
    expect(towards('nach Hause', 'en')).to.equal('home');
    expect(towards('home', 'de')).to.equal('nach Hause');
  });

  it('reads anything else as said, escaped for SSML', () => {
    expect(towards('42 Main Street', 'en')).to.equal('to 42 Main Street');
    expect(towards('Bar & Grill', 'de')).to.equal('zum Ziel Bar &amp; Grill');
  });

  it('puts them into the answers: no "take you to airport", no "zum Ziel train station"', () => {
    expect(messagesFor('en-US').rideOrdered(ride('airport'))).to.include('take you to the airport.');
    expect(messagesFor('en-GB').rideStatus(ride('home'))).to.match(/^Your ride home is on its way/);
    expect(messagesFor('de-DE').rideStatus(ride('train station'))).to.match(/^Deine Fahrt zum Bahnhof ist unterwegs/);
    expect(messagesFor('de-DE').confirmCancel(ride('Flughafen'))).to.equal('Möchtest du deine Fahrt zum Flughafen wirklich stornieren?');
  });
});
