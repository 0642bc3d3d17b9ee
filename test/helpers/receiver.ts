import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: Received[];
  /** Decides each answer; the default is 200 `ok`. */
  respond: (req: Received, n: number) => { status: number; body?: string; headers?: Record<string, string> };
  close(): Promise<void>;
}

/** A local HTTP receiver on 127.0.0.1 that records every request, for checking sinks' wire formats. */
export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: "",
    requests: [],
    respond: () => ({ status: 200, body: "ok" }),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      receiver.requests.push(received);
      const answer = receiver.respond(received, receiver.requests.length);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  receiver.close = () => new Promise((r) => server.close(() => r()));
  return receiver;
}
