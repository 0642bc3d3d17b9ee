import type { MessagePort } from "node:worker_threads";

/** A module thread for module-thread.test.ts: sends its data back. */
export function main(data: unknown, port: MessagePort): void {
  port.postMessage(data);
}
