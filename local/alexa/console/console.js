// The console's only script: sends what the tester does to /console/api/… and draws the answers. No framework and
// no innerHTML: every text the skill or the server sends is set with textContent.
'use strict';

const t = JSON.parse(document.getElementById('console-messages').textContent);
const locale = document.body.dataset.locale;
const transcript = document.getElementById('transcript');
const utterance = document.getElementById('utterance');
let lastLinkedAt;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
  return json;
}

function add(node) {
  transcript.querySelector('.empty')?.remove();
  const item = el('li', {}, node);
  transcript.append(item);
  // Scroll the transcript only: scrollIntoView would scroll the page too and move the input away.
  transcript.scrollTop = transcript.scrollHeight;
  return item;
}

function note(text, problem = false) {
  add(el('p', { class: problem ? 'note problem' : 'note', role: problem ? 'alert' : 'status' }, text));
}

function speak(text) {
  if (!document.getElementById('speak').checked || !('speechSynthesis' in window)) return;
  const spoken = new SpeechSynthesisUtterance(text);
  spoken.lang = locale;
  speechSynthesis.speak(spoken);
}

function linkCard() {
  return el(
    'div',
    { class: 'card', 'data-card': 'LinkAccount' },
    el('strong', {}, t.linkCardTitle),
    el('p', {}, t.linkCardText),
    el('a', { class: 'button', href: '/console/link', target: '_blank', rel: 'noopener', 'data-link': '' }, t.linkButton),
  );
}

function copyButton(text) {
  const button = el('button', { type: 'button', class: 'secondary' }, t.copy);
  button.addEventListener('click', async () => {
    await navigator.clipboard.writeText(text).catch(() => undefined);
    button.textContent = t.copied;
  });
  return button;
}

function skillIo(exchanges) {
  if (!exchanges.length) return null;
  const details = el('details', { class: 'io' }, el('summary', {}, `${t.skillIo} (${exchanges.length})`));
  for (const { request, response } of exchanges) {
    const requestText = JSON.stringify(request, null, 2);
    const responseText = response === null ? t.noResponse : JSON.stringify(response, null, 2);
    details.append(
      el('p', { class: 'meta' }, `${t.request}: ${request.request.type} `, copyButton(requestText)),
      el('pre', { 'data-json': 'request' }, requestText),
      el('p', { class: 'meta' }, `${t.response} `, copyButton(responseText)),
      el('pre', { 'data-json': 'response' }, responseText),
    );
  }
  return details;
}

function describeIntent(turn) {
  if (!turn.intent) return turn.requestType;
  const slots = Object.values(turn.intent.slots || {})
    .filter((slot) => slot.value !== undefined)
    .map((slot) => `${slot.name}="${slot.value}"`);
  const confirmation = turn.intent.confirmationStatus && turn.intent.confirmationStatus !== 'NONE' ? ` ${turn.intent.confirmationStatus}` : '';
  return `${turn.requestType} ${turn.intent.name}${slots.length ? ` ${slots.join(' ')}` : ''}${confirmation}`;
}

function showAnswer(answer) {
  if (answer.linkChange) note(answer.linkChange.text, answer.linkChange.kind === 'dropped' || answer.linkChange.kind === 'expired');
  const turn = answer.turn;
  const bubble = el('div', { class: 'alexa' });
  if (turn) {
    bubble.append(el('p', { class: 'meta' }, describeIntent(turn)));
    if (turn.speech !== undefined) {
      bubble.append(el('p', { 'data-speech': '' }, turn.speech));
      speak(turn.speech);
    }
    if (turn.reprompt !== undefined) bubble.append(el('p', { class: 'meta' }, `${t.reprompt}: ${turn.reprompt}`));
    for (const directive of turn.directives) {
      const target = directive.slotToElicit || directive.slotToConfirm;
      bubble.append(el('p', { class: 'meta', 'data-directive': directive.type }, `${t.directive}: ${directive.type}${target ? ` → ${target}` : ''}`));
    }
    if (turn.card) {
      if (turn.card.type === 'LinkAccount') bubble.append(linkCard());
      else bubble.append(el('div', { class: 'card', 'data-card': turn.card.type }, el('strong', {}, turn.card.title || t.card), el('p', {}, turn.card.content || '')));
    }
    bubble.append(el('p', { class: 'meta' }, turn.ended ? t.sessionEnded : t.sessionOpen));
  }
  if (answer.error) bubble.append(el('p', { class: 'note problem', role: 'alert' }, `${t.failed}: ${answer.error}`));
  const io = skillIo(answer.exchanges);
  if (io) bubble.append(io);
  if (bubble.childElementCount > 0) add(bubble);
  if (answer.account) showAccount(answer.account);
}

const relativeTime = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
const exactTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });

/** "in 59 minutes", "2 hours ago": the largest unit that is at least one. */
function relative(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const units = [['day', 86_400], ['hour', 3600], ['minute', 60]];
  for (const [unit, size] of units) if (Math.abs(seconds) >= size) return relativeTime.format(Math.trunc(seconds / size), unit);
  return relativeTime.format(seconds, 'second');
}

