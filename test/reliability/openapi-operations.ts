import { AUTH_EXTENSION, type RouteAuth } from "../../src/api/route-auth.js";

/** One operation of the OpenAPI document, with a URL to call it at and what it says it takes. */
export interface Operation {
  /** `METHOD /path`, the path as the document spells it. */
  key: string;
  method: string;
  /** The path with every parameter filled in. */
  url: string;
  /** The server's `x-logwarden-auth`; undefined when the operation does not say (the matrix fails it). */
  auth: RouteAuth | undefined;
}

interface DocParameter {
  in: string;
  name: string;
}

interface DocOperation {
  parameters?: DocParameter[];
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
      out.push({ key: `${upper} ${path}`, method: upper, url, auth: op[AUTH_EXTENSION] });
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
