import { Scope, type ScopeName } from '../account/scopes.js';
import type { Ride } from '../rides/types.js';
import type { Messages } from './messages.js';
import { towards } from './destinations.js';
import { ssml } from './ssml.js';

const permission: Record<ScopeName, string> = {
  [Scope.orderCar]: 'das Bestellen von Fahrten',
  [Scope.basicProfile]: 'das Lesen deines Namens und deiner E-Mail-Adresse',
};

/** Vorschläge, genau so, wie das Interaktionsmodell sie versteht (test/skill-package prüft jeden gegen die NLU). */
const sag = {
  order: 'bestelle eine Fahrt zum Flughafen',
  status: 'wo ist meine Fahrt',
  cancel: 'storniere meine Fahrt',
  whoAmI: 'wer bin ich',
};
const duKannstSagen = (...phrases: string[]) => `Du kannst sagen: ${phrases.slice(0, -1).join(', ')} oder ${phrases.at(-1)}.`;
const linkCard = 'muss Ride Hailer dein Ride-Hailer-Konto kennen. Ich habe dir eine Karte in die Alexa-App geschickt: Öffne sie, verknüpfe dein Konto und frag mich dann noch einmal.';

const minuten = (n: number) => (n === 1 ? 'einer Minute' : `${n} Minuten`);
const arrival = (ride: Ride) => (ride.status === 'arrived' || ride.etaMinutes === 0 ? 'Dein Auto wartet auf dich' : `Dein Auto ist in ${minuten(ride.etaMinutes)} da`);

export const de: Messages = {
  welcomeLinked: (name) => `Willkommen zurück bei Ride Hailer, ${ssml(name)}. ${duKannstSagen(sag.order, sag.status, sag.cancel)} Was möchtest du tun?`,
  welcomeWithoutName: `Willkommen zurück bei Ride Hailer. ${duKannstSagen(sag.order, sag.status, sag.cancel)} Was möchtest du tun?`,
  welcomeReprompt: `Du kannst sagen: ${sag.order}. Was möchtest du tun?`,
  linkNeeded: (task) =>
    ({
      launch: `Um Fahrten für dich zu bestellen, ${linkCard}`,
      orderRide: `Um Fahrten für dich zu bestellen, ${linkCard}`,
      rideStatus: `Um dir zu sagen, wo deine Fahrt ist, ${linkCard}`,
      cancelRide: `Um deine Fahrt zu stornieren, ${linkCard}`,
      whoAmI: 'Es ist noch kein Ride-Hailer-Konto verknüpft. Ich habe dir eine Karte in die Alexa-App geschickt: Öffne sie, um dein Konto zu verknüpfen, und frag mich dann noch einmal.',
    })[task],
  linkExpired: 'Deine Verknüpfung mit Ride Hailer ist abgelaufen. Bitte verknüpfe dein Konto erneut: Ich habe dir eine Karte in die Alexa-App geschickt.',
  permissionNeeded: (scope) =>
    `Ride Hailer braucht deine Erlaubnis für ${permission[scope]}. Bitte verknüpfe dein Konto in der Alexa-App erneut und erlaube es: Ich habe dir eine Karte geschickt.`,
  apiUnavailable: 'Ride Hailer antwortet gerade nicht. Bitte versuche es gleich noch einmal.',
  tryAgainReprompt: 'Du kannst es noch einmal versuchen oder stopp sagen.',
  askDestination: 'Wohin möchtest du fahren?',
  rideOrdered: (ride) => `Erledigt. Ein Auto ist unterwegs und bringt dich ${towards(ride.destination, 'de')}. ${arrival(ride)}.`,
  rideAlreadyActive: (ride) => `Du hast schon eine Fahrt ${towards(ride.destination, 'de')}. ${arrival(ride)}. Für eine neue Fahrt storniere zuerst diese.`,
  rideStatus: (ride) => `Deine Fahrt ${towards(ride.destination, 'de')} ist unterwegs. ${arrival(ride)}.`,
  noActiveRide: `Du hast gerade keine Fahrt. Du kannst sagen: ${sag.order}.`,
  confirmCancel: (ride) => `Möchtest du deine Fahrt ${towards(ride.destination, 'de')} wirklich stornieren?`,
  rideCancelled: (ride) => `In Ordnung, deine Fahrt ${towards(ride.destination, 'de')} ist storniert.`,
  cancelKept: 'In Ordnung, deine Fahrt bleibt bestehen.',
  whoAmI: (name, email) => `Ride Hailer ist mit dem Konto von ${ssml(name)} verknüpft, ${ssml(email)}.`,
  help: `Mit Ride Hailer kannst du eine Fahrt bestellen, fragen, wo sie ist, sie stornieren oder fragen, welches Konto verknüpft ist. ${duKannstSagen(sag.order, sag.status, sag.cancel, sag.whoAmI)} Was möchtest du tun?`,
  helpReprompt: 'Was möchtest du tun?',
  goodbye: 'Tschüss.',
  fallback: `Das kann Ride Hailer leider nicht. ${duKannstSagen(sag.order, sag.status, sag.cancel)} Was möchtest du tun?`,
  sorry: 'Entschuldigung, bei uns ist etwas schiefgegangen. Bitte versuche es noch einmal.',
  notConfigured: (variables) =>
    `Ride Hailer ist noch nicht eingerichtet. Diese Umgebungsvariablen der Funktion fehlen oder sind falsch: ${ssml(variables.join(', '))}. Was an jeder falsch ist, steht im Log der Funktion.`,
};
