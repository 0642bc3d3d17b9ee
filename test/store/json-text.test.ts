import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../bench/lib/random.js";
import { toJsonText } from "../../src/store/json.js";

/** toJsonText writes flat objects itself; whatever it writes must be JSON.stringify's text, exactly. */
describe("toJsonText", () => {
  const same = (value: unknown) => expect(toJsonText(value)).toBe(JSON.stringify(value ?? null));

  it("writes what JSON.stringify writes for flat objects", () => {
    same({});
    same({ n: 1 });
    same({ n: -0, f: 1.5e-7, big: 1e21, neg: -12, nan: Number.NaN, inf: Number.POSITIVE_INFINITY });
    same({ s: "plain", t: true, f: false, z: null });
    same({ "process.pid": 4021, user: "alice", "": "" });
    // Integer-like keys come first, ascending, as in JSON.stringify.
    same({ b: 1, 10: 2, a: 3, 2: 4 });
  });

  it("leaves anything needing escapes or nesting to JSON.stringify", () => {
    same({ q: 'say "hi"' });
    same({ 'k"ey': 1 });
    same({ b: "back\\slash", nl: "a\nb", tab: "\t" });
    same({ u: "héllo", e: "😀", lone: "\ud800" });
    same({ del: "\u007f" });
    same({ nested: { a: 1 }, list: [1, 2] });
    same({ skipped: undefined, kept: 1 });
    same({ toJSON: () => ({ replaced: true }) });
    same([1, 2]);
    same(null);
    same(undefined);
    same("text");
    same(new Date(0));
    class Point {
      x = 1;
    }
    same(new Point());
    same(Object.assign(Object.create(null), { a: 1 }));
  });

  it("keeps JSON.stringify's text for own keys only", () => {
    const child = Object.create({ inherited: 1 }) as Record<string, unknown>;
    child.own = 2;
    same(child);
  });

  it("agrees with JSON.stringify on random flat objects", () => {
    const random = mulberry32(18);
    const chars = ["a", "Z", "0", " ", ".", '"', "\\", "\n", "é", "~", "\u007f", "\u001f", "{"];
    const text = () => {
      let s = "";
      const n = Math.floor(random() * 6);
      for (let i = 0; i < n; i++) s += chars[Math.floor(random() * chars.length)];
      return s;
    };
    const value = () => {
      const kind = Math.floor(random() * 6);
      if (kind === 0) return Math.floor(random() * 1e6) - 5e5;
      if (kind === 1) return random() * 1e3;
      if (kind === 2) return text();
      if (kind === 3) return random() < 0.5;
      if (kind === 4) return null;
      return Math.floor(random() * 3);
    };
    for (let i = 0; i < 2000; i++) {
      const o: Record<string, unknown> = {};
      const keys = Math.floor(random() * 5);
      for (let k = 0; k < keys; k++) o[random() < 0.2 ? String(Math.floor(random() * 20)) : text()] = value();
      same(o);
    }
  });
});
