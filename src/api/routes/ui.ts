import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply } from "fastify";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

/**
 * Where `vite build` put the dashboard: `dist/web` next to the compiled server (dist/api/routes → dist/web),
 * or, when the server runs from source with tsx, the repository's `dist/web`.
 */
export function defaultWebRoot(): string {
  const candidates = ["../../web", "../../../dist/web"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? candidates[1]!;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Logwarden</title>
<p>The dashboard is not built. Run <code>npm run build</code>, then reload. The API is at <a href="/docs">/docs</a>.</p>`;

/**
 * The dashboard: `/` and every page under `/ui/…` answer index.html (the app routes in the browser), and
 * `/assets/…` are Vite's content-hashed files, cached for a year since a new build gets new names.
 * Pages live under `/ui/` because `/incidents` and others are already API routes.
 */
export function uiRoutes(root: string = defaultWebRoot()) {
  // Hashed assets never change, so each is gzipped once and kept: a third of the bytes on first load.
  const gzipped = new Map<string, Buffer>();
  return async (app: FastifyInstance) => {
    const sendIndex = async (reply: FastifyReply) => {
      const html = await readFile(join(root, "index.html"), "utf8").catch(() => NOT_BUILT);
      // Never cached: it names the current build's assets.
      return reply.type(TYPES[".html"]!).header("cache-control", "no-cache").send(html);
    };
    const hidden = { schema: { hide: true } };
    app.get("/", hidden, (_request, reply) => sendIndex(reply));
    app.get("/ui", hidden, (_request, reply) => sendIndex(reply));
    app.get("/ui/*", hidden, (_request, reply) => sendIndex(reply));
    app.get<{ Params: { "*": string } }>("/assets/*", hidden, async (request, reply) => {
      const assets = join(root, "assets");
      const file = normalize(join(assets, request.params["*"]));
      // normalize() resolves `..`; anything that lands outside assets/ is not ours to serve.
      if (!file.startsWith(assets + sep)) return reply.callNotFound();
      const body = await readFile(file).catch(() => null);
      if (!body) return reply.callNotFound();
      reply
        .type(TYPES[extname(file)] ?? "application/octet-stream")
        .header("cache-control", "public, max-age=31536000, immutable")
        .header("vary", "accept-encoding");
      const accepts = String(request.headers["accept-encoding"] ?? "");
      if (!/\bgzip\b/.test(accepts) || !/\.(js|css|svg|json|map)$/.test(file)) return reply.send(body);
      let gz = gzipped.get(file);
      if (!gz) {
        gz = gzipSync(body, { level: 9 });
        gzipped.set(file, gz);
      }
      return reply.header("content-encoding", "gzip").send(gz);
    });
  };
}
