import { escapeHtml, type Page, renderPage } from "./html.js";

/**
 * The page shown when an authorization request cannot be sent back to the client
 * (unknown client, unregistered redirect URI), so an attacker cannot use Berth to
 * redirect a browser anywhere.
 */
export function errorPage(title: string, message: string): Page {
  return renderPage({
    title,
    body: `<h1>${escapeHtml(title)}</h1>
<div class="alert" role="alert"><p>${escapeHtml(message)}</p></div>
<p class="muted">Close this window and try again from your application. If this keeps happening, tell whoever runs this server.</p>`,
  });
}
