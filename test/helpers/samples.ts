/** System 004's sample logs (contracts §5.2): two auth errors 20 s apart, then a web warning. */
export const SYSTEM_004_SAMPLE = [
  {
    timestamp: "2025-04-03T14:22:10.1234567+02:00",
    service: "auth",
    level: "ERROR",
    message: "invalid password",
    metadata: { ip: "10.0.0.12" },
  },
  {
    timestamp: "2025-04-03T14:22:30.0000000+02:00",
    service: "auth",
    level: "ERROR",
    message: "invalid password",
    metadata: { ip: "10.0.0.12" },
  },
  {
    timestamp: "2025-04-03T14:22:31Z",
    service: "web",
    level: "WARN",
    message: "slow request",
    metadata: { path: "/home" },
  },
];

/** The two auth errors alone: one incident for `auth` above the default THRESHOLD. */
export const AUTH_ERRORS = SYSTEM_004_SAMPLE.slice(0, 2);
