/**
 * The pages a user sees at the end of the linking journey (the code grant's callback, the implicit grant's
 * account-linking-status page): the same look as the login pages (local/auth/views), in the language the browser
 * asks for (as the login pages choose theirs), with the outcome said plainly — linked, cancelled by the user, or
 * failed and why.
 */
import { messagesFor, negotiateLocale } from '../auth/i18n.js';
import { html, SafeHtml } from '../../common/html.js';
import { layout } from '../auth/views/layout.js';
import { LinkingError } from './linking.js';
import type { AuthorizationOutcome } from './token-store.js';

export type EndOutcome = 'linked' | 'cancelled' | 'failed';

export interface EndPage {
  status: number;
  outcome: EndOutcome;
  title: string;
  message: string;
  lang: 'en' | 'de';
}

const TEXT = {
  en: {
    linkedTitle: 'Linked',
    linked: 'Your Ride Hailer account is now linked with Alexa. You can close this page and go back to Alexa.',
    cancelledTitle: 'Linking cancelled',
    cancelled: 'You chose not to allow access, so nothing was linked. To link later, open the skill in the Alexa app again.',
    failedTitle: 'Linking failed',
    failed: (reason: string) => `Your account was not linked: ${reason} Try linking again from the Alexa app.`,
    pendingTitle: 'Linking your account …',
    pending: 'One moment.',
    noAnswer: 'Linking failed: the simulator did not answer.',
    backToConsole: 'Back to the test console',
    reasons: {
      // The pending authorizations live in npm start's memory: a restart forgets them, the likeliest cause locally.
      state_mismatch: 'this link was already used, was started more than 15 minutes ago, or npm start was restarted since.',
      authorization_error: 'the sign-in did not end with a code or a token.',
      token_request_failed: 'the sign-in worked, but the token exchange was refused.',
      token_endpoint_unreachable: 'the sign-in worked, but the token endpoint could not be reached in time.',
      invalid_token_response: 'the sign-in worked, but the token endpoint answered with something unusable.',
      unexpected: 'something unexpected went wrong; the terminal of the simulator says what.',
    },
  },
  de: {
    linkedTitle: 'Verknüpft',
    linked: 'Dein Ride-Hailer-Konto ist jetzt mit Alexa verknüpft. Du kannst diese Seite schließen und zu Alexa zurückkehren.',
    cancelledTitle: 'Verknüpfung abgebrochen',
    cancelled: 'Du hast den Zugriff nicht erlaubt, daher wurde nichts verknüpft. Um später zu verknüpfen, öffne den Skill erneut in der Alexa-App.',
    failedTitle: 'Verknüpfung fehlgeschlagen',
    failed: (reason: string) => `Dein Konto wurde nicht verknüpft: ${reason} Versuche es erneut in der Alexa-App.`,
    pendingTitle: 'Dein Konto wird verknüpft …',
    pending: 'Einen Moment.',
    noAnswer: 'Verknüpfung fehlgeschlagen: der Simulator hat nicht geantwortet.',
    backToConsole: 'Zurück zur Testkonsole',
    reasons: {
      state_mismatch: 'dieser Link wurde schon benutzt, vor mehr als 15 Minuten begonnen, oder npm start wurde seitdem neu gestartet.',
      authorization_error: 'die Anmeldung endete ohne Code oder Token.',
      token_request_failed: 'die Anmeldung hat geklappt, aber der Token-Austausch wurde abgelehnt.',
      token_endpoint_unreachable: 'die Anmeldung hat geklappt, aber der Token-Endpunkt war nicht rechtzeitig erreichbar.',
      invalid_token_response: 'die Anmeldung hat geklappt, aber der Token-Endpunkt hat unbrauchbar geantwortet.',
      unexpected: 'etwas Unerwartetes ist schiefgegangen; das Terminal des Simulators sagt, was.',
    },
  },
} as const;

export function pageLanguage(acceptLanguage: string | undefined): 'en' | 'de' {
  return negotiateLocale(acceptLanguage);
}

