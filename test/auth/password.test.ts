import { hashPassword, verifyPassword } from "berth";
import { describe, expect, it } from "vitest";

describe("passwords", () => {
  it("verifies the right password and refuses a wrong one, with a new salt each time", async () => {
    const first = await hashPassword("correct horse battery");
    const second = await hashPassword("correct horse battery");
    expect(first).not.toBe(second);
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("correct horse battery", first)).toBe(true);
    expect(await verifyPassword("correct horse batterY", first)).toBe(false);
  });

  it("refuses too short or too long passwords, and treats malformed hashes as a mismatch", async () => {
    await expect(hashPassword("short")).rejects.toThrow(/at least 8/);
    await expect(hashPassword("x".repeat(1025))).rejects.toThrow(/at most 1024/);
    expect(await verifyPassword("anything at all", "not-a-hash")).toBe(false);
    expect(await verifyPassword("anything at all", "scrypt$0$0$0$AA$AA")).toBe(false);
  });
});
