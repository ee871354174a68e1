import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadServer } from "../../src/cli/load.js";
import { ROOT } from "../interop/clients.js";
import { json, readJsonRpc } from "../support/http.js";
import { modernInit } from "./support.js";

const NOTE = { name: "add_note", arguments: { text: "buy milk" } };

describe("embedding examples from source", () => {
  it("load as a module:export entrypoint", async () => {
    const server = await loadServer("examples/embedding/server.ts:server");
    expect(server.info.name).toBe("embedded-notes");
    await expect(loadServer("examples/embedding/server.ts:nothing")).rejects.toThrow(
      "exports no Berth server",
    );
  });

  it("fetch: the default export serves /mcp and nothing else", async () => {
    const { default: worker } = await import("../../examples/embedding/fetch.js");
    const called = await worker.fetch(
      new Request("http://localhost/mcp", modernInit("tools/call", NOTE)),
    );
    expect((await json(called)).result.content[0].text).toMatch(/^Kept note \d+: buy milk$/);
    const other = await worker.fetch(new Request("http://localhost/"));
    expect(other.status).toBe(404);
  });

  it("hono: the app streams count_down's progress to a client that asks", async () => {
    const { app } = await import("../../examples/embedding/hono.js");
    const response = await app.request(
      "http://localhost/mcp",
      modernInit("tools/call", {
        name: "count_down",
        arguments: { from: 2 },
        _meta: { progressToken: "t" },
      }),
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect((await readJsonRpc(response)).result.content[0].text).toBe("Lift-off");
  });
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Run a built example on a free port; resolves with the MCP URL it prints. */
function runBuilt(name: string): Promise<URL> {
  const file = `dist/examples/embedding/${name}.js`;
  if (!existsSync(`${ROOT}${file}`))
    throw new Error(`${file} is missing: run \`npm run build\` before this test`);
  const child = spawn(process.execPath, [file], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 10_000);
    child.stderr?.on("data", (chunk) => {
      output += chunk;
      const match = /MCP at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(new URL(match[1]!));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${output}`));
    });
  });
}

describe("built embedding examples, importing berth/<adapter> through the package exports", () => {
  it.each(["express", "fastify", "hono"])("%s serves a tool call", async (name) => {
    const url = await runBuilt(name);
    const response = await fetch(url, modernInit("tools/call", NOTE));
    expect(response.status).toBe(200);
    expect((await readJsonRpc(response)).result.content[0].text).toBe("Kept note 1: buy milk");
  });
});
