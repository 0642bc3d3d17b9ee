import { describe, expect, it } from "vitest";
import { shownPath, withShownPath } from "../../src/service/shown-path.js";

describe("shownPath: a server folder as a non-admin caller sees it", () => {
  it("is relative to the working directory inside it, else only the last segment", () => {
    expect(shownPath("anomaly_outputs", "/srv/app")).toBe("anomaly_outputs");
    expect(shownPath("/srv/app/data/models", "/srv/app")).toBe("data/models");
    expect(shownPath("/srv/app", "/srv/app")).toBe(".");
    expect(shownPath("/data/anomaly_outputs", "/app")).toBe("anomaly_outputs");
    expect(shownPath("../other/models", "/srv/app")).toBe("models");
    // A sibling whose name starts with `..` of the working directory's name is not inside it.
    expect(shownPath("/srv/app-old/models", "/srv/app")).toBe("models");
    expect(shownPath("/", "/srv/app")).toBe(".");
  });

  it("replaces the absolute folder in a message", () => {
    expect(
      withShownPath("model directory not found: /home/ops/lw/models", "/home/ops/lw/models", "/app"),
    ).toBe("model directory not found: models");
    expect(withShownPath("no Logwarden models in /srv/app/m", "m", "/srv/app")).toBe(
      "no Logwarden models in m",
    );
  });
});
