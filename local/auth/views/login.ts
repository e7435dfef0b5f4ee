import type { Messages } from '../i18n.js';
import { emailInput, errorBox, hiddenCsrf } from './forms.js';
import { html } from '../../../common/html.js';
import { layout } from './layout.js';

export interface LoginView {
  t: Messages;
  /** `/interaction/<uid>`: the form posts to `<base>/login`, links go to `<base>/signup` and `<base>/recover`. */
  base: string;
  csrf: string;
  email?: string;
  error?: string;
  notice?: string;
}

export function loginPage({ t, base, csrf, email, error, notice }: LoginView): string {
  return layout(
    t,
    t.signInTitle,
    html`<h1>${t.signInTitle}</h1>
<p>${t.signInIntro}</p>
${errorBox(error)}
${notice ? html`<p class="notice">${notice}</p>` : ''}
<form method="post" action="${base}/login" novalidate>
${hiddenCsrf(csrf)}
<label for="email">${t.emailLabel}</label>
${emailInput(email, !email)}
<label for="password">${t.passwordLabel}</label>
<input id="password" name="password" type="password" autocomplete="current-password"${email ? html` autofocus` : ''}>
<button type="submit">${t.signInButton}</button>
</form>
<div class="links">
<p>${t.newHere} <a href="${base}/signup">${t.createAccountLink}</a></p>
<p><a href="${base}/recover">${t.forgotPasswordLink}</a></p>
</div>`,
  );
}
