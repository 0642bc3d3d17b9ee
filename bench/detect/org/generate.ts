/**
 * One simulated week of an organisation as its hosts log it: ordinary life, machines, internet noise
 * and injected attacks, merged in time order. The ground truth (attacks, and whose account is whose)
 * is returned beside the lines; detectors only ever see the lines.
 */
import { type Attack, injectAttacks } from "./attacks.js";
import { Dice } from "./dice.js";
import { simulateMachines } from "./machines-week.js";
import { buildOrganisation, type Persona } from "./organisation.js";
import { type LifeContext, simulatePeople } from "./people-week.js";
import type { OrgShape } from "./shapes.js";
import { Timeline } from "./syslog-lines.js";
import { defaultWeekStart } from "./week.js";

export interface OrgWeek {
  shape: OrgShape;
  seed: number;
  weekStart: number;
  lines: string[];
  attacks: Attack[];
  /** Account → persona (people and service accounts), to say whose habits an unmatched finding is about. */
  personas: Map<string, Persona>;
}

export function generateOrgWeek(shape: OrgShape, seed: number, weekStart = defaultWeekStart()): OrgWeek {
  const dice = new Dice(seed);
  const org = buildOrganisation(shape, dice);
  const t = new Timeline(dice);
  let session = 1000 + dice.int(0, 9000);
  const ctx: LifeContext = {
    shape,
    org,
    dice,
    t,
    weekStart,
    nextSession: () => ++session,
    freshPassword: new Map(),
  };
  simulateMachines(ctx);
  simulatePeople(ctx);
  const attacks = injectAttacks(ctx);
  const personas = new Map<string, Persona>(org.people.map((p) => [p.name, p.persona]));
  for (const service of ["deploy", "backup", "ansible", "root", "www-data"])
    personas.set(service, "service account");
  return { shape, seed, weekStart, lines: t.lines(), attacks, personas };
}
