/**
 * Destinations as a person says them: "to the airport", "home"; "zum Flughafen", "nach Hause". The ride keeps the
 * value entity resolution gave in the language it was ordered in ("airport" or "Flughafen"), so a ride ordered in
 * English and asked about in German is still read back naturally. Anything else is read as the user said it.
 */
import { ssml } from './ssml.js';

type Place = { words: string[]; en: string; de: string };

/** Every canonical value and synonym of skill-package's Destination type, in both languages, lower case. */
const PLACES: Place[] = [
  { words: ['airport', 'the airport', 'airport terminal', 'flughafen'], en: 'to the airport', de: 'zum Flughafen' },
  { words: ['train station', 'the train station', 'station', 'railway station', 'bahnhof', 'hauptbahnhof'], en: 'to the train station', de: 'zum Bahnhof' },
  { words: ['office', 'the office', 'work', 'büro', 'arbeit'], en: 'to the office', de: 'zum Büro' },
  { words: ['home', 'my home', 'my house', 'zuhause', 'nach hause', 'meine wohnung'], en: 'home', de: 'nach Hause' },
  { words: ['city centre', 'city center', 'downtown', 'the city centre', 'the city center', 'innenstadt', 'stadtmitte', 'zentrum'], en: 'to the city centre', de: 'in die Innenstadt' },
  { words: ['stadium', 'the stadium', 'stadion'], en: 'to the stadium', de: 'zum Stadion' },
];

/** "to the airport" / "zum Flughafen", with the preposition; free text escaped for SSML. */
export function towards(destination: string, language: 'en' | 'de'): string {
  const place = PLACES.find((candidate) => candidate.words.includes(destination.trim().toLocaleLowerCase()));
  if (place) return place[language];
  return language === 'de' ? `zum Ziel ${ssml(destination)}` : `to ${ssml(destination)}`;
}
