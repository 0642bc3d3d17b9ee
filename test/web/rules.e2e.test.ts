import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { auth, type TestServer } from "../helpers/runtime.js";
import { rootShellRule, writeRulesDir } from "../helpers/sigma-test-rules.js";
import { type Browser, browserAvailable, closeDashboard, openDashboard, signIn } from "./browser.js";

const IMG = process.env.DOCS_SCREENSHOTS ? join(REPO, "docs/img") : join(REPO, "test-artifacts/screenshots");
const SHELL_ID = "0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b21";

const RULES = {
  "root_shell.yml": rootShellRule({ id: SHELL_ID, tags: ["attack.t1021.004"] }),
  "cron_edit.yml": `title: Crontab Edited
id: 0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b22
status: test
logsource:
    product: linux
    service: cron
detection:
    keywords:
        - 'REPLACE'
    condition: keywords
level: low
`,
  "broken.yml": "title: Broken Rule\nid: broken-1\ndetection: {}\n",
};

describe.skipIf(!browserAvailable())("the Rules page (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  let rulesDir: string;

  beforeAll(async () => {
    rulesDir = writeRulesDir(RULES);
    ({ server, base, browser, page } = await openDashboard({ SIGMA_RULES_DIR: rulesDir }, IMG));
  }, 120_000);

  afterAll(async () => {
    await closeDashboard(browser, server);
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it("lists the rules with hits and the refused ones, searches in the URL, and switches a rule off", async () => {
    const ingest = await fetch(`${base}/ingest`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify([
        {
          timestamp: new Date().toISOString(),
          service: "sshd",
          host: "web1",
          message: "root shell opened for admin from 203.0.113.9",
        },
      ]),
    });
    expect(ingest.status).toBe(200);

    await signIn(page, base);
    await page.getByRole("link", { name: "Rules", exact: true }).click();
    await page.waitForURL(/\/ui\/rules$/);
    const table = page.getByRole("table", { name: "Rules", exact: true });
    await table.waitFor();
    const shell = table.getByRole("row").filter({ hasText: "Root Shell Opened Over SSH" });
    await expect.poll(() => table.getByRole("row").count()).toBe(3);
    expect(await shell.textContent()).toContain("attack.t1021.004");
    expect(await shell.textContent()).toContain("linux/*/sshd");
    const hits = shell.getByRole("link", { name: "1", exact: true });
    expect(await hits.getAttribute("href")).toBe(
      `/ui/anomalies?agent_name=sigma&q=${encodeURIComponent('"Root Shell Opened Over SSH"')}`.replace(
        /%20/g,
        "+",
      ),
    );
    await shell
      .getByRole("img", {
        name: "Root Shell Opened Over SSH: 1 finding stored in the last 14 days",
      })
      .waitFor();
    // The hits lead to the rule's findings on the Anomalies page.
    await hits.click();
    await page.waitForURL(/\/ui\/anomalies\?agent_name=sigma&q=/);
    await page.getByText('Sigma rule "Root Shell Opened Over SSH" (high) matched').first().waitFor();
    await page.goBack();
    await table.waitFor();
    const refused = page.getByRole("table", { name: "Refused rules" });
    expect(await refused.textContent()).toContain("broken.yml");

    await page.getByLabel("Search", { exact: true }).fill("crontab");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/\/ui\/rules\?search=crontab$/);
    await expect.poll(() => table.getByRole("row").count()).toBe(2);
    expect(await table.textContent()).toContain("Crontab Edited");
    await page.reload();
    await table.waitFor();
    await expect.poll(() => table.getByRole("row").count()).toBe(2);

    await page.goto(`${base}/ui/rules?search=t1021`);
    await table.waitFor();
    const toggle = page.getByLabel("Enabled: Root Shell Opened Over SSH");
    expect(await toggle.isChecked()).toBe(true);
    await toggle.click();
    await page.getByRole("status").filter({ hasText: "is off" }).waitFor();
    await expect.poll(() => toggle.isChecked()).toBe(false);
    await page.screenshot({ path: join(IMG, "rules.png"), fullPage: true });

    const listing = (await (await fetch(`${base}/api/v1/rules`, { headers: auth })).json()) as {
      rules: { id: string; enabled: boolean }[];
    };
    expect(listing.rules.find((r) => r.id === SHELL_ID)?.enabled).toBe(false);
  });
});

describe.skipIf(!browserAvailable())("the Rules page without rules (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    ({ server, base, browser, page } = await openDashboard({}, IMG));
  }, 120_000);

  afterAll(() => closeDashboard(browser, server));

  it("explains how to load rules", async () => {
    await signIn(page, base);
    await page.goto(`${base}/ui/rules`);
    await page.getByText("No Sigma rules are loaded").waitFor();
    expect(await page.locator("main").textContent()).toContain("SIGMA_RULES_DIR");
    expect(await page.getByRole("table").count()).toBe(0);
  });
});
