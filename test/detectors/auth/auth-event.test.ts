import { describe, expect, it } from "vitest";
import type { AuthEvent } from "../../../src/detectors/auth/auth-event.js";
import { authEventOf } from "../../../src/detectors/auth/auth-event.js";
import { decodeLine } from "../../../src/parsers/decoders/index.js";

const ctx = { observedAt: "2026-03-01T00:00:00.000Z" };
type Expected = Partial<Omit<AuthEvent, "at">> | null;

/** Real-looking lines as rsyslog/journald write them, decoded by the real decoder, then extracted. */
const GOLDEN: [string, Expected][] = [
  [
    "Mar  1 03:14:07 bastion sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 52144 ssh2",
    {
      kind: "login",
      outcome: "failure",
      user: "admin",
      sourceIp: "203.0.113.9",
      method: "password",
      invalidUser: true,
    },
  ],
  [
    "Mar  1 03:14:09 bastion sshd[2214]: Failed password for root from 198.51.100.23 port 40022 ssh2",
    {
      kind: "login",
      outcome: "failure",
      user: "root",
      sourceIp: "198.51.100.23",
      invalidUser: false,
      count: 1,
    },
  ],
  [
    "Mar  1 03:14:10 bastion sshd[2214]: message repeated 5 times: [ Failed password for root from 198.51.100.23 port 40022 ssh2]",
    { kind: "login", outcome: "failure", user: "root", sourceIp: "198.51.100.23", count: 5 },
  ],
  [
    "Mar  1 08:01:55 bastion sshd[3001]: Accepted publickey for alice from 10.20.4.17 port 51514 ssh2: RSA SHA256:Jx4Q",
    {
      kind: "login",
      outcome: "success",
      user: "alice",
      sourceIp: "10.20.4.17",
      method: "publickey",
      keyFingerprint: "SHA256:Jx4Q",
    },
  ],
  [
    "Mar  1 08:01:56 bastion sshd[3003]: Accepted publickey for ci from 10.20.4.18 port 51515 ssh2: ED25519-CERT SHA256:k9Zq ID ci@build (serial 7) CA ED25519 SHA256:ca1",
    { kind: "login", outcome: "success", user: "ci", method: "publickey", keyFingerprint: "SHA256:k9Zq" },
  ],
  [
    "<38>1 2026-03-01T08:02:00Z bastion sshd 3002 - - Accepted password for bob from 2001:db8::7 port 6000 ssh2",
    {
      kind: "login",
      outcome: "success",
      user: "bob",
      sourceIp: "2001:db8::7",
      method: "password",
      keyFingerprint: null,
    },
  ],
  [
    "Mar  1 03:14:07 bastion sshd[2211]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
    {
      kind: "login",
      outcome: "failure",
      user: "root",
      sourceIp: "203.0.113.9",
      method: "pam",
      mirrored: false,
      pamReport: true,
    },
  ],
  [
    "Mar  1 09:00:00 ftp1 vsftpd[77]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=carol rhost=192.0.2.44  user=carol",
    {
      kind: "login",
      outcome: "failure",
      user: "carol",
      sourceIp: "192.0.2.44",
      mirrored: false,
      // vsftpd's own `FAIL LOGIN` line reports the same attempt: counted there on hosts that write it.
      pamReport: true,
      service: "vsftpd",
    },
  ],
  [
    "Mar  1 10:12:01 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
    {
      kind: "escalation",
      outcome: "success",
      user: "alice",
      targetUser: "root",
      command: "/usr/bin/systemctl restart nginx",
      method: "sudo",
    },
  ],
  [
    "Mar  1 10:13:44 web1 sudo:   mallory : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash",
    { kind: "escalation", outcome: "failure", user: "mallory", targetUser: "root", count: 3 },
  ],
  [
    "Mar  1 10:14:00 web1 sudo:   mallory : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh",
    { kind: "escalation", outcome: "failure", user: "mallory", command: "/bin/sh" },
  ],
  [
    "Mar  1 10:15:02 web1 su[4410]: pam_unix(su:session): session opened for user root(uid=0) by dave(uid=1004)",
    {
      kind: "escalation",
      outcome: "success",
      user: "dave",
      targetUser: "root",
      method: "su",
      mirrored: false,
    },
  ],
  [
    "Mar  1 10:12:01 web1 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
    { kind: "escalation", outcome: "success", user: "alice", targetUser: "root", mirrored: true },
  ],
  [
    "Mar  1 10:15:02 web1 su[4410]: (to root) dave on pts/2",
    { kind: "escalation", outcome: "success", user: "dave", targetUser: "root", method: "su" },
  ],
  // A login session opened by sshd is not an escalation; neither are the lines around a login.
  [
    "Mar  1 08:01:55 bastion sshd[3001]: pam_unix(sshd:session): session opened for user alice(uid=1001) by (uid=0)",
    null,
  ],
  ["Mar  1 03:14:05 bastion sshd[2211]: Invalid user admin from 203.0.113.9 port 52144", null],
  [
    "Mar  1 03:14:12 bastion sshd[2211]: Connection closed by invalid user admin 203.0.113.9 port 52144 [preauth]",
    null,
  ],
  ["Mar  1 03:14:12 bastion kernel: [1234.5] Failed to start unit", null],
  ["2026-03-01 10:00:00 ERROR api Failed password reset for ticket 42", null],
  // System 002 JSON records: fields are attributes, `message` the body.
  [
    '{"timestamp":"2026-02-01T09:30:00Z","user":"root","source_ip":"10.1.2.3","event_type":"login","action":"failed","message":"Failed password for root"}',
    { kind: "login", outcome: "failure", user: "root", sourceIp: "10.1.2.3" },
  ],
  [
    '{"timestamp":"2026-02-01T09:31:00Z","user":"erin","source_ip":"10.1.2.9","event_type":"login","action":"success","message":"Accepted password for erin"}',
    { kind: "login", outcome: "success", user: "erin", sourceIp: "10.1.2.9" },
  ],
  [
    '{"timestamp":"2026-02-01T09:32:00Z","user":"erin","source_ip":"10.1.2.9","event_type":"sudo","action":"success","message":"sudo to root"}',
    { kind: "escalation", outcome: "success", user: "erin", targetUser: "root" },
  ],
  [
    '{"timestamp":"2026-02-01T09:33:00Z","user":"erin","event_type":"logout","action":"success","message":"bye"}',
    null,
  ],
];

describe("authEventOf (golden table)", () => {
  it.each(GOLDEN)("%s", (line, expected) => {
    const event = authEventOf(decodeLine(line, ctx));
    if (expected === null) expect(event).toBeNull();
    else expect(event).toMatchObject(expected);
  });

  it("keeps the record's time", () => {
    const event = authEventOf(
      decodeLine(
        '{"timestamp":"2026-02-01T09:30:00Z","user":"x","event_type":"login","action":"failed"}',
        ctx,
      ),
    );
    expect(event?.at).toBe(Date.parse("2026-02-01T09:30:00Z"));
  });
});
