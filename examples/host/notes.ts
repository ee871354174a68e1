/** Notes anyone on this machine may read and add to: the host's open server. */
import { createServer } from "berth";
import { z } from "zod";

const notes: string[] = [];

export const server = createServer({ name: "notes", title: "Notes", version: "1.0.0" });

server.tool(
  "add_note",
  { description: "Keep a note.", input: z.object({ text: z.string().min(1).max(500) }) },
  ({ text }) => {
    notes.push(text);
    return `Kept note ${notes.length}.`;
  },
);

server.tool("list_notes", { description: "Every note kept so far." }, () =>
  notes.length === 0 ? "No notes yet." : notes.map((note, i) => `${i + 1}. ${note}`).join("\n"),
);
