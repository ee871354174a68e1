import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { jsonRedactor, redactor } from "berth";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  FLUSH_AT,
  FLUSH_DELAY_MS,
  field,
  isoNow,
  LineSink,
  LineStart,
  lineEnd,
  lineStart,
  millisField,
  numberField,
  quoted,
} from "../../../src/host/observability/json-lines.js";

describe("jsonRedactor", () => {
  const toJson = jsonRedactor();
  const copy = redactor();

  it.each([
    ["a flat object", { a: 2, b: 3 }],
    ["sensitive keys at any depth", { user: "ann", db: { password: "x", list: [{ apiKey: 1 }] } }],
    [
      "header pairs",
      {
        headers: [
          ["Authorization", "Bearer t"],
          ["Accept", "*/*"],
        ],
      },
    ],
    ["strings that need escaping", { q: 'say "hi"\\ \n\t\u0001 \u2028 é 😀' }],
    ["empty containers and nulls", { a: {}, b: [], c: null, d: [null] }],
    ["booleans and numbers", { t: true, f: false, n: -1.5e-7, big: 1e300 }],
  ])("writes %s as JSON.stringify writes the redacted copy", (_name, value) => {
    expect(toJson(value)).toBe(JSON.stringify(copy(value)));
    expect(JSON.parse(toJson(value))).toEqual(copy(value));
  });

  it("writes what JSON cannot hold as JSON.stringify does", () => {
    const value = {
      gone: undefined,
      fn: () => 1,
      list: [undefined, () => 1, Number.NaN, Number.POSITIVE_INFINITY],
      when: new Date(0),
    };
    expect(toJson(value)).toBe(JSON.stringify(value));
  });

  it("writes a lone surrogate escaped, so the line stays valid UTF-8", () => {
    expect(toJson({ s: "\ud800" })).toBe('{"s":"\\ud800"}');
  });

  it("stops at a depth limit instead of overflowing the stack", () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 100; i++) {
      const next = {};
      at["x"] = next;
      at = next;
    }
    expect(toJson(deep)).toContain('"[too deep]"');
    expect(() => JSON.parse(toJson(deep))).not.toThrow();
  });

  it("says so for a BigInt, which JSON.stringify refuses", () => {
    expect(toJson({ n: 1n })).toBe('{"n":"[unserializable]"}');
  });

  it.each([
    ["snake case", { API_KEY: "k", db: { pass_word: "x" } }],
    ["header names", { "X-Api-Key": "k", "x-refresh-token": "t" }],
    ["a name ending in token", { github_token: "t", max_tokens: 10 }],
    ["header pairs", [["X-API-KEY", "k"]]],
    ["a long value", { items: Array.from({ length: 2000 }, (_, i) => ({ i, password: "x" })) }],
    ["a long clean value", { items: Array.from({ length: 2000 }, (_, i) => ({ i })) }],
  ])("redacts %s as the copy does", (_name, value) => {
    expect(toJson(value)).toBe(JSON.stringify(copy(value)));
    expect(toJson(value)).not.toMatch(/"(k|x|t)"/);
  });

  it("stops at the depth limit for a value that names nothing sensitive too", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(toJson(deep)).toContain('"[too deep]"');
  });

  it.each([
    [
      "values JSON leaves out or nulls",
      { a: undefined, f: () => 1, s: Symbol("x"), n: Number.NaN, z: null },
    ],
    ["sensitive keys beside plain ones", { user: "ann", password: "x", token: 7, ok: true }],
    [
      "more keys than the one-pass way takes",
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])),
    ],
  ])("writes a small object of %s as the copy does", (_name, value) => {
    expect(toJson(value)).toBe(JSON.stringify(copy(value)));
  });

  it("writes a value with toJSON as JSON.stringify does", () => {
    expect(toJson(new Date(0))).toBe(JSON.stringify(new Date(0)));
  });

  it("redacts the keys given instead of the default list", () => {
    expect(jsonRedactor(["user"])({ user: "ann", password: "x" })).toBe(
      '{"user":"[redacted]","password":"x"}',
    );
  });
});

