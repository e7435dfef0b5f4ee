import type { ScopeName } from '../../../lambda/account/scopes.js';
import type { Messages } from '../i18n.js';
import { neutraliseName } from '../input.js';
import { hiddenCsrf } from './forms.js';
import { html } from '../../../common/html.js';
import { layout } from './layout.js';

export interface ConsentView {
  t: Messages;
  base: string;
  csrf: string;
  clientName: string;
  user: { name: string; email: string };
  /** The scopes that will be granted: requested and known, nothing else. */
  scopes: readonly ScopeName[];
}

/** Names the signed-in account, says what each scope allows, and lets another account sign in instead. */
export function consentPage({ t, base, csrf, clientName, user, scopes }: ConsentView): string {
  // Names are neutralised on the way in; again here for accounts stored before that (a U+202E must not reorder the page).
  const name = neutraliseName(user.name);
  return layout(
    t,
    t.consentTitle,
    html`<h1>${t.consentTitle}</h1>
<p>${t.signedInAs(name, user.email)}</p>
${
  scopes.length
    ? html`<p>${t.consentIntro(clientName)}</p>
<ul class="scopes">${scopes.map((scope) => html`<li data-scope="${scope}">${t.scopeDescriptions[scope]}</li>`)}</ul>`
    : html`<p>${t.consentNothing}</p>`
}
<p><small>${t.consentUnlinkNote}</small></p>
<form method="post" action="${base}/confirm">
${hiddenCsrf(csrf)}
<button type="submit">${t.allowButton}</button>
</form>
<form method="post" action="${base}/abort">
${hiddenCsrf(csrf)}
<button type="submit" class="secondary">${t.denyButton}</button>
</form>
<form method="post" action="${base}/switch-account" class="links">
${hiddenCsrf(csrf)}
<p>${t.notYou(name)}</p>
<button type="submit" class="secondary" id="switch-account">${t.useAnotherAccount}</button>
</form>`,
  );
}
