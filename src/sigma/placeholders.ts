/**
 * Values for `expand` placeholders (`%Administrators%`): a YAML map of placeholder name (without `%`) to
 * its values, e.g. `Administrators: [root, 'CORP\admin']`. Checked with zod; a rule naming a placeholder
 * the file does not give is refused (the specification: a tool that cannot resolve one must reject the rule).
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Placeholders } from "./value-modifiers.js";

const schema = z.record(
  z.string().min(1),
  z.array(z.union([z.string(), z.number()]).transform(String)).min(1),
);

export function parsePlaceholdersYaml(text: string, source: string): Placeholders {
  const parsed = schema.safeParse(parseYaml(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`placeholders ${source}: ${issue?.path.join(".") || "(top)"}: ${issue?.message}`);
  }
  return new Map(Object.entries(parsed.data));
}

export function readPlaceholders(path: string | undefined): Placeholders {
  return path ? parsePlaceholdersYaml(readFileSync(path, "utf8"), path) : new Map();
}
