import type { Messages } from '../i18n.js';
import { emailInput, errorBox, hiddenCsrf } from './forms.js';
import { html } from '../../../common/html.js';
import { layout } from './layout.js';

export interface SignUpView {
  t: Messages;
  base: string;
  csrf: string;
  name?: string;
  email?: string;
  error?: string;
}

export function signUpPage({ t, base, csrf, name, email, error }: SignUpView): string {
  return layout(
    t,
    t.signUpTitle,
    html`<h1>${t.signUpTitle}</h1>
<p>${t.signUpIntro}</p>
${errorBox(error)}
<form method="post" action="${base}/signup" novalidate>
${hiddenCsrf(csrf)}
<label for="name">${t.nameLabel}</label>
<input id="name" name="name" type="text" autocomplete="name" value="${name ?? ''}">
<label for="email">${t.emailLabel}</label>
${emailInput(email)}
<label for="password">${t.newPasswordLabel}</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8">
<button type="submit">${t.signUpButton}</button>
</form>
<div class="links"><p>${t.haveAccount} <a href="${base}">${t.signInLink}</a></p></div>`,
  );
}

/**
 * The one answer to every acceptable sign-up, whether or not the email already has an account: the mail to the
 * address says which it was, so only the owner of the mailbox learns it.
 */
export function signUpSentPage({ t, base, email }: { t: Messages; base: string; email: string }): string {
  return layout(
    t,
    t.signUpTitle,
    html`<h1>${t.signUpTitle}</h1>
<p class="notice" id="signup-sent">${t.signUpSent(email)}</p>
<p><small>${t.mailLocalNote}</small></p>
<div class="links"><p><a href="${base}">${t.backToSignIn}</a></p></div>`,
  );
}

/** Behind the link in the confirmation mail: a button, so a mail scanner fetching the link creates nothing. */
export function confirmSignUpPage(view: { t: Messages; action: string; csrf: string; email: string }): string {
  const { t, action, csrf, email } = view;
  return layout(
    t,
    t.confirmSignUpTitle,
    html`<h1>${t.confirmSignUpTitle}</h1>
<p>${t.confirmSignUpIntro(email)}</p>
<form method="post" action="${action}">
${hiddenCsrf(csrf)}
<button type="submit">${t.signUpButton}</button>
</form>`,
  );
}

/** After the confirmation (or when the account exists by now): back to the sign-in the user came from. */
export function signUpDonePage(view: { t: Messages; message: string; continueUrl: string | undefined }): string {
  const { t, message, continueUrl } = view;
  return layout(
    t,
    t.confirmSignUpTitle,
    html`<h1>${t.confirmSignUpTitle}</h1>
<p class="notice" id="signup-done">${message}</p>
${continueUrl ? html`<div class="links"><p><a href="${continueUrl}">${t.continueSignIn}</a></p></div>` : ''}`,
  );
}
