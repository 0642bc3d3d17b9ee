import { AUTH_EXTENSION, type RouteAuth } from "../../src/api/route-auth.js";

/** The part of an OpenAPI 3 schema object the fuzz generator reads; everything else is ignored. */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  nullable?: boolean;
  format?: string;
}

/** A path, query or header parameter as the document declares it. */
export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the OpenAPI document, with a URL to call it at and what it says it takes. */
export interface Operation {
  /** `METHOD /path`, the path as the document spells it. */
  key: string;
  method: string;
  /** The path template as the document spells it, e.g. `/api/v1/anomalies/{id}`. */
  path: string;
  /** The path with every parameter filled in. */
  url: string;
  /** The server's `x-logwarden-auth`; undefined when the operation does not say (the matrix fails it). */
  auth: RouteAuth | undefined;
  parameters: Parameter[];
  /** The first documented request body type and its schema, when the operation takes a body. */
  body?: { contentType: string; schema: JsonSchema };
}

interface DocParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface DocOperation {
  parameters?: DocParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  [AUTH_EXTENSION]?: RouteAuth;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, DocOperation>>;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/**
 * A plausible value for a path parameter: ids get a number no row has (so an admin's DELETE or
 * approve finds nothing to change), names a word.
 */
function plausible(name: string): string {
  return /id$/i.test(name) ? "999999" : "auth-matrix";
}

function parametersOf(op: DocOperation): Parameter[] {
  return (op.parameters ?? [])
    .filter((p) => p.in === "path" || p.in === "query" || p.in === "header")
    .map((p) => ({
      name: p.name,
      in: p.in as Parameter["in"],
      required: p.required === true || p.in === "path",
      schema: p.schema ?? {},
    }));
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      let url = path;
      for (const p of op.parameters ?? []) {
        if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(plausible(p.name)));
      }
      // A template the parameters did not fill is a document error; fill it anyway so the route is still called.
      url = url.replace(/\{(\w+)\}/g, (_m, name: string) => plausible(name));
      const upper = method.toUpperCase();
      const content = Object.entries(op.requestBody?.content ?? {})[0];
      out.push({
        key: `${upper} ${path}`,
        method: upper,
        path,
        url,
        auth: op[AUTH_EXTENSION],
        parameters: parametersOf(op),
        ...(content ? { body: { contentType: content[0], schema: content[1].schema ?? {} } } : {}),
      });
    }
  }
  return out;
}

/** Runs `work` over `items`, at most `width` at a time. */
export async function inPool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
