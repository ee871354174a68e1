// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} placeholders are what these tests are about
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { findConfigFile, loadConfig, type RunningHost, startHost } from "berth";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { callTool, resultText, tempDir } from "./support.js";

const SRC = resolve("src");

/** A server module in TypeScript, on Berth's sources. */
const SERVER_TS = `
import { createServer } from ${JSON.stringify(`${SRC}/engine/server.ts`)};

const numbers = {
  type: "object",
  properties: { a: { type: "number" }, b: { type: "number" } },
  required: ["a", "b"],
} as const;
const server = createServer({ name: "calc", version: "2.0.0" });
server.tool("add", { input: numbers }, (args: { a: number; b: number }): string =>
  String(args.a + args.b),
);
export default server;
`;

describe("config files", () => {
  const dir = tempDir();
  let host: RunningHost | undefined;

  afterEach(async () => {
    await host?.close();
    host = undefined;
  });
  afterAll(() => dir.remove());

  /** Start the host a config file describes and call `add` on its one mount. */
  async function startAndAdd(file: string, env: NodeJS.ProcessEnv = {}) {
    const { config, baseDir } = await loadConfig(file, { env });
    host = await startHost(config, { baseDir });
    const mount = host.mounts[0]!;
    const answer = await callTool(mount.url, "add", { a: 2, b: 3 });
    return { mount, text: resultText(answer.body) };
  }

  it("loads a TypeScript config with defineConfig and a TypeScript server module", async () => {
    writeFileSync(join(dir.path, "calc.ts"), SERVER_TS);
    const file = join(dir.path, "berth.config.ts");
    writeFileSync(
      file,
      `import { defineConfig } from ${JSON.stringify(`${SRC}/host/config/define-config.ts`)};
const port: number = 0;
export default defineConfig({
  listen: { port },
  servers: { calc: { module: "./calc.ts", path: "/tools/calc" } },
  logging: { level: "silent" },
});
`,
    );
    expect(findConfigFile(dir.path)).toBe(file);
    const { mount, text } = await startAndAdd(file);
    expect(mount.path).toBe("/tools/calc");
    expect(text).toBe("5");
  });

  it("loads a JSON config, with ${ENV} values and defaults", async () => {
    const file = join(dir.path, "host.json");
    writeFileSync(
      file,
      JSON.stringify({
        listen: { port: "${TEST_PORT}" },
        servers: { calc: { module: "./calc.ts", path: "${CALC_PATH:-/calc/mcp}" } },
        logging: { level: "silent" },
      }),
    );
    const { mount, text } = await startAndAdd(file, { TEST_PORT: "0" });
    expect(mount.path).toBe("/calc/mcp");
    expect(text).toBe("5");
  });

  it("loads a YAML config, with environment overrides of the listener", async () => {
    const file = join(dir.path, "berth.config.yaml");
    writeFileSync(
      file,
      [
        "listen:",
        "  host: 127.0.0.1",
        "  port: 1 # PORT overrides it",
        "servers:",
        "  calc:",
        "    module: ./calc.ts",
        "    path: ${CALC_PATH}",
        "logging:",
        "  level: silent",
        "",
      ].join("\n"),
    );
    const { mount, text } = await startAndAdd(file, { PORT: "0", CALC_PATH: "/yaml/mcp" });
    expect(mount.path).toBe("/yaml/mcp");
    expect(host!.url.port).not.toBe("1");
    expect(text).toBe("5");
  });

  it("reports YAML that does not parse, with its position", async () => {
    const file = join(dir.path, "broken.yaml");
    writeFileSync(file, "servers:\n  calc: [unclosed\n");
    await expect(loadConfig(file, { env: {} })).rejects.toThrow(
      /broken\.yaml has a problem:\n.*not valid YAML/,
    );
  });
});
