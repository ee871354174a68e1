import { escapeHtml, type Page, renderPage } from "./html.js";

/** What the consent page shows. */
export interface ConsentView {
  serverName: string;
  clientName: string;
  /** Where the client will receive the answer: the user should recognise it. */
  redirectHost: string;
  /** Whether the client's name was checked (a metadata document or a pre-registered client). */
  clientVerified: boolean;
  scopes: readonly { name: string; description: string | undefined }[];
  userName: string;
  request: string;
  csrf: string;
  formTargets: readonly string[];
}

/** The consent page: which client, where it is sent back, which scopes; allow or deny. */
export function consentPage(view: ConsentView): Page {
  const scopes =
    view.scopes.length === 0
      ? "<p>It asks for no particular permissions.</p>"
      : `<p>It asks to:</p><ul class="scopes">${view.scopes
          .map(
            (scope) =>
              `<li><code>${escapeHtml(scope.name)}</code>${scope.description ? ` — ${escapeHtml(scope.description)}` : ""}</li>`,
          )
          .join("")}</ul>`;
  const caution = view.clientVerified
    ? ""
    : `<p class="muted">The client named itself; only allow it if you started this connection.</p>`;
  return renderPage({
    title: `Allow access · ${view.serverName}`,
    formTargets: view.formTargets,
    body: `<h1>Allow ${escapeHtml(view.clientName)}?</h1>
<p>Signed in as <strong>${escapeHtml(view.userName)}</strong>.</p>
<p><strong>${escapeHtml(view.clientName)}</strong> wants to use ${escapeHtml(view.serverName)} on your behalf. You will be sent back to <strong>${escapeHtml(view.redirectHost)}</strong>.</p>
${caution}
${scopes}
<form method="post" action="/oauth/consent">
<input type="hidden" name="request" value="${escapeHtml(view.request)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  });
}
