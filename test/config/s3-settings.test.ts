import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";

/** The configuration error's lines for `env`, or [] when it loads. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("SEGMENT_STORAGE and the S3 settings", () => {
  it("default to the database, as before, needing nothing else", () => {
    const config = loadConfig({ env: {} });
    expect(config.logStore.segmentStorage).toBe("database");
    expect(config.logStore.s3).toEqual({ region: "us-east-1", prefix: "logwarden/" });
  });

  it("take a bucket and its server", () => {
    const config = loadConfig({
      env: {
        SEGMENT_STORAGE: "S3",
        S3_ENDPOINT: "http://127.0.0.1:9000",
        S3_BUCKET: "logwarden-segments",
        S3_ACCESS_KEY_ID: "key",
        S3_SECRET_ACCESS_KEY: "secret",
        S3_PREFIX: "prod/",
        S3_FORCE_PATH_STYLE: "yes",
      },
    });
    expect(config.logStore.segmentStorage).toBe("s3");
    expect(config.logStore.s3).toEqual({
      endpoint: "http://127.0.0.1:9000",
      bucket: "logwarden-segments",
      region: "us-east-1",
      accessKeyId: "key",
      secretAccessKey: "secret",
      prefix: "prod/",
      forcePathStyle: true,
    });
  });

  it("refuse what would fail later, naming the key, and never print a secret", () => {
    expect(problems({ SEGMENT_STORAGE: "blob" })).toEqual([
      'SEGMENT_STORAGE: Invalid option: expected one of "database"|"s3" (got "blob")',
    ]);
    expect(problems({ SEGMENT_STORAGE: "s3" })).toEqual([
      'SEGMENT_STORAGE: S3_BUCKET is required with SEGMENT_STORAGE=s3 (got "s3")',
    ]);
    expect(problems({ SEGMENT_STORAGE: "s3", S3_BUCKET: "Logs_2026", S3_ENDPOINT: "minio:9000" })).toEqual([
      'S3_ENDPOINT: expected an http:// or https:// URL (got "minio:9000")',
      'S3_BUCKET: expected an S3 bucket name (3-63 of a-z 0-9 . -) (got "Logs_2026")',
    ]);
    expect(problems({ SEGMENT_STORAGE: "s3", S3_BUCKET: "logs", S3_PREFIX: "prod" })).toEqual([
      'S3_PREFIX: expected empty or ending with / (got "prod")',
    ]);
    const half = problems({ SEGMENT_STORAGE: "s3", S3_BUCKET: "logs", S3_SECRET_ACCESS_KEY: "hunter2" });
    expect(half).toEqual([
      'SEGMENT_STORAGE: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (neither: the AWS SDK\'s own credential chain) (got "s3")',
    ]);
    expect(half.join("\n")).not.toContain("hunter2");
  });
});
