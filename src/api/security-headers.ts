import type { FastifyInstance } from "fastify";

/**
 * The dashboard's Content-Security-Policy. Vite's build (dist/web/index.html) loads one module script and
 * one stylesheet from `/assets/`, with no inline script or `<style>` and no `style=""` attribute in the
 * HTML; React's `style` props are set through the CSSOM, which `style-src` does not govern. So neither
 * scripts nor styles need `'unsafe-inline'`. The app calls the API and the live-update stream
 * (`EventSource`) on its own origin; the favicon is a `data:` URL (checked in Chromium: every page, no
 * violation).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Swagger UI at `/docs`: the same policy but for inline styles. Its scripts and stylesheets are files under
 * `/docs/static/`, but its bundle applies one inline style as it starts, which `style-src 'self'` blocks
 * (a console error in Chromium; the page still works). Inline styles cannot run script, and a hash would
 * break with each Swagger UI release, so `/docs` allows them; scripts stay `'self'` only.
 */
export const DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "style-src 'self'",
  "style-src 'self' 'unsafe-inline'",
);

/** Swagger UI's pages (app.ts registers it at `/docs`). */
const DOCS = /^\/docs(\/|\?|$)/;

/** Content types a browser renders as a document (and so runs a policy for). */
const DOCUMENT = /^(text\/html|image\/svg\+xml|application\/xhtml\+xml)\b/i;

/**
 * Headers on every answer: `X-Content-Type-Options: nosniff` (a body is only ever what its type says) and
 * `Referrer-Policy: no-referrer` (a token-bearing app has nothing to tell other sites). On documents (the
 * dashboard, `/docs`, an SVG) also a Content-Security-Policy above and `X-Frame-Options: DENY`: no page
 * of this server may be framed by another (clickjacking), and a script that got into a page could load
 * nothing from elsewhere nor send the token anywhere but this origin.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    const type = reply.getHeader("content-type");
    if (typeof type === "string" && DOCUMENT.test(type)) {
      const policy = DOCS.test(request.url) ? DOCS_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY;
      reply.header("content-security-policy", policy);
      reply.header("x-frame-options", "DENY");
    }
    return payload;
  });
}
