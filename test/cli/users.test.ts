import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyPassword } from "../../src/auth/password.js";
import { runUsers } from "../../src/cli/users.js";
import { openAuthStore } from "../../src/store/index.js";
import { fakeTerminal, runIn, spawnCli, storeContents, tempDir } from "./support.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

const users = (args: string[], stdin?: Parameters<typeof runIn>[3]) =>
  runIn(runUsers, dir.path, args, stdin);

async function onlyUser() {
  const { users } = await storeContents(dir.path);
  expect(users).toHaveLength(1);
  return users[0]!;
}

/** Run a command that must fail with `code` and `message`, changing nothing stored. */
async function expectRefused(
  args: string[],
  code: 1 | 2,
  message: string,
  stdin?: Parameters<typeof runIn>[3],
) {
  const before = await storeContents(dir.path);
  const outcome = await users(args, stdin);
  expect(outcome.code).toBe(code);
  expect(outcome.stderr).toContain(message);
  expect(outcome.stdout).toBe("");
  expect(await storeContents(dir.path)).toEqual(before);
  return outcome;
}

describe("berth users add", () => {
  it("adds a user with a password read from stdin, lower-casing the username", async () => {
    const outcome = await users(
      ["add", "Alice", "--name", "Alice Liddell", "--password-stdin"],
      "correct horse\n",
    );
    expect(outcome).toMatchObject({ code: 0, stderr: "" });
    const alice = await onlyUser();
    expect(outcome.stdout).toBe(`Added user alice (id ${alice.id})\n`);
    expect(alice).toMatchObject({
      username: "alice",
      displayName: "Alice Liddell",
      disabled: false,
    });
    expect(alice.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await verifyPassword("correct horse", alice.passwordHash!)).toBe(true);
  });

  it("takes the first line of stdin as the password, without its CRLF", async () => {
    expect((await users(["add", "bob", "--password-stdin"], "s3cret-pw\r\nignored\n")).code).toBe(
      0,
    );
    expect(await verifyPassword("s3cret-pw", (await onlyUser()).passwordHash!)).toBe(true);
  });

  it("asks twice at a terminal with echo turned off before each question", async () => {
    // Typed in one go: the second answer must carry over to the second question.
    const terminal = fakeTerminal("wrongpw\u007f\u007fd-pass\rwrongd-pass\r");
    const outcome = await users(["add", "carol"], terminal);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toBe("New password for carol: \nRepeat the password: \n");
    // Echo off before the question: keys typed as soon as it shows are never echoed.
    expect(terminal.log).toEqual([
      "raw on",
      "New password for carol: ",
      "raw off",
      "\n",
      "raw on",
      "Repeat the password: ",
      "raw off",
      "\n",
    ]);
    expect(outcome.stdout + outcome.stderr).not.toContain("d-pass");
    expect(await verifyPassword("wrongd-pass", (await onlyUser()).passwordHash!)).toBe(true);
  });

  it("adds a user without a password only with --no-password", async () => {
    expect((await users(["add", "svc-bot", "--no-password"])).code).toBe(0);
    expect(await onlyUser()).toMatchObject({ username: "svc-bot", passwordHash: null });
  });

  it("refuses a username that is taken, ignoring case", async () => {
    await users(["add", "alice", "--password-stdin"], "first-password\n");
    const before = (await storeContents(dir.path)).users;
    await expectRefused(
      ["add", "ALICE", "--password-stdin"],
      1,
      "The username 'alice' is taken",
      "second-password\n",
    );
    expect((await storeContents(dir.path)).users).toEqual(before);
  });

  it("refuses passwords typed differently twice", async () => {
    await expectRefused(
      ["add", "dave"],
      1,
      "The passwords do not match",
      fakeTerminal("first-try\rsecond-try\r"),
    );
  });

  it("refuses an empty, a short and an overlong password", async () => {
    await expectRefused(["add", "erin", "--password-stdin"], 1, "The password is empty", "\n");
    await expectRefused(["add", "erin", "--password-stdin"], 1, "The password is empty", "");
    await expectRefused(
      ["add", "erin", "--password-stdin"],
      1,
      "The password is too short: use at least 8 characters",
      "1234567\n",
    );
    await expectRefused(
      ["add", "erin"],
      1,
      "too short",
      fakeTerminal("short\r"), // refused before being asked again
    );
    await expectRefused(
      ["add", "erin", "--password-stdin"],
      1,
      "The password is too long",
      `${"x".repeat(1025)}\n`,
    );
    expect((await storeContents(dir.path)).users).toEqual([]);
  });

  it("stops when the password prompt is cancelled with Ctrl-C", async () => {
    await expectRefused(["add", "frank"], 1, "Cancelled", fakeTerminal("half\u0003"));
  });

  it("asks for --password-stdin when stdin is not a terminal", async () => {
    await expectRefused(["add", "gina"], 2, "pass --password-stdin", "piped-password\n");
  });

  it("refuses bad command lines with exit status 2 and the usage", async () => {
    const cases: [string[], string][] = [
      [["add"], "missing <username>"],
      [["add", "a", "b"], "unexpected argument 'b'"],
      [["add", "has space", "--no-password"], "'has space' cannot be a username"],
      [["add", "-dash", "--no-password"], "Unknown option"],
      [["add", ".dot", "--no-password"], "'.dot' cannot be a username"],
      [["add", "x".repeat(65), "--no-password"], "cannot be a username"],
      [["add", "h", "--password-stdin", "--no-password"], "cannot be used together"],
      [["add", "h", "--bogus"], "Unknown option '--bogus'"],
      [["list", "--name", "x"], "Unknown option '--name'"],
      [["frobnicate"], "unknown users command 'frobnicate'"],
      [[], "missing users command"],
    ];
    for (const [args, message] of cases) {
      const outcome = await expectRefused(args, 2, message);
      expect(outcome.stderr).toContain("Usage:\n  berth users add <username>");
    }
  });

  it("prints its usage on --help", async () => {
    const outcome = await users(["--help"]);
    expect(outcome).toMatchObject({ code: 0, stderr: "" });
    expect(outcome.stdout).toContain("berth users passwd <username> [--password-stdin]");
    expect(outcome.stdout).toContain("--data-dir <dir>");
  });
});

