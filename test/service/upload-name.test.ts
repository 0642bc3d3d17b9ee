import { describe, expect, it } from "vitest";
import { streamOfUpload } from "../../src/service/upload-name.js";

describe("streamOfUpload: the stream a file's records go to when they name none", () => {
  it("drops the suffixes that say how the file is stored: format, compression, rotation", () => {
    expect(streamOfUpload("Apache_2k.log", "upload")).toBe("Apache_2k");
    expect(streamOfUpload("events.ndjson", "upload")).toBe("events");
    expect(streamOfUpload("events.jsonl", "upload")).toBe("events");
    expect(streamOfUpload("dump.json", "upload")).toBe("dump");
    expect(streamOfUpload("notes.TXT", "upload")).toBe("notes");
    expect(streamOfUpload("syslog.1", "upload")).toBe("syslog");
    expect(streamOfUpload("syslog.2.gz", "upload")).toBe("syslog");
    expect(streamOfUpload("nginx-access.log.3.gz", "upload")).toBe("nginx-access");
  });

  it("keeps other dots, the last part of a path, and never names a stream with nothing", () => {
    expect(streamOfUpload("proxy.cse.cuhk.edu.hk.log", "upload")).toBe("proxy.cse.cuhk.edu.hk");
    expect(streamOfUpload("C:\\logs\\gateway.log", "upload")).toBe("gateway");
    expect(streamOfUpload("/var/log/auth.log.1", "upload")).toBe("auth");
    expect(streamOfUpload(".log", "upload")).toBe(".log");
    expect(streamOfUpload("1.log", "upload")).toBe("1");
    expect(streamOfUpload("   ", "upload")).toBe("upload");
    expect(streamOfUpload(undefined, "upload")).toBe("upload");
  });
});
