/**
 * An ordinary Windows event stream for bench:sigma, deterministic from a seed: what a small office's
 * Security and System logs and Sysmon write on a working day, with no attack in it. Logons (4624) and
 * logoffs (4634) of a few hundred users on a few dozen machines, process creations (Security 4688 and
 * Sysmon 1) of the binaries people and Windows start all day (explorer, chrome, msedge, outlook, teams,
 * svchost, conhost, RuntimeBroker...) with the command lines they really have, service state changes
 * (System 7036) and a few failed logons (4625: typos). Events are JSON in the shape of SigmaHQ's regression
 * events (XML-to-JSON: `{"Event": {"System": {...}, "EventData": {...}}}`), which the shipped Windows
 * mapping reads (config/sigma/windows-eventlog.yaml).
 */

import { mulberry32 } from "../lib/random.js";

const DOMAIN = "CORP";
const SECURITY = {
  Name: "Microsoft-Windows-Security-Auditing",
  Guid: "{54849625-5478-4994-A5BA-3E3B0328C30D}",
};
const SYSMON = { Name: "Microsoft-Windows-Sysmon", Guid: "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}" };
const SCM = {
  Name: "Service Control Manager",
  Guid: "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
  EventSourceName: "Service Control Manager",
};

const FIRST = [
  "anna",
  "ben",
  "carla",
  "david",
  "eva",
  "farid",
  "grace",
  "hugo",
  "ines",
  "jonas",
  "kim",
  "lena",
];
const LAST = ["meyer", "rossi", "lee", "novak", "garcia", "smith", "kowalski", "dubois", "berg", "sato"];
const SERVICES = [
  "Windows Update",
  "Background Intelligent Transfer Service",
  "Windows Modules Installer",
  "Microsoft Office Click-to-Run Service",
  "Google Update Service (gupdate)",
  "Windows Defender Antivirus Network Inspection Service",
  "Delivery Optimization",
  "WinHTTP Web Proxy Auto-Discovery Service",
  "Print Spooler",
  "Connected Devices Platform User Service_4f2a1",
];

interface Process {
  image: string;
  command: (r: () => number) => string;
  parent: string;
  parentCommand: string;
  description: string;
  product: string;
  company: string;
  system?: boolean;
}

