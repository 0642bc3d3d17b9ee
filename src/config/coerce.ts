import { z } from "zod";

/**
 * Value types for settings that arrive as environment strings as often as typed YAML, shared by every
 * config schema so `PORT=80`, `FOO_ENABLED=yes` and `LIST=a, b` mean the same everywhere.
 */
export const port = z.coerce.number().int().min(0).max(65535);
export const positiveInt = z.coerce.number().int().positive();

/** `1/true/yes/on` and `0/false/no/off/""` (any case), or a real boolean. */
export const envBool = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const s = v.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off", ""].includes(s)) return false;
  return v;
}, z.boolean());

/** Comma-separated text (entries trimmed, empty ones dropped), or a real list. */
export const commaList = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);
