import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { json } from "../support/http.js";
import { callTool, resultText, tempDir } from "./support.js";

const CLI = resolve("dist/src/cli/main.js");
const DIST = resolve("dist/src/index.js");

/** Run the built CLI in `cwd` until it exits. */
function run(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("exit", (code) => done({ code, stderr }));
  });
}

/** `berth serve` with a config file, from dist/ (`npm run build` first). */
describe("berth serve with a config file", () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("lists every problem of a bad config, exits 2 and starts nothing", async () => {
    writeFileSync(
      join(dir.path, "bad.json"),
      JSON.stringify({
        listen: { prot: 3000 },
        servers: { files: { module: "./files.js", path: "files/mcp" } },
      }),
    );
    const { code, stderr } = await run(["serve", "--config", "bad.json"], dir.path);
    expect(code).toBe(2);
    expect(stderr).toContain("berth: bad.json has 2 problems:");
    expect(stderr).toContain('  - listen.prot: unknown key (did you mean "port"?)');
    expect(stderr).toContain('  - servers.files.path: must start with "/" (got "files/mcp")');
    expect(stderr).not.toContain("serving");
  });

  it("refuses options that belong to the single-module form", async () => {
    const { code, stderr } = await run(["serve", "--config", "bad.json", "--auth"], dir.path);
    expect(code).toBe(2);
    expect(stderr).toContain("--auth is for 'berth serve <module>'");
  });

  it("finds berth.config.yaml in the working directory, serves it, and exits 0 on SIGINT", async () => {
    const app = join(dir.path, "app");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(app);
    writeFileSync(
      join(app, "hello.mjs"),
      `import { createServer } from ${JSON.stringify(DIST)};
const server = createServer({ name: "hello", version: "1.0.0" });
server.tool("echo", { input: { type: "object", properties: { text: { type: "string" } } } },
  ({ text }) => "hello: " + text);
export default server;
`,
    );
    writeFileSync(
      join(app, "berth.config.yaml"),
      "servers:\n  hello:\n    module: ./hello.mjs\nlogging:\n  level: silent\n",
    );
    const child = spawn(process.execPath, [CLI, "serve"], {
      cwd: app,
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    const url = await new Promise<string>((done, fail) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        const match = / {2}hello {2}(\S+)/.exec(stderr);
        if (match) done(match[1]!);
      });
      child.once("exit", () => fail(new Error(stderr)));
    });
    expect(stderr).toContain("Berth is serving berth.config.yaml at http://127.0.0.1:");
    const answer = await callTool(url, "echo", { text: "there" });
    expect(resultText(answer.body)).toBe("hello: there");
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr).toContain("SIGINT: draining (up to 25 s)");
  });

  it("serves the example host config", async () => {
    const child = spawn(
      process.execPath,
      [CLI, "serve", "--config", "examples/host/berth.config.ts"],
      {
        env: { ...process.env, PORT: "0", BERTH_STORE: "memory:" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    const origin = await new Promise<string>((done, fail) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        const match = / at (http:\/\/\S+)\/\n/.exec(stderr);
        if (match) done(match[1]!);
      });
      child.once("exit", () => fail(new Error(stderr)));
    });
    const listing = await json(await fetch(`${origin}/`));
    expect(listing.servers.map((server: any) => [server.name, server.auth])).toEqual([
      ["notes", "none"],
      ["team", "oauth+api-key"],
      ["admin", "api-key"],
    ]);
    const note = await callTool(`${origin}/mcp`, "add_note", { text: "hello" });
    expect(resultText(note.body)).toBe("Kept note 1.");
    expect((await fetch(`${origin}/metrics`)).status).toBe(200);
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
