import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/db.js";
import { logsTableStore } from "../../src/store/logs-table-store.js";
import { runCli } from "../helpers/cli.js";
import { lineToAppend } from "../helpers/records.js";
import { rawControls } from "../helpers/terminal.js";

const dataDir = mkdtempSync(join(tmpdir(), "logwarden-logs-search-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
// The lines are written into the `logs` table (a new data dir would keep them in segments).
const env = { DATA_DIR: dataDir, LOG_STORE: "table" };

const LINES: [string, string, string][] = [
  ["2026-05-04T10:00:00.000Z", "sshd", "Failed password for root from 10.0.0.12 port 22"],
  ["2026-05-04T10:01:00.000Z", "kernel", "disk /dev/sda1 is failing"],
  ["2026-05-04T10:02:00.000Z", "sshd", "Accepted password for deploy from 10.0.0.7 port 22"],
];

beforeAll(async () => {
  const store = openStore({ url: join(dataDir, "logwarden.db") });
  await store.migrate();
  const logs = logsTableStore(store);
  await store.transaction((tx) =>
    logs.append(
      tx,
      LINES.map(([timestamp, service, body]) => lineToAppend(timestamp, body, service)),
      "2026-05-04T11:00:00.000Z",
    ),
  );
  await store.close();
});

describe("logwarden logs search", () => {
  it("searches the stored records with the same words as every other door, newest first", async () => {
    const pass = await runCli(["logs", "search", "PASSWORD", "port"], { env });
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout.trim().split("\n")).toEqual([
      `2026-05-04T10:02:00.000Z sshd INFO #3 ${LINES[2]![2]}`,
      `2026-05-04T10:00:00.000Z sshd INFO #1 ${LINES[0]![2]}`,
    ]);
    // Words inside paths and addresses, a prefix as the last word, filters, JSON lines.
    const json = await runCli(["logs", "search", "sda", "--service", "kernel", "--json"], { env });
    expect(json.code, json.stderr).toBe(0);
    // Named as the API and `logs export` name them (`id`, `template_id`), not as the store's type does.
    expect(JSON.parse(json.stdout)).toMatchObject({ id: 2, service: "kernel", message: LINES[1]![2] });
    expect(Object.keys(JSON.parse(json.stdout))).toContain("template_id");
    const ip = await runCli(["logs", "search", "0.0.7", "--since", "2026-05-04T10:01:00Z"], { env });
    expect(ip.stdout).toContain("#3 ");
    expect(ip.stdout).not.toContain("#1 ");
    const none = await runCli(["logs", "search", "nothing"], { env });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
  });

  it("prints a message's escape sequences escaped as text, and exactly in --json", async () => {
    // Retitles the window (OSC 0), writes the clipboard (OSC 52), erases and rewrites the line (CSI 2K, CR),
    // and an 8-bit CSI (C1 0x9b): none may reach the terminal as it is.
    const evil = "owned \u001b]0;pwned\u0007 \u001b]52;c;cm0gLXJmIH4=\u0007 ok\u001b[2K\rfake \u009b31mred";
    const store = openStore({ url: join(dataDir, "logwarden.db") });
    await store.transaction((tx) =>
      logsTableStore(store).append(
        tx,
        [lineToAppend("2026-05-04T10:03:00.000Z", evil, "evil\u001b[8m")],
        "2026-05-04T11:00:00.000Z",
      ),
    );
    await store.close();

    const text = await runCli(["logs", "search", "owned"], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(rawControls(text.stdout)).toEqual([]);
    expect(text.stdout).toBe(
      "2026-05-04T10:03:00.000Z evil\\x1b[8m INFO #4 owned \\x1b]0;pwned\\x07 \\x1b]52;c;cm0gLXJmIH4=\\x07 ok\\x1b[2K\\x0dfake \\x9b31mred\n",
    );

    const json = await runCli(["logs", "search", "owned", "--json"], { env });
    expect(json.code, json.stderr).toBe(0);
    // JSON escapes every control character (C1 too, as \u009b), and parses back to the exact message.
    expect(rawControls(json.stdout)).toEqual([]);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: 4, service: "evil\u001b[8m", message: evil });
  });

  it("refuses bad flags, naming them", async () => {
    const bad = await runCli(["logs", "search", "x", "--since", "yesterday"], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--since must be an ISO-8601 time/);
    const level = await runCli(["logs", "search", "--level", "loud"], { env });
    expect(level.code).not.toBe(0);
    expect(level.stderr).toMatch(/--level must be one of/);
  });
});
