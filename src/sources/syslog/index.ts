import dgram from "node:dgram";
import net from "node:net";
import type { SyslogSourceConfig } from "../../config/source-schema.js";
import { DEFAULT_LINE_LIMIT, holdLine, noteLineCut } from "../../core/line-limit.js";
import type { Source, SourceContext, SourceCounters, SourceState } from "../../core/source.js";
import { isoUtc } from "../../core/time.js";
import { decodeLine } from "../../parsers/decoders/index.js";
import { RecordBatcher } from "../batcher.js";
import { clean, SyslogFrameReader } from "./framing.js";

/** The first of a kind of event and then every thousandth is logged: a flood does not flood the log. */
const sampled = (count: number) => count === 1 || count % 1000 === 0;

/**
 * Syslog receiver: RFC 3164 and RFC 5424 over UDP (one message per datagram) and TCP (octet-counting or
 * newline framing, RFC 6587). A full pipeline pauses TCP connections, so senders are slowed down; UDP
 * has no flow control, so datagrams wait in a bounded buffer (see docs/sources-and-sinks.md).
 */
export class SyslogSource implements Source {
  readonly type = "syslog";
  #state: SourceState = "stopped";
  #udp: dgram.Socket | null = null;
  #tcp: net.Server | null = null;
  readonly #sockets = new Set<net.Socket>();
  #batcher: RecordBatcher | null = null;
  #ctx: SourceContext | null = null;
  /** Datagrams refused because the buffer was at its cap (UDP only). */
  droppedDatagrams = 0;
  /** Messages cut to the line limit (`MAX_LINE_BYTES`, or `maxMessageBytes`): TCP frames and UDP datagrams. */
  truncatedMessages = 0;
  /** Messages past the line limit skipped because `LINE_TOO_LONG` is `refuse`. */
  refusedMessages = 0;
  /** TCP connections closed at once because `maxConnections` were open. */
  refusedConnections = 0;
  /** TCP connections closed after `idleTimeoutSecs` without a byte. */
  idleConnectionsClosed = 0;

  constructor(
    readonly name: string,
    readonly options: SyslogSourceConfig,
  ) {}

  state(): SourceState {
    return this.#state;
  }

  counters(): SourceCounters {
    return {
      records: this.#batcher?.submitted ?? 0,
      failedSubmissions: this.#batcher?.failed ?? 0,
      droppedDatagrams: this.droppedDatagrams,
      truncatedMessages: this.truncatedMessages,
      refusedMessages: this.refusedMessages,
      refusedConnections: this.refusedConnections,
      idleConnectionsClosed: this.idleConnectionsClosed,
    };
  }

  /** The bound ports (differ from the configured one when it is 0). */
  ports(): { udp: number | null; tcp: number | null } {
    const tcp = this.#tcp?.address();
    return {
      udp: this.#udp ? this.#udp.address().port : null,
      tcp: tcp && typeof tcp === "object" ? tcp.port : null,
    };
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#state = "starting";
    this.#ctx = ctx;
    const batcher = new RecordBatcher(ctx.submit, ctx.log, {
      maxRecords: 1000,
      lingerMs: 100,
      highWater: 10_000,
    });
    this.#batcher = batcher;
    const { host, port, protocols } = this.options;
    try {
      if (protocols.includes("udp")) this.#udp = await this.#listenUdp(host, port);
      if (protocols.includes("tcp")) this.#tcp = await this.#listenTcp(host, port);
    } catch (error) {
      await this.stop();
      this.#state = "error";
      throw error;
    }
    this.#state = "ok";
    ctx.log.info({ host, ...this.ports() }, "syslog source listening");
  }

  /**
   * The longest message kept: `maxMessageBytes` when the source sets one, else the line limit every door
   * shares (`MAX_LINE_BYTES`).
   */
  get maxMessageBytes(): number {
    return this.options.maxMessageBytes ?? this.#ctx?.lineLimit?.maxBytes ?? DEFAULT_LINE_LIMIT.maxBytes;
  }

