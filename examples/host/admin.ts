/** Operator tools: API keys with the `admin` scope only. */
import { createServer } from "berth";

export const server = createServer({ name: "admin", title: "Admin", version: "1.0.0" });

server.tool(
  "uptime",
  { description: "How long this process has run." },
  () => `Up for ${Math.round(process.uptime())} s (pid ${process.pid}).`,
);