describe("fields of a line", () => {
  it("quotes a string, escaping only when it must", () => {
    expect(quoted("plain")).toBe('"plain"');
    expect(quoted('a"b')).toBe(JSON.stringify('a"b'));
    expect(quoted("a\nb")).toBe(JSON.stringify("a\nb"));
    for (const text of [
      "back\\slash",
      "bell\u0007",
      "lone \udc00",
      "",
      "é 😀 \u2028",
      "\u001f\u0020",
    ])
      expect(quoted(text)).toBe(JSON.stringify(text));
  });

  it("writes each kind of value, and nothing for undefined", () => {
    const line =
      lineStart("info") +
      field("s", "x") +
      field("n", 2) +
      field("b", false) +
      field("o", { k: [1] }) +
      field("u", undefined) +
      field("nan", Number.NaN) +
      numberField("inf", Number.POSITIVE_INFINITY) +
      lineEnd("done");
    expect(line.endsWith("\n")).toBe(true);
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({ level: "info", s: "x", n: 2, b: false, o: { k: [1] } });
    expect(parsed).toMatchObject({ nan: null, inf: null, msg: "done" });
    expect(parsed).not.toHaveProperty("u");
    expect(Date.parse(parsed.time)).toBeGreaterThan(0);
  });

  it("writes durations rounded to hundredths of a millisecond, as JSON numbers", () => {
    const cases: [number, number][] = [
      [0, 0],
      [0.004, 0],
      [0.005, 0.01],
      [0.05, 0.05],
      [0.1, 0.1],
      [3.405, 3.41],
      [12, 12],
      [99.999, 100],
      [1234.5, 1234.5],
    ];
    for (const [ms, expected] of cases) {
      const text = millisField("d", ms);
      expect(text).toMatch(/^,"d":\d+(\.\d{1,2})?$/);
      expect(JSON.parse(`{${text.slice(1)}}`).d).toBe(expected);
    }
    expect(millisField("d", Number.NaN)).toBe(',"d":null');
    expect(millisField("d", -1)).toBe(',"d":-1');
  });
});

describe("isoNow", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes the time as toISOString does, across seconds, days and years", () => {
    vi.useFakeTimers();
    const instants = [
      Date.UTC(2026, 11, 6, 3, 41, 56, 334),
      Date.UTC(2026, 11, 6, 3, 41, 56, 335),
      Date.UTC(2026, 11, 6, 3, 41, 56, 999),
      Date.UTC(2026, 11, 6, 3, 41, 57, 0),
      Date.UTC(2026, 11, 6, 3, 41, 57, 7),
      Date.UTC(2026, 11, 6, 3, 41, 57, 70),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1, 0, 0, 0, 0),
      0,
      -1,
      Date.UTC(1969, 6, 20, 20, 17, 40, 5),
      Date.UTC(12345, 0, 1, 0, 0, 0, 42),
      Date.UTC(-1, 0, 1, 0, 0, 0, 42),
      // After a later millisecond of the same second, and before it.
      Date.UTC(2026, 11, 6, 3, 41, 56, 999),
      Date.UTC(2026, 11, 6, 3, 41, 56, 1),
      5,
      -999,
      Date.UTC(2026, 11, 6, 3, 41, 56, 334),
    ];
    for (const instant of instants) {
      vi.setSystemTime(instant);
      expect(isoNow()).toBe(new Date(instant).toISOString());
    }
  });
});

describe("LineStart", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts a line as lineStart does, with its marks, for each millisecond", () => {
    vi.useFakeTimers();
    const start = new LineStart("info", ',"audit":true');
    for (const instant of [
      Date.UTC(2026, 11, 6, 3, 41, 56, 334),
      Date.UTC(2026, 11, 6, 3, 41, 57, 0),
    ]) {
      vi.setSystemTime(instant);
      expect(start.text()).toBe(`${lineStart("info")},"audit":true`);
      expect(JSON.parse(`${start.text()}}`)).toEqual({
        level: "info",
        time: new Date(instant).toISOString(),
        audit: true,
      });
    }
  });
});

