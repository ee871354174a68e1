/**
 * The one tool every benchmarked server exposes: `add`, zod input `{ a, b }`, text result.
 * Servers import the schema and the arithmetic from here so they cannot drift apart.
 */
import { z } from "zod";

/** Name of the benchmarked tool. */
export const TOOL_NAME = "add";

/** Input schema of `add`. */
export const ADD_INPUT = z.object({ a: z.number(), b: z.number() });

/** Arguments every load request sends, and the text a correct answer carries. */
export const ARGUMENTS = { a: 2, b: 3 };
export const EXPECTED_TEXT = "5";

/** The tool's work: the sum as text. */
export function add({ a, b }) {
  return String(a + b);
}
