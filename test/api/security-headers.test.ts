import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, DOCS_CONTENT_SECURITY_POLICY } from "../../src/api/security-headers.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** The policy's directives by name. */
function directives(policy: string): Map<string, string> {
  return new Map(
    policy.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values.join(" ")];
    }),
  );
}

describe("security headers", () => {
  it("gives the dashboard's HTML a strict CSP, no framing, nosniff and no referrer", async () => {
    for (const url of ["/", "/ui", "/ui/anomalies?view=incidents"]) {
      const res = await server.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.headers["content-security-policy"], url).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
    }
    const csp = directives(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-eval");
    expect(Object.fromEntries(csp)).toMatchObject({
      "default-src": "'self'",
      "script-src": "'self'",
      "style-src": "'self'",
      "connect-src": "'self'",
      "img-src": "'self' data:",
      "frame-ancestors": "'none'",
      "base-uri": "'none'",
      "object-src": "'none'",
      "form-action": "'self'",
    });
  });

  it("puts nosniff and no-referrer on every API answer, errors included, and no CSP on JSON", async () => {
    const answers = await Promise.all([
      server.app.inject({ url: "/api/v1/anomalies", headers: auth }),
      server.app.inject({ url: "/api/v1/anomalies" }),
      server.app.inject({ url: "/health" }),
      server.app.inject({ url: "/stats", headers: auth }),
      server.app.inject({ url: "/no/such/route" }),
      server.app.inject({ url: "/assets/missing.js" }),
      server.app.inject({
        method: "POST",
        url: "/ingest",
        headers: { ...auth, "content-type": "application/json" },
        payload: "{",
      }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 401, 200, 200, 404, 404, 400]);
    for (const res of answers) {
      expect(res.headers["x-content-type-options"], res.body).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["content-type"]).toMatch(/json/);
      expect(res.headers["content-security-policy"]).toBeUndefined();
    }
  });

  it("serves Swagger UI at /docs under the same policy but for inline styles; its scripts are files", async () => {
    expect(DOCS_CONTENT_SECURITY_POLICY).toBe(
      CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
    );
    expect(directives(DOCS_CONTENT_SECURITY_POLICY).get("script-src")).toBe("'self'");
    for (const url of ["/docs", "/docs/", "/docs?x=1"]) {
      const page = await server.app.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers["content-security-policy"], url).toBe(DOCS_CONTENT_SECURITY_POLICY);
    }
    const page = await server.app.inject({ url: "/docs/" });
    expect(page.headers["x-frame-options"]).toBe("DENY");
    // No inline script or style the policy would block: every <script> has a src, no <style>, no style="".
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.body).not.toMatch(/<style|style="/);
    const script = await server.app.inject({ url: "/docs/static/swagger-initializer.js" });
    expect(script.statusCode).toBe(200);
    expect(script.headers["x-content-type-options"]).toBe("nosniff");
  });
});
