import type { Messages } from '../i18n.js';
import { emailInput, errorBox, hiddenCsrf } from './forms.js';
import { html } from '../../../common/html.js';
import { layout } from './layout.js';

/** The request form; `error` is an inline message (an invalid email, or too many requests and when to retry). */
export function recoverRequestPage(view: { t: Messages; base: string; csrf: string; email?: string; error?: string }): string {
  const { t, base, csrf, email, error } = view;
  return layout(
    t,
    t.recoverTitle,
    html`<h1>${t.recoverTitle}</h1>
<p>${t.recoverIntro}</p>
${errorBox(error)}
<form method="post" action="${base}/recover" novalidate>
${hiddenCsrf(csrf)}
<label for="email">${t.emailLabel}</label>
${emailInput(email, true)}
<button type="submit">${t.sendLinkButton}</button>
</form>
<div class="links"><p><a href="${base}">${t.backToSignIn}</a></p></div>`,
  );
}

export function recoverSentPage({ t, base, email }: { t: Messages; base: string; email: string }): string {
  return layout(
    t,
    t.recoverTitle,
    html`<h1>${t.recoverTitle}</h1>
<p class="notice" id="recover-sent">${t.recoverSent(email)}</p>
<p><small>${t.mailLocalNote}</small></p>
<div class="links"><p><a href="${base}">${t.backToSignIn}</a></p></div>`,
  );
}

export function resetPasswordPage(view: { t: Messages; action: string; csrf: string; error?: string }): string {
  const { t, action, csrf, error } = view;
  return layout(
    t,
    t.resetTitle,
    html`<h1>${t.resetTitle}</h1>
${errorBox(error)}
<form method="post" action="${action}" novalidate>
${hiddenCsrf(csrf)}
<label for="password">${t.newPasswordLabel}</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" autofocus>
<button type="submit">${t.resetButton}</button>
</form>`,
  );
}

/** After a reset: back to the sign-in interaction the user came from, when there was one. */
export function resetDonePage({ t, continueUrl }: { t: Messages; continueUrl: string | undefined }): string {
  return layout(
    t,
    t.resetTitle,
    html`<h1>${t.resetTitle}</h1>
<p class="notice" id="reset-done">${t.resetDone}</p>
${continueUrl ? html`<div class="links"><p><a href="${continueUrl}">${t.continueSignIn}</a></p></div>` : ''}`,
  );
}
