import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/helpers/slow-first-sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits as long as the browser tests' Playwright waits (launchPage's 15 s): vitest's 1 s
    // default failed in CI when the Overview's first load (eight API calls) took longer on a loaded machine.
    expect: { poll: { timeout: 15_000 } },
    pool: "forks",
    // Test files share each worker's module cache instead of importing src/ afresh per file: test/api,
    // test/detectors and test/parsers ran in 120 s instead of 362 s (import time 146 s -> 13 s).
    // So no test may mock a module (a vi.mock only applies where the module is not loaded yet) or leave
    // global state behind.
    isolate: false,
    // Three test files at a time on two cores: most tests wait on child processes, sockets and databases
    // rather than compute, and vitest's default (cores - 1) ran the suite one file at a time. The
    // reliability harness measures throughput and latency, so `npm test` runs it afterwards on its own,
    // one file at a time (package.json).
    maxWorkers: 3,
    // The known long files first, so a fresh clone does not end on one of them alone (see the file).
    sequence: { sequencer: SlowFirstSequencer },
    // src/ transpiled once for the tests that start `logwarden serve` as a process (see the file).
    globalSetup: ["test/helpers/build-server.ts"],
  },
});