describe("LineSink", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes the lines of a few milliseconds together, in order", async () => {
    const writes: string[] = [];
    const sink = new LineSink({ write: (chunk) => writes.push(String(chunk)) });
    sink.write("1\n");
    await new Promise((resolve) => setImmediate(resolve));
    sink.write("2\n");
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS + 5));
    expect(writes).toEqual(["1\n2\n"]);
    sink.write("3\n");
    await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS + 5));
    expect(writes).toEqual(["1\n2\n", "3\n"]);
  });

  it("writes at once past FLUSH_AT bytes instead of holding more", () => {
    const writes: string[] = [];
    const sink = new LineSink({ write: (chunk) => writes.push(String(chunk)) });
    const line = `${"x".repeat(1023)}\n`;
    for (let i = 0; i < FLUSH_AT / 1024 - 1; i++) sink.write(line);
    expect(writes).toHaveLength(0);
    sink.write(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(FLUSH_AT);
  });

  it("keeps every character and the order of lines around one too long to hold", () => {
    const writes: string[] = [];
    const sink = new LineSink({ write: (chunk) => writes.push(String(chunk)) });
    const accented = "é€😀 \u2028\n";
    // Two bytes a character: twice FLUSH_AT bytes, more than the sink holds.
    const long = `${"ü".repeat(FLUSH_AT)}\n`;
    sink.write(accented);
    sink.write(long);
    sink.write("after\n");
    sink.flush();
    expect(writes).toEqual([accented, long, "after\n"]);
  });

  it("writes multi-byte lines at FLUSH_AT bytes of UTF-8, whole", () => {
    const writes: string[] = [];
    const sink = new LineSink({ write: (chunk) => writes.push(String(chunk)) });
    // 3 bytes each: with the newline, FLUSH_AT bytes (FLUSH_AT is one more than a multiple of 3).
    expect(FLUSH_AT % 3).toBe(1);
    const line = `${"€".repeat((FLUSH_AT - 1) / 3)}\n`;
    sink.write("a\n");
    sink.write(line);
    expect(writes).toEqual([`a\n${line}`]);
  });

  it("flushes on demand and waits for a destination that can say when it is written", () => {
    const writes: string[] = [];
    let flushed = false;
    const sink = new LineSink({
      write: (chunk) => writes.push(String(chunk)),
      flush: (done) => {
        flushed = true;
        done();
      },
    });
    sink.write("a\n");
    const done = vi.fn();
    sink.flush(done);
    expect(writes).toEqual(["a\n"]);
    expect(flushed).toBe(true);
    expect(done).toHaveBeenCalledOnce();
  });

  it("hands a Node stream the bytes, and never changes bytes it was handed", () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const sink = new LineSink(stream);
    sink.write("first é\n");
    sink.flush();
    sink.write("second\n");
    sink.flush();
    expect(chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
    expect(chunks.map((chunk) => chunk.toString("utf8"))).toEqual(["first é\n", "second\n"]);
  });

  it("never reuses a buffer a pass-through stream may still hold", async () => {
    const stream = new PassThrough();
    const sink = new LineSink(stream);
    for (let i = 0; i < 5; i++) {
      sink.write(`line ${i}\n`);
      sink.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Read only now: every chunk is still the bytes it was when written.
    const read: string[] = [];
    for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) read.push(String(chunk));
    expect(read.join("")).toBe("line 0\nline 1\nline 2\nline 3\nline 4\n");
  });

  it("writes a file whole and in order while it reuses the buffers the file has written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-sink-"));
    try {
      const path = join(dir, "log");
      const file = createWriteStream(path);
      const sink = new LineSink(file);
      let expected = "";
      // More than FLUSH_AT bytes at a time, over many turns: every flush after the first
      // two writes into a buffer the file has finished with.
      for (let turn = 0; turn < 20; turn++) {
        for (let i = 0; i < 2800; i++) {
          const line = `${turn}:${i}:${"x".repeat(i % 200)}\n`;
          expected += line;
          sink.write(line);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      sink.flush();
      await new Promise((resolve) => file.end(resolve));
      expect(readFileSync(path, "utf8")).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes pending lines when the process exits before the turn ends", () => {
    // The built module, in a process of its own that exits in the turn it wrote in.
    const module = new URL("../../../dist/src/host/observability/json-lines.js", import.meta.url);
    const script = `
      import { writeSync } from "node:fs";
      const { LineSink } = await import(${JSON.stringify(module.href)});
      const sink = new LineSink({ write: (chunk) => writeSync(1, chunk) });
      sink.write("last words\\n");
      process.exit(0);
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(out).toBe("last words\n");
  });
});
