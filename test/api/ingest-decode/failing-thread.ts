import type { MessagePort } from "node:worker_threads";

/** A decode thread for decode-threads.test.ts that dies on its first body, as a crashed thread would. */
export function failOnFirstBody(_data: unknown, port: MessagePort): void {
  port.on("message", () => {
    throw new Error("the test's decode thread fails");
  });
}
