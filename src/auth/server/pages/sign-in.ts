import { ENDPOINTS } from "../metadata.js";
import { escapeHtml, type Page, renderPage } from "./html.js";

/** What the sign-in page shows. */
export interface SignInView {
  /** Name of this server, as its operator set it. */
  serverName: string;
  /** The client asking, as the consent page will name it. */
  clientName: string;
  /** The sealed pending authorization request. */
  request: string;
  csrf: string;
  /** The sign-in step's fields, already rendered. */
  fields: string;
  /** Why the last attempt failed. */
  error?: string;
  formTargets: readonly string[];
}

/** The sign-in page: Berth's form around the sign-in step's fields. */
export function signInPage(view: SignInView): Page {
  const alert = view.error
    ? `<div class="alert" role="alert" id="sign-in-error"><p>${escapeHtml(view.error)}</p></div>`
    : "";
  return renderPage({
    title: `Sign in · ${view.serverName}`,
    formTargets: view.formTargets,
    body: `<h1>Sign in to ${escapeHtml(view.serverName)}</h1>
<p class="muted"><strong>${escapeHtml(view.clientName)}</strong> wants to connect to your account.</p>
${alert}
<form method="post" action="${ENDPOINTS.signIn}">
<input type="hidden" name="request" value="${escapeHtml(view.request)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
${view.fields}
<div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>`,
  });
}
