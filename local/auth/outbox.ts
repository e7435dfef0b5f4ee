/** A mail the sign-in pages send: a recovery link, a sign-up confirmation, a "someone tried" notice. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export type Outbox = (mail: Mail) => void;

// Addresses are checked before they get here; this is the second line against a control character (an ESC
// sequence) reaching a terminal through the log.
const printable = (text: string) => text.replace(/\p{Cc}/gu, (char) => `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`);

/**
 * LOCAL-ONLY stand-in for sending mail: each mail becomes one readable log line, which is how a developer reads
 * it. The links in it (recovery, sign-up confirmation) are the only secrets this server ever writes to its log.
 */
export function logOutbox(log: (line: string) => void): Outbox {
  return ({ to, subject, text }) => log(`auth: [local-only outbox, instead of an email] to ${printable(to)}: ${printable(subject)} — ${printable(text)}`);
}
