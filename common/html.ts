/**
 * The HTML every page of the house is written with — the bridge's error pages, the local sign-in and linking pages,
 * the testers' console: one escaper, a tagged template that escapes whatever it is given, and the document around a
 * page (one head: charset, a viewport for phones, no referrer, the title).
 */

/** Markup that is already safe to send; everything else interpolated with `html` is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in text and in attribute values quoted with either quote; nothing else is ever needed here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template that HTML-escapes every interpolated value (arrays are joined, SafeHtml kept as is). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i]) : ''), ''));
}

export interface HtmlPage {
  lang: string;
  /** Plain text: escaped. */
  title: string;
  /** What a page adds to the head after the title: its icon, styles, scripts. */
  head?: SafeHtml;
  /** Attributes of <body>, values escaped (the console names its locale there). */
  bodyAttributes?: Record<string, string>;
  body: SafeHtml;
}

/**
 * A whole document. The referrer meta repeats the `Referrer-Policy: no-referrer` header the servers send, for a page
 * saved or served without it: these pages' URLs may hold a code or a state.
 */
export function htmlDocument(page: HtmlPage): string {
  const attributes = Object.entries(page.bodyAttributes ?? {}).map(([name, value]) => {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`not an attribute name: ${JSON.stringify(name)}`);
    return html` ${new SafeHtml(name)}="${value}"`;
  });
  return html`<!doctype html>
<html lang="${page.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title}</title>
${page.head}
</head>
<body${attributes}>
${page.body}
</body>
</html>
`.value;
}
