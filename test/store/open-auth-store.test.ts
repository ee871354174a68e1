import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryAuthStore, openAuthStore, SqliteAuthStore } from "../../src/store/index.js";
import { userRecord } from "./auth-store.contract.js";

const root = mkdtempSync(join(tmpdir(), "berth-open-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("openAuthStore", () => {
  it("opens berth.db in the data directory when no URL is given", async () => {
    for (const url of [undefined, "", "sqlite:"]) {
      const dataDir = join(root, `default-${String(url)}`, "data");
      const store = await openAuthStore(url, dataDir);
      expect(store).toBeInstanceOf(SqliteAuthStore);
      await store.createUser(userRecord());
      await store.close();
      expect(existsSync(join(dataDir, "berth.db"))).toBe(true);
    }
  });

  it("opens the SQLite file an absolute path names", async () => {
    const path = join(root, "elsewhere", "auth.db");
    const store = await openAuthStore(`sqlite:${path}`, join(root, "unused"));
    await store.createUser(userRecord());
    await store.close();
    const again = await openAuthStore(`sqlite:${path}`, join(root, "unused"));
    expect(await again.listUsers()).toEqual([userRecord()]);
    await again.close();
    expect(existsSync(join(root, "unused"))).toBe(false);
  });

  it("keeps state in memory for memory:", async () => {
    const store = await openAuthStore("memory:", join(root, "unused"));
    expect(store).toBeInstanceOf(MemoryAuthStore);
    await store.close();
    expect(existsSync(join(root, "unused"))).toBe(false);
  });

  it("refuses other URLs, naming the forms it accepts", async () => {
    const forms = '"sqlite:" (the file berth.db in the data directory';
    for (const url of ["postgres://db/berth", "mysql://db", "berth.db", "memory"]) {
      await expect(openAuthStore(url, root)).rejects.toThrow(`Unsupported store URL "${url}"`);
      await expect(openAuthStore(url, root)).rejects.toThrow(forms);
    }
    await expect(openAuthStore("postgresql://db/berth", root)).rejects.toThrow(
      "PostgreSQL stores are not available yet",
    );
  });

  it("refuses a SQLite URL whose path is relative or has a host", async () => {
    for (const url of ["sqlite:berth.db", "sqlite:./data/berth.db", "sqlite://host/berth.db"]) {
      await expect(openAuthStore(url, root)).rejects.toThrow(
        `Unsupported store URL "${url}": a SQLite file needs an absolute path`,
      );
    }
    expect(existsSync(join(process.cwd(), "berth.db"))).toBe(false);
  });
});
