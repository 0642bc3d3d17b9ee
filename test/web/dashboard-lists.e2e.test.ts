import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import type { Severity } from "../../src/core/severity.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { REPO } from "../helpers/cli.js";
import { auth, type TestServer } from "../helpers/runtime.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard, signIn } from "./browser.js";

const SHOTS = join(REPO, "test-artifacts/screenshots");
const SEV: Severity[] = ["low", "medium", "high", "critical"];

function anomaly(i: number): Anomaly {
  return {
    detector: "error_burst",
    type: "error_burst",
    timestamp: new Date(Date.now() - (40 - i) * 60_000).toISOString(),
    service: "web",
    key: `host-${i}`,
    score: 0.7,
    severity: SEV[i % 4]!,
    description: `error burst ${i} on web`,
    features: { i },
    explanation: { summary: `burst ${i}`, observed: { i }, expected: {} },
    evidence: [],
  };
}

/** A new user's first hour: long lists page with a total, filter, act on many rows, search templates. */
describe.skipIf(!browserAvailable())("dashboard lists in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    ({ server, base, browser, page } = await openDashboard({ TRIAGE_RETRY_BASE_MS: "1" }, SHOTS));
    // 30 alerts, every fourth critical (i = 3, 7, …, 27: 7 of them), newest last; 30 anomalies; two kinds of log lines.
    const alerts = Array.from({ length: 30 }, (_, i) => ({
      alert_id: `lst-${String(i).padStart(2, "0")}`,
      severity: SEV[i % 4],
      source_ip: `10.20.0.${i}`,
      rule_name: `rule ${i}`,
    }));
    const posted = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      headers: auth,
      payload: alerts,
    });
    expect(posted.statusCode, posted.body).toBe(202);
    await server.rt.triage.idle();
    await storeAnomalies(
      server.rt.store.db,
      Array.from({ length: 30 }, (_, i) => anomaly(i)),
      new Date().toISOString(),
    );
    const lines = Array.from({ length: 60 }, (_, i) => ({
      timestamp: new Date(Date.now() - (60 - i) * 1000).toISOString(),
      service: i % 2 ? "db" : "web",
      level: "INFO",
      message: i % 2 ? `checkpoint complete: wrote ${i} buffers` : `GET /cart/${i} answered 200`,
    }));
    expect(
      (await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: lines })).statusCode,
    ).toBe(200);
    await signIn(page, base);
  }, 120_000);

  afterAll(() => closeDashboard(browser, server));

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it("pages through alerts with a total, most severe first, and filters by severity", async () => {
    await page.goto(`${base}/ui/incidents`);
    const pager = page.getByRole("navigation", { name: "Alert pages" });
    await pager.getByText("1–25 of 30").waitFor();
    const alerts = page.getByRole("table", { name: "Alerts" });
    // Most severe first: the 7 critical alerts lead, the newest of them first.
    await expect(alerts.locator("tbody tr").first().getAttribute("data-alert-id")).resolves.toBe("lst-27");
    expect(await alerts.locator("tbody tr").nth(6).locator(".sev").first().textContent()).toBe("critical");
    expect(await alerts.locator("tbody tr").nth(7).locator(".sev").first().textContent()).toBe("high");
    await pager.getByRole("button", { name: "Next" }).click();
    await pager.getByText("26–30 of 30").waitFor();
    expect(await alerts.locator("tbody tr").count()).toBe(5);
    expect(page.url()).toContain("alerts_offset=25");

    await page.getByRole("form", { name: "Filter alerts" }).getByLabel("Severity").selectOption("critical");
    await page.getByRole("form", { name: "Filter alerts" }).getByRole("button", { name: "Apply" }).click();
    await pager.getByText("1–7 of 7").waitFor();
    // The first column holds the row's checkbox; severity is the second.
    const badges = await alerts.locator("tbody tr td:nth-child(2) .sev").allTextContents();
    expect(badges).toEqual(new Array(7).fill("critical"));
    expect(page.url()).toContain("severity=critical");
    await shot("incidents-filtered");
  });

  it("shows the anomaly total and acknowledges selected rows in one action", async () => {
    await page.goto(`${base}/ui/anomalies`);
    await page.getByText("1–25 of 30").waitFor();
    const rows = page.locator("tr[data-anomaly-id]");
    const ids = await Promise.all([0, 1, 2].map((n) => rows.nth(n).getAttribute("data-anomaly-id")));
    for (const id of ids) await page.getByLabel(`Select anomaly ${id}`).check();
    await page.getByRole("toolbar", { name: "Selected anomalies" }).getByText("3 selected").waitFor();
    await page
      .getByRole("toolbar", { name: "Selected anomalies" })
      .getByRole("button", { name: "Acknowledge" })
      .click();
    await page.getByText("3 marked acknowledged").waitFor();
    const acked = await fetch(`${base}/api/v1/anomalies?status=acknowledged&with_total=true`, {
      headers: auth,
    });
    expect(acked.headers.get("x-total-count")).toBe("3");
    expect(((await acked.json()) as { id: number }[]).map((a) => String(a.id)).sort()).toEqual(
      [...ids].sort(),
    );
    // The page shows it too, and the status filter narrows the total.
    await page.goto(`${base}/ui/anomalies?status=acknowledged`);
    await page.getByText("1–3 of 3").waitFor();
    await shot("anomalies-bulk");
  });

  it("acknowledges two selected alerts in one action", async () => {
    await page.goto(`${base}/ui/incidents`);
    await page.getByRole("navigation", { name: "Alert pages" }).getByText("1–25 of 30").waitFor();
    await page.getByLabel("Select alert lst-27").check();
    await page.getByLabel("Select alert lst-23").check();
    const bar = page.getByRole("toolbar", { name: "Selected alerts" });
    await bar.getByText("2 selected").waitFor();
    await bar.getByRole("button", { name: "Acknowledge" }).click();
    await bar.getByText("2 marked acknowledged").waitFor();
    const acked = (await (
      await fetch(`${base}/api/v1/alerts?review_status=acknowledged`, { headers: auth })
    ).json()) as { items: { alert_id: string }[]; total: number };
    expect(acked.items.map((a) => a.alert_id).sort()).toEqual(["lst-23", "lst-27"]);
    // The rows show their review after the reload; the others stay open.
    const row = (id: string) => page.locator(`tr[data-alert-id="${id}"]`);
    await row("lst-27").getByText("acknowledged").waitFor();
    await row("lst-23").getByText("acknowledged").waitFor();
    expect(await row("lst-19").textContent()).not.toContain("acknowledged");
    await shot("alerts-bulk-acknowledge");
  });

  it("filters anomalies by kind, so security findings are not buried under operational rows", async () => {
    await storeAnomalies(
      server.rt.store.db,
      [0, 1].map((i) => ({
        ...anomaly(i),
        detector: "brute_force",
        type: "brute_force",
        // Two sources: findings of one detector on one key within minutes merge into one anomaly.
        key: `ip:203.0.113.${9 + i}`,
        description: `brute force ${i} from 203.0.113.${9 + i}`,
      })),
      new Date().toISOString(),
    );
    await page.goto(`${base}/ui/anomalies`);
    await page.getByText("1–25 of 32").waitFor();
    const form = page.getByRole("form", { name: "Filter anomalies" });
    await form.getByLabel("Kind").selectOption("security");
    await form.getByRole("button", { name: "Apply" }).click();
    await page.getByText("1–2 of 2").waitFor();
    const detectors = await page.locator("tr[data-anomaly-id] td.mono").allTextContents();
    expect(detectors).toEqual(["brute_force", "brute_force"]);
    expect(page.url()).toContain("kind=security");
    await form.getByLabel("Kind").selectOption("operational");
    await form.getByRole("button", { name: "Apply" }).click();
    await page.getByText("1–25 of 30").waitFor();
    await page.goto(`${base}/ui/anomalies?entity=${encodeURIComponent("ip:203.0.113.9")}`);
    await page.getByText("1–1 of 1").waitFor();
    expect(await page.locator("tr[data-anomaly-id]").textContent()).toContain(
      "brute force 0 from 203.0.113.9",
    );
    await shot("anomalies-kind");
  });

  it("searches templates and pages them with a total", async () => {
    await page.goto(`${base}/ui/templates`);
    const pager = page.getByRole("navigation", { name: "Template pages" });
    await pager.getByText(/^1–\d+ of \d+$/).waitFor();
    const form = page.getByRole("form", { name: "Search templates" });
    await form.getByLabel("Search").fill("CHECKPOINT");
    await form.getByRole("button", { name: "Search" }).click();
    await pager.getByText("1–1 of 1").waitFor();
    const cells = await page.getByRole("table", { name: "Templates" }).locator("tbody tr").allTextContents();
    expect(cells).toHaveLength(1);
    expect(cells[0]).toContain("checkpoint complete");
    expect(page.url()).toContain("q=CHECKPOINT");
    await shot("templates-search");
  });
});
