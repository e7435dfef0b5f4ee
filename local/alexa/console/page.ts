/**
 * The console page, rendered on the server in English or German (the UI follows the locale being tested). The
 * script's strings travel in a JSON block (data, never executed), so the page needs no inline script.
 */
import { html, htmlDocument, SafeHtml } from '../../../common/html.js';
import { SUPPORTED_LOCALES, type Locale } from '../interaction-model.js';

const en = {
  lang: 'en',
  title: 'Ride Hailer — test console',
  intro: 'Talk to the skill as the Alexa developer console\'s Test tab does: offline, signed requests, your linked account.',
  localeLabel: 'Locale',
  switchLocale: 'Switch',
  newSession: 'New session',
  speak: 'Speak answers aloud',
  conversation: 'Conversation',
  utteranceLabel: 'Type what you would say',
  utterancePlaceholder: 'order a ride to the airport',
  send: 'Send',
  empty: 'Nothing said yet. Try “open ride hailer”, “order a ride to the airport”, “where is my ride”.',
  account: 'Account',
  linkActions: 'Link',
  linkCode: 'Link account',
  linkBasic: 'Link granting only basic_profile',
  linkBridge: 'Link through the bridge',
  linkImplicit: 'Link with the implicit grant',
  accountActions: 'Break the link',
  expire: 'Expire the access token now',
  revoke: 'Revoke at the authorization server',
  unlink: 'Unlink',
  faults: 'Ride Hailer API faults',
  faultStatus: 'Answer every request with',
  faultNone: 'no forced status',
  faultLatency: 'Added latency (ms)',
  faultHang: 'Hang (accept, never answer)',
  faultMalformed: 'Malformed JSON',
  faultRefuse: 'Refuse every token (401)',
  applyFaults: 'Apply',
  clearFaults: 'All off',
  events: 'Skill events',
  eventsIntro: 'Out-of-session events, as Alexa sends them when the skill is enabled, linked or disabled.',
  client: {
    you: 'You',
    alexa: 'Alexa',
    reprompt: 'Reprompt',
    sessionEnded: 'Session ended',
    sessionOpen: 'Session stays open',
    directive: 'Directive',
    card: 'Card',
    linkCardTitle: 'Link your Ride Hailer account',
    linkCardText: 'The Alexa app shows this card. Linking opens the sign-in page in a new tab.',
    linkButton: 'Link account',
    skillIo: 'Skill I/O',
    request: 'Request',
    response: 'Response',
    noResponse: '(no usable answer)',
    copy: 'Copy',
    copied: 'Copied',
    linked: 'Linked',
    notLinked: 'Not linked',
    notLinkedHint: 'Requests carry no access token. Link an account below, or say something that needs one to get the card.',
    subject: 'Account (subject)',
    scopes: 'Permissions',
    noScopes: 'none',
    expires: 'Access token',
    expiresIn: 'expires {when}',
    expiredAgo: 'expired {when}',
    grant: 'Linked with',
    grants: { code: 'the authorization code grant', implicit: 'the implicit grant' },
    routes: { direct: 'directly', bridge: 'through the bridge' },
    refreshable: 'refreshable',
    notRefreshable: 'no refresh token',
    faultsBanner: 'Ride Hailer API faults in force: {faults}. Answers below may be failures you asked for.',
    eventDone: 'The skill accepted it (events get no spoken answer).',
    eventFailed: 'The skill did not accept it',
    linkedNow: 'Account linked',
    unlinkedNow: 'Account unlinked',
    failed: 'Failed',
    faultsApplied: 'Faults in force',
    noFaults: 'none',
    /** Each fault in the tester's words, as the form above names it (not the API's field names). */
    faultNames: {
      status: 'every answer {value}',
      retryAfterSeconds: 'Retry-After {value} s',
      latencyMs: '{value} ms added latency',
      hang: 'hang',
      malformedJson: 'malformed JSON',
      refuseAllTokens: 'every token refused (401)',
    },
    sessionEndedByUser: 'New session: the open session was ended (SessionEndedRequest).',
    event: 'Event',
    revoked: 'Refresh token revoked at the authorization server; the next request tries to refresh and is refused.',
    expiredNow: 'Access token marked expired; the next request refreshes it.',
    expiredNowImplicit: 'Access token marked expired. An implicit link has no refresh token: the next request goes without a token and the skill asks to link again.',
  },
};

type Messages = typeof en;

