/**
 * The server every embedding example mounts: a tool that answers at once and one that
 * reports progress (so a client that accepts event streams sees them stream).
 */
import { createServer } from "berth";
import { z } from "zod";

export const server = createServer({ name: "embedded-notes", version: "1.0.0" });

const notes: string[] = [];

server.tool(
  "add_note",
  { description: "Keep a note", input: z.object({ text: z.string().min(1).max(500) }) },
  ({ text }) => {
    notes.push(text);
    return `Kept note ${notes.length}: ${text}`;
  },
);

server.tool(
  "count_down",
  {
    description: "Count down from a number, one step every 100 ms",
    input: z.object({ from: z.number().int().min(1).max(20).default(3) }),
  },
  async ({ from }, ctx) => {
    for (let left = from; left > 0; left--) {
      await ctx.progress(from - left + 1, from, `${left}…`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return "Lift-off";
  },
);
