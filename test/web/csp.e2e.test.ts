import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { auth, type TestServer } from "../helpers/runtime.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard, signIn } from "./browser.js";

const SHOTS = join(REPO, "test-artifacts/screenshots");

/**
 * The dashboard and Swagger UI under the Content-Security-Policy they are served with
 * (src/api/security-headers.ts): every page loads and works, and Chromium reports no violation (a blocked
 * script or style is a `securitypolicyviolation` event and a console error, not a failed request).
 */
describe.skipIf(!browserAvailable())("the dashboard under its Content-Security-Policy (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const reported: string[] = [];

  beforeAll(async () => {
    ({ server, base, browser, page } = await openDashboard({}, SHOTS));
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|CSP-VIOLATION|Refused to/i.test(m.text()))
        reported.push(m.text());
    });
    // A string, run in the page: this project's test types have no DOM.
    await page.addInitScript(`document.addEventListener("securitypolicyviolation", (e) =>
      console.error("CSP-VIOLATION " + e.violatedDirective + " " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber))`);
    const now = Date.now();
    const ingest = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: Array.from({ length: 120 }, (_, i) => ({
        timestamp: new Date(now - (120 - i) * 60_000).toISOString(),
        service: i % 2 ? "sshd" : "web",
        level: i % 10 === 0 ? "ERROR" : "INFO",
        message:
          i % 10 === 0 ? `Failed password for root from 10.0.0.${i % 7} port 22` : `GET /items/${i % 9} 200`,
      })),
    });
    expect(ingest.statusCode).toBeLessThan(300);
  }, 120_000);

  afterAll(() => closeDashboard(browser, server));

  it("renders every page and keeps live updates on, with no violation", async () => {
    await signIn(page, base);
    for (const path of ["/ui/overview", "/ui/anomalies", "/ui/logs", "/ui/templates", "/ui/settings"]) {
      await page.goto(`${base}${path}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
    }
    // The stream (EventSource on this origin) is allowed by connect-src 'self'.
    await page.getByText("Live updates on").waitFor();
    // The stylesheet applied: the sidebar is laid out, not an unstyled list.
    const nav = await page.locator("nav").first().boundingBox();
    expect(nav?.width ?? 0).toBeGreaterThan(100);
    expect(reported).toEqual([]);
  });

  it("serves Swagger UI at /docs under its policy, with no violation", async () => {
    await page.goto(`${base}/docs`);
    await page.locator(".swagger-ui .opblock").first().waitFor();
    await page.locator(".opblock-summary").first().click();
    await page.getByRole("button", { name: "Try it out" }).first().waitFor();
    expect(reported).toEqual([]);
  });
});
