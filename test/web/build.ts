import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../helpers/cli.js";

export const WEB_DIST = join(REPO, "dist/web");

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the dashboard unless dist/web is newer than every file under web/. */
export function ensureWebBuilt(): void {
  const index = join(WEB_DIST, "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(REPO, "web"))) return;
  execFileSync(
    join(REPO, "node_modules/.bin/vite"),
    ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"],
    {
      cwd: REPO,
      // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build (twice the size).
      env: { ...process.env, NODE_ENV: "production" },
      stdio: "inherit",
    },
  );
}
