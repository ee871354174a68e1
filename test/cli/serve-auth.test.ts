import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool } from "../support/http.js";
import { spawnCli, tempDir } from "./support.js";

/** `berth serve --auth`: sign-in on, on the store `berth users` and `berth keys` write. */
describe("berth serve --auth", () => {
  const dir = tempDir();
  const dataDir = ["--data-dir", dir.path];
  let child: ChildProcess;
  let url: string;
  let key: string;

  beforeAll(async () => {
    expect(
      (await spawnCli(["users", "add", "ann", "--password-stdin", ...dataDir], "ann-password-1\n"))
        .code,
    ).toBe(0);
    const created = await spawnCli([
      "keys",
      "create",
      "ci",
      "--user",
      "ann",
      "--scope",
      "profile",
      ...dataDir,
    ]);
    expect(created.code).toBe(0);
    key = created.stdout.trim();
    child = spawn(
      process.execPath,
      [
        "dist/src/cli/main.js",
        "serve",
        "dist/examples/demo.js",
        "--port",
        "0",
        "--auth",
        ...dataDir,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    url = await new Promise((resolve, reject) => {
      let output = "";
      child.stderr!.on("data", (chunk) => {
        output += chunk;
        const match = /serving MCP at (\S+) with sign-in/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once("exit", (code) => reject(new Error(`serve exited (${code}): ${output}`)));
    });
  });

  afterAll(() => {
    child?.kill("SIGTERM");
    dir.remove();
  });

  const call = (name: string, headers: Record<string, string>) => callTool(url, name, {}, headers);

  it("refuses calls without credentials and points at its authorization server", async () => {
    const response = await call("whoami", {});
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('scope="profile"');
    const origin = new URL(url).origin;
    const prm: any = await (
      await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)
    ).json();
    expect(prm.authorization_servers).toEqual([origin]);
    const metadata: any = await (
      await fetch(`${origin}/.well-known/oauth-authorization-server`)
    ).json();
    expect(metadata).toMatchObject({ issuer: origin, scopes_supported: ["profile"] });
  });

  it("serves the key's owner, with the key's scopes", async () => {
    const response = await call("whoami", { authorization: `Key ${key}` });
    expect(response.status).toBe(200);
    expect(response.body.result.structuredContent).toMatchObject({
      name: "ann",
      via: "api-key",
      scopes: ["profile"],
    });
  });

  it("refuses a key revoked while it serves, on the next request", async () => {
    expect((await spawnCli(["keys", "revoke", key.slice(0, 12), ...dataDir])).code).toBe(0);
    expect((await call("whoami", { authorization: `Key ${key}` })).status).toBe(401);
  });
});
