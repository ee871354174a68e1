import { runLoad } from "./lib/load.mjs";
import { ID_PLACEHOLDER, modernToolCall } from "./lib/mcp-requests.mjs";
import { accessToken } from "./lib/oauth.mjs";
import { startServer } from "./lib/server-process.mjs";

const server = await startServer(process.env.SCRIPT ?? "berth-http-auth.mjs");
const c = server.credentials;
const signIn = process.env.SIGNIN !== "0";
const jwt = signIn ? await accessToken(server.url, c) : undefined;
const req = (auth) => {
  const r = modernToolCall(ID_PLACEHOLDER);
  return { ...r, headers: auth ? { ...r.headers, authorization: auth } : r.headers };
};
const cases = { key: req(`Key ${c.apiKey}`) };
if (jwt) cases.jwt = req(`Bearer ${jwt}`);
async function one(name, secs) {
  const before = await server.sample();
  const w = await runLoad({ url: server.url, ...cases[name], connections: 50, seconds: secs });
  const after = await server.sample();
  if (w.failures) throw new Error(w.failureDetail);
  return { rps: w.ok / w.seconds, cpu: (after.cpuMicros - before.cpuMicros) / w.ok };
}
for (const n of Object.keys(cases)) await one(n, 3);
for (let r = 0; r < 4; r++)
  for (const n of Object.keys(cases)) {
    const m = await one(n, 2);
    console.log(n, Math.round(m.rps), m.cpu.toFixed(1));
  }
await server.stop();