const EXPLORER = "C:\\Windows\\explorer.exe";
const CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe";
const EDGE = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe";
const OUTLOOK = "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE";
const SVCHOST = "C:\\Windows\\System32\\svchost.exe";
const SERVICES_EXE = "C:\\Windows\\System32\\services.exe";
const hex = (r: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join("");

const PROCESSES: readonly Process[] = [
  {
    image: EXPLORER,
    command: () => "C:\\Windows\\Explorer.EXE",
    parent: "C:\\Windows\\System32\\userinit.exe",
    parentCommand: "C:\\Windows\\system32\\userinit.exe",
    description: "Windows Explorer",
    product: "Microsoft® Windows® Operating System",
    company: "Microsoft Corporation",
  },
  {
    image: CHROME,
    command: (r) =>
      `"${CHROME}" --type=renderer --field-trial-handle=1${Math.floor(r() * 9000)},i,${Math.floor(r() * 1e15)},${Math.floor(r() * 1e15)},262144 --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=${Math.floor(r() * 200)} --time-ticks-at-unix-epoch=-1709${Math.floor(r() * 1e9)} --launch-time-ticks=${Math.floor(r() * 1e10)} --mojo-platform-channel-handle=${Math.floor(r() * 9000)} /prefetch:1`,
    parent: CHROME,
    parentCommand: `"${CHROME}" `,
    description: "Google Chrome",
    product: "Google Chrome",
    company: "Google LLC",
  },
  {
    image: CHROME,
    command: () => `"${CHROME}" `,
    parent: EXPLORER,
    parentCommand: "C:\\Windows\\Explorer.EXE",
    description: "Google Chrome",
    product: "Google Chrome",
    company: "Google LLC",
  },
  {
    image: EDGE,
    command: (r) =>
      `"${EDGE}" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --field-trial-handle=${Math.floor(r() * 9000)},i,${Math.floor(r() * 1e15)},262144 --mojo-platform-channel-handle=${Math.floor(r() * 9000)} /prefetch:3`,
    parent: EDGE,
    parentCommand: `"${EDGE}" --no-startup-window --win-session-start`,
    description: "Microsoft Edge",
    product: "Microsoft Edge",
    company: "Microsoft Corporation",
  },
  {
    image: OUTLOOK,
    command: () => `"${OUTLOOK}" `,
    parent: EXPLORER,
    parentCommand: "C:\\Windows\\Explorer.EXE",
    description: "Microsoft Outlook",
    product: "Microsoft Outlook",
    company: "Microsoft Corporation",
  },
  {
    image: "C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
    command: () =>
      '"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --type=renderer --autoplay-policy=no-user-gesture-required --disable-background-timer-throttling --lang=en-US --enable-wm-broadcast',
    parent: "C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
    parentCommand:
      '"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --process-start-type=startup',
    description: "Microsoft Teams",
    product: "Microsoft Teams",
    company: "Microsoft Corporation",
  },
  {
    image: SVCHOST,
    command: (r) =>
      `C:\\Windows\\system32\\svchost.exe -k ${["netsvcs -p -s Schedule", "LocalServiceNetworkRestricted -p -s Dhcp", "NetworkService -p -s Dnscache", "wsappx -p -s AppXSvc", "LocalSystemNetworkRestricted -p -s SysMain", "UnistackSvcGroup -s CDPUserSvc"][Math.floor(r() * 6)]}`,
    parent: SERVICES_EXE,
    parentCommand: "C:\\Windows\\system32\\services.exe",
    description: "Host Process for Windows Services",
    product: "Microsoft® Windows® Operating System",
    company: "Microsoft Corporation",
    system: true,
  },
  {
    image: "C:\\Windows\\System32\\conhost.exe",
    command: () => "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
    parent: "C:\\Windows\\System32\\cmd.exe",
    parentCommand: '"C:\\Windows\\system32\\cmd.exe" ',
    description: "Console Window Host",
    product: "Microsoft® Windows® Operating System",
    company: "Microsoft Corporation",
    system: true,
  },
  {
    image: "C:\\Windows\\System32\\RuntimeBroker.exe",
    command: () => "C:\\Windows\\System32\\RuntimeBroker.exe -Embedding",
    parent: SVCHOST,
    parentCommand: "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p",
    description: "Runtime Broker",
    product: "Microsoft® Windows® Operating System",
    company: "Microsoft Corporation",
  },
  {
    image: "C:\\Windows\\System32\\backgroundTaskHost.exe",
    command: (r) =>
      `"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.Webhost${r() < 0.5 ? "" : "Cloud"}`,
    parent: SVCHOST,
    parentCommand: "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p",
    description: "Background Task Host",
    product: "Microsoft® Windows® Operating System",
    company: "Microsoft Corporation",
  },
  {
    image: "C:\\Windows\\System32\\SearchProtocolHost.exe",
    command: () =>
      '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe_S-1-5-21-1004 Global\\UsGthrCtrlFltPipeMssGthrPipe_S-1-5-21-1004 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon" ',
    parent: "C:\\Windows\\System32\\SearchIndexer.exe",
    parentCommand: "C:\\Windows\\system32\\SearchIndexer.exe /Embedding",
    description: "Microsoft Windows Search Protocol Host",
    product: "Windows® Search",
    company: "Microsoft Corporation",
    system: true,
  },
  {
    image: "C:\\Windows\\System32\\notepad.exe",
    command: (r) =>
      `"C:\\Windows\\system32\\NOTEPAD.EXE" C:\\Users\\{user}\\Documents\\notes-${Math.floor(r() * 40)}.txt`,
    parent: EXPLORER,
    parentCommand: "C:\\Windows\\Explorer.EXE",
    description: "Notepad",
    product: "Microsoft® Windows® Operating System",
    company: "Microsoft Corporation",
  },
  {
    image: "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
    command: () => '"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe" /background',
    parent: EXPLORER,
    parentCommand: "C:\\Windows\\Explorer.EXE",
    description: "Microsoft OneDrive",
    product: "Microsoft OneDrive",
    company: "Microsoft Corporation",
  },
];

/** `count` benign Windows events as JSON texts (one event each), in time order from `start`. */
export function benignWindowsEvents(
  count: number,
  seed = 4624,
  start = Date.UTC(2026, 2, 2, 7, 30),
): string[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const users = Array.from(
    { length: 300 },
    (_, i) =>
      `${FIRST[i % FIRST.length]}.${LAST[Math.floor(i / FIRST.length) % LAST.length]}${i >= 120 ? i : ""}`,
  );
  const hosts = Array.from({ length: 36 }, (_, i) =>
    i < 30 ? `WS-${String(100 + i)}` : `SRV-FILE${i - 29}`,
  );
  const ipOf = (host: string) => `10.20.${hosts.indexOf(host) >> 4}.${(hosts.indexOf(host) % 16) + 20}`;
  // Each user mostly works at one machine; logon ids tie a 4634 to its 4624.
  const homeOf = (user: string) => hosts[users.indexOf(user) % 30]!;
  const sessions: { user: string; host: string; id: string; type: number }[] = [];
  let t = start;
  let recordId = 1_000_000;
  let pid = 4000;
  const out: string[] = [];

  const event = (
    host: string,
    channel: string,
    provider: Record<string, string>,
    eventId: number,
    data: Record<string, string | number>,
    extra: Record<string, unknown> = {},
  ) =>
    JSON.stringify({
      Event: {
        "#attributes": { xmlns: "http://schemas.microsoft.com/win/2004/08/events/event" },
        System: {
          Provider: { "#attributes": provider },
          EventID: eventId,
          Version: eventId === 4624 ? 2 : eventId === 1 ? 5 : 0,
          Level: eventId === 4625 ? 0 : 4,
          Task: eventId === 7036 ? 0 : eventId === 1 ? 1 : 12544,
          Opcode: 0,
          Keywords:
            eventId === 4625
              ? "0x8010000000000000"
              : eventId === 7036
                ? "0x8080000000000000"
                : "0x8020000000000000",
          TimeCreated: { "#attributes": { SystemTime: new Date(t).toISOString().replace("Z", "0000Z") } },
          EventRecordID: recordId++,
          Correlation: null,
          Execution: {
            "#attributes": {
              ProcessID: channel === "Security" ? 708 : 3308,
              ThreadID: 1000 + Math.floor(r() * 9000),
            },
          },
          Channel: channel,
          Computer: `${host.toLowerCase()}.corp.example.com`,
          Security: channel === "Security" ? null : { "#attributes": { UserID: "S-1-5-18" } },
          ...extra,
        },
        EventData: data,
      },
    });

  // A binary's hashes are the file's: the same in every event that starts it.
  const hashes = new Map(
    PROCESSES.map((p) => [
      p.image,
      `SHA1=${hex(r, 40).toUpperCase()},MD5=${hex(r, 32).toUpperCase()},SHA256=${hex(r, 64).toUpperCase()},IMPHASH=${hex(r, 32).toUpperCase()}`,
    ]),
  );
  const sid = (user: string) => `S-1-5-21-3623811015-3361044348-30300820-${1100 + users.indexOf(user)}`;
  const logonId = () => `0x${hex(r, 6)}`;

  while (out.length < count) {
    t += Math.floor(200 + r() * 1800);
    const roll = r();
    if (roll < 0.27 || sessions.length < 10) {
      // Logon: interactive at one's own machine, network to the file servers, now and then remote desktop.
      const user = pick(users);
      const type = r() < 0.6 ? 3 : r() < 0.85 ? 2 : r() < 0.7 ? 11 : 10;
      const host = type === 3 ? pick(hosts.slice(30)) : homeOf(user);
      const id = logonId();
      sessions.push({ user, host, id, type });
      if (sessions.length > 400) sessions.shift();
      out.push(
        event(host, "Security", SECURITY, 4624, {
          SubjectUserSid: type === 3 ? "S-1-0-0" : "S-1-5-18",
          SubjectUserName: type === 3 ? "-" : `${host}$`,
          SubjectDomainName: type === 3 ? "-" : DOMAIN,
          SubjectLogonId: type === 3 ? "0x0" : "0x3e7",
          TargetUserSid: sid(user),
          TargetUserName: user,
          TargetDomainName: DOMAIN,
          TargetLogonId: id,
          LogonType: type,
          LogonProcessName: type === 3 ? "Kerberos" : "User32 ",
          AuthenticationPackageName: type === 3 ? "Kerberos" : "Negotiate",
          WorkstationName: type === 3 ? "-" : host,
          LogonGuid: `{${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}}`,
          TransmittedServices: "-",
          LmPackageName: "-",
          KeyLength: 0,
          ProcessId: type === 3 ? "0x0" : "0x2d8",
          ProcessName: type === 3 ? "-" : "C:\\Windows\\System32\\svchost.exe",
          IpAddress: type === 3 ? ipOf(homeOf(user)) : type === 10 ? ipOf(pick(hosts)) : "127.0.0.1",
          IpPort: type === 3 ? String(49152 + Math.floor(r() * 16000)) : "0",
          ImpersonationLevel: "%%1833",
          RestrictedAdminMode: "-",
          TargetOutboundUserName: "-",
          TargetOutboundDomainName: "-",
          VirtualAccount: "%%1843",
          TargetLinkedLogonId: "0x0",
          ElevatedToken: "%%1843",
        }),
      );
    } else if (roll < 0.45) {
      const s = sessions.splice(Math.floor(r() * sessions.length), 1)[0]!;
      out.push(
        event(s.host, "Security", SECURITY, 4634, {
          TargetUserSid: sid(s.user),
          TargetUserName: s.user,
          TargetDomainName: DOMAIN,
          TargetLogonId: s.id,
          LogonType: s.type,
        }),
      );
    } else if (roll < 0.85) {
      // A process: as Sysmon sees it (most machines run it) or as Security 4688 does.
      const s = pick(sessions);
      const p = pick(PROCESSES);
      const user = p.system ? "NT AUTHORITY\\SYSTEM" : `${DOMAIN}\\${s.user}`;
      const fill = (text: string) => text.replaceAll("{user}", s.user);
      const image = fill(p.image);
      const command = fill(p.command(r));
      const ppid = pid + Math.floor(r() * 50);
      pid += 4 + Math.floor(r() * 40);
      if (r() < 0.55) {
        out.push(
          event(s.host, "Microsoft-Windows-Sysmon/Operational", SYSMON, 1, {
            RuleName: "-",
            UtcTime: new Date(t).toISOString().replace("T", " ").slice(0, 23),
            ProcessGuid: `{5AA13A44-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}}`,
            ProcessId: pid,
            Image: image,
            FileVersion: "10.0.19041.1",
            Description: p.description,
            Product: p.product,
            Company: p.company,
            OriginalFileName: image.split("\\").pop()!,
            CommandLine: command,
            CurrentDirectory: p.system ? "C:\\Windows\\system32\\" : `C:\\Users\\${s.user}\\`,
            User: user,
            LogonGuid: `{5AA13A44-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}}`,
            LogonId: p.system ? "0x3e7" : s.id,
            TerminalSessionId: p.system ? 0 : 1,
            IntegrityLevel: p.system ? "System" : "Medium",
            Hashes: hashes.get(p.image)!,
            ParentProcessGuid: `{5AA13A44-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}}`,
            ParentProcessId: ppid,
            ParentImage: fill(p.parent),
            ParentCommandLine: fill(p.parentCommand),
            ParentUser: user,
          }),
        );
      } else {
        out.push(
          event(s.host, "Security", SECURITY, 4688, {
            SubjectUserSid: p.system ? "S-1-5-18" : sid(s.user),
            SubjectUserName: p.system ? `${s.host}$` : s.user,
            SubjectDomainName: DOMAIN,
            SubjectLogonId: p.system ? "0x3e7" : s.id,
            NewProcessId: `0x${pid.toString(16)}`,
            NewProcessName: image,
            TokenElevationType: p.system ? "%%1936" : "%%1938",
            ProcessId: `0x${ppid.toString(16)}`,
            CommandLine: command,
            TargetUserSid: "S-1-0-0",
            TargetUserName: "-",
            TargetDomainName: "-",
            TargetLogonId: "0x0",
            ParentProcessName: fill(p.parent),
            MandatoryLabel: p.system ? "S-1-16-16384" : "S-1-16-8192",
          }),
        );
      }
    } else if (roll < 0.97) {
      out.push(
        event(pick(hosts), "System", SCM, 7036, {
          param1: pick(SERVICES),
          param2: r() < 0.5 ? "running" : "stopped",
          Binary: hex(r, 16).toUpperCase(),
        }),
      );
    } else {
      // A typo: a failed logon at one's own machine or to a file server.
      const user = pick(users);
      const host = r() < 0.5 ? homeOf(user) : pick(hosts.slice(30));
      out.push(
        event(host, "Security", SECURITY, 4625, {
          SubjectUserSid: "S-1-5-18",
          SubjectUserName: `${host}$`,
          SubjectDomainName: DOMAIN,
          SubjectLogonId: "0x3e7",
          TargetUserSid: "S-1-0-0",
          TargetUserName: user,
          TargetDomainName: DOMAIN,
          Status: "0xc000006d",
          FailureReason: "%%2313",
          SubStatus: "0xc000006a",
          LogonType: host === homeOf(user) ? 2 : 3,
          LogonProcessName: "User32 ",
          AuthenticationPackageName: "Negotiate",
          WorkstationName: homeOf(user),
          TransmittedServices: "-",
          LmPackageName: "-",
          KeyLength: 0,
          ProcessId: "0x2d8",
          ProcessName: "C:\\Windows\\System32\\svchost.exe",
          IpAddress: host === homeOf(user) ? "127.0.0.1" : ipOf(homeOf(user)),
          IpPort: "0",
        }),
      );
    }
  }
  return out;
}