const de: Messages = {
  lang: 'de',
  title: 'Ride Hailer — Testkonsole',
  intro: 'Sprich mit dem Skill wie im Test-Tab der Alexa-Entwicklerkonsole: offline, mit signierten Anfragen und deinem verknüpften Konto.',
  localeLabel: 'Sprache',
  switchLocale: 'Wechseln',
  newSession: 'Neue Sitzung',
  speak: 'Antworten vorlesen',
  conversation: 'Unterhaltung',
  utteranceLabel: 'Tippe, was du sagen würdest',
  utterancePlaceholder: 'bestelle eine Fahrt zum Flughafen',
  send: 'Senden',
  empty: 'Noch nichts gesagt. Versuche „öffne ride hailer“, „bestelle eine Fahrt zum Flughafen“, „wo ist meine Fahrt“.',
  account: 'Konto',
  linkActions: 'Verknüpfen',
  linkCode: 'Konto verknüpfen',
  linkBasic: 'Nur basic_profile erlauben',
  linkBridge: 'Über die Bridge verknüpfen',
  linkImplicit: 'Mit dem Implicit Grant verknüpfen',
  accountActions: 'Verknüpfung stören',
  expire: 'Zugriffstoken jetzt ablaufen lassen',
  revoke: 'Beim Autorisierungsserver widerrufen',
  unlink: 'Verknüpfung aufheben',
  faults: 'Störungen der Ride-Hailer-API',
  faultStatus: 'Jede Anfrage beantworten mit',
  faultNone: 'keinem erzwungenen Status',
  faultLatency: 'Zusätzliche Latenz (ms)',
  faultHang: 'Hängen (annehmen, nie antworten)',
  faultMalformed: 'Kaputtes JSON',
  faultRefuse: 'Jedes Token ablehnen (401)',
  applyFaults: 'Anwenden',
  clearFaults: 'Alle aus',
  events: 'Skill-Ereignisse',
  eventsIntro: 'Ereignisse außerhalb einer Sitzung, wie Alexa sie beim Aktivieren, Verknüpfen oder Deaktivieren sendet.',
  client: {
    you: 'Du',
    alexa: 'Alexa',
    reprompt: 'Nachfrage',
    sessionEnded: 'Sitzung beendet',
    sessionOpen: 'Sitzung bleibt offen',
    directive: 'Direktive',
    card: 'Karte',
    linkCardTitle: 'Verknüpfe dein Ride-Hailer-Konto',
    linkCardText: 'Diese Karte zeigt die Alexa-App. Verknüpfen öffnet die Anmeldeseite in einem neuen Tab.',
    linkButton: 'Konto verknüpfen',
    skillIo: 'Skill-Ein-/Ausgabe',
    request: 'Anfrage',
    response: 'Antwort',
    noResponse: '(keine brauchbare Antwort)',
    copy: 'Kopieren',
    copied: 'Kopiert',
    linked: 'Verknüpft',
    notLinked: 'Nicht verknüpft',
    notLinkedHint: 'Anfragen tragen kein Zugriffstoken. Verknüpfe unten ein Konto oder sag etwas, das eines braucht, um die Karte zu sehen.',
    subject: 'Konto (Subjekt)',
    scopes: 'Berechtigungen',
    noScopes: 'keine',
    expires: 'Zugriffstoken',
    expiresIn: 'läuft {when} ab',
    expiredAgo: '{when} abgelaufen',
    grant: 'Verknüpft mit',
    grants: { code: 'dem Authorization Code Grant', implicit: 'dem Implicit Grant' },
    routes: { direct: 'direkt', bridge: 'über die Bridge' },
    refreshable: 'erneuerbar',
    notRefreshable: 'kein Refresh-Token',
    faultsBanner: 'Aktive Störungen der Ride-Hailer-API: {faults}. Antworten unten können gewollte Fehler sein.',
    eventDone: 'Der Skill hat es angenommen (Ereignisse bekommen keine gesprochene Antwort).',
    eventFailed: 'Der Skill hat es nicht angenommen',
    linkedNow: 'Konto verknüpft',
    unlinkedNow: 'Verknüpfung aufgehoben',
    failed: 'Fehlgeschlagen',
    faultsApplied: 'Aktive Störungen',
    noFaults: 'keine',
    faultNames: {
      status: 'jede Antwort {value}',
      retryAfterSeconds: 'Retry-After {value} s',
      latencyMs: '{value} ms zusätzliche Latenz',
      hang: 'hängen',
      malformedJson: 'kaputtes JSON',
      refuseAllTokens: 'jedes Token abgelehnt (401)',
    },
    sessionEndedByUser: 'Neue Sitzung: die offene Sitzung wurde beendet (SessionEndedRequest).',
    event: 'Ereignis',
    revoked: 'Refresh-Token beim Autorisierungsserver widerrufen; die nächste Anfrage versucht zu erneuern und wird abgelehnt.',
    expiredNow: 'Zugriffstoken als abgelaufen markiert; die nächste Anfrage erneuert es.',
    expiredNowImplicit: 'Zugriffstoken als abgelaufen markiert. Eine Implicit-Verknüpfung hat kein Refresh-Token: die nächste Anfrage geht ohne Token, und der Skill bittet, neu zu verknüpfen.',
  },
};

const FAULT_STATUSES = [500, 502, 503, 429, 400];

