import { describe, expect, it } from "vitest";
import { CallerKeys, KEYS_KEPT } from "../../../src/host/limits/caller-keys.js";

describe("CallerKeys", () => {
  it("writes subject, address and other keys under the prefix", () => {
    const keys = new CallerKeys("1\nfiles\nread\n");
    expect(keys.subject("alice")).toBe("1\nfiles\nread\nsubject alice");
    expect(keys.address("10.0.0.1")).toBe("1\nfiles\nread\naddress 10.0.0.1");
    expect(keys.other("anonymous")).toBe("1\nfiles\nread\nanonymous");
    expect(new CallerKeys("0\n", "0\n").address("10.0.0.1")).toBe("0\n10.0.0.1");
  });

  it("gives the same key object for a caller it keeps, and the same text past its bound", () => {
    const keys = new CallerKeys("p\n");
    const first = keys.address("10.0.0.1");
    expect(keys.address("10.0.0.1")).toBe(first);
    // More callers than it keeps: it starts again, and every key is still right.
    for (let i = 0; i < KEYS_KEPT + 10; i++)
      expect(keys.subject(`user-${i}`)).toBe(`p\nsubject user-${i}`);
    expect(keys.subject("user-0")).toBe("p\nsubject user-0");
    expect(keys.address("10.0.0.1")).toBe("p\naddress 10.0.0.1");
  });
});
