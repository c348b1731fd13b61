// Our own deployment rules, checked on what each overlay renders:
//   probes (native gRPC, on the gRPC port, readiness on the service's health
//   name), resources (requests and limits, requests <= limits), non-root and
//   locked-down containers, a PodDisruptionBudget and a
//   HorizontalPodAutoscaler for each Deployment, Service ports that land on
//   container ports, the drain budget (preStop + drain_deadline fits in
//   terminationGracePeriodSeconds), metrics scrape annotations, and
//   NetworkPolicies that allow exactly the call graph in k8s/call-graph.yaml,
//   which in turn must cover every call the code makes.
import {
  OVERLAYS, Report, byKind, callGraph, codeCalls, connectionAllowed, cronJobCalls, durationSeconds,
  podEndpoint, quantity, render, selectorMatches, workloads,
} from "./lib.mjs";

const report = new Report("deploy_policy");
const graph = callGraph();
const processNames = new Set(Object.keys(graph.processes));
const declared = new Set(graph.calls.map((c) => `${c.from}->${c.to}`));

// ------------------------------------------------ the code vs. the graph
{
  const { calls, problems } = codeCalls(graph);
  for (const p of problems) report.fail(`code scan: ${p}`);
  const inCode = new Map();
  for (const c of calls) {
    const key = `${c.from}->${c.to}`;
    if (!inCode.has(key)) inCode.set(key, c.where);
    report.check(declared.has(key),
      `${c.from} calls ${c.to} (${c.where}) but k8s/call-graph.yaml has no such edge, so the NetworkPolicies block it`);
  }
  for (const c of graph.calls) {
    const key = `${c.from}->${c.to}`;
    report.check(processNames.has(c.from) && processNames.has(c.to), `call-graph edge ${key} names an unknown process`);
    if (c.evidence === "code") {
      report.check(inCode.has(key), `call-graph edge ${key} is marked evidence: code but the code no longer makes it`);
    } else if (c.evidence === "design") {
      if (inCode.has(key)) report.note(`${key} is now in the code (${inCode.get(key)}): mark it evidence: code`);
      else report.note(`${key} is allowed by design; no code makes it yet`);
    } else if (c.evidence === "entry") {
      report.check(graph.processes[c.from]?.external === true, `call-graph edge ${key}: only external callers are entries`);
    } else if (c.evidence !== "cronjob") {
      report.fail(`call-graph edge ${key} has unknown evidence ${c.evidence}`);
    }
  }
}

