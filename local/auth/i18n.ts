import type { ScopeName } from '../../lambda/account/scopes.js';

/**
 * Every string the login, sign-up, recovery and consent pages show, per locale, in one place.
 * Alexa's guidance: render the login page in the language of the Alexa app, taken from Accept-Language.
 */
export type Locale = 'en' | 'de';

export const SUPPORTED_LOCALES: readonly Locale[] = ['en', 'de'];

const en = {
  htmlLang: 'en',
  brand: 'Ride Hailer',
  signInTitle: 'Sign in to Ride Hailer',
  signInIntro:
    'Sign in with your Ride Hailer email and password to link your account with Alexa. This is not your Amazon account.',
  emailLabel: 'Email',
  passwordLabel: 'Password',
  signInButton: 'Sign in',
  newHere: 'New to Ride Hailer?',
  createAccountLink: 'Create an account',
  forgotPasswordLink: 'Forgot your password?',
  wrongCredentials: 'That email and password do not match a Ride Hailer account. Check both and try again.',
  missingCredentials: 'Enter your email and your password.',
  tooManyAttempts: (minutes: number) =>
    `Too many attempts. For your security, try again in ${minutes === 1 ? '1 minute' : `${minutes} minutes`}. ` +
    // The counters live in the local server's memory (throttle.ts): a restart forgets them.
    'Running Ride Hailer on your own computer? Stop npm start and start it again to lift this at once (with npm run reset in between, the demo data is restored too).',

  signUpTitle: 'Create your Ride Hailer account',
  signUpIntro: 'Create a Ride Hailer account, then link it with Alexa in the next step.',
  nameLabel: 'Your name',
  newPasswordLabel: 'Choose a password (8 to 1024 characters; a long passphrase is welcome)',
  signUpButton: 'Create account',
  haveAccount: 'Already have an account?',
  signInLink: 'Sign in',
  nameMissing: 'Enter your name.',
  emailInvalid: 'Enter a valid email address, for example ann@example.com.',
  passwordTooShort: 'Choose a password with at least 8 characters.',
  passwordTooLong: 'Choose a password with at most 1024 characters.',
  nameTooLong: 'Enter a name with at most 100 characters.',
  signUpSent: (email: string) =>
    `We have sent a message to ${email}. Follow the link in it to finish creating your account. If you already have a Ride Hailer account, sign in instead.`,
  mailLocalNote: 'Local development stack: the message is printed in the authorization server log instead of emailed.',
  confirmSignUpTitle: 'Finish creating your account',
  confirmSignUpIntro: (email: string) => `Create the Ride Hailer account for ${email}?`,
  signUpDone: 'Your Ride Hailer account is ready. Sign in with it to link it with Alexa.',
  signUpAlreadyDone: 'There is already a Ride Hailer account for this email. Sign in, or reset your password.',
  signUpLinkInvalid: 'This link is invalid or has expired. Create your account again from the sign-in page.',
  mailSignUpSubject: 'Confirm your Ride Hailer account',
  mailSignUpText: (link: string) => `To finish creating your Ride Hailer account, open this link within an hour: ${link}`,
  mailSignUpExistingSubject: 'Someone tried to sign up with your address',
  mailSignUpExistingText:
    'Someone tried to create a Ride Hailer account with your email address, which already has one. If it was you, sign in, or use "Forgot your password?" on the sign-in page. If it was not you, you can ignore this message.',
  mailResetSubject: 'Reset your Ride Hailer password',
  mailResetText: (link: string) => `To choose a new password, open this link within 30 minutes: ${link}`,

  recoverTitle: 'Reset your password',
  recoverIntro: 'Enter the email of your Ride Hailer account. We will send you a link to choose a new password.',
  sendLinkButton: 'Send reset link',
  recoverSent: (email: string) =>
    `If there is a Ride Hailer account for ${email}, we have sent it a link to choose a new password.`,
  backToSignIn: 'Back to sign in',
  resetTitle: 'Choose a new password',
  resetButton: 'Save new password',
  resetDone: 'Your password has been changed.',
  continueSignIn: 'Continue signing in',
  resetInvalid: 'This reset link is invalid or has expired. Ask for a new one from the sign-in page.',

  consentTitle: 'Link Ride Hailer with Alexa?',
  signedInAs: (name: string, email: string) => `Signed in as ${name} (${email}).`,
  consentIntro: (client: string) => `If you allow it, ${client} will be able to:`,
  consentNothing: 'Alexa asked for no permissions.',
  scopeDescriptions: {
    basic_profile: 'see your name and email address',
    order_car: 'order a car on your behalf and charge your account',
  } satisfies Record<ScopeName, string>,
  consentUnlinkNote: 'You can unlink Ride Hailer at any time in the Alexa app.',
  notYou: (name: string) => `Not ${name}?`,
  useAnotherAccount: 'Use another account',
  allowButton: 'Allow',
  denyButton: 'Cancel',

  errorTitle: 'We could not link your account',
  interactionExpired: 'This sign-in page has expired. Go back to the Alexa app and start linking again.',
  formExpired: 'This form has expired or was not sent from our sign-in page. Go back and try again.',
  stateMissing: 'This linking request is incomplete (the state parameter is missing). Start linking again from the Alexa app.',
  redirectNotAllowed:
    'This linking request asks us to return to an address that is not registered for the Ride Hailer skill, so we stopped here.',
  genericError: 'Something went wrong. Go back to the Alexa app and start linking again.',
  technicalDetails: 'Details',
};