/** ?locale= wins; otherwise German for a German browser, else en-US. */
export function consoleLocale(requested: unknown, acceptLanguage: string | undefined): Locale {
  if (typeof requested === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(requested)) return requested as Locale;
  return /^\s*de\b/i.test(acceptLanguage ?? '') ? 'de-DE' : 'en-US';
}

export function renderConsolePage(locale: Locale): string {
  const t = locale === 'de-DE' ? de : en;
  const options = SUPPORTED_LOCALES.map((code) => html`<option value="${code}"${new SafeHtml(code === locale ? ' selected' : '')}>${code}</option>`);
  const statuses = FAULT_STATUSES.map((status) => html`<option value="${status}">${status}</option>`);
  const linkHref = (query: string) => `/console/link${query}`;
  return htmlDocument({
    lang: t.lang,
    title: t.title,
    head: html`<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console.css">
<script type="application/json" id="console-messages">${new SafeHtml(JSON.stringify(t.client).replace(/</g, '\\u003c'))}</script>
<script src="/console.js" defer></script>`,
    bodyAttributes: { 'data-locale': locale },
    body: html`<header>
<h1>${t.title}</h1>
<p class="intro">${t.intro}</p>
<form method="get" action="/" class="toolbar" id="locale-form">
<label for="locale">${t.localeLabel}</label>
<select id="locale" name="locale">${options}</select>
<button type="submit" class="secondary" id="switch-locale">${t.switchLocale}</button>
<button type="button" class="secondary" id="new-session">${t.newSession}</button>
<label class="check"><input type="checkbox" id="speak"> ${t.speak}</label>
</form>
</header>
<main>
<section aria-labelledby="conversation-title" class="conversation">
<h2 id="conversation-title">${t.conversation}</h2>
<p id="faults-banner" class="faults-banner" role="status" hidden><span></span> <button type="button" class="secondary small" data-faults-off>${t.clearFaults}</button></p>
<ol id="transcript" aria-live="polite" aria-relevant="additions"><li class="empty">${t.empty}</li></ol>
<form id="say-form" class="say">
<label for="utterance">${t.utteranceLabel}</label>
<div class="row">
<input id="utterance" name="utterance" autocomplete="off" maxlength="500" required placeholder="${t.utterancePlaceholder}">
<button type="submit">${t.send}</button>
</div>
</form>
</section>
<aside>
<section aria-labelledby="account-title">
<h2 id="account-title">${t.account}</h2>
<div id="account" aria-live="polite"></div>
<h3>${t.linkActions}</h3>
<p class="actions">
<a class="button" target="_blank" rel="noopener" data-link href="${linkHref('')}">${t.linkCode}</a>
<a class="button secondary" target="_blank" rel="noopener" data-link href="${linkHref('?scope=basic_profile')}">${t.linkBasic}</a>
<a class="button secondary" target="_blank" rel="noopener" data-link href="${linkHref('?via=bridge')}">${t.linkBridge}</a>
<a class="button secondary" target="_blank" rel="noopener" data-link href="${linkHref('?grant=implicit')}">${t.linkImplicit}</a>
</p>
<h3>${t.accountActions}</h3>
<p class="actions">
<button type="button" class="secondary" data-account="expire">${t.expire}</button>
<button type="button" class="secondary" data-account="revoke">${t.revoke}</button>
<button type="button" class="secondary" data-account="unlink">${t.unlink}</button>
</p>
</section>
<section aria-labelledby="faults-title">
<h2 id="faults-title">${t.faults}</h2>
<form id="faults-form">
<label for="fault-status">${t.faultStatus}</label>
<select id="fault-status" name="status"><option value="">${t.faultNone}</option>${statuses}</select>
<label for="fault-latency">${t.faultLatency}</label>
<input id="fault-latency" name="latencyMs" type="number" min="0" max="600000" step="100" inputmode="numeric" value="0">
<label class="check"><input type="checkbox" name="hang" id="fault-hang"> ${t.faultHang}</label>
<label class="check"><input type="checkbox" name="malformedJson" id="fault-malformed"> ${t.faultMalformed}</label>
<label class="check"><input type="checkbox" name="refuseAllTokens" id="fault-refuse"> ${t.faultRefuse}</label>
<p class="actions"><button type="submit">${t.applyFaults}</button> <button type="button" class="secondary" id="faults-off" data-faults-off>${t.clearFaults}</button></p>
<p id="faults-status" role="status"></p>
</form>
</section>
<section aria-labelledby="events-title">
<h2 id="events-title">${t.events}</h2>
<p>${t.eventsIntro}</p>
<p class="actions">
<button type="button" class="secondary" data-event="SkillAccountLinked">SkillAccountLinked</button>
<button type="button" class="secondary" data-event="SkillEnabled">SkillEnabled</button>
<button type="button" class="secondary" data-event="SkillDisabled">SkillDisabled</button>
</p>
</section>
</aside>
</main>`,
  });
}
