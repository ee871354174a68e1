#!/usr/bin/env node
/**
 * Check the Dockerfile where no Docker engine runs: replay its steps on this machine, each
 * stage in its own directory standing in for the image's filesystem, then start the
 * runtime stage's CMD with its ENV, WORKDIR and USER, wait for its HEALTHCHECK to pass,
 * make an MCP call, and stop it with its STOPSIGNAL.
 *
 *   node scripts/dockerfile-replay.mjs [--config <berth.config.*>] [--keep]
 *
 * Replayed: FROM (stage order and `FROM <stage>`), WORKDIR, ENV, COPY (the context filtered
 * by .dockerignore, and --from=<stage>), the `npm` and `echo` commands of RUN (in the
 * stage's WORKDIR), `mkdir -p` and `chown` of container paths, VOLUME, USER (the image's `node` user is uid 1000; honoured when this
 * script runs as root), HEALTHCHECK, CMD, STOPSIGNAL.
 * Not replayed: base images (this machine's Node runs instead of node:20-bookworm-slim's),
 * apt-get, and anything else in RUN; they are listed as skipped.
 * The CMD gets --config's file in its WORKDIR, as a mounted config would be, and a free
 * port instead of the image's PORT. The default config mounts the built demo twice, once
 * behind API keys, so the check also covers a tools/list call, /readyz, and the SQLite
 * store opening in the /data volume as the non-root user.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
const { values } = parseArgs({
  options: { config: { type: "string" }, keep: { type: "boolean" } },
});
const USERS = { node: { uid: 1000, gid: 1000 }, root: { uid: 0, gid: 0 } };
// One open mount, and one behind API keys so the SQLite store opens in the /data volume.
const DEFAULT_CONFIG = `listen:
  allowUnauthenticatedRemote: true
servers:
  demo:
    module: ./dist/examples/demo.js
  keyed:
    module: ./dist/examples/demo.js
    auth:
      apiKeys: true
`;

const log = (line) => process.stdout.write(`${line}\n`);
const skipped = [];

/** Dockerfile instructions, with continuation lines joined and comments dropped. */
function parseDockerfile(text) {
  const lines = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (current === "" && (line.trim().startsWith("#") || line.trim() === "")) continue;
    if (line.trim().startsWith("#")) continue;
    if (line.endsWith("\\")) current += `${line.slice(0, -1)} `;
    else {
      lines.push(current + line);
      current = "";
    }
  }
  return lines.map((line) => {
    const [word, ...rest] = line.trim().split(/\s+/);
    return { op: word.toUpperCase(), args: line.trim().slice(word.length).trim(), rest };
  });
}

