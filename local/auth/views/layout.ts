import type { Messages } from '../i18n.js';
import { html, htmlDocument, SafeHtml } from '../../../common/html.js';

// Phone-first styling: 16 px inputs (no zoom-on-focus on iOS), 48 px touch targets, no fixed widths.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f4f5f7}
main{max-width:420px;margin:0 auto;padding:24px 16px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 12px}
p{margin:0 0 16px}
label{display:block;font-weight:600;margin:16px 0 4px}
input{display:block;width:100%;min-height:48px;padding:10px 12px;font-size:16px;border:1px solid #8a8f98;border-radius:8px;background:#fff}
input:focus{outline:3px solid #0b63ce;outline-offset:1px}
button{display:block;width:100%;min-height:48px;margin-top:24px;font-size:1rem;font-weight:600;border:0;border-radius:8px;background:#0b63ce;color:#fff}
button.secondary{background:#fff;color:#0b63ce;border:1px solid #0b63ce;margin-top:12px}
.error{padding:12px;border-radius:8px;background:#fdecea;color:#8a1c13;border:1px solid #f5c2bc}
.notice{padding:12px;border-radius:8px;background:#e8f3ff;border:1px solid #b9d7fb}
.links{margin-top:24px}
.links a{display:inline-block;min-height:44px;padding:10px 0;color:#0b63ce}
ul.scopes{padding-left:20px}
ul.scopes li{margin-bottom:8px}
small{color:#555}
code{word-break:break-all}
`;

/** The HTML document around every page. Deliberately no JavaScript at all: no pop-ups, no alerts. */
export function layout(t: Messages, title: string, body: SafeHtml): string {
  return htmlDocument({
    lang: t.htmlLang,
    title: `${title} – ${t.brand}`,
    head: html`<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${new SafeHtml(STYLE)}</style>`,
    body: html`<main>
${body}
</main>`,
  });
}
