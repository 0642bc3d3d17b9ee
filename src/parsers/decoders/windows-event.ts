/**
 * A Windows event as XML-to-JSON tools write it (evtx dumps, SigmaHQ's regression data, Winlogbeat's
 * `winlog` aside): `{"Event": {"System": {"TimeCreated": {"#attributes": {"SystemTime": …}}, "Computer": …,
 * "Level": 4, …}, "EventData": {…}}}`. Its time and machine sit two levels down, where the alias table
 * (flat keys) does not look, so without this every such event was stored with the time it was received
 * and no host.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.js";

export interface WindowsEventFacts {
  /** `TimeCreated`'s `SystemTime` (attribute form or plain), as written. */
  time: JsonValue | undefined;
  computer: string | undefined;
  /** The event's `Level` as a severity text: 1 critical, 2 error, 3 warning, 4 and 0 information, 5 verbose. */
  level: string | undefined;
}

const LEVELS: Record<number, string> = {
  0: "INFO",
  1: "CRITICAL",
  2: "ERROR",
  3: "WARN",
  4: "INFO",
  5: "DEBUG",
};

/** The facts of `obj` if it is a Windows event (`Event.System` an object), else null. */
export function windowsEventFacts(obj: JsonObject): WindowsEventFacts | null {
  const event = obj.Event;
  if (!isJsonObject(event)) return null;
  const system = event.System;
  if (!isJsonObject(system)) return null;
  const created = system.TimeCreated;
  let time: JsonValue | undefined;
  if (isJsonObject(created)) {
    const attrs = created["#attributes"];
    time = isJsonObject(attrs) ? attrs.SystemTime : created.SystemTime;
  } else time = created;
  const computer =
    typeof system.Computer === "string" && system.Computer !== "" ? system.Computer : undefined;
  const levelNumber = typeof system.Level === "number" ? system.Level : Number(system.Level);
  return { time, computer, level: LEVELS[levelNumber] };
}
