import { createHash } from "node:crypto";

/**
 * Content-derived template id: the first 16 hex digits of SHA-256(stream NUL template). The same template
 * in the same stream gets the same id in every process and after every restart, with no shared counter.
 */
export function templateIdOf(stream: string, template: string): string {
  return createHash("sha256").update(`${stream}\u0000${template}`).digest("hex").slice(0, 16);
}