// ------------------------------------------------------- per overlay
for (const overlay of OVERLAYS) {
  let objects;
  try {
    objects = render(`overlays/${overlay}`);
  } catch (e) {
    report.fail(`${overlay}: ${e.message}`);
    continue;
  }
  const at = (what) => `${overlay}: ${what}`;
  const ws = workloads(objects);
  const deployments = ws.filter((w) => w.kind === "Deployment");
  const cronjobs = ws.filter((w) => w.kind === "CronJob");
  const services = byKind(objects, "Service");
  const configMaps = byKind(objects, "ConfigMap");
  const pdbs = byKind(objects, "PodDisruptionBudget");
  const hpas = byKind(objects, "HorizontalPodAutoscaler");
  const policies = byKind(objects, "NetworkPolicy");
  const serviceAccounts = new Set(byKind(objects, "ServiceAccount").map((o) => o.metadata.name));

  const envOf = (w, c) => {
    const env = {};
    for (const ref of c.envFrom ?? []) {
      const cm = configMaps.find((m) => m.metadata.name === ref.configMapRef?.name);
      if (ref.configMapRef) {
        if (!report.check(cm != null, at(`${w.name}: envFrom names missing ConfigMap ${ref.configMapRef.name}`))) continue;
        Object.assign(env, cm.data ?? {});
      }
    }
    for (const e of c.env ?? []) env[e.name] = e.value ?? { from: e.valueFrom };
    return env;
  };

  // No silent development mode: no process of any overlay may be started with
  // allow_unsigned_principals (identities accepted as sent), whether through
  // the environment, a ConfigMap or a flag.
  for (const w of ws) {
    for (const c of w.containers) {
      const env = envOf(w, c);
      const flagged = [...(c.command ?? []), ...(c.args ?? [])].some((a) => /allow_unsigned_principals/.test(String(a)));
      const envValue = env.SALES_ALLOW_UNSIGNED_PRINCIPALS;
      report.check(!flagged && (envValue == null || /^(false|0|no)$/i.test(String(envValue))),
        at(`${w.kind} ${w.name}/${c.name}: could start with allow_unsigned_principals (development mode)`));
    }
  }

  // Every process in the graph that is not a CronJob runs as a Deployment.
  for (const [name, p] of Object.entries(graph.processes)) {
    if (p.external) continue;
    if (p.cronjob) {
      report.check(cronjobs.some((w) => w.app === name), at(`no CronJob runs ${name}`));
    } else {
      report.check(deployments.some((w) => w.app === name), at(`no Deployment runs ${name}`));
    }
  }

  // Container rules shared by Deployments and CronJobs.
  const checkContainer = (w, c) => {
    const id = at(`${w.kind} ${w.name} container ${c.name}`);
    const r = c.resources ?? {};
    for (const kind of ["requests", "limits"]) {
      for (const res of ["cpu", "memory"]) {
        const v = r[kind]?.[res];
        report.check(v != null && quantity(v) > 0, `${id}: no ${kind}.${res}`);
      }
    }
    for (const res of ["cpu", "memory"]) {
      if (r.requests?.[res] != null && r.limits?.[res] != null) {
        report.check(quantity(r.requests[res]) <= quantity(r.limits[res]), `${id}: requests.${res} exceeds limits.${res}`);
      }
    }
    const psc = w.pod.securityContext ?? {};
    const sc = c.securityContext ?? {};
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    const uid = sc.runAsUser ?? psc.runAsUser;
    report.check(nonRoot === true, `${id}: runAsNonRoot is not true`);
    report.check(uid == null || uid !== 0, `${id}: runs as uid 0`);
    report.check(sc.allowPrivilegeEscalation === false, `${id}: allowPrivilegeEscalation is not false`);
    report.check(sc.privileged !== true, `${id}: privileged`);
    report.check(sc.readOnlyRootFilesystem === true, `${id}: root filesystem is writable`);
    report.check((sc.capabilities?.drop ?? []).includes("ALL"), `${id}: capabilities are not all dropped`);
    report.check((sc.capabilities?.add ?? []).length === 0, `${id}: adds capabilities`);
    report.check((psc.seccompProfile ?? sc.seccompProfile)?.type === "RuntimeDefault", `${id}: no RuntimeDefault seccomp profile`);
    report.check(!/:latest$/.test(c.image) && /[:@]/.test(c.image), `${id}: image ${c.image} is not pinned to a tag`);
    report.check(w.pod.automountServiceAccountToken === false, `${id}: mounts a service account token it does not need`);
    report.check(serviceAccounts.has(w.pod.serviceAccountName), `${id}: service account ${w.pod.serviceAccountName} is not defined`);
  };

  for (const w of deployments) {
    const p = graph.processes[w.app];
    if (!report.check(p != null && !p.cronjob && !p.external, at(`Deployment ${w.name} runs ${w.app}, which k8s/call-graph.yaml does not know`))) continue;
    if (!report.check(w.containers.length === 1, at(`${w.name}: expected one container`))) continue;
    const c = w.containers[0];
    const id = at(`Deployment ${w.name}`);
    checkContainer(w, c);
    const env = envOf(w, c);

    // Ports: the container serves the graph's ports, and so does the config.
    const grpc = w.ports.find((x) => x.name === "grpc");
    const metrics = w.ports.find((x) => x.name === "metrics");
    report.check(grpc?.containerPort === p.grpc_port, `${id}: container port "grpc" is not ${p.grpc_port}`);
    report.check(metrics?.containerPort === p.metrics_port, `${id}: container port "metrics" is not ${p.metrics_port}`);
    report.check(env.SALES_LISTEN === `0.0.0.0:${p.grpc_port}`, `${id}: SALES_LISTEN is not 0.0.0.0:${p.grpc_port}`);
    report.check(env.SALES_METRICS_LISTEN === `0.0.0.0:${p.metrics_port}`, `${id}: SALES_METRICS_LISTEN is not 0.0.0.0:${p.metrics_port}`);
    const ann = w.podMeta.annotations ?? {};
    report.check(ann["prometheus.io/scrape"] === "true" && ann["prometheus.io/port"] === String(p.metrics_port) &&
      ann["prometheus.io/path"] === "/metrics", `${id}: scrape annotations do not point at the metrics port`);

    // Probes: native gRPC health on the gRPC port.
    const probe = (name) => c[name]?.grpc;
    for (const name of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      report.check(probe(name) != null, `${id}: ${name} is not a gRPC probe`);
      if (probe(name)) report.check(probe(name).port === p.grpc_port, `${id}: ${name} checks port ${probe(name).port}, not ${p.grpc_port}`);
    }
    if (p.health) {
      report.check(probe("readinessProbe")?.service === p.health, `${id}: readiness does not check ${p.health}`);
    }
    const startup = c.startupProbe ?? {};
    report.check((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3) >= 120,
      `${id}: startupProbe allows under 120 s for migrations`);

    // Drain: preStop, then SIGTERM → drain_deadline, all within the grace period.
    const drain = durationSeconds(String(env.SALES_DRAIN_DEADLINE ?? "10s"));
    const pre = c.lifecycle?.preStop;
    const preSeconds = pre?.exec?.command?.[0]?.endsWith("sleep") ? Number(pre.exec.command[1]) : pre?.sleep?.seconds ?? NaN;
    report.check(Number.isFinite(preSeconds) && preSeconds > 0, `${id}: no preStop delay (peers must stop sending first)`);
    const grace = w.pod.terminationGracePeriodSeconds ?? 30;
    report.check(Number.isFinite(drain) && grace >= preSeconds + drain + 1,
      `${id}: terminationGracePeriodSeconds ${grace} < preStop ${preSeconds} s + drain_deadline ${drain} s + 1`);

    // Secrets: database credentials and the signing key come from Secret files.
    if (p.database) {
      report.check(env.SALES_MYSQL_PASSWORD_FILE != null, `${id}: the database password is not read from a file`);
      report.check(env.SALES_MYSQL_PASSWORD == null, `${id}: the database password is in plain configuration`);
      const mounts = c.volumeMounts ?? [];
      const secretVolumes = new Set((w.pod.volumes ?? []).filter((v) => v.secret).map((v) => v.name));
      const file = String(env.SALES_MYSQL_PASSWORD_FILE ?? "");
      report.check(mounts.some((m) => secretVolumes.has(m.name) && file.startsWith(m.mountPath + "/")),
        `${id}: SALES_MYSQL_PASSWORD_FILE is not inside a mounted Secret`);
      report.check(env.SALES_MYSQL_DATABASE === p.database, `${id}: SALES_MYSQL_DATABASE is not ${p.database}`);
    }
    report.check(env.SALES_PRINCIPAL_HMAC_SECRET_FILE != null, `${id}: the principal signing key is not mounted`);
    {
      const mounts = c.volumeMounts ?? [];
      const secretVolumes = new Set((w.pod.volumes ?? []).filter((v) => v.secret).map((v) => v.name));
      const file = String(env.SALES_PRINCIPAL_HMAC_SECRET_FILE ?? "");
      report.check(mounts.some((m) => secretVolumes.has(m.name) && file.startsWith(m.mountPath + "/")),
        `${id}: SALES_PRINCIPAL_HMAC_SECRET_FILE is not inside a mounted Secret`);
      report.check(env.SALES_PRINCIPAL_HMAC_SECRET == null, `${id}: the principal signing key is in plain configuration`);
    }

    // Peers configured = edges in the graph (a configured address is a call).
    const configuredPeers = Object.keys(env)
      .map((k) => /^SALES_([A-Z]+)_ADDRESS$/.exec(k)?.[1]?.toLowerCase())
      .filter((x) => x && processNames.has(x));
    for (const peer of configuredPeers) {
      report.check(declared.has(`${w.app}->${peer}`), `${id}: configures ${peer}_address but may not call ${peer}`);
      const target = graph.processes[peer];
      report.check(env[`SALES_${peer.toUpperCase()}_ADDRESS`] === `${peer}:${target.grpc_port}`,
        `${id}: ${peer}_address is not ${peer}:${target.grpc_port}`);
    }
    for (const c2 of graph.calls.filter((x) => x.from === w.app)) {
      report.check(configuredPeers.includes(c2.to), `${id}: may call ${c2.to} but ${c2.to}_address is not configured`);
    }

    // A PodDisruptionBudget and an autoscaler for each Deployment.
    const pdb = pdbs.filter((b) => selectorMatches(b.spec.selector, w.labels));
    report.check(pdb.length === 1, `${id}: ${pdb.length} PodDisruptionBudgets select its pods (want 1)`);
    const hpa = hpas.filter((h) => h.spec.scaleTargetRef?.kind === "Deployment" && h.spec.scaleTargetRef?.name === w.name);
    report.check(hpa.length === 1, `${id}: ${hpa.length} HorizontalPodAutoscalers (want 1)`);
    if (hpa.length === 1) {
      const h = hpa[0].spec;
      report.check(h.minReplicas >= 1 && h.maxReplicas >= h.minReplicas, `${id}: autoscaler bounds ${h.minReplicas}..${h.maxReplicas}`);
      report.check((h.metrics ?? []).some((m) => m.resource?.name === "cpu"), `${id}: autoscaler has no CPU target`);
      if (pdb.length === 1 && pdb[0].spec.minAvailable != null) {
        report.check(Number(pdb[0].spec.minAvailable) < h.minReplicas,
          `${id}: PodDisruptionBudget minAvailable ${pdb[0].spec.minAvailable} blocks every eviction at ${h.minReplicas} replicas`);
      }
    }

    // Services: each port lands on a container port; the gRPC port is named.
    const svc = services.filter((s) => s.spec.selector && selectorMatches({ matchLabels: s.spec.selector }, w.labels));
    report.check(svc.some((s) => s.metadata.name === w.app), `${id}: no Service named ${w.app} (peers dial ${w.app}:${p.grpc_port})`);
    for (const s of svc) {
      for (const sp of s.spec.ports ?? []) {
        const target = sp.targetPort ?? sp.port;
        const hit = w.ports.find((cp) => (typeof target === "string" ? cp.name === target : cp.containerPort === target) &&
          cp.protocol === (sp.protocol ?? "TCP"));
        report.check(hit != null, `${id}: Service ${s.metadata.name} port ${sp.name ?? sp.port} targets ${target}, which no container serves`);
        if (hit && sp.name === "grpc") report.check(sp.port === p.grpc_port, `${id}: Service ${s.metadata.name} grpc port ${sp.port} != ${p.grpc_port}`);
      }
      report.check((s.spec.ports ?? []).some((sp) => sp.name === "grpc"), `${id}: Service ${s.metadata.name} has no port named grpc`);
    }
  }

  for (const w of cronjobs) {
    for (const c of w.containers) checkContainer(w, c);
    const calls = cronJobCalls(w.object, processNames);
    report.check(calls.size > 0, at(`CronJob ${w.name} calls no service`));
    for (const to of calls) {
      report.check(declared.has(`${w.app}->${to}`), at(`CronJob ${w.name} (${w.app}) calls ${to}, which the call graph does not allow`));
    }
  }
  // Every sweep edge in the graph is used by some CronJob.
  for (const c of graph.calls.filter((x) => x.evidence === "cronjob")) {
    report.check(cronjobs.some((w) => w.app === c.from && cronJobCalls(w.object, processNames).has(c.to)),
      at(`call-graph edge ${c.from}->${c.to} is used by no CronJob`));
  }

  // ---------------------------------------------------- NetworkPolicies
  report.check(policies.some((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 &&
    (p.spec.policyTypes ?? []).includes("Ingress") && (p.spec.policyTypes ?? []).includes("Egress") &&
    !(p.spec.ingress?.length) && !(p.spec.egress?.length)), at("no deny-all NetworkPolicy"));

  // Allowed = call graph edges on the callee's gRPC port, plus each service
  // to its own database. Anything else between our pods must be refused.
  const internal = graph.calls.filter((c) => !graph.processes[c.from]?.external);
  const expected = new Set(internal.map((c) => `${c.from}->${c.to}:${graph.processes[c.to].grpc_port}`));
  for (const [name, p] of Object.entries(graph.processes)) {
    if (p.database && ws.some((w) => w.app === `${name}-db`)) expected.add(`${name}->${name}-db:3306`);
  }
  const allowed = new Set();
  for (const src of ws) {
    for (const dst of ws) {
      if (src === dst) continue;
      for (const port of dst.ports) {
        if (connectionAllowed(policies, podEndpoint(src), podEndpoint(dst), port.containerPort, port.protocol)) {
          allowed.add(`${src.app}->${dst.app}:${port.containerPort}`);
        }
      }
    }
  }
  for (const e of allowed) report.check(expected.has(e), at(`NetworkPolicies allow ${e}, which is not in the call graph`));
  for (const e of expected) report.check(allowed.has(e), at(`NetworkPolicies block ${e}, which the call graph needs`));

  // Prometheus (namespace monitoring) scrapes every metrics port and nothing else.
  const prometheus = { namespace: "monitoring", nsLabels: { "kubernetes.io/metadata.name": "monitoring" },
    labels: { "app.kubernetes.io/name": "prometheus" }, external: true };
  const stranger = { namespace: "elsewhere", nsLabels: { "kubernetes.io/metadata.name": "elsewhere" },
    labels: { "app.kubernetes.io/name": "prometheus" }, external: true };
  // A client outside the namespace reaches exactly the entry edges' gRPC ports.
  const client = { namespace: "elsewhere", nsLabels: { "kubernetes.io/metadata.name": "elsewhere" },
    labels: { "app.kubernetes.io/name": "some-client" }, external: true };
  for (const w of ws) {
    const entry = graph.calls.some((c) => graph.processes[c.from]?.external && c.to === w.app);
    for (const port of w.ports) {
      const allowed = connectionAllowed(policies, client, podEndpoint(w), port.containerPort, port.protocol);
      const want = entry && port.containerPort === graph.processes[w.app]?.grpc_port;
      report.check(allowed === want, at(`a client outside the namespace ${allowed ? "may" : "may not"} reach ${w.app}:${port.containerPort}`));
    }
  }
  for (const w of deployments) {
    const p = graph.processes[w.app];
    if (!p) continue;
    report.check(connectionAllowed(policies, prometheus, podEndpoint(w), p.metrics_port),
      at(`Prometheus cannot scrape ${w.app}:${p.metrics_port}`));
    const isEntry = graph.calls.some((c) => graph.processes[c.from]?.external && c.to === w.app);
    report.check(isEntry || !connectionAllowed(policies, prometheus, podEndpoint(w), p.grpc_port),
      at(`Prometheus may call ${w.app}'s gRPC port`));
    report.check(!connectionAllowed(policies, stranger, podEndpoint(w), p.metrics_port),
      at(`a pod outside the monitoring namespace may scrape ${w.app}`));
  }
  // Each service reaches its database: in-cluster (above) or an external endpoint.
  for (const [name, p] of Object.entries(graph.processes)) {
    if (!p.database) continue;
    const w = deployments.find((d) => d.app === name);
    if (!w) continue;
    const inCluster = ws.some((x) => x.app === `${name}-db`);
    if (inCluster) continue;
    const blocks = policies.filter((pol) => selectorMatches(pol.spec.podSelector, w.labels))
      .flatMap((pol) => (pol.spec.egress ?? []).flatMap((r) => (r.to ?? []).filter((t) => t.ipBlock).map((t) => ({ t, r }))));
    const reach = blocks.find(({ t, r }) => (r.ports ?? []).some((x) => x.port === 3306));
    if (!report.check(reach != null, at(`${name} has no egress to an external MySQL (ipBlock, port 3306)`))) continue;
    const ip = reach.t.ipBlock.cidr.split("/")[0];
    report.check(connectionAllowed(policies, podEndpoint(w), { ip }, 3306), at(`${name} cannot reach its MySQL at ${ip}:3306`));
    report.check(!connectionAllowed(policies, podEndpoint(w), { ip }, 22), at(`${name} may reach ${ip} on ports other than 3306`));
  }
}

report.finish();
