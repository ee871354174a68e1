import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { berth: new URL("./src/index.ts", import.meta.url).pathname } },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 20_000,
    pool: "forks",
  },
});
