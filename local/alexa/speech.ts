/** Output speech as a person would hear it: SSML without its tags and entities. */
import type { ui } from 'ask-sdk-model';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function speechText(speech: ui.OutputSpeech | undefined): string | undefined {
  if (!speech) return undefined;
  if (speech.type === 'PlainText') return speech.text;
  if (speech.type === 'SSML') return ssmlToText(speech.ssml);
  return undefined;
}

export function ssmlToText(ssml: string): string {
  return ssml
    .replace(/<break\b[^>]*>/giu, ' ')
    .replace(/<[^>]*>/gu, '')
    .replace(/&(amp|lt|gt|quot|apos);/gu, (_, name: string) => ENTITIES[name] ?? '')
    .replace(/\s+/gu, ' ')
    .trim();
}
