import { createHash } from "node:crypto";

/**
 * The frame of the sign-in, consent and error pages: plain server-rendered HTML with one
 * inline stylesheet, no scripts and no external assets, under a strict Content Security
 * Policy.
 */

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
:root { color-scheme: light dark; --accent: #1f5fbf; --muted: #5c6470; --danger: #a8201a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: Canvas; color: CanvasText; }
main { max-width: 26rem; margin: 8vh auto; padding: 2rem; border: 1px solid #8884; border-radius: 12px; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: 0.9rem; }
label { display: block; font-weight: 600; margin: 1rem 0 0.25rem; }
input[type=text], input[type=password] { width: 100%; padding: 0.6rem; font: inherit; border: 1px solid #8889; border-radius: 6px; background: Field; color: FieldText; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { font: inherit; padding: 0.6rem 1.2rem; border-radius: 6px; border: 1px solid var(--accent); cursor: pointer; }
button.primary { background: var(--accent); color: #fff; }
button.secondary { background: transparent; color: inherit; }
.actions { display: flex; gap: 0.75rem; margin-top: 1.5rem; flex-wrap: wrap; }
.alert { border-left: 4px solid var(--danger); padding: 0.5rem 0.75rem; margin: 0 0 1rem; background: #a8201a14; }
ul.scopes { padding-left: 1.2rem; }
code { font-size: 0.9em; }
@media (prefers-color-scheme: dark) { :root { --accent: #6ea2ff; --muted: #a4acb8; --danger: #ff8a80; } }
`;

const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/** What a page needs besides its content. */
export interface PageOptions {
  title: string;
  /** Content of `<main>`, already escaped. */
  body: string;
  /** Origins (or schemes) a form on the page may end up at, besides this server. */
  formTargets?: readonly string[];
}

/** A rendered page and the headers that must go with it. */
export interface Page {
  html: string;
  headers: Record<string, string>;
}

/** Render a complete page. */
export function renderPage(options: PageOptions): Page {
  // form-action covers redirects after a post too, so the client's redirect target is listed.
  const formAction = ["'self'", ...(options.formTargets ?? [])].join(" ");
  return {
    html: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${options.body}
</main>
</body>
</html>
`,
    headers: {
      "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'self' data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
    },
  };
}

/** The CSP source expression for where a redirect URI points (its origin, or its scheme). */
export function formTargetOf(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}
