import fc from "fast-check";
import type { Operation, Parameter } from "../openapi-operations.js";
import { bodyFor } from "./hostile-bodies.js";
import { hostileText, NUMBER_TEXTS, TRAVERSAL_SEGMENTS } from "./hostile-values.js";
import type { JsonText } from "./json-text.js";
import { plain, validJson } from "./valid-values.js";

export interface HostileRequest {
  /** `METHOD /path/{template}`: which operation this request exercises. */
  operation: string;
  method: string;
  /** Path and query as URL text; may hold raw bytes 0x80-0xff (sent as latin1, so not UTF-8). */
  url: string;
  headers: Record<string, string>;
  body?: JsonText;
  /** What was made hostile, for the report: `query.limit=number-text`, `body=deep-nesting`… */
  mutations: string[];
  authorized: boolean;
}

/** Valid values for path parameters by name: ids of rows the fuzz run seeded, so valid paths hit rows. */
export type KnownIds = Record<string, readonly string[]>;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes the UTF-8 of any string, all but the unreserved characters; lone surrogates become U+FFFD. */
export function percentEncode(text: string): string {
  const wellFormed = text.replace(LONE_SURROGATE, "\ufffd");
  return encodeURIComponent(wellFormed).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
/** A path segment: a seeded id, or one that does not belong. */
function pathSegment(param: Parameter, known: KnownIds): fc.Arbitrary<[string, string]> {
  const pool = known[param.name] ?? ["1"];
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...pool).map((id): [string, string] => ["", percentEncode(id)]) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(...TRAVERSAL_SEGMENTS)
        .map((s): [string, string] => [`path.${param.name}=traversal`, s]),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...NUMBER_TEXTS)
        .map((s): [string, string] => [`path.${param.name}=number-text`, percentEncode(s)]),
    },
    {
      weight: 2,
      arbitrary: hostileText.map((s): [string, string] => [
        `path.${param.name}=hostile-text`,
        percentEncode(s),
      ]),
    },
    // Raw bytes 0x80-0xff in the request line: not UTF-8 (0xe9 alone, 0xff) where the server expects it.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("caf\u00e9", "\u00ff\u00fe", "\u00c0\u00ae")
        .map((s): [string, string] => [`path.${param.name}=raw-latin1`, s]),
    },
  );
}

/** A query value: absent, valid, or hostile; `null` means the parameter is left out. */
function queryValue(param: Parameter): fc.Arbitrary<[string, string | null]> {
  const options: { weight: number; arbitrary: fc.Arbitrary<[string, string | null]> }[] = [
    {
      weight: 4,
      arbitrary: validJson(param.schema, param.name).map((v): [string, string | null] => [
        "",
        percentEncode(plain(v)),
      ]),
    },
    {
      weight: 3,
      arbitrary: hostileText.map((s): [string, string | null] => [
        `query.${param.name}=hostile-text`,
        percentEncode(s),
      ]),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...NUMBER_TEXTS)
        .map((s): [string, string | null] => [`query.${param.name}=number-text`, percentEncode(s)]),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("%ff", "%00", "%", "%zz", "%c0%ae", "%ed%a0%80", "\u00ff")
        .map((s): [string, string | null] => [`query.${param.name}=bad-encoding`, s]),
    },
  ];
  if (!param.required)
    options.push({ weight: 4, arbitrary: fc.constant<[string, string | null]>(["", null]) });
  else
    options.push({
      weight: 1,
      arbitrary: fc.constant<[string, string | null]>([`query.${param.name}=missing`, null]),
    });
  return fc.oneof(...options);
}

/** Query parameters nobody documented: prototype keys in bracket syntax, repeats, huge names. */
const extraQuery = fc.oneof(
  { weight: 6, arbitrary: fc.constant<[string, string]>(["", ""]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "__proto__[polluted]=1",
        "__proto__=x",
        "constructor[prototype][polluted]=1",
        "prototype=1",
        "limit=1&limit=2",
        "limit[]=1",
        "q[$ne]=1",
        "a=%00",
        "=",
        "&&&",
      )
      .map((q): [string, string] => [`query-extra=${q}`, q]),
  },
);

