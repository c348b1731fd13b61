// Our own deployment rules, checked on what each overlay renders:
//   probes (native gRPC, on the gRPC port, readiness on the service's health
//   name), resources (requests and limits, requests <= limits), non-root and
//   locked-down containers, a PodDisruptionBudget and a
//   HorizontalPodAutoscaler for each Deployment, Service ports that land on
//   container ports, the drain budget (preStop + drain_deadline fits in
//   terminationGracePeriodSeconds), metrics scrape annotations, and
//   NetworkPolicies that allow exactly the call graph in k8s/call-graph.yaml,
//   which in turn must cover every call the code makes; peers dialled at
//   their headless Service with round_robin, and servers that end
//   connections (max connection age) within the pod's termination budget.
import {
  OVERLAYS, Report, byKind, callGraph, codeCalls, connectionAllowed, cronJobCalls, durationSeconds,
  filesWithLiteral, podEndpoint, processReads, quantity, render, selectorMatches, workloads,
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

// ------------------------------------- dialling and connection-age keys
// The ConfigMaps set SALES_LOAD_BALANCING, SALES_MAX_CONNECTION_AGE and
// SALES_MAX_CONNECTION_AGE_GRACE; a key the code does not read is silently
// ignored (Config takes any SALES_ variable), so the platform must read them
// and each process that gets them must reach that reading.
const DIAL_KEYS = ["load_balancing"];
const SERVER_KEYS = ["max_connection_age", "max_connection_age_grace"];
// The longest unary deadline the gateway allows (gateway/gateway.cc,
// kDefaultDeadlineCaps: */Run*Sweep=10m).
const LONGEST_UNARY_CALL_SECONDS = 600;
{
  for (const key of [...DIAL_KEYS, ...SERVER_KEYS]) {
    const where = [...filesWithLiteral("platform", key), ...filesWithLiteral("gateway", key)];
    report.check(where.length > 0,
      `code: neither platform/ nor gateway/ reads config key "${key}" (no "${key}" literal outside comments), ` +
      `so SALES_${key.toUpperCase()} in the ConfigMaps changes nothing`);
  }
  for (const [name, p] of Object.entries(graph.processes)) {
    const dir = p.dir ?? p.code;
    if (p.external) continue;
    if (!report.check(dir != null, `call-graph process ${name} names no source folder (dir, or code for a CronJob)`)) continue;
    const dials = graph.calls.some((c) => c.from === name);
    const keys = [...(dials ? DIAL_KEYS : []), ...(p.grpc_port ? SERVER_KEYS : [])];
    for (const key of keys) {
      report.check(processReads(dir, key) != null,
        `code: ${name} (${dir}/) never reads config key "${key}" — neither the literal nor a platform function or ` +
        `class that reads it — so its ConfigMap's SALES_${key.toUpperCase()} is ignored`);
    }
  }
}

// A peer address: dns:/// + a headless Service of this render (short name,
// or <name>.<namespace>.svc[.<cluster domain>]) + a port that Service
// exposes. Returns the Service, or null after reporting what is wrong.
const ADDRESS = /^dns:\/\/\/([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)(?:\.([a-z0-9-]+)\.svc(?:\.[a-z0-9.-]+)?)?:(\d+)$/;
function checkAddress(at, services, namespace, where, key, value) {
  const v = String(value);
  const m = ADDRESS.exec(v);
  if (!report.check(m != null, at(`${where}: ${key} is "${v}", not dns:///<name>-headless:<port> (a target without ` +
    `the dns resolver and a headless Service gives round_robin one address: every call rides one connection to one pod)`))) {
    return null;
  }
  const [, name, ns, port] = m;
  if (ns != null && !report.check(ns === namespace, at(`${where}: ${key} names namespace ${ns}, but it runs in ${namespace}`))) return null;
  const svc = services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? "default") === namespace);
  if (!report.check(svc != null, at(`${where}: ${key} dials Service ${name}, which this overlay does not define`))) return null;
  report.check(svc.spec.clusterIP === "None", at(`${where}: ${key} dials Service ${name}, which is not headless ` +
    `(clusterIP ${svc.spec.clusterIP ?? "assigned by the cluster"}): its DNS name is one virtual IP, so round_robin ` +
    `has one address and kube-proxy pins each connection to one pod; dial a Service with clusterIP: None`));
  const ports = (svc.spec.ports ?? []).map((x) => x.port);
  report.check(ports.includes(Number(port)),
    at(`${where}: ${key} dials port ${port}, but Service ${name} exposes only ${ports.join(", ") || "no ports"}`));
  return svc;
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

  // Every peer address in every ConfigMap is a headless Service's, and a
  // ConfigMap that gives peers to dial balances over their pods.
  for (const cm of configMaps) {
    const data = cm.data ?? {};
    const where = `ConfigMap ${cm.metadata.name}`;
    const addresses = Object.keys(data).filter((k) => /_ADDRESS$/.test(k));
    for (const k of addresses) checkAddress(at, services, cm.metadata.namespace ?? "default", where, k, data[k]);
    if (addresses.length) {
      report.check(data.SALES_LOAD_BALANCING === "round_robin",
        at(`${where} dials ${addresses.join(", ")} but sets SALES_LOAD_BALANCING to ` +
          `${data.SALES_LOAD_BALANCING == null ? "nothing" : `"${data.SALES_LOAD_BALANCING}"`}, not "round_robin": ` +
          `written down where the addresses are, so no overlay or default can leave a caller on pick_first (one pod)`));
    }
  }
  // The same for a container whose own env overrides its ConfigMap's.
  for (const w of ws) {
    for (const c of w.containers) {
      const own = (c.env ?? []).filter((e) => e.name === "SALES_LOAD_BALANCING" || /_ADDRESS$/.test(e.name));
      if (!own.length) continue;
      const env = envOf(w, c);
      const where = `${w.kind} ${w.name}/${c.name}`;
      const addresses = Object.keys(env).filter((k) => /^SALES_\w+_ADDRESS$/.test(k));
      for (const e of own) {
        if (/_ADDRESS$/.test(e.name) && e.value != null) checkAddress(at, services, w.namespace, `${where} env`, e.name, e.value);
      }
      if (addresses.length) {
        report.check(env.SALES_LOAD_BALANCING === "round_robin",
          at(`${where} dials ${addresses.join(", ")} with SALES_LOAD_BALANCING ` +
            `${env.SALES_LOAD_BALANCING == null ? "unset" : `"${env.SALES_LOAD_BALANCING}"`}, not "round_robin"`));
      }
    }
  }

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

    // Connection age: every server ends each connection after
    // max_connection_age so its clients resolve again and new pods get calls,
    // and lets the calls on it finish within max_connection_age_grace (gRPC
    // adds up to 10 % jitter to the age). Written down in the ConfigMap (not
    // left to a default in the code). The grace is not part of a pod's
    // termination budget: on SIGTERM the server drains every connection
    // within drain_deadline whatever its age. It must instead let the
    // longest unary call finish — a sweep the gateway allows 10 minutes
    // (gateway.cc kDefaultDeadlineCaps, */Run*Sweep=10m) would otherwise be
    // cut on every aged connection and fail each Job retry the same way.
    // Feeds (StreamEvents) outlive any grace; their consumers reopen from
    // their cursor.
    {
      const cms = (c.envFrom ?? []).map((r) => r.configMapRef?.name).filter(Boolean).join(", ") || "none";
      const ageRaw = env.SALES_MAX_CONNECTION_AGE;
      const graceRaw = env.SALES_MAX_CONNECTION_AGE_GRACE;
      report.check(ageRaw != null, `${id}: SALES_MAX_CONNECTION_AGE is not set (ConfigMap ${cms}): ` +
        `the server's connection age must be written where its drain budget is`);
      report.check(graceRaw != null, `${id}: SALES_MAX_CONNECTION_AGE_GRACE is not set (ConfigMap ${cms})`);
      if (ageRaw != null && graceRaw != null) {
        const age = durationSeconds(String(ageRaw));
        const ageGrace = durationSeconds(String(graceRaw));
        const ageOk = report.check(Number.isFinite(age) && age >= 1 && age <= 86400,
          `${id}: SALES_MAX_CONNECTION_AGE "${ageRaw}" is not a duration between 1s and 24h`);
        const graceOk = report.check(Number.isFinite(ageGrace) && ageGrace >= 0 && ageGrace <= 3600,
          `${id}: SALES_MAX_CONNECTION_AGE_GRACE "${graceRaw}" is not a duration between 0s and 1h`);
        if (ageOk && graceOk) {
          report.check(ageGrace >= LONGEST_UNARY_CALL_SECONDS,
            `${id}: max_connection_age_grace ${ageGrace} s < ${LONGEST_UNARY_CALL_SECONDS} s, the longest call the ` +
            `gateway lets run (a sweep): such a call on an aged connection would be cut`);
        }
      }
    }

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
      const want = `dns:///${peer}-headless:${target.grpc_port}`;
      const have = env[`SALES_${peer.toUpperCase()}_ADDRESS`];
      const m = ADDRESS.exec(String(have ?? ""));  // a FQDN in its namespace is checked above
      report.check(m != null && m[1] === `${peer}-headless` && Number(m[3]) === target.grpc_port,
        `${id}: ${peer}_address is "${have}", not "${want}" (${peer}'s headless Service ` +
        `and gRPC port, so the caller sees and balances over every ready ${peer} pod)`);
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
    // Two Services: <app> (a virtual IP, for people and ingress) and
    // <app>-headless (one DNS record per ready pod, what peers dial).
    const clusterIp = svc.find((s) => s.metadata.name === w.app);
    report.check(clusterIp != null && clusterIp.spec.clusterIP !== "None",
      `${id}: no ClusterIP Service named ${w.app} (people and ingress reach ${w.app} through it)`);
    const headless = svc.find((s) => s.metadata.name === `${w.app}-headless`);
    if (report.check(headless != null, `${id}: no Service ${w.app}-headless selecting its pods (peers dial dns:///${w.app}-headless:${p.grpc_port})`)) {
      report.check(headless.spec.clusterIP === "None", `${id}: Service ${w.app}-headless is not headless (clusterIP: None)`);
      report.check(headless.spec.publishNotReadyAddresses !== true,
        `${id}: Service ${w.app}-headless publishes pods that are not ready: callers would dial starting and draining pods`);
      report.check((headless.spec.ports ?? []).some((sp) => sp.name === "grpc" && sp.port === p.grpc_port),
        `${id}: Service ${w.app}-headless has no port grpc ${p.grpc_port}`);
    }
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
