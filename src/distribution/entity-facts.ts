import type { Kysely } from "kysely";
import type { Config } from "../config/schema.js";
import type { ParsedRecord } from "../core/log-record.js";
import { authEventOf } from "../detectors/auth/auth-event.js";
import { sessionKeyReader } from "../detectors/sequence/session-grouper.js";
import { parseSessionKey } from "../detectors/sequence/session-key.js";
import { isWifi } from "../detectors/wifi.js";
import type { Database } from "../store/schema.js";

/**
 * Which records a stream partition passes on to the entity owner (src/distribution/entity-owner.ts): the
 * facts of the detectors that judge across streams, and only those, since the owner reads nothing else
 * and they are a small share of most logs. A record stating an authentication event (a login, a failure,
 * a privilege change), for the detectors of users and addresses; a WiFi line (WIFI_ENABLED), since one
 * access point's come from hostapd and the kernel; with sessions on (SEQUENCE_ENABLED), a record that
 * carries a session key, because one session's lines often come from several services (HDFS's block ids
 * in the NameNode's and DataNodes' logs). Those services' streams hash to different partitions.
 */
export function entityFacts(config: Config): (record: ParsedRecord) => boolean {
  const tests: ((r: ParsedRecord) => boolean)[] = [(r) => authEventOf(r) !== null];
  if (config.detectors.wifi.enabled) tests.push(isWifi);
  const sequence = config.detectors.sequence;
  if (sequence.enabled) {
    const sessionOf = sessionKeyReader(parseSessionKey(sequence.sessionKey));
    tests.push((r) => sessionOf(r) !== null);
  }
  return (r) => tests.some((test) => test(r));
}

/**
 * The partitions' `passOn` port: in a stream partition's batch transaction, writes the batch's facts
 * (`entityFacts`) to the outbox, so they are passed on exactly when the batch commits.
 */
export function entityFactsPasser(
  config: Config,
): (trx: Kysely<Database>, records: readonly ParsedRecord[]) => Promise<void> {
  const isFact = entityFacts(config);
  return async (trx, records) => {
    const rows: { record: string }[] = [];
    for (const r of records) if (isFact(r)) rows.push({ record: JSON.stringify(r) });
    if (rows.length > 0) await trx.insertInto("cluster_entity_outbox").values(rows).execute();
  };
}
