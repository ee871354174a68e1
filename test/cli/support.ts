import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import type { CommandIo } from "../../src/cli/io.js";
import { openAuthStore } from "../../src/store/index.js";

/** What a command printed and the status it ended with. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stdin that claims to be a terminal and logs, in order, raw mode changes and stderr. */
export interface FakeTerminal extends PassThrough {
  isTTY: true;
  setRawMode(raw: boolean): void;
  /** `raw on`, `raw off`, and what was written to stderr, as it happened. */
  log: string[];
}

/** A terminal on which `typed` has been typed (in one go, as a paste arrives). */
export function fakeTerminal(typed: string): FakeTerminal {
  const stdin = new PassThrough() as FakeTerminal;
  stdin.isTTY = true;
  stdin.log = [];
  stdin.setRawMode = (raw) => stdin.log.push(raw ? "raw on" : "raw off");
  stdin.write(typed);
  return stdin;
}

/**
 * Run `runUsers` or `runKeys` in-process against `dataDir` (given as BERTH_DATA_DIR),
 * with `stdin` as text piped in or a {@link fakeTerminal}.
 */
export async function runIn(
  command: (args: string[], io: CommandIo) => Promise<number>,
  dataDir: string,
  args: string[],
  stdin: string | CommandIo["stdin"] = "",
): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await command(args, {
    stdin: typeof stdin === "string" ? Readable.from([stdin]) : stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: {
      write: (text: string) => {
        stderr += text;
        if (typeof stdin !== "string" && "log" in stdin) (stdin as FakeTerminal).log.push(text);
      },
    },
    env: { BERTH_DATA_DIR: dataDir },
  });
  return { code, stdout, stderr };
}

/** Everything the store in `dataDir` holds, to compare before and after a command. */
export async function storeContents(dataDir: string) {
  const store = await openAuthStore(undefined, dataDir);
  try {
    return { users: await store.listUsers(), keys: await store.listApiKeys() };
  } finally {
    await store.close();
  }
}

/** A new empty directory, and a function removing it. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), "berth-cli-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Run the built CLI (`npm run build` first) with `input` on stdin. */
export function spawnCli(
  args: string[],
  input = "",
  env: NodeJS.ProcessEnv = {},
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/src/cli/main.js", ...args], {
      env: { ...process.env, BERTH_DATA_DIR: "", BERTH_STORE_URL: "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}
