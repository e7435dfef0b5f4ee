/**
 * One escaper and one document head for every page (common/html.ts): the five characters that matter escaped in the
 * bridge's error pages and in the local stack's pages alike, and the same head around each.
 */
import { expect } from 'chai';
import { errorPage } from '../../bridge/http/responses.js';
import { escapeHtml, html, htmlDocument, SafeHtml } from '../../common/html.js';
import { renderConsolePage } from '../../local/alexa/console/page.js';
import { renderEndPage } from '../../local/alexa/end-pages.js';
import { messagesFor } from '../../local/auth/i18n.js';
import { layout } from '../../local/auth/views/layout.js';

const HOSTILE = `Tom & "Jerry's" <script>`;
const ESCAPED = 'Tom &amp; &quot;Jerry&#39;s&quot; &lt;script&gt;';

/** The head every page shares, in order. */
const HEAD = /^<!doctype html>\n<html lang="[^"]+">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n<title>/;

describe('HTML: one escaper, one document head (common/html.ts)', () => {
  it('escapes & < > " and \' — each once, & first so nothing is escaped twice — and leaves everything else', () => {
    expect(escapeHtml('&')).to.equal('&amp;');
    expect(escapeHtml('<')).to.equal('&lt;');
    expect(escapeHtml('>')).to.equal('&gt;');
    expect(escapeHtml('"')).to.equal('&quot;');
    expect(escapeHtml("'")).to.equal('&#39;');
    expect(escapeHtml('&lt;')).to.equal('&amp;lt;');
    expect(escapeHtml('`Grüße` = 1 / 2;')).to.equal('`Grüße` = 1 / 2;');
  });

  it('html`` escapes what it is given, keeps SafeHtml, joins arrays, and drops undefined, null and false', () => {
    const list = ['<a>', new SafeHtml('<b>')];
    expect(html`<p title="${HOSTILE}">${list}${undefined}${null}${false}${0}</p>`.value).to.equal(`<p title="${ESCAPED}">&lt;a&gt;<b>0</p>`);
  });

  it('writes the document: the shared head, the page\'s own head after the title, escaped title, lang and body attributes', () => {
    const page = htmlDocument({
      lang: 'de"x',
      title: HOSTILE,
      head: html`<link rel="icon" href="/favicon.svg">`,
      bodyAttributes: { 'data-locale': '"><script>' },
      body: html`<p>hi</p>`,
    });
    expect(page).to.match(HEAD);
    expect(page).to.include('<html lang="de&quot;x">');
    expect(page).to.include(`<title>${ESCAPED}</title>\n<link rel="icon" href="/favicon.svg">\n</head>`);
    expect(page).to.include('<body data-locale="&quot;&gt;&lt;script&gt;">\n<p>hi</p>\n</body>\n</html>\n');
    expect(() => htmlDocument({ lang: 'en', title: 't', body: html``, bodyAttributes: { 'onload="x"': '' } })).to.throw(TypeError);
  });

  it("escapes all five in the bridge's error page, around the same head", () => {
    const page = errorPage(400, HOSTILE, `${HOSTILE}!`);
    expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(page.body).to.match(HEAD);
    expect(page.body).to.include(`<title>${ESCAPED}</title>`);
    expect(page.body).to.include(`<h1>${ESCAPED}</h1><p>${ESCAPED}!</p>`);
    expect(page.body).not.to.include('<script>');
  });

  it('escapes all five in the local pages (sign-in layout, linking end page), around the same head', () => {
    const signIn = layout(messagesFor('en'), HOSTILE, html`<p>${HOSTILE}</p>`);
    expect(signIn).to.match(HEAD);
    expect(signIn).to.include(`<title>${ESCAPED} – `);
    expect(signIn).to.include(`<main>\n<p>${ESCAPED}</p>\n</main>`);
    const end = renderEndPage({ status: 502, outcome: 'failed', title: HOSTILE, message: HOSTILE, lang: 'en' });
    expect(end).to.match(HEAD);
    expect(end).to.include(`<h1 id="title">${ESCAPED}</h1>`);
    expect(end).not.to.include('<script>');
  });

  it("gives the testers' console the same head, its language, and its locale on <body>", () => {
    const page = renderConsolePage('de-DE');
    expect(page).to.match(HEAD);
    expect(page).to.include('<html lang="de">');
    expect(page).to.include('<body data-locale="de-DE">\n<header>');
    expect(page).to.include('<script src="/console.js" defer></script>\n</head>');
  });
});