function showAccount(account) {
  const panel = document.getElementById('account');
  panel.dataset.linked = String(account.linked);
  const status = el('p', { class: 'status', 'data-linked': String(account.linked) }, account.linked ? `✓ ${t.linked}` : t.notLinked);
  if (!account.linked) {
    panel.replaceChildren(status, el('p', { class: 'meta' }, t.notLinkedHint));
  } else {
    const list = el('dl');
    const row = (term, ...value) => list.append(el('dt', {}, term), el('dd', {}, ...value));
    if (account.subject) row(t.subject, el('code', { class: 'subject', title: account.subject }, account.subject));
    row(t.scopes, account.scopes.length ? el('ul', { class: 'chips' }, ...account.scopes.map((scope) => el('li', {}, scope))) : t.noScopes);
    if (account.expiresAt) {
      const expiresAt = new Date(account.expiresAt);
      const when = relative(expiresAt);
      const text = (account.expired ? t.expiredAgo : t.expiresIn).replace('{when}', when);
      row(t.expires, el('time', { datetime: account.expiresAt, title: exactTime.format(expiresAt), 'data-expired': String(Boolean(account.expired)) }, text));
    }
    row(t.grant, `${t.grants[account.grant]}, ${t.routes[account.route]} · ${account.refreshable ? t.refreshable : t.notRefreshable}`);
    panel.replaceChildren(status, list);
  }
  // A link completed in the other tab shows up here without a reload.
  const linkedAt = account.linkedAt ?? null;
  if (lastLinkedAt !== undefined && linkedAt !== lastLinkedAt) note(account.linked ? t.linkedNow : t.unlinkedNow);
  lastLinkedAt = linkedAt;
}

function showFaults(faults) {
  const names = Object.entries(faults).filter(([, value]) => value !== undefined && value !== false && value !== 0);
  const described = names.map(([name, value]) => (t.faultNames[name] ?? name).replace('{value}', String(value))).join(', ');
  document.getElementById('faults-status').textContent = `${t.faultsApplied}: ${described || t.noFaults}`;
  // Next to the conversation too, so a failure the tester asked for never looks like an outage.
  const banner = document.getElementById('faults-banner');
  banner.hidden = names.length === 0;
  banner.querySelector('span').textContent = t.faultsBanner.replace('{faults}', described);
}

async function busy(button, action) {
  if (button) button.disabled = true;
  try {
    await action();
  } catch (error) {
    note(`${t.failed}: ${error.message}`, true);
  } finally {
    if (button) button.disabled = false;
  }
}

document.getElementById('locale').addEventListener('change', () => document.getElementById('locale-form').submit());

document.getElementById('say-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = utterance.value.trim();
  if (!text) return;
  utterance.value = '';
  add(el('p', { class: 'you' }, text));
  busy(event.submitter, async () => showAnswer(await call('POST', '/console/api/say', { locale, utterance: text })));
});

document.getElementById('new-session').addEventListener('click', (event) =>
  busy(event.currentTarget, async () => {
    const answer = await call('POST', '/console/api/session/end', { locale });
    if (answer.exchanges.length) showEntry('SessionEndedRequest', t.sessionEndedByUser, answer);
    else if (answer.account) showAccount(answer.account);
  }),
);

for (const button of document.querySelectorAll('[data-account]')) {
  button.addEventListener('click', () =>
    busy(button, async () => {
      const action = button.dataset.account;
      const { account } = await call('POST', '/console/api/account', { action });
      if (action === 'expire') note(account.refreshable ? t.expiredNow : t.expiredNowImplicit);
      if (action === 'revoke') note(t.revoked);
      showAccount(account);
    }),
  );
}

/**
 * A request the tester did not speak (a skill event, the end of a session) is not a conversation turn: one labelled
 * entry says what went out and what the skill did, with its envelopes.
 */
function showEntry(title, outcome, answer) {
  const entry = el(
    'div',
    { class: 'event', 'data-entry': title },
    el('strong', {}, title),
    el('p', { class: answer.error ? 'note problem' : 'meta' }, answer.error ? `${t.eventFailed}: ${answer.error}` : outcome),
  );
  const io = skillIo(answer.exchanges);
  if (io) entry.append(io);
  add(entry);
  if (answer.account) showAccount(answer.account);
}

for (const button of document.querySelectorAll('[data-event]')) {
  button.addEventListener('click', () =>
    busy(button, async () => {
      const event = button.dataset.event;
      showEntry(`${t.event}: AlexaSkillEvent.${event}`, t.eventDone, await call('POST', '/console/api/event', { locale, event }));
    }),
  );
}

const faultsForm = document.getElementById('faults-form');
faultsForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(faultsForm);
  const faults = {
    latencyMs: Number(data.get('latencyMs') || 0),
    hang: data.has('hang'),
    malformedJson: data.has('malformedJson'),
    refuseAllTokens: data.has('refuseAllTokens'),
  };
  if (data.get('status')) faults.status = Number(data.get('status'));
  busy(event.submitter, async () => showFaults((await call('PUT', '/console/api/faults', faults)).faults));
});
for (const button of document.querySelectorAll('[data-faults-off]')) {
  button.addEventListener('click', () =>
    busy(button, async () => {
      faultsForm.reset();
      showFaults((await call('PUT', '/console/api/faults', {})).faults);
    }),
  );
}

async function refreshState() {
  try {
    const { account, faults } = await call('GET', '/console/api/state');
    showAccount(account);
    showFaults(faults);
  } catch {
    // npm start stopped; the next poll tries again.
  }
}
refreshState();
// Linking happens in another tab; the account panel follows it.
setInterval(() => {
  if (document.visibilityState === 'visible') refreshState();
}, 1500);
