// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} placeholders are what these tests are about
import { writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { ConfigError, loadConfig, startHost, validateConfig } from "berth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoServer, tempDir } from "./support.js";

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Whether something listens on `port`. */
async function listening(port: number): Promise<boolean> {
  const probe = createNetServer();
  const taken = await new Promise<boolean>((resolve) => {
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => resolve(false));
  });
  if (!taken) await new Promise((resolve) => probe.close(resolve));
  return taken;
}

/** The problem lines of the ConfigError `run` throws. */
async function problemsOf(run: () => unknown): Promise<readonly string[]> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("an invalid config", () => {
  const dir = tempDir();
  const marker = join(dir.path, "imported.txt");
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // A server module that leaves a trace when it is loaded.
    writeFileSync(
      join(dir.path, "traced.mjs"),
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "x");\nexport default {};\n`,
    );
    writeFileSync(join(dir.path, "empty.mjs"), "export const notAServer = 1;\n");
  });

  afterAll(() => dir.remove());

  const base = () => ({
    listen: { port },
    servers: { traced: { module: "./traced.mjs" }, files: { server: echoServer("files") } },
    logging: { level: "silent" as const },
  });

  it("names a field of the wrong type, with what was expected and found", async () => {
    const problems = await problemsOf(() =>
      startHost(
        { ...base(), listen: { port: "eighty" as unknown as number } },
        { baseDir: dir.path },
      ),
    );
    expect(problems).toEqual(['listen.port: expected a port number, got "eighty"']);
  });

  it("names an unknown key and the key it resembles", async () => {
    const problems = await problemsOf(() =>
      startHost({ ...base(), listen: { port, prot: 1 } } as never, { baseDir: dir.path }),
    );
    expect(problems).toEqual(['listen.prot: unknown key (did you mean "port"?)']);
  });

  it("names a bad path and every other problem at once", async () => {
    const problems = await problemsOf(() =>
      startHost(
        {
          ...base(),
          servers: {
            files: { server: echoServer("files"), path: "files/mcp", auth: { scope: ["x"] } },
            other: { module: "./other.js", aliases: ["/ok/mcp", "/oauth/x"] },
          },
        } as never,
        { baseDir: dir.path },
      ),
    );
    expect(problems).toEqual([
      'servers.files.path: must start with "/" (got "files/mcp")',
      'servers.files.auth.scope: unknown key (did you mean "scopes"?)',
      'servers.other.aliases[1]: is reserved (the authorization server uses /oauth/) (got "/oauth/x")',
    ]);
  });

  it("names a mount whose module cannot be loaded", async () => {
    const problems = await problemsOf(() =>
      startHost(
        {
          ...base(),
          servers: { gone: { module: "./missing.js" }, empty: { module: "./empty.mjs" } },
        },
        { baseDir: dir.path },
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^servers\.empty\.module: .*empty\.mjs exports no Berth server/);
    expect(problems[1]).toMatch(/^servers\.gone\.module: cannot load .*missing\.js/);
  });

  it("names an unset environment variable and the field that uses it", async () => {
    const file = join(dir.path, "env.json");
    writeFileSync(
      file,
      JSON.stringify({
        listen: { port, publicUrl: "${BERTH_TEST_UNSET_URL}" },
        servers: { files: { module: "./traced.mjs", path: "${BERTH_TEST_PATH:-/files/mcp}" } },
      }),
    );
    const problems = await problemsOf(() => loadConfig(file, { env: {} }));
    expect(problems).toEqual([
      "listen.publicUrl: environment variable BERTH_TEST_UNSET_URL is not set " +
        "(set it, or write ${BERTH_TEST_UNSET_URL:-default} for a default)",
    ]);
  });

  it("says which environment variable gave a bad value", async () => {
    const file = join(dir.path, "port.json");
    writeFileSync(file, JSON.stringify({ servers: { files: { module: "./traced.mjs" } } }));
    const problems = await problemsOf(() => loadConfig(file, { env: { PORT: "eighty" } }));
    expect(problems).toEqual(['listen.port (from PORT): expected a port number, got "eighty"']);
  });

  it("refuses an unauthenticated mount on a public interface unless told", () => {
    const config = {
      servers: { files: { server: echoServer("files") } },
      listen: { host: "0.0.0.0" },
    };
    expect(() => validateConfig(config)).toThrow(
      /servers\.files\.auth: "none" on a non-loopback bind/,
    );
    expect(() =>
      validateConfig({ ...config, listen: { host: "0.0.0.0", allowUnauthenticatedRemote: true } }),
    ).not.toThrow();
  });

  it("asks for the public URL behind a proxy, and reports list items by position", async () => {
    const problems = await problemsOf(() =>
      validateConfig({
        listen: { trustProxy: true },
        servers: { files: { server: echoServer("files"), auth: { scopes: ["read", 7] } } },
      } as never),
    );
    expect(problems).toEqual(["servers.files.auth.scopes[1]: expected a scope, got 7"]);
    const proxied = await problemsOf(() =>
      validateConfig({
        listen: { trustProxy: true },
        servers: { files: { server: echoServer("files"), auth: { scopes: ["read"] } } },
      }),
    );
    expect(proxied).toEqual([
      "listen.publicUrl: required behind a proxy (trustProxy) when a server has auth: " +
        "challenges and metadata name the URLs clients use, got nothing",
    ]);
  });

  it("refuses what would expose a host to any web page or anyone: CORS *, open metrics, TLS on any address", async () => {
    const keyed = { server: echoServer("files"), auth: { apiKeys: true } };
    const cors = await problemsOf(() =>
      validateConfig({
        listen: { cors: { origins: "*" } },
        servers: { open: { server: echoServer("open") }, files: keyed },
      }),
    );
    expect(cors).toEqual([
      'listen.cors.origins: "*" lets any web page a user opens call servers.open (auth "none"); ' +
        "list the origins that may, or give those servers auth",
    ]);
    expect(() =>
      validateConfig({ listen: { cors: { origins: "*" } }, servers: { files: keyed } }),
    ).not.toThrow();

    const metrics = await problemsOf(() =>
      validateConfig({
        listen: { host: "0.0.0.0", publicUrl: "https://mcp.example.com" },
        servers: { files: keyed },
        metrics: {},
      }),
    );
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatch(/^metrics\.token: required on a non-loopback bind/);

    const tls = await problemsOf(() =>
      validateConfig({
        listen: { host: "0.0.0.0", tls: { cert: "c.pem", key: "k.pem" } },
        servers: { files: keyed },
      }),
    );
    expect(tls).toHaveLength(1);
    expect(tls[0]).toMatch(/^listen\.publicUrl: required with TLS on "0\.0\.0\.0"/);
  });

  it("refuses two mounts on one path", () => {
    expect(() =>
      validateConfig({
        servers: {
          a: { server: echoServer("a"), path: "/x/mcp" },
          b: { server: echoServer("b"), aliases: ["/x/mcp"] },
        },
      }),
    ).toThrow('servers.b.aliases[0]: "/x/mcp" is already used by servers.a.path');
  });

  it("starts nothing: no listener, no server module loaded", async () => {
    await problemsOf(() => startHost({ ...base(), listen: { port: -1 } }, { baseDir: dir.path }));
    expect(await listening(port)).toBe(false);
    const { existsSync } = await import("node:fs");
    expect(existsSync(marker)).toBe(false);
  });
});