describe("berth users passwd", () => {
  beforeEach(async () => {
    await users(["add", "alice", "--password-stdin"], "old-password\n");
  });

  it("changes the password", async () => {
    const outcome = await users(["passwd", "Alice", "--password-stdin"], "new-password\n");
    expect(outcome).toMatchObject({ code: 0, stdout: "Changed the password of alice\n" });
    const { passwordHash } = await onlyUser();
    expect(await verifyPassword("new-password", passwordHash!)).toBe(true);
    expect(await verifyPassword("old-password", passwordHash!)).toBe(false);
  });

  it("refuses an unknown user, and a short or mismatched new password", async () => {
    await expectRefused(
      ["passwd", "nobody", "--password-stdin"],
      1,
      "There is no user named 'nobody'",
      "new-password\n",
    );
    await expectRefused(["passwd", "alice", "--password-stdin"], 1, "too short", "short\n");
    await expectRefused(
      ["passwd", "alice"],
      1,
      "do not match",
      fakeTerminal("aaaaaaaa\rbbbbbbbb\r"),
    );
    expect(await verifyPassword("old-password", (await onlyUser()).passwordHash!)).toBe(true);
  });
});

describe("berth users disable and enable", () => {
  it("disables and enables a user, saying when nothing needed doing", async () => {
    await users(["add", "alice", "--no-password"]);
    expect((await users(["disable", "alice"])).stdout).toContain("Disabled alice");
    expect((await onlyUser()).disabled).toBe(true);
    expect(await users(["disable", "alice"])).toMatchObject({
      code: 0,
      stdout: "alice is already disabled\n",
    });
    expect(await users(["enable", "ALICE"])).toMatchObject({ code: 0, stdout: "Enabled alice\n" });
    expect((await onlyUser()).disabled).toBe(false);
    expect((await users(["enable", "alice"])).stdout).toBe("alice is already enabled\n");
  });

  it("refuses an unknown user", async () => {
    await expectRefused(["disable", "ghost"], 1, "There is no user named 'ghost'");
    await expectRefused(["enable"], 2, "missing <username>");
  });
});

describe("berth users list", () => {
  it("lists users as a table and as JSON, never with a password hash", async () => {
    await users(["add", "bob", "--no-password"]);
    await users(["add", "alice", "--name", "Alice L", "--password-stdin"], "alice-password\n");
    await users(["disable", "bob"]);

    const table = await users(["list"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^USERNAME\s+NAME\s+STATUS\s+PASSWORD\s+CREATED\s+ID$/);
    expect(lines[1]).toMatch(/^alice\s+Alice L\s+active\s+yes\s+\d{4}-\d\d-\d\dT\d\d:\d\dZ\s+\S+$/);
    expect(lines[2]).toMatch(/^bob\s+-\s+disabled\s+no\s/);

    const json = await users(["list", "--json"]);
    expect(json.stdout).not.toContain("scrypt");
    const listed = JSON.parse(json.stdout);
    expect(listed).toHaveLength(2);
    expect(listed[0]).toEqual({
      id: expect.any(String),
      username: "alice",
      displayName: "Alice L",
      hasPassword: true,
      disabled: false,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect(listed[1]).toMatchObject({ username: "bob", hasPassword: false, disabled: true });
  });

  it("says there are no users yet", async () => {
    expect((await users(["list"])).stdout).toContain("No users yet");
    expect(JSON.parse((await users(["list", "--json"])).stdout)).toEqual([]);
  });
});

describe("store options", () => {
  it("uses --data-dir over BERTH_DATA_DIR, and --store for a SQLite file elsewhere", async () => {
    const other = join(dir.path, "other");
    await users(["add", "alice", "--no-password", "--data-dir", other]);
    expect(existsSync(join(other, "berth.db"))).toBe(true);
    expect((await storeContents(dir.path)).users).toEqual([]);

    const file = join(dir.path, "elsewhere", "auth.db");
    await users(["add", "bob", "--no-password", "--store", `sqlite:${file}`]);
    const store = await openAuthStore(`sqlite:${file}`, dir.path);
    expect((await store.listUsers()).map((user) => user.username)).toEqual(["bob"]);
    await store.close();
  });

  it("refuses a store URL it cannot open, naming the forms it accepts", async () => {
    const outcome = await users(["list", "--store", "postgres://db/berth"]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('Unsupported store URL "postgres://db/berth"');
    expect(outcome.stderr).toContain('"sqlite:/absolute/path.db"');
  });
});

describe("the built berth command", () => {
  it("adds and lists users, with exit status 1 for a taken name and 2 for a bad line", async () => {
    const dataDir = ["--data-dir", dir.path];
    const added = await spawnCli(
      ["users", "add", "alice", "--password-stdin", ...dataDir],
      "pw-of-alice\n",
    );
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(added.stdout).toMatch(/^Added user alice \(id [0-9a-f-]{36}\)\n$/);

    const taken = await spawnCli(["users", "add", "Alice", "--no-password", ...dataDir]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("The username 'alice' is taken");

    expect((await spawnCli(["users", "add", ...dataDir])).code).toBe(2);

    const listed = await spawnCli(["users", "list", "--json", ...dataDir]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((user: { username: string }) => user.username)).toEqual([
      "alice",
    ]);
  });
});
