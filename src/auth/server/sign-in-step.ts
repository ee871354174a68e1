import type { UserStore } from "../../store/types.js";
import { verifyPassword } from "../password.js";
import { escapeHtml } from "./pages/html.js";

/** The outcome of a sign-in attempt. */
export type SignInResult =
  | { ok: true; userId: string }
  /** `account` names the account tried, so failures can be throttled per account. */
  | { ok: false; message: string; account?: string };

/**
 * How users prove who they are on the sign-in page. The default is username and password
 * against the user store; an organisation can replace it (with a one-time code, or a
 * hand-off to its single sign-on) by implementing this interface. Berth's form around the
 * fields carries the pending request and the CSRF token, and throttles failures.
 */
export interface SignInStep {
  /** The form fields, as HTML. `previous` holds the last submitted values after a failure. */
  fields(previous: URLSearchParams | undefined): string;
  /** Check a submitted form. */
  verify(form: URLSearchParams): Promise<SignInResult>;
}

/** A scrypt hash of a random password, verified when the user is unknown so timing tells nothing. */
const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/** Username and password against a {@link UserStore} (scrypt hashes). */
export class PasswordSignIn implements SignInStep {
  readonly #users: Pick<UserStore, "findUserByName">;

  constructor(users: Pick<UserStore, "findUserByName">) {
    this.#users = users;
  }

  fields(previous: URLSearchParams | undefined): string {
    const username = previous?.get("username") ?? "";
    const invalid = previous ? ' aria-invalid="true" aria-describedby="sign-in-error"' : "";
    return `<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="200" value="${escapeHtml(username)}"${previous ? "" : " autofocus"}${invalid}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1000"${previous ? " autofocus" : ""}${invalid}>`;
  }

  async verify(form: URLSearchParams): Promise<SignInResult> {
    const username = (form.get("username") ?? "").trim();
    const password = form.get("password") ?? "";
    const wrong = {
      ok: false as const,
      message: "The username or password is wrong.",
      account: username.toLowerCase(),
    };
    if (!username || !password || username.length > 200 || password.length > 1000) return wrong;
    const user = await this.#users.findUserByName(username);
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH).catch(
      () => false,
    );
    // A disabled account answers like a wrong password: nothing to learn about who exists.
    if (!user || !matches || user.disabled || !user.passwordHash) return wrong;
    return { ok: true, userId: user.id };
  }
}
