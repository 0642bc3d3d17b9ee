import { describe, expect, it } from "vitest";
import { csvCell, predictionRow, spreadsheetSafe } from "../../../src/parsers/drain/csv-output.js";

describe("CSV cells a spreadsheet reads as text (OWASP: CSV injection)", () => {
  it("prefixes a cell starting with = + - @ tab or CR with a quote, and nothing else", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"])
      expect(spreadsheetSafe(`${start}SUM(A1)`)).toBe(`'${start}SUM(A1)`);
    for (const plain of ["SUM(A1)", "a=b", " =x", "'=already", "", "<*> -1"])
      expect(spreadsheetSafe(plain)).toBe(plain);
  });

  it("quotes a neutralised cell as RFC 4180 needs", () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell("\r=x")).toBe(`"'\r=x"`);
    expect(csvCell("-<*>")).toBe("'-<*>");
  });

  it("writes a prediction row with the template neutralised and its control characters escaped", () => {
    expect(predictionRow(3, "00ff", "-<*> done")).toBe("3,00ff,'-<*> done");
    expect(predictionRow(4, "00ff", "\tx \u001b[31m")).toBe("4,00ff,'\tx \\x1b[31m");
    expect(predictionRow(5, "00ff", "a, \u0007b")).toBe('5,00ff,"a, \\x07b"');
  });
});
