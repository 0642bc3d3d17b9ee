import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The Sigma rule the rules tests load (API, MCP, toggle, findings per day, the Rules page): a detection
 * rule for sshd's "root shell opened" lines, with the id, name and tags each test asks for.
 */
export function rootShellRule(options: { id: string; name?: string; tags?: readonly string[] }): string {
  const name = options.name ? `name: ${options.name}\n` : "";
  const tags = options.tags?.length ? `tags:\n${options.tags.map((t) => `    - ${t}\n`).join("")}` : "";
  return `title: Root Shell Opened Over SSH
id: ${options.id}
${name}status: test
logsource:
    product: linux
    service: sshd
detection:
    keywords:
        - 'root shell opened'
    condition: keywords
level: high
${tags}`;
}

/** A fresh folder holding the rule files (`name` → YAML text), for SIGMA_RULES_DIR; the caller removes it. */
export function writeRulesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "lw-sigma-rules-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
