import { MemoryRateLimitStore, takeToken } from "berth";
import { describe, expect, it } from "vitest";

const TEN_PER_MINUTE = { capacity: 10, refillPerSecond: 10 / 60 };
const T0 = 1_700_000_000_000;

describe("the token bucket", () => {
  it("starts full, allows `capacity` requests at once, then says when the next token comes", () => {
    const store = new MemoryRateLimitStore();
    const answers = Array.from({ length: 11 }, () => store.take("k", TEN_PER_MINUTE, T0));
    expect(answers.slice(0, 10).every((a) => a.allowed)).toBe(true);
    expect(answers[0]).toEqual({ allowed: true, remaining: 9, retryAfterSeconds: 0 });
    expect(answers[9]).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 6 });
    expect(answers[10]).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 6 });
  });

  it("refills at limit / window per second, never past capacity", () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 10; i++) store.take("k", TEN_PER_MINUTE, T0);
    expect(store.take("k", TEN_PER_MINUTE, T0 + 5_900).allowed).toBe(false);
    const refilled = store.take("k", TEN_PER_MINUTE, T0 + 12_000);
    expect(refilled.allowed).toBe(true);
    // 12 s brought 2 tokens: one taken just now, the one refused at 5.9 s took nothing.
    expect(refilled.remaining).toBe(1);
    // An hour later the bucket holds 10, not 360.
    expect(store.take("k", TEN_PER_MINUTE, T0 + 3_600_000).remaining).toBe(9);
  });

  it("keeps buckets apart by key", () => {
    const store = new MemoryRateLimitStore();
    const one = { capacity: 1, refillPerSecond: 0.001 };
    expect(store.take("a", one, T0).allowed).toBe(true);
    expect(store.take("a", one, T0).allowed).toBe(false);
    expect(store.take("b", one, T0).allowed).toBe(true);
  });

  it("does not refill when the clock goes backwards", () => {
    const { state } = takeToken(undefined, { capacity: 1, refillPerSecond: 1 }, T0);
    expect(
      takeToken(state, { capacity: 1, refillPerSecond: 1 }, T0 - 60_000).decision.allowed,
    ).toBe(false);
  });
});

describe("the memory store's bound", () => {
  it("holds at most maxKeys buckets, dropping one not used since the last sweep", () => {
    const store = new MemoryRateLimitStore({ maxKeys: 3 });
    const one = { capacity: 1, refillPerSecond: 0.001 };
    for (const key of ["a", "b", "c"]) store.take(key, one, T0);
    store.take("a", one, T0); // "a" is now the most recently used
    store.take("d", one, T0); // evicts "b"
    expect(store.size).toBe(3);
    expect(store.take("a", one, T0).allowed).toBe(false);
    expect(store.take("c", one, T0).allowed).toBe(false);
    // "b" was forgotten: it starts full again.
    expect(store.take("b", one, T0).allowed).toBe(true);
  });

  it("drops the bucket not used since the sweep, keeping every one used again", () => {
    const store = new MemoryRateLimitStore({ maxKeys: 3 });
    const one = { capacity: 1, refillPerSecond: 0.001 };
    for (const key of ["a", "b", "c"]) store.take(key, one, T0);
    store.take("a", one, T0);
    store.take("b", one, T0);
    store.take("d", one, T0); // "c" alone was not used again: it goes
    expect(store.size).toBe(3);
    for (const key of ["a", "b", "d"]) expect(store.take(key, one, T0).allowed).toBe(false);
    // Every bucket was used since the sweep passed it: the sweep goes round once and drops one.
    store.take("e", one, T0);
    expect(store.size).toBe(3);
    expect(store.take("c", one, T0).allowed).toBe(true);
  });

  it("refuses a bound that is not a positive whole number", () => {
    expect(() => new MemoryRateLimitStore({ maxKeys: 0 })).toThrow(
      "maxKeys must be a positive whole number",
    );
  });
});
