/**
 * Escapes text from outside (destinations, names, e-mail addresses) for SSML: the ASK SDK wraps speech in <speak>
 * without escaping, and a stray `&` or `<` makes Alexa reject the whole response.
 */
export function ssml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}
