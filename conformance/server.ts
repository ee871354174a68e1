/**
 * The conformance fixture: a Berth server exposing what the official conformance suite's
 * server scenarios call, for both protocol eras. `npm run conformance` serves it on
 * loopback and runs the suite against it.
 */
import { createServer } from "berth";
import { registerContentTools } from "./content-tools.js";
import { registerInteractionTools } from "./interaction-tools.js";
import { registerResourcesAndPrompts } from "./resources-and-prompts.js";

/** Build the fixture server. */
export function conformanceServer() {
  const server = createServer({
    name: "berth-conformance",
    version: "1.0.0",
    instructions: "Conformance fixture.",
  });
  registerContentTools(server);
  registerInteractionTools(server);
  registerResourcesAndPrompts(server);
  return server;
}

export const server = conformanceServer();
export default server;