const HUGE_HEADER_BYTES = 64 * 1024;
/** One header of 64 KB (under several names), or a hostile X-Request-Id or Accept. */
const headerMutation = fc.oneof(
  { weight: 12, arbitrary: fc.constant<[string, Record<string, string>]>(["", {}]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("x-fuzz", "cookie", "x-request-id", "accept", "user-agent")
      .map((name): [string, Record<string, string>] => [
        `header-64KB=${name}`,
        { [name]: "a".repeat(HUGE_HEADER_BYTES) },
      ]),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("../../etc", "\u00ff\u00fe", "a".repeat(300), "' OR 1=1 --", "__proto__")
      .map((v): [string, Record<string, string>] => ["header-x-request-id", { "x-request-id": v }]),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("text/html", "application/xml", "*/*;q=0", "\u00ff", "application/json;q=-1")
      .map((v): [string, Record<string, string>] => [`header-accept=${v}`, { accept: v }]),
  },
);

/** An Authorization that is not a token: a huge one, an odd scheme, bytes. */
const hostileAuthorization = fc.constantFrom(
  "Bearer",
  "Bearer ",
  "Basic YWRtaW46YWRtaW4=",
  "Bearer ../../etc/passwd",
  "Bearer \u00ff\u00fe",
  "Bearer ' OR '1'='1",
  `Bearer ${"a".repeat(HUGE_HEADER_BYTES)}`,
);

/** Hostile requests for one operation, each with a token that may do everything or with none. */
export function hostileRequests(
  op: Operation,
  adminToken: string,
  known: KnownIds,
): fc.Arbitrary<HostileRequest> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const headerParams = op.parameters.filter((p) => p.in === "header");
  return fc
    .record({
      path: fc.tuple(...pathParams.map((p) => pathSegment(p, known))),
      query: fc.tuple(...queryParams.map(queryValue)),
      extraQuery,
      headerParams: fc.tuple(
        ...headerParams.map((p) =>
          fc.oneof(
            validJson(p.schema, p.name).map((v): [string, string | null] => [
              "",
              plain(v).replace(/[^\u0020-\u00ff]/g, ""),
            ]),
            hostileText.map((s): [string, string | null] => [
              `header.${p.name}=hostile-text`,
              s.replace(/[^\u0020-\u00ff]/g, ""),
            ]),
            fc.constant<[string, string | null]>(["", null]),
          ),
        ),
      ),
      header: headerMutation,
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constant<"admin" | "none" | "hostile">("admin") },
        { weight: 3, arbitrary: fc.constant<"admin" | "none" | "hostile">("none") },
        { weight: 1, arbitrary: fc.constant<"admin" | "none" | "hostile">("hostile") },
      ),
      hostileAuthorization,
      body: bodyFor(op),
      accept: fc.constantFrom("application/json, text/event-stream", "application/json", undefined),
    })
    .map((r) => {
      const mutations: string[] = [];
      let path = op.path;
      pathParams.forEach((p, i) => {
        const [m, segment] = r.path[i]!;
        if (m) mutations.push(m);
        path = path.replace(`{${p.name}}`, segment);
      });
      const query: string[] = [];
      queryParams.forEach((p, i) => {
        const [m, value] = r.query[i]!;
        if (m) mutations.push(m);
        if (value !== null) query.push(`${p.name}=${value}`);
      });
      if (r.extraQuery[0]) {
        mutations.push(r.extraQuery[0]);
        query.push(r.extraQuery[1]);
      }
      const headers: Record<string, string> = {};
      if (r.accept) headers.accept = r.accept;
      headerParams.forEach((p, i) => {
        const [m, value] = r.headerParams[i]!;
        if (m) mutations.push(m);
        if (value !== null) headers[p.name] = value;
      });
      if (r.auth === "admin") headers.authorization = `Bearer ${adminToken}`;
      if (r.auth === "hostile") {
        headers.authorization = r.hostileAuthorization;
        mutations.push(`authorization=${r.hostileAuthorization.slice(0, 30)}`);
      }
      if (r.header[0]) mutations.push(r.header[0]);
      Object.assign(headers, r.header[1]);
      const { body, contentType, encoding } = r.body;
      mutations.push(...r.body.mutations);
      if (contentType !== undefined) headers["content-type"] = contentType;
      if (encoding) headers["content-encoding"] = encoding;
      return {
        operation: op.key,
        method: op.method,
        url: query.length ? `${path}?${query.join("&")}` : path,
        headers,
        ...(body ? { body } : {}),
        mutations,
        authorized: r.auth === "admin",
      };
    });
}
