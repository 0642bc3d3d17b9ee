import { z } from "zod";
import type { AnomalyCursor } from "../store/repos/anomaly-search.js";

/** Opaque to clients: base64url of `[timestamp, id]` of the last row of a page. */
export function encodeCursor(c: AnomalyCursor): string {
  return Buffer.from(JSON.stringify([c.timestamp, c.id])).toString("base64url");
}

export function decodeCursor(text: string): AnomalyCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [timestamp, id] = value as unknown[];
    if (typeof timestamp !== "string" || timestamp.length > 64) return null;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) return null;
    return { timestamp, id };
  } catch {
    return null;
  }
}

export const cursorParam = z
  .string()
  .max(200)
  .transform((s, ctx) => {
    const c = decodeCursor(s);
    if (!c) {
      ctx.addIssue({ code: "custom", message: "cursor is not one this server issued (use X-Next-Cursor)" });
      return z.NEVER;
    }
    return c;
  });
