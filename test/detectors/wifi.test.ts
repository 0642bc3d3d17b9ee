import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { WifiDetector } from "../../src/detectors/wifi.js";
import { lineAt, series } from "./records.js";

const make = () => new WifiDetector({ windowSecs: 300, threshold: 10, maxKeys: 100 });
const disassoc = (i: number) =>
  `Mar  1 03:14:07 ap1 hostapd: wlan0: STA aa:bb:cc:dd:ee:${String(i % 6).padStart(2, "0")} IEEE 802.11: disassociated`;

describe("wifi", () => {
  it("fires with system 000's agent name, type, features and description", () => {
    const clock = new FakeClock();
    const d = make();
    const normal = series(
      clock,
      20,
      1000,
      (i) => `Mar  1 03:14:07 ap1 hostapd: wlan0: STA aa:bb:cc:dd:ee:0${i % 6} IEEE 802.11: associated`,
    );
    expect(d.observe(normal)).toEqual([]);
    const out = d.observe(series(clock, 12, 2000, disassoc));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      detector: "wifi",
      type: "wifi_anomaly",
      key: "ap1",
      description: "High WiFi disassociation events detected (10)",
      features: { disassociation_events: 10, log_count: 30 },
      deviceId: null,
    });
    expect(out[0]!.explanation.contributions!.length).toBeGreaterThan(0);
  });

  it("reads deauthentication lines and a numeric device_id attribute", () => {
    const clock = new FakeClock();
    const d = make();
    const out = d.observe(
      series(clock, 10, 1000, () =>
        JSON.stringify({
          device_id: 42,
          message: "wlan0: STA 11:22:33:44:55:66 IEEE 802.11: deauthenticated due to local deauth request",
        }),
      ),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ key: "42", deviceId: 42 });
  });

  it("does not fire for spread-out events, other devices, or unrelated text", () => {
    const clock = new FakeClock();
    const d = make();
    expect(d.observe(series(clock, 30, 60_000, disassoc))).toEqual([]);
    expect(d.observe(series(clock, 30, 100, (i) => disassoc(i).replace("ap1", `ap${(i % 10) + 2}`)))).toEqual(
      [],
    );
    expect(
      d.observe(series(clock, 30, 100, () => "2026-03-01 api INFO user disassociated from project")),
    ).toEqual([]);
  });

  it("does not take an office emptying for a burst: ten laptops leaving once each", () => {
    const clock = new FakeClock();
    const d = make();
    const leaving = (i: number) =>
      `Mar  1 18:02:00 ap1 hostapd: wlan0: STA aa:bb:cc:dd:${String(i).padStart(2, "0")}:01 IEEE 802.11: disassociated`;
    expect(d.observe(series(clock, 14, 10_000, leaving))).toEqual([]);
    // The same ten kicked off and back, twice: a burst.
    const out = d.observe(series(clock, 20, 1000, (i) => leaving(i % 10)));
    expect(out.length).toBeGreaterThan(0);
  });

  it("restores its windows", () => {
    const clock = new FakeClock();
    const d = make();
    d.observe(series(clock, 9, 1000, disassoc));
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    expect(copy.observe([lineAt(clock, disassoc(1))])).toHaveLength(1);
  });
});
