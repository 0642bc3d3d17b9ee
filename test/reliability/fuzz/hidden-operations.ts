import type { Operation } from "../openapi-operations.js";

function hidden(path: string, name: string): Operation {
  return {
    key: `GET ${path}`,
    method: "GET",
    path,
    url: path.replace(`{${name}}`, "index.html"),
    auth: undefined,
    parameters: [{ name, in: "path", required: true, schema: { type: "string" } }],
  };
}

/**
 * Routes the document hides (`schema: { hide: true }`) that still take input from the URL: the dashboard's
 * static files, where path traversal matters most, its pages, and the documentation pages.
 */
export const HIDDEN_OPERATIONS: readonly Operation[] = [
  hidden("/assets/{file}", "file"),
  hidden("/ui/{page}", "page"),
  hidden("/docs/{page}", "page"),
];
