import { html, type SafeHtml } from '../../../common/html.js';

/** Attributes of every email field: no auto-correct/-capitalize/spell-check (Amazon's login-page advice). */
export function emailInput(value: string | undefined, autofocus = false): SafeHtml {
  return html`<input id="email" name="email" type="email" inputmode="email" autocomplete="username"
  autocapitalize="none" autocorrect="off" spellcheck="false" value="${value ?? ''}"${autofocus ? html` autofocus` : ''}>`;
}

export function hiddenCsrf(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

/** The inline error box; forms re-render with it instead of any dialog. */
export function errorBox(message: string | undefined): SafeHtml {
  return message ? html`<p class="error" role="alert" id="form-error">${message}</p>` : html``;
}
