/** The team's tools: behind sign-in or an API key with the `team` scope. */
import { createServer } from "berth";
import { z } from "zod";

export const server = createServer({ name: "team", title: "Team tools", version: "1.0.0" });

server.tool(
  "standup",
  {
    description: "Format a stand-up update.",
    input: z.object({ done: z.string(), next: z.string(), blockers: z.string().default("none") }),
  },
  ({ done, next, blockers }, ctx) =>
    `${ctx.principal.name ?? "Someone"}: done ${done}; next ${next}; blockers ${blockers}.`,
);
