import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // src/ transpiled once for the tests that start `logwarden serve` as a process (see the file).
    globalSetup: ["test/helpers/build-server.ts"],
  },
});
