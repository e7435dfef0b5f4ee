import { Scope, type ScopeName } from '../account/scopes.js';
import type { Ride } from '../rides/types.js';
import type { Messages } from './messages.js';
import { towards } from './destinations.js';
import { ssml } from './ssml.js';

const permission: Record<ScopeName, string> = {
  [Scope.orderCar]: 'ordering rides',
  [Scope.basicProfile]: 'seeing your name and email address',
};

/**
 * Phrases the skill suggests, exactly as the interaction model understands them (test/skill-package checks each
 * against the simulator's NLU): a suggestion the model does not know would end in Fallback.
 */
const say = {
  order: 'order a ride to the airport',
  status: 'where is my ride',
  cancel: 'cancel my ride',
  whoAmI: 'who am I',
};
const youCanSay = (...phrases: string[]) => `You can say: ${phrases.slice(0, -1).join(', ')}, or ${phrases.at(-1)}.`;
const linkCard = 'Ride Hailer needs to know your Ride Hailer account. I have sent a card to your Alexa app: open it and link your account, then ask me again.';

const minutes = (n: number) => (n === 1 ? '1 minute' : `${n} minutes`);
const arrival = (ride: Ride) => (ride.status === 'arrived' || ride.etaMinutes === 0 ? 'Your car is waiting for you' : `Your car arrives in ${minutes(ride.etaMinutes)}`);

export const en: Messages = {
  welcomeLinked: (name) => `Welcome back to Ride Hailer, ${ssml(name)}. ${youCanSay(say.order, say.status, say.cancel)} What would you like to do?`,
  welcomeWithoutName: `Welcome back to Ride Hailer. ${youCanSay(say.order, say.status, say.cancel)} What would you like to do?`,
  welcomeReprompt: `You can say: ${say.order}. What would you like to do?`,
  linkNeeded: (task) =>
    ({
      launch: `To order rides for you, ${linkCard}`,
      orderRide: `To order rides for you, ${linkCard}`,
      rideStatus: `To tell you where your ride is, ${linkCard}`,
      cancelRide: `To cancel your ride, ${linkCard}`,
      whoAmI: `No Ride Hailer account is linked yet. I have sent a card to your Alexa app: open it to link your account, then ask me again.`,
    })[task],
  linkExpired: 'Your Ride Hailer link has expired. Please link your account again: I have sent a card to your Alexa app.',
  permissionNeeded: (scope) =>
    `Ride Hailer needs your permission for ${permission[scope]}. Please link your account again in the Alexa app and allow it: I have sent you a card.`,
  apiUnavailable: "Ride Hailer isn't answering right now. Please try again in a minute.",
  tryAgainReprompt: 'You can try again, or say stop.',
  askDestination: 'Where would you like to go?',
  rideOrdered: (ride) => `Done. A car is on its way to take you ${towards(ride.destination, 'en')}. ${arrival(ride)}.`,
  rideAlreadyActive: (ride) => `You already have a ride ${towards(ride.destination, 'en')}. ${arrival(ride)}. To order another one, cancel this ride first.`,
  rideStatus: (ride) => `Your ride ${towards(ride.destination, 'en')} is on its way. ${arrival(ride)}.`,
  noActiveRide: `You don't have a ride right now. You can say: ${say.order}.`,
  confirmCancel: (ride) => `Do you really want to cancel your ride ${towards(ride.destination, 'en')}?`,
  rideCancelled: (ride) => `Okay, your ride ${towards(ride.destination, 'en')} is cancelled.`,
  cancelKept: 'Okay, I kept your ride.',
  whoAmI: (name, email) => `Ride Hailer is linked to the account of ${ssml(name)}, ${ssml(email)}.`,
  help: `With Ride Hailer you can order a ride, ask where it is, cancel it, or ask which account is linked. ${youCanSay(say.order, say.status, say.cancel, say.whoAmI)} What would you like to do?`,
  helpReprompt: 'What would you like to do?',
  goodbye: 'Goodbye.',
  fallback: `Sorry, Ride Hailer can't help with that. ${youCanSay(say.order, say.status, say.cancel)} What would you like to do?`,
  sorry: 'Sorry, something went wrong on our side. Please try again.',
  notConfigured: (variables) =>
    `Ride Hailer is not set up yet. Its function needs these environment variables set or corrected: ${ssml(variables.join(', '))}. Its log says what is wrong with each.`,
};
