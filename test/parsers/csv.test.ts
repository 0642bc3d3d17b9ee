import { describe, expect, it } from "vitest";
import { csvRecords, csvRows } from "../../src/parsers/csv.js";

describe("csv", () => {
  it("reads RFC 4180 rows: quotes, doubled quotes, commas and newlines inside quotes, CRLF", () => {
    expect(csvRows('a,b\r\n"x, ""y""","multi\nline"\nlast,')).toEqual([
      ["a", "b"],
      ['x, "y"', "multi\nline"],
      ["last", ""],
    ]);
    expect(csvRows("")).toEqual([]);
  });

  it("keys records by the trimmed, lower-cased header and skips blank rows", () => {
    expect(csvRecords(" Asset_ID ,Criticality\n\nweb-1, high \n,\ndb-1,critical")).toEqual([
      { asset_id: "web-1", criticality: "high" },
      { asset_id: "db-1", criticality: "critical" },
    ]);
  });
});
