/**
 * What the sign-in pages accept from a form, in one place: the limits, the checks that refuse, and the clean-up
 * that neutralises display names. Nothing here shortens a value silently: too long is refused with a message.
 */

export const PASSWORD_MIN_LENGTH = 8;
/** Long passphrases are welcome; the limit only keeps a request from making scrypt hash megabytes. */
export const PASSWORD_MAX_LENGTH = 1024;
/** RFC 5321's limit for a forward path. */
export const EMAIL_MAX_LENGTH = 254;
export const NAME_MAX_LENGTH = 100;

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;
// Control, format (bidi overrides, zero-width characters), surrogate, private-use and unassigned code points:
// none belongs in an address, and each can fool a log reader or a page (an ESC sequence, a U+202E).
const NOT_IN_EMAIL = /\p{C}/u;
// Taken out of a display name: the bidi marks, embeddings, overrides and isolates that make "Ann\u202Eelgoog" read
// as another name; control characters and line separators become spaces. Joiners stay: scripts and emoji need them.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
const CONTROLS = /[\p{Cc}\u2028\u2029]/gu;

/** Length in characters as a person counts them (code points), not UTF-16 units. */
const lengthOf = (text: string) => [...text].length;

/** Whether a typed email can be an address: shape, length, and no control or format characters. */
export function isAcceptableEmail(email: string): boolean {
  return lengthOf(email) <= EMAIL_MAX_LENGTH && !NOT_IN_EMAIL.test(email) && EMAIL_SHAPE.test(email);
}

export type PasswordProblem = 'tooShort' | 'tooLong';

export function passwordProblem(password: string): PasswordProblem | undefined {
  const length = lengthOf(password);
  if (length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (length > PASSWORD_MAX_LENGTH) return 'tooLong';
  return undefined;
}

/** A display name made safe to show: bidi controls and control characters removed, spaces collapsed, NFC. */
export function neutraliseName(name: string): string {
  return name.normalize('NFC').replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ').replace(/\s+/gu, ' ').trim();
}

export function isAcceptableName(name: string): boolean {
  return name !== '' && lengthOf(name) <= NAME_MAX_LENGTH;
}
