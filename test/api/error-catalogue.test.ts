import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS, type ErrorCode, UserError } from "../../src/core/errors.js";

/** The row docs/errors.md must have for each code of the catalogue. */
function row(code: ErrorCode): string {
  const e: { status: number; fastApiStatus?: number; anyClientStatus?: true; meaning: string } = ERRORS[code];
  const status = e.anyClientStatus
    ? `${e.status}, or the HTTP layer's own 4xx`
    : e.fastApiStatus
      ? `${e.status} (${e.fastApiStatus} on system 002's routes)`
      : String(e.status);
  return `| \`${code}\` | ${status} | ${e.meaning} |`;
}

/** Error codes written as literals in bodies (`error: "…"`) under `dir`. */
function literalCodes(dir: string): { file: string; code: string }[] {
  const out: { file: string; code: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...literalCodes(path));
    else if (name.endsWith(".ts"))
      for (const m of readFileSync(path, "utf8").matchAll(/\berror: "([^"]+)"/g))
        out.push({ file: path, code: m[1]! });
  }
  return out;
}

/** System 003's contract literals (contracts §4.10), which its plugin answers with as they are. */
const SYSTEM_003_LITERALS = new Set(["Internal server error"]);

describe("the error catalogue (src/core/errors.ts)", () => {
  it("is listed in docs/errors.md, exactly: one row per code, with its status and meaning", () => {
    const rows = readFileSync("docs/errors.md", "utf8")
      .split("\n")
      .filter((l) => l.startsWith("| `"));
    expect(rows).toEqual((Object.keys(ERRORS) as ErrorCode[]).map(row));
  });

  it("holds every code the API and MCP write as a literal in an error body", () => {
    const strays = [...literalCodes("src/api"), ...literalCodes("src/mcp")].filter(
      ({ code }) => !(code in ERRORS) && !SYSTEM_003_LITERALS.has(code),
    );
    expect(strays).toEqual([]);
  });

  it("gives a UserError the status of its code", () => {
    expect(new UserError("no such thing", "not_found").statusCode).toBe(404);
    expect(new UserError("nope").statusCode).toBe(400);
    expect(new UserError("later", "disabled").statusCode).toBe(503);
    expect(new UserError("bad json", "invalid_json", 422).statusCode).toBe(422);
  });
});
