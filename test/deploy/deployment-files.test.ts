import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { loadConfig } from "../../src/config/load.js";
import { ENV_KEYS } from "../../src/config/schema.js";
import { REPO } from "../helpers/cli.js";

/**
 * The deployment files (Dockerfile, compose.yaml, deploy/k8s/) against the code they deploy: every setting
 * they give is one Logwarden reads and accepts, and the probes, ports and volume they name are the ones the
 * image serves and writes. Building and running the image needs an engine and a registry that CI lacks;
 * docs/deployment.md says how the image was built and run by hand.
 */

const read = (path: string) => readFileSync(join(REPO, path), "utf8");
/** Settings the image sets that are not Logwarden's own (Node's). */
const NOT_OURS = new Set(["NODE_ENV"]);

/** The runtime stage's `ENV` settings, `${ARG}` values as empty. */
function imageEnv(): Record<string, string> {
  const runtime = read("Dockerfile").split(/^FROM .* AS runtime$/m)[1] ?? "";
  const block = /^ENV ((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? "";
  const env: Record<string, string> = {};
  for (const m of block.matchAll(/([A-Z_]+)=(\S*)/g)) env[m[1]!] = m[2]!.replace(/^\$\{\w+\}$/, "");
  return env;
}

/** A compose value with `${VAR:-default}` as its default and `${VAR:?…}` as a made-up value. */
function interpolate(value: string): string {
  return value.replace(/\$\{\w+:-([^}]*)\}/g, "$1").replace(/\$\{\w+:\?[^}]*\}/g, "a-test-token");
}

function k8s(file: string): Record<string, unknown>[] {
  return YAML.parseAllDocuments(read(`deploy/k8s/${file}`)).map((d) => d.toJS() as Record<string, unknown>);
}

type Container = {
  env?: { name: string }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string }[];
};

function container(file: string): Container {
  const deployment = k8s(file).find((d) => d.kind === "Deployment") as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  return deployment.spec.template.spec.containers[0]!;
}

/** Every key is a Logwarden setting, and the whole accepted by the config loader. */
function expectAccepted(env: Record<string, string>) {
  for (const key of Object.keys(env)) if (!NOT_OURS.has(key)) expect(ENV_KEYS, key).toHaveProperty(key);
  return loadConfig({ env });
}

const image = imageEnv();

describe("deployment files", () => {
  it("the image: its settings are Logwarden's, probes on HEALTH_PORT, non-root, data on the volume", () => {
    const config = expectAccepted(image);
    expect(config).toMatchObject({ host: "0.0.0.0", port: 8000, healthPort: 8001, dataDir: "/data" });
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/health\/live/m);
    expect(dockerfile).toMatch(/^USER logwarden$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8000 8001$/m);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:22-bookworm-slim$/m);
  });

  it("compose: three nodes on PostgreSQL and RabbitMQ, each with its own volume, after both are healthy", () => {
    const compose = YAML.parse(read("compose.yaml"), { merge: true }) as {
      services: Record<
        string,
        {
          environment?: Record<string, string>;
          volumes?: string[];
          depends_on?: Record<string, { condition: string }>;
          healthcheck?: unknown;
        }
      >;
    };
    const nodes = Object.entries(compose.services).filter(([name]) => name.startsWith("logwarden-"));
    expect(nodes).toHaveLength(3);
    const volumes = new Set<string>();
    for (const [, node] of nodes) {
      const env = Object.fromEntries(
        Object.entries(node.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
      );
      const config = expectAccepted({ ...image, ...env });
      expect(config.databaseUrl).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(config.triage.transport).toBe("rabbitmq");
      expect(config.sinkEnv.rabbitmqUrl).toMatch(/^amqp:\/\/.*@rabbitmq:5672\//);
      expect(config.apiToken).toBe("a-test-token");
      const data = node.volumes?.find((v) => v.endsWith(`:${image.DATA_DIR}`));
      expect(data).toBeDefined();
      volumes.add(data!);
      expect(node.depends_on).toEqual({
        postgres: { condition: "service_healthy" },
        rabbitmq: { condition: "service_healthy" },
      });
    }
    expect(volumes.size).toBe(3);
    // A triage worker: the same settings, the `worker triage` command, no HTTP health check.
    const worker = compose.services["triage-worker"] as {
      command?: string[];
      healthcheck?: { disable?: boolean };
    };
    expect(worker.command).toEqual(["worker", "triage"]);
    expect(worker.healthcheck).toEqual({ disable: true });
    expect(
      expectAccepted({
        ...image,
        ...Object.fromEntries(
          Object.entries(compose.services["triage-worker"]?.environment ?? {}).map(([k, v]) => [
            k,
            interpolate(String(v)),
          ]),
        ),
      }).triage.transport,
    ).toBe("rabbitmq");
    for (const dep of ["postgres", "rabbitmq"]) {
      expect(compose.services[dep]?.healthcheck, dep).toBeDefined();
      expect(compose.services[dep]?.volumes, dep).toHaveLength(1);
    }
  });

  it("Kubernetes: settings accepted, probes on the image's probe port, API on its port", () => {
    const data = (k8s("configmap.yaml")[0] as { data: Record<string, string> }).data;
    const secret = (k8s("secret.yaml")[0] as { stringData: Record<string, string> }).stringData;
    const config = expectAccepted({ ...image, ...data, ...secret });
    expect(config.databaseUrl).toMatch(/^postgres:\/\//);
    expect(config.triage.transport).toBe("rabbitmq");
    for (const file of ["deployment.yaml", "single-node-sqlite.yaml"]) {
      const c = container(file);
      const port = (name: string) => c.ports.find((p) => p.name === name)?.containerPort;
      expect(port("http"), file).toBe(Number(image.PORT));
      expect(port("probes"), file).toBe(Number(image.HEALTH_PORT));
      expect(c.livenessProbe.httpGet, file).toEqual({ path: "/health/live", port: "probes" });
      expect(c.startupProbe.httpGet, file).toEqual({ path: "/health/live", port: "probes" });
      expect(c.readinessProbe.httpGet, file).toEqual({ path: "/health/ready", port: "probes" });
      expect(
        c.volumeMounts.map((m) => m.mountPath),
        file,
      ).toContain(image.DATA_DIR);
      for (const e of c.env ?? []) expect(ENV_KEYS, e.name).toHaveProperty(e.name);
    }
  });

  it("Kubernetes: four replicas of one CPU and 2 GiB, rolled one at a time, a disruption budget of one", () => {
    const deployment = k8s("deployment.yaml").find((d) => d.kind === "Deployment") as {
      spec: {
        replicas: number;
        strategy: { rollingUpdate: { maxUnavailable: number } };
        selector: { matchLabels: Record<string, string> };
        template: { spec: { containers: { resources: Record<string, Record<string, string>> }[] } };
      };
    };
    expect(deployment.spec.replicas).toBe(4);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const resources = deployment.spec.template.spec.containers[0]!.resources;
    expect(resources).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } });
    const pdb = k8s("pdb.yaml")[0] as {
      kind: string;
      spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(pdb.kind).toBe("PodDisruptionBudget");
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(read("deploy/k8s/kustomization.yaml")).toMatch(/^ {2}- pdb\.yaml$/m);
  });
});
