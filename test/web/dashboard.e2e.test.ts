import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { ADMIN_TOKEN, auth, type TestServer } from "../helpers/runtime.js";
import { waitFor } from "../helpers/wait.js";
import { seedInventory, VERIFICATION_ALERT } from "../triage/fixtures.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard } from "./browser.js";

const SHOTS = join(REPO, "test-artifacts/screenshots");

describe.skipIf(!browserAvailable())("dashboard in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    // A low burst threshold, so four error lines make one anomaly.
    ({ server, base, browser, page } = await openDashboard({ ERROR_BURST_THRESHOLD: "3" }, SHOTS));
  }, 120_000);

  afterAll(() => closeDashboard(browser, server));

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it("serves the app with a long cache for hashed assets and the SPA fallback", async () => {
    const index = await fetch(`${base}/ui/anomalies/42`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${base}${asset}`);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-type")).toContain("javascript");
    // fetch asks for gzip and inflates; the header says it came compressed.
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect((await fetch(`${base}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    // API routes keep their JSON 404s.
    expect((await fetch(`${base}/api/v1/nope`)).status).toBe(404);
  });

  it("signs in, shows a new anomaly live, and marks it false positive", async () => {
    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill("wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("not valid").waitFor();
    await page.getByLabel("API token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/ui\/overview/);
    // Kept for the tab only, and never in the URL.
    // (Strings run in the page: this file is type-checked without the DOM library.)
    expect(await page.evaluate("sessionStorage.getItem('logwarden.token')")).toBe(ADMIN_TOKEN);
    expect(page.url()).not.toContain(ADMIN_TOKEN);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Anomalies" }).click();
    await page.getByText("No anomalies yet").waitFor();
    await page.getByText("Live updates on").waitFor();
    // A marker that a reload would wipe: the row must arrive over the live stream.
    await page.evaluate("window.marker = 1");

    const logs = Array.from({ length: 4 }, (_, i) => ({
      timestamp: new Date(Date.now() - (4 - i) * 1000).toISOString(),
      service: "auth",
      level: "ERROR",
      message: `invalid password for user${i} from 10.0.0.${i}`,
    }));
    const ingest = await fetch(`${base}/ingest`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(logs),
    });
    expect(ingest.status).toBe(200);

    const row = page.locator("tr[data-anomaly-id]").first();
    await row.waitFor();
    expect(await page.evaluate("window.marker")).toBe(1);
    await expect(row.locator(".sev").textContent()).resolves.toMatch(/low|medium|high|critical/);
    const id = await row.getAttribute("data-anomaly-id");
    await shot("anomalies");

    await server.rt.pipeline.saveState(); // templates are saved with the state, every few seconds
    // Keyboard: j focuses the first row's link, Enter opens it.
    await page.locator("body").click({ position: { x: 600, y: 700 } });
    await page.keyboard.press("j");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/ui/anomalies/${id}$`));
    await page.getByRole("heading", { name: "Why this is abnormal" }).waitFor();
    // Beside the explanation, how often people judged this detector right lately: nobody has yet.
    await page.getByTestId("detector-precision").getByText("no verdicts in the last 30 days yet").waitFor();
    // The template with the newest evidence line's parameters filled in and highlighted.
    await page.locator(".tpl mark.param").first().waitFor();
    // The four evidence lines share a template: shown once, the newest, with their count.
    await page
      .getByTestId("evidence-line")
      .filter({ hasText: "invalid password for user3" })
      .filter({ hasText: "×4" })
      .waitFor();
    await shot("anomaly-detail");

    await page.getByLabel("Comment (kept in the audit log)").fill("load test from the e2e suite");
    await page.getByRole("button", { name: "Mark false positive" }).click();
    // The dialog says what the verdict will suppress before it is confirmed (test/web/suppressions.e2e.test.ts).
    await page.getByRole("dialog").getByRole("button", { name: "Mark false positive and suppress" }).click();
    await page.getByTestId("anomaly-status").getByText("false positive").waitFor();
    await page.getByText("“load test from the e2e suite”").waitFor();
    await page
      .getByTestId("detector-precision")
      .getByText("0 of 1 judged finding in the last 30 days was a true positive")
      .waitFor();
    const stored = await fetch(`${base}/api/v1/anomalies/${id}`, { headers: auth });
    expect(((await stored.json()) as { status: string }).status).toBe("false_positive");

    // Back in the list the filter comes from the URL, and the row shows its new status.
    await page.goto(`${base}/ui/anomalies?status=false_positive`);
    await page.locator(`tr[data-anomaly-id="${id}"] .status.false_positive`).waitFor();
  });

  it("renders every page (screenshots in test-artifacts/screenshots)", async () => {
    // Alert triage: one alert through the API, triaged by the pipeline, shown in the list and in its detail page.
    await seedInventory(server.rt.store);
    const posted = await fetch(`${base}/api/v1/alerts`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(VERIFICATION_ALERT),
    });
    expect(posted.status).toBe(202);
    const [alertId] = ((await posted.json()) as { alert_ids: string[] }).alert_ids;
    await waitFor(async () => {
      const res = await fetch(`${base}/api/v1/alerts/${alertId}`, { headers: auth });
      return ((await res.json()) as { triage: unknown }).triage !== null;
    }, "the alert's triage");
    const pages: [string, string, string][] = [
      ["overview", "/ui/overview", "Anomalies over time by severity"],
      ["incidents", "/ui/incidents", "Alert triage"],
      ["templates", "/ui/templates", "Template"],
      ["logs", "/ui/logs?q=password", "Message and template"],
      ["settings", "/ui/settings", "API tokens"],
    ];
    for (const [name, path, text] of pages) {
      await page.goto(`${base}${path}`);
      await page.getByText(text, { exact: true }).first().waitFor();
      await page.waitForLoadState("networkidle").catch(() => {});
      await shot(name);
    }
    // Still on Settings: the false positive above is error_burst's one judged finding of the window.
    const precisionRow = page
      .getByRole("table", { name: "Detector precision" })
      .getByRole("row")
      .filter({ hasText: "error_burst" });
    await precisionRow.waitFor();
    await expect(precisionRow.getByRole("cell").allTextContents()).resolves.toEqual([
      "error_burst",
      expect.any(String),
      "1",
      "0",
      "0%",
    ]);
    await page
      .getByRole("table", { name: "Detector precision" })
      .getByRole("row")
      .filter({ hasText: "new_template" })
      .getByText("no verdicts yet")
      .waitFor();
    await page.goto(`${base}/ui/incidents`);
    // Alerts are named by what happened; the row of this one is found by its id.
    await page.locator(`tr[data-alert-id="${alertId}"]`).getByRole("link").first().click();
    await page.getByRole("heading", { name: "Recommended actions" }).waitFor();
    await page.getByRole("table", { name: "Risk score inputs" }).waitFor();
    // Remediation proposed by triage is approved by a person, here one click.
    const approve = page.getByRole("button", { name: /^approve / }).first();
    await approve.waitFor();
    await approve.click();
    await page
      .locator("table[aria-label='Remediation actions'] .status")
      .getByText("approved")
      .first()
      .waitFor();
    await shot("alert-detail");
    await page.getByLabel("Comment (kept in the audit log)").fill("known test hash");
    await page.getByRole("button", { name: "False positive" }).click();
    await page.locator(".page-head .status").getByText("false positive").waitFor();

    await page.goto(`${base}/ui/anomalies`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    await shot("sign-in");
  });
});
