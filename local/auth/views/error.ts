import type { Messages } from '../i18n.js';
import { html } from '../../../common/html.js';
import { layout } from './layout.js';

/** A dead end explained in plain words; the OAuth error code is shown small for support requests. */
export function errorPage({ t, message, detail }: { t: Messages; message: string; detail?: string }): string {
  return layout(
    t,
    t.errorTitle,
    html`<h1>${t.errorTitle}</h1>
<p class="error" role="alert" id="page-error">${message}</p>
${detail ? html`<p><small>${t.technicalDetails}: <code>${detail}</code></small></p>` : ''}`,
  );
}
