/**
 * Sign a user in through Berth's authorization pages the way a browser does (cookies kept,
 * forms posted with a same-origin Origin header, redirects not followed), and return the
 * URL the browser is finally sent to: the client's redirect URI with the code.
 */

function hiddenField(html, name) {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return match?.[1]
    ?.replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

/**
 * @param {string} authorizeUrl
 * @param {{ username: string, password: string }} user
 * @returns {Promise<URL>}
 */
export async function signInThroughPages(authorizeUrl, user) {
  const origin = new URL(authorizeUrl).origin;
  const cookies = new Map();
  const keep = (response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return response;
  };
  const cookie = () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  const post = async (path, form) =>
    keep(
      await fetch(`${origin}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin,
          cookie: cookie(),
        },
        body: new URLSearchParams(form).toString(),
      }),
    );
  let response = keep(await fetch(authorizeUrl, { redirect: "manual" }));
  for (let step = 0; step < 4; step++) {
    if (response.status === 302 || response.status === 303)
      return new URL(response.headers.get("location"), origin);
    const html = await response.text();
    if (response.status !== 200)
      throw new Error(`The authorization page answered ${response.status}`);
    const form = { request: hiddenField(html, "request"), csrf: hiddenField(html, "csrf") };
    response = html.includes('action="/oauth/sign-in"')
      ? await post("/oauth/sign-in", { ...form, username: user.username, password: user.password })
      : await post("/oauth/consent", { ...form, decision: "allow" });
  }
  throw new Error("Too many pages before the redirect");
}
