import { ENDPOINTS } from "../metadata.js";
import { escapeHtml, type Page, renderPage } from "./html.js";

/** What the consent page shows. */
export interface ConsentView {
  serverName: string;
  clientName: string;
  /** Where the client will receive the answer: the user should recognise it. */
  redirectHost: string;
  /** The MCP endpoint the client will call (RFC 8707 resource). */
  resource: string;
  /** Where the client comes from: configured by the operator, a metadata document, or registered. */
  clientKind: "pre-registered" | "metadata-document" | "registered";
  /** The client id, shown for metadata documents (its host is who vouches for the name). */
  clientId: string;
  /** The browser goes back to this machine (127.0.0.1, localhost): any local program could be listening. */
  loopbackRedirect: boolean;
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
  const cautions: string[] = [];
  if (view.clientKind === "metadata-document")
    cautions.push(
      `The client is published by <strong>${escapeHtml(new URL(view.clientId).host)}</strong>.`,
    );
  if (view.clientKind === "registered")
    cautions.push("The client named itself; only allow it if you started this connection.");
  if (view.loopbackRedirect)
    cautions.push(
      "You will be sent back to a program on this computer; only allow it if you just started this connection there.",
    );
  const caution = cautions.map((text) => `<p class="muted">${text}</p>`).join("\n");
  return renderPage({
    title: `Allow access · ${view.serverName}`,
    formTargets: view.formTargets,
    body: `<h1>Allow ${escapeHtml(view.clientName)}?</h1>
<p>Signed in as <strong>${escapeHtml(view.userName)}</strong>.</p>
<p><strong>${escapeHtml(view.clientName)}</strong> wants to use ${escapeHtml(view.serverName)} (<code>${escapeHtml(view.resource)}</code>) on your behalf. You will be sent back to <strong>${escapeHtml(view.redirectHost)}</strong>.</p>
${caution}
${scopes}
<form method="post" action="${ENDPOINTS.consent}">
<input type="hidden" name="request" value="${escapeHtml(view.request)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  });
}
