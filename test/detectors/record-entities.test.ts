import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { recordEntities } from "../../src/detectors/record-entities.js";
import { lineAt } from "./records.js";

describe("recordEntities", () => {
  const clock = new FakeClock("2026-03-01T08:00:00Z");

  it("names the account, address and host of an auth line", () => {
    const r = lineAt(
      clock,
      "Mar  1 08:00:00 bastion-1 sshd[22]: Failed password for bob from 5.188.1.2 port 4000 ssh2",
    );
    expect(recordEntities(r)).toEqual({ user: "bob", source_ip: "5.188.1.2", host: "bastion-1" });
  });

  it("takes the address the miner typed as an IP in any other line, and attributes", () => {
    const web = lineAt(clock, "Mar  1 08:00:00 web-1 nginx: GET /login from client", {
      params: [
        { value: "/login", type: "path" },
        { value: "203.0.113.9", type: "ip" },
      ],
    });
    expect(recordEntities(web)).toEqual({ source_ip: "203.0.113.9", host: "web-1" });
    const json = lineAt(
      clock,
      JSON.stringify({ message: "token refreshed", user: "carol", source_ip: "10.1.2.3" }),
    );
    expect(recordEntities(json)).toMatchObject({ user: "carol", source_ip: "10.1.2.3" });
  });

  it("never names the syslog sender (the relay) as the event's address", () => {
    const relayed = lineAt(
      clock,
      "Mar  1 08:00:00 bastion-1 sshd[22]: Failed password for invalid user admin",
      {
        attributes: { "network.transport": "tcp", "network.peer.address": "127.0.0.1" },
      },
    );
    expect(recordEntities(relayed)).toEqual({ host: "bastion-1" });
  });
});