/** What to show for the result of completing a link: `error` undefined means it worked. */
export function endPageFor(error: unknown, lang: 'en' | 'de'): EndPage {
  const t = TEXT[lang];
  if (error === undefined) return { status: 200, outcome: 'linked', title: t.linkedTitle, message: t.linked, lang };
  if (error instanceof LinkingError && error.code === 'access_denied') {
    return { status: 200, outcome: 'cancelled', title: t.cancelledTitle, message: t.cancelled, lang };
  }
  if (!(error instanceof LinkingError)) return { status: 500, outcome: 'failed', title: t.failedTitle, message: t.failed(t.reasons.unexpected), lang };
  const clientMistake = error.code === 'state_mismatch' || error.code === 'authorization_error';
  // The technical reason (status, OAuth error; never a token) follows in English, as the terminal shows it.
  const reason = `${t.reasons[error.code as keyof typeof t.reasons] ?? t.reasons.unexpected} (${error.message})`;
  return { status: clientMistake ? 400 : 502, outcome: 'failed', title: t.failedTitle, message: t.failed(reason), lang };
}

/**
 * The same page for an outcome another process recorded: `npm run link` says what the browser showed when npm start
 * received the redirect. The technical reason is rebuilt from the recorded status and OAuth error only.
 */
export function endPageForOutcome(outcome: AuthorizationOutcome, lang: 'en' | 'de'): EndPage {
  if (outcome.result === 'linked') return endPageFor(undefined, lang);
  if (outcome.result === 'cancelled') return endPageFor(new LinkingError('access_denied', ''), lang);
  if (outcome.reason === 'unexpected') return endPageFor(new Error('unexpected'), lang);
  const detail =
    outcome.status !== undefined
      ? `the token endpoint answered ${outcome.status}${outcome.oauthError ? ` (${outcome.oauthError})` : ''}`
      : outcome.oauthError !== undefined
        ? `the authorization server answered ${outcome.oauthError}`
        : outcome.reason;
  return endPageFor(new LinkingError(outcome.reason, detail), lang);
}

/** Where the page leads back to: the testers' console when the server that shows it also serves the console. */
export interface EndPageLinks {
  consolePath?: string;
}

function backLink(lang: 'en' | 'de', links: EndPageLinks): SafeHtml {
  if (links.consolePath === undefined) return new SafeHtml('');
  return html`<p class="links"><a href="${links.consolePath}">${TEXT[lang].backToConsole}</a></p>`;
}

export function renderEndPage(page: EndPage, links: EndPageLinks = {}): string {
  const tone = page.outcome === 'linked' ? 'notice' : page.outcome === 'failed' ? 'error' : '';
  return layout(
    messagesFor(page.lang),
    page.title,
    html`<h1 id="title">${page.title}</h1>
<p id="status" class="${tone}" data-outcome="${page.outcome}">${page.message}</p>
${backLink(page.lang, links)}`,
  );
}

/**
 * Alexa's account-linking-status page for the implicit grant: the script takes the fragment out of the address bar
 * first, posts it, and shows the outcome it gets back. It runs only under the per-response nonce.
 */
export function renderImplicitPage(lang: 'en' | 'de', nonce: string, fragmentPath: string, links: EndPageLinks = {}): string {
  const t = TEXT[lang];
  // The tab's title follows the outcome too, in the form layout() gives every page: "<title> – <brand>".
  const script = `
const fragment = location.hash.slice(1);
history.replaceState(null, '', location.pathname + location.search);
const show = (title, message, outcome) => {
  document.getElementById('title').textContent = title;
  document.title = title + ${JSON.stringify(` – ${messagesFor(lang).brand}`)};
  const status = document.getElementById('status');
  status.textContent = message;
  status.className = outcome === 'linked' ? 'notice' : outcome === 'failed' ? 'error' : '';
  status.dataset.outcome = outcome;
};
fetch(${JSON.stringify(fragmentPath)} + location.search, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: fragment,
})
  .then((response) => response.json())
  .then((page) => show(page.title, page.message, page.outcome))
  .catch(() => show(${JSON.stringify(t.failedTitle)}, ${JSON.stringify(t.noAnswer)}, 'failed'));
`;
  return layout(
    messagesFor(lang),
    t.pendingTitle,
    html`<h1 id="title">${t.pendingTitle}</h1>
<p id="status" role="status">${t.pending}</p>
${backLink(lang, links)}
<script nonce="${nonce}">${new SafeHtml(script)}</script>`,
  );
}
