import type { Messages } from '../i18n.js';
import { emailInput, errorBox, hiddenCsrf } from './forms.js';
import { html } from './html.js';
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
