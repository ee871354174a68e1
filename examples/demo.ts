/**
 * The demo server behind `npm start`: a tool, an MCP App, a resource template with
 * completion, a prompt with argument completion, a long-running tool with progress and
 * cancellation, a tool that asks the user a question, and one that says who is calling
 * (it needs the `profile` scope).
 */
import { createServer, ResourceNotFoundError } from "berth";
import { z } from "zod";
import { GREETING_CARD_HTML } from "./greeting-card.js";

export const server = createServer({
  name: "berth-demo",
  title: "Berth demo",
  version: "1.0.0",
  instructions: "Dice, greeting cards and a few documents. Use roll_dice for any random roll.",
});

server.tool(
  "roll_dice",
  {
    title: "Roll dice",
    description: "Roll one or more dice and return each face and the total.",
    input: z.object({
      sides: z.number().int().min(2).max(1000).default(6).describe("Faces per die"),
      count: z.number().int().min(1).max(100).default(1).describe("How many dice"),
    }),
    output: z.object({ rolls: z.array(z.number().int()), total: z.number().int() }),
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  ({ sides, count }) => {
    const rolls = Array.from({ length: count }, () => 1 + Math.floor(Math.random() * sides));
    return { rolls, total: rolls.reduce((a, b) => a + b, 0) };
  },
);

server.app(
  "greeting_card",
  {
    title: "Greeting card",
    description:
      "Make a greeting card for someone; clients that support MCP Apps show it as a card.",
    input: z.object({
      name: z.string().min(1).max(80).describe("Who the card is for"),
      message: z.string().max(280).default("Have a wonderful day!").describe("What the card says"),
    }),
    html: GREETING_CARD_HTML,
    ui: { prefersBorder: true },
  },
  ({ name, message }) => ({
    content: [{ type: "text", text: `A card for ${name}: ${message}` }],
    structuredContent: { name, message },
  }),
);

const DOCUMENTS: Record<string, string> = {
  welcome: "# Welcome\nThis server is a Berth demo.",
  dice: "# Dice\nroll_dice rolls fair dice with 2 to 1000 sides.",
  cards: "# Cards\ngreeting_card renders an interactive card in clients that support MCP Apps.",
};

server.resourceTemplate(
  "document",
  "docs://demo/{name}",
  {
    title: "Demo documents",
    description: "Short documents about this demo, by name.",
    mimeType: "text/markdown",
    complete: { name: (prefix) => Object.keys(DOCUMENTS).filter((n) => n.startsWith(prefix)) },
    list: () => Object.keys(DOCUMENTS).map((name) => ({ uri: `docs://demo/${name}`, name })),
  },
  (uri, { name }) => {
    const text = DOCUMENTS[String(name)];
    if (text === undefined) throw new ResourceNotFoundError(uri);
    return text;
  },
);

const STYLES = ["formal", "friendly", "pirate", "haiku"];

server.prompt(
  "write_greeting",
  {
    title: "Write a greeting",
    description: "Ask the model to write a greeting in a given style.",
    arguments: [
      { name: "name", description: "Who to greet", required: true },
      {
        name: "style",
        description: `One of ${STYLES.join(", ")}`,
        complete: (prefix) => STYLES.filter((s) => s.startsWith(prefix)),
      },
    ],
  },
  ({ name, style = "friendly" }) => `Write a short ${style} greeting for ${name}.`,
);

server.tool(
  "count_slowly",
  {
    title: "Count slowly",
    description:
      "Count to a number, one step every interval, reporting progress. Stops when cancelled.",
    input: z.object({
      to: z.number().int().min(1).max(1000).default(10),
      intervalMs: z.number().int().min(0).max(10_000).default(200),
    }),
  },
  async ({ to, intervalMs }, ctx) => {
    for (let i = 1; i <= to; i++) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (ctx.signal.aborted) return `Stopped at ${i - 1} of ${to}`;
      await ctx.progress(i, to, `Counted ${i}`);
    }
    return `Counted to ${to}`;
  },
);

server.tool(
  "ask_favorite_number",
  {
    title: "Ask for a favourite number",
    description: "Ask the user for their favourite number and roll that many sides.",
  },
  async (_args, ctx) => {
    const answer = await ctx.elicit({
      message: "What is your favourite number?",
      requestedSchema: {
        type: "object",
        properties: {
          number: { type: "integer", minimum: 2, maximum: 1000, title: "Favourite number" },
        },
        required: ["number"],
      },
    });
    if (answer.action !== "accept") return `No number given (${answer.action}).`;
    const sides = Number(answer.content?.["number"]);
    return `Your favourite number is ${sides}; a d${sides} rolled ${1 + Math.floor(Math.random() * sides)}.`;
  },
);

server.tool(
  "whoami",
  {
    title: "Who am I",
    description: "Say who is calling: the signed-in user, how they signed in and their scopes.",
    scopes: ["profile"],
    output: z.object({
      subject: z.string().nullable(),
      name: z.string().nullable(),
      via: z.string(),
      scopes: z.array(z.string()),
    }),
    annotations: { readOnlyHint: true },
  },
  (_args, ctx) => ({
    subject: ctx.principal.subject ?? null,
    name: ctx.principal.name ?? null,
    via: ctx.principal.via,
    scopes: [...ctx.principal.scopes],
  }),
);

export default server;