  /**
   * Hands a message's record to the batcher: held to the line limit (`holdLine`: cut and flagged, or
   * skipped and counted when the limit refuses). A socket handler that throws ends the process;
   * `decodeLine` never throws (a line it fails on is kept as text with the reason), and that is this
   * handler's error boundary.
   */
  #add(message: string, transport: "udp" | "tcp", peer: string | undefined): void {
    const max = this.maxMessageBytes;
    const held = holdLine(message, max);
    if (held.cut && this.#ctx?.lineLimit?.onTooLong === "refuse") {
      if (sampled(++this.refusedMessages))
        this.#ctx.log.warn(
          {
            transport,
            peer,
            maxLineBytes: max,
            bytes: held.cut.originalBytes,
            refused: this.refusedMessages,
          },
          "syslog message longer than MAX_LINE_BYTES skipped (LINE_TOO_LONG is refuse)",
        );
      return;
    }
    const now = this.#ctx!.clock.now();
    const record = decodeLine(held.text, { observedAt: isoUtc(now), now, defaultService: "syslog" });
    if (held.cut) noteLineCut(record, held.cut);
    record.attributes["network.transport"] = transport;
    // The relay that sent the message, not the event's client: OpenTelemetry's `network.peer.address`,
    // which no detector reads as a source address (`client.address` is; a syslog sender on 127.0.0.1 was
    // the "attacker" of every brute force it relayed).
    if (peer) record.attributes["network.peer.address"] = peer;
    this.#batcher!.add(record);
  }

  #listenUdp(host: string, port: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: net.isIPv6(host) ? "udp6" : "udp4", reuseAddr: false });
    socket.on("message", (msg, rinfo) => {
      const batcher = this.#batcher!;
      // Twice the TCP high-water mark: past it UDP must shed load, the only choice without flow control.
      if (batcher.pending >= batcher.options.highWater * 2) {
        if (this.droppedDatagrams++ % 1000 === 0)
          this.#ctx?.log.warn({ dropped: this.droppedDatagrams }, "syslog UDP buffer full");
        return;
      }
      // A datagram is at most 64 KiB: decoded whole, then held to the limit like any line.
      if (msg.length > this.maxMessageBytes) this.#truncated(1, "udp", rinfo.address);
      const text = clean(msg);
      if (text !== "") this.#add(text, "udp", rinfo.address);
    });
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => {
        socket.off("error", reject);
        socket.on("error", (err) => this.#ctx?.log.error({ err }, "syslog UDP socket error"));
        resolve(socket);
      });
    });
  }

  #listenTcp(host: string, port: number): Promise<net.Server> {
    const server = net.createServer((socket) => this.#connection(socket));
    // Past it Node closes each new connection at once and says so here: a flood of connections cannot
    // take every descriptor the process has (HTTP and the store need theirs).
    server.maxConnections = this.options.maxConnections;
    server.on("drop", (peer) => {
      if (sampled(++this.refusedConnections))
        this.#ctx?.log.warn(
          {
            peer: peer?.remoteAddress,
            maxConnections: this.options.maxConnections,
            refused: this.refusedConnections,
          },
          "syslog TCP connection refused: maxConnections are open",
        );
    });
    const listening = (): net.Server => {
      // After listen, an accept error (EMFILE) is emitted here: logged, it does not end the process.
      server.on("error", (err) => this.#ctx?.log.error({ err }, "syslog TCP server error"));
      return server;
    };
    return new Promise<net.Server>((resolve, reject) => {
      server.once("error", reject);
      // With port 0 and UDP already bound, take the UDP port when it is free, so one port serves both.
      const wanted = port === 0 && this.#udp ? this.#udp.address().port : port;
      server.listen(wanted, host, () => {
        server.off("error", reject);
        resolve(listening());
      });
    }).catch((error: NodeJS.ErrnoException) => {
      if (port !== 0 || error.code !== "EADDRINUSE") throw error;
      return new Promise<net.Server>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, host, () => {
          server.off("error", reject);
          resolve(listening());
        });
      });
    });
  }

  #connection(socket: net.Socket): void {
    this.#sockets.add(socket);
    const reader = new SyslogFrameReader(this.maxMessageBytes, true);
    const peer = socket.remoteAddress;
    const batcher = this.#batcher!;
    const idleMs = this.options.idleTimeoutSecs * 1000;
    if (idleMs > 0) {
      socket.setTimeout(idleMs);
      socket.on("timeout", () => {
        // A socket paused by our own backpressure is quiet because of us, not idle. The timer is set
        // again: a fired one only restarts on data, and a resumed socket may send none.
        if (socket.isPaused()) {
          socket.setTimeout(idleMs);
          return;
        }
        if (sampled(++this.idleConnectionsClosed))
          this.#ctx?.log.warn(
            {
              peer,
              idleTimeoutSecs: this.options.idleTimeoutSecs,
              halfFrameBytes: reader.pendingBytes,
              closed: this.idleConnectionsClosed,
            },
            "syslog TCP connection closed after idleTimeoutSecs without data",
          );
        socket.destroy();
      });
    }
    socket.on("data", (chunk: Buffer) => {
      const cutBefore = reader.truncated;
      for (const m of reader.push(chunk)) this.#add(m, "tcp", peer);
      if (reader.truncated > cutBefore) this.#truncated(reader.truncated - cutBefore, "tcp", peer);
      if (batcher.overloaded && !socket.isPaused()) {
        socket.pause();
        void batcher.drained().then(() => socket.resume());
      }
    });
    socket.on("end", () => {
      for (const m of reader.end()) this.#add(m, "tcp", peer);
      socket.end();
    });
    socket.on("error", (err) => this.#ctx?.log.debug({ err }, "syslog TCP connection error"));
    socket.on("close", () => this.#sockets.delete(socket));
  }

  #truncated(messages: number, transport: "udp" | "tcp", peer: string | undefined): void {
    const before = this.truncatedMessages;
    this.truncatedMessages += messages;
    // Logged at the first and then once per thousand, so a sender of huge frames cannot flood the log.
    if (before === 0 || Math.floor(before / 1000) < Math.floor(this.truncatedMessages / 1000))
      this.#ctx?.log.warn(
        { transport, peer, maxMessageBytes: this.maxMessageBytes, truncated: this.truncatedMessages },
        "syslog message longer than maxMessageBytes cut to it",
      );
  }

  async stop(): Promise<void> {
    const udp = this.#udp;
    const tcp = this.#tcp;
    this.#udp = null;
    this.#tcp = null;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp) {
      const closed = new Promise<void>((r) => tcp.close(() => r()));
      for (const s of this.#sockets) s.end();
      // Connections still open after a moment are cut; what they already sent is in the batcher.
      const timer = setTimeout(() => {
        for (const s of this.#sockets) s.destroy();
      }, 2_000);
      await closed;
      clearTimeout(timer);
    }
    const left = (await this.#batcher?.flush()) ?? 0;
    if (left > 0) this.#ctx?.log.error({ records: left }, "syslog records not stored at stop");
    this.#state = "stopped";
  }
}
