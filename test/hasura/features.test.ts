import { describe, expect, it } from "vitest";
import { compileExclusions } from "../../src/hasura/exclusions.js";
import { extractFeatures, featureOf, unwrapRecord } from "../../src/hasura/features.js";
import { parseQueryShape } from "../../src/hasura/graphql-query.js";
import { queryHash, stringHash } from "../../src/hasura/hash.js";
import { localIso, parseDateTime } from "../../src/hasura/time.js";

const EXAMPLE = "query RecentTracks($n: Int!) { tracks(limit: $n) { trackId name milliseconds } }";

describe("hasura: hashes (contract §4.4, §4.7.2)", () => {
  it("hashes the query text with MD5: the contract's test vector", () => {
    expect(queryHash(EXAMPLE)).toBe("df1e0c3c6969839eb6a5eb565f3d3650");
    expect(queryHash(`${EXAMPLE} `)).not.toBe("df1e0c3c6969839eb6a5eb565f3d3650");
  });

  it("hashes strings stably into [0, 999999]", () => {
    const h = stringHash("First");
    expect(h).toBe(stringHash("First"));
    expect(Number.isInteger(h) && h >= 0 && h < 1_000_000).toBe(true);
    // First 8 hex digits of md5("abc") = 900150983cd24fb0… → 0x90015098 mod 1e6.
    expect(stringHash("abc")).toBe(0x90015098 % 1_000_000);
  });
});

describe("hasura: feature extraction (contract §4.7.2)", () => {
  it("applies the binding rows in order, over keys sorted by code point", () => {
    const record = {
      name: "Second",
      milliseconds: 187500,
      active: true,
      missing: null,
      tags: ["a", "b", "c"],
      address: { city: "Oslo", zip: "0150" },
      phone: "555-1234",
      version: "1.2.3",
      zip: "0150",
      amount: "-12.5",
      created_time: "2025-03-19T10:04:05",
      runtime: "12",
      Zeta: 1,
    };
    const f = extractFeatures(record);
    // Sorted: Zeta, active, address, amount, created_time, milliseconds, missing, name, phone, runtime, tags, version, zip
    expect(f).toEqual([
      1,
      1,
      2,
      -12.5,
      Date.UTC(2025, 2, 19, 10, 4, 5) / 1000,
      187500,
      0,
      stringHash("Second"),
      stringHash("555-1234"),
      stringHash("12"),
      3,
      stringHash("1.2.3"),
      150,
    ]);
  });

  it("reads dates without a zone as UTC, and honours an explicit offset", () => {
    expect(featureOf("invoiceDate", "2024-01-01")).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(featureOf("updatedAt_time", "2024-01-01T02:00:00+02:00")).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(featureOf("start_time", "10:04:05")).toBe(36245);
    expect(parseDateTime("12")).toBeNull();
    expect(parseDateTime("Wed, 19 Mar 2025 10:04:05 GMT")).toBe(Date.UTC(2025, 2, 19, 10, 4, 5));
  });

  it("reads ISO text as core/time does: no 31 February, no offset past 23 hours", () => {
    expect(parseDateTime("2025-02-31")).toBeNull();
    expect(parseDateTime("2025-02-31T10:00:00")).toBeNull();
    expect(parseDateTime("2025-03-19T10:04:05+25:00")).toBeNull();
    expect(parseDateTime("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateTime("2025-03-19T10:04:05+01:00")).toBe(Date.UTC(2025, 2, 19, 9, 4, 5));
    expect(featureOf("invoiceDate", "2025-02-31")).toBe(stringHash("2025-02-31"));
  });

  it("unwraps a `data` property and skips non-objects", () => {
    expect(unwrapRecord({ data: { a: 1 }, timestamp: "x" })).toEqual({ a: 1 });
    expect(unwrapRecord({ a: 1 })).toEqual({ a: 1 });
    expect(unwrapRecord(5)).toBeNull();
    expect(unwrapRecord({ data: 5 })).toBeNull();
    expect(extractFeatures({})).toEqual([]);
  });

  it("emits the contract's timestamp form", () => {
    expect(localIso(Date.UTC(2025, 2, 19, 10, 4, 5, 123))).toBe("2025-03-19T10:04:05.123000");
  });
});

describe("hasura: EXCLUDED_DATASETS (contract §4.5)", () => {
  it("searches anywhere in the key, ignores invalid patterns and logs them", () => {
    const warned: unknown[] = [];
    const ex = compileExclusions([" dq_.* ", "", "^anomalies_", "(?P<name>x)", "("], {
      warn: (o: unknown) => void warned.push(o),
    } as never);
    expect(ex.patterns).toEqual(["dq_.*", "^anomalies_"]);
    expect(warned).toHaveLength(2);
    expect(ex.matches("my_dq_table")).toBe(true);
    expect(ex.matches("anomalies_log")).toBe(true);
    expect(ex.matches("old_anomalies_log")).toBe(false);
    expect(ex.matches("invoices")).toBe(false);
  });
});

describe("hasura: GraphQL query shape (contract §4.9.3)", () => {
  it("collects fields, depth, arguments and variables, with fragments and aliases", () => {
    const shape = parseQueryShape(`
      # a comment
      query Q($n: Int = 10, $w: InvoiceFilter!) {
        recent: invoices(limit: $n, where: $w, order_by: [{total: Desc}]) {
          invoiceId
          customer { ...C __typename }
        }
      }
      fragment C on Customer { firstName email address { city } }
    `);
    expect(shape.operationName).toBe("Q");
    expect(shape.fields.sort()).toEqual([
      "address",
      "city",
      "customer",
      "email",
      "firstName",
      "invoiceId",
      "invoices",
    ]);
    expect(shape.maxDepth).toBe(4);
    expect(shape.arguments).toEqual(["limit", "where", "order_by"]);
    expect(shape.variables).toEqual(["n", "w"]);
    expect(shape.introspectionFields).toEqual(["__typename"]);
    expect(parseQueryShape(EXAMPLE).maxDepth).toBe(2);
    expect(() => parseQueryShape("query { tracks { ")).toThrow(SyntaxError);
  });
});