/** `.dockerignore` as a predicate over context-relative paths. */
function ignoreRules(text) {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, "");
      const source = pattern
        .split("**")
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
        .join(".*")
        .replace(/\?/g, "[^/]");
      return { negated, regex: new RegExp(`^${source.replace(/^\.\*\//, "(?:.*/)?")}(?:/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negated;
    return ignored;
  };
}

/** Run a shell command of a RUN line when it is one this machine can stand in for. */
function replayRun(command, stage) {
  for (const step of command.split("&&").map((part) => part.trim())) {
    const words = step.split(/\s+/);
    if (words[0] === "npm" || words[0] === "echo") {
      log(`  $ ${step}`);
      const result = spawnSync("bash", ["-c", step], {
        cwd: stage.path(stage.workdir),
        env: { ...process.env, ...stage.env, PATH: process.env.PATH },
        stdio: "inherit",
      });
      if (result.status !== 0) throw new Error(`'${step}' failed with exit code ${result.status}`);
    } else if (words[0] === "mkdir" && words[1] === "-p") {
      for (const dir of words.slice(2)) mkdirSync(stage.path(dir), { recursive: true });
      log(`  $ ${step}`);
    } else if (words[0] === "chown") {
      const [user, group] = words[1].split(":");
      const uid = USERS[user]?.uid;
      const gid = USERS[group ?? user]?.gid;
      if (uid === undefined || gid === undefined) throw new Error(`unknown user in '${step}'`);
      if (process.getuid?.() === 0)
        for (const p of words.slice(2)) chownSync(stage.path(p), uid, gid);
      log(`  $ ${step}${process.getuid?.() === 0 ? "" : " (skipped: not root)"}`);
    } else {
      skipped.push(`RUN ${step}`);
      log(`  skipped (system step): ${step}`);
    }
  }
}

function copyInto(stage, sources, dest, fromRoot, ignored) {
  const target = stage.path(dest.startsWith("/") ? dest : join(stage.workdir, dest));
  const intoDir = dest.endsWith("/") || sources.length > 1;
  for (const source of sources) {
    const from = join(fromRoot, source);
    if (!existsSync(from)) throw new Error(`COPY: ${source} does not exist`);
    const to = intoDir ? join(target, basename(source)) : target;
    mkdirSync(dirname(to), { recursive: true });
    if (statSync(from).isDirectory()) {
      cpSync(from, to, {
        recursive: true,
        filter: (path) => !ignored?.(relative(fromRoot, path)),
      });
    } else if (!ignored?.(source)) copyFileSync(from, to);
  }
}

function freePort() {
  return new Promise((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

const work = mkdtempSync(join(tmpdir(), "berth-dockerfile-"));
chmodSync(work, 0o755);
const stages = new Map();
let stage;
let child;
try {
  const ignored = ignoreRules(
    existsSync(join(ROOT, ".dockerignore"))
      ? readFileSync(join(ROOT, ".dockerignore"), "utf8")
      : "",
  );
  for (const { op, args, rest } of parseDockerfile(
    readFileSync(join(ROOT, "Dockerfile"), "utf8"),
  )) {
    switch (op) {
      case "FROM": {
        const [image, , name] = rest;
        const root = join(work, name ?? `stage${stages.size}`);
        const base = stages.get(image);
        if (base) cpSync(base.root, root, { recursive: true, verbatimSymlinks: true });
        else mkdirSync(root, { recursive: true });
        chmodSync(root, 0o755);
        stage = {
          root,
          name,
          env: { ...(base?.env ?? {}) },
          workdir: base?.workdir ?? "/",
          user: base?.user ?? "root",
          volumes: [...(base?.volumes ?? [])],
          path: (p) => join(root, p),
        };
        stages.set(name, stage);
        log(
          `FROM ${image}${base ? " (the earlier stage)" : " (not replayed: this machine's Node is used)"} AS ${name}`,
        );
        break;
      }
      case "WORKDIR":
        stage.workdir = resolve(stage.workdir, args);
        mkdirSync(stage.path(stage.workdir), { recursive: true });
        log(`WORKDIR ${stage.workdir}`);
        break;
      case "ENV":
        for (const pair of args.split(/\s+/)) {
          const at = pair.indexOf("=");
          stage.env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"|"$/g, "");
        }
        log(`ENV ${args}`);
        break;
      case "COPY": {
        const flags = rest.filter((word) => word.startsWith("--"));
        const paths = rest.filter((word) => !word.startsWith("--"));
        const from = flags.find((flag) => flag.startsWith("--from="))?.slice(7);
        const dest = paths.pop();
        if (from) copyInto(stage, paths, dest, stages.get(from).root, undefined);
        else copyInto(stage, paths, dest, ROOT, ignored);
        log(`COPY ${args}`);
        break;
      }
      case "RUN":
        log(`RUN ${args}`);
        replayRun(args, stage);
        break;
      case "VOLUME":
        for (const volume of rest) {
          mkdirSync(stage.path(volume), { recursive: true });
          stage.volumes.push(volume);
        }
        log(`VOLUME ${args}`);
        break;
      case "USER":
        stage.user = args;
        log(`USER ${args}`);
        break;
      case "HEALTHCHECK":
        stage.healthcheck = JSON.parse(args.slice(args.indexOf("CMD") + 3).trim());
        log(`HEALTHCHECK ${args.slice(0, args.indexOf("CMD")).trim()}`);
        break;
      case "CMD":
        stage.cmd = JSON.parse(args);
        log(`CMD ${args}`);
        break;
      case "STOPSIGNAL":
        stage.stopSignal = args;
        break;
      case "EXPOSE":
        stage.expose = Number(args);
        break;
      default:
        skipped.push(`${op} ${args}`);
    }
  }

  // The runtime stage, started as `docker run` would.
  const runtime = stage;
  if (!runtime.cmd || !runtime.healthcheck)
    throw new Error("the last stage needs CMD and HEALTHCHECK");
  const configName = values.config ? basename(values.config) : "berth.config.yaml";
  const configText = values.config ? readFileSync(values.config, "utf8") : DEFAULT_CONFIG;
  writeFileSync(join(runtime.path(runtime.workdir), configName), configText);
  const port = await freePort();
  // Paths in ENV name the container's filesystem: point them into the stage's directory.
  const env = Object.fromEntries(
    Object.entries(runtime.env).map(([key, value]) => [
      key,
      runtime.volumes.some((v) => value === v || value.startsWith(`${v}/`))
        ? runtime.path(value)
        : value,
    ]),
  );
  Object.assign(env, { PORT: String(port), PATH: process.env.PATH });
  const user = USERS[runtime.user];
  const asUser = process.getuid?.() === 0 && user ? { uid: user.uid, gid: user.gid } : {};
  log(
    `\nrunning ${runtime.cmd.join(" ")} in ${runtime.workdir} as ${runtime.user}` +
      `${asUser.uid === undefined ? " (not root here: as this user)" : ` (uid ${asUser.uid})`}, PORT=${port}`,
  );
  const [command, ...commandArgs] = runtime.cmd;
  child = spawn(command === "node" ? process.execPath : command, commandArgs, {
    cwd: runtime.path(runtime.workdir),
    env,
    stdio: ["ignore", "inherit", "inherit"],
    ...asUser,
  });
  const exited = new Promise((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );

  const [checkCommand, ...checkArgs] = runtime.healthcheck;
  let healthy = false;
  for (let attempt = 0; attempt < 40 && !healthy && child.exitCode === null; attempt++) {
    await new Promise((done) => setTimeout(done, 500));
    const check = spawnSync(checkCommand === "node" ? process.execPath : checkCommand, checkArgs, {
      env,
      timeout: 5_000,
    });
    healthy = check.status === 0;
  }
  if (!healthy) throw new Error("the HEALTHCHECK never passed");
  log("HEALTHCHECK passed");

  if (!values.config) {
    const response = await fetch(`http://127.0.0.1:${port}/demo/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/list",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: {
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    });
    const body = await response.json();
    const tools = body.result?.tools?.map((tool) => tool.name) ?? [];
    if (!tools.includes("roll_dice")) throw new Error(`tools/list failed: ${JSON.stringify(body)}`);
    log(`tools/list through the image's CMD: ${tools.join(", ")}`);
    const keyed = await fetch(`http://127.0.0.1:${port}/keyed/mcp`, { method: "POST" });
    if (keyed.status !== 401) throw new Error(`the keyed mount answered ${keyed.status}, not 401`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    if (ready.status !== 200) throw new Error(`/readyz: ${ready.status} ${await ready.text()}`);
    const data = readdirSync(runtime.path("/data"));
    if (!data.some((name) => name.endsWith(".db"))) throw new Error("no SQLite file in /data");
    log(`/readyz 200 with the SQLite store in the /data volume (${data.join(", ")})`);
  }

  const stopAt = Date.now();
  child.kill(runtime.stopSignal ?? "SIGTERM");
  const { code, signal } = await exited;
  log(
    `${runtime.stopSignal ?? "SIGTERM"}: exited with ${code ?? signal} after ${Date.now() - stopAt} ms`,
  );
  if (code !== 0) throw new Error("the server did not exit cleanly on its stop signal");
  log(`\nreplayed. Not replayed: base images${skipped.length ? `, ${skipped.join("; ")}` : ""}`);
} catch (error) {
  process.stderr.write(`dockerfile-replay: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  if (values.keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
