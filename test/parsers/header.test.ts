import { describe, expect, it } from "vitest";
import { splitHeader } from "../../src/parsers/header.js";
import { LOGHUB_SYSTEMS, loghubLines } from "../helpers/loghub.js";

describe("splitHeader", () => {
  it("HDFS: yymmdd hhmmss pid LEVEL component:", () => {
    const h = splitHeader(
      "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
    );
    expect(h).toEqual({
      timestamp: "2008-11-09T20:36:15.000Z",
      level: "INFO",
      host: null,
      pid: 148,
      component: "dfs.DataNode$PacketResponder",
      body: "PacketResponder 1 for block blk_38865049064139660 terminating",
    });
  });

  it("Java: date time,ms LEVEL [thread] logger:", () => {
    const h = splitHeader(
      "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001",
    );
    expect(h.timestamp).toBe("2015-10-18T18:01:47.978Z");
    expect(h.level).toBe("INFO");
    expect(h.component).toBe("org.apache.hadoop.mapreduce.v2.app.MRAppMaster");
    expect(h.body).toBe("Created MRAppMaster for application appattempt_1445144423722_0020_000001");
  });

  it("syslog: Mon dd hh:mm:ss host prog[pid]:", () => {
    const h = splitHeader("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186");
    expect(h.host).toBe("LabSZ");
    expect(h.pid).toBe(24200);
    expect(h.component).toBe("sshd[24200]");
    expect(h.body).toBe("Invalid user webmaster from 173.234.31.186");
    expect(h.timestamp).toMatch(/^\d{4}-12-10T06:55:46\.000Z$/);
  });

  it("Apache: [Www Mon dd hh:mm:ss yyyy] [level]", () => {
    const h = splitHeader("[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6");
    expect(h.timestamp).toBe("2005-12-04T04:47:44.000Z");
    expect(h.level).toBe("error");
    expect(h.body).toBe("mod_jk child workerEnv in error state 6");
  });

  it("BGL: epoch, dates, node names and type words before the level", () => {
    const h = splitHeader(
      "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
    );
    expect(h.timestamp).toBe("2005-06-03T22:42:50.000Z");
    expect(h.level).toBe("INFO");
    expect(h.body).toBe("instruction cache parity error corrected");
  });

  it("Zookeeper: - LEVEL [thread] - body", () => {
    const h = splitHeader(
      "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
    );
    expect(h.level).toBe("INFO");
    expect(h.body).toBe("Notification time out: 3200");
  });

  it("no level nor component: ends after the epoch and the numbers that follow it", () => {
    const h = splitHeader(
      "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: x",
    );
    expect(h.timestamp).toBe("2004-02-26T14:12:22.000Z");
    expect(h.body).toBe("Component State Change: x");
  });

  it("leaves header-less lines alone", () => {
    for (const line of ["instruction cache parity error corrected", "user 42 logged in", "", "a"]) {
      expect(splitHeader(line).body).toBe(line);
    }
    expect(splitHeader("plain message").timestamp).toBeNull();
  });

  it("keeps a message whose second word is a six-digit number whole (not a time after a host)", () => {
    for (const line of [
      "checkpoint complete: wrote 100001 buffers seq=100001",
      "wrote 123456 rows",
      "took 235959 ms",
      "job 1117869872 finished",
    ]) {
      expect(splitHeader(line)).toMatchObject({ timestamp: null, body: line });
    }
  });

  it("BGL with an alert word first: its epoch is a header, as a written date follows it", () => {
    const h = splitHeader(
      "APPREAD 1117869872 2005.06.04 R04-M1-N4-I:J18-U11 2005-06-04-00.24.32.432192 R04-M1-N4-I:J18-U11 RAS APP FATAL ciod: failed to read message prefix on control stream",
    );
    expect(h.level).toBe("FATAL");
    expect(h.body).toBe("ciod: failed to read message prefix on control stream");
  });

  it("takes a leading level word as header even without a time", () => {
    expect(splitHeader("ERROR: disk full")).toMatchObject({ level: "ERROR", body: "disk full" });
  });

  it("splits a line the same when its time is not converted (readTime false), and converts the next ones as before", () => {
    for (const system of LOGHUB_SYSTEMS) {
      const lines = loghubLines(system);
      const expected = lines.map((line) => splitHeader(line));
      // Runs of lines with and without the time, so each kind follows the other with the caches warm.
      lines.forEach((line, i) => {
        const readTime = Math.floor(i / 7) % 3 !== 1;
        const h = splitHeader(line, readTime);
        expect(h, `${system} line ${i + 1}`).toEqual(
          readTime ? expected[i] : { ...expected[i], timestamp: null },
        );
      });
      expect(expected.filter((h) => h.timestamp !== null).length, system).toBeGreaterThan(1_900);
    }
  });
});
