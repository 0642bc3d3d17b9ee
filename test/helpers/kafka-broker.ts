import { createServer, type Server, type Socket } from "node:net";

/** One record a producer sent, decoded from its RecordBatch (magic 2). */
export interface KafkaRecord {
  topic: string;
  partition: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Record<string, string>;
  acks: number;
}

export interface KafkaBroker {
  /** `127.0.0.1:port`, for `brokers`. */
  address: string;
  records: KafkaRecord[];
  /** Error code answered for every partition of every Produce (0: accepted). 6 is NOT_LEADER_FOR_PARTITION. */
  produceError: number;
  close(): Promise<void>;
}

const API_PRODUCE = 0;
const API_METADATA = 3;
const API_VERSIONS = 18;

/**
 * A single-node Kafka broker on 127.0.0.1 that speaks the real wire protocol for what a producer needs:
 * ApiVersions (v0–v2), Metadata v0 (every topic asked for exists, one partition, led by this node) and
 * Produce v3 (RecordBatch v2, uncompressed), and keeps the records it is sent. No broker can be
 * installed here from Debian or npm; this one lets the sink's own client (kafkajs) produce for real.
 */
export async function startKafkaBroker(): Promise<KafkaBroker> {
  const sockets = new Set<Socket>();
  const broker: KafkaBroker = { address: "", records: [], produceError: 0, close: async () => {} };
  let port = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const request = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        const body = answer(new Reader(request), broker, port);
        if (body) {
          const size = Buffer.alloc(4);
          size.writeInt32BE(body.length);
          socket.write(Buffer.concat([size, body]));
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  port = typeof address === "object" && address ? address.port : 0;
  broker.address = `127.0.0.1:${port}`;
  broker.close = () =>
    new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return broker;
}

function answer(req: Reader, broker: KafkaBroker, port: number): Buffer | null {
  const apiKey = req.int16();
  const version = req.int16();
  const correlationId = req.int32();
  req.string(); // client id
  const out = new Writer().int32(correlationId);
  if (apiKey === API_VERSIONS) {
    out.int16(version > 2 ? 35 : 0); // 35: UNSUPPORTED_VERSION, the client then asks with v0
    const apis: [number, number, number][] = [
      [API_PRODUCE, 3, 3],
      [API_METADATA, 0, 0],
      [API_VERSIONS, 0, 2],
    ];
    out.int32(apis.length);
    for (const [key, min, max] of apis) out.int16(key).int16(min).int16(max);
    if (version >= 1) out.int32(0); // throttle time
    return out.buffer();
  }
  if (apiKey === API_METADATA) {
    const topics = req.array(() => req.string() ?? "");
    out.int32(1).int32(1).string("127.0.0.1").int32(port);
    out.int32(topics.length);
    for (const topic of topics) {
      out.int16(0).string(topic);
      out.int32(1).int16(0).int32(0).int32(1).int32(1).int32(1).int32(1).int32(1);
    }
    return out.buffer();
  }
  if (apiKey === API_PRODUCE) {
    req.string(); // transactional id
    const acks = req.int16();
    req.int32(); // timeout
    const results: [string, number[]][] = [];
    const topics = req.int32();
    for (let t = 0; t < topics; t++) {
      const topic = req.string() ?? "";
      const partitions: number[] = [];
      const count = req.int32();
      for (let p = 0; p < count; p++) {
        const partition = req.int32();
        const set = req.bytes();
        partitions.push(partition);
        if (broker.produceError === 0 && set)
          for (const r of decodeRecordBatch(set)) broker.records.push({ topic, partition, acks, ...r });
      }
      results.push([topic, partitions]);
    }
    if (acks === 0) return null;
    out.int32(results.length);
    for (const [topic, partitions] of results) {
      out.string(topic).int32(partitions.length);
      for (const p of partitions)
        out.int32(p).int16(broker.produceError).int64(BigInt(broker.records.length)).int64(-1n);
    }
    return out.int32(0).buffer();
  }
  throw new Error(`kafka test broker: API ${apiKey} v${version} not implemented`);
}

function decodeRecordBatch(data: Buffer): Omit<KafkaRecord, "topic" | "partition" | "acks">[] {
  const r = new Reader(data);
  const out: Omit<KafkaRecord, "topic" | "partition" | "acks">[] = [];
  while (r.remaining() > 0) {
    r.int64(); // base offset
    const length = r.int32();
    const end = r.position + length;
    r.int32(); // partition leader epoch
    const magic = r.int8();
    if (magic !== 2) throw new Error(`kafka test broker: record batch magic ${magic}, expected 2`);
    r.int32(); // crc
    const attributes = r.int16();
    if ((attributes & 0x07) !== 0) throw new Error("kafka test broker: compressed batches are not decoded");
    r.int32(); // last offset delta
    const firstTimestamp = Number(r.int64());
    r.int64(); // max timestamp
    r.int64(); // producer id
    r.int16(); // producer epoch
    r.int32(); // base sequence
    const count = r.int32();
    for (let i = 0; i < count; i++) {
      r.varint(); // record length
      r.int8(); // attributes
      const timestampDelta = r.varint();
      r.varint(); // offset delta
      const key = r.varBytes();
      const value = r.varBytes();
      const headers: Record<string, string> = {};
      const n = r.varint();
      for (let h = 0; h < n; h++) {
        const name = r.varBytes()?.toString("utf8") ?? "";
        headers[name] = r.varBytes()?.toString("utf8") ?? "";
      }
      out.push({
        key: key?.toString("utf8") ?? null,
        value: value?.toString("utf8") ?? null,
        timestamp: firstTimestamp + timestampDelta,
        headers,
      });
    }
    r.position = end;
  }
  return out;
}

class Reader {
  position = 0;
  constructor(readonly buf: Buffer) {}
  remaining(): number {
    return this.buf.length - this.position;
  }
  int8(): number {
    return this.buf.readInt8(this.position++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.position);
    this.position += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.position);
    this.position += 4;
    return v;
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.position);
    this.position += 8;
    return v;
  }
  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    const v = this.buf.toString("utf8", this.position, this.position + n);
    this.position += n;
    return v;
  }
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    const v = this.buf.subarray(this.position, this.position + n);
    this.position += n;
    return v;
  }
  array<T>(item: () => T): T[] {
    const n = this.int32();
    return Array.from({ length: Math.max(0, n) }, item);
  }
  /** Zig-zag varint (Kafka's record fields). */
  varint(): number {
    let shift = 0;
    let raw = 0;
    for (;;) {
      const b = this.buf[this.position++]!;
      raw += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }
  varBytes(): Buffer | null {
    const n = this.varint();
    if (n < 0) return null;
    const v = this.buf.subarray(this.position, this.position + n);
    this.position += n;
    return v;
  }
}

class Writer {
  readonly #parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.#parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.#parts.push(b);
    return this;
  }
  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.#parts.push(b);
    return this;
  }
  string(v: string): this {
    const text = Buffer.from(v, "utf8");
    this.int16(text.length);
    this.#parts.push(text);
    return this;
  }
  buffer(): Buffer {
    return Buffer.concat(this.#parts);
  }
}
