import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^berth\/store$/,
        replacement: new URL("./src/store/index.ts", import.meta.url).pathname,
      },
      {
        find: /^berth\/(express|fastify|fetch|hono)$/,
        replacement: new URL("./src/adapters/$1.ts", import.meta.url).pathname,
      },
      { find: /^berth$/, replacement: new URL("./src/index.ts", import.meta.url).pathname },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 20_000,
    pool: "forks",
  },
});
