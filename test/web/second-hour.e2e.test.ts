import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { LOGHUB_DIR } from "../helpers/loghub.js";
import { auth, type TestServer } from "../helpers/runtime.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard, signIn } from "./browser.js";

/**
 * The second hour (issue 47 item 2, "screens that lead somewhere"), walked in Chromium: from an Overview
 * bar to the lines behind it, from a top template to its lines, from an alert to its finding and back, a
 * range preset on Anomalies, the false-positive dialog in view, and the 800 px layout (sidebar folded, a
 * wide table scrolling inside its frame, not clipped). Screenshots as in first-hour.e2e.test.ts:
 * docs/img/ with DOCS_SCREENSHOTS=1, else test-artifacts/.
 */
const SHOTS = process.env.DOCS_SCREENSHOTS
  ? join(REPO, "docs/img")
  : join(REPO, "test-artifacts/screenshots");
const UPLOADS = ["OpenSSH/OpenSSH_2k.log", "Apache/Apache_2k.log"];

describe.skipIf(!browserAvailable())("the second hour: screens that lead somewhere, in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    ({ server, base, browser, page } = await openDashboard(
      { TRIAGE_ANOMALY_MIN_SEVERITY: "low", TRIAGE_RETRY_BASE_MS: "1" },
      SHOTS,
      20_000,
    ));
    for (const path of UPLOADS) {
      const form = new FormData();
      form.append("file", new Blob([readFileSync(join(LOGHUB_DIR, path))]), path.split("/")[1]!);
      const res = await fetch(`${base}/analyze/file?persist=true`, {
        method: "POST",
        headers: auth,
        body: form,
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    await server.rt.pipeline.saveState();
    await server.rt.triage.idle();
    await signIn(page, base);
  }, 180_000);

  afterAll(() => closeDashboard(browser, server));

  const shot = (name: string, fullPage = false) =>
    page.screenshot({ path: join(SHOTS, `second-hour-${name}.png`), fullPage });

  it("opens the lines behind a bar of the Overview's log volume, for that service and bucket", async () => {
    await page.goto(`${base}/ui/overview?range=all`);
    await page.getByRole("heading", { name: /Log volume/ }).waitFor();
    const picker = page.getByLabel("Service of the volume chart");
    // The busiest service (the first after "All services").
    await picker.locator("option").nth(1).waitFor({ state: "attached" });
    const service = (await picker.locator("option").nth(1).getAttribute("value"))!;
    await picker.selectOption(service);
    const chart = page.getByRole("img", { name: `Log lines over time of ${service}` });
    await chart.waitFor();
    // The busiest bar: its lines are the ones to look at.
    const bars = chart.getByTestId("count-bar");
    const counts = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-count"))));
    const busiest = counts.indexOf(Math.max(...counts));
    expect(counts[busiest]).toBeGreaterThan(0);
    await shot("overview");
    await bars.nth(busiest).click();
    await page.waitForURL(/\/ui\/logs\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get("service")).toBe(service);
    const from = Date.parse(url.searchParams.get("from")!);
    const to = Date.parse(url.searchParams.get("to")!);
    expect(to).toBeGreaterThan(from);
    const lines = page.getByRole("table", { name: "Log lines" });
    await lines.locator("tbody tr").first().waitFor();
    // The page counts exactly the bar's lines, and every row is of that service and inside the bucket.
    await expect
      .poll(() => page.getByTestId("histogram-total").textContent())
      .toMatch(new RegExp(`^${counts[busiest]!.toLocaleString("en-US").replace(",", ",?")} lines`));
    const times = await lines
      .locator("tbody tr td:first-child time")
      .evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime")!)));
    expect(times.every((t) => t >= from && t < to)).toBe(true);
    const services = await lines.locator("tbody tr td:nth-child(2)").allTextContents();
    expect(new Set(services)).toEqual(new Set([service]));
    await shot("logs-from-bar");
  });

  it("opens a top template's lines from the Overview, and a Templates row's", async () => {
    await page.goto(`${base}/ui/overview?range=all`);
    const top = page.getByRole("list", { name: "Top templates" }).getByRole("link").first();
    await top.waitFor();
    const text = (await top.textContent())!;
    await top.click();
    await page.waitForURL(/template_id=/);
    await page.getByTestId("template-filter").waitFor();
    const lines = page.getByRole("table", { name: "Log lines" });
    await lines.locator("tbody tr").first().waitFor();
    expect(await page.getByTestId("template-filter").textContent()).toContain(text.slice(0, 20));

    await page.goto(`${base}/ui/templates?sort=count`);
    const row = page.getByRole("table", { name: "Templates" }).locator("tbody tr").first();
    const count = Number((await row.locator("td:nth-child(3)").textContent())!.replace(/,/g, ""));
    await row.locator("td:first-child a").click();
    await page.waitForURL(/\/ui\/logs\?.*template_id=/);
    await expect.poll(() => page.getByTestId("histogram-total").textContent()).toMatch(/lines/);
    const shown = Number(
      (await page.getByTestId("histogram-total").textContent())!.split(" ")[0]!.replace(/,/g, ""),
    );
    expect(shown).toBe(count);
  });

  it("goes from an alert, named by what happened, to its finding and back", async () => {
    await page.goto(`${base}/ui/incidents`);
    const alerts = page.getByRole("table", { name: "Alerts" });
    const row = alerts.locator("tr[data-alert-id^='anomaly-']").first();
    await row.waitFor();
    // Named by its detector and entity, not by an internal id.
    const name = row.locator("td:nth-child(4) a").first();
    expect(await name.textContent()).not.toMatch(/^anomaly-\d+$/);
    await shot("alerts");
    // One severity per row: the badge; the risk is a number beside it.
    expect(await row.locator("td:nth-child(2) .sev").count()).toBe(1);
    expect(await row.locator("td:nth-child(3) .sev").count()).toBe(0);
    const alertId = (await row.getAttribute("data-alert-id"))!;
    await name.click();
    await page.waitForURL(new RegExp(`/ui/incidents/alerts/${alertId}$`));
    await page
      .getByTestId("alert-times")
      .getByText(/Happened/)
      .waitFor();
    expect(await page.locator("h1 .sev").count()).toBe(1);
    // Context and risk inputs are labelled fields, not JSON.
    expect(await page.locator("main").textContent()).not.toMatch(/\{"/);
    await shot("alert", true);
    await page.getByRole("link", { name: "Open the finding this alert was raised from" }).click();
    await page.waitForURL(new RegExp(`/ui/anomalies/${alertId.slice("anomaly-".length)}$`));
    await page.getByRole("heading", { name: "Why this is abnormal" }).waitFor();
    await page.getByTestId("alert-link").click();
    await page.waitForURL(new RegExp(`/ui/incidents/alerts/${alertId}$`));
  });

  it("narrows the alerts with the range picker, and opens the lines of what an alert concerns", async () => {
    await page.goto(`${base}/ui/incidents`);
    const alerts = page.getByRole("table", { name: "Alerts" });
    await alerts.locator("tbody tr").first().waitFor();
    // The alerts were received during this test run: the last hour holds them all.
    await page.getByLabel("Time range").selectOption("1h");
    await page.waitForURL(/range=1h/);
    await alerts.locator("tbody tr").first().waitFor();
    // A day in 2000 holds none, and the page says the filters left nothing.
    await page.goto(`${base}/ui/incidents?from=2000-01-01T00:00:00.000Z&to=2000-01-02T00:00:00.000Z`);
    await page.getByText("No alert matches these filters").waitFor();
    expect(await page.getByLabel("Time range", { exact: true }).inputValue()).toBe("absolute");
    // What an alert concerns is a link to the lines that mention it.
    await page.goto(`${base}/ui/incidents?range=all`);
    const concerns = alerts.locator("tbody tr td:nth-child(5) a").first();
    await concerns.waitFor();
    const entity = (await concerns.textContent())!;
    await concerns.click();
    await page.waitForURL(/\/ui\/logs\?/);
    expect(new URL(page.url()).searchParams.get("q")).toBe(entity);
  });

  it("opens the false-positive dialog in view and says the history in words", async () => {
    const id = (
      (await (await fetch(`${base}/api/v1/anomalies?limit=1`, { headers: auth })).json()) as { id: number }[]
    )[0]!.id;
    await page.goto(`${base}/ui/anomalies/${id}`);
    await page.getByRole("button", { name: "Mark false positive" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByTestId("suppression-preview").waitFor();
    const box = (await dialog.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
    await shot("verdict-dialog");
    await dialog.getByRole("button", { name: "Mark false positive and suppress" }).click();
    await page.getByTestId("anomaly-status").getByText("false positive").waitFor();
    const history = page.locator("ul.evidence li").last();
    await expect.poll(() => history.textContent()).toMatch(/marked it a false positive \(it was open\)/);
    expect(await history.textContent()).not.toMatch(/false_positive|→/);
  });

  it("narrows the findings with a range preset", async () => {
    await page.goto(`${base}/ui/anomalies?range=all`);
    const rows = page.locator("tr[data-anomaly-id]");
    await rows.first().waitFor();
    const all = await page.locator("nav.pager [role=status]").textContent();
    await page.getByLabel("Time range").selectOption("15m");
    await page.waitForURL(/range=15m/);
    // LogHub's findings have the lines' own times (years old, or later this year when the log names no
    // year): whatever is listed now is from the last 15 minutes on.
    const asked = Date.now() - 15 * 60_000;
    await expect.poll(() => page.locator("nav.pager [role=status]").textContent()).not.toBe(all);
    const times = await page
      .locator("tr[data-anomaly-id] time")
      .evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime")!)));
    expect(times.every((t) => t >= asked - 60_000)).toBe(true);
    await shot("anomalies-range");
    await page.getByLabel("Time range").selectOption("all");
    await page.waitForURL(/range=all/);
    await rows.first().waitFor();
  });

  it("folds the sidebar at 800 px and scrolls wide tables instead of clipping them", async () => {
    await page.setViewportSize({ width: 800, height: 900 });
    await page.goto(`${base}/ui/incidents`);
    const alerts = page.getByRole("table", { name: "Alerts" });
    await alerts.locator("tbody tr").first().waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.isVisible()).toBe(false);
    const menu = page.getByRole("button", { name: "Menu" });
    expect(await menu.isVisible()).toBe(true);
    // The page itself does not scroll sideways; the table's frame does.
    const doc = await page.locator("html").evaluate((el) => ({
      scroll: el.scrollWidth,
      client: el.clientWidth,
    }));
    expect(doc.scroll).toBeLessThanOrEqual(doc.client);
    const wrap = alerts.locator("xpath=..");
    const frame = await wrap.evaluate((el) => ({
      scroll: el.scrollWidth,
      client: el.clientWidth,
      // The test's TypeScript has no DOM library: the page's own function, typed here.
      overflow: (
        globalThis as unknown as { getComputedStyle(e: unknown): { overflowX: string } }
      ).getComputedStyle(el).overflowX,
    }));
    expect(["auto", "scroll"]).toContain(frame.overflow);
    if (frame.scroll > frame.client) {
      // Scrolled to its end, the last column comes into the frame: nothing is cut off.
      await wrap.evaluate((el) => {
        el.scrollLeft = el.scrollWidth;
      });
    }
    const last = (await alerts.locator("thead th").last().boundingBox())!;
    const frameBox = (await wrap.boundingBox())!;
    expect(last.x + last.width).toBeLessThanOrEqual(frameBox.x + frameBox.width + 1);
    await shot("narrow");
    await menu.click();
    await nav.getByRole("link", { name: "Anomalies" }).waitFor();
    await shot("narrow-menu");
    await nav.getByRole("link", { name: "Anomalies" }).click();
    await page.waitForURL(/\/ui\/anomalies/);
    expect(await nav.isVisible()).toBe(false);
  });
});
