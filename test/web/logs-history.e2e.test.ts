import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { ADMIN_TOKEN, auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { waitFor } from "../helpers/wait.js";
import { type Browser, browserAvailable, launchPage, listenLocal } from "./browser.js";
import { ensureWebBuilt } from "./build.js";

const SHOTS = join(REPO, "test-artifacts/screenshots");

/**
 * Imported history, as a new user's first upload of a LogHub file: June 2005, one service, a steady
 * 5–7 lines per 5-minute interval for 14 intervals, then a burst of 60 lines (a volume spike), then a
 * few lines that close the burst's interval. 149 lines: more than one page of 100.
 */
const T0 = Date.parse("2005-06-03T15:00:00Z");
const INTERVAL = 300_000;
function history() {
  const lines: { timestamp: string; service: string; level: string; message: string }[] = [];
  const add = (at: number, i: number) =>
    lines.push({
      timestamp: new Date(at).toISOString(),
      service: "webapp",
      level: "INFO",
      message: `GET /item/${i} served to user u${i % 7} from 10.2.0.${i % 50}`,
    });
  let n = 0;
  for (let k = 0; k < 14; k++) {
    const per = 5 + (k % 3);
    for (let j = 0; j < per; j++) add(T0 + k * INTERVAL + j * 20_000, n++);
  }
  for (let j = 0; j < 60; j++) add(T0 + 14 * INTERVAL + j * 4_000, n++);
  for (let j = 0; j < 6; j++) add(T0 + 15 * INTERVAL + j * 30_000, n++);
  return lines;
}

/** The count each bar of a CountChart stands for. */
async function barCountsOf(chart: Locator): Promise<number[]> {
  const bars = await chart.getByTestId("count-bar").all();
  return Promise.all(bars.map(async (b) => Number(await b.getAttribute("data-count"))));
}

describe.skipIf(!browserAvailable())("dashboard over imported history in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const lines = history();

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ VOLUME_PER_TEMPLATE: "false" });
    base = await listenLocal(server);
    const res = await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: lines });
    expect(res.statusCode, res.body).toBe(200);
    ({ browser, page } = await launchPage(15_000));
    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/ui\/overview/);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows imported history on the Overview by default and drills down to a service's lines", async () => {
    // Nothing in the last 24 hours: the default range snaps to the data's own period.
    await expect.poll(() => page.getByLabel("Time range", { exact: true }).inputValue()).toBe("all");
    const services = page.getByRole("list", { name: "Busiest services" });
    await services.getByRole("link", { name: "webapp" }).waitFor();
    await expect.poll(() => services.textContent()).toContain(String(lines.length));
    await expect
      .poll(() =>
        page
          .getByRole("img", { name: /Anomalies over time/ })
          .locator("rect")
          .count(),
      )
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "overview-history.png"), fullPage: true });
    await services.getByRole("link", { name: "webapp" }).click();
    await page.waitForURL(/\/ui\/logs\?service=webapp&from=2005-06-03T15/);
    await expect
      .poll(() => page.getByTestId("histogram-total").textContent())
      .toContain(`${lines.length} lines`);
  });

  it("opens Logs over an absolute range of 2005, with its histogram, a second page and a hit's surroundings", async () => {
    // UTC, so the absolute range typed below means the same instant on any machine.
    await page.getByLabel("Time zone").selectOption("utc");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Logs" }).click();
    await page.getByLabel("Time range", { exact: true }).selectOption("absolute");
    const form = page.getByRole("form", { name: "Absolute time range" });
    await form.getByLabel(/From/).fill("2005-06-03T15:00");
    await form.getByLabel("To").fill("2005-06-03T16:30");
    await form.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/from=2005-06-03T15%3A00%3A00\.000Z&to=2005-06-03T16%3A30%3A00\.000Z/);

    await page.getByRole("img", { name: "Matching log lines over time" }).waitFor();
    await expect
      .poll(() => page.getByTestId("histogram-total").textContent())
      .toContain(`${lines.length} lines`);
    const barCounts = await barCountsOf(page.getByRole("img", { name: "Matching log lines over time" }));
    expect(barCounts.reduce((a, b) => a + b, 0)).toBe(lines.length);
    expect(Math.max(...barCounts)).toBeGreaterThanOrEqual(20);

    const rows = page.getByRole("table", { name: "Log lines" }).locator("tbody > tr");
    await expect.poll(() => rows.count()).toBe(100);
    await expect.poll(() => page.getByTestId("log-page").textContent()).toContain(`1–100 of ${lines.length}`);
    // Newest first, shown in UTC with the zone.
    await expect.poll(() => rows.first().locator("time").textContent()).toBe("2005-06-03 16:17:30 UTC");
    await page.getByRole("button", { name: "Older →" }).click();
    await expect.poll(() => page.getByTestId("log-page").textContent()).toContain(`101–${lines.length}`);
    await expect.poll(() => rows.count()).toBe(lines.length - 100);
    const oldest = lines[0]!;
    await expect.poll(() => rows.last().textContent()).toContain(oldest.message.split(" from ")[0]);

    // The surroundings of the oldest line on this page: the lines of webapp around it.
    const hit = rows.nth(10);
    await hit.getByRole("button", { name: "Surrounding lines" }).click();
    const context = page.getByRole("region", { name: /Lines around line/ });
    await context.waitFor();
    await expect.poll(() => context.locator("li").count()).toBe(21);
    await expect.poll(() => context.locator("li.hit").count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "logs-history.png"), fullPage: true });

    // A user in a line is a link to a search for it.
    await context.locator("a.entity.ip").first().click();
    await page.waitForURL(/\/ui\/logs\?q=10\.2\.0\.\d+/);
  });

  it("shows a volume finding with the stream's counts around it and its interval in human units", async () => {
    const found = await waitFor(async () => {
      const list = (
        await server.app.inject({ url: "/api/v1/anomalies?agent_name=volume", headers: auth })
      ).json();
      return list.length > 0 ? (list[0] as { id: number }) : undefined;
    }, "the volume finding");
    await page.goto(`${base}/ui/anomalies/${found.id}`);
    const chart = page.getByRole("img", { name: "Lines of webapp per interval around the finding" });
    await chart.waitFor();
    const counts = await barCountsOf(chart);
    expect(counts).toHaveLength(19);
    // The spike's interval (13th bar: 12 before it) holds the 60 lines; the steady ones 5–7.
    expect(counts[12]).toBe(60);
    expect(counts.slice(0, 12).every((c) => (c >= 5 && c <= 7) || c === 0)).toBe(true);
    const why = page.getByRole("region", { name: "Why this is abnormal" });
    await expect.poll(() => why.textContent()).toContain("in 5 min");
    expect(await why.textContent()).not.toMatch(/\b300 s\b|"/);
    await page.screenshot({ path: join(SHOTS, "anomaly-volume.png"), fullPage: true });
  });
});