export type Messages = typeof en;

const de: Messages = {
  htmlLang: 'de',
  brand: 'Ride Hailer',
  signInTitle: 'Bei Ride Hailer anmelden',
  signInIntro:
    'Melde dich mit deiner Ride-Hailer-E-Mail-Adresse und deinem Ride-Hailer-Passwort an, um dein Konto mit Alexa zu verknüpfen. Das ist nicht dein Amazon-Konto.',
  emailLabel: 'E-Mail-Adresse',
  passwordLabel: 'Passwort',
  signInButton: 'Anmelden',
  newHere: 'Neu bei Ride Hailer?',
  createAccountLink: 'Konto erstellen',
  forgotPasswordLink: 'Passwort vergessen?',
  wrongCredentials:
    'E-Mail-Adresse und Passwort passen zu keinem Ride-Hailer-Konto. Prüfe beides und versuche es noch einmal.',
  missingCredentials: 'Gib deine E-Mail-Adresse und dein Passwort ein.',
  tooManyAttempts: (minutes: number) =>
    `Zu viele Versuche. Zu deiner Sicherheit: Versuche es in ${minutes === 1 ? '1 Minute' : `${minutes} Minuten`} noch einmal. ` +
    'Läuft Ride Hailer auf deinem eigenen Rechner? Beende npm start und starte es neu, dann ist die Sperre sofort aufgehoben (mit npm run reset dazwischen werden auch die Demodaten wiederhergestellt).',

  signUpTitle: 'Ride-Hailer-Konto erstellen',
  signUpIntro: 'Erstelle ein Ride-Hailer-Konto und verknüpfe es im nächsten Schritt mit Alexa.',
  nameLabel: 'Dein Name',
  newPasswordLabel: 'Passwort wählen (8 bis 1024 Zeichen; ein langer Passsatz ist willkommen)',
  signUpButton: 'Konto erstellen',
  haveAccount: 'Du hast schon ein Konto?',
  signInLink: 'Anmelden',
  nameMissing: 'Gib deinen Namen ein.',
  emailInvalid: 'Gib eine gültige E-Mail-Adresse ein, zum Beispiel ann@example.com.',
  passwordTooShort: 'Wähle ein Passwort mit mindestens 8 Zeichen.',
  passwordTooLong: 'Wähle ein Passwort mit höchstens 1024 Zeichen.',
  nameTooLong: 'Gib einen Namen mit höchstens 100 Zeichen ein.',
  signUpSent: (email: string) =>
    `Wir haben eine Nachricht an ${email} geschickt. Folge dem Link darin, um dein Konto fertig zu erstellen. Falls du schon ein Ride-Hailer-Konto hast, melde dich stattdessen an.`,
  mailLocalNote: 'Lokale Entwicklungsumgebung: Die Nachricht steht im Log des Autorisierungsservers statt in einer E-Mail.',
  confirmSignUpTitle: 'Konto fertig erstellen',
  confirmSignUpIntro: (email: string) => `Das Ride-Hailer-Konto für ${email} erstellen?`,
  signUpDone: 'Dein Ride-Hailer-Konto ist bereit. Melde dich damit an, um es mit Alexa zu verknüpfen.',
  signUpAlreadyDone:
    'Für diese E-Mail-Adresse gibt es schon ein Ride-Hailer-Konto. Melde dich an oder setze dein Passwort zurück.',
  signUpLinkInvalid: 'Dieser Link ist ungültig oder abgelaufen. Erstelle dein Konto noch einmal auf der Anmeldeseite.',
  mailSignUpSubject: 'Bestätige dein Ride-Hailer-Konto',
  mailSignUpText: (link: string) => `Um dein Ride-Hailer-Konto fertig zu erstellen, öffne innerhalb einer Stunde diesen Link: ${link}`,
  mailSignUpExistingSubject: 'Jemand wollte sich mit deiner Adresse registrieren',
  mailSignUpExistingText:
    'Jemand wollte mit deiner E-Mail-Adresse ein Ride-Hailer-Konto erstellen; für sie gibt es schon eines. Warst du das, melde dich an oder nutze „Passwort vergessen?“ auf der Anmeldeseite. Sonst kannst du diese Nachricht ignorieren.',
  mailResetSubject: 'Ride-Hailer-Passwort zurücksetzen',
  mailResetText: (link: string) => `Um ein neues Passwort zu wählen, öffne innerhalb von 30 Minuten diesen Link: ${link}`,

  recoverTitle: 'Passwort zurücksetzen',
  recoverIntro:
    'Gib die E-Mail-Adresse deines Ride-Hailer-Kontos ein. Wir schicken dir einen Link, mit dem du ein neues Passwort wählst.',
  sendLinkButton: 'Link senden',
  recoverSent: (email: string) =>
    `Falls es für ${email} ein Ride-Hailer-Konto gibt, haben wir einen Link zum Zurücksetzen des Passworts geschickt.`,
  backToSignIn: 'Zurück zur Anmeldung',
  resetTitle: 'Neues Passwort wählen',
  resetButton: 'Neues Passwort speichern',
  resetDone: 'Dein Passwort wurde geändert.',
  continueSignIn: 'Weiter zur Anmeldung',
  resetInvalid: 'Dieser Link ist ungültig oder abgelaufen. Fordere auf der Anmeldeseite einen neuen an.',

  consentTitle: 'Ride Hailer mit Alexa verknüpfen?',
  signedInAs: (name: string, email: string) => `Angemeldet als ${name} (${email}).`,
  consentIntro: (client: string) => `Wenn du zustimmst, kann ${client}:`,
  consentNothing: 'Alexa hat keine Berechtigungen angefragt.',
  scopeDescriptions: {
    basic_profile: 'deinen Namen und deine E-Mail-Adresse sehen',
    order_car: 'in deinem Namen ein Auto bestellen und dein Konto belasten',
  },
  consentUnlinkNote: 'Du kannst die Verknüpfung jederzeit in der Alexa-App aufheben.',
  notYou: (name: string) => `Nicht ${name}?`,
  useAnotherAccount: 'Anderes Konto verwenden',
  allowButton: 'Erlauben',
  denyButton: 'Abbrechen',

  errorTitle: 'Dein Konto konnte nicht verknüpft werden',
  interactionExpired: 'Diese Anmeldeseite ist abgelaufen. Geh zurück zur Alexa-App und starte die Verknüpfung neu.',
  formExpired: 'Dieses Formular ist abgelaufen oder kam nicht von unserer Anmeldeseite. Geh zurück und versuche es noch einmal.',
  stateMissing:
    'Dieser Verknüpfungsanfrage fehlt ein Teil (der Parameter state). Starte die Verknüpfung neu in der Alexa-App.',
  redirectNotAllowed:
    'Diese Verknüpfungsanfrage will zu einer Adresse zurückkehren, die für den Ride-Hailer-Skill nicht registriert ist. Wir haben deshalb angehalten.',
  genericError: 'Etwas ist schiefgelaufen. Geh zurück zur Alexa-App und starte die Verknüpfung neu.',
  technicalDetails: 'Details',
};

const MESSAGES: Record<Locale, Messages> = { en, de };

export function messagesFor(locale: Locale): Messages {
  return MESSAGES[locale];
}

/**
 * Picks the best supported locale from an Accept-Language header (`de-DE,de;q=0.9,en;q=0.8`), by q-value
 * and then order; English when nothing matches.
 */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { language: tag.trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter(({ q }) => Number.isFinite(q) && q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { language } of ranked) {
    const match = SUPPORTED_LOCALES.find((locale) => locale === language);
    if (match) return match;
  }
  return 'en';
}
