import type { JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import type { AuthEvent } from "./auth-event.js";

/**
 * The services (programs) one key's failures came from, each with the time of its latest failure: kept
 * beside the key's window, whose events carry one label (the user or the address) and no room for a
 * second, so a finding can name the services its failures were spread over. A handful of services at
 * most, in the order they first failed.
 */
export class ServicesSeen {
  #last = new Map<string, number>();

  add(service: string, at: number): void {
    const previous = this.#last.get(service);
    if (previous === undefined || at > previous) this.#last.set(service, at);
  }

  /** The services with a failure at or after `since` (the window's oldest event); the others are forgotten. */
  since(since: number): string[] {
    for (const [service, at] of this.#last) if (at < since) this.#last.delete(service);
    return [...this.#last.keys()];
  }

  copy(): ServicesSeen {
    const c = new ServicesSeen();
    c.#last = new Map(this.#last);
    return c;
  }

  toJson(): JsonValue {
    return [...this.#last.entries()];
  }

  /** From `toJson`; state exported before services were kept has none (an empty set). */
  static fromJson(json: JsonValue | undefined): ServicesSeen {
    const s = new ServicesSeen();
    if (!Array.isArray(json)) return s;
    for (const e of json)
      if (Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number") s.#last.set(e[0], e[1]);
    return s;
  }
}

/** The service a failure was made against: the one its line names, else the record's stream. */
export function serviceOf(event: AuthEvent, record: ParsedRecord): string {
  return event.service ?? (record.stream || "unknown");
}

/** ` over 3 services (sshd, dovecot, nginx)` when the failures came from more than one service, else ``. */
export function servicesClause(services: readonly string[]): string {
  return services.length > 1 ? ` over ${services.length} services (${services.join(", ")})` : "";
}
