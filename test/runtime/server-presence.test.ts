import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { runningServer } from "../../src/runtime/server-presence.js";
import { clearPresence, readPresence, recordPresence } from "../../src/store/repos/server-presence.js";
import { sqliteTestStore } from "../helpers/stores.js";

const NOW = Date.parse("2026-11-28T12:00:00.000Z");
const clock = { now: () => NOW };
const at = (ms: number) => new Date(ms).toISOString();

describe("server presence", () => {
  it("names a server that beat recently and whose process exists, and no other", async () => {
    const { store, cleanup } = await sqliteTestStore();
    try {
      expect(await runningServer(store, clock)).toBeNull();
      const me = { pid: process.pid, host: hostname(), port: 8000, startedAt: at(NOW - 60_000) };
      await recordPresence(store.db, { ...me, seenAt: at(NOW - 4_000) });
      expect(await runningServer(store, clock)).toMatchObject({ pid: process.pid, port: 8000 });
      // Silent for longer than three heartbeats: killed without saying so.
      await recordPresence(store.db, { ...me, seenAt: at(NOW - 16_000) });
      expect(await runningServer(store, clock)).toBeNull();
      // Recent, but its process on this machine is gone (a pid above Linux's largest).
      await recordPresence(store.db, { ...me, pid: 4_194_305, seenAt: at(NOW - 1_000) });
      expect(await runningServer(store, clock)).toBeNull();
      // On another machine the process cannot be checked: the heartbeat decides.
      await recordPresence(store.db, { ...me, pid: 4_194_305, host: "elsewhere", seenAt: at(NOW - 1_000) });
      expect(await runningServer(store, clock)).toMatchObject({ host: "elsewhere" });
      // A server withdraws only its own record.
      await clearPresence(store.db, process.pid, hostname());
      expect(await readPresence(store.db)).not.toBeNull();
      await clearPresence(store.db, 4_194_305, "elsewhere");
      expect(await readPresence(store.db)).toBeNull();
    } finally {
      await cleanup();
    }
  });
});
