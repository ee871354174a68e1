/**
 * The greeting card view: one self-contained HTML document (no external assets) that uses
 * the host's theme CSS variables when the host provides them, and reads the tool result
 * the host posts to it.
 */
export const GREETING_CARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Greeting card</title>
<style>
  :root { color-scheme: light dark; }
  body {
    margin: 0; padding: 16px;
    font-family: var(--font-sans, system-ui, sans-serif);
    background: var(--color-background-primary, Canvas);
    color: var(--color-text-primary, CanvasText);
  }
  .card {
    border-radius: var(--border-radius-lg, 12px);
    border: 1px solid var(--color-border-primary, #8884);
    padding: 24px; text-align: center;
    background: var(--color-background-secondary, transparent);
  }
  h1 { margin: 0 0 8px; font-size: var(--font-heading-md-size, 1.5rem); }
  p { margin: 0; color: var(--color-text-secondary, inherit); }
</style>
</head>
<body>
<main class="card" aria-live="polite">
  <h1 id="to">A card for you</h1>
  <p id="message">Waiting for the card…</p>
</main>
<script>
  const show = (data) => {
    if (!data) return;
    if (data.name) document.getElementById("to").textContent = "Dear " + data.name;
    if (data.message) document.getElementById("message").textContent = data.message;
  };
  const applyTheme = (context) => {
    const vars = context && context.styles && context.styles.variables;
    if (vars) for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  };
  let nextId = 1;
  window.addEventListener("message", (event) => {
    const msg = event.data;
    if (!msg || msg.jsonrpc !== "2.0") return;
    if (msg.method === "ui/notifications/tool-result") show(msg.params && msg.params.structuredContent);
    if (msg.method === "ui/notifications/host-context-changed") applyTheme(msg.params);
    if (msg.id === 1 && msg.result) {
      applyTheme(msg.result.hostContext);
      window.parent.postMessage({ jsonrpc: "2.0", method: "ui/notifications/initialized", params: {} }, "*");
    }
  });
  window.parent.postMessage({
    jsonrpc: "2.0", id: nextId++, method: "ui/initialize",
    params: { appInfo: { name: "greeting-card", version: "1.0.0" }, appCapabilities: {}, protocolVersion: "2026-01-26" },
  }, "*");
</script>
</body>
</html>
`;
