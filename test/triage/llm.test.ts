import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { systemClock } from "../../src/core/clock.js";
import { triageOf } from "../../src/store/repos/alert-enrichment.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { toIncomingAlert } from "../../src/triage/intake.js";
import { parseVerdict } from "../../src/triage/llm.js";
import { TriageService } from "../../src/triage/service.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { sqliteTestStore, type TestStore } from "../helpers/stores.js";

const VERDICT = {
  risk_score: 91,
  risk_level: "critical",
  confidence: 0.8,
  analysis: "Beaconing to a known C2 address from a database server.",
  recommended_actions: ["block_ip:45.33.32.156", "investigate"],
  requires_human_review: true,
};

let ts: TestStore;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  await ts?.cleanup();
  receiver.requests.length = 0;
});

async function run(env: Record<string, string>, alertId: string) {
  ts = await sqliteTestStore();
  const config = loadConfig({
    env: { TRIAGE_LLM_URL: receiver.url, TRIAGE_LLM_API_KEY: "sk-test-secret", ...env },
  });
  const triage = new TriageService(ts.store, config.triage, systemClock, createLogger("silent"));
  triage.start();
  await triage.submit([
    toIncomingAlert(
      { alert_id: alertId, source_ip: "45.33.32.156", user_id: "u-1", password: "hunter2", severity: "high" },
      0,
    ),
  ]);
  await triage.idle();
  await triage.stop();
  return triageOf(ts.store.db, alertId);
}

describe("LLM analysis", () => {
  it("speaks OpenAI chat completions and keeps the validated verdict", async () => {
    receiver.respond = () => ({
      status: 200,
      body: JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: JSON.stringify(VERDICT) },
            finish_reason: "stop",
          },
        ],
      }),
    });
    const t = await run({ TRIAGE_LLM_PROVIDER: "openai", TRIAGE_LLM_MODEL: "gpt-test" }, "llm-1");
    expect(t).toMatchObject({
      risk_score: 91,
      risk_level: "critical",
      analyzer: "llm:openai",
      analysis_result: VERDICT.analysis,
    });
    const req = receiver.requests[0]!;
    expect(req.url).toBe("/chat/completions");
    expect(req.headers.authorization).toBe("Bearer sk-test-secret");
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ model: "gpt-test", response_format: { type: "json_object" } });
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user"]);
    // No secrets in prompts: neither the API key nor the alert's raw fields (its password) are sent.
    expect(req.body).not.toContain("sk-test-secret");
    expect(req.body).not.toContain("hunter2");
  });

  it("speaks the Anthropic messages API", async () => {
    receiver.respond = () => ({
      status: 200,
      body: JSON.stringify({
        id: "msg_1",
        type: "message",
        role: "assistant",
        content: [{ type: "text", text: `\`\`\`json\n${JSON.stringify(VERDICT)}\n\`\`\`` }],
        stop_reason: "end_turn",
      }),
    });
    const t = await run({ TRIAGE_LLM_PROVIDER: "anthropic", TRIAGE_LLM_MODEL: "claude-test" }, "llm-2");
    expect(t).toMatchObject({ risk_score: 91, analyzer: "llm:anthropic" });
    const req = receiver.requests[0]!;
    expect(req.url).toBe("/v1/messages");
    expect(req.headers["x-api-key"]).toBe("sk-test-secret");
    expect(req.headers["anthropic-version"]).toBe("2023-06-01");
    expect(JSON.parse(req.body)).toMatchObject({ model: "claude-test", max_tokens: 1024 });
  });

  it("falls back to the rules on an invalid reply or an HTTP error", async () => {
    receiver.respond = () => ({
      status: 200,
      body: JSON.stringify({ choices: [{ message: { content: '{"risk_score": 500}' } }] }),
    });
    const invalid = await run({ TRIAGE_LLM_PROVIDER: "openai" }, "llm-3");
    expect(invalid).toMatchObject({ analyzer: "rules" });
    expect(String(invalid?.inputs.llm_error)).toContain("schema");
    await ts.cleanup();
    receiver.respond = () => ({ status: 503, body: "overloaded" });
    expect(await run({ TRIAGE_LLM_PROVIDER: "anthropic" }, "llm-4")).toMatchObject({ analyzer: "rules" });
    expect(() => parseVerdict("not json")).toThrow(/not JSON/);
  });
});
